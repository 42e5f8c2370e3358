"""The report's maintenance half: usage, consumables replaced and what is running out, per site.

Computed from the history like the availability figures (``build.py`` calls :func:`maintenance`
once per site), over the period and the one before it:

* **usage**: pages printed per printer and per site (``collector.usage``: a counter that starts
  over, or another printer behind the same id, starts a new segment; a replaced printer is another
  device of ``sites.toml``), sessions opened per PC and per site (the agents count session starts:
  a count, never who). ``None`` where nothing was counted (« non mesuré »), never 0;
* **replacements**: each consumable replaced during the period (a cartridge change detected by
  ``collector.supplies``), with the real yield of the one it replaced (pages printed with it, when
  its whole life was seen) beside the nominal yield the printer reports;
* **outlook**: each toner and waste box as the period ended (or now, for a period not over): its
  level, its forecast (``collector.forecast``) and the order notice given in the period.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agent.contract import french
from collector import forecast as fc
from collector import usage
from collector.history import Cartridge, CounterReading, History
from collector.sites import Calendar, Site
from collector.supplies import cartridge_forecast, site_clock

COLON = "\u00a0: "  # as collector.report.wording writes it (which imports build, which imports this)
#: What a consumable is, in the report's words (a part keeps the printer's own description).
ROLE_WORDS = {"toner": "toner", "waste": "bac de toner usagé"}


@dataclass
class MemberUsage:
    """One printer's pages or one PC's sessions, over the period and the one before."""

    kind: str
    member: str
    name: str
    count: float | None
    previous: float | None


@dataclass
class Usage:
    """A site's pages printed and sessions opened."""

    pages: float | None = None
    previous_pages: float | None = None
    sessions: float | None = None
    previous_sessions: float | None = None
    printers: list[MemberUsage] = field(default_factory=list)
    pcs: list[MemberUsage] = field(default_factory=list)


@dataclass
class Replacement:
    """A consumable replaced during the period, and how long the one it replaced lasted."""

    device: str
    name: str  # the printer, article included
    supply: str  # « toner noir (CF410A) »
    at: float
    detected: str  # level | refill | description | printer
    #: Pages printed with the replaced cartridge, when its whole life was seen.
    pages: int | None = None
    #: Its nominal yield, when the printer gives it in pages.
    nominal_pages: int | None = None
    #: Days it lasted, when its whole life was seen.
    days: float | None = None


@dataclass
class Outlook:
    """A toner or waste box as the period ended: its level and its forecast."""

    device: str
    name: str
    supply: str
    role: str
    level: float | None
    precision: str | None
    forecast: fc.Forecast
    as_of: float
    order_at: float | None = None  # the order notice given in the period

    @property
    def remaining(self) -> str:
        """Return « encore ~12 jours », « pas encore assez d'historique pour prévoir »…."""
        return fc.remaining_fr(self.forecast, self.as_of, role=self.role)


@dataclass
class Order:
    """An order notice given during the period (« Commander maintenant », once per cartridge)."""

    device: str
    name: str
    supply: str
    at: float
    days: float | None
    precision: str | None

    @property
    def empty_in(self) -> str:
        """Return « ~10 jours », as the notice said it."""
        precision = self.precision if self.precision in fc.PRECISIONS else None
        return fc.in_days(self.days, precision) if self.days is not None else ""


@dataclass
class Maintenance:
    """The maintenance half of one site's report."""

    usage: Usage
    replacements: list[Replacement] = field(default_factory=list)
    outlook: list[Outlook] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)


def supply_words(role: str, colour: str, description: str) -> str:
    """Return a consumable as people name it: « toner noir (CF410A) », « bac de toner usagé », or its description."""
    if role == "toner":
        words = f"toner {french.colour(colour)}".strip()
        reference = french.reference(description)
        return f"{words} ({reference})" if reference else words
    return ROLE_WORDS.get(role) or description


def count_fr(value: float | None) -> str:
    """Return a count as French writes it (« 12 345 », a narrow no-break space), or « non mesuré »."""
    if value is None:
        return "non mesuré"
    return f"{round(value):,}".replace(",", french.NARROW_NBSP)


def _counted(readings: Sequence[CounterReading], start: float, end: float) -> float | None:
    """Return the counter's growth in [start, end), or ``None`` when no two readings span any of it."""
    spans = any(a.ts < end and b.ts > start for a, b in itertools.pairwise(readings))
    return usage.counted(readings, start, end) if spans else None


def _members(
    history: History,
    site_id: str,
    site: Site,
    name: str,
    spans: tuple[tuple[float, float], tuple[float, float]],
) -> dict[tuple[str, str], tuple[float | None, float | None]]:
    """Return each member's count over the period and the previous one, each over the member's own life."""
    (start, end), (previous_start, previous_end) = spans
    rows = history.counter_readings(site_id, name, min(start, previous_start), max(end, previous_end))
    grouped: dict[tuple[str, str], list[CounterReading]] = {}
    for row in rows:
        grouped.setdefault((row.kind, row.member), []).append(row)
    out = {}
    for (kind, member), readings in grouped.items():
        life = site.member(kind, member).life(site.tz)
        out[(kind, member)] = (
            _within(readings, start, end, life),
            _within(readings, previous_start, previous_end, life),
        )
    return out


def _alive(site: Site, device: str, moment: float) -> bool:
    """Return whether the printer belonged to the site at ``moment`` (``since``/``until`` of ``sites.toml``)."""
    born, retired = site.device(device).life(site.tz)
    return born <= moment < retired


def _within(
    readings: Sequence[CounterReading], start: float, end: float, life: tuple[float, float]
) -> float | None:
    """Return the growth within [start, end) cut to the member's life, ``None`` when it did not exist then."""
    start, end = max(start, life[0]), min(end, life[1])
    return _counted(readings, start, end) if start < end else None


def _total(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def site_usage(
    history: History, site_id: str, site: Site, spans: tuple[tuple[float, float], tuple[float, float]]
) -> Usage:
    """Return a site's pages and sessions over the period and the previous one."""
    from collector.report.build import member_name  # noqa: PLC0415 - build imports this module

    out = Usage()
    for counter, kind, target in (
        (usage.PAGES, "device", out.printers),
        (usage.SESSION_STARTS, "pc", out.pcs),
    ):
        counted = _members(history, site_id, site, counter, spans)
        for (member_kind, member), (now, before) in sorted(counted.items()):
            if member_kind == kind:
                target.append(MemberUsage(kind, member, member_name(site, kind, member), now, before))
    out.pages = _total([m.count for m in out.printers])
    out.previous_pages = _total([m.previous for m in out.printers])
    out.sessions = _total([m.count for m in out.pcs])
    out.previous_sessions = _total([m.previous for m in out.pcs])
    return out


def replacements(history: History, site_id: str, site: Site, start: float, end: float) -> list[Replacement]:
    """Return the consumables replaced in [start, end), in time order."""
    from collector.report.build import member_name  # noqa: PLC0415

    cartridges = history.cartridges(site_id)
    before = {(c.device, c.supply, c.seq): c for c in cartridges}
    out = []
    for cartridge in cartridges:
        if cartridge.detected == "first" or not start <= cartridge.started < end:
            continue
        if not _alive(site, cartridge.device, cartridge.started):
            continue
        old = before.get((cartridge.device, cartridge.supply, cartridge.seq - 1))
        whole = old is not None and old.detected != "first"
        out.append(
            Replacement(
                cartridge.device, member_name(site, "device", cartridge.device),
                supply_words(cartridge.role, cartridge.colour, cartridge.description), cartridge.started,
                cartridge.detected, pages=old.pages if old is not None and whole else None,
                nominal_pages=old.nominal_pages if old is not None else None,
                days=(cartridge.started - old.started) / fc.DAY if old is not None and whole else None,
            )
        )  # fmt: skip
    return sorted(out, key=lambda r: (r.at, r.name, r.supply))


def orders(history: History, site_id: str, site: Site, start: float, end: float) -> list[Order]:
    """Return the order notices given in [start, end), in time order."""
    from collector.report.build import member_name  # noqa: PLC0415

    return sorted(
        (Order(c.device, member_name(site, "device", c.device), supply_words(c.role, c.colour, c.description),
               c.order_at, c.order_days, c.precision or None)
         for c in history.cartridges(site_id)
         if c.order_at is not None and start <= c.order_at < end and _alive(site, c.device, c.order_at)),
        key=lambda o: (o.at, o.name),
    )  # fmt: skip


def outlook(
    history: History, site_id: str, site: Site, start: float, end: float, as_of: float, settings: fc.Settings
) -> list[Outlook]:
    """Return each toner and waste box as it was at ``as_of`` (the period's end, or now), with its forecast."""
    from collector.report.build import member_name  # noqa: PLC0415

    current: dict[tuple[str, str], Cartridge] = {}
    for cartridge in history.cartridges(site_id):
        if cartridge.started <= as_of and cartridge.role in ROLE_WORDS:
            current[(cartridge.device, cartridge.supply)] = cartridge  # the newest started by then wins
    clock: fc.OpenClock | None = None  # the site's open time over 800 days: only for a cartridge to forecast
    out = []
    for (device, _supply), cartridge in sorted(current.items()):
        if (cartridge.ended is not None and cartridge.ended <= as_of) or not _alive(site, device, as_of - 1):
            continue
        if clock is None:
            clock = site_clock(Calendar(site), as_of)
        precision = cartridge.precision if cartridge.precision in fc.PRECISIONS else None
        result = cartridge_forecast(history, cartridge, precision, clock=clock, settings=settings,
                                    until=as_of)  # fmt: skip
        readings = [r for r in history.supply_readings(cartridge.key, cartridge.seq) if r[0] <= as_of]
        level = readings[-1][1] if readings else None
        ordered = (
            cartridge.order_at
            if cartridge.order_at is not None and start <= cartridge.order_at < end
            else None
        )
        out.append(
            Outlook(device, member_name(site, "device", device),
                    supply_words(cartridge.role, cartridge.colour, cartridge.description), cartridge.role, level,
                    precision, result, as_of, ordered)
        )  # fmt: skip
    return sorted(out, key=lambda o: (o.name, o.role != "toner", o.supply))


def maintenance(
    history: History,
    site_id: str,
    site: Site,
    spans: tuple[tuple[float, float], tuple[float, float]],
    *,
    as_of: float,
    settings: fc.Settings | None = None,
) -> Maintenance:
    """Return the maintenance half of a site's report over ``spans`` (the period, the previous one)."""
    (start, end), _previous = spans
    at = min(as_of, end)
    return Maintenance(
        site_usage(history, site_id, site, spans),
        replacements(history, site_id, site, start, end),
        outlook(history, site_id, site, start, end, at, settings or fc.Settings()),
        orders(history, site_id, site, start, end),
    )


def yield_fr(replacement: Replacement) -> str:
    """Return « 5 820 pages en 64 jours (nominal : 6 000 pages, soit 97 %) », or why there is no figure."""
    if replacement.pages is None:
        return "non mesuré (cartouche déjà entamée quand la supervision a commencé)"
    text = f"{count_fr(replacement.pages)}\u00a0pages"
    if replacement.days is not None:
        text += f" en {max(1, math.floor(replacement.days + 0.5))}\u00a0jours"
    if replacement.nominal_pages:
        share = replacement.pages / replacement.nominal_pages * 100
        text += f" (nominal{COLON}{count_fr(replacement.nominal_pages)}\u00a0pages, soit {french.percent(share, 0)})"
    return text


# --------------------------------------------------------------------------- machine formats


def member_usage(
    found: Maintenance | None, kind: str, member: str, *, previous: bool = False
) -> float | None:
    """Return one printer's pages (``kind="device"``) or one PC's sessions (``pc``), or ``None``."""
    if found is None:
        return None
    rows = found.usage.printers if kind == "device" else found.usage.pcs
    row = next((m for m in rows if m.member == member), None)
    if row is None:
        return None
    return row.previous if previous else row.count


def members_usage(
    found: Maintenance | None, kind: str, members: Sequence[str], *, previous: bool = False
) -> float | None:
    """Return the pages (or sessions) of several members together, or ``None`` when none was counted."""
    return _total([member_usage(found, kind, m, previous=previous) for m in members])


def replaced_count(found: Maintenance | None, devices: Sequence[str]) -> int | None:
    """Return how many consumables of these printers were replaced, ``None`` without a maintenance part."""
    if found is None:
        return None
    return sum(1 for r in found.replacements if r.device in devices)


def maintenance_json(found: Maintenance | None) -> dict[str, object] | None:
    """Return a site's maintenance part for the JSON report (English keys, epoch seconds, ``null`` when not counted)."""
    if found is None:
        return None
    u = found.usage
    members = [
        {"kind": m.kind, "member": m.member, "name": m.name, "count": m.count, "previous": m.previous}
        for m in (*u.printers, *u.pcs)
    ]
    return {
        "pages": u.pages, "previous_pages": u.previous_pages, "sessions": u.sessions,
        "previous_sessions": u.previous_sessions, "members": members,
        "replacements": [
            {"device": r.device, "name": r.name, "supply": r.supply, "at": r.at, "detected": r.detected,
             "replaced_pages": r.pages, "replaced_nominal_pages": r.nominal_pages, "replaced_days": r.days}
            for r in found.replacements
        ],
        "orders": [
            {"device": o.device, "name": o.name, "supply": o.supply, "at": o.at, "days_left": o.days}
            for o in found.orders
        ],
        "supplies": [
            {"device": o.device, "name": o.name, "supply": o.supply, "role": o.role, "level": o.level,
             "as_of": o.as_of, "status": o.forecast.status, "basis": o.forecast.basis,
             "precision": o.forecast.precision, "empty_at": o.forecast.empty_at,
             "days_left": o.forecast.days_left(o.as_of), "order_at": o.order_at}
            for o in found.outlook
        ],
    }  # fmt: skip


def _csv_number(value: float | None) -> str:
    return "non mesuré" if value is None else str(round(value))


def _csv_usage(site: Any, service: Any, member: Any, *, previous: bool = False) -> str:
    """Pages on the rows of ``impression`` (a printer, or the service's printers), sessions on ``postes``'."""
    found = site.maintenance
    kind = "device" if service.name == "impression" else "pc" if service.name == "postes" else None
    if kind is None or found is None or (member is not None and member.kind != kind):
        return ""
    if member is not None:
        return _csv_number(member_usage(found, kind, member.member, previous=previous))
    return _csv_number(members_usage(found, kind, [m.member for m in service.members], previous=previous))


def _csv_replaced(site: Any, service: Any, member: Any) -> str:
    if service.name != "impression" or site.maintenance is None:
        return ""
    devices = [member.member] if member is not None else [m.member for m in service.members]
    return str(replaced_count(site.maintenance, devices))


#: The report CSV's usage columns (``render.CSV_COLUMNS``): a cell reads (site, service, member or
#: None, periods). Pages on the rows of the ``impression`` service, sessions on ``postes``'.
CSV_COLUMNS: tuple[tuple[str, Callable[[Any, Any, Any, Any], str]], ...] = (
    ("pages imprimées", lambda s, v, m, _p: _csv_usage(s, v, m) if v.name == "impression" else ""),
    ("pages imprimées, période précédente",
     lambda s, v, m, _p: _csv_usage(s, v, m, previous=True) if v.name == "impression" else ""),
    ("sessions ouvertes", lambda s, v, m, _p: _csv_usage(s, v, m) if v.name == "postes" else ""),
    ("sessions ouvertes, période précédente",
     lambda s, v, m, _p: _csv_usage(s, v, m, previous=True) if v.name == "postes" else ""),
    ("consommables remplacés", lambda s, v, m, _p: _csv_replaced(s, v, m)),
)  # fmt: skip
