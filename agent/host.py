"""Host health of the PC the agent runs on, through psutil.

Only counts and sizes leave the PC: the number of open user sessions, never who they are, and
the number of sessions opened since the agent started counting (``session_starts_total`` from
``session_starts_since``): a session is told apart by its terminal, start time and process,
kept in memory while it is open, never by its user. Sessions open when the agent starts are not
counted (an earlier run may have counted them); a session opened and closed between two
readings is missed. The psutil module is injectable so tests can feed recorded readings.
"""

from __future__ import annotations

import logging
import platform
import time
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from agent.contract.messages import DiskUsage, HostBody

_LOGGER = logging.getLogger(__name__)


class HostSampler:
    """Take host readings; keeps the CPU counters between two readings."""

    name = "host"

    def __init__(self, mounts: Sequence[str], *, ps: ModuleType | Any | None = None) -> None:
        """Prepare a sampler for the given mount points (psutil imported lazily)."""
        if ps is None:
            import psutil  # noqa: PLC0415 - keep the import off the agent's start-up path

            ps = psutil
        self._ps = ps
        self._mounts = tuple(mounts)
        self._primed = False
        self._sessions: set[tuple[str, float, int]] | None = None  # open sessions, never their user
        self.session_starts = 0
        self.counting_since = time.time()

    def sample(self) -> HostBody:
        """Return the current host health."""
        ps = self._ps
        if not self._primed:
            # The first cpu_percent() call has no reference point and returns 0.0.
            cpu = float(ps.cpu_percent(interval=0.2))
            self._primed = True
        else:
            cpu = float(ps.cpu_percent(interval=None))
        mem = ps.virtual_memory()
        boot = float(ps.boot_time())
        try:
            load1: float | None = float(ps.getloadavg()[0])
        except (AttributeError, OSError):
            load1 = None
        return HostBody(
            os=platform.system() or "unknown",
            os_release=platform.release() or None,
            boot_time=boot,
            uptime_seconds=max(0.0, time.time() - boot),
            cpu_count=int(ps.cpu_count() or 1),
            cpu_usage_ratio=min(1.0, max(0.0, cpu / 100.0)),
            load1=load1,
            memory_total_bytes=int(mem.total),
            memory_available_bytes=int(mem.available),
            disks=tuple(self._disks()),
            user_sessions=self._count_sessions(ps.users()),
            session_starts_total=self.session_starts,
            session_starts_since=self.counting_since,
        )

    def _count_sessions(self, users: Sequence[Any]) -> int:
        """Count the sessions opened since the last reading; return how many are open."""
        keys = {
            (str(getattr(u, "terminal", "") or ""), float(getattr(u, "started", 0.0) or 0.0),
             int(getattr(u, "pid", 0) or 0))
            for u in users
        }  # fmt: skip
        if self._sessions is not None:
            self.session_starts += len(keys - self._sessions)
        self._sessions = keys
        return len(users)

    def _disks(self) -> list[DiskUsage]:
        disks = []
        for mount in self._mounts:
            try:
                usage = self._ps.disk_usage(mount)
            except OSError as err:
                _LOGGER.warning("disk usage of %s unavailable: %s", mount, err)
                continue
            disks.append(DiskUsage(mount=mount, total_bytes=int(usage.total), free_bytes=int(usage.free)))
        return disks
