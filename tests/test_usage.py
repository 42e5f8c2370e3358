"""Usage figures (collector/usage.py): counters that start over, cut at period ends; kept downsampled."""

from __future__ import annotations

from pathlib import Path

import pytest

from collector.history import CounterReading, History
from collector.usage import PAGES, CounterRecorder, by_member, counted

H = 3600.0


def r(ts_hours: float, value: float, source: str = "A") -> CounterReading:
    return CounterReading("device", "hp", ts_hours * H, value, source)


# (name, readings, [start, end) in hours, expected)
CASES = [
    ("nothing", [], (0, 100), 0.0),
    ("one reading", [r(1, 500)], (0, 100), 0.0),
    ("inside the period", [r(1, 500), r(2, 560), r(5, 600)], (0, 100), 100.0),
    ("cut at the start, in proportion", [r(0, 1000), r(16, 1060)], (14, 100), 7.5),
    ("cut at the end", [r(0, 1000), r(10, 1100)], (0, 4), 40.0),
    # The module's worked example: 60 × 10/16, then a new main board (40), then 60 more.
    ("a reset starts a new segment", [r(-6, 1000), r(10, 1060), r(26, 40), r(50, 100)], (0, 720), 37.5 + 60),
    ("a new source starts a new segment", [r(0, 1000), r(1, 1010, "B"), r(2, 1030, "B")], (0, 10), 20.0),
    ("a flat counter counts nothing", [r(0, 300), r(5, 300), r(9, 300)], (0, 10), 0.0),
    ("two readings at one instant", [r(3, 10), r(3, 12)], (0, 10), 2.0),
    ("the previous period", [r(-30, 0), r(-10, 200), r(10, 400)], (-720, 0), 300.0),
]


@pytest.mark.parametrize(
    ("readings", "period", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_counted(readings: list[CounterReading], period: tuple[float, float], expected: float) -> None:
    assert counted(readings, period[0] * H, period[1] * H) == pytest.approx(expected)


def test_by_member_sorts_and_groups() -> None:
    rows = [
        CounterReading("device", "hp", 2 * H, 150, ""),
        CounterReading("device", "sharp", 0, 10, ""),
        CounterReading("device", "hp", 0, 100, ""),
        CounterReading("device", "sharp", 1 * H, 30, ""),
    ]
    assert by_member(rows, 0, 10 * H) == {("device", "hp"): 50.0, ("device", "sharp"): 20.0}


def test_recorder_keeps_an_hourly_reading_both_ends_of_flat_stretches_and_resets(tmp_path: Path) -> None:
    history = History(tmp_path / "h.sqlite3")
    recorder = CounterRecorder(history, sample_every=H)
    minute = 60.0
    readings = [
        (0, 1000, "A"),  # kept: the first
        (1 * minute, 1003, "A"),  # moved, but less than an hour after: not kept
        (70 * minute, 1010, "A"),  # kept: an hour passed
        (80 * minute, 1010, "A"),
        (300 * minute, 1010, "A"),  # the end of a flat stretch...
        (301 * minute, 1012, "A"),  # ...kept before this one (less than an hour later, but it moved)
        (302 * minute, 1015, "A"),
        (303 * minute, 20, "A"),  # a reset: 1015 is kept first, then 20
        (304 * minute, 25, "A"),
        (200 * minute, 9999, "A"),  # an older reading replayed late: ignored
    ]
    kept = [
        recorder.observe("maurepas", "device", "hp", PAGES, ts, value, source)
        for ts, value, source in readings
    ]
    rows = history.counter_readings("maurepas", PAGES, 0, 1e9)
    assert [(row.ts / minute, row.value) for row in rows] == [
        (0, 1000), (70, 1010), (300, 1010), (301, 1012), (302, 1015), (303, 20),
    ]  # fmt: skip
    assert kept == [True, False, True, False, False, True, False, True, False, False]
    assert counted(rows, 0, 1e9) == 15.0
    # A new recorder on the same file goes on from the last kept reading.
    again = CounterRecorder(history, sample_every=H)
    assert not again.observe("maurepas", "device", "hp", PAGES, 305 * minute, 26, "A")
    history.close()


def test_counter_readings_bring_the_one_before_the_period(tmp_path: Path) -> None:
    history = History(tmp_path / "h.sqlite3")
    for ts, value in ((0, 10), (5, 20), (10, 30), (20, 40)):
        history.record_counter("maurepas", "device", "hp", PAGES, ts * H, value)
    history.record_counter("maurepas", "pc", "pc1", "session_starts", 1 * H, 3)
    rows = history.counter_readings("maurepas", PAGES, 8 * H, 30 * H)
    assert [(row.ts / H, row.value) for row in rows] == [(5, 20), (10, 30), (20, 40)]
    assert counted(rows, 8 * H, 30 * H) == pytest.approx(10 * 2 / 5 + 10)
    # Prune keeps the last reading before the limit, so the next increment still counts.
    history.prune(12 * H)
    left = history.counter_readings("maurepas", PAGES, 0, 30 * H)
    assert [(row.ts / H, row.value) for row in left] == [(10, 30), (20, 40)]
    history.close()
