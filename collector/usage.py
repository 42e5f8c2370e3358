"""Usage figures: pages printed and sessions opened, from counters that start over.

A printer's page counter (``prtMarkerLifeCount``) and an agent's count of session starts are
read often; :class:`CounterRecorder` keeps them downsampled in the history (one reading an hour
while they move, and both ends of a flat stretch), at event time. :func:`counted` then says how
much a counter grew within a period:

* a counter that goes down, or whose ``source`` changes (another printer's serial, an agent that
  restarted its count), starts a new segment: what it had counted before is kept, the drop is
  not subtracted, and the unknown pages between the two readings are not invented;
* between two readings the growth is spread evenly, so a period boundary cuts it in proportion;
* a printer replaced by another is another device (``sites.toml``), so it counts apart.

A worked example: readings 1 000 (Oct 31 18:00), 1 060 (Nov 1 10:00), 40 (Nov 2, a new main
board), 100 (Nov 3): November counts 60 × (10 h / 16 h) = 37.5, then 60: 97.5 pages.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Sequence

from collector.history import CounterReading, History

#: The counter names kept in the history.
PAGES = "pages"
SESSION_STARTS = "session_starts"


def counted(readings: Sequence[CounterReading], start: float, end: float) -> float:
    """Return how much one member's counter grew within [start, end) (readings in time order)."""
    total = 0.0
    for before, after in itertools.pairwise(readings):
        if after.source != before.source or after.value < before.value:
            continue  # a new segment starts at ``after``
        grown = after.value - before.value
        if grown <= 0:
            continue
        if after.ts <= before.ts:
            total += grown if start <= after.ts < end else 0.0
            continue
        overlap = min(after.ts, end) - max(before.ts, start)
        if overlap > 0:
            total += grown * overlap / (after.ts - before.ts)
    return total


def by_member(readings: Iterable[CounterReading], start: float, end: float) -> dict[tuple[str, str], float]:
    """Return each member's growth within [start, end), keyed by (kind, member)."""
    grouped: dict[tuple[str, str], list[CounterReading]] = {}
    for reading in readings:
        grouped.setdefault((reading.kind, reading.member), []).append(reading)
    return {key: counted(sorted(rows, key=lambda r: r.ts), start, end) for key, rows in grouped.items()}


class CounterRecorder:
    """Write counter readings into the history, downsampled, at event time (thread-safe).

    A reading is kept when it is the first, when its counter starts over (the last reading of the
    old segment is kept first), or when the counter moved and ``sample_every`` seconds passed
    since the last kept one; before a kept reading that ends a flat stretch, the stretch's last
    reading is kept too, so that the growth is dated where it happened.
    """

    def __init__(self, history: History, *, sample_every: float = 3600.0) -> None:
        """Load the last kept reading of every counter."""
        self.history = history
        self.sample_every = sample_every
        self._lock = threading.Lock()
        Reading = tuple[float, float, str]  # noqa: N806 - a local alias
        self._kept: dict[tuple[str, str, str, str], Reading] = dict(history.last_counters())
        self._seen: dict[tuple[str, str, str, str], Reading] = dict(self._kept)

    def observe(
        self, site: str, kind: str, member: str, name: str, ts: float, value: float, source: str = ""
    ) -> bool:
        """Take one reading; return whether it was kept."""
        key = (site, kind, member, name)
        with self._lock:
            seen = self._seen.get(key)
            kept = self._kept.get(key)
            if seen is not None and ts < seen[0]:
                return False  # an older reading replayed late: the counter's past is already kept
            restarted = seen is not None and (source != seen[2] or value < seen[1])
            moved = kept is None or value != kept[1]
            due = kept is None or restarted or (moved and ts - kept[0] >= self.sample_every)
            if not due:
                self._seen[key] = (ts, value, source)
                return False
            if (
                seen is not None
                and kept is not None
                and seen[0] > kept[0]
                and (restarted or seen[1] == kept[1])
            ):
                self.history.record_counter(site, kind, member, name, *seen)
            self.history.record_counter(site, kind, member, name, ts, value, source)
            self._kept[key] = self._seen[key] = (ts, value, source)
            return True
