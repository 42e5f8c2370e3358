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
import itertools
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


class Outage(NamedTuple):
    """One interruption: when it began and ended (wall clock), and how much open time it took.

    A named tuple: immutable, and made at the cost of a tuple (a year's report makes 150,000;
    a frozen dataclass took 2.5 times as long).
    """

    start: float
    end: float
    open_seconds: float
    causes: tuple[str, ...]
    ongoing: bool = False
    #: The part of ``open_seconds`` down for external causes only.
    external_seconds: float = 0.0


def _figures(fields: tuple[Any, ...], outages: tuple[tuple[Any, ...], ...]) -> Figures:
    """Rebuild pickled :class:`Figures` (see :meth:`Figures.__reduce__`)."""
    figures = Figures(*fields)
    figures.outages = list(map(Outage._make, zip(*outages, strict=True)))
    return figures


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

    def __reduce__(self) -> tuple[Callable[..., Figures], tuple[Any, ...]]:
        """Pickle the outages as columns (reports computed in other processes come back pickled).

        Outage by outage, pickle writes and reads each as a call of its class: 2.7 times as long
        (100,000 outages: 0.18 s against 0.07 s).
        """
        fields: tuple[Any, ...] = (self.start, self.end, self.open_seconds, self.up_seconds, self.down_seconds,
                  self.unknown_seconds, self.maintenance_seconds, [], self.blips, self.blip_seconds, self.causes)  # fmt: skip
        return _figures, (fields, tuple(zip(*self.outages, strict=True)))

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
        self._once: dict[int, tuple[str, ...]] = {}
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

    def once(self, causes: int) -> tuple[str, ...]:
        """Return a cause list with each cause once (first place kept)."""
        found = self._once.get(causes)
        if found is None:
            found = self._once[causes] = tuple(dict.fromkeys(self.cause_lists[causes]))
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
    return member_segment_columns_many([track], start, end)[0]


def member_segment_columns_many(
    tracks: Sequence[Track], start: float, end: float
) -> tuple[Segments, NDArray[np.int64]]:
    """Return the segments of several members one after the other, and whose each is (their index)."""
    import numpy as np  # noqa: PLC0415

    codes, external, causes, _stripped = LABELS.columns()
    lengths = [len(track.ts) for track in tracks]
    ts = np.concatenate([np.zeros(0), *(track.ts for track in tracks)])
    labels = np.concatenate([np.zeros(0, dtype=np.int64), *(track.labels for track in tracks)])
    owners = np.repeat(np.arange(len(tracks), dtype=np.int64), lengths)
    following = np.append(ts[1:], end)
    following[np.cumsum(lengths)[np.asarray(lengths) > 0] - 1] = (
        end  # each member's last state lasts to the end
    )
    seg_start, seg_end = np.maximum(ts, start), np.minimum(following, end)
    state = codes[labels]
    keep = (seg_end > seg_start) & (state != ABSENT)
    kept = labels[keep]
    return Segments(seg_start[keep], seg_end[keep], state[keep], causes[kept], external[kept]), owners[keep]


def service_segment_columns(tracks: Sequence[Track], min_usable: int, start: float, end: float) -> Segments:
    """Return what the k-of-n rule says of the members' tracks within [start, end), on columns.

    Every instant one of the members changes starts a segment. The numbers of usable, down,
    unknown and externally down members are running sums of each change (a member without a
    state yet counts as absent); equal consecutive segments are merged. Where the service is
    down, its causes are the down members' causes in the order they went down, external ones
    first when the service is down for them only.
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
    codes, external, _causes, _stripped = LABELS.columns()
    times = np.concatenate([np.zeros(0), *(ts for ts, _ in members)])
    new = np.concatenate([np.zeros(0, dtype=np.int64), *(labels for _, labels in members)])
    old = np.concatenate(
        [
            np.zeros(0, dtype=np.int64),
            *(np.append(LABELS.absent, labels[:-1])[: len(labels)] for _, labels in members),
        ]
    )
    order = np.argsort(times, kind="stable")
    times, new, old = times[order], new[order], old[order]
    bounds = np.unique(np.append(times[times > start], start))
    # The counts after every change at or before each bound.
    last = np.searchsorted(times, bounds, side="right") - 1
    known = last >= 0
    last = np.maximum(last, 0)

    def running(flags: NDArray[np.bool_]) -> NDArray[np.int64]:
        counted = np.cumsum(flags[new].astype(np.int64) - flags[old])
        return np.where(known, counted[last] if len(counted) else 0, 0)

    up, down = running(codes == UP), running(codes == DOWN)
    unknown, outside = running(codes == UNKNOWN), running(external)
    present = up + down + unknown
    state = np.where(
        present == 0,
        UNKNOWN,
        np.where(up >= min_usable, UP, np.where(up + unknown < min_usable, DOWN, UNKNOWN)),
    ).astype(np.int8)
    # Every internal problem solved, the members down for internal causes would be usable.
    is_external = (state == DOWN) & (outside > 0) & (up + down - outside + unknown < min_usable)
    count = len(bounds)
    causes = np.zeros(count, dtype=np.int64)
    columns = np.flatnonzero(state == DOWN)
    if len(columns):
        causes[columns] = _down_causes(members, bounds[columns], is_external[columns])
    signature = np.where(state == UP, -1, np.where(state == UNKNOWN, -2, causes * 2 + is_external))
    first = np.ones(count, dtype=np.bool_)
    first[1:] = signature[1:] != signature[:-1]
    starts = np.flatnonzero(first)
    lasts = np.append(starts[1:] - 1, count - 1)
    seg_end = np.append(bounds[1:], end)
    return Segments(bounds[starts], seg_end[lasts], state[starts], causes[starts], is_external[starts])


def _down_causes(
    members: list[tuple[NDArray[np.float64], NDArray[np.int64]]],
    moments: NDArray[np.float64],
    external: NDArray[np.bool_],
) -> list[int]:
    """Return the cause list id of a down service at each moment, from its members' states then."""
    import numpy as np  # noqa: PLC0415

    state_of = np.full((len(members), len(moments)), LABELS.absent, dtype=np.int64)
    since = np.full((len(members), len(moments)), -INF)
    for index, (ts, labels) in enumerate(members):
        at = np.searchsorted(ts, moments, side="right") - 1
        known = at >= 0
        state_of[index, known] = labels[at[known]]
        since[index, known] = ts[at[known]]
    codes = LABELS.columns()[0]
    down = codes[state_of] == DOWN
    out = []
    for column in range(len(moments)):
        who = np.flatnonzero(down[:, column]).tolist()
        if len(who) > 1:  # in the order they went down: the time of their state, then member order
            who.sort(key=lambda member: (since[member, column], member))
        key = (tuple(state_of[who, column].tolist()), bool(external[column]))
        found = _SERVICE_CAUSES.get(key)
        if found is None:
            if len(_SERVICE_CAUSES) >= 4096:  # a long-lived collector: keep the memo small
                _SERVICE_CAUSES.clear()
            found = _SERVICE_CAUSES[key] = _service_causes(*key)
        out.append(found)
    return out


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
    """Return the figures of segments over [start, end): what :func:`compute` says, on columns."""
    import numpy as np  # noqa: PLC0415

    owners = np.zeros(len(segments.state), dtype=np.int64)
    return figures_of_many(
        segments,
        owners,
        1,
        open_intervals,
        start=start,
        end=end,
        maintenance=maintenance,
        blip_seconds=blip_seconds,
    )[0]


def figures_of_many(
    segments: Segments,
    owners: NDArray[np.int64],
    count: int,
    open_intervals: list[Interval] | Measure,
    *,
    start: float,
    end: float,
    maintenance: list[Interval] | None = None,
    blip_seconds: float = 0.0,
) -> list[Figures]:
    """Return the figures of ``count`` segment lists at once (``owners`` says whose each segment is, in order).

    Open time is counted per segment at once; up, down and unknown time are running totals in
    segment order. An outage is a run of one owner's down segments that no up segment
    interrupts (unknown ones do not): it starts with its first down segment and ends where the
    next up segment starts (the end of the period when none does, ongoing if the owner's last
    segment is down).
    """
    import numpy as np  # noqa: PLC0415

    open_time = open_intervals if isinstance(open_intervals, Measure) else Measure(merge(open_intervals))
    windows = merge(maintenance or [])
    if windows and count > 1:  # maintenance is cut from each owner's own spans: one at a time
        return [
            figures_of(
                Segments(*(column[owners == owner] for column in segments)), open_time, start=start, end=end,
                maintenance=windows, blip_seconds=blip_seconds,
            )
            for owner in range(count)
        ]  # fmt: skip
    span_start, span_end, span_owner = _owner_spans(
        np.maximum(segments.start, start), np.minimum(segments.end, end), owners
    )
    in_maintenance: list[Interval] = []
    counted_time = open_time  # segments lie inside the spans already
    if windows:
        spans = list(zip(span_start.tolist(), span_end.tolist(), strict=True))
        opened = [piece for span in spans for piece in open_time.clip(*span)]
        in_maintenance = intersect(opened, windows)
        counted_time = Measure(subtract(opened, windows))
    # sum() of each owner's spans, as the rules add them (from 0, one after the other)
    open_seconds: list[float] = [0] * count
    if len(span_owner):
        first_span = np.ones(len(span_owner), dtype=np.bool_)
        first_span[1:] = span_owner[1:] != span_owner[:-1]
        for owner, value in zip(
            span_owner[first_span].tolist(),
            _run_sums(open_time.each_between(span_start, span_end), first_span).tolist(),
            strict=True,
        ):
            open_seconds[owner] = value
    out = [
        Figures(start, end, open_seconds=open_seconds[owner], maintenance_seconds=total(in_maintenance))
        for owner in range(count)
    ]
    total_segments = len(segments.state)
    if not total_segments:
        return out
    measured = counted_time.between_array(segments.start, segments.end)
    state = segments.state
    up, down = state == UP, state == DOWN
    owner_first = np.ones(total_segments, dtype=np.bool_)
    owner_first[1:] = owners[1:] != owners[:-1]
    present = owners[owner_first]
    totals = {}
    for name, mask in (("up", up), ("unknown", state == UNKNOWN), ("down", down)):
        column = np.zeros(count)
        column[present] = _run_sums(np.where(mask, measured, 0.0), owner_first)
        totals[name] = column
    # Each up segment (or another owner's first) ends the outage in progress.
    closer = up | owner_first
    group = np.cumsum(closer) - 1
    downs = np.flatnonzero(down)
    first = np.ones(len(downs), dtype=np.bool_)
    first[1:] = group[downs][1:] != group[downs][:-1]
    value = measured[downs]
    opened_seconds = _run_sums(value, first)
    external_seconds = _run_sums(np.where(segments.external[downs], value, 0.0), first)
    heads = downs[first]
    outage_owner = owners[heads]
    closers = np.flatnonzero(closer)
    following = group[heads] + 1
    after = closers[np.minimum(following, len(closers) - 1)]
    closed = (following < len(closers)) & up[after] & (owners[after] == outage_owner)
    ends = np.where(closed, segments.start[after], end)
    last_of_owner = np.append(np.flatnonzero(owner_first)[1:] - 1, total_segments - 1)
    last_state = np.full(count, UP, dtype=np.int8)
    last_state[present] = state[last_of_owner]
    ongoing = ~closed & (last_state[outage_owner] == DOWN)
    appended = opened_seconds > 0  # an outage of no open time at all is no outage
    blip = appended & (opened_seconds < blip_seconds)
    kept = appended & ~blip
    blips = np.bincount(outage_owner[blip], minlength=count)
    blip_totals = np.zeros(count)
    if blip.any():
        shortened, whose = opened_seconds[blip], outage_owner[blip]
        sums, keys = _keyed_sums(shortened, whose)
        blip_totals[keys] = sums
        totals["down"] = _then_added(totals["down"], whose, -shortened)
        totals["up"] = _then_added(totals["up"], whose, shortened)
    outages, counts, seconds = _outages(segments, downs, first, value, kept, outage_owner, ends, ongoing,
                                        opened_seconds, external_seconds)  # fmt: skip
    for owner, figures in enumerate(out):
        figures.up_seconds = float(totals["up"][owner])
        figures.unknown_seconds = float(totals["unknown"][owner])
        figures.down_seconds = float(totals["down"][owner])
        if blips[owner]:
            figures.blips = int(blips[owner])
            figures.blip_seconds = float(blip_totals[owner])
        figures.outages = outages.get(owner, [])
        counted = counts.get(owner)
        if counted:
            figures.causes = sorted(
                ((cause, seconds.get((owner, cause), 0.0), number) for cause, number in counted.items()),
                key=lambda item: (-item[1], -item[2], item[0]),
            )
    return out


def _outages(
    segments: Segments,
    downs: NDArray[np.int64],
    first: NDArray[np.bool_],
    value: NDArray[np.float64],
    kept: NDArray[np.bool_],
    outage_owner: NDArray[np.int64],
    ends: NDArray[np.float64],
    ongoing: NDArray[np.bool_],
    opened_seconds: NDArray[np.float64],
    external_seconds: NDArray[np.float64],
) -> tuple[dict[int, list[Outage]], dict[int, Counter[str]], dict[tuple[int, str], float]]:
    """Return each owner's kept outages, how many of them each cause was in, and the cause's open seconds."""
    import numpy as np  # noqa: PLC0415

    if not kept.any():
        return {}, {}, {}
    # Each outage's causes: every cause of its down segments, in order, once.
    cause_ids = segments.causes[downs]
    run = np.cumsum(first) - 1
    changes = np.zeros(len(downs), dtype=np.bool_)
    changes[1:] = (cause_ids[1:] != cause_ids[:-1]) & ~first[1:]
    mixed = np.zeros(len(opened_seconds), dtype=np.bool_)
    mixed[run[changes]] = True
    kept_index = np.flatnonzero(kept)
    heads = np.flatnonzero(first)
    once = LABELS.once
    causes_of = [once(c) for c in cause_ids[heads[kept_index]].tolist()]
    lists = LABELS.cause_lists
    for position in np.flatnonzero(mixed[kept_index]).tolist():
        ids = cause_ids[run == kept_index[position]]
        distinct = ids[np.append(True, ids[1:] != ids[:-1])].tolist()
        causes_of[position] = tuple(dict.fromkeys(c for i in distinct for c in lists[i]))
    whose = outage_owner[kept_index].tolist()
    made = list(map(Outage._make, zip(
        segments.start[downs[heads[kept_index]]].tolist(), ends[kept_index].tolist(),
        opened_seconds[kept_index].tolist(), causes_of, ongoing[kept_index].tolist(),
        external_seconds[kept_index].tolist(), strict=True,
    )))  # fmt: skip
    outages: dict[int, list[Outage]] = {}
    owned_causes: dict[int, list[tuple[str, ...]]] = {}
    for owner, outage, causes in zip(whose, made, causes_of, strict=True):
        found = outages.get(owner)
        if found is None:
            found = outages[owner] = []
            owned_causes[owner] = []
        found.append(outage)
        owned_causes[owner].append(causes)
    # One count per owner over its outages' causes in order (the order Counter.update would give).
    counts = {owner: Counter(itertools.chain.from_iterable(lists)) for owner, lists in owned_causes.items()}
    # Open seconds per cause: each down segment's time goes to its first cause, summed per
    # outage, then over the owner's kept outages in order.
    in_kept = kept[run]
    names = len(LABELS.names)
    first_cause = np.array(LABELS.first_cause, dtype=np.int64)[cause_ids[in_kept]]
    per_outage, keys = _keyed_sums(value[in_kept], run[in_kept] * names + first_cause)
    name_of = keys % names
    per_cause, pairs = _keyed_sums(per_outage, outage_owner[keys // names] * names + name_of)
    seconds = {
        (pair // names, LABELS.names[pair % names]): total_
        for pair, total_ in zip(pairs.tolist(), per_cause.tolist(), strict=True)
    }
    return outages, counts, seconds


def _then_added(
    totals: NDArray[np.float64], owners: NDArray[np.int64], amounts: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Return each owner's total with its ``amounts`` added after it, one after the other."""
    import numpy as np  # noqa: PLC0415

    concerned = np.unique(owners)
    values = np.concatenate((totals[concerned], amounts))
    keys = np.concatenate((concerned, owners))
    rank = np.concatenate((np.full(len(concerned), -1), np.arange(len(amounts))))
    order = np.lexsort((rank, keys))
    keys, values = keys[order], values[order]
    first = np.ones(len(keys), dtype=np.bool_)
    first[1:] = keys[1:] != keys[:-1]
    out = totals.copy()
    out[keys[first]] = _run_sums(values, first)
    return out


def _owner_spans(
    starts: NDArray[np.float64], ends: NDArray[np.float64], owners: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Return each owner's merged spans (``merge`` of its clipped segments), owner by owner."""
    import numpy as np  # noqa: PLC0415

    keep = ends > starts
    starts, ends, owners = starts[keep], ends[keep], owners[keep]
    if not len(starts):
        return starts, ends, owners
    same = owners[1:] == owners[:-1]
    if bool(((starts[1:] >= starts[:-1]) & (ends[1:] >= ends[:-1]) | ~same).all()):
        # Each owner's segments in order (the usual case): a span ends where a gap begins.
        new = np.ones(len(starts), dtype=np.bool_)
        new[1:] = ~same | (starts[1:] > ends[:-1])
        heads = np.flatnonzero(new)
        tails = np.append(heads[1:] - 1, len(starts) - 1)
        return starts[heads], ends[tails], owners[heads]
    pieces = [
        (owner, span)
        for owner in np.unique(owners).tolist()
        for span in merge(zip(starts[owners == owner].tolist(), ends[owners == owner].tolist(), strict=True))
    ]
    return (
        np.array([span[0] for _, span in pieces], dtype=np.float64),
        np.array([span[1] for _, span in pieces], dtype=np.float64),
        np.array([owner for owner, _ in pieces], dtype=np.int64),
    )


def _run_sums(values: NDArray[np.float64], first: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Return the running total of each run of ``values`` (``first`` marks where a run begins).

    Each run is added one value after the other, from its first: short runs a step at a time
    for all of them, long ones as rows of a table (``cumsum`` along a row adds in order).
    """
    import numpy as np  # noqa: PLC0415

    starts = np.flatnonzero(first)
    lengths = np.diff(np.append(starts, len(values)))
    if not len(starts):
        return np.zeros(0)
    longest = int(lengths.max())
    if longest > _SHORT_RUN and len(starts) * longest <= 2 * len(values) + 4096:
        steps = np.arange(longest)
        inside = steps < lengths[:, None]
        table = np.where(inside, values[np.minimum(starts[:, None] + steps, len(values) - 1)], 0.0)
        return np.asarray(np.cumsum(table, axis=1)[:, -1], dtype=np.float64)
    sums = values[starts].astype(np.float64, copy=True)
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
