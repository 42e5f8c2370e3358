"""The table of lockdown checks, and running them.

Adding a check touches four places: its class (``checks.py``), one line here, one documented
section in ``sample-policy.toml``, and a test.
"""

from __future__ import annotations

import logging

from agent.lockdown import checks
from agent.lockdown.base import Check, CheckResult, Context
from agent.lockdown.policy import Policy

_LOGGER = logging.getLogger(__name__)

CHECKS: dict[str, type[Check]] = {
    "public_account_not_admin": checks.PublicAccountNotAdmin,
    "required_processes": checks.RequiredProcesses,
    "forbidden_processes": checks.ForbiddenProcesses,
    "browser_policy": checks.BrowserPolicy,
    "file_integrity": checks.FileIntegrity,
    "usb_storage": checks.UsbStorageBlocked,
    "session_reset": checks.SessionReset,
    "listening_ports": checks.ListeningPorts,
    "kiosk_autostart": checks.KioskAutostart,
    "windows_kiosk_mode": checks.WindowsKioskMode,
    "windows_write_filter": checks.WindowsWriteFilter,
}


def run_checks(policy: Policy, ctx: Context) -> list[CheckResult]:
    """Run every check the policy enables on this platform; one failing check never stops the others."""
    results = []
    for check_class in CHECKS.values():
        check = check_class(policy)
        if not check.applies(ctx):
            continue
        try:
            results.append(check.run(ctx))
        except Exception as err:  # a check that breaks says "unknown", it does not take the others down
            _LOGGER.exception("lockdown check %s failed", check.id)
            results.append(CheckResult.of(check, "unknown", [f"erreur interne : {type(err).__name__}"]))
    return results


def intact(results: list[CheckResult]) -> bool:
    """Return whether no check failed (unknown is not broken)."""
    return not any(r.result == "fail" for r in results)
