"""Service and member figures over a period: the one composition the status page and the report share.

history timelines + coverage runs + the site's calendar and members' lives + the service's rule
→ :class:`~collector.availability.Figures`. A device is judged by the function its service needs
(its ``function`` timeline; histories written before per-function states fall back on the device
as a whole).

A member that *needs* functions of the site's link (``needs`` in ``sites.toml``) is judged with
them (:func:`collector.availability.with_needs`): the ``internet`` function of the devices that
offer it is one requirement each; the ``site_*`` functions it needs are one requirement whose
alternatives are every administrative site (a kiosk works while one of its sites answers). An
administrative site's outage is caused by ``site:<name>`` (« site de la CAF injoignable »), its
link's by ``internet`` (the agent blames the link first).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from agent.contract.reasons import cause_label
from collector.availability import (
    Figures,
    Requirement,
    Track,
    Transition,
    figures_of,
    figures_of_many,
    member_segment_columns,
    member_segment_columns_many,
    observed_track,
    relabel,
    service_segment_columns,
    timeline_of,
    track_of,
    transition_causes,
    with_needs,
)
from collector.intervals import Interval, Measure
from collector.sites import ADMINISTRATIVE_SITES, SITE_FUNCTION_PREFIX, Calendar, Site

#: Every member's timeline by (kind, member, function): lists of transitions or tracks (columns).
Timelines = Mapping[tuple[str, str, str], Sequence[Transition] | Track]
Coverage = Mapping[tuple[str, str], Sequence[Interval]]


#: The cause of an administrative site's own outage: ``site:<name>`` (``site:caf``).
SITE_CAUSE = "site"


def site_cause(function: str) -> str:
    """Return the cause key of an administrative site's function (``site_caf`` → ``site:caf``)."""
    return f"{SITE_CAUSE}:{function.removeprefix(SITE_FUNCTION_PREFIX)}"


def cause_text(cause: str, names: Callable[[str], str] | None = None) -> str:
    """Return a cause as the coordinator reads it: « accès internet », « site de la CAF injoignable ».

    Args:
        cause: a cause family (``internet``) or an administrative site's (``site:caf``).
        names: how people name an administrative site, by function (``SitesFile.administrative_site``).
    """
    family, _, name = cause.partition(":")
    if family != SITE_CAUSE or not name:
        return cause_label(cause)
    label = names(SITE_FUNCTION_PREFIX + name) if names else ADMINISTRATIVE_SITES.get(name, name)
    return f"site {_of(label)} injoignable"


def _of(label: str) -> str:
    """Return « de la CAF », « de l'ANTS », « d'impots.gouv.fr », « de France Travail »."""
    lower = label.lower()
    if lower.startswith(("le ", "la ", "les ", "l'")):
        from agent.contract import french  # noqa: PLC0415 - tiny

        return french.of(label)
    return f"d'{label}" if lower[:1] in "aeiouyéèêàh" else f"de {label}"


def _site_causes(track: Track, function: str) -> Track:
    """Name the administrative site in its own outages' causes (``site`` → ``site:caf``)."""

    def named(item: Transition) -> Transition:
        if item.state == "down" and not item.causes:
            causes = tuple(site_cause(function) if c == SITE_CAUSE else c for c in transition_causes(item))
            return Transition(item.ts, item.state, item.reasons, causes)
        return item

    return relabel(track, named)


def _track(raw: Sequence[Transition] | Track | None) -> Track:
    if isinstance(raw, Track):
        return raw
    return track_of(raw or [])


def _observed(
    site: Site,
    kind: str,
    member: str,
    raw: Track,
    coverage: Coverage | None,
    start: float,
    end: float,
) -> Track:
    # A member exists between its `since` and `until` (unbounded when not given): a declared
    # member that never reported is unknown — « non mesuré » — not absent, so a 2-of-2 service
    # whose second PC never spoke is unknown, not down. A member added mid-period says so
    # with `since`.
    born, retired = site.member(kind, member).life(site.tz)
    runs = coverage.get((kind, member), []) if coverage is not None and coverage else None
    if coverage is not None and coverage and (kind, member) not in coverage:
        runs = []  # coverage is recorded for this site, and nobody observed this member in the period
    return observed_track(raw, runs, life=(born, retired), start=start, end=end)


def function_track(
    site: Site,
    device: str,
    function: str,
    timelines: Timelines,
    coverage: Coverage | None,
    start: float,
    end: float,
) -> Track:
    """Return one device's effective track for ``function`` over [start, end) (nothing it needs applied)."""
    raw = timelines.get(("device", device, function))
    if raw is None and function:
        raw = timelines.get(("device", device, ""))
    track = _observed(site, "device", device, _track(raw), coverage, start, end)
    return _site_causes(track, function) if function.startswith(SITE_FUNCTION_PREFIX) else track


def function_timeline(
    site: Site,
    device: str,
    function: str,
    timelines: Timelines,
    coverage: Coverage | None,
    start: float,
    end: float,
) -> list[Transition]:
    """Return one device's effective timeline for ``function`` over [start, end) (nothing it needs applied)."""
    return timeline_of(function_track(site, device, function, timelines, coverage, start, end))


def requirements(
    site: Site,
    needs: Sequence[str],
    timelines: Timelines,
    coverage: Coverage | None,
    start: float,
    end: float,
) -> list[Requirement]:
    """Return what a member needs as requirements of alternative timelines (see the module docstring)."""
    out: list[Requirement] = []
    sites: list[list[Transition]] = []
    for function in needs:
        alternatives = [
            function_timeline(site, provider, function, timelines, coverage, start, end)
            for provider in site.providers(function)
        ]
        if function.startswith(SITE_FUNCTION_PREFIX):
            sites.extend(alternatives)
        elif alternatives:
            out.append(alternatives)
    if sites:
        out.append(sites)
    return out


def member_track(
    site: Site,
    service: str,
    kind: str,
    member: str,
    timelines: Timelines,
    coverage: Coverage | None,
    start: float,
    end: float,
) -> Track:
    """Return one member's effective track for a service over [start, end) (see :func:`member_timeline`)."""
    function = (site.function_of(service) or "") if kind == "device" else ""
    raw = timelines.get((kind, member, function))
    if raw is None and function:
        raw = timelines.get((kind, member, ""))
    own = _observed(site, kind, member, _track(raw), coverage, start, end)
    if function.startswith(SITE_FUNCTION_PREFIX):
        own = _site_causes(own, function)
    needs = site.needs_of(service, kind, member)
    if not needs:
        return own
    return track_of(with_needs(timeline_of(own), requirements(site, needs, timelines, coverage, start, end)))


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
    seeded or imported without coverage) keeps its transitions as they are. What the member
    needs (``needs`` of the service and of the member) is applied.
    """
    return timeline_of(member_track(site, service, kind, member, timelines, coverage, start, end))


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
    tracks: Sequence[Track] | None = None,
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
        tracks: the members' effective tracks (:func:`member_track`, in the service's member
            order), when already computed.
    """
    calendar = calendar or Calendar(site)
    service = site.services[name]  # type: ignore[index]
    members = (
        list(tracks)
        if tracks is not None
        else [
            member_track(site, name, kind, member, timelines, coverage, start, end)
            for kind, member in service.members
        ]
    )
    return figures_of(
        service_segment_columns(members, service.min_usable, start, end),
        opened if opened is not None else calendar.open_intervals(start, end),
        start=start,
        end=end,
        maintenance=calendar.maintenance(name),
        blip_seconds=blip_seconds,
    )


def member_figures(
    timeline: Sequence[Transition] | Track,
    start: float,
    end: float,
    *,
    opened: list[Interval] | Measure,
    blip_seconds: float = 0.0,
) -> Figures:
    """Return one member's own figures over [start, end) (its life only; maintenance ignored)."""
    return figures_of(
        member_segment_columns(_track(timeline), start, end), opened, start=start, end=end,
        blip_seconds=blip_seconds,
    )  # fmt: skip


def member_figures_many(
    tracks: Sequence[Track],
    start: float,
    end: float,
    *,
    opened: list[Interval] | Measure,
    blip_seconds: float = 0.0,
) -> list[Figures]:
    """Return several members' own figures over [start, end) at once (:func:`member_figures` of each)."""
    segments, owners = member_segment_columns_many(tracks, start, end)
    return figures_of_many(
        segments, owners, len(tracks), opened, start=start, end=end, blip_seconds=blip_seconds
    )
