"""Pinned by mutation testing (issue 17): the availability engine on columns, as its types state it.

``collector/availability.py`` computes on numpy columns (:class:`Track`, :class:`Segments`) and
numbers each distinct (state, reasons, causes) once per process (:class:`Labels`). The figures are
checked against the row-by-row engine elsewhere (``tests/test_engine_columns.py``); these cases
pin what those comparisons cannot see: a fresh label table (the process-wide one is built at
import), the dtypes each column declares, whatever the inputs (integer instants, empty lists), and
lists given where tuples are expected. Expected values are written by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from collector.availability import (
    ABSENT,
    DOWN,
    LABELS,
    UNKNOWN,
    UP,
    Labels,
    Segment,
    Segments,
    Track,
    Transition,
    compute,
    figures_of,
    figures_of_many,
    member_segment_columns_many,
    observed_track,
    relabel,
    segment_columns,
    segment_list,
    service_segment_columns,
    timeline_of,
    track_of,
)

# --------------------------------------------------------------------------- a fresh label table


def test_a_fresh_label_table_numbers_the_empty_cause_list_absent_and_unknown_first() -> None:
    labels = Labels()
    assert (labels.cause_lists, labels.cause_ids, labels.causes_id(())) == ([()], {(): 0}, 0)
    assert (labels.names, labels.first_cause) == (["unknown"], [0])
    assert (labels.absent, labels.unknown) == (0, 1)
    assert [(t.state, t.reasons, t.causes) for t in labels.items] == [("absent", (), ()), ("unknown", (), ())]
    assert (labels.codes, labels.external, labels.down_causes) == (
        [ABSENT, UNKNOWN],
        [False, False],
        [(), ()],
    )
    assert (labels.segment_causes, labels.stripped) == ([0, 0], [0, 1])
    codes, external, causes, stripped = labels.columns()
    assert [c.dtype for c in (codes, external, causes, stripped)] == [np.int8, np.bool_, np.int64, np.int64]
    assert (codes.tolist(), external.tolist(), causes.tolist(), stripped.tolist()) == (
        [ABSENT, UNKNOWN], [False, False], [0, 0], [0, 1])  # fmt: skip


def test_labels_are_numbered_once_with_what_the_rules_read() -> None:
    labels = Labels()
    jam = labels.label("down", ("jam",), ("jam",))
    assert jam == 2  # after absent and unknown; then the same label without causes (3)
    assert labels.label("down", ("jam",), ("jam",)) == jam
    assert labels.stripped[jam] == 3
    assert labels.items[3] == Transition(0.0, "down", ("jam",), ())
    assert (labels.codes[jam], labels.down_causes[jam]) == (DOWN, ("jam",))
    assert labels.cause_lists[labels.segment_causes[jam]] == ("jam",)
    # An externally down label: its segment causes put the external ones first.
    out = labels.label("down", ("internet_down",), ("jam", "internet"))
    assert labels.external[out]
    assert labels.cause_lists[labels.segment_causes[out]] == ("internet", "jam")
    ok = labels.label("ok", ())
    assert (labels.codes[ok], labels.down_causes[ok], labels.segment_causes[ok]) == (UP, (), 0)
    # The columns follow the table as it grows.
    assert len(labels.columns()[0]) == len(labels.items)
    labels.label("unknown", ("x",))
    assert len(labels.columns()[0]) == len(labels.items)


def test_cause_lists_are_numbered_with_their_first_cause() -> None:
    labels = Labels()
    toner = labels.causes_id(("toner", "jam"))
    jam = labels.causes_id(("jam", "toner", "jam"))
    assert (toner, jam, labels.causes_id(("toner", "jam"))) == (1, 2, 1)
    assert labels.names == ["unknown", "toner", "jam"]
    assert [labels.names[k] for k in labels.first_cause] == ["unknown", "toner", "jam"]
    assert labels.once(jam) == ("jam", "toner")
    assert labels.once(jam) == ("jam", "toner")  # kept
    assert labels.once(0) == ()
    # A new list whose first cause has a name already: no second name.
    labels.causes_id(("toner",))
    assert labels.names == ["unknown", "toner", "jam"]
    assert labels.first_cause == [0, 1, 2, 1]


def test_label_of_takes_lists_as_tuples() -> None:
    labels = Labels()
    given = Transition(5.0, "down", ["jam"], ["jam", "toner"])  # type: ignore[arg-type]
    assert labels.label_of(given) == labels.label("down", ("jam",), ("jam", "toner"))
    assert labels.items[labels.label_of(given)].reasons == ("jam",)


# --------------------------------------------------------------------------- the dtypes of the columns


def assert_segments(segments: Segments) -> None:
    assert [c.dtype for c in segments] == [np.float64, np.float64, np.int8, np.int64, np.bool_]


def test_segment_columns_of_integers_empty_lists_and_list_causes() -> None:
    segments = segment_columns([Segment(0, 10, "up"), Segment(10, 20, "down", ["jam"], True)])  # type: ignore[arg-type]
    assert_segments(segments)
    assert segments.state.tolist() == [UP, DOWN]
    assert LABELS.cause_lists[segments.causes[1]] == ("jam",)
    assert segment_list(segments) == [Segment(0.0, 10.0, "up"), Segment(10.0, 20.0, "down", ("jam",), True)]
    assert_segments(segment_columns([]))
    assert segment_list(segment_columns([])) == []


def test_service_segments_of_nothing_and_of_an_empty_period() -> None:
    track = track_of([Transition(0, "ok")])
    assert_segments(service_segment_columns([track], 1, 10, 10))
    assert_segments(service_segment_columns([track], 1, 20, 10))
    assert_segments(service_segment_columns([track], 1, 0, 10))


def test_tracks_of_integer_instants_are_float64_and_int64() -> None:
    track = track_of([Transition(0, "ok"), Transition(5, "down", ("jam",), ("jam",))])  # type: ignore[arg-type]
    assert (track.ts.dtype, track.labels.dtype) == (np.float64, np.int64)
    assert timeline_of(track) == [Transition(0.0, "ok"), Transition(5.0, "down", ("jam",), ("jam",))]
    empty = track_of([])
    assert (empty.ts.dtype, empty.labels.dtype, timeline_of(empty)) == (np.float64, np.int64, [])


@pytest.mark.parametrize("runs", [None, [], [(0, 5)], [(2, 4), (6, 8)]])
@pytest.mark.parametrize(
    "timeline", [[], [Transition(1, "ok")], [Transition(0, "ok"), Transition(5, "down")]]
)
def test_observed_tracks_keep_their_dtypes(
    timeline: list[Transition], runs: list[tuple[int, int]] | None
) -> None:
    got = observed_track(track_of(timeline), runs, start=0, end=10)
    assert (got.ts.dtype, got.labels.dtype) == (np.float64, np.int64)
    with_life = observed_track(track_of(timeline), runs, life=(1, 9), start=0, end=10)
    assert (with_life.ts.dtype, with_life.labels.dtype) == (np.float64, np.int64)


def test_member_segments_of_several_tracks_and_their_owners() -> None:
    tracks = [
        track_of([Transition(0, "ok")]),
        track_of([]),
        track_of([Transition(2, "down", ("jam",), ("jam",)), Transition(4, "ok")]),
    ]
    segments, owners = member_segment_columns_many(tracks, 0, 10)
    assert_segments(segments)
    assert owners.dtype == np.int64
    assert list(zip(segments.start.tolist(), segments.end.tolist(), segments.state.tolist(), owners.tolist(),
                    strict=True)) == [(0.0, 10.0, UP, 0), (2.0, 4.0, DOWN, 2), (4.0, 10.0, UP, 2)]  # fmt: skip


def test_relabel_keeps_the_label_dtype_even_for_an_empty_track() -> None:
    track = track_of([Transition(0, "ok"), Transition(1, "down", ("jam",)), Transition(2, "ok")])
    changed = relabel(track, lambda t: Transition(t.ts, "unknown") if t.state == "down" else t)
    assert changed.labels.dtype == np.int64
    assert [t.state for t in timeline_of(changed)] == ["ok", "unknown", "ok"]
    empty = relabel(Track(np.zeros(0), np.zeros(0, dtype=np.int64)), lambda t: t)
    assert (empty.ts.tolist(), empty.labels.tolist(), empty.labels.dtype) == ([], [], np.int64)


# --------------------------------------------------------------------------- what the comparisons do not reach


def test_a_service_of_an_empty_period_has_no_segment() -> None:
    track = track_of([Transition(0, "ok")])
    assert len(service_segment_columns([track], 1, 10, 10).start) == 0
    assert len(service_segment_columns([track], 1, 20, 10).start) == 0


def states(segments: Segments) -> list[tuple[float, float, int]]:
    return list(zip(segments.start.tolist(), segments.end.tolist(), segments.state.tolist(), strict=True))


@pytest.mark.parametrize(
    ("times", "states_given"),
    [
        ([5, 3], ["down", "ok"]),  # two changes out of order
        ([0, 5, 3], ["ok", "down", "ok"]),  # the last one before an earlier one
        ([0, 8, 3, 6], ["ok", "ok", "down", "ok"]),
    ],
)
def test_a_member_track_out_of_order_is_read_in_time_order(times: list[int], states_given: list[str]) -> None:
    given = Track(
        np.array(times, dtype=np.float64), track_of([Transition(0, s) for s in states_given]).labels
    )
    order = sorted(range(len(times)), key=lambda k: times[k])
    ordered = Track(given.ts[order], given.labels[order])
    assert states(service_segment_columns([given], 1, 0, 10)) == states(
        service_segment_columns([ordered], 1, 0, 10)
    )


def test_changes_of_one_member_at_the_same_instant_keep_their_order() -> None:
    # Out of order overall, 40 changes at t=1 then 40 at t=0: the member's state from t=1 on is
    # the last change given at t=1 (a stable sort), here "down".
    labels = [("ok" if k % 3 else "unknown") for k in range(39)] + ["down"]
    timeline = [Transition(1, s) for s in labels] + [Transition(0, "ok") for _ in range(40)]
    track = track_of(timeline)
    got = states(service_segment_columns([track], 1, 0, 10))
    assert got == [(0.0, 1.0, UP), (1.0, 10.0, DOWN)]


def test_figures_default_to_no_blip() -> None:
    short = segment_columns(
        [Segment(0, 100, "up"), Segment(100, 100.5, "down", ("jam",)), Segment(100.5, 200, "up")]
    )
    figures = figures_of(short, [(0, 200)], start=0, end=200)
    assert (len(figures.outages), figures.blips, figures.down_seconds) == (1, 0, 0.5)
    many = figures_of_many(short, np.zeros(3, dtype=np.int64), 1, [(0, 200)], start=0, end=200)
    assert (len(many[0].outages), many[0].blips) == (1, 0)


@pytest.mark.parametrize(
    ("spans", "open_seconds"),
    [
        ([(0, 20), (5, 10)], 20),  # one inside the other
        ([(0, 10), (20, 30), (5, 40)], 40),  # out of order, overlapping
        ([(0, 10), (2, 30), (4, 20)], 30),  # starts in order, ends not
        ([(0, 10), (8, 20), (5, 30)], 30),  # ends in order, starts not
        ([(30, 40), (0, 10)], 20),  # apart, out of order
    ],
)
def test_open_time_of_overlapping_or_unordered_segments_counts_once(
    spans: list[tuple[int, int]], open_seconds: float
) -> None:
    segments = [Segment(a, b, "up") for a, b in spans]
    assert compute(segments, [(0, 100)], start=0, end=100).open_seconds == open_seconds
    # Two owners, their segments interleaved: each counts its own.
    both = segment_columns([*segments, Segment(50, 60, "up"), Segment(45, 55, "up")])
    owners = np.array([0] * len(segments) + [1, 1], dtype=np.int64)
    figures = figures_of_many(both, owners, 2, [(0, 100)], start=0, end=100)
    assert [f.open_seconds for f in figures] == [open_seconds, 15]


def test_several_owners_with_maintenance_are_each_owner_alone() -> None:
    first = [Segment(0, 40, "up"), Segment(40, 60, "down", ("jam",)), Segment(60, 70, "up"),
             Segment(70, 73, "down", ("jam",)), Segment(73, 100, "up")]  # fmt: skip
    second = [Segment(20, 50, "down", ("toner",)), Segment(50, 90, "up")]
    windows = [(30, 45), (80, 120)]
    both = segment_columns([*first, *second])
    owners = np.array([0, 0, 0, 0, 0, 1, 1], dtype=np.int64)
    got = figures_of_many(both, owners, 2, [(0, 100)], start=0, end=100, maintenance=windows, blip_seconds=6)
    alone = [
        compute(part, [(0, 100)], start=0, end=100, maintenance=windows, blip_seconds=6)
        for part in (first, second)
    ]
    assert got == alone
    assert [(f.open_seconds, f.maintenance_seconds, f.down_seconds) for f in got] == [
        (100, 35, 15),  # down 40-60, of which 40-45 in maintenance
        (70, 25, 15),
    ]
    assert [f.blips for f in got] == [1, 0]  # 70-73: 3 s, under the 6 s of a blip
