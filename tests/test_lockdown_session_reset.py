"""Check session_reset (``[session_reset]``): logind, xautolock/xidlehook autostart, Windows timeout."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.kiosk import check, check_break, check_windows, running_kiosk


def test_the_shortest_reset_counts(tmp_path: Path) -> None:
    with running_kiosk(tmp_path) as (root, policy, _):
        _, results = check(policy, root)
    assert results["session_reset"]["result"] == "pass"
    assert results["session_reset"]["evidence"] == ["logind StopIdleSessionSec = 600 s"]


@pytest.mark.parametrize(
    ("relative", "text", "result", "evidence"),
    [
        ("etc/systemd/logind.conf.d/kiosk.conf", "[Login]\nStopIdleSessionSec=2h\n",
         "fail", "xautolock (idle.desktop) = 1200 s (au plus 900 s attendus)"),
        ("etc/xdg/autostart/idle.desktop", "[Desktop Entry]\nExec=xidlehook --not-when-audio --timer 300 reset\n",
         "pass", "xidlehook (idle.desktop) = 300 s"),
    ],
    ids=["idle_too_long", "xidlehook"],
)  # fmt: skip
def test_each_candidate_is_read(tmp_path: Path, relative: str, text: str, result: str, evidence: str) -> None:
    code, results = check_break(tmp_path, relative, text)
    assert (code, results["session_reset"]["result"]) == ((1, "fail") if result == "fail" else (0, "pass"))
    assert results["session_reset"]["evidence"] == [evidence]


def test_no_reset_at_all(tmp_path: Path) -> None:
    """Without logind's setting, and with the xautolock entry hidden, nothing resets the session."""
    with running_kiosk(tmp_path) as (root, policy, _):
        (root / "etc/systemd/logind.conf.d/kiosk.conf").write_text("[Login]\n")
        (root / "etc/xdg/autostart/idle.desktop").write_text(
            "[Desktop Entry]\nHidden=true\nExec=xautolock -time 1 -locker /usr/local/bin/reset\n"
        )
        code, results = check(policy, root)
    assert code == 1
    assert results["session_reset"]["evidence"] == [
        "aucune réinitialisation de session après inactivité n'est configurée"
    ]


def test_inactivity_timeout_on_windows(tmp_path: Path) -> None:
    _, results = check_windows(tmp_path, "unlocked")
    assert results["session_reset"]["evidence"] == ["InactivityTimeoutSecs = 3600 s (au plus 900 s attendus)"]
