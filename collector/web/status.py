"""Status page view models (pure, time injected) and their HTML rendering.

``/`` lists the sites; ``/site/<id>`` shows one site: the things to do now (toner, paper, jam,
device or PC down, lockdown broken), in plain French, and each service's availability today and
this month during opening hours. No JavaScript; readable on a phone; no personal data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from agent.contract import french
from agent.contract.reasons import describe
from collector.figures import Coverage, Timelines, service_figures
from collector.history import History
from collector.members import device_now, pc_now
from collector.sites import SERVICE_LABELS, Calendar, Site, SitesFile
from collector.state import FleetState

SEVERITY_ORDER = {"down": 0, "degraded": 1}


@dataclass
class Todo:
    """One thing to do now."""

    what: str  # "Bourrage papier"
    where: str  # "imprimante de l'accueil"
    severity: str  # down | degraded


@dataclass
class ServiceLine:
    """A service's state and availability."""

    label: str
    state: str
    today: float | None
    month: float | None
    today_unknown: float | None
    month_unknown: float | None


@dataclass
class SiteView:
    """Everything the page of one site shows."""

    site_id: str
    name: str
    is_open: bool
    todos: list[Todo] = field(default_factory=list)
    services: list[ServiceLine] = field(default_factory=list)
    devices: list[tuple[str, str]] = field(default_factory=list)  # (name, French state)


def _availability(site: Site, name: str, history: History | None, calendar: Calendar, timelines: Timelines,
                  coverage: Coverage, start: float, end: float) -> tuple[float | None, float | None]:  # fmt: skip
    if history is None or end <= start:
        return None, None
    figures = service_figures(site, name, timelines, start, end, coverage=coverage, calendar=calendar)
    return figures.availability, figures.unknown_ratio


def site_view(site_id: str, sites: SitesFile, fleet: FleetState, history: History | None, *,
              service_states: dict[tuple[str, str], str], now: float, stale_after: float) -> SiteView:  # fmt: skip
    """Build the view of one site at ``now``."""
    site = sites.sites[site_id]
    calendar = Calendar(site)
    view = SiteView(site_id, site.name, calendar.is_open(now))
    with fleet.lock:
        known = {device for (dev_site, device) in fleet.devices if dev_site == site_id}
        for device in sorted(known | set(site.declared_devices())):
            current = device_now(fleet, site_id, device, now, stale_after)
            body = current.body
            name = site.device(device).name or (body.name if body and body.name else None) or device
            view.devices.append((name, french.STATE_LABELS[current.state]))
            for reason in body.reasons if body else ():
                view.todos.append(Todo(reason.label, name, describe(reason.code).severity))
        agents = {agent for (agent_site, agent) in fleet.agents if agent_site == site_id}
        for agent_id in sorted(agents):
            current = pc_now(fleet, site_id, agent_id, now, stale_after)
            name = site.agent(agent_id).name or f"poste {agent_id}"
            for code in current.reasons:
                row = describe(code)
                view.todos.append(Todo(row.title, name, row.severity))
    view.todos.sort(key=lambda t: (SEVERITY_ORDER.get(t.severity, 2), t.where, t.what))
    local_now = dt.datetime.fromtimestamp(now, calendar.tz)
    today = dt.datetime.combine(local_now.date(), dt.time(), calendar.tz).timestamp()
    month = dt.datetime.combine(local_now.date().replace(day=1), dt.time(), calendar.tz).timestamp()
    timelines = history.timelines(site_id, month, now) if history else {}
    coverage = history.coverage(site_id, month, now) if history else {}
    for name, service in site.services.items():
        day = _availability(site, name, history, calendar, timelines, coverage, today, now)
        whole = _availability(site, name, history, calendar, timelines, coverage, month, now)
        live = service_states.get((site_id, name), "unknown")
        view.services.append(
            ServiceLine(
                service.label or SERVICE_LABELS[name],
                french.SERVICE_STATES[live],
                day[0],
                whole[0],
                day[1],
                whole[1],
            )
        )
    return view


def render(template: str, **context: object) -> str:
    """Render one of the page templates."""
    import jinja2  # noqa: PLC0415

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True,
        trim_blocks=True, lstrip_blocks=True,
    )  # fmt: skip
    env.filters["percent"] = french.ratio
    return env.get_template(template).render(**context)


class StatusPages:
    """The pages served by the collector's HTTP server."""

    def __init__(self, sites: SitesFile, fleet: FleetState, history: History | None, *,
                 service_states: Callable[[], dict[tuple[str, str], str]], stale_after: float,
                 clock: Callable[[], float]) -> None:  # fmt: skip
        """Bind to the live state."""
        self.sites = sites
        self.fleet = fleet
        self.history = history
        self.service_states = service_states
        self.stale_after = stale_after
        self.clock = clock

    def _view(self, site_id: str, now: float) -> SiteView:
        return site_view(site_id, self.sites, self.fleet, self.history, service_states=self.service_states(),
                         now=now, stale_after=self.stale_after)  # fmt: skip

    def index(self) -> str:
        """Return the list of sites."""
        now = self.clock()
        return render("index.html.j2", sites=[self._view(site_id, now) for site_id in self.sites.sites])

    def site(self, site_id: str) -> str | None:
        """Return one site's page, or ``None`` if there is no such site."""
        if site_id not in self.sites.sites:
            return None
        return render("site.html.j2", site=self._view(site_id, self.clock()))
