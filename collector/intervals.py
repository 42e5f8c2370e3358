"""Interval arithmetic over epoch seconds: merge, subtract, intersect, and fast measures.

Intervals are ``(start, end)`` pairs of floats, half-open ``[start, end)``. Functions take and
return sorted, merged lists (``merge`` makes one). Pure: no clock, no calendar.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from typing import Any

Interval = tuple[float, float]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Return sorted, non-overlapping intervals covering the same time."""
    out: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def subtract(base: list[Interval], remove: list[Interval]) -> list[Interval]:
    """Return ``base`` minus ``remove`` (both sorted and merged)."""
    out = []
    for start, end in base:
        cursor = start
        for r_start, r_end in remove:
            if r_end <= cursor or r_start >= end:
                continue
            if r_start > cursor:
                out.append((cursor, r_start))
            cursor = max(cursor, r_end)
            if cursor >= end:
                break
        if cursor < end:
            out.append((cursor, end))
    return out


def intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    """Return the time in both (sorted, merged inputs)."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


class Measure:
    """Open time before any moment, in O(log n): ``between(a, b)`` = time of the intervals in [a, b)."""

    def __init__(self, intervals: list[Interval]) -> None:
        """Index sorted, merged intervals."""
        self.intervals = intervals
        self.starts = [s for s, _e in intervals]
        self.ends = [e for _s, e in intervals]
        self.before: list[float] = [0.0]
        for start, end in intervals:
            self.before.append(self.before[-1] + end - start)
        self._columns: tuple[Any, Any, Any] | None = None  # the three lists as numpy arrays, once

    def until(self, moment: float) -> float:
        """Return the interval time before ``moment``."""
        index = bisect.bisect_right(self.starts, moment)  # intervals starting at or before moment
        if index == 0:
            return 0.0
        last_start, last_end = self.starts[index - 1], self.ends[index - 1]
        return self.before[index - 1] + min(moment, last_end) - last_start

    def clip(self, start: float, end: float) -> list[Interval]:
        """Return the intervals within [start, end), found by bisection."""
        first = bisect.bisect_right(self.ends, start)
        last = bisect.bisect_left(self.starts, end)
        out = self.intervals[first:last]
        if out:
            out[0] = (max(out[0][0], start), out[0][1])
            out[-1] = (out[-1][0], min(out[-1][1], end))
        return [i for i in out if i[1] > i[0]]

    def between_many(self, starts: Sequence[float], ends: Sequence[float]) -> list[float]:
        """Return ``between`` for many spans at once (vectorised with numpy)."""
        return list(self.between_array(starts, ends).tolist())

    def between_array(self, starts: Any, ends: Any) -> Any:
        """Return ``between`` for many spans at once, as a numpy array (spans given as sequences or arrays)."""
        import numpy as np  # noqa: PLC0415 - reports only

        a, b = np.asarray(starts, dtype=float), np.asarray(ends, dtype=float)
        if not self.starts:
            return np.zeros(len(a))
        if self._columns is None:
            self._columns = (np.asarray(self.starts), np.asarray(self.ends), np.asarray(self.before))
        first, last, before = self._columns

        def until(moments: Any) -> Any:
            index = np.searchsorted(first, moments, side="right")
            safe = np.maximum(index - 1, 0)
            inside = np.minimum(moments, last[safe]) - first[safe]
            return np.where(index == 0, 0.0, before[safe] + inside)

        return np.where(b > a, until(b) - until(a), 0.0)

    def each_between(self, starts: Any, ends: Any) -> Any:
        """Return :meth:`between` of each span as a numpy array, computed in the same order (same bits)."""
        import numpy as np  # noqa: PLC0415 - reports only

        a, b = np.asarray(starts, dtype=float), np.asarray(ends, dtype=float)
        if not self.starts:
            return np.zeros(len(a))
        if self._columns is None:
            self._columns = (np.asarray(self.starts), np.asarray(self.ends), np.asarray(self.before))
        first, last, before = self._columns

        def until(moments: Any) -> Any:  # (before + min(moment, end)) - start, as until() adds
            index = np.searchsorted(first, moments, side="right")
            safe = np.maximum(index - 1, 0)
            return np.where(index == 0, 0.0, (before[safe] + np.minimum(moments, last[safe])) - first[safe])

        return np.where(b > a, until(b) - until(a), 0.0)

    def between(self, start: float, end: float) -> float:
        """Return the interval time within [start, end)."""
        return self.until(end) - self.until(start) if end > start else 0.0


def total(intervals: Iterable[Interval]) -> float:
    """Return the summed length."""
    return sum(end - start for start, end in intervals)
