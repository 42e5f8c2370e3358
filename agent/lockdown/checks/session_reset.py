"""``[session_reset]``: an idle public session is reset automatically, soon enough."""

from __future__ import annotations

import re
from typing import Annotated

import msgspec

from agent.lockdown import windows
from agent.lockdown.base import Check, CheckResult, Context
from agent.lockdown.linux import autostart_entries
from agent.lockdown.registry import register
from agent.shared.config import Section


class SessionResetSection(Section, frozen=True):
    """The ``[session_reset]`` table: the longest idle time before the session is reset."""

    max_idle_seconds: Annotated[int, msgspec.Meta(ge=30, le=86_400)]


_DURATION = re.compile(r"^\s*(\d+)\s*(s|sec|min|m|h)?\s*$")
_XAUTOLOCK = re.compile(r"\bxautolock\b.*?-time\s+(\d+)")
_XIDLEHOOK = re.compile(r"\bxidlehook\b.*?--timer\s+(\d+)")


def _seconds(value: str) -> int | None:
    """Return a systemd duration in seconds: ``"10min"`` gives 600, ``"infinity"`` ``None``."""
    match = _DURATION.match(value)
    if not match:
        return None
    factor = {"min": 60, "m": 60, "h": 3600}.get(match.group(2) or "s", 1)
    return int(match.group(1)) * factor


def _logind_idle(ctx: Context) -> int | None:
    texts = [ctx.read_text("/etc/systemd/logind.conf") or ""]
    folder = ctx.path("/etc/systemd/logind.conf.d")
    if folder.is_dir():
        texts += [
            ctx.read_text(f"/etc/systemd/logind.conf.d/{f.name}") or "" for f in sorted(folder.glob("*.conf"))
        ]
    value: int | None = None
    for text in texts:  # later files override earlier ones, as systemd does
        for line in text.splitlines():
            key, _, raw = line.strip().partition("=")
            if key == "StopIdleSessionSec" and raw:
                value = _seconds(raw)
    return value


@register
class SessionReset(Check[SessionResetSection]):
    """An idle public session is reset automatically."""

    id = "session_reset"
    label = "La session se réinitialise après inactivité"
    section = "session_reset"

    def run(self, ctx: Context) -> CheckResult:
        """Read logind / autostart (Linux) or InactivityTimeoutSecs (Windows)."""
        limit = self.config.max_idle_seconds
        if ctx.platform == "windows":
            values = ctx.windows.registry_values(windows.POLICIES_SYSTEM) if ctx.windows else None
            timeout = (values or {}).get("InactivityTimeoutSecs")
            candidates = (
                [("InactivityTimeoutSecs", int(timeout))] if isinstance(timeout, int) and timeout > 0 else []
            )
        else:
            candidates = []
            idle = _logind_idle(ctx)
            if idle:
                candidates.append(("logind StopIdleSessionSec", idle))
            for name, command in autostart_entries(ctx):
                if match := _XAUTOLOCK.search(command):
                    candidates.append((f"xautolock ({name})", int(match.group(1)) * 60))
                elif match := _XIDLEHOOK.search(command):
                    candidates.append((f"xidlehook ({name})", int(match.group(1))))
        if not candidates:
            return CheckResult.of(
                self, "fail", ["aucune réinitialisation de session après inactivité n'est configurée"]
            )
        best_name, best = min(candidates, key=lambda c: c[1])
        if best > limit:
            return CheckResult.of(self, "fail", [f"{best_name} = {best} s (au plus {limit} s attendus)"])
        return CheckResult.of(self, "pass", [f"{best_name} = {best} s"])
