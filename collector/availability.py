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

import bisect
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from agent.contract.reasons import CAUSES, causes_of, describe
from collector.intervals import Interval, Measure, intersect, merge, subtract, total

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

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
        timeline: the member's transitions in time order, the one in force at ``start`` first.
        runs: the time observations covered (sorted, merged); ``None`` when the history holds no
            coverage for this member (seeded or imported data): then the transitions stand alone.
        life: when the member existed; by default from its first transition on, for ever.
        start: period start.
        end: period end.

    Returns:
        Transitions where, at every instant, the state is ``absent`` outside the life,
        ``unknown`` inside it but outside every run, else the recorded state in force (``unknown``
        before the first one). Computed on columns by :func:`observed_track`.
    """
    return timeline_of(observed_track(track_of(timeline), runs, life=life, start=start, end=end))


def _bisect_right(values: Sequence[float], moment: float) -> int:
    return bisect.bisect_right(values, moment)


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
    return segment_list(member_segment_columns(track_of(timeline), start, end))


def service_segments(
    members: Mapping[str, Sequence[Transition]], min_usable: int, start: float, end: float
) -> list[Segment]:
    """Combine member timelines into the service's segments within [start, end).

    The k-of-n rule at every instant one of the members changes (:func:`service_segment_columns`).
    """
    tracks = [track_of(timeline) for timeline in members.values()]
    return segment_list(service_segment_columns(tracks, min_usable, start, end))


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
    return figures_of(segment_columns(segments), open_intervals, start=start, end=end,
                      maintenance=maintenance, blip_seconds=blip_seconds)  # fmt: skip


# --------------------------------------------------------------------------- the engine on columns
#
# A year of a site is hundreds of thousands of transitions: the engine works on columns (numpy)
# instead of one Python object per transition. A timeline is a :class:`Track` (times, labels); a
# label numbers one distinct (state, reasons, causes) once per process (:data:`LABELS`), with what
# the rules read of it (usability, causes, external or not) computed once. The functions above
# taking lists of transitions and segments are these, converted in and out; every sum is made in
# the order the rules state it (one after the other, as a running total), so the figures are the
# same to the last bit whichever form is used.

#: Usability codes in columns.
UP, DOWN, UNKNOWN, ABSENT = 0, 1, 2, 3
_CODES: dict[str, int] = {"up": UP, "down": DOWN, "unknown": UNKNOWN, "absent": ABSENT}
_STATES = ("up", "down", "unknown")
#: Beyond this many segments in one outage, its running totals are made one outage at a time.
_SHORT_RUN = 16


class Track(NamedTuple):
    """A member's timeline as columns: when each state began (sorted) and its label (:data:`LABELS`)."""

    ts: NDArray[np.float64]
    labels: NDArray[np.int64]


class Segments(NamedTuple):
    """Segments as columns: start, end, usability code (``UP``...), cause list id, external."""

    start: NDArray[np.float64]
    end: NDArray[np.float64]
    state: NDArray[np.int8]
    causes: NDArray[np.int64]
    external: NDArray[np.bool_]


class Labels:
    """The distinct (state, reasons, causes) of this process, numbered, and what the rules read of each.

    Cause lists are numbered too (``causes_id``), 0 being the empty list.
    """

    def __init__(self) -> None:
        """Start with the empty cause list, ``absent`` and ``unknown``."""
        self.ids: dict[tuple[str, tuple[str, ...], tuple[str, ...]], int] = {}
        self.items: list[Transition] = []
        self.codes: list[int] = []
        self.external: list[bool] = []
        #: The causes of a down label (:func:`transition_causes`), empty otherwise.
        self.down_causes: list[tuple[str, ...]] = []
        #: The cause list id of its member segment (external causes first when external).
        self.segment_causes: list[int] = []
        #: The same label without causes (what :func:`observed_timeline` keeps).
        self.stripped: list[int] = []
        self.cause_ids: dict[tuple[str, ...], int] = {}
        self.cause_lists: list[tuple[str, ...]] = []
        #: The first cause of each cause list, ``unknown`` for the empty one, as a name id.
        self.first_cause: list[int] = []
        self.name_ids: dict[str, int] = {}
        self.names: list[str] = []
        self._columns: tuple[Any, ...] | None = None
        self.causes_id(())
        self.absent = self.label("absent", ())
        self.unknown = self.label("unknown", ())

    def causes_id(self, causes: tuple[str, ...]) -> int:
        """Return the number of a cause list."""
        found = self.cause_ids.get(causes)
        if found is None:
            found = self.cause_ids[causes] = len(self.cause_lists)
            self.cause_lists.append(causes)
            first = causes[0] if causes else "unknown"
            self.first_cause.append(self.name_ids.setdefault(first, len(self.names)))
            if len(self.names) < len(self.name_ids):
                self.names.append(first)
        return found

    def label(self, state: str, reasons: tuple[str, ...], causes: tuple[str, ...] = ()) -> int:
        """Return the number of a (state, reasons, causes), numbering it on first sight."""
        key = (state, reasons, causes)
        found = self.ids.get(key)
        if found is not None:
            return found
        index = self.ids[key] = len(self.items)
        item = Transition(0.0, state, reasons, causes)  # type: ignore[arg-type]
        kind = usability(item.state)
        external = is_external_down(item)
        down = transition_causes(item) if kind == "down" else ()
        self.items.append(item)
        self.codes.append(_CODES[kind])
        self.external.append(external)
        self.down_causes.append(down)
        self.segment_causes.append(self.causes_id(external_first(down) if external else down))
        self.stripped.append(index)
        if causes:
            self.stripped[index] = self.label(state, reasons)
        self._columns = None
        return index

    def label_of(self, item: Transition) -> int:
        """Return the label of a transition."""
        reasons, causes = item.reasons, item.causes
        return self.label(
            item.state,
            reasons if type(reasons) is tuple else tuple(reasons),
            causes if type(causes) is tuple else tuple(causes),
        )

    def columns(self) -> tuple[NDArray[np.int8], NDArray[np.bool_], NDArray[np.int64], NDArray[np.int64]]:
        """Return, indexed by label: usability code, external down, segment cause list, label without causes."""
        import numpy as np  # noqa: PLC0415 - reports and status pages only

        if self._columns is None or len(self._columns[0]) != len(self.items):
            self._columns = (
                np.array(self.codes, dtype=np.int8),
                np.array(self.external, dtype=np.bool_),
                np.array(self.segment_causes, dtype=np.int64),
                np.array(self.stripped, dtype=np.int64),
            )
        return self._columns


#: This process's labels.
LABELS = Labels()
#: Service segment causes already worked out: (down labels in order, external) -> cause list id.
_SERVICE_CAUSES: dict[tuple[tuple[int, ...], bool], int] = {}


def track_of(timeline: Sequence[Transition]) -> Track:
    """Return a list of transitions as a :class:`Track`."""
    import numpy as np  # noqa: PLC0415

    label = LABELS.label_of
    return Track(
        np.array([item.ts for item in timeline], dtype=np.float64),
        np.array([label(item) for item in timeline], dtype=np.int64),
    )


def timeline_of(track: Track) -> list[Transition]:
    """Return a :class:`Track` as a list of transitions."""
    items = LABELS.items
    out = []
    for moment, label in zip(track.ts.tolist(), track.labels.tolist(), strict=True):
        item = items[label]
        out.append(Transition(moment, item.state, item.reasons, item.causes))
    return out


def relabel(track: Track, change: Callable[[Transition], Transition]) -> Track:
    """Return a track with every label changed by ``change`` (called once per distinct label)."""
    import numpy as np  # noqa: PLC0415

    distinct, inverse = np.unique(track.labels, return_inverse=True)
    items = LABELS.items
    mapped = np.array([LABELS.label_of(change(items[label])) for label in distinct.tolist()], dtype=np.int64)
    return Track(track.ts, mapped[inverse.reshape(-1)] if len(distinct) else track.labels)


def exists(track: Track) -> bool:
    """Return whether a member exists at some point of its track (a state other than ``absent``)."""
    return bool((track.labels != LABELS.absent).any())


def observed_track(
    track: Track, runs: Sequence[Interval] | None, *, life: Interval | None = None, start: float, end: float
) -> Track:
    """Return a member's effective track over [start, end): what :func:`observed_timeline` says, on columns."""
    import numpy as np  # noqa: PLC0415

    ts, labels = track
    if life is None:
        life = (float(ts[0]) if len(ts) else INF, INF)
    born, retired = life
    parts = [np.array([start], dtype=np.float64), ts[(ts > start) & (ts < end)]]
    bounds = np.asarray(runs if runs is not None else [], dtype=np.float64).reshape(-1, 2)
    if len(bounds):
        flat = bounds.reshape(-1)
        parts.append(flat[(flat > start) & (flat < end)])
    parts.append(np.array([p for p in (born, retired) if start < p < end], dtype=np.float64))
    points = np.unique(np.concatenate(parts))
    _codes, _external, _causes, stripped = LABELS.columns()
    if len(ts):
        at = np.searchsorted(ts, points, side="right") - 1
        state = np.where(at >= 0, stripped[labels[np.maximum(at, 0)]], LABELS.unknown)
    else:
        state = np.full(len(points), LABELS.unknown, dtype=np.int64)
    if runs is not None:
        if len(bounds):
            run = np.searchsorted(bounds[:, 0], points, side="right") - 1
            safe = np.maximum(run, 0)
            covered = (run >= 0) & (bounds[safe, 0] <= points) & (points < bounds[safe, 1])
            state = np.where(covered, state, LABELS.unknown)
        else:
            state = np.full(len(points), LABELS.unknown, dtype=np.int64)
    state = np.where((born <= points) & (points < retired), state, LABELS.absent)
    keep = np.ones(len(state), dtype=np.bool_)
    keep[1:] = state[1:] != state[:-1]
    return Track(points[keep], state[keep])


def member_segment_columns(track: Track, start: float, end: float) -> Segments:
    """Return what :func:`member_segments` says, on columns."""
    import numpy as np  # noqa: PLC0415

    ts, labels = track
    codes, external, causes, _stripped = LABELS.columns()
    following = np.append(ts[1:], end)
    seg_start, seg_end = np.maximum(ts, start), np.minimum(following, end)
    state = codes[labels]
    keep = (seg_end > seg_start) & (state != ABSENT)
    kept = labels[keep]
    return Segments(seg_start[keep], seg_end[keep], state[keep], causes[kept], external[kept])


def service_segment_columns(tracks: Sequence[Track], min_usable: int, start: float, end: float) -> Segments:
    """Return what the k-of-n rule says of the members' tracks within [start, end), on columns.

    Every instant one of the members changes starts a segment; each member's state in force
    there is looked up at once (members without a state yet count as absent); equal consecutive
    segments are merged. Where the service is down, its causes are the down members' causes in
    the order they went down, external ones first when the service is down for them only.
    """
    import numpy as np  # noqa: PLC0415

    members = []
    for track in tracks:
        before = track.ts < end
        ts, labels = track.ts[before], track.labels[before]
        if len(ts) > 1 and not bool((ts[1:] >= ts[:-1]).all()):
            order = np.argsort(ts, kind="stable")
            ts, labels = ts[order], labels[order]
        members.append((ts, labels))
    if not end > start:
        return _no_segments()
    bounds = np.unique(
        np.concatenate([np.array([start], dtype=np.float64), *(ts[ts > start] for ts, _ in members)])
    )
    count = len(bounds)
    state_of = np.full((len(members), count), LABELS.absent, dtype=np.int64)
    since = np.full((len(members), count), -INF)
    for index, (ts, labels) in enumerate(members):
        at = np.searchsorted(ts, bounds, side="right") - 1
        known = at >= 0
        state_of[index, known] = labels[at[known]]
        since[index, known] = ts[at[known]]
    codes, external, _causes, _stripped = LABELS.columns()
    usable = codes[state_of]
    up = (usable == UP).sum(axis=0)
    down = (usable == DOWN).sum(axis=0)
    unknown = (usable == UNKNOWN).sum(axis=0)
    outside = external[state_of].sum(axis=0)
    present = up + down + unknown
    state = np.where(
        present == 0,
        UNKNOWN,
        np.where(up >= min_usable, UP, np.where(up + unknown < min_usable, DOWN, UNKNOWN)),
    ).astype(np.int8)
    # Every internal problem solved, the members down for internal causes would be usable.
    is_external = (state == DOWN) & (outside > 0) & (up + down - outside + unknown < min_usable)
    causes = np.zeros(count, dtype=np.int64)
    for column in np.flatnonzero(state == DOWN).tolist():
        who = np.flatnonzero(usable[:, column] == DOWN).tolist()
        if len(who) > 1:  # in the order they went down: the time of their state, then member order
            who.sort(key=lambda member: (since[member, column], member))
        key = (tuple(state_of[who, column].tolist()), bool(is_external[column]))
        found = _SERVICE_CAUSES.get(key)
        if found is None:
            found = _SERVICE_CAUSES[key] = _service_causes(*key)
        causes[column] = found
    signature = np.where(state == UP, -1, np.where(state == UNKNOWN, -2, causes * 2 + is_external))
    first = np.ones(count, dtype=np.bool_)
    first[1:] = signature[1:] != signature[:-1]
    starts = np.flatnonzero(first)
    lasts = np.append(starts[1:] - 1, count - 1)
    seg_end = np.append(bounds[1:], end)
    return Segments(bounds[starts], seg_end[lasts], state[starts], causes[starts], is_external[starts])


def _service_causes(labels: tuple[int, ...], external: bool) -> int:
    """Return the cause list id of a down service whose down members have these labels, in order."""
    out: list[str] = []
    for label in labels:
        out.extend(c for c in LABELS.down_causes[label] if c not in out)
    causes = tuple(out)
    return LABELS.causes_id(external_first(causes) if external else tuple(sorted(causes, key=is_external)))


def _no_segments() -> Segments:
    import numpy as np  # noqa: PLC0415

    empty = np.zeros(0, dtype=np.float64)
    return Segments(empty, empty, np.zeros(0, np.int8), np.zeros(0, np.int64), np.zeros(0, np.bool_))


def segment_columns(segments: Sequence[Segment]) -> Segments:
    """Return a list of segments as columns (a state other than up or unknown counts as down)."""
    import numpy as np  # noqa: PLC0415

    causes_id = LABELS.causes_id
    return Segments(
        np.array([s.start for s in segments], dtype=np.float64),
        np.array([s.end for s in segments], dtype=np.float64),
        np.array([UP if s.state == "up" else UNKNOWN if s.state == "unknown" else DOWN for s in segments],
                 dtype=np.int8),
        np.array([causes_id(s.causes if type(s.causes) is tuple else tuple(s.causes)) for s in segments],
                 dtype=np.int64),
        np.array([bool(s.external) for s in segments], dtype=np.bool_),
    )  # fmt: skip


def segment_list(segments: Segments) -> list[Segment]:
    """Return columns of segments as a list of :class:`Segment`."""
    lists = LABELS.cause_lists
    return [
        Segment(start, end, _STATES[state], lists[causes], external)  # type: ignore[arg-type]
        for start, end, state, causes, external in zip(
            segments.start.tolist(), segments.end.tolist(), segments.state.tolist(),
            segments.causes.tolist(), segments.external.tolist(), strict=True,
        )
    ]  # fmt: skip


def figures_of(
    segments: Segments,
    open_intervals: list[Interval] | Measure,
    *,
    start: float,
    end: float,
    maintenance: list[Interval] | None = None,
    blip_seconds: float = 0.0,
) -> Figures:
    """Return the figures of segments over [start, end): what :func:`compute` says, on columns.

    Open time is counted per segment at once; up, down and unknown time are running totals in
    segment order. An outage is a run of down segments that no up segment interrupts (unknown
    ones do not): it starts with its first down segment and ends where the next up segment
    starts (the end of the period when none does, ongoing if the last segment is down).
    """
    import numpy as np  # noqa: PLC0415

    open_time = open_intervals if isinstance(open_intervals, Measure) else Measure(merge(open_intervals))
    spans = _merged(np.maximum(segments.start, start), np.minimum(segments.end, end))
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
    if not len(segments.state):
        return figures
    measured = counted_time.between_array(segments.start, segments.end)
    state = segments.state
    up, down = state == UP, state == DOWN
    figures.up_seconds = _running_total(measured[up])
    figures.unknown_seconds = _running_total(measured[state == UNKNOWN])
    figures.down_seconds = _running_total(measured[down])
    downs = np.flatnonzero(down)
    if not len(downs):
        return figures
    # Each up segment ends the outage in progress: the down segments between two up ones are one outage.
    group = np.cumsum(up)[downs]
    first = np.ones(len(downs), dtype=np.bool_)
    first[1:] = group[1:] != group[:-1]
    value = measured[downs]
    open_seconds = _run_sums(value, first)
    external_seconds = _run_sums(np.where(segments.external[downs], value, 0.0), first)
    appended = open_seconds > 0  # an outage of no open time at all is no outage
    if not appended.any():
        return figures
    ups = np.flatnonzero(up)
    groups = group[first]
    closed = groups < len(ups)
    ends = np.where(
        closed, segments.start[ups[np.minimum(groups, max(len(ups) - 1, 0))]] if len(ups) else end, end
    )
    ongoing = ~closed & (state[-1] == DOWN)
    blip = appended & (open_seconds < blip_seconds)
    kept = appended & ~blip
    if blip.any():
        shortened = open_seconds[blip]
        figures.blips = int(blip.sum())
        figures.blip_seconds = _running_total(shortened)
        figures.down_seconds = _running_total(np.concatenate(([figures.down_seconds], -shortened)))
        figures.up_seconds = _running_total(np.concatenate(([figures.up_seconds], shortened)))
    if not kept.any():
        return figures
    # Each kept outage's causes: every cause of its down segments, in order, once.
    cause_ids = segments.causes[downs]
    run = np.cumsum(first) - 1
    changes = np.zeros(len(downs), dtype=np.bool_)
    changes[1:] = (cause_ids[1:] != cause_ids[:-1]) & ~first[1:]
    mixed = np.zeros(len(open_seconds), dtype=np.bool_)
    mixed[np.unique(run[changes])] = True
    lists = LABELS.cause_lists
    firsts = np.flatnonzero(first)
    outage_causes: list[tuple[str, ...]] = []
    for index in np.flatnonzero(kept).tolist():
        if mixed[index]:
            ids = cause_ids[run == index]
            distinct = ids[np.append(True, ids[1:] != ids[:-1])].tolist()
            outage_causes.append(tuple(dict.fromkeys(c for i in distinct for c in lists[i])))
        else:
            outage_causes.append(tuple(dict.fromkeys(lists[int(cause_ids[firsts[index]])])))
    kept_index = np.flatnonzero(kept)
    figures.outages = [
        Outage(*fields)
        for fields in zip(
            segments.start[downs[firsts[kept_index]]].tolist(), ends[kept_index].tolist(),
            open_seconds[kept_index].tolist(), outage_causes, ongoing[kept_index].tolist(),
            external_seconds[kept_index].tolist(), strict=True,
        )
    ]  # fmt: skip
    counts: Counter[str] = Counter()
    for causes in outage_causes:
        counts.update(causes)
    # Open seconds per cause: each down segment's time goes to its first cause, summed per
    # outage, then over the kept outages in order.
    in_kept = kept[run]
    names = np.array(LABELS.first_cause, dtype=np.int64)[cause_ids[in_kept]]
    number = run[in_kept]
    per_outage, keys = _keyed_sums(value[in_kept], number * len(LABELS.names) + names)
    per_cause, cause_names = _keyed_sums(per_outage, keys % len(LABELS.names))
    seconds = {
        LABELS.names[name]: total_
        for name, total_ in zip(cause_names.tolist(), per_cause.tolist(), strict=True)
    }
    figures.causes = sorted(
        ((cause, seconds.get(cause, 0.0), counts[cause]) for cause in counts),
        key=lambda item: (-item[1], -item[2], item[0]),
    )
    return figures


def _merged(starts: NDArray[np.float64], ends: NDArray[np.float64]) -> list[Interval]:
    """Return ``merge(zip(starts, ends))`` for columns."""
    import numpy as np  # noqa: PLC0415

    keep = ends > starts
    starts, ends = starts[keep], ends[keep]
    if not len(starts):
        return []
    order = np.lexsort((ends, starts))
    starts, ends = starts[order], ends[order]
    reach = np.maximum.accumulate(ends)
    new = np.ones(len(starts), dtype=np.bool_)
    new[1:] = starts[1:] > reach[:-1]
    heads = np.flatnonzero(new)
    tails = np.append(heads[1:] - 1, len(starts) - 1)
    return list(zip(starts[heads].tolist(), reach[tails].tolist(), strict=True))


def _running_total(values: NDArray[np.float64]) -> float:
    """Return 0.0 + v0 + v1 + ... added one after the other (not numpy's pairwise sum)."""
    import numpy as np  # noqa: PLC0415

    return float(np.cumsum(values)[-1]) if len(values) else 0.0


def _run_sums(values: NDArray[np.float64], first: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Return the running total of each run of ``values`` (``first`` marks where a run begins)."""
    import numpy as np  # noqa: PLC0415

    starts = np.flatnonzero(first)
    lengths = np.diff(np.append(starts, len(values)))
    sums = values[starts].astype(np.float64, copy=True)
    longest = int(lengths.max()) if len(lengths) else 0
    for step in range(1, min(longest, _SHORT_RUN)):
        live = lengths > step
        sums[live] += values[starts[live] + step]
    for run in np.flatnonzero(lengths > _SHORT_RUN).tolist():
        rest = values[starts[run] + _SHORT_RUN : starts[run] + lengths[run]]
        sums[run] = np.cumsum(np.concatenate(([sums[run]], rest)))[-1]
    return sums


def _keyed_sums(
    values: NDArray[np.float64], keys: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Return the running total of the values of each key, in their order, and the keys, ascending."""
    import numpy as np  # noqa: PLC0415

    order = np.argsort(keys, kind="stable")
    keys, values = keys[order], values[order]
    first = np.ones(len(keys), dtype=np.bool_)
    first[1:] = keys[1:] != keys[:-1]
    return _run_sums(values, first), keys[first]
