"""Backtest of the days-to-empty forecast (``collector/forecast.py``) on synthetic level histories.

Run on demand::

    .venv/bin/python benchmarks/bench_forecast.py [--runs 200] [--seed 1]

Each run draws one cartridge's life at a site open « Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00;
PH off » (Paris): toner is used only while the site is open, each open day's volume proportional
to its open hours (a Saturday morning prints less than a weekday) and drawn around a base that
makes a cartridge last 30 to 120 calendar days. The printer is read every hour while it
is awake (opening hours and the hour after), sleeps the rest of the time, and on 5 % of the days
nobody reads it at all (the PC running the agent was off). Scenarios:

* ``steady`` — each day's volume per open hour ±10 % around the base;
* ``bursts`` — the same, plus one day in ten at four times the base (a workshop, a mailing);
* ``holidays`` — a fortnight's closure declared in ``sites.toml`` 5 to 40 days before empty;
* ``quiet fortnight`` — the same fortnight *not* declared: the site stays open but prints 20 % of
  the usual (the forecast cannot know; this is the honest worst case);
* ``refill`` — the history starts with the previous cartridge at 30–45 %, replaced by a new one
  when it is nearly out: the forecast must cut at the jump and use the new cartridge only;
* ``coarse`` — the steady case read in 10 % steps (the device shows « 100 » until 90: ceiling),
  from a new cartridge: its first step tells the forecast how the device rounds;
* ``coarse, seen mid-life`` — the same, first seen at 55–85 %: the rounding is unknown, each
  step is taken at its middle;
* ``three-staged + pages`` — Canon's 100/10/1 levels (« 100 » above 10 %, « 10 » above 1 %): the
  steps say nothing of the pace, the page counter does, with the previous cartridge's real
  yield (pages per percent differ by ±10 % between cartridges).

At 30, 14 and 7 calendar days before the cartridge really empties, the forecast is computed from
the readings up to then; the error is ``|forecast − truth|`` in days. Output: the median and the
90th percentile of the error and the share of runs with a forecast (the others said « not enough
history yet »), as a Markdown table for ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import math
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import msgspec

from collector.forecast import DAY, OpenClock, Precision, Reading, forecast, is_new_cartridge
from collector.sites import Calendar, Site

HOURS = "Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00; PH off"
HORIZONS = (30, 14, 7)
SCENARIOS = (
    "steady",
    "bursts",
    "holidays",
    "quiet fortnight",
    "refill",
    "coarse",
    "coarse, seen mid-life",
    "three-staged + pages",
)
START = dt.datetime(2026, 1, 5, tzinfo=dt.UTC).timestamp()


@dataclass
class History:
    """One synthetic cartridge life: its readings, the truth, and what the forecast is told."""

    readings: list[Reading]
    empty_at: float
    clock: OpenClock
    precision: Precision
    expected_pages: float | None = None
    start_pages: int | None = None
    fresh: bool = True
    cartridge_start: float = START
    closures: list[tuple[float, float]] = field(default_factory=list)


def _site(closure: tuple[str, str] | None) -> Site:
    data: dict[str, object] = {"name": "ESC Banc d'essai", "opening_hours": HOURS}
    if closure:
        data["closures"] = [{"from": closure[0], "to": closure[1]}]
    return msgspec.convert(data, Site)


def _day(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).date().isoformat()


class Consumption:
    """The true level over time: volumes per open day spread evenly over that day's open hours."""

    def __init__(self, opened: list[tuple[float, float]], volume: Callable[[float], float]) -> None:
        self.starts = [s for s, _e in opened]
        self.ends = [e for _s, e in opened]
        per_day: dict[str, float] = {}
        for s, e in opened:
            per_day[_day(s)] = per_day.get(_day(s), 0.0) + (e - s)
        # A day's volume follows its open hours (a Saturday morning prints less than a weekday).
        volumes = {
            day: volume(dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp()) * seconds / 3600
            for day, seconds in per_day.items()
        }
        self.rates = [volumes[_day(s)] / per_day[_day(s)] for s, _e in opened]
        self.before: list[float] = []
        total = 0.0
        for s, e, rate in zip(self.starts, self.ends, self.rates, strict=True):
            self.before.append(total)
            total += rate * (e - s)

    def used(self, ts: float) -> float:
        """Return the percentage points used from the first open interval to ``ts``."""
        index = bisect.bisect_right(self.starts, ts) - 1
        if index < 0:
            return 0.0
        return self.before[index] + self.rates[index] * (min(ts, self.ends[index]) - self.starts[index])

    def when(self, amount: float) -> float:
        """Return the instant ``amount`` points have been used."""
        index = bisect.bisect_right(self.before, amount) - 1
        index = max(0, min(index, len(self.starts) - 1))
        return self.starts[index] + (amount - self.before[index]) / max(self.rates[index], 1e-12)


def _awake(opened: list[tuple[float, float]], off_days: set[str]) -> Callable[[float], bool]:
    starts = [s for s, _e in opened]

    def awake(ts: float) -> bool:
        index = bisect.bisect_right(starts, ts) - 1
        return index >= 0 and ts <= opened[index][1] + 3600 and _day(ts) not in off_days

    return awake


def make_history(scenario: str, rng: random.Random) -> History:
    """Draw one cartridge life for ``scenario``."""
    life = rng.uniform(30, 120)  # calendar days a cartridge lasts at the base volume
    closure: tuple[str, str] | None = None
    quiet: tuple[float, float] | None = None
    refill = scenario == "refill"
    previous = rng.uniform(30, 45) if refill else 0.0
    full = rng.uniform(55, 85) if scenario == "coarse, seen mid-life" else 100.0
    # Roughly where the new cartridge will be empty, to place the holidays before it.
    expected_end = START + (previous / 100 * life + life) * DAY
    if scenario in ("holidays", "quiet fortnight"):
        begin = expected_end - rng.uniform(5, 40) * DAY
        if scenario == "holidays":
            closure = (_day(begin), _day(begin + 13 * DAY))
        else:
            quiet = (begin, begin + 14 * DAY)
    site = _site(closure)
    calendar = Calendar(site)
    span_end = START + 400 * DAY
    opened = calendar.open_intervals(START, span_end)
    per_open_hour = 100 / (life / 7 * 38)  # 38 open hours a week
    bursts = scenario == "bursts"

    def volume(day: float) -> float:
        value = per_open_hour * rng.uniform(0.9, 1.1)
        if bursts and rng.random() < 0.1:
            value *= 4
        if quiet and quiet[0] <= day < quiet[1]:
            value *= 0.2
        return value

    use = Consumption(opened, volume)
    off_days = {_day(START + d * DAY) for d in range(400) if rng.random() < 0.05}
    awake = _awake(opened, off_days)
    coarse = scenario.startswith("coarse")
    staged = scenario.startswith("three-staged")
    pages_per_point = rng.uniform(50, 70)
    previous_yield = pages_per_point * 100 * rng.uniform(0.9, 1.1)
    change_at = use.when(previous - rng.uniform(2, 6)) if refill else START
    used_at_change = use.used(change_at)
    empty_at = use.when(used_at_change + 100) if refill else use.when(full)
    readings = []
    moment = START
    while moment < empty_at:
        if awake(moment):
            used = use.used(moment)
            level = previous - used if moment < change_at else full - (used - used_at_change)
            if staged:
                shown = 100 if level > 10 else 10 if level > 1 else 1 if level > 0 else 0
            else:
                shown = math.ceil(level / 10) * 10 if coarse else round(level)
            readings.append(Reading(moment, float(max(shown, 0)), int(1000 + used * pages_per_point)))
        moment += 3600
    clock = OpenClock(calendar.open_intervals(START - 30 * DAY, span_end), START - 30 * DAY, span_end)
    return History(
        readings, empty_at, clock, "coarse" if coarse or staged else "exact",
        expected_pages=previous_yield if staged else None, start_pages=1000 if staged else None,
        fresh=full == 100.0, cartridge_start=change_at,
    )  # fmt: skip


def current_cartridge(readings: list[Reading], precision: Precision) -> list[Reading]:
    """Return the readings since the last jump up (what the collector stores as the current cartridge)."""
    start = 0
    for index in range(1, len(readings)):
        if is_new_cartridge(readings[index - 1].level, readings[index].level, precision=precision):
            start = index
    return readings[start:]


def backtest(scenario: str, runs: int, seed: int) -> dict[int, tuple[list[float], int]]:
    """Return, per horizon, the errors in days of the runs that had a forecast, and the run count."""
    rng = random.Random(f"{scenario}:{seed}")
    out: dict[int, tuple[list[float], int]] = {h: ([], 0) for h in HORIZONS}
    for _ in range(runs):
        history = make_history(scenario, rng)
        for horizon in HORIZONS:
            at = history.empty_at - horizon * DAY
            seen = [r for r in history.readings if r.ts <= at]
            errors, count = out[horizon]
            out[horizon] = (errors, count + 1)
            if not seen:
                continue
            result = forecast(
                current_cartridge(seen, history.precision), precision=history.precision, clock=history.clock,
                expected_pages=history.expected_pages, start_pages=history.start_pages, fresh=history.fresh,
            )  # fmt: skip
            if result.ok and result.empty_at is not None:
                errors.append(abs(result.empty_at - history.empty_at) / DAY)
    return out


def percentile(values: list[float], share: float) -> float:
    """Return the nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    header = "| scenario | " + " | ".join(f"{h} d before: median / p90 (forecast)" for h in HORIZONS) + " |"
    print(header)
    print("|---|" + "---:|" * len(HORIZONS))
    for scenario in SCENARIOS:
        results = backtest(scenario, args.runs, args.seed)
        cells = []
        for horizon in HORIZONS:
            errors, count = results[horizon]
            if not errors:
                cells.append(f"— (0 of {count})")
                continue
            share = len(errors) / count
            cells.append(f"{statistics.median(errors):.1f} / {percentile(errors, 0.9):.1f} ({share:.0%})")
        print(f"| {scenario} | " + " | ".join(cells) + " |")
    print(f"\n{args.runs} runs per scenario, seed {args.seed}, {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
