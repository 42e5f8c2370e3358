"""Coordinator report data: per site and service, availability during opening hours.

Pure glue between the history, the sites' calendars and the availability engine; renderers
(``render.py``) only format what is computed here, so CSV, JSON, HTML and PDF always agree.

Every figure is computed twice with the same engine: over the period asked for and over the
previous one (:func:`previous_period`), so that the report can put the previous figure beside
each one. A member (device or PC) is reported over its own life only (``since``/``until`` in
``sites.toml``, else from its first recorded state): the engine leaves the time it did not
exist out of its figures, and a member that did not exist during the period is not listed.

Outages the structure cannot act on (the internet link, an administrative site: ``external``
causes, ``docs/design.md`` §5 "Attribution") stay in the figures and are counted apart
(``Figures.external_seconds``); an administrative site is named as the sites file says
(:meth:`SiteReport.cause_text`).
"""

from __future__ import annotations

import datetime as dt
import functools
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from agent.contract import french
from collector.availability import LABELS, Figures, Track, exists
from collector.figures import (
    Coverage,
    Timelines,
    cause_text,
    member_figures_many,
    member_track,
    service_figures,
)
from collector.history import History, open_reader, read_coverage, read_tracks
from collector.intervals import Interval, Measure
from collector.report.maintenance import Maintenance, maintenance
from collector.sites import (
    ADMINISTRATIVE_SITES,
    DEFAULT_TARGET,
    SERVICE_LABELS,
    SITE_FUNCTION_PREFIX,
    Calendar,
    Site,
    SitesFile,
)

#: The socle serviciel: the services a site may promise, in report order.
SOCLE = ("postes", "impression", "numerisation", "wifi", "bornes")
#: The services a site's part of the report shows: the socle, then the link they depend on.
REPORT_SERVICES = (*SOCLE, "internet")


@dataclass
class MemberReport:
    """One device or PC of a service, over its own life within the period."""

    kind: str
    member: str
    name: str
    figures: Figures
    #: Its figures over the previous period; ``None`` when it did not exist then.
    previous: Figures | None = None
    #: When it joined or left the site (``since``/``until``), when that falls inside the period.
    added: float | None = None
    retired: float | None = None


@dataclass
class ServiceReport:
    """One promised service of one site."""

    name: str
    label: str
    min_usable: int
    #: Members the k-of-n rule counts at the end of the period (members that exist then).
    member_count: int
    figures: Figures
    members: list[MemberReport] = field(default_factory=list)
    #: The same figures over the previous period.
    previous: Figures | None = None
    #: ``device`` or ``pc`` when every member is of that kind, else ``mixed``.
    kinds: Literal["device", "pc", "mixed"] = "device"


@dataclass
class MembershipChange:
    """A member added to or retired from a site during the period (``since``/``until``)."""

    kind: str
    member: str
    name: str
    change: Literal["added", "retired"]
    at: float


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
    #: The availability the site aims at (``target`` in ``sites.toml``).
    target: float = DEFAULT_TARGET
    previous_open_seconds: float = 0.0
    changes: list[MembershipChange] = field(default_factory=list)
    #: The site's open time over the period (for the timeline chart).
    opened: list[Interval] = field(default_factory=list)
    #: How people name its administrative sites, by function (``site_caf`` → « la CAF »).
    administrative: dict[str, str] = field(default_factory=dict)
    #: Pages printed, sessions opened, consumables replaced and running out (``report/maintenance.py``).
    maintenance: Maintenance | None = None

    def service(self, name: str) -> ServiceReport | None:
        """Return a service's report, if the site offers it."""
        return next((s for s in self.services if s.name == name), None)

    def cause_text(self, cause: str) -> str:
        """Return a cause as the coordinator reads it (« site de la CAF injoignable »)."""
        return cause_text(cause, self._site_name)

    def _site_name(self, function: str) -> str:
        name = function.removeprefix(SITE_FUNCTION_PREFIX)
        return self.administrative.get(function) or ADMINISTRATIVE_SITES.get(name, name)


@dataclass
class Report:
    """The whole report."""

    first_day: dt.date
    last_day: dt.date
    generated: dt.datetime
    blip_seconds: float
    sites: list[SiteReport] = field(default_factory=list)
    previous_first_day: dt.date | None = None
    previous_last_day: dt.date | None = None


def period_of(site: Site, first_day: dt.date, last_day: dt.date) -> tuple[float, float]:
    """Return [first_day 00:00, last_day + 1 00:00) in the site's time zone, as epoch seconds."""
    tz = site.tz
    start = dt.datetime.combine(first_day, dt.time(), tz)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), tz)
    return start.timestamp(), end.timestamp()


def previous_period(first_day: dt.date, last_day: dt.date) -> tuple[dt.date, dt.date]:
    """Return the period of the same length just before [first_day, last_day].

    Whole calendar months give the same number of months before (November → October, a
    quarter → the quarter before); any other period gives the same number of days before.
    """
    months = french.whole_months(first_day, last_day)
    if months is not None:
        index = first_day.year * 12 + first_day.month - 1 - months
        return dt.date(index // 12, index % 12 + 1, 1), first_day - dt.timedelta(days=1)
    days = (last_day - first_day).days + 1
    return first_day - dt.timedelta(days=days), first_day - dt.timedelta(days=1)


def member_name(site: Site, kind: str, member: str) -> str:
    """Return a member as people say it, article included (« le copieur de l'accueil »).

    The name declared in ``sites.toml``; an undeclared one is named from its id
    (« l'appareil hp-accueil », « le poste accueil-pc1 »).
    """
    declared = site.member(kind, member)
    default = "le poste" if kind == "pc" else "l'appareil"
    return french.with_article(declared.name or member, default=default)


def membership_changes(site: Site, start: float, end: float) -> list[MembershipChange]:
    """Return the members whose declared ``since`` or ``until`` falls within [start, end), in time order."""
    out: list[MembershipChange] = []
    members = [("device", d) for d in site.declared_devices()] + [("pc", a) for a in site.declared_agents()]
    for kind, member in members:
        declared = site.member(kind, member)
        born, retired = declared.life(site.tz)
        name = member_name(site, kind, member)
        if declared.since is not None and start <= born < end:
            out.append(MembershipChange(kind, member, name, "added", born))
        if declared.until is not None and start <= retired < end:
            out.append(MembershipChange(kind, member, name, "retired", retired))
    return sorted(out, key=lambda c: (c.at, c.change, c.name))


@dataclass
class _Span:
    """What the engine needs for one site over one period."""

    start: float
    end: float
    opened: list[Interval]
    measure: Measure
    timelines: Timelines
    coverage: Coverage


def administrative_names(sites: SitesFile, site: Site) -> dict[str, str]:
    """Return how people name each administrative site a site's devices probe, by function."""
    functions = {f for d in site.devices.values() for f in d.functions if f.startswith(SITE_FUNCTION_PREFIX)}
    return {f: sites.administrative_site(f) for f in sorted(functions)}


def _site_spans(
    site: Site, periods: tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]
) -> list[Interval]:
    return [period_of(site, *days) for days in periods]


def _site_reports(
    source: History | str | Path,
    jobs: list[tuple[str, Site, dict[str, str]]],
    periods: tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]],
    blip_seconds: float,
) -> list[SiteReport]:
    """Return the availability part of each site's report, reading the history once for them all.

    ``source`` is the history, or its file (another process opens it for reading only).
    """
    spans = {site_id: _site_spans(site, periods) for site_id, site, _names in jobs}
    if isinstance(source, History):
        tracks = source.tracks(spans)
        coverage: Callable[[str, float, float], Coverage] = source.coverage
        db = None
    else:
        db = open_reader(source)
        tracks = read_tracks(db, spans)
        coverage = functools.partial(read_coverage, db)
    try:
        out = []
        for site_id, site, names in jobs:
            calendar = Calendar(site)
            now, before = (
                _span(calendar, start, end, tracks[site_id][index], coverage(site_id, start, end))
                for index, (start, end) in enumerate(spans[site_id])
            )
            out.append(_site_report(site_id, site, calendar, now, before, blip_seconds, names))
        return out
    finally:
        if db is not None:
            db.close()


#: Below this many member-days (members of every service × days of both periods), a report is
#: computed in one process: starting another costs more than it saves.
PARALLEL_FROM = 20_000
#: The part of the work this process leaves to the others, for collecting their reports and
#: computing every site's maintenance (measured: about a twentieth with two processes, now that a site with
#: no consumable computes no open-time clock).
HEAD_START = 0.05


def _availability(
    history: History,
    jobs: list[tuple[str, Site, dict[str, str]]],
    periods: tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]],
    blip_seconds: float,
    meanwhile: Callable[[], None],
) -> dict[str, SiteReport]:
    """Return the availability part of each site's report, the sites shared among processes if it pays.

    One share is computed here with the history's own connection, then ``meanwhile`` (what only
    this process can do), the other shares each in a process forked for it, which opens the
    history file for reading only; their reports come back pickled.
    """
    count = _processes(history, jobs, periods)
    if count == 1:
        reports = _site_reports(history, jobs, periods, blip_seconds)
        meanwhile()
        return {job[0]: report for job, report in zip(jobs, reports, strict=True)}
    shares = _shares(jobs, count)
    out: dict[str, SiteReport] = {}
    with ProcessPoolExecutor(max_workers=count - 1, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = [
            pool.submit(_site_reports, history.path, share, periods, blip_seconds) for share in shares[1:]
        ]
        own = _site_reports(history, shares[0], periods, blip_seconds)
        meanwhile()
        for share, reports in [(shares[0], own)] + [
            (share, future.result()) for share, future in zip(shares[1:], futures, strict=True)
        ]:
            out.update((job[0], report) for job, report in zip(share, reports, strict=True))
    return out


def _size(site: Site) -> int:
    return sum(len(service.members) for service in site.services.values())


def _processes(
    history: History,
    jobs: list[tuple[str, Site, dict[str, str]]],
    periods: tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]],
) -> int:
    """Return how many processes to compute the report in: one for small reports, else one per core."""
    days = sum((last - first).days + 1 for first, last in periods)
    if (
        len(jobs) < 2
        or str(history.path) == ":memory:"
        or "fork" not in multiprocessing.get_all_start_methods()
        or sum(_size(site) for _, site, _ in jobs) * days < PARALLEL_FROM
    ):
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, len(jobs)))


def _shares(
    jobs: list[tuple[str, Site, dict[str, str]]], count: int
) -> list[list[tuple[str, Site, dict[str, str]]]]:
    """Deal the sites into ``count`` shares of about the same number of members, biggest first.

    The first share, computed by this process, is smaller by about :data:`HEAD_START` of the
    whole: this process also collects the others' reports and computes every site's maintenance.
    """
    shares: list[list[tuple[str, Site, dict[str, str]]]] = [[] for _ in range(count)]
    sizes = [0.0] * count
    sizes[0] = HEAD_START * sum(_size(job[1]) for job in jobs)
    for job in sorted(jobs, key=lambda job: -_size(job[1])):
        smallest = sizes.index(min(sizes))
        shares[smallest].append(job)
        sizes[smallest] += _size(job[1])
    return [share for share in shares if share]


def _span(calendar: Calendar, start: float, end: float, timelines: Timelines, coverage: Coverage) -> _Span:
    opened = calendar.open_intervals(start, end)
    return _Span(start, end, opened, Measure(opened), timelines, coverage)


def _site_report(
    site_id: str,
    site: Site,
    calendar: Calendar,
    now: _Span,
    before: _Span,
    blip_seconds: float,
    administrative: dict[str, str] | None = None,
) -> SiteReport:
    report = SiteReport(
        site_id, site.name, site.timezone, now.start, now.end, sum(e - s for s, e in now.opened),
        target=site.target, previous_open_seconds=sum(e - s for s, e in before.opened),
        changes=membership_changes(site, now.start, now.end), opened=now.opened,
        administrative=dict(administrative or {}),
    )  # fmt: skip
    pending: list[tuple[ServiceReport, str, str, Track, Track]] = []
    for name in REPORT_SERVICES:
        service = site.services.get(name)  # type: ignore[call-overload]
        if service is None:
            continue
        own_tracks, old_tracks = (
            [member_track(site, name, kind, member, span.timelines, span.coverage, span.start, span.end)
             for kind, member in service.members]
            for span in (now, before)
        )  # fmt: skip

        def figures(span: _Span, tracks: list[Track], service_name: str = name) -> Figures:
            return service_figures(
                site, service_name, span.timelines, span.start, span.end, coverage=span.coverage,
                calendar=calendar, opened=span.measure, blip_seconds=blip_seconds, tracks=tracks,
            )  # fmt: skip

        kinds = {kind for kind, _member in service.members}
        service_report = ServiceReport(
            name, service.label or SERVICE_LABELS[name], service.min_usable, 0, figures(now, own_tracks),
            previous=figures(before, old_tracks), kinds=kinds.pop() if len(kinds) == 1 else "mixed",
        )  # fmt: skip
        at_end = listed = 0
        for (kind, member), own, old in zip(service.members, own_tracks, old_tracks, strict=True):
            if not exists(own):
                continue  # not a member during this period
            at_end += int(own.labels[-1]) != LABELS.absent
            listed += 1
            pending.append((service_report, kind, member, own, old))
        service_report.member_count = at_end or listed
        report.services.append(service_report)
    # Every member's own figures, all at once for each period.
    owns = member_figures_many([p[3] for p in pending], now.start, now.end, opened=now.measure,
                               blip_seconds=blip_seconds)  # fmt: skip
    earlier = [index for index, p in enumerate(pending) if exists(p[4])]
    olds: list[Figures | None] = [None] * len(pending)
    for index, computed in zip(
        earlier,
        member_figures_many([pending[i][4] for i in earlier], before.start, before.end, opened=before.measure,
                            blip_seconds=blip_seconds),
        strict=True,
    ):  # fmt: skip
        olds[index] = computed
    for (service_report, kind, member, _own, _old), own_figures, old_figures in zip(
        pending, owns, olds, strict=True
    ):
        declared = site.member(kind, member)
        born, retired = declared.life(site.tz)
        service_report.members.append(
            MemberReport(
                kind, member, member_name(site, kind, member), own_figures, old_figures,
                added=born if declared.since is not None and now.start <= born < now.end else None,
                retired=retired if declared.until is not None and now.start <= retired < now.end else None,
            )
        )  # fmt: skip
    return report


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
    """Compute the report for the inclusive days [first_day, last_day] and the period before it."""
    moment = generated or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    previous = previous_period(first_day, last_day)
    report = Report(first_day, last_day, moment, blip_seconds, previous_first_day=previous[0],
                    previous_last_day=previous[1])  # fmt: skip
    jobs = [
        (site_id, site, administrative_names(sites, site))
        for site_id, site in sites.sites.items()
        if only_site is None or site_id == only_site
    ]
    upkeep: dict[str, Maintenance] = {}

    def every_maintenance() -> None:
        for site_id, site, _names in jobs:
            spans = (period_of(site, first_day, last_day), period_of(site, *previous))
            upkeep[site_id] = maintenance(history, site_id, site, spans, as_of=moment.timestamp())

    computed = _availability(
        history, jobs, ((first_day, last_day), previous), blip_seconds, every_maintenance
    )
    for site_id, _site, _names in jobs:
        if progress:
            progress(site_id)
        site_report = computed[site_id]
        site_report.maintenance = upkeep[site_id]
        report.sites.append(site_report)
    return report
