"""Availability ground truth: scenarios computed by hand, exact seconds."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from collector.availability import Transition, compute, member_segments, service_segments
from collector.sites import Calendar, Site

from helpers.periods import HOURS, MONTH, NOV_END, NOV_START, PARIS, t


def site(hours: str = HOURS, **extra: object) -> Site:
    return msgspec.convert({"name": "ESC Test", "opening_hours": hours, **extra}, Site)


def figures(
    timelines: dict[str, list[Transition]],
    *,
    k: int = 1,
    the_site: Site | None = None,
    start: float = NOV_START,
    end: float = NOV_END,
    service: str = "impression",
    blip: float = 0.0,
):  # type: ignore[no-untyped-def]
    calendar = Calendar(the_site or site())
    segments = service_segments(timelines, k, start, end)
    return compute(segments, calendar.open_intervals(start, end), start=start, end=end,
                   maintenance=calendar.maintenance(service), blip_seconds=blip)  # fmt: skip


def test_open_time_of_november_2026() -> None:
    # 21 weekdays, minus Wednesday 11 November (Armistice) = 20 days of 7 h.
    assert sum(e - s for s, e in Calendar(site()).open_intervals(NOV_START, NOV_END)) == 20 * 7 * 3600


def test_a_month_with_known_outages() -> None:
    f = figures({"hp": MONTH})
    assert f.open_seconds == 504_000
    assert f.unknown_seconds == 3_600
    assert f.down_seconds == 5_400 + 3_600 + 3_600
    assert f.up_seconds == 504_000 - 3_600 - 12_600
    assert f.availability == pytest.approx(487_800 / 500_400)
    assert [(o.open_seconds, o.causes) for o in f.outages] == [
        (5_400, ("jam",)),
        (3_600, ("toner",)),
        (3_600, ("jam",)),
    ]
    assert f.outages[0].start == t("2026-11-06 17:30")
    assert f.outages[0].end == t("2026-11-09 10:00")
    assert f.mttr == 4_200
    assert f.longest_outage == 5_400
    assert f.causes == [("jam", 9_000, 2), ("toner", 3_600, 1)]  # the holiday outage counts nowhere


def test_exceptional_closure_and_planned_maintenance() -> None:
    the_site = site(
        closures=[{"from": "2026-11-20", "to": "2026-11-20", "reason": "fermeture exceptionnelle"}],
        maintenance=[{"service": "impression", "from": "2026-11-17T09:00", "to": "2026-11-17T11:00"}],
        services={"impression": {"devices": ["hp"]}},
    )
    timeline = [
        Transition(t("2026-11-01 00:00"), "ok"),
        Transition(t("2026-11-17 09:00"), "down", ("device_error",)),  # during the maintenance
        Transition(t("2026-11-17 11:00"), "ok"),
        Transition(t("2026-11-20 10:00"), "down", ("jam",)),  # closed that day
        Transition(t("2026-11-20 17:00"), "ok"),
    ]
    f = figures({"hp": timeline}, the_site=the_site)
    assert f.open_seconds == 504_000 - 7 * 3600
    assert f.maintenance_seconds == 7_200
    assert (f.down_seconds, f.outages) == (0, [])
    assert f.availability == 1.0


def test_outage_across_closing_time_and_midnight() -> None:
    always = site("24/7")
    timeline = [Transition(t("2026-11-03 00:00"), "ok"), Transition(t("2026-11-03 23:00"), "down", ("jam",)),
                Transition(t("2026-11-04 01:00"), "ok")]  # fmt: skip
    f = figures({"hp": timeline}, the_site=always, start=t("2026-11-03 00:00"), end=t("2026-11-05 00:00"))
    assert [o.open_seconds for o in f.outages] == [7_200]
    # The same on a site that closes at 18:00: only the open hours count, one outage.
    f = figures({"hp": [Transition(t("2026-11-03 00:00"), "ok"), Transition(t("2026-11-03 17:00"), "down", ("jam",)),
                        Transition(t("2026-11-04 10:30"), "ok")]},
                start=t("2026-11-03 00:00"), end=t("2026-11-05 00:00"))  # fmt: skip
    assert [o.open_seconds for o in f.outages] == [3_600 + 5_400]


@pytest.mark.parametrize(
    ("day", "seconds"), [("2026-03-29", 23 * 3600), ("2026-10-25", 25 * 3600), ("2026-06-14", 24 * 3600)]
)
def test_daylight_saving_days(day: str, seconds: int) -> None:
    start = t(f"{day} 00:00")
    end = (dt.datetime.fromisoformat(day).replace(tzinfo=PARIS) + dt.timedelta(days=1)).timestamp()
    always = site("24/7")
    assert end - start == seconds
    f = figures({"hp": [Transition(start, "down", ("jam",))]}, the_site=always, start=start, end=end)
    assert (f.open_seconds, f.down_seconds, f.outages[0].open_seconds, f.outages[0].ongoing) == (
        seconds,
        seconds,
        seconds,
        True,
    )


def test_device_added_mid_month_counts_only_its_life() -> None:
    timeline = [Transition(t("2026-11-16 12:00"), "ok")]
    calendar = Calendar(site())
    device = compute(member_segments(timeline, NOV_START, NOV_END), calendar.open_intervals(NOV_START, NOV_END),
                     start=NOV_START, end=NOV_END)  # fmt: skip
    # 16-20, 23-27 and 30 November: 11 days of 7 h, minus Monday 16 morning (3 h).
    assert device.open_seconds == 11 * 7 * 3600 - 3 * 3600
    assert device.availability == 1.0
    # The service it belongs to was not measured before it existed: unknown, not up, not down.
    service = figures({"new": timeline})
    assert (service.open_seconds, service.unknown_seconds) == (504_000, 504_000 - device.open_seconds)
    assert service.availability == 1.0


def test_period_without_opening_time_is_not_applicable() -> None:
    f = figures({"hp": MONTH}, start=t("2026-11-07 00:00"), end=t("2026-11-09 00:00"))  # a weekend
    assert (f.open_seconds, f.availability, f.unknown_ratio, f.mttr) == (0, None, None, None)


def test_blips_are_ignored_and_counted() -> None:
    timeline = [Transition(t("2026-11-18 08:00"), "ok"), Transition(t("2026-11-18 09:00"), "down", ("unreachable",)),
                Transition(t("2026-11-18 09:00:30"), "ok"), Transition(t("2026-11-18 10:00"), "down", ("jam",)),
                Transition(t("2026-11-18 10:05"), "ok")]  # fmt: skip
    day = (t("2026-11-18 00:00"), t("2026-11-19 00:00"))
    f = figures({"hp": timeline}, start=day[0], end=day[1], blip=60)
    assert (f.blips, f.blip_seconds) == (1, 30)
    assert [o.open_seconds for o in f.outages] == [300]
    assert f.down_seconds == 300
    assert f.up_seconds == 7 * 3600 - 300


def test_k_of_n_rule() -> None:
    day = (t("2026-11-18 00:00"), t("2026-11-19 00:00"))
    a = [
        Transition(day[0], "ok"),
        Transition(t("2026-11-18 10:00"), "down", ("jam",)),
        Transition(t("2026-11-18 11:00"), "ok"),
    ]
    b = [Transition(day[0], "ok"), Transition(t("2026-11-18 10:30"), "down", ("toner_empty",)),
         Transition(t("2026-11-18 11:30"), "ok")]  # fmt: skip
    one_of_two = figures({"a": a, "b": b}, k=1, start=day[0], end=day[1])
    assert [(o.open_seconds, o.causes) for o in one_of_two.outages] == [(1_800, ("jam", "toner"))]
    two_of_two = figures({"a": a, "b": b}, k=2, start=day[0], end=day[1])
    assert [o.open_seconds for o in two_of_two.outages] == [5_400]


@pytest.mark.parametrize(
    ("a", "b", "k", "expected"),
    [
        ("down", "unknown", 1, "unknown"),  # B might be usable
        ("down", "down", 1, "down"),
        ("ok", "unknown", 1, "up"),
        ("ok", "unknown", 2, "unknown"),
        ("down", "unknown", 2, "down"),  # even if B were usable, 1 < 2
        ("degraded", "degraded", 2, "up"),
        ("unknown", "unknown", 1, "unknown"),
    ],
)
def test_service_state_table(a: str, b: str, k: int, expected: str) -> None:
    start, end = 0.0, 100.0
    segs = service_segments({"a": [Transition(0, a)], "b": [Transition(0, b)]}, k, start, end)  # type: ignore[arg-type]
    assert [s.state for s in segs] == [expected]


def test_service_before_any_member_exists_is_unknown() -> None:
    segs = service_segments({"a": [Transition(50, "ok")]}, 1, 0, 100)
    assert [(s.start, s.end, s.state) for s in segs] == [(0, 50, "unknown"), (50, 100, "up")]


def test_member_segments_cut_to_the_period() -> None:
    timeline = [Transition(0, "ok"), Transition(60, "down", ("jam",)), Transition(120, "ok")]
    segs = member_segments(timeline, 30, 90)
    assert [(s.start, s.end, s.state, s.causes) for s in segs] == [
        (30, 60, "up", ()),
        (60, 90, "down", ("jam",)),
    ]


def test_regional_holidays_alsace_moselle() -> None:
    # Good Friday 3 April 2026 is a holiday in Moselle only.
    moselle = site(holidays_subdivision="57")
    start, end = t("2026-04-03 00:00"), t("2026-04-04 00:00")
    assert Calendar(site()).open_intervals(start, end) != []
    assert Calendar(moselle).open_intervals(start, end) == []
