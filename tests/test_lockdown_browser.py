"""Check browser_policy (``[browser]``): managed policies of Chromium and Firefox, Edge on Windows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.lockdown.checks.browser import url_host

from helpers.kiosk import CHROMIUM_POLICY, check_break, check_windows, write_only
from helpers.processes import run_cli

CHROMIUM = "etc/chromium/policies/managed/kiosk.json"


@pytest.mark.parametrize(
    ("relative", "text", "evidence"),
    [
        (CHROMIUM, json.dumps({**CHROMIUM_POLICY, "URLBlocklist": []}),
         "chromium : URLBlocklist ne bloque pas tous les sites (*)"),
        (CHROMIUM, json.dumps({**CHROMIUM_POLICY, "IncognitoModeAvailability": 0}),
         "chromium : IncognitoModeAvailability vaut 0 au lieu de 1"),
        (CHROMIUM, "{ not json", "chromium : URLBlocklist ne bloque pas tous les sites (*)"),
        (CHROMIUM, json.dumps({**CHROMIUM_POLICY, "URLAllowlist": ["caf.fr", "https://jeux.example/"]}),
         "chromium : URLAllowlist autorise un site non déclaré : https://jeux.example/"),
        ("etc/firefox/policies/policies.json", json.dumps({"policies": {}}),
         "firefox : WebsiteFilter.Block ne bloque pas tous les sites (*)"),
        ("etc/firefox/policies/policies.json", json.dumps({"policies": {"WebsiteFilter": {"Block": ["*"]}}}),
         "firefox : WebsiteFilter.Exceptions est vide"),
    ],
    ids=["no_block_all", "wrong_setting", "broken_json", "undeclared_site", "firefox_open", "firefox_no_sites"],
)  # fmt: skip
def test_each_break_is_named(tmp_path: Path, relative: str, text: str, evidence: str) -> None:
    code, results = check_break(tmp_path, relative, text)
    assert code == 1
    assert results["browser_policy"]["result"] == "fail"
    assert evidence in results["browser_policy"]["evidence"]  # type: ignore[operator]


def test_declared_sites_are_domains_in_any_case(tmp_path: Path) -> None:
    """``*.CAF.fr`` declares caf.fr and its subdomains; a missing browser policy is named."""
    root = tmp_path / "root"
    folder = root / "etc/opt/chrome/policies/managed"
    folder.mkdir(parents=True)
    (folder / "kiosk.json").write_text(
        json.dumps({"URLBlocklist": ["*"], "URLAllowlist": ["https://www.caf.fr/"]})
    )
    policy = write_only(tmp_path, browser='browsers = ["chrome", "edge"]\nallowed_sites = ["*.CAF.fr"]')
    result = run_cli("esc-agent", "lockdown", "check", "--policy", str(policy), "--root", str(root), "--json")
    evidence = {c["id"]: c["evidence"] for c in json.loads(result.stdout)["checks"]}
    assert evidence == {"browser_policy": ["edge : aucune politique gérée trouvée"]}


@pytest.mark.parametrize(
    ("entry", "host"),
    [("https://*.caf.fr/*", "caf.fr"), (".impots.gouv.fr:443/particulier", "impots.gouv.fr"),
     ("https://www.ameli.fr/assure?x=1", "www.ameli.fr"), ("*", "")],
)  # fmt: skip
def test_url_host(entry: str, host: str) -> None:
    assert url_host(entry) == host


def test_windows_registry_policies(tmp_path: Path) -> None:
    _, results = check_windows(tmp_path, "unlocked")
    assert results["browser_policy"]["evidence"] == [
        "edge : URLAllowlist autorise un site non déclaré : www.example-games.com",
        "firefox : WebsiteFilter.Block ne bloque pas tous les sites (*)",
    ]
