"""Sites, their calendars and the services they promise (``sites.toml``).

A site's open time is computed in its own time zone from its OpenStreetMap ``opening_hours``
expression (French public holidays built in through ``country="FR"``), minus the extra
regional holidays the ``holidays`` package knows (Alsace-Moselle: Good Friday and 26 December)
and minus its exceptional closures. Everything is returned as UTC epoch-second intervals so
that daylight-saving days (23 h, 25 h) need no special case downstream.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from agent.messages import IDENT_PATTERN, load_toml

Interval = tuple[float, float]
ServiceName = Literal["postes", "impression", "numerisation", "wifi"]
SERVICE_LABELS: dict[str, str] = {
    "postes": "postes en libre-service",
    "impression": "impression",
    "numerisation": "numérisation",
    "wifi": "wifi public",
}
Ident = Annotated[str, Field(pattern=IDENT_PATTERN)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _parse_moment(value: str, tz: ZoneInfo, *, end: bool) -> dt.datetime:
    """Parse ``2026-12-24`` (a whole day) or ``2026-12-24T14:00`` in the site's time zone."""
    moment = dt.datetime.fromisoformat(value)
    if len(value) == 10:  # a date: from its start, or to the end of that day
        moment = dt.datetime.combine(moment.date() + dt.timedelta(days=1 if end else 0), dt.time())
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


class Window(_Model):
    """A span in the site's local time: dates are whole days, date-times are exact."""

    start: str = Field(alias="from")
    end: str = Field(alias="to")
    reason: str | None = Field(default=None, max_length=256)

    @field_validator("start", "end")
    @classmethod
    def _iso(cls, value: str) -> str:
        dt.datetime.fromisoformat(value)
        return value

    def interval(self, tz: ZoneInfo) -> Interval:
        """Return the window as UTC epoch seconds."""
        return (
            _parse_moment(self.start, tz, end=False).timestamp(),
            _parse_moment(self.end, tz, end=True).timestamp(),
        )


class Maintenance(Window):
    """Planned maintenance of one service."""

    service: ServiceName


class Service(_Model):
    """A promised service: which members, and how many must be usable."""

    devices: tuple[Ident, ...] = ()
    pcs: tuple[Ident, ...] = Field(default=(), description="Agent ids of the PCs (service postes).")
    min_usable: int = Field(default=1, ge=1)
    label: str | None = Field(default=None, max_length=128)

    @model_validator(mode="after")
    def _members(self) -> Service:
        count = len(self.devices) + len(self.pcs)
        if count == 0:
            raise ValueError("a service needs at least one device or pc")
        if self.min_usable > count:
            raise ValueError(f"min_usable = {self.min_usable} but only {count} member(s)")
        return self

    @property
    def members(self) -> tuple[tuple[str, str], ...]:
        """Return ``(kind, id)`` of every member."""
        return tuple(("device", d) for d in self.devices) + tuple(("pc", p) for p in self.pcs)


class Site(_Model):
    """One social centre."""

    name: str = Field(max_length=128)
    timezone: str = "Europe/Paris"
    opening_hours: str = Field(min_length=1, max_length=1024)
    holidays_subdivision: str | None = Field(
        default=None, description="Regional holidays of the holidays package, e.g. '57' (Moselle)."
    )
    contact: str | None = Field(default=None, max_length=256, description="The secretariat's e-mail.")
    closures: tuple[Window, ...] = ()
    maintenance: tuple[Maintenance, ...] = ()
    services: dict[ServiceName, Service] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("opening_hours")
    @classmethod
    def _oh(cls, value: str) -> str:
        from opening_hours import OpeningHours  # noqa: PLC0415

        try:
            OpeningHours(value, country="FR")
        except Exception as err:  # ParserError and friends, with the parser's own message
            raise ValueError(f"invalid opening_hours: {str(err).splitlines()[0][:200]}") from None
        return value

    @field_validator("holidays_subdivision")
    @classmethod
    def _subdiv(cls, value: str | None) -> str | None:
        if value is not None:
            import holidays  # noqa: PLC0415

            try:
                holidays.country_holidays("FR", subdiv=value, years=2026)
            except (NotImplementedError, ValueError):
                raise ValueError(f"unknown French holidays subdivision {value!r} (try '57', '6AE')") from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        """Return the site's time zone."""
        return ZoneInfo(self.timezone)


class SitesFile(_Model):
    """The whole ``sites.toml``."""

    sites: dict[Ident, Site] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _maintenance_services(self) -> SitesFile:
        for site_id, site in self.sites.items():
            for item in site.maintenance:
                if item.service not in site.services:
                    raise ValueError(f"sites.{site_id}.maintenance: service {item.service!r} is not offered")
        return self


def load_sites(path: Path) -> SitesFile:
    """Load and validate ``sites.toml``.

    Raises:
        ConfigError: naming the file, the key and the problem.
    """
    return load_toml(path, SitesFile)


# --------------------------------------------------------------------------- calendars


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Return sorted, non-overlapping intervals covering the same time."""
    out: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def subtract(base: list[Interval], remove: list[Interval]) -> list[Interval]:
    """Return ``base`` minus ``remove`` (both sorted and merged)."""
    out = []
    for start, end in base:
        cursor = start
        for r_start, r_end in remove:
            if r_end <= cursor or r_start >= end:
                continue
            if r_start > cursor:
                out.append((cursor, r_start))
            cursor = max(cursor, r_end)
            if cursor >= end:
                break
        if cursor < end:
            out.append((cursor, end))
    return out


def intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    """Return the time in both (sorted, merged inputs)."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


class Measure:
    """Open time before any moment, in O(log n): ``between(a, b)`` = time of the intervals in [a, b)."""

    def __init__(self, intervals: list[Interval]) -> None:
        """Index sorted, merged intervals."""
        self.intervals = intervals
        self.starts = [s for s, _e in intervals]
        self.ends = [e for _s, e in intervals]
        self.before: list[float] = [0.0]
        for start, end in intervals:
            self.before.append(self.before[-1] + end - start)

    def until(self, moment: float) -> float:
        """Return the interval time before ``moment``."""
        index = bisect.bisect_right(self.starts, moment)  # intervals starting at or before moment
        if index == 0:
            return 0.0
        last_start, last_end = self.starts[index - 1], self.ends[index - 1]
        return self.before[index - 1] + min(moment, last_end) - last_start

    def clip(self, start: float, end: float) -> list[Interval]:
        """Return the intervals within [start, end), found by bisection."""
        first = bisect.bisect_right(self.ends, start)
        last = bisect.bisect_left(self.starts, end)
        out = self.intervals[first:last]
        if out:
            out[0] = (max(out[0][0], start), out[0][1])
            out[-1] = (out[-1][0], min(out[-1][1], end))
        return [i for i in out if i[1] > i[0]]

    def between_many(self, starts: Sequence[float], ends: Sequence[float]) -> list[float]:
        """Return ``between`` for many spans at once (vectorised with numpy)."""
        import numpy as np  # noqa: PLC0415 - reports only

        if not self.starts:
            return [0.0] * len(starts)
        first, last, before = np.asarray(self.starts), np.asarray(self.ends), np.asarray(self.before)

        def until(moments: Any) -> Any:
            index = np.searchsorted(first, moments, side="right")
            safe = np.maximum(index - 1, 0)
            inside = np.minimum(moments, last[safe]) - first[safe]
            return np.where(index == 0, 0.0, before[safe] + inside)

        a, b = np.asarray(starts, dtype=float), np.asarray(ends, dtype=float)
        return list(np.where(b > a, until(b) - until(a), 0.0).tolist())

    def between(self, start: float, end: float) -> float:
        """Return the interval time within [start, end)."""
        return self.until(end) - self.until(start) if end > start else 0.0


def total(intervals: Iterable[Interval]) -> float:
    """Return the summed length."""
    return sum(end - start for start, end in intervals)


@functools.lru_cache(maxsize=256)
def _regional_holidays(subdivision: str, year: int) -> tuple[dt.date, ...]:
    import holidays  # noqa: PLC0415

    national = set(holidays.country_holidays("FR", years=year))
    regional = set(holidays.country_holidays("FR", subdiv=subdivision, years=year))
    return tuple(sorted(regional - national))


class Calendar:
    """When a site is open, as UTC intervals."""

    def __init__(self, site: Site) -> None:
        """Prepare the site's opening-hours evaluator."""
        from opening_hours import OpeningHours  # noqa: PLC0415

        self.site = site
        self.tz = site.tz
        self._oh = OpeningHours(site.opening_hours, country="FR", timezone=self.tz)

    def open_intervals(self, start: float, end: float) -> list[Interval]:
        """Return the open time within [start, end) (epoch seconds)."""
        if end <= start:
            return []
        local_start = dt.datetime.fromtimestamp(start, self.tz)
        local_end = dt.datetime.fromtimestamp(end, self.tz)
        opened = merge(
            (max(s.timestamp(), start), min(e.timestamp(), end))
            for s, e, state, _comment in self._oh.intervals(local_start, local_end)
            if str(state) == "open"
        )
        closed = [w.interval(self.tz) for w in self.site.closures]
        if self.site.holidays_subdivision:
            for year in range(local_start.year, local_end.year + 1):
                for day in _regional_holidays(self.site.holidays_subdivision, year):
                    begin = dt.datetime.combine(day, dt.time(), self.tz)
                    closed.append((begin.timestamp(), (begin + dt.timedelta(days=1)).timestamp()))
        return subtract(opened, merge(closed))

    def is_open(self, moment: float) -> bool:
        """Return whether the site is open at ``moment``."""
        return bool(self.open_intervals(moment, moment + 1e-3))

    def maintenance(self, service: str) -> list[Interval]:
        """Return the planned maintenance windows of one service."""
        return merge(m.interval(self.tz) for m in self.site.maintenance if m.service == service)
