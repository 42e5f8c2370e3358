"""Days to empty: when a supply will run out, from its own level history (pure, time injected).

The collector keeps each supply's readings (``collector.history``, one point per hour or on
change) and cuts them into cartridges (a jump up starts a new one). :func:`forecast` reads the
current cartridge's readings and says when it reaches empty:

* **on the site's open time.** Toner is used while the site is open: the readings are put on an
  :class:`OpenClock` (seconds the site was open, from ``sites.toml``'s opening hours, holidays and
  closures) and the rate is measured per open hour, then projected over the coming open hours.
  A weekend, a public holiday or a declared closure neither slows the measured rate nor pushes
  the forecast back. A printer that sleeps sends nothing: the time between two readings is not
  "no use", it is interpolated (no readings ≠ no use).
* **exact levels** (``Supply.precision == "exact"``): the least-squares slope of the level over
  the last :attr:`Settings.window` (resampled uniformly on open time, so a burst of readings
  does not weigh more), anchored on the last level read.
* **coarse levels** (a few steps: 10 % steps, Canon's 100/10/1): only the instants the level
  stepped down say anything. With the convention of the device unknown (does « 20 » mean 20–30
  or 10–20?), each step is taken at its middle for the forecast and at both ends for its range;
  the forecast's ``precision`` says « coarse » and people see it in weeks.
* **the page counter** where the level cannot say: ``pages left = expected yield − pages printed
  since the cartridge started`` (the real yield of the cartridge before, else the nominal one the
  printer reports) over the pages printed per open hour. Used for coarse levels (kept inside
  the range the steps allow) and for supplies that only say « some remaining » (``presence``).
* **honest**: too little history (:attr:`Settings.min_span` of readings and a drop of
  :attr:`Settings.min_drop` points for exact levels, two steps for coarse ones) says
  ``not_enough_history``; a level that has not moved over :attr:`Settings.idle_after` says
  ``no_use``; a supply with no level and no page basis says ``no_level``.

Measured, not asserted: ``benchmarks/bench_forecast.py`` backtests this module on synthetic
histories; its numbers are in ``docs/benchmarks.md``.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final, Literal

DAY: Final = 86_400.0

Precision = Literal["exact", "coarse", "presence"]
Basis = Literal["level", "pages"]
Status = Literal["ok", "not_enough_history", "no_use", "no_level"]
#: Values of the ``basis`` and ``precision`` labels of ``esc_printer_supply_days_left``.
BASES: Final[tuple[Basis, ...]] = ("level", "pages")
PRECISIONS: Final[tuple[Precision, ...]] = ("exact", "coarse", "presence")


@dataclass(frozen=True, slots=True)
class Reading:
    """One reading of a supply: when, its level in percent of what remains, the page counter then."""

    ts: float
    level: float | None  # 0–100; ``None`` when the device gives no number (-3 « some remaining »)
    pages: int | None = None


@dataclass(frozen=True, slots=True)
class Settings:
    """What the forecast needs before it speaks (``[supplies]`` of the collector configuration)."""

    #: Seconds of readings the current cartridge needs (calendar time).
    min_span: float = 2 * DAY
    #: Percentage points an exact level must have dropped within the window.
    min_drop: float = 2.0
    #: How far back the rate is measured (calendar time; four whole weeks average the week's rhythm).
    window: float = 28 * DAY
    #: A level that has not dropped for this long is « not used », not forecast.
    idle_after: float = 21 * DAY


@dataclass(frozen=True, slots=True)
class Forecast:
    """When a supply reaches empty, how sure, and on what basis.

    ``empty_at`` is the central estimate (epoch seconds); ``earliest``/``latest`` the range
    coarse steps allow (``None`` for exact levels). ``rate_per_open_hour`` is in percentage
    points (basis ``level``) or pages (basis ``pages``) per hour the site is open.
    """

    status: Status
    precision: Precision | None
    basis: Basis | None = None
    empty_at: float | None = None
    earliest: float | None = None
    latest: float | None = None
    rate_per_open_hour: float | None = None
    #: The last reading the forecast used.
    as_of: float | None = None

    @property
    def ok(self) -> bool:
        """Return whether there is a forecast."""
        return self.status == "ok" and self.empty_at is not None

    def days_left(self, now: float) -> float | None:
        """Return the calendar days from ``now`` to empty (0 when it is already due), or ``None``."""
        if not self.ok or self.empty_at is None:
            return None
        return max(0.0, (self.empty_at - now) / DAY)


# --------------------------------------------------------------------------- open time


class OpenClock:
    """Instants ↔ cumulative open time (seconds the site was open since ``start``).

    Built from the site's open intervals over ``[start, end]``; before and after, time runs at
    the average open fraction of that span. With no open time at all (a site always closed, or
    no calendar), open time is calendar time.
    """

    def __init__(self, intervals: Sequence[tuple[float, float]], start: float, end: float) -> None:
        """Keep the intervals inside ``[start, end]`` and their running totals."""
        spans = sorted((max(s, start), min(e, end)) for s, e in intervals if e > start and s < end)
        self.start = start
        self.end = end
        self._starts = [s for s, _e in spans]
        self._lengths = [e - s for s, e in spans]
        self._before: list[float] = []
        total = 0.0
        for length in self._lengths:
            self._before.append(total)
            total += length
        self.total = total
        self.fraction = total / (end - start) if end > start and total > 0 else 1.0
        self.identity = total <= 0

    @classmethod
    def always(cls) -> OpenClock:
        """Return the clock of a place always open: open time is calendar time."""
        return cls([], 0.0, 0.0)

    def to_open(self, ts: float) -> float:
        """Return the open seconds from ``start`` to ``ts`` (negative before ``start``)."""
        if self.identity:
            return ts - self.start
        if ts <= self.start:
            return (ts - self.start) * self.fraction
        if ts >= self.end:
            return self.total + (ts - self.end) * self.fraction
        index = bisect.bisect_right(self._starts, ts) - 1
        if index < 0:
            return 0.0
        return self._before[index] + min(max(ts - self._starts[index], 0.0), self._lengths[index])

    def from_open(self, value: float) -> float:
        """Return the instant at which ``value`` open seconds have passed since ``start``."""
        if self.identity:
            return self.start + value
        if value <= 0:
            return self.start + value / self.fraction
        if value >= self.total:
            return self.end + (value - self.total) / self.fraction
        index = max(bisect.bisect_left(self._before, value) - 1, 0)  # at a closing, not the next opening
        return self._starts[index] + (value - self._before[index])


# --------------------------------------------------------------------------- maths


def _slope(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Return the least-squares slope of ys over xs, or ``None`` when xs do not vary."""
    count = len(xs)
    if count < 2:
        return None
    mean_x = sum(xs) / count
    mean_y = sum(ys) / count
    sxx = sum((x - mean_x) ** 2 for x in xs)
    if sxx <= 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx


def _interpolate(xs: Sequence[float], ys: Sequence[float], x: float) -> float:
    """Return the piecewise-linear value at ``x`` (held flat beyond the ends)."""
    if x <= xs[0]:
        return ys[0]
    if x >= xs[-1]:
        return ys[-1]
    index = bisect.bisect_right(xs, x)
    x0, x1, y0, y1 = xs[index - 1], xs[index], ys[index - 1], ys[index]
    return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)


#: Points the level is resampled at over the window (uniform in open time).
RESAMPLE: Final = 120


def _exact(levels: Sequence[Reading], clock: OpenClock, settings: Settings) -> Forecast:
    first, last = levels[0], levels[-1]
    if last.ts - first.ts < settings.min_span:
        return Forecast("not_enough_history", "exact", as_of=last.ts)
    window_start = max(first.ts, last.ts - settings.window)
    xs = [clock.to_open(r.ts) for r in levels]
    ys = [float(r.level) for r in levels if r.level is not None]
    x0, x1 = clock.to_open(window_start), xs[-1]
    if x1 <= x0:
        return Forecast("not_enough_history", "exact", as_of=last.ts)
    grid = [x0 + (x1 - x0) * i / (RESAMPLE - 1) for i in range(RESAMPLE)]
    slope = _slope(grid, [_interpolate(xs, ys, x) for x in grid])
    drop = -(slope or 0.0) * (x1 - x0)
    if slope is None or drop < settings.min_drop:
        idle = last.ts - window_start >= settings.idle_after
        return Forecast("no_use" if idle else "not_enough_history", "exact", as_of=last.ts)
    rate = -slope
    # Anchor on the last step down, not on the last reading: a level read « 7 » for a day has
    # been going down all that day (the device shows whole points). The step happened between the
    # two readings around it, at the middle of its points (« 8 » → « 7 »: 7.5).
    anchor_x, anchor_level = x1, ys[-1]
    for index in range(len(ys) - 1, 0, -1):
        if ys[index] != ys[index - 1]:
            if ys[index] < ys[index - 1]:
                anchor_x = (xs[index - 1] + xs[index]) / 2
                anchor_level = (ys[index - 1] + ys[index]) / 2
            break
    remaining = max(anchor_level, 0.0)
    empty_at = clock.from_open(anchor_x + remaining / rate)
    return Forecast("ok", "exact", "level", empty_at, rate_per_open_hour=rate * 3600, as_of=last.ts)


def _steps(levels: Sequence[Reading], clock: OpenClock) -> list[tuple[float, float, float]]:
    """Return the downward steps since the last upward one: (open time of the step, from, to)."""
    steps: list[tuple[float, float, float]] = []
    for before, after in itertools.pairwise(levels):
        if before.level is None or after.level is None or after.level == before.level:
            continue
        if after.level > before.level:
            steps = []  # a bounce up: what came before says nothing of this cartridge's pace
            continue
        # It stepped between the two readings: take the middle of that time (in open time).
        middle = (clock.to_open(before.ts) + clock.to_open(after.ts)) / 2
        steps.append((middle, before.level, after.level))
    return steps


def _convention(levels: Sequence[Reading], steps: Sequence[tuple[float, float, float]], rate: float,
                clock: OpenClock) -> float | None:  # fmt: skip
    """Return where within its steps the device switches, learned from a full cartridge's first step.

    A new cartridge is full: if it shows the top value (100) and steps down after the time its
    rate takes to use ``100 − t`` points, the device switches at ``t`` — at the lower value of each
    step (« 100 » until 90: ceiling), the upper one (floor) or between (rounding).
    """
    first = levels[0]
    if first.level is None or first.level < 99 or not steps:
        return None
    x, upper, lower = steps[0]
    if upper != first.level or upper <= lower:
        return None
    at_step = 100.0 - rate * (x - clock.to_open(first.ts))
    return min(max((at_step - lower) / (upper - lower), 0.0), 1.0)


def _coarse(levels: Sequence[Reading], clock: OpenClock, settings: Settings, *, fresh: bool) -> Forecast:
    last = levels[-1]
    if last.level is not None and last.level <= 0:
        return Forecast("ok", "coarse", "level", last.ts, last.ts, last.ts, as_of=last.ts)
    steps = _steps(levels, clock)
    if len(steps) < 2 or last.ts - levels[0].ts < settings.min_span:
        idle = len(levels) > 1 and last.ts - levels[0].ts >= settings.idle_after and not steps
        return Forecast("no_use" if idle else "not_enough_history", "coarse", as_of=last.ts)
    xs = [x for x, _a, _b in steps]

    def at(where: float) -> tuple[float, float] | None:
        # ``where`` within each step the device switches: 0 at its lower value, 1 at its upper one.
        thresholds = [b + where * (a - b) for _x, a, b in steps]
        slope = _slope(xs, thresholds)
        if slope is None or slope >= 0:
            return None
        return clock.from_open(xs[-1] + thresholds[-1] / -slope), -slope

    middle = at(0.5)
    if middle is None:
        return Forecast("not_enough_history", "coarse", as_of=last.ts)
    learned = _convention(levels, steps, middle[1], clock) if fresh else None
    central = at(learned) if learned is not None else middle
    bounds = [b for b in (at(0.0), at(1.0)) if b is not None]
    assert central is not None
    ends = [central[0], *(end for end, _rate in bounds)]
    return Forecast("ok", "coarse", "level", central[0], min(ends), max(ends),
                    rate_per_open_hour=central[1] * 3600, as_of=last.ts)  # fmt: skip


def _pages_rate(readings: Sequence[Reading], clock: OpenClock, settings: Settings) -> float | None:
    """Return pages printed per open second over the window (``None``: no counter, or no pages)."""
    counted = [r for r in readings if r.pages is not None]
    if len(counted) < 2:
        return None
    last = counted[-1]
    window = [r for r in counted if r.ts >= last.ts - settings.window]
    first = window[0] if len(window) >= 2 else counted[0]
    assert first.pages is not None
    assert last.pages is not None
    printed = last.pages - first.pages
    span = clock.to_open(last.ts) - clock.to_open(first.ts)
    if printed <= 0 or span <= 0 or last.ts - first.ts < settings.min_span:
        return None
    return printed / span


def _by_pages(
    readings: Sequence[Reading],
    clock: OpenClock,
    settings: Settings,
    expected_pages: float | None,
    start_pages: int | None,
) -> tuple[float, float] | None:
    """Return (empty_at, pages per open second) from the page counter, when it can say."""
    if not expected_pages or start_pages is None:
        return None
    counted = [r for r in readings if r.pages is not None]
    rate = _pages_rate(readings, clock, settings)
    if rate is None or not counted:
        return None
    last = counted[-1]
    assert last.pages is not None
    left = max(expected_pages - (last.pages - start_pages), 0.0)
    return clock.from_open(clock.to_open(last.ts) + left / rate), rate


def forecast(
    readings: Sequence[Reading],
    *,
    precision: Precision | None,
    clock: OpenClock | None = None,
    settings: Settings | None = None,
    expected_pages: float | None = None,
    start_pages: int | None = None,
    fresh: bool = False,
) -> Forecast:
    """Return when the current cartridge reaches empty, from its readings (oldest first or not).

    Args:
        readings: the current cartridge's readings only (the caller cuts at cartridge changes).
        precision: how finely the device reports the level (``Supply.precision``).
        clock: the site's open time; ``None``: calendar time.
        settings: minimum history, window, idle span.
        expected_pages: pages a cartridge gives (the real yield of the one before, else the
            nominal one); with ``start_pages`` (the counter when this cartridge started) it
            gives the page basis.
        start_pages: the page counter when this cartridge started.
        fresh: the readings start when the cartridge was put in (a change was seen), so a coarse
            device's first step tells where within its steps it switches.
    """
    clock = clock or OpenClock.always()
    settings = settings or Settings()
    ordered = sorted(readings, key=lambda r: r.ts)
    if not ordered:
        return Forecast("not_enough_history", precision)
    levels = [r for r in ordered if r.level is not None]
    pages = _by_pages(ordered, clock, settings, expected_pages, start_pages)
    if precision == "exact" and levels:
        return _exact(levels, clock, settings)
    if precision == "coarse" and levels:
        by_level = _coarse(levels, clock, settings, fresh=fresh)
        if pages is None or (by_level.ok and fresh):
            return by_level  # a full cartridge's steps say more than a yield that varies
        at, rate = pages
        if by_level.ok and by_level.earliest is not None and by_level.latest is not None:
            at = min(max(at, by_level.earliest), by_level.latest)  # the pages say where in the steps' range
        return replace(by_level, status="ok", basis="pages", empty_at=at, rate_per_open_hour=rate * 3600,
                       as_of=ordered[-1].ts)  # fmt: skip
    if pages is not None:
        at, rate = pages
        return Forecast("ok", precision or "presence", "pages", at, rate_per_open_hour=rate * 3600,
                        as_of=ordered[-1].ts)  # fmt: skip
    return Forecast("no_level", precision, as_of=ordered[-1].ts)


# --------------------------------------------------------------------------- cartridges


def jump_threshold(precision: Precision | None) -> float:
    """Return the rise of the level (percentage points) that means a new cartridge.

    A level bounces by a point or two when a printer recalibrates; a refill or a new cartridge
    adds far more. Coarse levels move by whole steps: any rise of 10 points or more counts.
    """
    return 10.0 if precision == "coarse" else 15.0


def is_new_cartridge(
    before: float | None, after: float | None, *, precision: Precision | None, was_empty: bool = False
) -> bool:
    """Return whether going from level ``before`` to ``after`` means the cartridge was replaced.

    A supply with no number (« some remaining ») is replaced when it was empty and is not any more.
    """
    if before is None or after is None:
        return was_empty and after != 0
    return after - before >= jump_threshold(precision)


# --------------------------------------------------------------------------- French


def _days(days: float) -> str:
    if days < 1:
        return "moins d'un jour"
    whole = max(round(days), 1)
    return f"~{whole}\u00a0jour" + ("s" if whole > 1 else "")


def _weeks(days: float) -> str:
    if days < 7:
        return "moins d'une semaine"
    weeks = max(round(days / 7), 1)
    return f"~{weeks}\u00a0semaine" + ("s" if weeks > 1 else "")


def in_days(days: float, precision: Precision | None) -> str:
    r"""Return how long until empty as people say it: « ~12 jours », « ~3 semaines », « plus de 2 mois ».

    Coarse and presence-only levels are said in weeks: the device does not give the digits for days.

    >>> in_days(11.6, "exact"), in_days(0.4, "exact"), in_days(16, "coarse"), in_days(70, "exact")
    ('~12\\xa0jours', "moins d'un jour", '~2\\xa0semaines', 'plus de 2\\xa0mois')
    """
    if days >= 63:
        return "plus de 2\u00a0mois"
    if precision in ("coarse", "presence"):
        return _weeks(days)
    return _days(days) if days < 21 else _weeks(days)


def remaining_fr(result: Forecast, now: float, *, role: str = "toner") -> str:
    """Return the status page's words for a forecast (« encore ~12 jours », « pas encore assez d'historique »).

    A waste box fills up: « plein dans ~12 jours ». The basis and precision are said when they are
    not an exact level: « (d'après le compteur de pages) », « (niveau approximatif) ».
    """
    if result.status == "not_enough_history":
        return "pas encore assez d'historique pour prévoir"
    if result.status == "no_use":
        return "pas de consommation mesurée ces dernières semaines"
    if result.status == "no_level" or not result.ok:
        return "l'appareil ne donne pas de niveau"
    days = result.days_left(now) or 0.0
    if days <= 0:
        text = "plein" if role == "waste" else "vide ou presque"
    else:
        when = in_days(days, result.precision)
        text = f"plein dans {when}" if role == "waste" else f"encore {when}"
    notes = []
    if result.basis == "pages":
        notes.append("d'après le compteur de pages")
    if result.precision == "coarse":
        notes.append("niveau approximatif")
    return text + (f" ({', '.join(notes)})" if notes else "")


#: The order notice, as phrase templates (``agent.contract.french.render``; the alert rule
#: compiles the same words to Go): fields ``colour``, ``reference``, ``device``, ``of_device``,
#: ``empty_in``.
ORDER_TITLE: Final = (
    "Commander maintenant : toner[ {colour}][ {reference}] pour {device} (vide dans {empty_in})"
)
ORDER_ACTION: Final = (
    "Passer la commande dès aujourd'hui pour recevoir la cartouche avant que le toner[ {colour}] "
    "{of_device} ne soit vide (au rythme actuel, dans {empty_in})."
)


def clamp_days(value: float) -> float:
    """Return days rounded to a tenth (a gauge people read), never negative, never NaN."""
    if math.isnan(value):
        return 0.0
    return round(max(value, 0.0), 1)
