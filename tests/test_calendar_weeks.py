"""A weekly calendar's open time over a long span, each weekday's hours repeated, against the library's own.

``Calendar.open_intervals`` asks the ``opening_hours`` library for every day only for a short
span; over four weeks or more, an expression made of weekdays, public holidays and hours within
a day repeats the hours of the first ordinary day of each weekday and asks the library only for
public holidays, the days the clocks change and the span's first and last days. The intervals
must be exactly the library's (``repeat_weeks=False``), over random spans crossing holidays and
changes of time, in zones whose clocks change at 02:00, at midnight or by half an hour.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collector.sites import WEEKLY_FROM, Calendar, Site, _weekly

BENCH_HOURS = "Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00; PH off"
#: Paris (02:00 → 03:00), Santiago and Beirut (at midnight), São Paulo (at midnight until 2019),
#: Lord Howe (half an hour).
ZONES = ("Europe/Paris", "America/Santiago", "Asia/Beirut", "America/Sao_Paulo", "Australia/Lord_Howe")
DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")


def make_site(hours: str, timezone: str = "Europe/Paris", **extra: Any) -> Site:
    return msgspec.convert({"name": "ESC Test", "opening_hours": hours, "timezone": timezone, **extra}, Site)


@pytest.mark.parametrize(
    ("expression", "weekly"),
    [
        (BENCH_HOURS, True),
        ("Mo-Fr 09:00-12:30,13:30-18:00; PH off", True),
        ("Tu-Sa 10:00-18:00; PH 10:00-12:00", True),
        ("09:00-17:00", True),
        ("Mo,We,Fr 08:00-24:00; Su off", True),
        ("Sa-Mo 10:00-12:00; PH closed", True),
        ("24/7", False),  # one interval from the library: nothing to repeat
        ("off", False),
        ("Mo-Fr 22:00-02:00", False),  # past midnight
        ("Mo-Fr 09:00-18:00; Nov off", False),  # months
        ("Mo-Fr 09:00-18:00; SH off", False),  # school holidays
        ("Mo[1] 09:00-12:00", False),  # the first Monday of a month
        ("week 1-53/2 Mo 09:00-12:00", False),
        ("Mo-Fr 09:00+", False),
        ("Mo-Fr 12:00-09:00", False),
        ('Mo-Fr 09:00-12:00 "sur rendez-vous"', False),
    ],
)
def test_which_expressions_repeat_every_week(expression: str, weekly: bool) -> None:
    assert _weekly(expression) is weekly


MINUTES = st.lists(st.integers(0, 48).map(lambda k: k * 30), min_size=2, max_size=6, unique=True).map(sorted)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _spans(points: list[int]) -> str:
    pairs = list(zip(points[::2], points[1::2], strict=False))
    return ",".join(f"{_clock(a)}-{_clock(b)}" for a, b in pairs) if pairs else "off"


weekday_items = st.one_of(
    st.sampled_from(DAYS),
    st.tuples(st.sampled_from(DAYS), st.sampled_from(DAYS)).filter(lambda p: p[0] != p[1]).map("-".join),
)
# Holidays come first in a selector (« PH,Mo-Fr »).
selectors = (
    st.tuples(st.booleans(), st.lists(weekday_items, max_size=3, unique=True))
    .filter(lambda s: s[0] or s[1])
    .map(lambda s: ",".join((["PH"] if s[0] else []) + s[1]))
)
rules = st.tuples(
    st.one_of(st.none(), selectors),
    st.one_of(MINUTES.map(_spans), st.sampled_from(("off", "closed"))),
).map(lambda r: r[1] if r[0] is None else f"{r[0]} {r[1]}")
expressions = st.lists(rules, min_size=1, max_size=4).map("; ".join).filter(_weekly)

SPAN_START = dt.datetime(2017, 1, 1, tzinfo=dt.UTC).timestamp()
SPAN_END = dt.datetime(2031, 1, 1, tzinfo=dt.UTC).timestamp()


@settings(max_examples=80, deadline=None)
@given(
    expressions,
    st.sampled_from(ZONES),
    st.floats(SPAN_START, SPAN_END, allow_nan=False),
    st.floats(WEEKLY_FROM, 800 * 86_400, allow_nan=False),
    st.booleans(),
)
def test_repeated_weeks_are_the_librarys_intervals(
    expression: str, zone: str, start: float, length: float, at_midnight: bool
) -> None:
    site = make_site(expression, zone)
    if at_midnight:  # a report's period: from a local midnight to another
        local = dt.datetime.fromtimestamp(start, site.tz).date()
        start = dt.datetime.combine(local, dt.time(), site.tz).timestamp()
        end = dt.datetime.combine(
            local + dt.timedelta(days=round(length / 86_400)), dt.time(), site.tz
        ).timestamp()
    else:
        end = start + length
    calendar = Calendar(site)
    assert calendar.open_intervals(start, end) == calendar.open_intervals(start, end, repeat_weeks=False)


def test_a_year_of_the_benchmarks_hours_asks_the_library_for_few_days() -> None:
    site = make_site(
        BENCH_HOURS, holidays_subdivision="57", closures=[{"from": "2026-08-03", "to": "2026-08-15"}]
    )
    calendar = Calendar(site)
    calls: list[tuple[dt.datetime, dt.datetime]] = []
    library = calendar._oh

    class Counting:
        def intervals(self, start: dt.datetime, end: dt.datetime) -> Any:
            calls.append((start, end))
            return library.intervals(start, end)

    calendar._oh = Counting()
    start = dt.datetime(2025, 12, 1, tzinfo=site.tz).timestamp()
    end = dt.datetime(2026, 12, 1, tzinfo=site.tz).timestamp()
    fast = calendar.open_intervals(start, end)
    # 7 weekdays learnt, 11 public holidays, 2 changes of time, the first and last days at most.
    assert len(calls) <= 22
    assert all(e - s <= dt.timedelta(days=3) for s, e in calls)  # a day, or three around a change of time
    asked = len(calls)
    assert fast == calendar.open_intervals(start, end, repeat_weeks=False)
    assert len(calls) == asked + 1  # the library asked once for the whole year
    opened = dict.fromkeys(
        ("2026-04-03", "2026-08-04", "2026-08-10", "2026-12-25"), 0.0
    )  # Good Friday, the closure
    opened["2026-04-02"] = 0.0
    for s, e in fast:
        day = dt.datetime.fromtimestamp(s, site.tz).date().isoformat()
        if day in opened:
            opened[day] += e - s
    assert opened == {"2026-04-03": 0.0, "2026-08-04": 0.0, "2026-08-10": 0.0, "2026-12-25": 0.0,
                      "2026-04-02": 7 * 3600.0}  # fmt: skip
