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

from collector.availability import compute, service_segments
from collector.history import History
from collector.sites import SERVICE_LABELS, Calendar, SitesFile
from collector.state import FleetState

SEVERITY_ORDER = {"down": 0, "degraded": 1}
STATE_FR = {
    "ok": "en service",
    "degraded": "en service, à surveiller",
    "down": "hors service",
    "unknown": "état inconnu",
}


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


def _availability(history: History | None, calendar: Calendar, service_members: dict[str, list[object]],
                  min_usable: int, start: float, end: float, maintenance: list[tuple[float, float]]) -> tuple[float | None, float | None]:  # fmt: skip
    if history is None or end <= start:
        return None, None
    figures = compute(service_segments(service_members, min_usable, start, end), calendar.open_intervals(start, end),  # type: ignore[arg-type]
                      start=start, end=end, maintenance=maintenance)  # fmt: skip
    return figures.availability, figures.unknown_ratio


def site_view(site_id: str, sites: SitesFile, fleet: FleetState, history: History | None, *,
              service_states: dict[tuple[str, str], str], now: float, stale_after: float) -> SiteView:  # fmt: skip
    """Build the view of one site at ``now``."""
    site = sites.sites[site_id]
    calendar = Calendar(site)
    view = SiteView(site_id, site.name, calendar.is_open(now))
    with fleet.lock:
        for (dev_site, device), record in sorted(fleet.devices.items()):
            if dev_site != site_id:
                continue
            current = record.current(fleet, now, stale_after)
            name = (current.body.name if current and current.body.name else None) or device
            state = current.body.state if current else "unknown"
            view.devices.append((name, STATE_FR[state]))
            if current is None:
                continue
            for reason in current.body.reasons:
                view.todos.append(Todo(reason.label, name, reason.severity))
        for (agent_site, agent_id), agent in sorted(fleet.agents.items()):
            if agent_site != site_id:
                continue
            if agent.status == "offline" and agent.status_at >= agent.data_at:
                view.todos.append(Todo("Poste éteint ou hors ligne", f"poste {agent_id}", "down"))
            elif agent.is_up(now, stale_after) and agent.lockdown is not None and not agent.lockdown.intact:
                view.todos.append(Todo("Le poste n'est plus verrouillé sur les sites administratifs : ne pas le "
                                       "laisser au public, prévenir le technicien", f"poste {agent_id}", "down"))  # fmt: skip
    view.todos.sort(key=lambda t: (SEVERITY_ORDER.get(t.severity, 2), t.where, t.what))
    local_now = dt.datetime.fromtimestamp(now, calendar.tz)
    today = dt.datetime.combine(local_now.date(), dt.time(), calendar.tz).timestamp()
    month = dt.datetime.combine(local_now.date().replace(day=1), dt.time(), calendar.tz).timestamp()
    timelines = history.timelines(site_id, month, now) if history else {}
    for name, service in site.services.items():
        members = {f"{k}:{m}": timelines.get((k, m), []) for k, m in service.members}
        maintenance = calendar.maintenance(name)
        day = _availability(history, calendar, members, service.min_usable, today, now, maintenance)  # type: ignore[arg-type]
        whole = _availability(history, calendar, members, service.min_usable, month, now, maintenance)  # type: ignore[arg-type]
        live = service_states.get((site_id, name), "unknown")
        shown = {"up": "disponible", "down": "indisponible", "unknown": "non mesuré"}[live]
        view.services.append(
            ServiceLine(service.label or SERVICE_LABELS[name], shown, day[0], whole[0], day[1], whole[1])
        )
    return view


def render(template: str, **context: object) -> str:
    """Render one of the page templates."""
    import jinja2  # noqa: PLC0415

    from collector.report.render import percent_fr  # noqa: PLC0415

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True,
        trim_blocks=True, lstrip_blocks=True,
    )  # fmt: skip
    env.filters["percent"] = percent_fr
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
