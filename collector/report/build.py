"""Coordinator report data: per site and service, availability during opening hours.

Pure glue between the history, the sites' calendars and the availability engine; renderers
(``render.py``) only format what is computed here, so CSV, JSON, HTML and PDF always agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from collector.availability import Figures
from collector.figures import member_figures, member_timeline, service_figures
from collector.history import History
from collector.intervals import Measure
from collector.sites import SERVICE_LABELS, Calendar, Site, SitesFile

#: The socle serviciel: the services a site may promise, in report order.
SOCLE = ("postes", "impression", "numerisation", "wifi")


@dataclass
class MemberReport:
    """One device or PC of a service."""

    kind: str
    member: str
    figures: Figures


@dataclass
class ServiceReport:
    """One promised service of one site."""

    name: str
    label: str
    min_usable: int
    member_count: int
    figures: Figures
    members: list[MemberReport] = field(default_factory=list)


@dataclass
class SiteReport:
    """One site over the period."""

    site_id: str
    name: str
    timezone: str
    start: float
    end: float
    open_seconds: float
    services: list[ServiceReport] = field(default_factory=list)

    def service(self, name: str) -> ServiceReport | None:
        """Return a service's report, if the site offers it."""
        return next((s for s in self.services if s.name == name), None)


@dataclass
class Report:
    """The whole report."""

    first_day: dt.date
    last_day: dt.date
    generated: dt.datetime
    blip_seconds: float
    sites: list[SiteReport] = field(default_factory=list)


def period_of(site: Site, first_day: dt.date, last_day: dt.date) -> tuple[float, float]:
    """Return [first_day 00:00, last_day + 1 00:00) in the site's time zone, as epoch seconds."""
    tz = site.tz
    start = dt.datetime.combine(first_day, dt.time(), tz)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), tz)
    return start.timestamp(), end.timestamp()


def build_report(
    history: History,
    sites: SitesFile,
    first_day: dt.date,
    last_day: dt.date,
    *,
    only_site: str | None = None,
    blip_seconds: float = 0.0,
    generated: dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Compute the report for the inclusive days [first_day, last_day]."""
    report = Report(first_day, last_day, generated or dt.datetime.now(dt.UTC), blip_seconds)
    for site_id, site in sites.sites.items():
        if only_site is not None and site_id != only_site:
            continue
        if progress:
            progress(site_id)
        start, end = period_of(site, first_day, last_day)
        calendar = Calendar(site)
        intervals = calendar.open_intervals(start, end)
        opened = Measure(intervals)
        site_report = SiteReport(
            site_id, site.name, site.timezone, start, end, sum(e - s for s, e in intervals)
        )
        timelines = history.timelines(site_id, start, end)
        coverage = history.coverage(site_id, start, end)
        for name in SOCLE:
            service = site.services.get(name)  # type: ignore[call-overload]
            if service is None:
                continue
            figures = service_figures(
                site, name, timelines, start, end, coverage=coverage, calendar=calendar, opened=intervals,
                blip_seconds=blip_seconds,
            )  # fmt: skip
            service_report = ServiceReport(
                name, service.label or SERVICE_LABELS[name], service.min_usable, len(service.members), figures
            )
            for kind, member in service.members:
                own = member_figures(
                    member_timeline(site, name, kind, member, timelines, coverage, start, end),
                    start, end, opened=opened, blip_seconds=blip_seconds,
                )  # fmt: skip
                service_report.members.append(MemberReport(kind, member, own))
            site_report.services.append(service_report)
        report.sites.append(site_report)
    return report
