"""Linux sources several lockdown checks share: the session's autostart entries."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agent.lockdown.base import Context

AUTOSTART = "/etc/xdg/autostart"
_HIDDEN = re.compile(r"^\s*Hidden\s*=\s*true", re.MULTILINE | re.IGNORECASE)


def autostart_entries(ctx: Context) -> list[tuple[str, str]]:
    """Return ``(file name, Exec command)`` of every enabled entry of ``/etc/xdg/autostart``.

    ``kiosk.desktop`` holding ``Exec=chromium --kiosk https://www.caf.fr`` gives
    ``("kiosk.desktop", "chromium --kiosk https://www.caf.fr")``; ``Hidden=true`` disables an entry.
    """
    folder = ctx.path(AUTOSTART)
    entries = []
    if folder.is_dir():
        for file in sorted(folder.glob("*.desktop")):
            text = ctx.read_text(f"{AUTOSTART}/{file.name}") or ""
            if _HIDDEN.search(text):
                continue
            for line in text.splitlines():
                if line.strip().startswith("Exec="):
                    entries.append((file.name, line.strip()[5:]))
    return entries
