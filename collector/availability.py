"""Availability during opening hours: pure computation over intervals (no clock, no I/O).

The rules (DESIGN.md §5), so that every number can be recomputed by hand:

* a member (device or PC) is *usable* when ``ok`` or ``degraded``; ``down`` is not usable;
  ``unknown`` is neither. A member counts from its first recorded state (before it, it did
  not exist); before any member of a service exists, the service is unknown;
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
* MTTR = total outage open time ÷ number of outages.
"""

from __future__ import annotations

import operator
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from collector.sites import Interval, Measure, intersect, merge, subtract, total

MemberState = Literal["ok", "degraded", "down", "unknown"]
Usability = Literal["up", "down", "unknown"]

#: Reason codes → causes the coordinator reads (French labels in ``CAUSE_LABELS``).
REASON_CAUSES: dict[str, str] = {
    "toner_empty": "toner", "toner_low": "toner", "supply_missing": "toner",
    "no_paper": "paper", "tray_empty": "paper", "paper_low": "paper",
    "jam": "jam", "adf_jam": "jam",
    "unreachable": "unreachable",
    "door_open": "door",
    "waste_full": "waste", "waste_almost_full": "waste",
    "lockdown_broken": "lockdown",
    "pc_off": "pc_off",
    "device_error": "error", "offline": "error", "scanner_down": "error", "output_full": "error",
    "service_requested": "error", "scanner_unit_down": "error",
}  # fmt: skip
CAUSE_LABELS: dict[str, str] = {
    "toner": "toner ou encre vide",
    "paper": "plus de papier",
    "jam": "bourrage papier",
    "unreachable": "appareil injoignable",
    "door": "capot ouvert",
    "waste": "bac de toner usagé plein",
    "lockdown": "verrouillage rompu",
    "pc_off": "poste éteint ou hors ligne",
    "error": "panne signalée par l'appareil",
    "unknown": "cause non précisée",
}


@dataclass(frozen=True, slots=True)
class Transition:
    """A member entering a state at ``ts`` (epoch seconds), with its reason codes."""

    ts: float
    state: MemberState
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Segment:
    """A span of constant usability, with the causes when down."""

    start: float
    end: float
    state: Usability
    causes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Outage:
    """One interruption: when it began and ended (wall clock), and how much open time it took."""

    start: float
    end: float
    open_seconds: float
    causes: tuple[str, ...]
    ongoing: bool = False


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


def usability(state: MemberState) -> Usability:
    """Map a member state to up/down/unknown."""
    if state in ("ok", "degraded"):
        return "up"
    return "down" if state == "down" else "unknown"


def service_state(states: Iterable[MemberState], min_usable: int) -> Usability:
    """Return a service's state from its present members' states (the k-of-n rule)."""
    usable = unknown = present = 0
    for state in states:
        present += 1
        kind = usability(state)
        usable += kind == "up"
        unknown += kind == "unknown"
    if present == 0:
        return "unknown"
    if usable >= min_usable:
        return "up"
    return "down" if usable + unknown < min_usable else "unknown"


def causes_of(reasons: Iterable[str]) -> tuple[str, ...]:
    """Return the distinct causes of reason codes, in order of appearance."""
    out: list[str] = []
    for reason in reasons:
        cause = REASON_CAUSES.get(reason)
        if cause and cause not in out:
            out.append(cause)
    return tuple(out)


def down_causes(current: Iterable[Transition]) -> tuple[str, ...]:
    """Return the causes of the members that are down, in order."""
    out: list[str] = []
    for item in current:
        if usability(item.state) == "down":
            out.extend(c for c in (causes_of(item.reasons) or ("unknown",)) if c not in out)
    return tuple(out)


def _state_at(timeline: Sequence[Transition], index: int) -> Transition | None:
    return timeline[index] if index >= 0 else None


def member_segments(timeline: Sequence[Transition], start: float, end: float) -> list[Segment]:
    """Return one member's segments within [start, end), from its first transition on."""
    segments = []
    for i, item in enumerate(timeline):
        seg_start = max(item.ts, start)
        seg_end = min(timeline[i + 1].ts if i + 1 < len(timeline) else end, end)
        if seg_end > seg_start:
            usable = usability(item.state)
            causes = (causes_of(item.reasons) or ("unknown",)) if usable == "down" else ()
            segments.append(Segment(seg_start, seg_end, usable, causes))
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
    counts = {"up": 0, "down": 0, "unknown": 0}
    segments: list[Segment] = []

    def apply(index: int, item: Transition) -> None:
        previous = current[index]
        if previous is not None:
            counts[usability(previous.state)] -= 1
        current[index] = item
        kind = usability(item.state)
        counts[kind] += 1
        if kind == "down":
            down.pop(index, None)
            down[index] = None
        else:
            down.pop(index, None)

    def state_now() -> tuple[Usability, tuple[str, ...]]:
        present = counts["up"] + counts["down"] + counts["unknown"]
        if present == 0:
            return "unknown", ()
        if counts["up"] >= min_usable:
            return "up", ()
        if counts["up"] + counts["unknown"] < min_usable:
            return "down", down_causes(c for i in down if (c := current[i]) is not None)
        return "unknown", ()

    def emit(seg_start: float, seg_end: float) -> None:
        if seg_end <= seg_start:
            return
        state, causes = state_now()
        if (
            segments
            and segments[-1].state == state
            and segments[-1].causes == causes
            and segments[-1].end == seg_start
        ):
            segments[-1] = Segment(segments[-1].start, seg_end, state, causes)
        else:
            segments.append(Segment(seg_start, seg_end, state, causes))

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
    # Segments are sorted and contiguous: they cover one span (a device's life, or the period).
    open_time = open_intervals if isinstance(open_intervals, Measure) else Measure(merge(open_intervals))
    span = (max(segments[0].start, start), min(segments[-1].end, end)) if segments else (start, start)
    windows = merge(maintenance or [])
    if windows:
        opened = open_time.clip(*span)
        in_maintenance = intersect(opened, windows)
        counted_time = Measure(subtract(opened, windows))
    else:
        in_maintenance, counted_time = [], open_time  # segments lie inside the span already
    figures = Figures(
        start, end, open_seconds=open_time.between(*span), maintenance_seconds=total(in_maintenance)
    )
    current: dict[str, float | tuple[str, ...]] | None = None
    outages: list[Outage] = []
    cause_seconds: dict[tuple[int, str], float] = defaultdict(float)

    def close(at: float, *, ongoing: bool = False) -> None:
        nonlocal current
        if current is not None and float(current["open"]) > 0:  # type: ignore[arg-type]
            outages.append(
                Outage(float(current["start"]), at, float(current["open"]), current["causes"], ongoing)  # type: ignore[arg-type]
            )
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
                current = {"start": seg.start, "open": 0.0, "causes": seg.causes}
            current["open"] = float(current["open"]) + counted_here  # type: ignore[arg-type]
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
