"""Pinned by mutation testing (issue 17): the availability rules no other test was checking.

The live k-of-n rule with absent members, closures and maintenance that start inside an open
period, closures read in the site's own time zone, outages and blips at their exact boundary.
Every expected value is computed by hand in the comment beside it.
"""

from __future__ import annotations

import datetime as dt
import pickle
from zoneinfo import ZoneInfo

import msgspec
import pytest

from collector.availability import (
    Figures,
    Outage,
    Segment,
    Transition,
    compute,
    down_causes,
    external_first,
    is_external,
    member_segments,
    needs_state,
    observed_timeline,
    requirement_state,
    service_segments,
    service_state,
    usability,
    with_needs,
)
from collector.sites import Calendar, Site

from helpers.periods import HOURS, t

TUESDAY, WEDNESDAY = t("2026-11-17 00:00"), t("2026-11-18 00:00")


def site(hours: str = HOURS, **extra: object) -> Site:
    return msgspec.convert({"name": "ESC Test", "opening_hours": hours, **extra}, Site)


# --------------------------------------------------------------------------- the live k-of-n rule


@pytest.mark.parametrize(
    ("states", "k", "expected"),
    [
        ([], 1, "unknown"),  # nobody exists: not measured
        (["absent"], 1, "unknown"),
        (["absent", "absent"], 1, "unknown"),
        (["ok"], 1, "up"),
        (["degraded"], 1, "up"),  # degraded still serves
        (["down"], 1, "down"),
        (["unknown"], 1, "unknown"),
        (["down", "down"], 1, "down"),
        (["down", "unknown"], 1, "unknown"),  # the unknown one may serve
        (["down", "absent", "ok"], 1, "up"),
        (["ok", "absent"], 2, "down"),  # absent never counts as usable: 1 < 2, nothing unknown
        (["ok", "unknown"], 2, "unknown"),  # 1 usable + 1 unknown = 2: cannot say
        (["ok", "down", "unknown"], 2, "unknown"),
        (["ok", "down", "down"], 2, "down"),  # 1 + 0 < 2
        (["ok", "ok"], 2, "up"),  # exactly k usable
        (["ok", "degraded", "down"], 2, "up"),
        (["ok", "ok", "absent"], 3, "down"),  # the absent third is not waited for: 2 < 3
        (["down"], 0, "up"),  # needing none: up while anyone exists
        (["unknown", "unknown", "down"], 2, "unknown"),  # 0 usable + 2 unknown: cannot say
        (["unknown", "unknown", "ok"], 3, "unknown"),
        (["unknown", "down", "down"], 2, "down"),  # 0 + 1 < 2
    ],
)
def test_service_state(states: list[str], k: int, expected: str) -> None:
    assert service_state(states, k) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("state", "expected"),
    [("ok", "up"), ("degraded", "up"), ("down", "down"), ("unknown", "unknown"), ("absent", "absent")],
)
def test_usability(state: str, expected: str) -> None:
    assert usability(state) == expected  # type: ignore[arg-type]


def test_down_causes_in_order_without_repeats() -> None:
    current = [
        Transition(0, "down", ("toner_empty", "jam")),
        Transition(0, "ok", ("toner_low",)),
        Transition(0, "down", ("jam",)),
        Transition(0, "down", ()),
        Transition(0, "unknown"),
    ]
    assert down_causes(current) == ("toner", "jam", "unknown")


# --------------------------------------------------------------------------- segments


def test_service_segments_with_an_absent_member_and_simultaneous_changes() -> None:
    a = [Transition(0, "ok"), Transition(40, "down", ("jam",)), Transition(60, "ok")]
    b = [
        Transition(0, "absent"),
        Transition(20, "ok"),
        Transition(40, "down", ("toner_empty",)),
        Transition(50, "absent"),
    ]
    segs = service_segments({"a": a, "b": b}, 2, 0, 100)
    # 0-20: b absent, 1 usable < 2 -> down (causes: nobody down -> none); 20-40 both ok -> up;
    # 40-50 both down; 50-60 a down, b gone; 60-100 a ok, alone -> down (1 < 2), no cause.
    assert [(s.start, s.end, s.state, s.causes) for s in segs] == [
        (0, 20, "down", ()),
        (20, 40, "up", ()),
        (40, 50, "down", ("jam", "toner")),
        (50, 60, "down", ("jam",)),
        (60, 100, "down", ()),
    ]


def test_service_segments_state_before_the_period_and_after_its_end() -> None:
    timeline = [Transition(-50, "down", ("jam",)), Transition(10, "ok"), Transition(100, "down", ("jam",))]
    segs = service_segments({"a": timeline}, 1, 0, 100)
    assert [(s.start, s.end, s.state) for s in segs] == [(0, 10, "down"), (10, 100, "up")]
    # Consecutive equal states are one segment; a change exactly at the start is in force at once.
    segs = service_segments(
        {"a": [Transition(0, "ok"), Transition(30, "degraded"), Transition(60, "ok")]}, 1, 0, 90
    )
    assert [(s.start, s.end, s.state) for s in segs] == [(0, 90, "up")]


def test_member_segments_leave_absent_time_out() -> None:
    timeline = [
        Transition(0, "ok"),
        Transition(20, "absent"),
        Transition(30, "down", ()),
        Transition(40, "degraded"),
    ]
    assert member_segments(timeline, 0, 50) == [
        Segment(0, 20, "up"),
        Segment(30, 40, "down", ("unknown",)),
        Segment(40, 50, "up"),
    ]


# --------------------------------------------------------------------------- observed timeline


def test_observed_timeline_runs_life_and_first_state() -> None:
    timeline = [Transition(10, "ok"), Transition(50, "down", ("jam",))]
    got = observed_timeline(timeline, [(0, 30), (40, 70)], life=(5, 80), start=0, end=100)
    # 0-5 absent (before its life); 5-10 covered but no state yet: unknown; 10-30 ok;
    # 30-40 not observed: unknown; 40-50 ok; 50-70 down; 70-80 not observed; 80- retired.
    assert [(x.ts, x.state) for x in got] == [
        (0, "absent"),
        (5, "unknown"),
        (10, "ok"),
        (30, "unknown"),
        (40, "ok"),
        (50, "down"),
        (70, "unknown"),
        (80, "absent"),
    ]
    # Without coverage the transitions stand alone; the life starts at the first transition.
    assert [(x.ts, x.state) for x in observed_timeline(timeline, None, start=0, end=100)] == [
        (0, "absent"),
        (10, "ok"),
        (50, "down"),
    ]


# --------------------------------------------------------------------------- figures


def test_figures_properties_by_hand() -> None:
    f = Figures(
        0, 100, open_seconds=100, up_seconds=60, down_seconds=20, unknown_seconds=10, maintenance_seconds=10
    )
    f.outages = [Outage(0, 10, 5, ("jam",)), Outage(20, 40, 15, ("toner",))]
    assert f.measured_seconds == 80
    assert f.availability == 60 / 80
    assert f.unknown_ratio == 10 / 100
    assert (f.outage_seconds, f.longest_outage, f.mttr) == (20, 15, 10)
    empty = Figures(0, 100)
    assert (empty.availability, empty.unknown_ratio, empty.mttr, empty.longest_outage) == (
        None,
        None,
        None,
        0.0,
    )
    assert (empty.open_seconds, empty.up_seconds, empty.down_seconds, empty.unknown_seconds) == (0, 0, 0, 0)
    assert (empty.maintenance_seconds, empty.blips, empty.blip_seconds, empty.outages, empty.causes) == (
        0,
        0,
        0,
        [],
        [],
    )
    outage = Outage(0, 10, 5, ("jam",))
    assert (outage.ongoing, outage.external_seconds) == (False, 0.0)


@pytest.mark.parametrize(
    "outages",
    [
        [],
        [Outage(0, 10, 5, ("jam",))],
        [Outage(0, 10, 5, ("jam", "internet"), True, 2.5), Outage(20, 40, 15, ())],
    ],
)
def test_figures_come_back_from_another_process_whole(outages: list[Outage]) -> None:
    # Reports computed in other processes come back pickled, their outages as columns.
    figures = Figures(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, outages, 8, 9.0, [("jam", 5.0, 1)])
    back = pickle.loads(pickle.dumps(figures))
    assert back == figures
    assert all(type(o) is Outage for o in back.outages)


def figures_of(
    timeline: list[Transition], the_site: Site, start: float, end: float, blip: float = 0.0
) -> Figures:
    calendar = Calendar(the_site)
    return compute(service_segments({"hp": timeline}, 1, start, end), calendar.open_intervals(start, end),
                   start=start, end=end, maintenance=calendar.maintenance("impression"), blip_seconds=blip)  # fmt: skip


def test_a_closure_that_starts_inside_an_open_period() -> None:
    # Tuesday 17 November 2026, open 09:00-12:00 and 14:00-18:00, closed from 10:30 to 15:00:
    # open 09:00-10:30 (1 h 30) and 15:00-18:00 (3 h) = 16,200 s.
    closed = site(closures=[{"from": "2026-11-17T10:30", "to": "2026-11-17T15:00"}])
    assert Calendar(closed).open_intervals(TUESDAY, WEDNESDAY) == [
        (t("2026-11-17 09:00"), t("2026-11-17 10:30")),
        (t("2026-11-17 15:00"), t("2026-11-17 18:00")),
    ]
    # A jam from 10:00 to 16:00 counts 10:00-10:30 and 15:00-16:00: 5,400 s, one outage.
    jam = [
        Transition(TUESDAY, "ok"),
        Transition(t("2026-11-17 10:00"), "down", ("jam",)),
        Transition(t("2026-11-17 16:00"), "ok"),
    ]
    f = figures_of(jam, closed, TUESDAY, WEDNESDAY)
    assert (f.open_seconds, f.down_seconds, [o.open_seconds for o in f.outages]) == (16_200, 5_400, [5_400])


def test_maintenance_that_starts_inside_an_open_period() -> None:
    # Maintenance 10:30-15:00: 10:30-12:00 and 14:00-15:00 are open = 9,000 s of maintenance.
    planned = site(
        maintenance=[{"service": "impression", "from": "2026-11-17T10:30", "to": "2026-11-17T15:00"}],
        services={"impression": {"devices": ["hp"]}},
    )
    # Down 10:00-11:00: 10:00-10:30 counts (1,800 s), 10:30-11:00 is maintenance.
    timeline = [
        Transition(TUESDAY, "ok"),
        Transition(t("2026-11-17 10:00"), "down", ("jam",)),
        Transition(t("2026-11-17 11:00"), "ok"),
    ]
    f = figures_of(timeline, planned, TUESDAY, WEDNESDAY)
    assert f.open_seconds == 25_200
    assert f.maintenance_seconds == 9_000
    assert (f.down_seconds, [o.open_seconds for o in f.outages]) == (1_800, [1_800])
    assert f.up_seconds == 25_200 - 9_000 - 1_800
    assert f.availability == pytest.approx(14_400 / 16_200)


def test_closures_are_read_in_the_site_time_zone() -> None:
    # A site in French Guiana (UTC-3) open around the clock, closed on 17 November (its own day):
    # closed from 03:00 UTC on the 17th to 03:00 UTC on the 18th, not from midnight UTC.
    cayenne = site("24/7", timezone="America/Cayenne", closures=[{"from": "2026-11-17", "to": "2026-11-17"}])
    utc = ZoneInfo("UTC")

    def at(text: str) -> float:
        return dt.datetime.fromisoformat(text).replace(tzinfo=utc).timestamp()

    opened = Calendar(cayenne).open_intervals(at("2026-11-17 00:00"), at("2026-11-19 00:00"))
    assert opened == [
        (at("2026-11-17 00:00"), at("2026-11-17 03:00")),
        (at("2026-11-18 03:00"), at("2026-11-19 00:00")),
    ]
    # Maintenance date-times too are the site's local times.
    planned = site("24/7", timezone="America/Cayenne",
                   maintenance=[{"service": "impression", "from": "2026-11-17T09:00", "to": "2026-11-17T10:00"}],
                   services={"impression": {"devices": ["hp"]}})  # fmt: skip
    assert Calendar(planned).maintenance("impression") == [(at("2026-11-17 12:00"), at("2026-11-17 13:00"))]


@pytest.mark.parametrize(("blip", "outages", "blips"), [(599.0, [600], 0), (600.0, [600], 0), (601.0, [], 1)])
def test_blip_threshold_both_sides(blip: float, outages: list[float], blips: int) -> None:
    # A 10-minute jam (600 s of open time) is kept unless the threshold is above 600 s.
    timeline = [
        Transition(TUESDAY, "ok"),
        Transition(t("2026-11-17 10:00"), "down", ("jam",)),
        Transition(t("2026-11-17 10:10"), "ok"),
    ]
    f = figures_of(timeline, site(), TUESDAY, WEDNESDAY, blip=blip)
    assert ([o.open_seconds for o in f.outages], f.blips) == (outages, blips)
    assert f.down_seconds == sum(outages)
    assert f.up_seconds == 25_200 - sum(outages)


def test_an_outage_ends_when_the_service_is_up_even_while_closed() -> None:
    # Down 17:30-19:00 (closed from 18:00), up 19:00-20:00, down again from 20:00 to 09:30 next day:
    # two outages, 1,800 s then 1,800 s; the second is ongoing at the end of the period.
    timeline = [
        Transition(TUESDAY, "ok"),
        Transition(t("2026-11-17 17:30"), "down", ("jam",)),
        Transition(t("2026-11-17 19:00"), "ok"),
        Transition(t("2026-11-17 20:00"), "down", ("toner_empty",)),
    ]
    f = figures_of(timeline, site(), TUESDAY, t("2026-11-18 09:30"))
    assert [(o.start, o.end, o.open_seconds, o.causes, o.ongoing) for o in f.outages] == [
        (t("2026-11-17 17:30"), t("2026-11-17 19:00"), 1_800, ("jam",), False),
        (t("2026-11-17 20:00"), t("2026-11-18 09:30"), 1_800, ("toner",), True),
    ]
    assert f.causes == [("jam", 1_800, 1), ("toner", 1_800, 1)]


def test_causes_sorted_by_seconds_then_count_then_name() -> None:
    # Three outages on Tuesday: toner 1 h, jam 30 min twice (1 h in all, 2 outages), door 1 h.
    timeline = [
        Transition(TUESDAY, "ok"),
        Transition(t("2026-11-17 09:00"), "down", ("toner_empty",)),
        Transition(t("2026-11-17 10:00"), "ok"),
        Transition(t("2026-11-17 10:30"), "down", ("jam",)),
        Transition(t("2026-11-17 11:00"), "ok"),
        Transition(t("2026-11-17 11:30"), "down", ("jam",)),
        Transition(t("2026-11-17 12:00"), "ok"),
        Transition(t("2026-11-17 14:00"), "down", ("door_open",)),
        Transition(t("2026-11-17 15:00"), "ok"),
    ]
    f = figures_of(timeline, site(), TUESDAY, WEDNESDAY)
    assert f.causes == [("jam", 3_600, 2), ("door", 3_600, 1), ("toner", 3_600, 1)]
    assert f.mttr == 10_800 / 4


def test_observed_timeline_edges() -> None:
    # No transition at all: the member never existed in the period.
    assert observed_timeline([], None, start=0, end=100) == [Transition(0, "absent")]
    # Changes exactly at the period's end are not in it (half-open [start, end)).
    timeline = [Transition(0, "ok"), Transition(100, "down", ("jam",))]
    assert observed_timeline(timeline, None, start=0, end=100) == [Transition(0, "ok")]
    assert observed_timeline(timeline, [(0, 100)], start=0, end=100) == [Transition(0, "ok")]
    assert observed_timeline(timeline, None, life=(0, 100), start=0, end=100) == [Transition(0, "ok")]
    # Absent and unobserved time carry no reasons.
    got = observed_timeline([Transition(10, "down", ("jam",))], [(10, 20)], life=(5, 30), start=0, end=40)
    assert got == [
        Transition(0, "absent", ()),
        Transition(5, "unknown", ()),
        Transition(10, "down", ("jam",)),
        Transition(20, "unknown", ()),
        Transition(30, "absent", ()),
    ]


def test_member_segments_never_empty_and_external_causes_first() -> None:
    assert member_segments([Transition(0, "ok"), Transition(50, "down", ("jam",))], 0, 50) == [
        Segment(0, 50, "up")
    ]
    both = member_segments([Transition(0, "down", ("jam", "internet_unreachable"))], 0, 10)
    assert both == [Segment(0, 10, "down", ("internet", "jam"), True)]
    inside = member_segments([Transition(0, "down", ("jam", "toner_empty"))], 0, 10)
    assert inside == [Segment(0, 10, "down", ("jam", "toner"), False)]


@pytest.mark.parametrize(
    ("cause", "external"),
    [("internet", True), ("site", True), ("site:caf", True), ("site:caf:annexe", True), ("jam", False),
     ("unknown", False), ("nothing", False), ("caf:site", False)],
)  # fmt: skip
def test_is_external(cause: str, external: bool) -> None:
    assert is_external(cause) is external


def test_external_first_keeps_every_cause() -> None:
    assert external_first(["jam", "internet", "site:caf", "toner"]) == (
        "internet",
        "site:caf",
        "jam",
        "toner",
    )
    assert external_first(["jam", "toner"]) == ("jam", "toner")


@pytest.mark.parametrize(
    ("alternatives", "state", "down"),
    [
        ([], "absent", 0),
        ([None], "absent", 0),
        ([Transition(0, "absent")], "absent", 0),
        ([Transition(0, "ok")], "up", 0),
        ([Transition(0, "degraded"), Transition(0, "down")], "up", 0),  # one usable alternative is enough
        ([Transition(0, "down"), Transition(0, "down")], "down", 2),
        ([Transition(0, "down"), None], "down", 1),  # the missing one does not exist yet
        ([Transition(0, "down"), Transition(0, "absent")], "down", 1),
        ([Transition(0, "down"), Transition(0, "unknown")], "unknown", 0),
        ([Transition(0, "unknown")], "unknown", 0),
    ],
)
def test_requirement_state(alternatives: list[Transition | None], state: str, down: int) -> None:
    got, down_ones = requirement_state(alternatives)
    assert (got, len(down_ones)) == (state, down)


def test_needs_state() -> None:
    internet_down = Transition(0, "down", ("internet_unreachable",))
    assert needs_state(Transition(0, "absent"), [[internet_down]]) == ("absent", (), ())
    assert needs_state(Transition(0, "ok", ("x",)), [[internet_down]]) == (
        "down", ("internet_unreachable",), ("internet",))  # fmt: skip
    assert needs_state(Transition(0, "degraded", ("toner_low",)), [[None]]) == (
        "degraded",
        ("toner_low",),
        (),
    )


def test_with_needs_edges() -> None:
    own = [Transition(0, "ok")]
    assert with_needs(own, []) == own
    assert with_needs([], [[[Transition(0, "down")]]]) == []
    # A requirement that starts later is not in force before its first transition.
    got = with_needs(own, [[[Transition(50, "down", ("internet_unreachable",))]]])
    assert got == [Transition(0, "ok"), Transition(50, "down", ("internet_unreachable",), ("internet",))]


def test_compute_defaults_and_period() -> None:
    # No blip threshold by default: half a second of outage is an outage.
    f = compute([Segment(0, 10, "up"), Segment(10, 10.5, "down", ("jam",)), Segment(10.5, 20, "up")], [(0, 20)],
                start=0, end=20)  # fmt: skip
    assert (f.start, f.end, f.blips, [o.open_seconds for o in f.outages]) == (0, 20, 0, [0.5])
