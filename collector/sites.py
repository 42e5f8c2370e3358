"""Sites, their calendars and the services they promise (``sites.toml``).

A site's open time is computed in its own time zone from its OpenStreetMap ``opening_hours``
expression (French public holidays built in through ``country="FR"``), minus the extra
regional holidays the ``holidays`` package knows (Alsace-Moselle: Good Friday and 26 December)
and minus its exceptional closures. Everything is returned as UTC epoch-second intervals so
that daylight-saving days (23 h, 25 h) need no special case downstream.

A member may *need* functions of the site's link (``needs``): a public PC needs ``internet``, a
kiosk its administrative sites (``site_caf``...). While what it needs is known to be down, the
member is not usable and its outage is the link's or the administrative site's, an external
cause (``docs/design.md`` §5, "Attribution").

A site also declares its *members*: the devices (printers, MFPs, scanners) and the agents (PCs)
that belong to it, with their names as people say them (article included: « le copieur de
l'accueil ») and, when they joined or left, ``since``/``until``. A member listed only in a
service is declared too. The collector accepts an agent only for the site that declares it,
and an observation of a device only if its site declares it (``docs/architecture.md``).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from agent.contract.messages import IDENT_PATTERN
from agent.shared.config import Section, load_toml
from collector.intervals import Interval, merge, subtract
from collector.lieu import Lieu

ServiceName = Literal["postes", "impression", "numerisation", "wifi", "internet", "bornes"]
#: What a device offers: ``print``, ``scan``; ``wifi`` (an access point); on the agent's link
#: probes (``kind = "link"``), ``internet``, ``wifi_logging`` and one ``site_<name>`` per
#: administrative site (e.g. ``site_caf``).
FUNCTION_PATTERN: Final = r"^(print|scan|wifi|internet|wifi_logging|site_[a-z][a-z0-9_]{0,42})$"
Function = Annotated[str, msgspec.Meta(pattern=FUNCTION_PATTERN)]
#: The availability a site aims at when ``sites.toml`` gives no ``target`` (the report's colours
#: and the dashboards' availability thresholds).
DEFAULT_TARGET: Final = 0.98
SERVICE_LABELS: Final[dict[str, str]] = {
    "postes": "postes en libre-service",
    "impression": "impression",
    "numerisation": "numérisation",
    "wifi": "wifi public",
    "internet": "accès internet",
    "bornes": "bornes et sites administratifs",
}
#: The function a service needs of its devices when ``sites.toml`` does not say.
SERVICE_FUNCTIONS: Final[dict[str, str | None]] = {
    "postes": None, "impression": "print", "numerisation": "scan", "wifi": "wifi", "internet": "internet",
    "bornes": None,
}  # fmt: skip
#: The function of an administrative site (``site_caf``), as the agent's probes name them.
SITE_FUNCTION_PREFIX: Final = "site_"
#: How people name the usual administrative sites (``site_<name>`` → « la CAF »); ``sites.toml``'s
#: ``[administrative_sites]`` adds others or says otherwise.
ADMINISTRATIVE_SITES: Final[dict[str, str]] = {
    "caf": "la CAF", "ameli": "l'Assurance maladie (ameli.fr)", "impots": "impots.gouv.fr",
    "france_travail": "France Travail", "francetravail": "France Travail", "pole_emploi": "France Travail",
    "ants": "l'ANTS", "service_public": "service-public.fr", "msa": "la MSA",
    "lassuranceretraite": "l'Assurance retraite", "info_retraite": "info-retraite.fr",
    "mesdroitssociaux": "mes droits sociaux", "franceconnect": "FranceConnect",
}  # fmt: skip
Ident = Annotated[str, msgspec.Meta(pattern=IDENT_PATTERN)]
Moment = Annotated[str, msgspec.Meta(min_length=10, max_length=32)]


def _parse_moment(value: str, tz: ZoneInfo, *, end: bool) -> dt.datetime:
    """Parse ``2026-12-24`` (a whole day) or ``2026-12-24T14:00`` in the site's time zone."""
    moment = dt.datetime.fromisoformat(value)
    if len(value) == 10:  # a date: from its start, or to the end of that day
        moment = dt.datetime.combine(moment.date() + dt.timedelta(days=1 if end else 0), dt.time())
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def _check_moment(value: str, what: str) -> None:
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        msg = f"{what}: {value!r} is not a date (YYYY-MM-DD) or a date-time (YYYY-MM-DDTHH:MM)"
        raise ValueError(msg) from None


class Window(Section, frozen=True, kw_only=True):
    """A span in the site's local time: dates are whole days, date-times are exact."""

    start: Moment = msgspec.field(name="from")
    end: Moment = msgspec.field(name="to")
    reason: Annotated[str, msgspec.Meta(max_length=256)] | None = None

    def __post_init__(self) -> None:
        """Both ends are dates or date-times, in order."""
        _check_moment(self.start, "from")
        _check_moment(self.end, "to")
        utc = ZoneInfo("UTC")
        if self.interval(utc)[1] <= self.interval(utc)[0]:
            raise ValueError(f"'to' ({self.end}) is not after 'from' ({self.start})")

    def interval(self, tz: ZoneInfo) -> Interval:
        """Return the window as UTC epoch seconds."""
        return (
            _parse_moment(self.start, tz, end=False).timestamp(),
            _parse_moment(self.end, tz, end=True).timestamp(),
        )


class Maintenance(Window, frozen=True, kw_only=True):
    """Planned maintenance of one service."""

    service: ServiceName


class Member(Section, frozen=True, kw_only=True):
    """A device or an agent (PC) of a site: its name, and when it belonged to the site."""

    name: Annotated[str, msgspec.Meta(max_length=128)] | None = None
    since: Moment | None = None
    until: Moment | None = None
    #: Functions of the site's link this member cannot work without: ``internet`` is required;
    #: ``site_*`` functions are alternatives (a kiosk is usable while one of its sites answers).
    needs: Annotated[tuple[Function, ...], msgspec.Meta(max_length=48)] = ()

    def __post_init__(self) -> None:
        """Dates are valid and in order."""
        if self.since is not None:
            _check_moment(self.since, "since")
        if self.until is not None:
            _check_moment(self.until, "until")
        if self.since and self.until and self.until <= self.since:
            raise ValueError(f"'until' ({self.until}) is not after 'since' ({self.since})")

    def life(self, tz: ZoneInfo) -> Interval:
        """Return when the member existed: ``[since, until)`` (unbounded ends are infinite)."""
        start = _parse_moment(self.since, tz, end=False).timestamp() if self.since else float("-inf")
        end = _parse_moment(self.until, tz, end=False).timestamp() if self.until else float("inf")
        return start, end


class Device(Member, frozen=True, kw_only=True):
    """A printer, MFP or scanner of the site."""

    functions: Annotated[tuple[Function, ...], msgspec.Meta(min_length=1)] = ("print",)


class Service(Section, frozen=True, kw_only=True):
    """A promised service: which members, which function it needs, how many must be usable."""

    devices: tuple[Ident, ...] = ()
    pcs: tuple[Ident, ...] = ()
    min_usable: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 1
    label: Annotated[str, msgspec.Meta(max_length=128)] | None = None
    function: Function | None = None
    #: Functions of the site's link every member of this service needs (see ``Member.needs``).
    needs: Annotated[tuple[Function, ...], msgspec.Meta(max_length=48)] = ()

    def __post_init__(self) -> None:
        """A service has members, and no more required than it has."""
        count = len(self.devices) + len(self.pcs)
        if count == 0:
            raise ValueError("a service needs at least one device or pc")
        if self.min_usable > count:
            raise ValueError(f"min_usable = {self.min_usable} but only {count} member(s)")

    @property
    def members(self) -> tuple[tuple[str, str], ...]:
        """Return ``(kind, id)`` of every member."""
        return tuple(("device", d) for d in self.devices) + tuple(("pc", p) for p in self.pcs)


_OH_POSITION = re.compile(r"-->\s*(\d+):(\d+)")
_OH_EXPECTED = re.compile(r"=\s*(.+)$", re.M)


def opening_hours_error(expression: str, err: Exception) -> str:
    """Return one line that quotes the expression and points at the parser's position."""
    text = str(err)
    position = _OH_POSITION.search(text)
    expected = _OH_EXPECTED.search(text)
    what = expected.group(1).strip() if expected else text.splitlines()[0][:120]
    if position is None:
        return f"invalid opening_hours {expression!r}: {what}"
    column = int(position.group(2))
    return f"invalid opening_hours {expression!r}: {what} at character {column} ({expression[column - 1 :][:20]!r})"


Contact = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]


class Contacts(Section, frozen=True, kw_only=True):
    """Whom people call, as free text (« Jean Dupont, 02 99 00 00 00 »).

    At the top of ``sites.toml`` (``[contacts]``) the defaults of every site; in a site
    (``[sites.<id>.contacts]``) that site's own, which win. ``technicien`` is shown beside each
    to-do that asks for the technician (a team of ``agent.contract.reasons``); ``accessibilite``
    (top level) is the contact of the accessibility statement page.
    """

    technicien: Contact | None = None
    accessibilite: Contact | None = None


class Site(Section, frozen=True, kw_only=True):
    """One social centre."""

    name: Annotated[str, msgspec.Meta(max_length=128)]
    timezone: str = "Europe/Paris"
    opening_hours: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
    holidays_subdivision: str | None = None
    #: The availability the site aims at during opening hours (0–1, « objectif : 98 % »); the
    #: report's colours and the dashboards' thresholds follow it.
    target: Annotated[float, msgspec.Meta(gt=0, le=1)] = DEFAULT_TARGET
    #: Days between ordering a toner cartridge and having it (« délai de commande »): the
    #: secretariat is told to order when a cartridge's forecast falls to it. 0: no order notice.
    order_lead_days: Annotated[int, msgspec.Meta(ge=0, le=365)] = 10
    contact: Annotated[str, msgspec.Meta(max_length=256)] | None = None
    contacts: Contacts = msgspec.field(default_factory=Contacts)
    closures: tuple[Window, ...] = ()
    maintenance: tuple[Maintenance, ...] = ()
    devices: dict[Ident, Device] = msgspec.field(default_factory=dict)
    agents: dict[Ident, Member] = msgspec.field(default_factory=dict)
    services: dict[ServiceName, Service] = msgspec.field(default_factory=dict)
    #: The site as a place of digital mediation (address, SIRET...), for the open-data export.
    lieu: Lieu | None = None

    def __post_init__(self) -> None:
        """Check the time zone, the opening hours, the holidays, the services' members and needs."""
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.timezone!r}") from None
        from opening_hours import OpeningHours  # noqa: PLC0415

        try:
            OpeningHours(self.opening_hours, country="FR")
        except Exception as err:  # ParserError and friends
            raise ValueError("opening_hours: " + opening_hours_error(self.opening_hours, err)) from None
        if self.holidays_subdivision is not None:
            import holidays  # noqa: PLC0415

            try:
                holidays.country_holidays("FR", subdiv=self.holidays_subdivision, years=2026)
            except (NotImplementedError, ValueError):
                msg = f"unknown French holidays subdivision {self.holidays_subdivision!r} (try '57', '6AE')"
                raise ValueError(msg) from None
        for item in self.maintenance:
            if item.service not in self.services:
                raise ValueError(f"maintenance: service {item.service!r} is not offered")
        for service_name, service in self.services.items():
            needed = service.function or SERVICE_FUNCTIONS.get(service_name)
            if needed is None:
                continue
            for device in service.devices:
                offered = self.device(device).functions
                if needed not in offered:
                    msg = (
                        f"services.{service_name}: device {device!r} offers {', '.join(offered)}, "
                        f"not {needed!r} (declare it in [sites.<id>.devices.{device}] functions)"
                    )
                    raise ValueError(msg)
        self._check_needs()

    def _check_needs(self) -> None:
        """Every needed function is offered by a declared device that needs nothing itself."""
        wanted = [(f"services.{n}", s.needs) for n, s in self.services.items()]
        wanted += [(f"devices.{d}", m.needs) for d, m in self.devices.items()]
        wanted += [(f"agents.{a}", m.needs) for a, m in self.agents.items()]
        for where, needs in wanted:
            for function in needs:
                providers = self.providers(function)
                if not providers:
                    msg = (
                        f"{where}: needs {function!r}, which no device of the site offers (add it to the "
                        "link device's functions, e.g. [sites.<id>.devices.internet] functions)"
                    )
                    raise ValueError(msg)
                for provider in providers:
                    if self.devices[provider].needs:
                        msg = f"devices.{provider}: offers {function!r}, which others need, so it cannot need anything"
                        raise ValueError(msg)

    @property
    def tz(self) -> ZoneInfo:
        """Return the site's time zone."""
        return ZoneInfo(self.timezone)

    def device(self, device_id: str) -> Device:
        """Return a device's declaration (an undeclared one prints, like a plain printer)."""
        return self.devices.get(device_id) or Device()

    def agent(self, agent_id: str) -> Member:
        """Return an agent's declaration."""
        return self.agents.get(agent_id) or Member()

    def member(self, kind: str, member_id: str) -> Member:
        """Return the declaration of a member of a service (``kind`` is ``device`` or ``pc``)."""
        return self.device(member_id) if kind == "device" else self.agent(member_id)

    def declares_device(self, device_id: str) -> bool:
        """Return whether the site declares this device (site-level list or a service)."""
        return device_id in self.devices or any(device_id in s.devices for s in self.services.values())

    def declares_agent(self, agent_id: str) -> bool:
        """Return whether the site declares this agent (site-level list or a service's pcs)."""
        return agent_id in self.agents or any(agent_id in s.pcs for s in self.services.values())

    def declared_devices(self) -> list[str]:
        """Return every device id the site declares, sorted."""
        return sorted({*self.devices, *(d for s in self.services.values() for d in s.devices)})

    def declared_agents(self) -> list[str]:
        """Return every agent id the site declares, sorted."""
        return sorted({*self.agents, *(p for s in self.services.values() for p in s.pcs)})

    def function_of(self, service: str) -> str | None:
        """Return the function a service needs of its devices (``None``: the member as a whole)."""
        declared = self.services[service].function  # type: ignore[index]
        return declared or SERVICE_FUNCTIONS.get(service)

    def service_items(self) -> Iterator[tuple[str, Service]]:
        """Return ``(name, service)`` pairs, typed as plain strings."""
        yield from self.services.items()

    def providers(self, function: str) -> list[str]:
        """Return the declared devices that offer ``function``, sorted."""
        return sorted(d for d, device in self.devices.items() if function in device.functions)

    def needs_of(self, service: str, kind: str, member: str) -> tuple[str, ...]:
        """Return what a member needs in a service: the service's ``needs``, then its own."""
        declared = self.services[service].needs if service in self.services else ()
        own = self.member(kind, member).needs
        return tuple(dict.fromkeys((*declared, *own)))

    def needed_functions(self, device: str) -> set[str]:
        """Return the functions of ``device`` whose history is kept besides its services'.

        Those some member needs, and every link function it offers (``internet``, ``wifi_logging``,
        ``site_*``): the socle page reports the Wi-Fi's logging and each administrative site.
        """
        offered = set(self.devices[device].functions) if device in self.devices else set()
        needs = {f for s in self.services.values() for f in s.needs}
        needs |= {f for m in (*self.devices.values(), *self.agents.values()) for f in m.needs}
        link = {f for f in offered if f in ("internet", "wifi_logging") or f.startswith(SITE_FUNCTION_PREFIX)}
        return (offered & needs) | link


class SitesFile(Section, frozen=True, kw_only=True):
    """The whole ``sites.toml``."""

    sites: dict[Ident, Site] = msgspec.field(default_factory=dict)
    contacts: Contacts = msgspec.field(default_factory=Contacts)
    #: How people name administrative sites, by the name in their function (``caf = "la CAF"``
    #: for ``site_caf``), article included; :data:`ADMINISTRATIVE_SITES` by default.
    administrative_sites: dict[
        Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,42}$")],
        Annotated[str, msgspec.Meta(min_length=1, max_length=128)],
    ] = msgspec.field(default_factory=dict)

    def administrative_site(self, function: str) -> str:
        """Return how people name the administrative site of ``function`` (« la CAF »)."""
        name = function.removeprefix(SITE_FUNCTION_PREFIX)
        return self.administrative_sites.get(name) or ADMINISTRATIVE_SITES.get(name) or f"le site « {name} »"

    def contact(self, site_id: str, team: str) -> str | None:
        """Return whom a site calls for ``team`` (``technicien``): the site's own, else the default."""
        site = self.sites.get(site_id)
        own: str | None = getattr(site.contacts, team, None) if site is not None else None
        default: str | None = getattr(self.contacts, team, None)
        return own or default

    def restrict(self, only: Iterable[str]) -> SitesFile:
        """Return the file narrowed to the sites ``only`` names (one shard of a region); all when empty.

        Raises:
            ValueError: naming a site the file does not declare.
        """
        wanted = set(only)
        if not wanted:
            return self
        missing = sorted(wanted - set(self.sites))
        if missing:
            raise ValueError(f"{', '.join(missing)}: not declared in the sites file")
        return msgspec.structs.replace(self, sites={k: v for k, v in self.sites.items() if k in wanted})


def load_sites(path: Path) -> SitesFile:
    """Load and validate ``sites.toml``.

    Raises:
        ConfigError: naming the file, the line, the key and the problem.
    """
    return load_toml(path, SitesFile)


# --------------------------------------------------------------------------- calendars


_DAY: Final = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)"
_DAYS: Final = rf"(?:{_DAY}(?:-{_DAY})?|PH)"
_SPAN: Final = r"(?:[01]\d|2[0-4]):[0-5]\d-(?:[01]\d|2[0-4]):[0-5]\d"
_RULE: Final = rf"(?:{_DAYS}(?:,{_DAYS})*\s+)?(?:{_SPAN}(?:,{_SPAN})*|off|closed)"
#: An ``opening_hours`` made only of weekdays, public holidays (``PH``) and hours within a day
#: (« Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00; PH off »): its open time repeats every week
#: but on public holidays and on the days the clocks change.
_WEEKLY: Final = re.compile(rf"{_RULE}(?:\s*;\s*{_RULE})*")
#: From this long a span on, a weekly calendar's open time repeats each weekday's hours
#: (asking the library day after day costs about 3 µs an interval, 4 ms a year).
WEEKLY_FROM: Final = 28 * 86_400


def _weekly(expression: str) -> bool:
    """Return whether an ``opening_hours`` repeats every week but on public holidays (hours within a day only)."""
    if _WEEKLY.fullmatch(expression.strip()) is None:
        return False
    spans = re.findall(r"(\d\d):(\d\d)-(\d\d):(\d\d)", expression)
    return bool(spans) and all(
        (int(h1), int(m1)) < (int(h2), int(m2)) and (int(h2), int(m2)) <= (24, 0) and int(h1) < 24
        for h1, m1, h2, m2 in spans
    )


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
        self._weekly = _weekly(site.opening_hours)
        self._holidays = OpeningHours("PH", country="FR", timezone=self.tz) if self._weekly else None

    def open_intervals(self, start: float, end: float, *, repeat_weeks: bool = True) -> list[Interval]:
        """Return the open time within [start, end) (epoch seconds).

        Args:
            start: the span's start.
            end: its end.
            repeat_weeks: for a weekly ``opening_hours`` over :data:`WEEKLY_FROM` or more, repeat
                each weekday's hours and ask the library only for public holidays, the days the
                clocks change and the span's first and last days (the same intervals, several times
                faster); ``False`` asks the library for the whole span.
        """
        if end <= start:
            return []
        local_start = dt.datetime.fromtimestamp(start, self.tz)
        local_end = dt.datetime.fromtimestamp(end, self.tz)
        if repeat_weeks and self._weekly and end - start >= WEEKLY_FROM:
            opened = merge(self._by_week(start, end, local_start, local_end))
        else:
            opened = merge(self._asked(start, end, local_start, local_end))
        closed = [w.interval(self.tz) for w in self.site.closures]
        if self.site.holidays_subdivision:
            for year in range(local_start.year, local_end.year + 1):
                for day in _regional_holidays(self.site.holidays_subdivision, year):
                    begin = dt.datetime.combine(day, dt.time(), self.tz)
                    closed.append((begin.timestamp(), (begin + dt.timedelta(days=1)).timestamp()))
        return subtract(opened, merge(closed))

    def _asked(
        self, start: float, end: float, local_start: dt.datetime, local_end: dt.datetime
    ) -> list[Interval]:
        """Return the open intervals the library gives between the local moments, cut to [start, end]."""
        return [
            (max(s.timestamp(), start), min(e.timestamp(), end))
            for s, e, state, _comment in self._oh.intervals(local_start, local_end)
            if str(state) == "open"
        ]

    def _local(self, start: float, end: float) -> tuple[dt.datetime, dt.datetime]:
        """Return two moments as the site's local time (an hour the clocks skip is never asked for)."""
        return dt.datetime.fromtimestamp(start, self.tz), dt.datetime.fromtimestamp(end, self.tz)

    def _public_holidays(self, first: dt.date, last: dt.date) -> set[dt.date]:
        """Return the days from ``first`` to ``last`` the library counts as public holidays (``PH``)."""
        tz, out = self.tz, set[dt.date]()
        if self._holidays is None:  # not a weekly calendar
            return out
        span = self._local(
            dt.datetime.combine(first - dt.timedelta(days=1), dt.time(), tz).timestamp(),
            dt.datetime.combine(last + dt.timedelta(days=2), dt.time(), tz).timestamp(),
        )
        for s, e, state, _comment in self._holidays.intervals(*span):
            if str(state) == "open":
                day = s.date()
                while dt.datetime.combine(day, dt.time(), tz) < e:
                    out.add(day)
                    day += dt.timedelta(days=1)
        return out

    def _by_week(
        self, start: float, end: float, local_start: dt.datetime, local_end: dt.datetime
    ) -> list[Interval]:
        """Return the open intervals of a weekly calendar within [start, end), each weekday's hours repeated.

        A day wholly within the span, 24 hours long (the clocks do not change) and not a public
        holiday takes the hours the library gave the first such day of its weekday; the library is
        asked for every other day, cut to the day.
        """
        tz = self.tz
        holidays = self._public_holidays(local_start.date(), local_end.date())
        hours: dict[int, list[Interval]] = {}  # weekday -> open intervals from midnight
        out: list[Interval] = []
        day = local_start.date()
        midnight = dt.datetime.combine(day, dt.time(), tz).timestamp()
        while midnight < end:
            following = day + dt.timedelta(days=1)
            next_midnight = dt.datetime.combine(following, dt.time(), tz).timestamp()
            plain = (
                start <= midnight and next_midnight <= end and next_midnight - midnight == 86_400
                and day not in holidays
            )  # fmt: skip
            known = hours.get(day.weekday()) if plain else None
            if known is not None:
                out.extend((midnight + a, midnight + b) for a, b in known)
            elif plain:
                found = self._asked(midnight, next_midnight, *self._local(midnight, next_midnight))
                hours[day.weekday()] = [(a - midnight, b - midnight) for a, b in found]
                out.extend(found)
            else:
                low, high = max(midnight, start), min(next_midnight, end)
                if (
                    next_midnight - midnight != 86_400
                ):  # the clocks change: from the day before to the day after
                    low = max(
                        start, dt.datetime.combine(day - dt.timedelta(days=1), dt.time(), tz).timestamp()
                    )
                    high = min(
                        end, dt.datetime.combine(day + dt.timedelta(days=2), dt.time(), tz).timestamp()
                    )
                out.extend(
                    self._asked(
                        low, high, local_start if low == start else self._local(low, high)[0],
                        local_end if high == end else self._local(low, high)[1],
                    )
                )  # fmt: skip
            day, midnight = following, next_midnight
        return out

    def is_open(self, moment: float) -> bool:
        """Return whether the site is open at ``moment``."""
        return bool(self.open_intervals(moment, moment + 1e-3))

    def maintenance(self, service: str) -> list[Interval]:
        """Return the planned maintenance windows of one service."""
        return merge(m.interval(self.tz) for m in self.site.maintenance if m.service == service)
