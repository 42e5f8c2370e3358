"""``[windows]`` (Windows only): the kiosk mode is configured and the write filter protects the system.

Two checks read this one table: ``windows_kiosk_mode`` and ``windows_write_filter``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from agent.lockdown import windows
from agent.lockdown.base import Check, CheckResult, Context
from agent.lockdown.registry import register
from agent.shared.config import Section


class WindowsSection(Section, frozen=True):
    """The ``[windows]`` table: which kiosk mode is expected, whether UWF is required."""

    kiosk_mode: Literal["assigned_access", "shell_launcher", "any"] = "any"
    write_filter: Literal["required", "optional"] = "optional"


def _is_explorer(command: str) -> bool:
    return Path(command.replace("\\", "/")).name.casefold() == "explorer.exe"


@register
class WindowsKioskMode(Check[WindowsSection]):
    """Assigned Access or Shell Launcher is configured."""

    id = "windows_kiosk_mode"
    label = "Le mode kiosque Windows (accès attribué ou Shell Launcher) est configuré"
    section = "windows"
    platforms = frozenset({"windows"})

    def run(self, ctx: Context) -> CheckResult:
        """Read the Assigned Access configuration, Shell Launcher and Winlogon Shell."""
        source = ctx.windows
        if source is None:
            return CheckResult.of(self, "unknown", ["registre Windows illisible"])
        assigned = all(
            source.registry_subkeys(f"{windows.ASSIGNED_ACCESS}\\{part}") for part in ("Profiles", "Configs")
        )
        shells = [str(s.get("Shell", "")) for s in (source.shell_launcher() or [])]
        custom_shells = [s for s in shells if not _is_explorer(s)]
        winlogon = str((source.registry_values(windows.WINLOGON) or {}).get("Shell", "explorer.exe"))
        launcher = bool(custom_shells) or not _is_explorer(winlogon)
        wanted = self.config.kiosk_mode
        ok = {"assigned_access": assigned, "shell_launcher": launcher, "any": assigned or launcher}[wanted]
        evidence = [
            f"accès attribué : {'configuré' if assigned else 'absent'}",
            f"Shell Launcher : {'configuré' if launcher else 'absent'}",
        ]
        return CheckResult.of(self, "pass" if ok else "fail", evidence)


@register
class WindowsWriteFilter(Check[WindowsSection]):
    """The Unified Write Filter protects the system, where the policy asks for it."""

    id = "windows_write_filter"
    label = "Le filtre d'écriture (UWF) protège le système"
    severity = "warning"
    section = "windows"
    platforms = frozenset({"windows"})

    def run(self, ctx: Context) -> CheckResult:
        """Read UWF_Filter (current session and next boot)."""
        required = self.config.write_filter == "required"
        uwf = ctx.windows.uwf_filter() if ctx.windows else None
        if uwf is None:
            return CheckResult.of(
                self, "fail" if required else "unknown", ["filtre d'écriture UWF non installé"]
            )
        problems = []
        if not uwf.get("CurrentEnabled"):
            problems.append("UWF désactivé pour la session en cours")
        if not uwf.get("NextEnabled"):
            problems.append("UWF désactivé au prochain démarrage")
        return CheckResult.of(self, "fail" if problems else "pass", problems)
