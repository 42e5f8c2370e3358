"""Service and member figures over a period: the one composition the status page and the report share.

history timelines + coverage runs + the site's calendar and members' lives + the service's rule
→ :class:`~collector.availability.Figures`. A device is judged by the function its service needs
(its ``function`` timeline; histories written before per-function states fall back on the device
as a whole).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from collector.availability import (
    Figures,
    Transition,
    compute,
    member_segments,
    observed_timeline,
    service_segments,
)
from collector.intervals import Interval, Measure
from collector.sites import Calendar, Site

Timelines = Mapping[tuple[str, str, str], Sequence[Transition]]
Coverage = Mapping[tuple[str, str], Sequence[Interval]]


def member_timeline(
    site: Site,
    service: str,
    kind: str,
    member: str,
    timelines: Timelines,
    coverage: Coverage | None,
    start: float,
    end: float,
) -> list[Transition]:
    """Return one member's effective timeline for a service over [start, end).

    ``coverage`` is the history's observed runs of the site; a member absent from it (data
    seeded or imported without coverage) keeps its transitions as they are.
    """
    function = (site.function_of(service) or "") if kind == "device" else ""
    raw = timelines.get((kind, member, function))
    if raw is None and function:
        raw = timelines.get((kind, member, ""))
    raw = list(raw or [])
    # A member exists between its `since` and `until` (unbounded when not given): a declared
    # member that never reported is unknown — « non mesuré » — not absent, so a 2-of-2 service
    # whose second PC never spoke is unknown, not down. A member added mid-period says so
    # with `since`.
    born, retired = site.member(kind, member).life(site.tz)
    runs = coverage.get((kind, member), []) if coverage is not None and coverage else None
    if coverage is not None and coverage and (kind, member) not in coverage:
        runs = []  # coverage is recorded for this site, and nobody observed this member in the period
    return observed_timeline(raw, runs, life=(born, retired), start=start, end=end)


def service_figures(
    site: Site,
    name: str,
    timelines: Timelines,
    start: float,
    end: float,
    *,
    coverage: Coverage | None = None,
    calendar: Calendar | None = None,
    opened: list[Interval] | Measure | None = None,
    blip_seconds: float = 0.0,
) -> Figures:
    """Return a service's figures over [start, end) from its members' timelines.

    Args:
        site: the site.
        name: the service's name (``impression``...).
        timelines: ``{(kind, member, function): transitions}`` as ``History.timelines`` returns them.
        start: period start (epoch seconds).
        end: period end.
        coverage: ``{(kind, member): runs}`` as ``History.coverage`` returns them; ``None`` or
            empty when the history holds no coverage (seeded data): transitions stand alone.
        calendar: the site's calendar (built if not given).
        opened: the site's open time over the period, if already computed.
        blip_seconds: outages shorter than this (open time) are ignored.
    """
    calendar = calendar or Calendar(site)
    service = site.services[name]  # type: ignore[index]
    members = {
        f"{kind}:{member}": member_timeline(site, name, kind, member, timelines, coverage, start, end)
        for kind, member in service.members
    }
    return compute(
        service_segments(members, service.min_usable, start, end),
        opened if opened is not None else calendar.open_intervals(start, end),
        start=start,
        end=end,
        maintenance=calendar.maintenance(name),
        blip_seconds=blip_seconds,
    )


def member_figures(
    timeline: Sequence[Transition],
    start: float,
    end: float,
    *,
    opened: list[Interval] | Measure,
    blip_seconds: float = 0.0,
) -> Figures:
    """Return one member's own figures over [start, end) (its life only; maintenance ignored)."""
    return compute(
        member_segments(timeline, start, end), opened, start=start, end=end, blip_seconds=blip_seconds
    )
