"""Check file_integrity (``[files]``): a baseline of SHA-256, drift and its repair."""

from __future__ import annotations

import json
from pathlib import Path

from helpers.kiosk import CHROMIUM_POLICY, check, running_kiosk
from helpers.processes import run_cli


def test_without_baseline_integrity_is_unknown_not_broken(tmp_path: Path) -> None:
    with running_kiosk(tmp_path) as (root, policy, _):
        code, results = check(policy, root)
    assert results["file_integrity"]["result"] == "unknown"
    assert results["file_integrity"]["evidence"] == [
        "aucune référence : lancer « esc-agent lockdown baseline »"
    ]
    assert code == 0


def test_drift_is_detected_and_clears_when_restored(tmp_path: Path) -> None:
    with running_kiosk(tmp_path) as (root, policy, _):
        baseline = tmp_path / "baseline.json"
        made = run_cli("esc-agent", "lockdown", "baseline", "--policy", str(policy), "--root", str(root),
                       "--out", str(baseline))  # fmt: skip
        assert made.returncode == 0, made.stderr
        managed = root / "etc/chromium/policies/managed/kiosk.json"
        original = managed.read_text()
        # An extra allowed site: the policy check and the hashes both see it.
        managed.write_text(
            json.dumps(
                {**CHROMIUM_POLICY, "URLAllowlist": [*CHROMIUM_POLICY["URLAllowlist"], "jeux.example"]}
            )
        )
        code, results = check(policy, root, "--baseline", str(baseline))
        assert code == 1
        assert results["browser_policy"]["evidence"] == [
            "chromium : URLAllowlist autorise un site non déclaré : jeux.example"]  # fmt: skip
        assert results["file_integrity"]["evidence"] == [
            "fichier modifié : /etc/chromium/policies/managed/kiosk.json"]  # fmt: skip
        # A new file dropped in the managed folder is drift too.
        (root / "etc/chromium/policies/managed/override.json").write_text("{}")
        _, results = check(policy, root, "--baseline", str(baseline))
        assert (
            "fichier ajouté : /etc/chromium/policies/managed/override.json"
            in results["file_integrity"]["evidence"]  # type: ignore[operator]
        )
        (root / "etc/chromium/policies/managed/override.json").unlink()
        managed.write_text(original)
        code, results = check(policy, root, "--baseline", str(baseline))
    assert (code, results["file_integrity"]["result"], results["browser_policy"]["result"]) == (
        0,
        "pass",
        "pass",
    )


def test_a_deleted_file_is_drift(tmp_path: Path) -> None:
    with running_kiosk(tmp_path) as (root, policy, _):
        baseline = tmp_path / "baseline.json"
        run_cli("esc-agent", "lockdown", "baseline", "--policy", str(policy), "--root", str(root),
                "--out", str(baseline))  # fmt: skip
        (root / "etc/xdg/autostart/kiosk.desktop").unlink()
        _, results = check(policy, root, "--baseline", str(baseline))
    assert results["file_integrity"]["evidence"] == ["fichier supprimé : /etc/xdg/autostart/kiosk.desktop"]
