"""Days to empty (collector/forecast.py): tables of cases computed by hand, and a small backtest."""

from __future__ import annotations

import importlib.util
import math
import statistics
import sys
from pathlib import Path

import pytest

from collector.forecast import (
    DAY,
    Forecast,
    OpenClock,
    Reading,
    Settings,
    forecast,
    in_days,
    is_new_cartridge,
    remaining_fr,
)

REPO = Path(__file__).resolve().parent.parent
H = 3600.0
NBSP = "\u00a0"

# --------------------------------------------------------------------------- open time

#: Open 2 h, closed 2 h, open 1 h: [10, 12) and [14, 15) hours after the origin 0, over [0, 24 h].
CLOCK = OpenClock([(10 * H, 12 * H), (14 * H, 15 * H)], 0.0, 24 * H)


@pytest.mark.parametrize(
    ("ts", "open_seconds"),
    [
        (0.0, 0.0),
        (9 * H, 0.0),  # before the first opening
        (11 * H, 1 * H),
        (12 * H, 2 * H),
        (13 * H, 2 * H),  # closed: open time does not run
        (14.5 * H, 2.5 * H),
        (20 * H, 3 * H),
        (24 * H, 3 * H),
        (48 * H, 6 * H),  # after the span: the average open share (3 h a day)
        (-24 * H, -3 * H),  # before it: the same
    ],
)
def test_open_clock(ts: float, open_seconds: float) -> None:
    assert CLOCK.to_open(ts) == pytest.approx(open_seconds)


@pytest.mark.parametrize(
    ("open_seconds", "ts"),
    [(0.5 * H, 10.5 * H), (2 * H, 12 * H), (2.5 * H, 14.5 * H), (4.5 * H, 36 * H), (-1.5 * H, -12 * H)],
)
def test_open_clock_inverse(open_seconds: float, ts: float) -> None:
    assert CLOCK.from_open(open_seconds) == pytest.approx(ts)
    assert CLOCK.to_open(CLOCK.from_open(open_seconds)) == pytest.approx(open_seconds)


def test_a_place_never_open_counts_calendar_time() -> None:
    closed = OpenClock([], 0.0, 10 * DAY)
    assert closed.to_open(3 * DAY) == 3 * DAY
    assert OpenClock.always().from_open(5.0) == 5.0


# --------------------------------------------------------------------------- cases


def daily(levels: list[float], *, pages_per_day: int | None = None, start: float = 0.0) -> list[Reading]:
    """One reading a day at ``start + d days``."""
    return [
        Reading(start + d * DAY, level, None if pages_per_day is None else 1000 + d * pages_per_day)
        for d, level in enumerate(levels)
    ]


def coarse_readings(days: float, *, start_level: float = 100.0, every: float = 0.25) -> list[Reading]:
    """A level going down 1 point a day from ``start_level``, shown in 10-point steps (« 100 » until 90)."""
    out = []
    for i in range(int(days / every) + 1):
        t = i * every
        out.append(Reading(t * DAY, float(math.ceil((start_level - t) / 10) * 10)))
    return out


WEEKDAYS = OpenClock([(d * DAY + 9 * H, d * DAY + 17 * H) for d in range(200) if d % 7 < 5], 0.0, 200 * DAY)


def weekday_readings(days: int) -> list[Reading]:
    """A site open Monday–Friday 9:00–17:00 (day 0 a Monday): 1 point per open hour, read at each hour."""
    out = []
    used = 0.0
    for d in range(days):
        if d % 7 >= 5:
            continue
        for hour in range(9, 18):
            out.append(Reading(d * DAY + hour * H, round(80 - used - (hour - 9))))
        used += 8
    return out


# (name, readings, precision, settings, extra arguments, expected status, basis, empty at (days), tolerance)
# fmt: off
CASES = [
    ("nothing read yet", [], "exact", {}, {}, "not_enough_history", None, None, 0),
    ("one day of readings", daily([50, 49]), "exact", {}, {}, "not_enough_history", None, None, 0),
    ("a level that barely moved", daily([50, 50, 50, 49.5, 49.5]), "exact", {}, {}, "not_enough_history", None, None, 0),
    ("a level that did not move for a month", daily([40.0] * 31), "exact", {}, {}, "no_use", None, None, 0),
    # 1 point a day: the last step (41 → 40) is at day 9.5, level 40.5: empty at day 50, exactly.
    ("steady, one point a day", daily([50.0 - d for d in range(11)]), "exact", {}, {}, "ok", "level", 50.0, 1e-6),
    # Slower, with a bounce up of one point (a recalibration): still about 2 points a day.
    ("steady with a bounce", daily([80, 78, 76, 77, 72, 70, 68, 66]), "exact", {}, {}, "ok", "level", 40.0, 1.5),
    # Weekdays only, 1 point per open hour from 80, read for 7 open days: empty after 80 open hours =
    # 10 open days, at the end of day 11 (the second Friday, 17:00), the weekend skipped.
    ("open hours only", weekday_readings(9), "exact", {"clock": WEEKDAYS}, {}, "ok", "level", 11 + 17 / 24, 0.05),
    # Coarse 10-point steps, a new cartridge: the first step (at day 10) tells the device shows « 100 »
    # until 90, so the pace and the remaining level are exact: empty at day 100.
    ("coarse, from a new cartridge", coarse_readings(35), "coarse", {}, {"fresh": True}, "ok", "level", 100.0, 0.3),
    # The same seen mid-life (not fresh): each step taken at its middle, 5 days late, within its range.
    ("coarse, seen mid-life", coarse_readings(35), "coarse", {}, {}, "ok", "level", 105.0, 0.3),
    ("coarse, one step only", coarse_readings(15), "coarse", {}, {}, "not_enough_history", None, None, 0),
    # « Some remaining » only: 6,000 pages expected, 3,000 printed since the start, 100 a day: 30 more days.
    ("presence, page counter", daily([None] * 31, pages_per_day=100), "presence", {},
     {"expected_pages": 6000, "start_pages": 1000}, "ok", "pages", 60.0, 1e-6),
    ("presence, no page counter", daily([None] * 31), "presence", {}, {}, "no_level", None, None, 0),
    # Coarse mid-life with pages: the pages say day 102, inside the steps' range [100, 110].
    ("coarse with pages", [Reading(r.ts, r.level, int(1000 + r.ts / DAY * 60)) for r in coarse_readings(35)],
     "coarse", {}, {"expected_pages": 6120, "start_pages": 1000}, "ok", "pages", 102.0, 0.3),
    # Pages that promise too much are kept within what the steps allow (latest: day 110).
    ("coarse, pages clamped", [Reading(r.ts, r.level, int(1000 + r.ts / DAY * 60)) for r in coarse_readings(35)],
     "coarse", {}, {"expected_pages": 9000, "start_pages": 1000}, "ok", "pages", 110.0, 0.3),
]
# fmt: on


@pytest.mark.parametrize(
    ("readings", "precision", "options", "extra", "status", "basis", "empty_day", "tolerance"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_forecast(
    readings: list[Reading],
    precision: str,
    options: dict[str, OpenClock],
    extra: dict[str, object],
    status: str,
    basis: str | None,
    empty_day: float | None,
    tolerance: float,
) -> None:
    result = forecast(readings, precision=precision, clock=options.get("clock"), **extra)  # type: ignore[arg-type]
    assert (result.status, result.basis) == (status, basis)
    if empty_day is None:
        assert result.empty_at is None
        assert result.days_left(0.0) is None
    else:
        assert result.empty_at is not None
        assert result.empty_at / DAY == pytest.approx(empty_day, abs=tolerance)
    if precision == "coarse" and result.ok:
        assert result.earliest is not None
        assert result.latest is not None
        assert result.earliest <= result.empty_at <= result.latest  # type: ignore[operator]
        assert result.latest - result.earliest == pytest.approx(10 * DAY, abs=0.5 * DAY)  # one step's width


def test_the_settings_decide_how_much_history_is_enough() -> None:
    readings = daily([50, 48, 46])
    assert forecast(readings, precision="exact").status == "ok"
    strict = Settings(min_span=5 * DAY)
    assert forecast(readings, precision="exact", settings=strict).status == "not_enough_history"
    assert (
        forecast(readings, precision="exact", settings=Settings(min_drop=10)).status == "not_enough_history"
    )


@pytest.mark.parametrize(
    ("before", "after", "precision", "was_empty", "new"),
    [
        (12.0, 100.0, "exact", False, True),  # a new cartridge
        (40.0, 95.0, "exact", False, True),  # a half-used one refilled
        (40.0, 42.0, "exact", False, False),  # a recalibration bounce
        (40.0, 54.0, "exact", False, False),
        (40.0, 55.0, "exact", False, True),
        (10.0, 20.0, "coarse", False, True),  # a whole step up
        (20.0, 10.0, "coarse", False, False),
        (None, None, "presence", True, True),  # was empty, « some remaining » again
        (None, None, "presence", False, False),
        (None, 0.0, "presence", True, False),
    ],
)
def test_new_cartridge(
    before: float | None, after: float | None, precision: str, was_empty: bool, new: bool
) -> None:
    assert is_new_cartridge(before, after, precision=precision, was_empty=was_empty) is new  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("days", "precision", "words"),
    [
        (0.4, "exact", "moins d'un jour"),
        (1.2, "exact", f"~1{NBSP}jour"),
        (11.6, "exact", f"~12{NBSP}jours"),
        (20.4, "exact", f"~20{NBSP}jours"),
        (25.0, "exact", f"~4{NBSP}semaines"),
        (70.0, "exact", f"plus de 2{NBSP}mois"),
        (5.0, "coarse", "moins d'une semaine"),
        (16.0, "coarse", f"~2{NBSP}semaines"),
        (9.0, "presence", f"~1{NBSP}semaine"),
    ],
)
def test_days_in_french(days: float, precision: str, words: str) -> None:
    assert in_days(days, precision) == words  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("result", "role", "words"),
    [
        (Forecast("ok", "exact", "level", 12 * DAY), "toner", f"encore ~12{NBSP}jours"),
        (Forecast("ok", "exact", "level", 12 * DAY), "waste", f"plein dans ~12{NBSP}jours"),
        (Forecast("ok", "coarse", "level", 15 * DAY), "toner", f"encore ~2{NBSP}semaines (niveau approximatif)"),
        (Forecast("ok", "coarse", "pages", 15 * DAY), "toner",
         f"encore ~2{NBSP}semaines (d'après le compteur de pages, niveau approximatif)"),
        (Forecast("ok", "presence", "pages", 3 * DAY), "toner", "encore moins d'une semaine (d'après le compteur de pages)"),
        (Forecast("ok", "exact", "level", -1.0), "toner", "vide ou presque"),
        (Forecast("not_enough_history", "exact"), "toner", "pas encore assez d'historique pour prévoir"),
        (Forecast("no_use", "exact"), "toner", "pas de consommation mesurée ces dernières semaines"),
        (Forecast("no_level", "presence"), "toner", "l'appareil ne donne pas de niveau"),
    ],
)  # fmt: skip
def test_status_page_words(result: Forecast, role: str, words: str) -> None:
    assert remaining_fr(result, 0.0, role=role) == words


# --------------------------------------------------------------------------- the backtest, small


def _bench() -> object:
    path = REPO / "benchmarks" / "bench_forecast.py"
    spec = importlib.util.spec_from_file_location("bench_forecast", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_forecast"] = module
    spec.loader.exec_module(module)
    return module


def test_backtest_steady_use_is_within_two_days_a_week_before_empty() -> None:
    """The done-when of issue 16 on a small sample (the full run is in docs/benchmarks.md)."""
    bench = _bench()
    results = bench.backtest("steady", 25, 7)  # type: ignore[attr-defined]
    errors, count = results[7]
    assert len(errors) == count  # every run has a forecast a week before empty
    assert statistics.median(errors) < 2
    assert bench.percentile(errors, 0.9) < 2  # type: ignore[attr-defined]
    # A refill: the forecast cuts at the jump and is as good.
    errors, count = bench.backtest("refill", 15, 7)[7]  # type: ignore[attr-defined]
    assert len(errors) == count
    assert statistics.median(errors) < 2
