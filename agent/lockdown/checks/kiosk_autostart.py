"""``[kiosk_autostart]`` (Linux): the session starts the kiosk browser, in kiosk mode."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import msgspec

from agent.lockdown.base import Check, CheckResult, Context
from agent.lockdown.linux import autostart_entries
from agent.lockdown.registry import register
from agent.shared.config import Section


class KioskAutostartSection(Section, frozen=True):
    """The ``[kiosk_autostart]`` table: the program the session starts, and whether with --kiosk."""

    command: Annotated[
        str,
        msgspec.Meta(
            min_length=1, max_length=128, description="Program the kiosk session starts, e.g. chromium."
        ),
    ]
    require_kiosk_flag: bool = True


@register
class KioskAutostart(Check[KioskAutostartSection]):
    """The session starts the browser in kiosk mode (Linux autostart entry)."""

    id = "kiosk_autostart"
    label = "Le navigateur démarre en mode borne à l'ouverture de session"
    section = "kiosk_autostart"
    platforms = frozenset({"linux"})

    def run(self, ctx: Context) -> CheckResult:
        """Look for an autostart entry running the command (with --kiosk)."""
        section = self.config
        for _name, command in autostart_entries(ctx):
            words = command.split()
            starts = any(Path(w).name == section.command for w in words[:3])
            if starts and (not section.require_kiosk_flag or "--kiosk" in words):
                return CheckResult.of(self, "pass")
        flag = " --kiosk" if section.require_kiosk_flag else ""
        return CheckResult.of(
            self, "fail", [f"aucune entrée /etc/xdg/autostart ne lance « {section.command}{flag} »"]
        )
