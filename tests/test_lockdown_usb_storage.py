"""Check usb_storage (``[usb_storage]``): modprobe.d on Linux, USBSTOR on Windows."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.kiosk import check_break, check_windows

NOT_BLOCKED = "usb_storage n'est ni en liste noire ni neutralisé dans modprobe.d"


@pytest.mark.parametrize(
    ("text", "result"),
    [
        ("# nothing\n", "fail"),
        ("blacklist uas\n", "fail"),
        ("blacklist usb-storage\n", "pass"),
        ("install usb_storage /usr/bin/true\n", "pass"),
    ],
    ids=["nothing", "other_module", "blacklisted", "install_true"],
)
def test_modprobe(tmp_path: Path, text: str, result: str) -> None:
    code, results = check_break(tmp_path, "etc/modprobe.d/esc-usb.conf", text)
    assert (code, results["usb_storage"]["result"]) == ((1, "fail") if result == "fail" else (0, "pass"))
    assert results["usb_storage"]["evidence"] == ([NOT_BLOCKED] if result == "fail" else [])


def test_usbstor_start(tmp_path: Path) -> None:
    _, results = check_windows(tmp_path, "unlocked")
    assert results["usb_storage"]["evidence"] == ["USBSTOR Start = 3 (4 attendu)"]
