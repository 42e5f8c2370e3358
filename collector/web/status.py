"""Status page view models (pure, time injected) and their HTML rendering.

``/`` lists the sites; ``/site/<id>`` shows one site as its secretariat reads it:

* a one-line summary that says « Tout fonctionne. » only when every service is measured and up,
  every device and PC is heard from, and none needs anything;
* the things to do, each with the action of its reason (``agent.contract.reasons``) written
  around the device's name and its parts (« Prévoir une cartouche de toner noir (CF410A) pour
  l'imprimante de l'accueil. »), and whom to call when the action asks for the technician
  (``[contacts]`` of ``sites.toml``); while the site is closed they wait « à la réouverture »,
  except security (a kiosk whose lockdown is broken), which stays urgent;
* the members nobody has heard from, and since when (« pas de nouvelles depuis 14:05 »);
* the supplies of each printer, their level and how long they last (« encore ~12 jours »,
  ``collector.forecast``), and « Commander maintenant » among the things to do while a toner's
  order notice is out (``collector.supplies``: once per cartridge, during opening hours);
* each service's state now and its availability today and this month during opening hours
  (``collector.figures``: « non mesuré » is time no observation covered, never 0 %);
* « mis à jour à 14:07 » in the site's time zone.

States come from the one member rule (``collector.members``) and the tracker's service states;
nothing here decides liveness. No JavaScript; readable on a 360 px phone; no personal data.
``/accessibilite`` is the accessibility statement (RGAA).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from agent.contract import french
from agent.contract.messages import DeviceBody, Reason
from agent.contract.reasons import describe, is_known
from collector import forecast as fc
from collector.figures import Coverage, Timelines, service_figures
from collector.history import History
from collector.members import device_now, pc_now
from collector.sites import SERVICE_LABELS, Calendar, Site, SitesFile
from collector.state import FleetState
from collector.supplies import SupplyBook, SupplyState

#: Causes that cannot wait for the site to reopen (security).
URGENT_WHILE_CLOSED: Final = frozenset({"lockdown"})
#: The conformity state the pages state (RGAA): no full audit has been made yet.
CONFORMITY: Final = "non conforme"
#: When the accessibility statement was written, and the checks it reports were run.
STATEMENT_DATE: Final = dt.date(2026, 12, 1)
#: How far ahead the next opening is looked for (a site closed for longer says « à la réouverture »).
REOPENING_HORIZON: Final = 14 * 86_400.0
#: Seconds between two reloads when the reader asks the page to refresh itself.
AUTO_REFRESH_SECONDS: Final = 60
_SEVERITY_ORDER: Final = {"down": 0, "degraded": 1}
NBSP: Final = "\u00a0"

Tone = Literal["ok", "bad", "na"]


@dataclass(frozen=True)
class Todo:
    """One thing to do: what is wrong, where, what to do, whom to call."""

    title: str  # « Toner noir presque vide (8 %) »
    where: str  # « l'imprimante de l'accueil »
    action: str  # « Prévoir une cartouche de toner noir (CF410A) pour l'imprimante de l'accueil. »
    severity: str  # down | degraded
    code: str
    call: str | None = None  # « Jean Dupont, 02 99 11 22 33 » when the action asks for the technician
    urgent: bool = False  # cannot wait for the reopening (security)


@dataclass(frozen=True)
class Silent:
    """A member with no fresh observation, and since when."""

    name: str  # « l'imprimante de l'accueil »
    since: str  # « pas de nouvelles depuis 14:05 »
    kind: str = "appareil"  # « appareil » | « poste »


@dataclass(frozen=True)
class Cell:
    """A figure of the services table: its text and, below it, the share not measured."""

    text: str  # « 97,4 % », « non mesuré », « sans objet »
    note: str | None = None  # « 12 % non mesuré »


@dataclass(frozen=True)
class ServiceLine:
    """A service's state now and its availability today and this month."""

    label: str
    state: str  # « disponible »
    tone: Tone
    today: Cell
    month: Cell


@dataclass(frozen=True)
class MemberLine:
    """A device or a PC of the site and its state."""

    name: str
    kind: str  # « appareil » | « poste »
    state: str  # « en service »
    tone: Tone


@dataclass(frozen=True)
class SupplyLine:
    """A toner or a waste box of a printer: its level and how long it lasts."""

    device: str  # « l'imprimante de l'accueil »
    supply: str  # « toner noir (CF410A) », « bac de toner usagé »
    level: str  # « 34 % », « niveau non chiffré »
    remaining: str  # « encore ~12 jours », « pas encore assez d'historique pour prévoir »


@dataclass
class SiteView:
    """Everything the page of one site shows."""

    site_id: str
    name: str
    is_open: bool
    updated: str  # « 14:07 », site time
    reopens: str | None = None  # « demain à 09:00 », when closed
    now: list[Todo] = field(default_factory=list)  # to do now
    later: list[Todo] = field(default_factory=list)  # at the reopening
    silent: list[Silent] = field(default_factory=list)
    services: list[ServiceLine] = field(default_factory=list)
    members: list[MemberLine] = field(default_factory=list)
    service_states: list[tuple[str, str]] = field(default_factory=list)  # (label, up|down|unknown)
    supplies: list[SupplyLine] = field(default_factory=list)

    @property
    def todo_count(self) -> int:
        """Return how many things there are to do, now and at the reopening."""
        return len(self.now) + len(self.later)

    @property
    def all_good(self) -> bool:
        """Return whether everything is measured, up and needs nothing."""
        return (
            bool(self.members or self.service_states)
            and self.todo_count == 0
            and not self.silent
            and all(state == "up" for _label, state in self.service_states)
        )

    @property
    def summary(self) -> str:
        """Return the one-line summary (« 4 choses à faire ; impression : indisponible. »)."""
        if not self.members and not self.service_states:
            return "Aucun appareil ni poste n'est déclaré pour ce site."
        if self.all_good:
            return "Tout fonctionne."
        parts: list[str] = []
        if self.is_open and self.now:
            parts.append(f"{french.plural(len(self.now), 'chose')} à faire")
        elif self.now:
            parts.append(f"{french.plural(len(self.now), 'chose')} à faire maintenant")
        if self.later:
            parts.append(f"{french.plural(len(self.later), 'chose')} à faire à la réouverture")
        for label, state in self.service_states:
            if state != "up":
                # « label : state » needs no agreement (« postes … : indisponible »).
                parts.append(f"{label}{NBSP}: {french.SERVICE_STATES.get(state, 'non mesuré')}")
        devices = sum(1 for s in self.silent if s.kind == "appareil")
        pcs = len(self.silent) - devices
        if devices:
            parts.append(f"{french.plural(devices, 'appareil')} sans nouvelles")
        if pcs:
            parts.append(f"{french.plural(pcs, 'poste')} sans nouvelles")
        return french.capitalise(f"{NBSP}; ".join(parts)) + "."


# --------------------------------------------------------------------------- to-dos


def reason_fields(reason: Reason, body: DeviceBody | None, name: str) -> dict[str, str | None]:
    """Return the fields of a reason's French templates, filled from the device's own status.

    ``device``/``of_device``/``to_device`` are the member's name with its article (« l'imprimante
    de l'accueil », « de l'imprimante… », « à l'imprimante… »); ``colour``, ``reference`` and
    ``percent`` come from the supply ``Reason.subject`` points at when the reason's row says
    its subject is a supply; ``tray`` and ``percent`` from the paper tray when it is a tray;
    ``part`` from the hrDeviceTable unit; ``location`` from a jam's location code.
    """
    values: dict[str, str | None] = {
        "device": french.with_article(name),
        "of_device": french.of(name),
        "to_device": french.to(name),
    }
    points_at = describe(reason.code).subject if is_known(reason.code) else None
    subject = reason.subject or ""
    printer = body.printer if body is not None else None
    if printer is not None and points_at == "supply":
        supply = next((s for s in printer.supplies if s.index == subject), None)
        if supply is not None:
            values["colour"] = french.colour(supply.colour) or None
            values["reference"] = french.reference(supply.description)
            level = supply.fill_percent if supply.receptacle else supply.percent
            values["percent"] = french.percent(level) if level is not None else None
    elif printer is not None and points_at == "tray":
        tray = next((t for t in printer.inputs if t.index == subject), None)
        if tray is not None:
            values["tray"] = french.tray(tray.name)
            values["percent"] = french.percent(tray.percent) if tray.percent is not None else None
    elif printer is not None and points_at == "unit":
        unit = next((u for u in printer.scanner_units if u.index == subject), None)
        values["part"] = unit.description if unit is not None else None
    if subject.startswith("location:") and subject.removeprefix("location:").lstrip("-").isdigit():
        location = int(subject.removeprefix("location:"))
        values["location"] = str(location) if location > 0 else None
    return values


def todo(reason: Reason, body: DeviceBody | None, name: str, *, technician: str | None) -> Todo:
    """Return the to-do of one reason of a member named ``name``.

    Known codes are worded from their row (title and action); a code this version does not know
    keeps the agent's own label and gets the generic action. ``technician`` (whom to call) is
    attached when the action asks for the technician.
    """
    row = describe(reason.code)
    values = reason_fields(reason, body, name)
    title = french.render(row.title, values) if is_known(reason.code) else reason.label
    action = french.capitalise(french.render(row.action, values))
    calls = row.team == "technicien" or "technicien" in action
    return Todo(
        title=french.capitalise(title),
        where=french.with_article(name),
        action=action,
        severity=row.severity if is_known(reason.code) else reason.severity,
        code=reason.code,
        call=technician if calls else None,
        urgent=row.cause in URGENT_WHILE_CLOSED,
    )


# --------------------------------------------------------------------------- supplies


def supply_words(state: SupplyState) -> str:
    """Return a supply as people name it: « toner noir (CF410A) », « bac de toner usagé », or its description."""
    reference = f" ({state.reference})" if state.reference else ""
    if state.role == "toner":
        colour = french.colour(state.colour)
        return f"toner{' ' + colour if colour else ''}{reference}"
    if state.role == "waste":
        return "bac de toner usagé"
    return state.description


def supply_line(state: SupplyState, name: str, now: float) -> SupplyLine:
    """Return the status page's line of one supply of the printer ``name``."""
    if state.level is None:
        level = "niveau non chiffré"
    else:
        shown = 100 - state.level if state.role == "waste" else state.level  # a waste box: how full
        level = french.percent(shown, 0) + (" (approximatif)" if state.precision == "coarse" else "")
        if state.role == "waste":
            level += " plein"
    result = state.forecast or fc.Forecast("not_enough_history", state.precision)
    return SupplyLine(
        french.with_article(name), supply_words(state), level, fc.remaining_fr(result, now, role=state.role)
    )


def order_todo(state: SupplyState, name: str) -> Todo:
    """Return the « Commander maintenant » to-do of a toner whose order notice is out."""
    values: dict[str, str | None] = {
        "colour": french.colour(state.colour) or None, "reference": state.reference or None,
        "device": french.with_article(name), "of_device": french.of(name), "empty_in": state.empty_in(),
    }  # fmt: skip
    return Todo(
        title=french.render(fc.ORDER_TITLE, values),
        where=french.with_article(name),
        action=french.render(fc.ORDER_ACTION, values),
        severity="degraded",
        code="supply_order",
    )


# --------------------------------------------------------------------------- the view


def _device_name(site: Site, fleet: FleetState, site_id: str, device: str) -> str:
    """Return a device's name: sites.toml first, then any observation's (even stale), then its id."""
    declared = site.device(device).name
    if declared:
        return declared
    record = fleet.devices.get((site_id, device))
    for observation in sorted(record.observations.values(), key=lambda o: -o.seen_at) if record else ():
        if observation.body.name:
            return observation.body.name
    return device


def _agent_name(site: Site, agent_id: str) -> str:
    return site.agent(agent_id).name or f"le poste {agent_id}"


def _alive(site: Site, kind: str, member: str, now: float) -> bool:
    born, retired = site.member(kind, member).life(site.tz)
    return born <= now < retired


def _silence(last_news: float | None, unmeasured_since: float | None, tz: dt.tzinfo, now: float) -> str:
    if last_news is not None and last_news > 0:
        return f"pas de nouvelles depuis {french.moment(last_news, tz, now=now)}"
    if unmeasured_since is not None and unmeasured_since < now:
        return f"non mesuré depuis {french.moment(unmeasured_since, tz, now=now)}"
    return "pas encore de nouvelles"


def _cell(open_seconds: float, availability: float | None, unknown: float | None) -> Cell:
    if open_seconds <= 1e-9:
        return Cell("sans objet")
    if availability is None:
        return Cell("non mesuré")
    # Whole percents, rounded down: some time was measured, so never « 100 % non mesuré ».
    share = min(math.floor((unknown or 0.0) * 100), 99)
    note = f"{share}{french.NARROW_NBSP}% non mesuré" if share >= 1 else None
    return Cell(french.ratio(availability), note)


def _tone(state: str) -> Tone:
    return "ok" if state in ("ok", "degraded", "up") else "bad" if state == "down" else "na"


def _member_line(name: str, kind: str, state: str) -> MemberLine:
    """Return a member's line: its name with its article, « appareil » or « poste », its state in French."""
    return MemberLine(french.with_article(name), kind, french.STATE_LABELS[state], _tone(state))


def _reopening(calendar: Calendar, now: float) -> float | None:
    opened = calendar.open_intervals(now, now + REOPENING_HORIZON)
    return opened[0][0] if opened else None


def site_view(
    site_id: str,
    sites: SitesFile,
    fleet: FleetState,
    history: History | None,
    *,
    service_states: Mapping[tuple[str, str], str],
    now: float,
    stale_after: float,
    figures: bool = True,
    supplies: SupplyBook | None = None,
) -> SiteView:
    """Build the view of one site at ``now`` (``figures=False`` skips the availability figures).

    ``supplies``: the collector's supplies (their forecasts and order notices), if it keeps them.
    """
    site = sites.sites[site_id]
    calendar = Calendar(site)
    tz = calendar.tz
    is_open = calendar.is_open(now)
    view = SiteView(site_id, site.name, is_open, french.time_of_day(now, tz))
    if not is_open:
        reopening = _reopening(calendar, now)
        view.reopens = french.moment(reopening, tz, now=now) if reopening is not None else None
    technician = sites.contact(site_id, "technicien")
    todos: list[Todo] = []
    with fleet.lock:
        known = {device for (dev_site, device) in fleet.devices if dev_site == site_id}
        for device in sorted(known | set(site.declared_devices())):
            if not _alive(site, "device", device, now):
                continue
            name = _device_name(site, fleet, site_id, device)
            current = device_now(fleet, site_id, device, now, stale_after)
            view.members.append(_member_line(name, "appareil", current.state))
            body = current.body
            if body is None:
                record = fleet.devices.get((site_id, device))
                last = (
                    max((o.seen_at for o in record.observations.values()), default=None) if record else None
                )
                run_end = history.run_end(site_id, "device", device) if history else None
                view.silent.append(Silent(french.with_article(name), _silence(last, run_end, tz, now)))
                continue
            if current.state == "unknown":
                view.silent.append(Silent(french.with_article(name), "l'appareil ne dit pas son état"))
            todos.extend(todo(reason, body, name, technician=technician) for reason in body.reasons)
        agents = {agent for (agent_site, agent) in fleet.agents if agent_site == site_id}
        for agent_id in sorted(agents | set(site.declared_agents())):
            if not _alive(site, "pc", agent_id, now):
                continue
            name = _agent_name(site, agent_id)
            current = pc_now(fleet, site_id, agent_id, now, stale_after)
            view.members.append(_member_line(name, "poste", current.state))
            if current.state == "unknown":
                agent = fleet.agents.get((site_id, agent_id))
                run_end = history.run_end(site_id, "pc", agent_id) if history else None
                since = _silence(agent.last_seen if agent else None, run_end, tz, now)
                view.silent.append(Silent(french.with_article(name), since, "poste"))
            for code in current.reasons:
                row = describe(code)
                reason = Reason(code=code, label=row.title, severity=row.severity)
                todos.append(todo(reason, None, name, technician=technician))
    for state in supplies.supplies(site_id) if supplies is not None else ():
        if state.role not in ("toner", "waste") or not _alive(site, "device", state.device, now):
            continue
        name = _device_name(site, fleet, site_id, state.device)
        view.supplies.append(supply_line(state, name, now))
        if state.order_out(now):
            todos.append(order_todo(state, name))
    todos.sort(key=lambda t: (not t.urgent, _SEVERITY_ORDER.get(t.severity, 2), t.where, t.title))
    view.now = [t for t in todos if is_open or t.urgent]
    view.later = [t for t in todos if not (is_open or t.urgent)]
    view.members.sort(key=lambda m: (m.kind != "appareil", m.name.lower()))
    for name, service in site.service_items():
        label = service.label or SERVICE_LABELS[name]
        live = service_states.get((site_id, name), "unknown")
        view.service_states.append((label, live))
    if figures:
        view.services = _service_lines(site_id, site, calendar, history, view.service_states, now)
    return view


def _service_lines(site_id: str, site: Site, calendar: Calendar, history: History | None,
                   states: list[tuple[str, str]], now: float) -> list[ServiceLine]:  # fmt: skip
    local_now = french.local(now, calendar.tz)
    today = dt.datetime.combine(local_now.date(), dt.time(), calendar.tz).timestamp()
    month = dt.datetime.combine(local_now.date().replace(day=1), dt.time(), calendar.tz).timestamp()
    timelines: Timelines = history.timelines(site_id, month, now) if history else {}
    coverage: Coverage = history.coverage(site_id, month, now) if history else {}
    lines = []
    for (name, _service), (label, live) in zip(site.service_items(), states, strict=True):
        cells = []
        for start in (today, month):
            figures = service_figures(site, name, timelines, start, now, coverage=coverage, calendar=calendar)
            cells.append(_cell(figures.open_seconds, figures.availability, figures.unknown_ratio))
        lines.append(ServiceLine(label, french.SERVICE_STATES.get(live, "non mesuré"), _tone(live), *cells))
    return lines


# --------------------------------------------------------------------------- pages


def render(template: str, **context: object) -> str:
    """Render one of the page templates."""
    import jinja2  # noqa: PLC0415

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True,
        trim_blocks=True, lstrip_blocks=True,
    )  # fmt: skip
    env.filters["capitalise"] = french.capitalise
    env.globals["conformity"] = CONFORMITY
    env.globals["refresh_seconds"] = AUTO_REFRESH_SECONDS
    return env.get_template(template).render(**context)


class StatusPages:
    """The pages served by the collector's HTTP server."""

    def __init__(self, sites: SitesFile, fleet: FleetState, history: History | None, *,
                 service_states: Callable[[], Mapping[tuple[str, str], str]], stale_after: float,
                 clock: Callable[[], float], supplies: SupplyBook | None = None) -> None:  # fmt: skip
        """Bind to the live state."""
        self.sites = sites
        self.fleet = fleet
        self.history = history
        self.service_states = service_states
        self.stale_after = stale_after
        self.clock = clock
        self.supplies = supplies

    def _view(self, site_id: str, now: float, *, figures: bool = True) -> SiteView:
        return site_view(site_id, self.sites, self.fleet, self.history, service_states=self.service_states(),
                         now=now, stale_after=self.stale_after, figures=figures,
                         supplies=self.supplies)  # fmt: skip

    def index(self, *, refresh: bool = False) -> str:
        """Return the list of sites."""
        now = self.clock()
        views = [self._view(site_id, now, figures=False) for site_id in self.sites.sites]
        return render("index.html.j2", sites=views, refresh=refresh, here="/")

    def site(self, site_id: str, *, refresh: bool = False) -> str | None:
        """Return one site's page, or ``None`` if there is no such site."""
        if site_id not in self.sites.sites:
            return None
        view = self._view(site_id, self.clock())
        return render("site.html.j2", site=view, refresh=refresh, here=f"/site/{site_id}")

    def statement(self) -> str:
        """Return the accessibility statement (« Déclaration d'accessibilité », RGAA)."""
        contacts = [(s.name, s.contact) for s in self.sites.sites.values() if s.contact]
        return render(
            "accessibilite.html.j2",
            contact=self.sites.contacts.accessibilite,
            site_contacts=contacts,
            date=french.long_date(STATEMENT_DATE).split(" ", 1)[1],
            refresh=False,
            here="/accessibilite",
        )

    def not_found(self) -> str:
        """Return the page for an unknown address."""
        return render("introuvable.html.j2", refresh=False, here="")
