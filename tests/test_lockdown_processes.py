"""Checks required_processes and forbidden_processes (``[processes]``) on real processes."""

from __future__ import annotations

from pathlib import Path

import psutil

from helpers.kiosk import BROWSER, FORBIDDEN, check, running_kiosk, start_named
from helpers.processes import stop_process, wait_for


def test_real_processes(tmp_path: Path) -> None:
    with running_kiosk(tmp_path) as (root, policy, browser):
        terminal = start_named(tmp_path, FORBIDDEN)
        try:
            code, results = check(policy, root)
            assert code == 1
            assert results["forbidden_processes"]["evidence"] == [
                f"programme interdit en marche : {FORBIDDEN}"
            ]
        finally:
            stop_process(terminal)
        stop_process(browser)
        wait_for(
            lambda: BROWSER not in {p.name() for p in psutil.process_iter()},
            timeout=5,
            what="browser stopped",
        )
        code, results = check(policy, root)
    assert results["required_processes"]["evidence"] == [f"programme arrêté : {BROWSER}"]
    assert results["forbidden_processes"]["result"] == "pass"
