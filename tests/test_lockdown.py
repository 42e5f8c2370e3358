"""Kiosk lockdown as a whole: a kiosk-like tree and recorded Windows, policy files, check failures.

What each check finds is tested in its own module (``test_lockdown_<table>.py``); the registry
and the sample policy in ``test_lockdown_registry.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.lockdown.base import Context
from agent.lockdown.policy import load_policy
from agent.lockdown.registry import run_checks
from agent.lockdown.windows import RecordedWindowsSource, parse_reg_export

from helpers.kiosk import WINDOWS_DATA, check, check_windows, running_kiosk, write_policy
from helpers.processes import run_cli

LINUX_CHECKS = {"public_account_not_admin", "required_processes", "forbidden_processes", "browser_policy",
                "file_integrity", "usb_storage", "session_reset", "kiosk_autostart"}  # fmt: skip
WINDOWS_CHECKS = {"public_account_not_admin", "browser_policy", "usb_storage", "session_reset",
                  "windows_kiosk_mode", "windows_write_filter"}  # fmt: skip


def test_intact_kiosk_passes(tmp_path: Path) -> None:
    with running_kiosk(tmp_path) as (root, policy, _):
        baseline = tmp_path / "baseline.json"
        made = run_cli("esc-agent", "lockdown", "baseline", "--policy", str(policy), "--root", str(root),
                       "--out", str(baseline))  # fmt: skip
        assert made.returncode == 0, made.stderr
        assert "3 file(s)" in made.stdout
        code, results = check(policy, root, "--baseline", str(baseline))
    assert {k: v["result"] for k, v in results.items()} == dict.fromkeys(LINUX_CHECKS, "pass")
    assert code == 0


def test_text_report_names_every_check(tmp_path: Path) -> None:
    with running_kiosk(tmp_path) as (root, policy, _):
        result = run_cli("esc-agent", "lockdown", "check", "--policy", str(policy), "--root", str(root))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "profil borne-caf : verrouillage intact"
    assert f"  ?     {'file_integrity':<26} Les fichiers de verrouillage n'ont pas changé" in lines
    assert {line.split()[1] for line in lines if line.startswith("  OK")} == LINUX_CHECKS - {"file_integrity"}


def test_windows_locked_recording_passes(tmp_path: Path) -> None:
    code, results = check_windows(tmp_path, "locked")
    assert {k: v["result"] for k, v in results.items()} == dict.fromkeys(WINDOWS_CHECKS, "pass")
    assert code == 0


def test_windows_unlocked_recording_fails_each_check(tmp_path: Path) -> None:
    code, results = check_windows(tmp_path, "unlocked")
    assert code == 1
    assert {k: v["result"] for k, v in results.items()} == dict.fromkeys(WINDOWS_CHECKS, "fail")


def test_reg_export_parser() -> None:
    raw = (WINDOWS_DATA / "locked" / "registry.reg").read_bytes()
    keys = parse_reg_export(raw.decode("utf-16"))
    usb = keys["hklm\\system\\currentcontrolset\\services\\usbstor"]
    assert usb["Start"] == 4
    assert (
        usb["ImagePath"] == "\\SystemRoot\\System32\\drivers\\USBSTOR.SYS"
    )  # hex(2) across continuation lines
    profile = keys["hklm\\software\\microsoft\\windows\\assignedaccessconfiguration\\profiles\\"
                   "{9a2a490f-10f6-4764-974a-43b19e722c23}"]  # fmt: skip
    assert profile["AllowedApps"] == ["Microsoft.MicrosoftEdge"]  # hex(7) multi-string
    text = '[HKEY_LOCAL_MACHINE\\A]\n"x"="a \\"quoted\\" \\\\ value"\n@="default"\n"gone"=dword:1\n"gone"=-\n[-HKEY_LOCAL_MACHINE\\B]\n'
    parsed = parse_reg_export(text)
    assert parsed["hklm\\a"] == {"x": 'a "quoted" \\ value', "": "default"}
    source = RecordedWindowsSource(raw.decode("utf-16"))
    edge = source.registry_subkeys(r"HKLM\SOFTWARE\Policies\Microsoft\Edge")
    assert edge == ["URLAllowlist", "URLBlocklist"]  # spelled as exported


# --------------------------------------------------------------------------- policy files


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        ("[policy]\n", "1: policy.profile", "missing"),
        ('[policy]\nprofile = "x"\n[browser]\nbrowsers = ["netscape"]\nallowed_sites = ["caf.fr"]\n',
         "4: browser.browsers[0]", "netscape"),
        ('[policy]\nprofile = "x"\n[browser]\nbrowsers = ["edge"]\nallowed_sites = ["https://caf.fr/"]\n',
         "5: browser.allowed_sites", "domain names such as 'caf.fr', got 'https://caf.fr/'"),
        ('[policy]\nprofile = "x"\n[sessions]\n', "3: sessions", "unknown key"),
        ('[policy]\nprofile = "x"\n[session_reset]\nmax_idle_seconds = 5\n', "4: session_reset.max_idle_seconds",
         ">= 30"),
        ('[policy]\nprofile = "x"\n[usb_storage]\nblocked = true\nblock = true\n', "5: usb_storage.block",
         "unknown key"),
        ('[policy]\nprofile = "Not Valid"\n', "2: policy.profile", "regex"),
        ("[policy\n", None, "not valid TOML"),
    ],
    ids=["no_profile", "unknown_browser", "url_as_site", "unknown_table", "idle_too_short", "unknown_key",
         "bad_profile", "not_toml"],
)  # fmt: skip
def test_malformed_policy_exits_2_naming_file_line_and_key(
    tmp_path: Path, where: str | None, text: str, problem: str
) -> None:
    """One line: ``esc-agent: error: FILE:LINE: KEY: PROBLEM``, for ``check`` and ``baseline``."""
    policy = tmp_path / "bad.toml"
    policy.write_text(text)
    for command in ("check", "baseline"):
        extra = ["--out", str(tmp_path / "b.json")] if command == "baseline" else []
        result = run_cli("esc-agent", "lockdown", command, "--policy", str(policy), *extra)
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert (f"{policy}:{where}" if where else f"{policy}: ") in result.stderr
        assert problem in result.stderr
        assert "Traceback" not in result.stderr


# --------------------------------------------------------------------------- running the checks


def test_a_crashing_check_reports_unknown(tmp_path: Path) -> None:
    policy = load_policy(write_policy(tmp_path))

    def boom() -> list[str]:
        raise PermissionError("no")

    results = {r.id: r for r in run_checks(policy, Context(root=tmp_path, process_names=boom))}
    assert results["required_processes"].result == "unknown"
    assert results["required_processes"].evidence == ("erreur interne : PermissionError",)
    assert results["browser_policy"].result == "fail"  # the other checks still ran


def test_evidence_never_carries_personal_paths(tmp_path: Path) -> None:
    with running_kiosk(tmp_path) as (root, policy, _):
        home = root / "home/borne"
        home.mkdir(parents=True)
        (home / "CV-Jeanne-Dupont.pdf").write_text("personal")
        result = run_cli(
            "esc-agent", "lockdown", "check", "--policy", str(policy), "--root", str(root), "--json"
        )
    assert "Dupont" not in result.stdout
    assert "/home" not in result.stdout
