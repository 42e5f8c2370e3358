"""Check public_account_not_admin (``[accounts]``): group and sudoers files, the live system, Windows."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from helpers.kiosk import build_kiosk, check, check_break, check_windows, write_only


@pytest.mark.parametrize(
    ("relative", "text", "evidence"),
    [
        ("etc/group", "root:x:0:\nsudo:x:27:tech,borne\nborne:x:1001:\n", "borne est membre du groupe sudo"),
        ("etc/sudoers", "borne ALL=(ALL) NOPASSWD: ALL\n", "borne a des droits sudo"),
        ("etc/passwd", "root:x:0:0::/root:/bin/sh\n", "compte public absent : borne"),
        ("etc/passwd", "borne:x:0:0::/home/borne:/bin/sh\n", "borne a l'identifiant 0 (root)"),
    ],
    ids=["sudo_group", "sudoers", "account_missing", "uid_0"],
)
def test_each_break_is_named(tmp_path: Path, relative: str, text: str, evidence: str) -> None:
    code, results = check_break(tmp_path, relative, text)
    assert code == 1
    assert results["public_account_not_admin"]["result"] == "fail"
    assert evidence in results["public_account_not_admin"]["evidence"]  # type: ignore[operator]


def test_real_account_on_the_live_system(tmp_path: Path) -> None:
    """As root: a real unprivileged account, then made an administrator (group files otherwise)."""
    policy_path = write_only(tmp_path, accounts='public = ["esckiosk"]')
    if os.geteuid() != 0:
        root = tmp_path / "root"
        build_kiosk(root)
        (root / "etc/passwd").write_text("esckiosk:x:1500:1500::/home/esckiosk:/bin/sh\n")
        (root / "etc/group").write_text("esckiosk:x:1500:\nsudo:x:27:\n")
        assert check(policy_path, root)[0] == 0
        (root / "etc/group").write_text("esckiosk:x:1500:\nsudo:x:27:esckiosk\n")
        assert check(policy_path, root)[0] == 1
        return
    subprocess.run(["userdel", "esckiosk"], capture_output=True, check=False)
    subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", "esckiosk"], check=True)
    try:
        code, results = check(policy_path, Path("/"))
        assert (code, results["public_account_not_admin"]["result"]) == (0, "pass")
        subprocess.run(["usermod", "-aG", "sudo", "esckiosk"], check=True)
        code, results = check(policy_path, Path("/"))
        assert code == 1
        assert results["public_account_not_admin"]["evidence"] == ["esckiosk est membre du groupe sudo"]
    finally:
        subprocess.run(["userdel", "esckiosk"], capture_output=True, check=False)


def test_windows_administrators_group(tmp_path: Path) -> None:
    _, results = check_windows(tmp_path, "unlocked")
    assert results["public_account_not_admin"]["evidence"] == ["borne est membre du groupe Administrateurs"]
