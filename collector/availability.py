"""Availability during opening hours: pure computation over intervals (no clock, no I/O).

The rules (docs/design.md §5), so that every number can be recomputed by hand:

* a member (device or PC) is *usable* when ``ok`` or ``degraded``; ``down`` is not usable;
  ``unknown`` is neither. A member exists between its start and its retirement (``since`` and
  ``until`` in ``sites.toml``, unbounded when not given; for a bare timeline with no declared
  life, its first recorded state); outside its life it is ``absent``:
  neither usable, nor down, nor unknown, and left out of the k-of-n rule. While no member of a
  service exists, the service is unknown;
* a member's state counts only where an observation covers the time (the history's coverage
  runs): elsewhere it is ``unknown`` — « non mesuré » means nobody observed it
  (:func:`observed_timeline`). A device is judged by the function its service needs;
* a service needing *k* members is **up** while at least *k* are usable, **down** while fewer
  than *k* would be usable even if every unknown member were usable, **unknown** otherwise;
* only open time counts; planned maintenance of the service is open time reported apart and
  left out of the ratio: availability = up ÷ (open − unknown − maintenance), ``None`` (« sans
  objet ») when that is zero;
* an outage is a maximal run of down time measured in open time only: closed, unknown or
  maintenance time inside it neither ends it nor counts in it; the service being up again ends
  it, even while the site is closed;
* an outage shorter (in open time) than the blip threshold is ignored: its time counts as up
  and it is counted apart (``blips``), so one missed poll is never an interruption;
* MTTR = total outage open time ÷ number of outages;
* **attribution**: a member may *need* other members' functions (a public PC the site's
  ``internet``, a kiosk its administrative sites: :func:`with_needs`). While a requirement is
  known to be down the member is down too, whatever its own state, and its causes are the
  requirement's (« accès internet », « site de la CAF injoignable »); a requirement that is
  unknown or absent changes nothing. A requirement lists alternatives: it is up while one of
  them is usable, down while every one that exists is down;
* a cause is *external* when the structure cannot act on it (``external`` in
  ``agent.contract.reasons.CAUSES``; ``site:<name>`` is an administrative site). Down time is
  external when the service would still be down had every internal problem been solved: at
  least one member is down for an external cause, and the members down for internal causes,
  counted usable, would still be too few. External seconds are counted apart in each outage
  (``Outage.external_seconds``, ``Figures.external_seconds``) and the outage's first causes are
  then the external ones; they are part of the down time, never taken out of the ratio.
"""

from __future__ import annotations

import operator
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from agent.contract.reasons import CAUSES, causes_of, describe
from collector.intervals import Interval, Measure, intersect, merge, subtract, total

MemberState = Literal["ok", "degraded", "down", "unknown", "absent"]
Usability = Literal["up", "down", "unknown", "absent"]
INF = float("inf")


@dataclass(frozen=True, slots=True)
class Transition:
    """A member entering a state at ``ts`` (epoch seconds), with its reason codes."""

    ts: float
    state: MemberState
    reasons: tuple[str, ...] = ()
    #: Causes that override the reasons' own (a member down because of what it needs).
    causes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Segment:
    """A span of constant usability, with the causes when down."""

    start: float
    end: float
    state: Usability
    causes: tuple[str, ...] = ()
    #: Down only because of causes outside the structure's reach (see the module docstring).
    external: bool = False


@dataclass(frozen=True, slots=True)
class Outage:
    """One interruption: when it began and ended (wall clock), and how much open time it took."""

    start: float
    end: float
    open_seconds: float
    causes: tuple[str, ...]
    ongoing: bool = False
    #: The part of ``open_seconds`` down for external causes only.
    external_seconds: float = 0.0


@dataclass
class Figures:
    """Availability of one service or device over one period."""

    start: float
    end: float
    open_seconds: float = 0.0
    up_seconds: float = 0.0
    down_seconds: float = 0.0
    unknown_seconds: float = 0.0
    maintenance_seconds: float = 0.0
    outages: list[Outage] = field(default_factory=list)
    blips: int = 0
    blip_seconds: float = 0.0
    causes: list[tuple[str, float, int]] = field(default_factory=list)  # (cause, open seconds, outages)

    @property
    def measured_seconds(self) -> float:
        """Open time that counts: open − unknown − maintenance."""
        return self.open_seconds - self.unknown_seconds - self.maintenance_seconds

    @property
    def availability(self) -> float | None:
        """Return up ÷ measured time, or ``None`` (« sans objet ») when nothing was measured."""
        measured = self.measured_seconds
        return self.up_seconds / measured if measured > 1e-9 else None

    @property
    def unknown_ratio(self) -> float | None:
        """Return the share of open time that was not measured."""
        return self.unknown_seconds / self.open_seconds if self.open_seconds > 1e-9 else None

    @property
    def outage_seconds(self) -> float:
        """Return the open time lost to outages."""
        return sum(o.open_seconds for o in self.outages)

    @property
    def longest_outage(self) -> float:
        """Return the longest outage's open time (0 without outages)."""
        return max((o.open_seconds for o in self.outages), default=0.0)

    @property
    def mttr(self) -> float | None:
        """Return the mean time to repair, in open seconds."""
        return self.outage_seconds / len(self.outages) if self.outages else None

    @property
    def external_seconds(self) -> float:
        """Return the open time lost to outages for external causes (« dont indisponibilités extérieures »)."""
        return sum(o.external_seconds for o in self.outages)

    @property
    def internal_seconds(self) -> float:
        """Return the open time lost to outages the structure could act on."""
        return self.outage_seconds - self.external_seconds

    @property
    def availability_without_external(self) -> float | None:
        """Return the availability had the external outages not happened: (up + external) ÷ measured."""
        measured = self.measured_seconds
        return (self.up_seconds + self.external_seconds) / measured if measured > 1e-9 else None

    @property
    def external_causes(self) -> list[tuple[str, float, int]]:
        """Return the external causes among :attr:`causes` (cause, open seconds, outages)."""
        return [item for item in self.causes if is_external(item[0])]


def is_external(cause: str) -> bool:
    """Return whether a cause is outside the structure's reach (``internet``, ``site``, ``site:caf``)."""
    family = CAUSES.get(cause.split(":", 1)[0])
    return family is not None and family.external


def transition_causes(item: Transition) -> tuple[str, ...]:
    """Return the causes of a down transition: its own, else its reasons', else ``unknown``."""
    return item.causes or causes_of(item.reasons) or ("unknown",)


def is_external_down(item: Transition) -> bool:
    """Return whether a transition is down for an external cause (fixing the rest would not help)."""
    if usability(item.state) != "down":
        return False
    if item.causes:
        return any(is_external(c) for c in item.causes)
    return any(
        is_external(describe(code).cause) for code in item.reasons if describe(code).severity == "down"
    )


def external_first(causes: Iterable[str]) -> tuple[str, ...]:
    """Return causes with the external ones first (each group in its order)."""
    listed = list(causes)
    return tuple([c for c in listed if is_external(c)] + [c for c in listed if not is_external(c)])


def usability(state: MemberState) -> Usability:
    """Map a member state to up/down/unknown (``absent``: the member does not exist then)."""
    if state in ("ok", "degraded"):
        return "up"
    if state == "absent":
        return "absent"
    return "down" if state == "down" else "unknown"


def observed_timeline(
    timeline: Sequence[Transition],
    runs: Sequence[Interval] | None,
    *,
    life: Interval | None = None,
    start: float,
    end: float,
) -> list[Transition]:
    """Return a member's effective timeline over [start, end): transitions, coverage and life combined.

    Args:
        timeline: the member's transitions, the one in force at ``start`` first.
        runs: the time observations covered (sorted, merged); ``None`` when the history holds no
            coverage for this member (seeded or imported data): then the transitions stand alone.
        life: when the member existed; by default from its first transition on, for ever.
        start: period start.
        end: period end.

    Returns:
        Transitions where, at every instant, the state is ``absent`` outside the life,
        ``unknown`` inside it but outside every run, else the recorded state in force (``unknown``
        before the first one).
    """
    if life is None:
        life = (timeline[0].ts if timeline else INF, INF)
    born, retired = life
    points = {start}
    points.update(t.ts for t in timeline if start < t.ts < end)
    if runs is not None:
        for run_start, run_end in runs:
            points.update(p for p in (run_start, run_end) if start < p < end)
    points.update(p for p in (born, retired) if start < p < end)
    times = [t.ts for t in timeline]
    run_list = list(runs) if runs is not None else None
    out: list[Transition] = []
    for moment in sorted(points):
        if not born <= moment < retired:
            state: MemberState = "absent"
            reasons: tuple[str, ...] = ()
        elif run_list is not None and not _covered(run_list, moment):
            state, reasons = "unknown", ()
        else:
            index = _bisect_right(times, moment) - 1
            if index < 0:
                state, reasons = "unknown", ()
            else:
                state, reasons = timeline[index].state, timeline[index].reasons
        if not out or (out[-1].state, out[-1].reasons) != (state, reasons):
            out.append(Transition(moment, state, reasons))
    return out


def _bisect_right(values: Sequence[float], moment: float) -> int:
    import bisect  # noqa: PLC0415 - tiny

    return bisect.bisect_right(values, moment)


def _covered(runs: Sequence[Interval], moment: float) -> bool:
    index = _bisect_right([r[0] for r in runs], moment) - 1
    return index >= 0 and runs[index][0] <= moment < runs[index][1]


def service_state(states: Iterable[MemberState], min_usable: int) -> Usability:
    """Return a service's state from its present members' states (the k-of-n rule)."""
    usable = unknown = present = 0
    for state in states:
        kind = usability(state)
        if kind == "absent":
            continue
        present += 1
        usable += kind == "up"
        unknown += kind == "unknown"
    if present == 0:
        return "unknown"
    if usable >= min_usable:
        return "up"
    return "down" if usable + unknown < min_usable else "unknown"


def down_causes(current: Iterable[Transition]) -> tuple[str, ...]:
    """Return the causes of the members that are down, in order."""
    out: list[str] = []
    for item in current:
        if usability(item.state) == "down":
            out.extend(c for c in transition_causes(item) if c not in out)
    return tuple(out)


Requirement = Sequence[Sequence[Transition]]


def _state_of(timeline: Sequence[Transition], times: Sequence[float], moment: float) -> Transition | None:
    index = _bisect_right(times, moment) - 1
    return timeline[index] if index >= 0 else None


def requirement_state(alternatives: Iterable[Transition | None]) -> tuple[Usability, tuple[Transition, ...]]:
    """Return a requirement's state from its alternatives' (up while one is usable) and the down ones."""
    present = [a for a in alternatives if a is not None and a.state != "absent"]
    if not present:
        return "absent", ()
    kinds = [usability(a.state) for a in present]
    if "up" in kinds:
        return "up", ()
    if all(kind == "down" for kind in kinds):
        return "down", tuple(present)
    return "unknown", ()


def needs_state(
    own: Transition, requirements: Sequence[Sequence[Transition | None]]
) -> tuple[MemberState, tuple[str, ...], tuple[str, ...]]:
    """Return a member's (state, reasons, causes) at one instant, given what it needs then.

    Args:
        own: the member's own transition in force.
        requirements: for each requirement, the transitions in force of its alternatives
            (``None`` where an alternative has none yet).
    """
    if own.state == "absent":
        return "absent", (), ()
    for alternatives in requirements:
        state, down = requirement_state(alternatives)
        if state == "down":
            reasons = tuple(dict.fromkeys(r for item in down for r in item.reasons))
            causes = tuple(dict.fromkeys(c for item in down for c in transition_causes(item)))
            return "down", reasons, causes
    return own.state, own.reasons, own.causes


def with_needs(own: Sequence[Transition], requirements: Sequence[Requirement]) -> list[Transition]:
    """Return a member's timeline once what it needs is applied (:func:`needs_state` at every change).

    Args:
        own: the member's effective timeline (:func:`observed_timeline`).
        requirements: for each requirement, the effective timelines of its alternatives (e.g.
            ``[[internet]]`` for the link, ``[[site_caf, site_ameli]]`` for a kiosk's sites).
    """
    if not requirements or not own:
        return list(own)
    own_times = [t.ts for t in own]
    lists = [[(list(alt), [t.ts for t in alt]) for alt in requirement] for requirement in requirements]
    points = sorted(
        {t.ts for t in own} | {t.ts for req in lists for alt, _ in req for t in alt if t.ts >= own[0].ts}
    )
    out: list[Transition] = []
    for moment in points:
        current = _state_of(own, own_times, moment)
        if current is None:
            continue
        state = needs_state(current, [[_state_of(alt, times, moment) for alt, times in req] for req in lists])
        if not out or (out[-1].state, out[-1].reasons, out[-1].causes) != state:
            out.append(Transition(moment, *state))
    return out


def _state_at(timeline: Sequence[Transition], index: int) -> Transition | None:
    return timeline[index] if index >= 0 else None


def member_segments(timeline: Sequence[Transition], start: float, end: float) -> list[Segment]:
    """Return one member's segments within [start, end), from its first transition on (absent time left out)."""
    segments = []
    for i, item in enumerate(timeline):
        seg_start = max(item.ts, start)
        seg_end = min(timeline[i + 1].ts if i + 1 < len(timeline) else end, end)
        if seg_end > seg_start and item.state != "absent":
            usable = usability(item.state)
            causes = transition_causes(item) if usable == "down" else ()
            external = is_external_down(item)
            segments.append(Segment(seg_start, seg_end, usable, external_first(causes) if external else causes,
                                    external))  # fmt: skip
    return segments


def service_segments(
    members: Mapping[str, Sequence[Transition]], min_usable: int, start: float, end: float
) -> list[Segment]:
    """Combine member timelines into the service's segments within [start, end).

    One pass over the members' transitions in time order, keeping running counts of usable,
    unknown and present members, so a year of a service costs O(transitions · log).
    """
    # Built member by member, each in time order: a stable sort on the time keeps ties in member order.
    events = [
        (item.ts, index, item)
        for index, timeline in enumerate(members.values())
        for item in timeline
        if item.ts < end
    ]
    events.sort(key=operator.itemgetter(0))
    current: list[Transition | None] = [None] * len(members)
    down: dict[int, None] = {}  # members down now, in the order they went down
    counts = {"up": 0, "down": 0, "unknown": 0, "absent": 0, "external": 0}
    segments: list[Segment] = []

    def apply(index: int, item: Transition) -> None:
        previous = current[index]
        if previous is not None:
            counts[usability(previous.state)] -= 1
            counts["external"] -= is_external_down(previous)
        current[index] = item
        kind = usability(item.state)
        counts[kind] += 1
        counts["external"] += is_external_down(item)
        if kind == "down":
            down.pop(index, None)
            down[index] = None
        else:
            down.pop(index, None)

    def state_now() -> tuple[Usability, tuple[str, ...], bool]:
        present = counts["up"] + counts["down"] + counts["unknown"]
        if present == 0:
            return "unknown", (), False
        if counts["up"] >= min_usable:
            return "up", (), False
        if counts["up"] + counts["unknown"] < min_usable:
            causes = down_causes(c for i in down if (c := current[i]) is not None)
            # Every internal problem solved: the members down for internal causes become usable.
            fixed = counts["up"] + counts["down"] - counts["external"] + counts["unknown"]
            if counts["external"] and fixed < min_usable:
                return "down", external_first(causes), True
            return "down", tuple(sorted(causes, key=is_external)), False
        return "unknown", (), False

    def emit(seg_start: float, seg_end: float) -> None:
        if seg_end <= seg_start:
            return
        state, causes, external = state_now()
        if (
            segments
            and segments[-1].state == state
            and segments[-1].causes == causes
            and segments[-1].external == external
            and segments[-1].end == seg_start
        ):
            segments[-1] = Segment(segments[-1].start, seg_end, state, causes, external)
        else:
            segments.append(Segment(seg_start, seg_end, state, causes, external))

    position = 0
    while position < len(events) and events[position][0] <= start:
        _ts, index, item = events[position]
        apply(index, item)
        position += 1
    cursor = start
    while position < len(events):
        moment = events[position][0]
        emit(cursor, moment)
        while position < len(events) and events[position][0] == moment:
            _ts, index, item = events[position]
            apply(index, item)
            position += 1
        cursor = moment
    emit(cursor, end)
    return segments


def compute(
    segments: Sequence[Segment],
    open_intervals: list[Interval] | Measure,
    *,
    start: float,
    end: float,
    maintenance: list[Interval] | None = None,
    blip_seconds: float = 0.0,
) -> Figures:
    """Return the figures of a segment list over [start, end).

    Args:
        segments: the service's (or device's) segments, sorted; time not covered by any
            segment (before a device existed) is not counted at all.
        open_intervals: the site's open time (sorted, merged), or its :class:`Measure` (faster
            when many members of one site are computed).
        start: period start (epoch seconds).
        end: period end.
        maintenance: planned maintenance windows (sorted, merged).
        blip_seconds: outages shorter than this, in open time, are ignored.
    """
    # Segments are sorted; they cover the period (a service) or a member's life (one span, or a
    # few when the member was absent in between).
    open_time = open_intervals if isinstance(open_intervals, Measure) else Measure(merge(open_intervals))
    spans = merge((max(s.start, start), min(s.end, end)) for s in segments)
    windows = merge(maintenance or [])
    if windows:
        opened = [piece for span in spans for piece in open_time.clip(*span)]
        in_maintenance = intersect(opened, windows)
        counted_time = Measure(subtract(opened, windows))
    else:
        in_maintenance, counted_time = [], open_time  # segments lie inside the spans already
    figures = Figures(
        start, end, open_seconds=sum(open_time.between(*span) for span in spans),
        maintenance_seconds=total(in_maintenance),
    )  # fmt: skip
    current: dict[str, float | tuple[str, ...]] | None = None
    outages: list[Outage] = []
    cause_seconds: dict[tuple[int, str], float] = defaultdict(float)

    def close(at: float, *, ongoing: bool = False) -> None:
        nonlocal current
        if current is not None and float(current["open"]) > 0:  # type: ignore[arg-type]
            outages.append(
                Outage(float(current["start"]), at, float(current["open"]), current["causes"],  # type: ignore[arg-type]
                       ongoing, float(current["external"]))  # type: ignore[arg-type]
            )  # fmt: skip
        current = None

    measured = counted_time.between_many([s.start for s in segments], [s.end for s in segments])
    for seg, counted_here in zip(segments, measured, strict=True):
        if seg.state == "up":
            figures.up_seconds += counted_here
            close(seg.start)
        elif seg.state == "unknown":
            figures.unknown_seconds += counted_here
        else:
            figures.down_seconds += counted_here
            if current is None:
                current = {"start": seg.start, "open": 0.0, "causes": seg.causes, "external": 0.0}
            current["open"] = float(current["open"]) + counted_here  # type: ignore[arg-type]
            if seg.external:
                current["external"] = float(current["external"]) + counted_here  # type: ignore[arg-type]
            merged_causes = tuple(dict.fromkeys((*current["causes"], *seg.causes)))  # type: ignore[misc]
            current["causes"] = merged_causes
            if counted_here:
                cause_seconds[(len(outages), seg.causes[0] if seg.causes else "unknown")] += counted_here
    close(end, ongoing=current is not None and bool(segments) and segments[-1].state == "down")

    kept: list[Outage] = []
    counts: Counter[str] = Counter()
    seconds: dict[str, float] = defaultdict(float)
    for number, outage in enumerate(outages):
        if outage.open_seconds < blip_seconds:
            figures.blips += 1
            figures.blip_seconds += outage.open_seconds
            figures.down_seconds -= outage.open_seconds
            figures.up_seconds += outage.open_seconds
            continue
        kept.append(outage)
        for cause in outage.causes:
            counts[cause] += 1
        for (index, cause), value in cause_seconds.items():
            if index == number:
                seconds[cause] += value
    figures.outages = kept
    figures.causes = sorted(
        ((cause, seconds.get(cause, 0.0), counts[cause]) for cause in counts),
        key=lambda item: (-item[1], -item[2], item[0]),
    )
    return figures
