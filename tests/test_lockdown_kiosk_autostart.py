"""Check kiosk_autostart (``[kiosk_autostart]``, Linux): the session starts the browser in kiosk mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.kiosk import BROWSER, check, check_break, running_kiosk

KIOSK_DESKTOP = "etc/xdg/autostart/kiosk.desktop"


@pytest.mark.parametrize(
    ("text", "evidence"),
    [
        (f"[Desktop Entry]\nExec={BROWSER} https://www.caf.fr\n",
         f"aucune entrée /etc/xdg/autostart ne lance « {BROWSER} --kiosk »"),
        (f"[Desktop Entry]\nHidden=true\nExec={BROWSER} --kiosk https://www.caf.fr\n",
         f"aucune entrée /etc/xdg/autostart ne lance « {BROWSER} --kiosk »"),
        ("[Desktop Entry]\nExec=firefox --kiosk https://www.caf.fr\n",
         f"aucune entrée /etc/xdg/autostart ne lance « {BROWSER} --kiosk »"),
    ],
    ids=["not_kiosk", "hidden", "other_program"],
)  # fmt: skip
def test_each_break_is_named(tmp_path: Path, text: str, evidence: str) -> None:
    code, results = check_break(tmp_path, KIOSK_DESKTOP, text)
    assert code == 1
    assert results["kiosk_autostart"]["result"] == "fail"
    assert results["kiosk_autostart"]["evidence"] == [evidence]


def test_kiosk_flag_may_be_optional(tmp_path: Path) -> None:
    with running_kiosk(tmp_path) as (root, _, _browser):
        (root / KIOSK_DESKTOP).write_text(f"[Desktop Entry]\nExec=env {BROWSER} https://www.caf.fr\n")
        policy = tmp_path / "optional.toml"
        policy.write_text(f'[policy]\nprofile = "borne"\n[kiosk_autostart]\ncommand = "{BROWSER}"\n'
                          "require_kiosk_flag = false\n")  # fmt: skip
        code, results = check(policy, root)
    assert (code, results["kiosk_autostart"]["result"]) == (0, "pass")
