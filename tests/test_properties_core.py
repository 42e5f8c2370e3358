"""Properties of the interval arithmetic and the availability engine, against brute force.

Intervals live on a grid of integer seconds, so a brute-force reference is a set of seconds: the
union, difference and intersection of sets, cut back into maximal runs, must be exactly what
``merge``, ``subtract`` and ``intersect`` return (same pieces, no empty piece, nothing left
unmerged). The engine's invariants: every open second is up, down, unknown or in maintenance,
exactly once; a service needing one of one member is that member; a week later is the same week,
away from holidays and daylight saving (and the exceptions are asserted).
"""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collector.availability import Figures, Transition, compute, member_segments, service_segments
from collector.intervals import Interval, Measure, intersect, merge, subtract, total
from collector.sites import Calendar, Site

from helpers.periods import HOURS, t

#: Fewer examples than the suite's default profile (tests/conftest.py: deterministic, no example
#: database): these run once per mutant of the interval and availability modules.
PROPERTIES = settings(max_examples=120)
GRID = 40

raw_intervals = st.lists(st.tuples(st.integers(0, GRID), st.integers(0, GRID)), max_size=8)


def cells(intervals: list[tuple[float, float]]) -> set[int]:
    """The seconds ``[k, k+1)`` covered (brute force)."""
    return {k for start, end in intervals for k in range(int(start), int(end))}


def runs(seconds: set[int]) -> list[Interval]:
    """Maximal runs of consecutive seconds, as half-open intervals."""
    out: list[Interval] = []
    for k in sorted(seconds):
        if out and out[-1][1] == k:
            out[-1] = (out[-1][0], k + 1)
        else:
            out.append((k, k + 1))
    return out


@PROPERTIES
@given(raw_intervals)
def test_merge_is_the_union_cut_into_maximal_runs(intervals: list[tuple[int, int]]) -> None:
    got = merge(intervals)
    assert got == runs(cells(intervals))
    assert all(end > start for start, end in got)
    assert total(got) == len(cells(intervals))


@PROPERTIES
@given(raw_intervals, raw_intervals)
def test_subtract_is_the_set_difference(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> None:
    assert subtract(merge(a), merge(b)) == runs(cells(a) - cells(b))


@PROPERTIES
@given(raw_intervals, raw_intervals)
def test_intersect_is_the_set_intersection(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> None:
    assert intersect(merge(a), merge(b)) == runs(cells(a) & cells(b))
    assert intersect(merge(b), merge(a)) == runs(cells(a) & cells(b))


@PROPERTIES
@given(raw_intervals, st.integers(-2, GRID + 2), st.integers(-2, GRID + 2))
def test_measure_counts_and_clips_like_the_sets(intervals: list[tuple[int, int]], a: int, b: int) -> None:
    merged = merge(intervals)
    seconds = cells(intervals)
    measure = Measure(merged)
    window = set(range(a, b))
    assert measure.until(b) == len({k for k in seconds if k < b})
    assert measure.between(a, b) == len(seconds & window)
    assert measure.between_many([a, b, 0], [b, a, GRID]) == [
        len(seconds & window),
        len(seconds & set(range(b, a))),
        len(seconds),
    ]
    assert measure.clip(a, b) == runs(seconds & window)
    assert merged == Measure(merged).intervals  # clip never changes the index


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([(0, 5)], [(5, 10)], []),  # touching: no empty piece
        ([(0, 5), (10, 15)], [(5, 10)], []),
        ([(0, 5)], [(0, 5)], [(0, 5)]),
        ([(0, 10)], [(2, 4), (6, 8)], [(2, 4), (6, 8)]),
        ([(2, 4), (6, 8)], [(0, 10)], [(2, 4), (6, 8)]),
        ([(0, 4), (6, 10)], [(3, 7)], [(3, 4), (6, 7)]),
    ],
)
def test_intersect_by_hand(a: list[Interval], b: list[Interval], expected: list[Interval]) -> None:
    assert intersect(a, b) == expected
    assert intersect(b, a) == expected


@pytest.mark.parametrize(
    ("base", "remove", "expected"),
    [
        ([(0, 10)], [(10, 20)], [(0, 10)]),  # touching after
        ([(10, 20)], [(0, 10)], [(10, 20)]),  # touching before
        ([(0, 10)], [(0, 10)], []),
        ([(0, 10)], [(2, 4), (6, 8)], [(0, 2), (4, 6), (8, 10)]),
        ([(0, 10), (20, 30)], [(5, 25)], [(0, 5), (25, 30)]),
    ],
)
def test_subtract_by_hand(base: list[Interval], remove: list[Interval], expected: list[Interval]) -> None:
    assert subtract(base, remove) == expected


def test_merge_by_hand() -> None:
    assert merge([(5, 10), (0, 5), (12, 12), (20, 15), (11, 13)]) == [(0, 10), (11, 13)]


def test_measure_of_nothing() -> None:
    empty = Measure([])
    assert (empty.until(10), empty.between(0, 10), empty.clip(0, 10)) == (0.0, 0.0, [])
    assert empty.between_many([0, 5], [10, 6]) == [0.0, 0.0]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [(0, 0), (10, 0), (11, 1), (15, 5), (20, 10), (25, 10), (30, 10), (31, 11), (100, 20)],
)
def test_measure_until_by_hand(moment: float, expected: float) -> None:
    # [10, 20) and [30, 40): 10 s each.
    assert Measure([(10, 20), (30, 40)]).until(moment) == expected


#: Intervals of very different magnitudes (1970 and 2023 in one index): float sums round differently
#: depending on their order, which is what "the same bits" is about.
FAR_APART: list[Interval] = [(0.1, 0.2), (0.3, 0.7), (1.7e9, 1.7e9 + 1.25), (1.7e9 + 3.5, 1.7e9 + 9.75)]


def test_each_between_is_between_bit_for_bit() -> None:
    measure = Measure(FAR_APART)
    moments = [0.0, 0.1, 0.15, 0.3, 0.5, 0.7, 1.0, 1.7e9, 1.7e9 + 0.5, 1.7e9 + 3.5, 1.7e9 + 5, 1.7e9 + 20]
    starts = [a for a in moments for _b in moments]
    ends = [b for _a in moments for b in moments]  # every pair: empty and reversed spans included
    got = measure.each_between(starts, ends)
    assert got.dtype == "float64"
    assert got.tolist() == [measure.between(a, b) for a, b in zip(starts, ends, strict=True)]
    # An empty or reversed span measures 0, in both.
    assert measure.each_between([5.0, 1.7e9 + 5], [5.0, 1.7e9]).tolist() == [0.0, 0.0]
    assert measure.between_array([5.0, 1.7e9 + 5], [5.0, 1.7e9]).tolist() == [0.0, 0.0]


def test_between_array_by_hand() -> None:
    # [10, 20) and [30, 40), spans given as integer arrays or lists.
    measure = Measure([(10, 20), (30, 40)])
    assert measure.between_array([0, 10, 15, 20, 35, 0], [10, 20, 35, 30, 100, 100]).tolist() == [
        0,
        10,
        10,
        0,
        5,
        20,
    ]
    assert Measure([]).each_between([0, 1], [5, 6]).tolist() == [0.0, 0.0]


# --------------------------------------------------------------------------- the availability engine

STATES = ("ok", "degraded", "down", "unknown")
REASONS = ((), ("jam",), ("toner_empty",), ("unreachable",), ("toner_low",), ("jam", "toner_empty"))


@st.composite
def timelines(draw: st.DrawFn, *, start: int = 0, absent: bool = True) -> list[Transition]:
    """A member's transitions on the grid, the first at or before ``start``."""
    times = sorted(draw(st.sets(st.integers(start + 1, GRID - 1), max_size=6)))
    states = (*STATES, "absent") if absent else STATES
    out = []
    for moment in [start, *times]:
        state = draw(st.sampled_from(states))
        reasons = draw(st.sampled_from(REASONS)) if state in ("down", "degraded") else ()
        out.append(Transition(float(moment), state, reasons))
    return out


def open_and_maintenance(draw: st.DrawFn) -> tuple[list[Interval], list[Interval]]:
    return merge(draw(raw_intervals)), merge(draw(raw_intervals))


@PROPERTIES
@given(st.data())
def test_every_open_second_is_up_down_unknown_or_maintenance(data: st.DataObject) -> None:
    members = {f"m{i}": data.draw(timelines()) for i in range(data.draw(st.integers(1, 3)))}
    k = data.draw(st.integers(1, len(members)))
    opened, maintenance = open_and_maintenance(data.draw)
    blip = data.draw(st.sampled_from((0.0, 2.0, 5.0)))
    f = compute(service_segments(members, k, 0, GRID), opened, start=0, end=GRID,
                maintenance=maintenance, blip_seconds=blip)  # fmt: skip
    assert f.open_seconds == total(opened)
    assert f.maintenance_seconds == total(intersect(opened, maintenance))
    assert f.up_seconds + f.down_seconds + f.unknown_seconds + f.maintenance_seconds == f.open_seconds
    assert f.down_seconds == f.outage_seconds
    assert all(o.open_seconds >= blip for o in f.outages)
    assert sum(seconds for _cause, seconds, _n in f.causes) <= f.down_seconds + 1e-9


def same_figures(a: Figures, b: Figures, shift: float = 0.0) -> None:
    """The same figures, ``b`` taken ``shift`` seconds later."""
    assert (a.open_seconds, a.up_seconds, a.down_seconds, a.unknown_seconds, a.maintenance_seconds) == (
        b.open_seconds, b.up_seconds, b.down_seconds, b.unknown_seconds, b.maintenance_seconds,
    )  # fmt: skip
    moved = [o._replace(start=o.start + shift, end=o.end + shift) for o in a.outages]
    assert (moved, a.blips, a.blip_seconds, a.causes) == (b.outages, b.blips, b.blip_seconds, b.causes)
    assert a.availability == b.availability


@PROPERTIES
@given(st.data())
def test_a_service_of_one_member_needing_one_is_that_member(data: st.DataObject) -> None:
    timeline = data.draw(timelines(absent=False))  # in force from the period's start, never absent
    opened = merge(data.draw(raw_intervals))
    blip = data.draw(st.sampled_from((0.0, 3.0)))
    service = compute(
        service_segments({"m": timeline}, 1, 0, GRID), opened, start=0, end=GRID, blip_seconds=blip
    )
    member = compute(member_segments(timeline, 0, GRID), opened, start=0, end=GRID, blip_seconds=blip)
    same_figures(service, member)


# A week with no public holiday and no change of time in Paris, and the same week shifted.
WEEK = 7 * 86_400
QUIET_MONDAY = t("2026-11-16 00:00")  # 16-22 November 2026; 23-29 November is just as quiet


def paris_site(hours: str = HOURS) -> Site:
    return msgspec.convert({"name": "ESC Test", "opening_hours": hours}, Site)


def week_figures(site: Site, base: float, offsets: list[tuple[int, str, tuple[str, ...]]]) -> Figures:
    calendar = Calendar(site)
    timeline = [Transition(base + offset, state, reasons) for offset, state, reasons in offsets]
    return compute(service_segments({"hp": timeline}, 1, base, base + WEEK),
                   calendar.open_intervals(base, base + WEEK), start=base, end=base + WEEK)  # fmt: skip


week_timelines = st.lists(
    st.tuples(st.integers(1, WEEK - 1), st.sampled_from(STATES), st.sampled_from(REASONS)),
    max_size=8,
).map(
    lambda items: [
        (0, "ok", ()),
        *sorted({o: (o, s, r if s in ("down", "degraded") else ()) for o, s, r in items}.values()),
    ]
)


@settings(max_examples=40)
@given(week_timelines)
def test_a_week_later_is_the_same_week(offsets: list[tuple[int, str, tuple[str, ...]]]) -> None:
    site = paris_site()
    before = week_figures(site, QUIET_MONDAY, offsets)
    after = week_figures(site, QUIET_MONDAY + WEEK, offsets)
    assert before.open_seconds == 5 * 7 * 3600
    same_figures(before, after, WEEK)


def test_a_week_later_across_a_holiday_or_a_change_of_time_is_not_the_same() -> None:
    site = paris_site()
    # Week of Monday 9 November 2026: Wednesday 11 (Armistice) is closed, 7 h less than the week after.
    armistice = week_figures(site, t("2026-11-09 00:00"), [(0, "ok", ())])
    assert (
        armistice.open_seconds,
        week_figures(site, t("2026-11-16 00:00"), [(0, "ok", ())]).open_seconds,
    ) == (
        4 * 7 * 3600,
        5 * 7 * 3600,
    )
    # Across the change of time (Sunday 25 October 2026), a week of seconds is not a week of local
    # time: one hour of jam at Monday 09:00-10:00 becomes Monday 08:00-09:00, before opening.
    october = t("2026-10-19 00:00")
    jam = [(0, "ok", ()), (9 * 3600, "down", ("jam",)), (10 * 3600, "ok", ())]
    before, after = week_figures(site, october, jam), week_figures(site, october + WEEK, jam)
    assert (before.open_seconds, after.open_seconds) == (5 * 7 * 3600, 5 * 7 * 3600)
    assert (before.down_seconds, after.down_seconds) == (3600, 0)
