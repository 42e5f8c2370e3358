"""The socle serviciel of one site, in the open: what it promises, and how available it really was.

``/site/<id>/socle`` (a page) and ``/site/<id>/socle.json`` answer « on ne fait pas ce que l'on
dit »: for each promise of the socle serviciel — « Wifi aux normes RGPD », « Ordinateurs en
libre-service », « Service d'impression », « Service de scanner », « Bornes et sites
administratifs » — whether the site offers it (a service declared in ``sites.toml``) and its
real availability last month during opening hours, with the month before beside it, the time
not measured, and the outages the structure could not act on (the internet link, an
administrative site: « dont indisponibilités extérieures »). Two details make a promise
honest: the public Wi-Fi's connection logging (the legal duty of « aux normes RGPD »: the share
of measured time the logging was healthy) and each administrative site's reachability.

Figures come from :mod:`collector.figures`, like the report's (same engine, same history). The
view is pure (time injected); nothing personal is shown: services, ratios and durations only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from agent.contract import french
from collector.availability import Figures
from collector.figures import cause_text, function_timeline, member_figures, service_figures
from collector.history import History
from collector.intervals import Measure
from collector.report.wording import availability as availability_fr
from collector.report.wording import unmeasured
from collector.sites import SITE_FUNCTION_PREFIX, Calendar, Site, SitesFile

#: The promises of the socle serviciel: (key, the words of the promise, the sites.toml service).
PROMISES: Final[tuple[tuple[str, str, str], ...]] = (
    ("wifi", "Wifi aux normes RGPD", "wifi"),
    ("postes", "Ordinateurs en libre-service", "postes"),
    ("impression", "Service d'impression", "impression"),
    ("numerisation", "Service de scanner", "numerisation"),
    ("bornes", "Bornes et sites administratifs", "bornes"),
)
WIFI_LOGGING: Final = "wifi_logging"


@dataclass(frozen=True)
class Measured:
    """One availability over a month, as words and as numbers."""

    text: str  # « 97,4 % », « non mesuré », « sans objet »
    ratio: float | None
    open_seconds: float
    unknown_seconds: float
    unknown_text: str  # « 2 h 10 (1,4 %) », « aucun »
    outages: int
    outage_seconds: float
    external_seconds: float
    external_text: str  # « 1 h 10 (accès internet) », « aucune »
    external_causes: tuple[str, ...] = ()

    @classmethod
    def of(cls, figures: Figures, label: Callable[[str], str]) -> Measured:
        """Word one figures' object."""
        causes = tuple(dict.fromkeys(label(c) for c, _s, _n in figures.external_causes))
        external = (
            f"{french.duration(figures.external_seconds)} ({', '.join(causes)})"
            if figures.external_seconds > 0
            else "aucune"
        )
        return cls(
            availability_fr(figures), figures.availability, figures.open_seconds, figures.unknown_seconds,
            unmeasured(figures), len(figures.outages), figures.outage_seconds, figures.external_seconds,
            external, causes,
        )  # fmt: skip

    def json(self) -> dict[str, Any]:
        """Return the figures for machines (seconds, 0–1 ratios)."""
        return {
            "availability": self.ratio, "open_seconds": self.open_seconds,
            "unknown_seconds": self.unknown_seconds, "outages": self.outages,
            "outage_seconds": self.outage_seconds, "external_seconds": self.external_seconds,
            "external_causes": list(self.external_causes), "text": self.text,
        }  # fmt: skip


@dataclass(frozen=True)
class Detail:
    """A part of a promise measured on its own (the Wi-Fi's logging, one administrative site)."""

    key: str  # wifi_logging, site_caf
    label: str  # « Journal des connexions (obligation légale) », « Site de la CAF »
    now: Measured
    before: Measured


@dataclass(frozen=True)
class Promise:
    """One promise of the socle and what became of it."""

    key: str
    promise: str
    offered: bool
    now: Measured | None = None
    before: Measured | None = None
    details: tuple[Detail, ...] = ()


@dataclass
class SocleView:
    """Everything the socle page and its JSON say about one site."""

    site_id: str
    name: str
    month: str  # « novembre 2026 »
    previous: str  # « octobre 2026 »
    first_day: dt.date
    last_day: dt.date
    opening_hours: str
    open_hours: str  # « 154 h » of opening last month
    promises: list[Promise] = field(default_factory=list)
    internet: Promise | None = None

    @property
    def offered(self) -> int:
        """Return how many promises the site offers."""
        return sum(p.offered for p in self.promises)

    def json(self) -> dict[str, Any]:
        """Return the view for machines (English keys, seconds, 0–1 ratios, ISO dates)."""

        def promise(p: Promise) -> dict[str, Any]:
            return {
                "key": p.key, "promise": p.promise, "offered": p.offered,
                "last_month": p.now.json() if p.now else None, "month_before": p.before.json() if p.before else None,
                "details": [{"key": d.key, "label": d.label, "last_month": d.now.json(),
                             "month_before": d.before.json()} for d in p.details],
            }  # fmt: skip

        return {
            "site": self.site_id, "name": self.name, "from": self.first_day.isoformat(),
            "to": self.last_day.isoformat(), "opening_hours": self.opening_hours,
            "promises": [promise(p) for p in self.promises],
            "internet": promise(self.internet) if self.internet else None,
        }  # fmt: skip


def last_month(now: float, site: Site) -> tuple[dt.date, dt.date]:
    """Return the first and last day of the calendar month before ``now``, in the site's zone."""
    first_of_this = french.local(now, site.timezone).date().replace(day=1)
    last = first_of_this - dt.timedelta(days=1)
    return last.replace(day=1), last


def _bounds(site: Site, first: dt.date, last: dt.date) -> tuple[float, float]:
    start = dt.datetime.combine(first, dt.time(), site.tz).timestamp()
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), site.tz).timestamp()
    return start, end


def socle_view(site_id: str, sites: SitesFile, history: History | None, *, now: float) -> SocleView:
    """Build the socle view of one site for the month before ``now`` (and the month before that)."""
    site = sites.sites[site_id]
    calendar = Calendar(site)
    first, last = last_month(now, site)
    before_first = (first - dt.timedelta(days=1)).replace(day=1)
    spans = (_bounds(site, first, last), _bounds(site, before_first, first - dt.timedelta(days=1)))

    def label(cause: str) -> str:
        return cause_text(cause, sites.administrative_site)

    reads = []
    for start, end in spans:
        opened = calendar.open_intervals(start, end)
        timelines = history.timelines(site_id, start, end) if history else {}
        coverage = history.coverage(site_id, start, end) if history else {}
        reads.append((start, end, opened, timelines, coverage))

    def service(name: str) -> tuple[Measured, Measured]:
        out = []
        for start, end, opened, timelines, coverage in reads:
            figures = service_figures(site, name, timelines, start, end, coverage=coverage, calendar=calendar,
                                      opened=opened)  # fmt: skip
            out.append(Measured.of(figures, label))
        return out[0], out[1]

    def function(function_name: str) -> tuple[Measured, Measured] | None:
        providers = site.providers(function_name)
        if not providers:
            return None
        out = []
        for start, end, opened, timelines, coverage in reads:
            timeline = function_timeline(site, providers[0], function_name, timelines, coverage, start, end)
            out.append(Measured.of(member_figures(timeline, start, end, opened=Measure(opened)), label))
        return out[0], out[1]

    view = SocleView(
        site_id, site.name, french.period(first, last), french.period(before_first, first - dt.timedelta(days=1)),
        first, last, site.opening_hours, french.duration(sum(e - s for s, e in reads[0][2])),
    )  # fmt: skip
    for key, words, name in PROMISES:
        if name not in site.services:
            view.promises.append(Promise(key, words, offered=False))
            continue
        details: list[Detail] = []
        if key == "wifi":
            logging = function(WIFI_LOGGING)
            if logging is not None:
                details.append(Detail(WIFI_LOGGING, "Journal des connexions (obligation légale)", *logging))
        if key == "bornes":
            functions = sorted(
                {f for d in site.devices.values() for f in d.functions if f.startswith(SITE_FUNCTION_PREFIX)}
            )
            for site_function in functions:
                reach = function(site_function)
                if reach is not None:
                    named = sites.administrative_site(site_function)
                    details.append(Detail(site_function, f"Site {_of(named)}", *reach))
        view.promises.append(Promise(key, words, True, *service(name), details=tuple(details)))
    if "internet" in site.services:
        view.internet = Promise("internet", "Accès internet", True, *service("internet"))
    return view


def _of(name: str) -> str:
    return cause_text(f"site:{name}", lambda _f: name).removeprefix("site ").removesuffix(" injoignable")


def render_socle(view: SocleView, *, refresh: bool = False) -> str:
    """Return the socle page of one site (French, accessible, readable on a phone)."""
    import jinja2  # noqa: PLC0415

    from collector.web.status import AUTO_REFRESH_SECONDS, CONFORMITY  # noqa: PLC0415

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True,
        trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
    )  # fmt: skip
    env.filters["capitalise"] = french.capitalise
    env.globals["conformity"] = CONFORMITY
    env.globals["refresh_seconds"] = AUTO_REFRESH_SECONDS
    return env.get_template("socle.html.j2").render(
        view=view, refresh=refresh, here=f"/site/{view.site_id}/socle"
    )
