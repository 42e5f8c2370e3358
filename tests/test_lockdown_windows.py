"""Checks windows_kiosk_mode and windows_write_filter (``[windows]``) on recorded Windows systems."""

from __future__ import annotations

from pathlib import Path

from helpers.kiosk import check, check_windows


def test_kiosk_mode(tmp_path: Path) -> None:
    _, locked = check_windows(tmp_path, "locked")
    assert locked["windows_kiosk_mode"]["evidence"][0] == "accès attribué : configuré"  # type: ignore[index]
    _, unlocked = check_windows(tmp_path, "unlocked")
    assert unlocked["windows_kiosk_mode"]["result"] == "fail"
    assert unlocked["windows_kiosk_mode"]["evidence"][0] == "accès attribué : absent"  # type: ignore[index]


def test_write_filter(tmp_path: Path) -> None:
    _, locked = check_windows(tmp_path, "locked")
    assert (locked["windows_write_filter"]["result"], locked["windows_write_filter"]["severity"]) == (
        "pass",
        "warning",
    )
    _, unlocked = check_windows(tmp_path, "unlocked")
    assert unlocked["windows_write_filter"]["evidence"] == ["UWF désactivé au prochain démarrage"]


def test_windows_checks_do_not_run_on_linux(tmp_path: Path) -> None:
    policy = tmp_path / "windows.toml"
    policy.write_text('[policy]\nprofile = "borne"\n[windows]\nwrite_filter = "required"\n')
    code, results = check(policy, tmp_path)
    assert (code, results) == (0, {})
