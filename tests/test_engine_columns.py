"""The engine on columns gives the figures the row-by-row engine gave, to the last bit.

``collector/availability.py`` computes on numpy columns (tracks, segment columns, the figures of
many members at once) and the report reads its history in one pass (``History.tracks``). The
row-by-row engine they replace is kept here, as it was (``ROW BY ROW`` below), as the oracle:
on seeded random timelines, segments and whole histories, every figure (times, outages, causes,
blips) must be equal, floats compared exactly. The random times carry fractions of a second, so
that any change in the order of additions would show.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import operator
import os
import random
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import msgspec
import pytest

import collector.history
import collector.report.build
from collector.availability import (
    INF,
    Figures,
    Outage,
    Segment,
    Transition,
    compute,
    down_causes,
    external_first,
    figures_of_many,
    is_external,
    is_external_down,
    member_segment_columns_many,
    member_segments,
    observed_timeline,
    service_segments,
    timeline_of,
    track_of,
    transition_causes,
    usability,
)
from collector.history import History
from collector.intervals import Interval, Measure, intersect, merge, subtract, total
from collector.report.build import build_report, period_of, previous_period
from collector.sites import Calendar, SitesFile

# --------------------------------------------------------------------------- ROW BY ROW (the oracle)


def row_observed_timeline(
    timeline: Sequence[Transition], runs: Sequence[Interval] | None, *, life: Interval | None = None,
    start: float, end: float,
) -> list[Transition]:  # fmt: skip
    if life is None:
        life = (timeline[0].ts if timeline else INF, INF)
    born, retired = life
    points = {start}
    points.update(t.ts for t in timeline if start < t.ts < end)
    if runs is not None:
        for run_start, run_end in runs:
            points.update(p for p in (run_start, run_end) if start < p < end)
    points.update(p for p in (born, retired) if start < p < end)
    times = [t.ts for t in timeline]
    run_list = list(runs) if runs is not None else None
    out: list[Transition] = []
    for moment in sorted(points):
        state: str
        reasons: tuple[str, ...]
        if not born <= moment < retired:
            state, reasons = "absent", ()
        elif run_list is not None and not _covered(run_list, moment):
            state, reasons = "unknown", ()
        else:
            index = bisect.bisect_right(times, moment) - 1
            if index < 0:
                state, reasons = "unknown", ()
            else:
                state, reasons = timeline[index].state, timeline[index].reasons
        if not out or (out[-1].state, out[-1].reasons) != (state, reasons):
            out.append(Transition(moment, state, reasons))  # type: ignore[arg-type]
    return out


def _covered(runs: Sequence[Interval], moment: float) -> bool:
    index = bisect.bisect_right([r[0] for r in runs], moment) - 1
    return index >= 0 and runs[index][0] <= moment < runs[index][1]


def row_member_segments(timeline: Sequence[Transition], start: float, end: float) -> list[Segment]:
    segments = []
    for i, item in enumerate(timeline):
        seg_start = max(item.ts, start)
        seg_end = min(timeline[i + 1].ts if i + 1 < len(timeline) else end, end)
        if seg_end > seg_start and item.state != "absent":
            usable = usability(item.state)
            causes = transition_causes(item) if usable == "down" else ()
            external = is_external_down(item)
            segments.append(Segment(seg_start, seg_end, usable, external_first(causes) if external else causes,
                                    external))  # fmt: skip
    return segments


def row_service_segments(
    members: Mapping[str, Sequence[Transition]], min_usable: int, start: float, end: float
) -> list[Segment]:
    events = [
        (item.ts, index, item)
        for index, timeline in enumerate(members.values())
        for item in timeline
        if item.ts < end
    ]
    events.sort(key=operator.itemgetter(0))
    current: list[Transition | None] = [None] * len(members)
    down: dict[int, None] = {}
    counts = {"up": 0, "down": 0, "unknown": 0, "absent": 0, "external": 0}
    segments: list[Segment] = []

    def apply(index: int, item: Transition) -> None:
        previous = current[index]
        if previous is not None:
            counts[usability(previous.state)] -= 1
            counts["external"] -= is_external_down(previous)
        current[index] = item
        kind = usability(item.state)
        counts[kind] += 1
        counts["external"] += is_external_down(item)
        down.pop(index, None)
        if kind == "down":
            down[index] = None

    def state_now() -> tuple[str, tuple[str, ...], bool]:
        present = counts["up"] + counts["down"] + counts["unknown"]
        if present == 0:
            return "unknown", (), False
        if counts["up"] >= min_usable:
            return "up", (), False
        if counts["up"] + counts["unknown"] < min_usable:
            causes = down_causes(c for i in down if (c := current[i]) is not None)
            fixed = counts["up"] + counts["down"] - counts["external"] + counts["unknown"]
            if counts["external"] and fixed < min_usable:
                return "down", external_first(causes), True
            return "down", tuple(sorted(causes, key=is_external)), False
        return "unknown", (), False

    def emit(seg_start: float, seg_end: float) -> None:
        if seg_end <= seg_start:
            return
        state, causes, external = state_now()
        if segments and (segments[-1].state, segments[-1].causes, segments[-1].external) == (state, causes, external) \
                and segments[-1].end == seg_start:  # fmt: skip
            segments[-1] = Segment(segments[-1].start, seg_end, state, causes, external)  # type: ignore[arg-type]
        else:
            segments.append(Segment(seg_start, seg_end, state, causes, external))  # type: ignore[arg-type]

    position = 0
    while position < len(events) and events[position][0] <= start:
        apply(events[position][1], events[position][2])
        position += 1
    cursor = start
    while position < len(events):
        moment = events[position][0]
        emit(cursor, moment)
        while position < len(events) and events[position][0] == moment:
            apply(events[position][1], events[position][2])
            position += 1
        cursor = moment
    emit(cursor, end)
    return segments


def row_compute(
    segments: Sequence[Segment], open_intervals: list[Interval] | Measure, *, start: float, end: float,
    maintenance: list[Interval] | None = None, blip_seconds: float = 0.0,
) -> Figures:  # fmt: skip
    open_time = open_intervals if isinstance(open_intervals, Measure) else Measure(merge(open_intervals))
    spans = merge((max(s.start, start), min(s.end, end)) for s in segments)
    windows = merge(maintenance or [])
    if windows:
        opened = [piece for span in spans for piece in open_time.clip(*span)]
        in_maintenance = intersect(opened, windows)
        counted_time = Measure(subtract(opened, windows))
    else:
        in_maintenance, counted_time = [], open_time
    figures = Figures(start, end, open_seconds=sum(open_time.between(*span) for span in spans),
                      maintenance_seconds=total(in_maintenance))  # fmt: skip
    current: dict[str, Any] | None = None
    outages: list[Outage] = []
    cause_seconds: dict[tuple[int, str], float] = defaultdict(float)

    def close(at: float, *, ongoing: bool = False) -> None:
        nonlocal current
        if current is not None and float(current["open"]) > 0:
            outages.append(Outage(float(current["start"]), at, float(current["open"]), current["causes"], ongoing,
                                  float(current["external"])))  # fmt: skip
        current = None

    measured = counted_time.between_many([s.start for s in segments], [s.end for s in segments])
    for seg, counted_here in zip(segments, measured, strict=True):
        if seg.state == "up":
            figures.up_seconds += counted_here
            close(seg.start)
        elif seg.state == "unknown":
            figures.unknown_seconds += counted_here
        else:
            figures.down_seconds += counted_here
            if current is None:
                current = {"start": seg.start, "open": 0.0, "causes": seg.causes, "external": 0.0}
            current["open"] = float(current["open"]) + counted_here
            if seg.external:
                current["external"] = float(current["external"]) + counted_here
            current["causes"] = tuple(dict.fromkeys((*current["causes"], *seg.causes)))
            if counted_here:
                cause_seconds[(len(outages), seg.causes[0] if seg.causes else "unknown")] += counted_here
    close(end, ongoing=current is not None and bool(segments) and segments[-1].state == "down")
    kept: list[Outage] = []
    counts: Counter[str] = Counter()
    seconds: dict[str, float] = defaultdict(float)
    for number, outage in enumerate(outages):
        if outage.open_seconds < blip_seconds:
            figures.blips += 1
            figures.blip_seconds += outage.open_seconds
            figures.down_seconds -= outage.open_seconds
            figures.up_seconds += outage.open_seconds
            continue
        kept.append(outage)
        for cause in outage.causes:
            counts[cause] += 1
        for (index, cause), value in cause_seconds.items():
            if index == number:
                seconds[cause] += value
    figures.outages = kept
    figures.causes = sorted(((cause, seconds.get(cause, 0.0), counts[cause]) for cause in counts),
                            key=lambda item: (-item[1], -item[2], item[0]))  # fmt: skip
    return figures


# --------------------------------------------------------------------------- random material

#: November 2026. Durations between such times are multiples of 2**-22 s and add exactly in any
#: order; times near 0 (``SMALL``) have finer fractions, whose sums depend on the order of additions.
BASE = 1_795_000_000.0
STATES = ("ok", "ok", "degraded", "down", "down", "unknown", "absent")
REASONS = ((), ("jam",), ("toner_empty",), ("jam", "toner_empty"), ("internet_unreachable",),
           ("internet_unreachable", "jam"), ("door_open",), ("unreachable",))  # fmt: skip
CAUSES = ((), (), (), ("internet",), ("site:caf",), ("jam", "internet"))


def random_timeline(rng: random.Random, start: float, end: float, *, absent: bool = True) -> list[Transition]:
    """Sorted transitions, some before ``start`` or at ``end``, some at the same instant."""
    moments = sorted(rng.uniform(start - 50, end + 10) for _ in range(rng.randint(0, 12)))
    if moments and rng.random() < 0.3:
        moments.insert(rng.randrange(len(moments)), rng.choice(moments))  # a tie
        moments.sort()
    states: tuple[Any, ...] = STATES if absent else STATES[:-1]
    return [
        Transition(
            moment, rng.choice(states), rng.choice(REASONS), rng.choice(CAUSES) if rng.random() < 0.2 else ()
        )
        for moment in moments
    ]


def random_intervals(rng: random.Random, start: float, end: float, count: int) -> list[Interval]:
    return merge(
        (a, a + rng.uniform(0.5, (end - start) / 3))
        for a in (rng.uniform(start - 20, end) for _ in range(count))
    )


def as_dict(figures: Figures) -> dict[str, Any]:
    return dataclasses.asdict(figures)


SEEDS = range(60)


def base_of(seed: int) -> float:
    return BASE if seed % 2 else 0.0


# --------------------------------------------------------------------------- engine functions


@pytest.mark.parametrize("seed", SEEDS)
def test_observed_timeline_is_the_row_by_row_one(seed: int) -> None:
    rng = random.Random(seed)
    start, end = base_of(seed) + rng.uniform(0, 1), base_of(seed) + rng.uniform(100, 300)
    timeline = random_timeline(rng, start, end)
    runs = random_intervals(rng, start, end, rng.randint(0, 4)) if rng.random() < 0.8 else None
    life = (
        None
        if rng.random() < 0.3
        else (rng.uniform(start - 30, end), rng.choice((INF, rng.uniform(end - 60, end + 30))))
    )
    got = observed_timeline(timeline, runs, life=life, start=start, end=end)
    assert got == row_observed_timeline(timeline, runs, life=life, start=start, end=end)
    assert [t.ts for t in got] == sorted({t.ts for t in got})  # one change per instant, in order


@pytest.mark.parametrize("seed", SEEDS)
def test_service_segments_are_the_row_by_row_ones(seed: int) -> None:
    rng = random.Random(seed)
    start, end = base_of(seed) + rng.uniform(0, 1), base_of(seed) + rng.uniform(100, 300)
    if seed % 10 == 0:
        end = start - rng.uniform(0, 5)  # an empty period
    members = {f"m{i}": random_timeline(rng, start, end) for i in range(rng.randint(1, 5))}
    if rng.random() < 0.3:  # two members changing at the same instant
        moment = rng.uniform(start, end)
        for timeline in members.values():
            timeline.append(Transition(moment + 400, "down", ("jam",)))
            timeline.sort(key=lambda t: t.ts)
    k = rng.randint(0, len(members) + 1)
    assert service_segments(members, k, start, end) == row_service_segments(members, k, start, end)


@pytest.mark.parametrize("seed", SEEDS)
def test_compute_is_the_row_by_row_one(seed: int) -> None:
    rng = random.Random(seed)
    start, end = base_of(seed) + rng.uniform(0, 1), base_of(seed) + rng.uniform(200, 600)
    members = {f"m{i}": random_timeline(rng, start, end) for i in range(rng.randint(1, 4))}
    segments = (
        row_service_segments(members, rng.randint(1, len(members)), start, end)
        if rng.random() < 0.5
        else row_member_segments(members["m0"], start, end)
    )
    opened = random_intervals(rng, start, end, rng.randint(0, 6))
    windows = random_intervals(rng, start, end, rng.randint(0, 2)) if rng.random() < 0.4 else None
    blip = rng.choice((0.0, 0.0, 1.5, 5.0, 30.0))
    args: dict[str, Any] = {"start": start, "end": end, "maintenance": windows, "blip_seconds": blip}
    assert member_segments(members["m0"], start, end) == row_member_segments(members["m0"], start, end)
    assert as_dict(compute(segments, opened, **args)) == as_dict(row_compute(segments, opened, **args))
    assert as_dict(compute(segments, Measure(opened), **args)) == as_dict(
        row_compute(segments, opened, **args)
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_many_members_at_once_are_each_member_alone(seed: int) -> None:
    rng = random.Random(seed)
    start, end = base_of(seed) + rng.uniform(0, 1), base_of(seed) + rng.uniform(200, 600)
    timelines = [random_timeline(rng, start, end) for _ in range(rng.randint(1, 8))]
    opened = random_intervals(rng, start, end, rng.randint(1, 6))
    blip = rng.choice((0.0, 2.0, 20.0))
    segments, owners = member_segment_columns_many([track_of(t) for t in timelines], start, end)
    got = figures_of_many(
        segments, owners, len(timelines), Measure(opened), start=start, end=end, blip_seconds=blip
    )
    for timeline, figures in zip(timelines, got, strict=True):
        expected = row_compute(row_member_segments(timeline, start, end), opened, start=start, end=end,
                               blip_seconds=blip)  # fmt: skip
        assert as_dict(figures) == as_dict(expected)


def test_long_outages_add_in_order() -> None:
    # One outage of many down segments (its causes change every time) and long runs of up time:
    # the running totals of long runs are made row by row too.
    rng = random.Random(5)
    start, end = 0.1, 50_000.3
    timeline = [Transition(start, "ok")]
    moment = start
    for index in range(300):
        moment += rng.uniform(0.1, 90)
        state = "down" if index < 200 or index % 2 else "ok"
        timeline.append(Transition(moment, state, (rng.choice(("jam", "toner_empty", "door_open")),)))  # type: ignore[arg-type]
    opened = random_intervals(rng, start, end, 30)
    segments = row_member_segments(timeline, start, end)
    for blip in (0.0, 60.0):
        args: dict[str, Any] = {"start": start, "end": end, "blip_seconds": blip}
        assert as_dict(compute(segments, opened, **args)) == as_dict(row_compute(segments, opened, **args))


# --------------------------------------------------------------------------- whole reports

HOURS = "Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00; PH off"


def random_sites(rng: random.Random) -> SitesFile:
    sites: dict[str, Any] = {}
    for number, zone in enumerate(("Europe/Paris", "America/Cayenne")):
        devices: dict[str, dict[str, Any]] = {f"imp{i}": {"name": f"l'imprimante {i}"} for i in range(2)}
        devices["mfp"] = {"name": "le copieur", "functions": ["print", "scan"], "since": "2026-11-03"}
        devices["old"] = {"name": "le vieux copieur", "until": "2026-11-20T10:00"}
        sites[f"s{number}"] = {
            "name": f"ESC {number}", "opening_hours": rng.choice((HOURS, "24/7")), "timezone": zone,
            "devices": devices, "agents": {f"pc{i}": {"name": f"le poste {i}"} for i in range(3)},
            "maintenance": [{"service": "impression", "from": "2026-11-10T10:00", "to": "2026-11-10T15:30"}],
            "services": {
                "impression": {"devices": ["imp0", "imp1", "mfp", "old"], "min_usable": rng.randint(1, 2)},
                "numerisation": {"devices": ["mfp"]},
                "postes": {"pcs": ["pc0", "pc1", "pc2"], "min_usable": 2},
            },
        }  # fmt: skip
    return msgspec.convert({"sites": sites}, SitesFile)


def random_history(rng: random.Random, history: History, sites: SitesFile, start: float, end: float) -> None:
    """Transitions at event time (some written late, out of order), and coverage runs with holes."""
    rows: list[tuple[str, str, str, float, str, tuple[str, ...], str]] = []
    for site_id, site in sites.sites.items():
        members = [("device", d, site.devices[d].functions) for d in site.devices] + [
            ("pc", p, ("",)) for p in site.agents
        ]
        for kind, member, functions in members:
            for function in functions:
                moment = start - rng.uniform(0, 86_400)
                rows.append((site_id, kind, member, moment, "ok", (), function))
                while moment < end:
                    moment += rng.expovariate(1 / 20_000)
                    state = rng.choice(("ok", "ok", "degraded", "down", "down", "unknown"))
                    rows.append((site_id, kind, member, moment, state, rng.choice(REASONS), function))
            run = start - rng.uniform(0, 3_600)
            while run < end:
                length = rng.uniform(3_600, 6 * 86_400)
                history.observed(site_id, kind, member, run, run + length)
                run += length + rng.uniform(60, 20_000)
    rows.sort(key=operator.itemgetter(3))
    late = [rows.pop(rng.randrange(len(rows))) for _ in range(len(rows) // 20)]
    history.record_many(rows + late)  # the late ones get higher ids than later events


def row_report(
    history: History, sites: SitesFile, first: dt.date, last: dt.date, blip: float
) -> dict[tuple[str, ...], Any]:
    """Every figure of the report as the row-by-row engine computes it from ``History.timelines``."""
    out: dict[tuple[str, ...], Any] = {}
    for site_id, site in sites.sites.items():
        calendar = Calendar(site)
        for label, days in (("now", (first, last)), ("before", previous_period(first, last))):
            start, end = period_of(site, *days)
            opened = calendar.open_intervals(start, end)
            timelines, coverage = (
                history.timelines(site_id, start, end),
                history.coverage(site_id, start, end),
            )
            for name, service in site.services.items():
                function = site.function_of(name) or ""
                members = {}
                for kind, member in service.members:
                    raw = timelines.get((kind, member, function if kind == "device" else ""), [])
                    runs = coverage.get((kind, member), []) if coverage else None
                    members[member] = row_observed_timeline(raw, runs, life=site.member(kind, member).life(site.tz),
                                                            start=start, end=end)  # fmt: skip
                segments = row_service_segments(members, service.min_usable, start, end)
                out[(site_id, label, name)] = as_dict(row_compute(segments, opened, start=start, end=end,
                    maintenance=calendar.maintenance(name), blip_seconds=blip))  # fmt: skip
                for member, timeline in members.items():
                    if any(t.state != "absent" for t in timeline):
                        out[(site_id, label, name, member)] = as_dict(row_compute(
                            row_member_segments(timeline, start, end), opened, start=start, end=end, blip_seconds=blip))  # fmt: skip
    return out


def column_report(
    history: History, sites: SitesFile, first: dt.date, last: dt.date, blip: float
) -> dict[tuple[str, ...], Any]:
    report = build_report(history, sites, first, last, blip_seconds=blip)
    out: dict[tuple[str, ...], Any] = {}
    for site in report.sites:
        for service in site.services:
            out[(site.site_id, "now", service.name)] = as_dict(service.figures)
            assert service.previous is not None
            out[(site.site_id, "before", service.name)] = as_dict(service.previous)
            for member in service.members:
                out[(site.site_id, "now", service.name, member.member)] = as_dict(member.figures)
                if member.previous is not None:
                    out[(site.site_id, "before", service.name, member.member)] = as_dict(member.previous)
    return out


@pytest.mark.parametrize(
    ("seed", "shift", "few_older"),
    [(1, 0.0, 10_000), (2, 0.0, 10_000), (3, 0.0, 0), (4, -1_000_000_000.0, 10_000)],
)
def test_a_report_is_the_row_by_row_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, shift: float, few_older: int
) -> None:
    # ``shift`` moves the history to 1996, before the times SQLite can hand over as exact
    # integers: the rows are then read one by one, for the same figures. With ``few_older`` 0,
    # the state in force at the start of the periods is looked up member by member.
    monkeypatch.setattr(collector.history, "_FEW_OLDER", few_older)
    rng = random.Random(seed)
    sites = random_sites(rng)
    first, last = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
    if shift:
        first, last = dt.date(1995, 2, 1), dt.date(1995, 2, 28)
    start = dt.datetime.combine(first, dt.time(), dt.UTC).timestamp() - 31 * 86_400
    end = dt.datetime.combine(last, dt.time(), dt.UTC).timestamp() + 2 * 86_400
    history = History(tmp_path / "history.sqlite3")
    random_history(rng, history, sites, start, end)
    blip = rng.choice((0.0, 120.0))
    expected = row_report(history, sites, first, last, blip)
    got = column_report(history, sites, first, last, blip)
    assert got.keys() == expected.keys()
    for key, figures in expected.items():
        assert got[key] == figures, key
    assert sum(len(f["outages"]) for f in got.values()) > 20  # the histories are not empty
    history.close()


@pytest.mark.parametrize("few_older", [10_000, 0])
def test_the_history_read_in_one_pass_is_the_timelines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, few_older: int
) -> None:
    # The rows before the periods are read with the others when few, else looked up per member.
    monkeypatch.setattr(collector.history, "_FEW_OLDER", few_older)
    rng = random.Random(9)
    sites = random_sites(rng)
    history = History(tmp_path / "history.sqlite3")
    start, end = BASE, BASE + 40 * 86_400
    random_history(rng, history, sites, start, end)
    spans = {
        "s0": [(start + 2 * 86_400, start + 5 * 86_400), (start + 5 * 86_400, end)],
        "s1": [(start + 86_400, end - 86_400)],
    }
    read = history.tracks(spans)
    for site_id, periods in spans.items():
        for period, (a, b) in enumerate(periods):
            reference = history.timelines(site_id, a, b)
            assert read[site_id][period].keys() == reference.keys()
            for key, track in read[site_id][period].items():
                assert timeline_of(track) == reference[key], key
    history.close()


def test_rows_at_the_same_instant_are_read_in_the_order_they_were_written(tmp_path: Path) -> None:
    # The member index orders a member's rows by time, then label number: two rows at the same
    # instant come out by label, and are put back in the order they were written (by id).
    history = History(tmp_path / "history.sqlite3")
    history.record("s0", "device", "imp0", BASE, "ok", function="print")  # label 1
    history.record("s0", "device", "imp0", BASE + 60, "down", ("jam",), function="print")  # label 2
    history.record("s0", "device", "imp0", BASE + 60, "ok", function="print")  # label 1, written last
    track = history.tracks({"s0": [(BASE - 1, BASE + 120)]})["s0"][0][("device", "imp0", "print")]
    assert [(t.ts, t.state) for t in timeline_of(track)] == [
        (BASE, "ok"),
        (BASE + 60, "down"),
        (BASE + 60, "ok"),
    ]
    assert timeline_of(track) == history.timelines("s0", BASE - 1, BASE + 120)[("device", "imp0", "print")]
    history.close()


def _as_version_3(path: Path) -> None:
    """Turn a history file back into version 3: no labels, the member index without them."""
    db = sqlite3.connect(path)
    db.executescript(
        "DROP INDEX transitions_track; ALTER TABLE transitions DROP COLUMN label; DROP TABLE labels;"
        "CREATE INDEX transitions_member ON transitions(site, kind, member, function, ts);"
        "UPDATE meta SET value='3' WHERE key='schema_version';"
    )
    db.close()


def test_a_version_3_history_gains_its_labels_and_reads_the_same(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rng = random.Random(5)
    sites = random_sites(rng)
    path = tmp_path / "history.sqlite3"
    history = History(path)
    random_history(rng, history, sites, BASE - 40 * 86_400, BASE + 40 * 86_400)
    spans = {"s0": [(BASE - 30 * 86_400, BASE + 30 * 86_400)], "s1": [(BASE, BASE + 86_400)]}
    expected = {site: [{k: timeline_of(t) for k, t in p.items()} for p in periods]
                for site, periods in history.tracks(spans).items()}  # fmt: skip
    history.close()
    _as_version_3(path)
    with caplog.at_level("INFO", logger="collector.history"):
        history = History(path)
    assert "numbering the transitions' states for schema 4" in caplog.text  # a pause at start, said
    assert history.get_meta("schema_version") == "4"
    db = sqlite3.connect(path)
    indexes = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "transitions_track" in indexes
    assert "transitions_member" not in indexes
    # every (state, reasons) once, every transition numbered by its own
    assert db.execute("SELECT count(*) FROM labels").fetchone()[0] == len(
        db.execute("SELECT DISTINCT state, reasons FROM transitions").fetchall()
    )
    assert (
        db.execute(
            "SELECT count(*) FROM transitions t JOIN labels l ON l.id = t.label AND l.state = t.state AND l.reasons = t.reasons"
        ).fetchone()[0]
        == history.count()
    )
    db.close()
    got = {site: [{k: timeline_of(t) for k, t in p.items()} for p in periods]
           for site, periods in history.tracks(spans).items()}  # fmt: skip
    assert got == expected
    # and new transitions get labels, old and new (one new text)
    assert history.record(
        "s0", "device", "imp0", BASE + 50 * 86_400, "down", ("cover_open",), function="print"
    )
    assert timeline_of(history.tracks({"s0": [(BASE + 49 * 86_400, BASE + 51 * 86_400)]})["s0"][0][
        ("device", "imp0", "print")])[-1].reasons == ("cover_open",)  # fmt: skip
    history.close()


def test_transitions_whose_labels_are_lost_are_refused_then_recovered(tmp_path: Path) -> None:
    from collector.recovery import recover_history

    rng = random.Random(6)
    sites = random_sites(rng)
    path = tmp_path / "history.sqlite3"
    history = History(path)
    random_history(rng, history, sites, BASE - 10 * 86_400, BASE + 10 * 86_400)
    spans = {"s0": [(BASE - 5 * 86_400, BASE + 5 * 86_400)]}
    expected = {k: timeline_of(t) for k, t in history.tracks(spans)["s0"][0].items()}
    history.close()
    db = sqlite3.connect(path)
    db.execute("DELETE FROM labels WHERE id = 2")  # as a damaged page would lose it
    db.commit()
    db.close()
    history = History(path)
    with pytest.raises(sqlite3.DatabaseError, match="esc-collector history recover"):
        history.tracks(spans)
    history.close()
    recover_history(path)
    history = History(path)
    assert {k: timeline_of(t) for k, t in history.tracks(spans)["s0"][0].items()} == expected
    history.close()


def test_a_report_shared_among_processes_is_the_report_of_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each process reads its sites from the file on its own; the reports come back pickled.
    rng = random.Random(11)
    sites = random_sites(rng)
    first, last = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
    history = History(tmp_path / "history.sqlite3")
    random_history(rng, history, sites, BASE - 40 * 86_400, BASE + 40 * 86_400)
    alone = build_report(
        history, sites, first, last, blip_seconds=120, generated=dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    )
    monkeypatch.setattr(collector.report.build, "_processes", lambda *_args: 2)
    shared = build_report(
        history, sites, first, last, blip_seconds=120, generated=dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    )
    assert dataclasses.asdict(shared) == dataclasses.asdict(alone)
    assert [s.site_id for s in shared.sites] == list(sites.sites)
    history.close()


def test_small_reports_stay_in_one_process(tmp_path: Path) -> None:
    sites = random_sites(random.Random(1))
    jobs = [(site_id, site, {}) for site_id, site in sites.sites.items()] * 2
    year = ((dt.date(2025, 12, 1), dt.date(2026, 11, 30)), (dt.date(2024, 12, 1), dt.date(2025, 11, 30)))
    month = ((dt.date(2026, 11, 1), dt.date(2026, 11, 30)), (dt.date(2026, 10, 1), dt.date(2026, 10, 31)))
    on_file, in_memory = History(tmp_path / "history.sqlite3"), History(":memory:")
    # 4 sites of 8 members in services: 32 x 61 days is under PARALLEL_FROM, 32 x 730 is not.
    assert collector.report.build._processes(on_file, jobs, month) == 1
    assert collector.report.build._processes(on_file, jobs, year) == min(2, len(os.sched_getaffinity(0)))
    assert collector.report.build._processes(on_file, jobs[:1], year) == 1  # one site: nothing to share
    assert collector.report.build._processes(in_memory, jobs, year) == 1  # another process cannot open it
    shares = collector.report.build._shares(jobs + jobs[:1], 2)
    assert sorted(len(share) for share in shares) == [2, 3]
    on_file.close()
    in_memory.close()
