"""Fleet state in memory: the latest reading of every agent, keyed by (site, agent).

Nothing here assumes a single collector: state is keyed by site, so collectors partitioned
by topic filter each hold their own sites (docs/design.md §8).
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import dataclass, field

from agent.contract.messages import DeviceBody, HostBody, LockdownBody

#: How many recent ``seq`` per agent are remembered for de-duplication.
SEQ_WINDOW = 4096
#: How many recent (arrival - ts) samples per agent measure its clock offset.
CLOCK_SAMPLES = 32


@dataclass(slots=True)
class SeqWindow:
    """Recently seen sequence numbers of one agent (replays are dropped)."""

    seen: set[int] = field(default_factory=set)
    order: deque[int] = field(default_factory=deque)
    highest: int = -1

    def add(self, seq: int) -> bool:
        """Record ``seq``; return ``False`` when it was already seen (a replay)."""
        if seq in self.seen or seq < self.highest - SEQ_WINDOW:
            return False
        self.seen.add(seq)
        self.order.append(seq)
        if len(self.order) > SEQ_WINDOW:
            self.seen.discard(self.order.popleft())
        self.highest = max(self.highest, seq)
        return True

    def discard(self, seq: int) -> None:
        """Forget ``seq`` (its effects could not be stored: its redelivery must be processed)."""
        self.seen.discard(seq)


@dataclass(slots=True)
class AgentState:
    """What the collector knows of one agent."""

    site: str
    agent: str
    last_seen: float = 0.0  # wall-clock seconds of the last message
    status: str | None = None  # "online" / "offline" from the status topic
    status_at: float = 0.0
    session: int = -1
    agent_version: str | None = None
    host: HostBody | None = None
    host_at: float = 0.0
    data_at: float = 0.0  # last non-status message
    lockdown: LockdownBody | None = None
    lockdown_at: float = 0.0
    security_events: int = 0  # lockdown breaks reported by the agent
    epoch: str = ""  # install identifier of the newest messages (a reinstalled agent has a new one)
    seqs: SeqWindow = field(default_factory=SeqWindow)
    #: (arrival - ts) of its recent live messages: the smallest is latency minus the clock offset.
    delays: deque[float] = field(default_factory=lambda: deque(maxlen=CLOCK_SAMPLES))
    untrusted_times: int = 0  # messages stamped on arrival because the agent's clock was not trusted

    def clock_offset(self) -> float | None:
        """Return how far ahead of the collector the agent's clock runs (seconds), from its live messages.

        The smallest ``arrival - ts`` of recent messages is the network delay minus the offset;
        delays only add (a replayed outbox message is late, never early), so the minimum is the
        best estimate, within the network latency.
        """
        return -min(self.delays) if self.delays else None

    def declared_offline(self) -> bool:
        """Return whether the agent said ``offline`` (or its Will did) after its last data."""
        return self.status == "offline" and self.status_at >= self.data_at

    def is_up(self, now: float, stale_after: float) -> bool:
        """Return whether the agent is alive: fresh, and not declared offline since its last data.

        This is the collector's one liveness rule: the exporter, the tracker and the status page
        all ask it.
        """
        if now - self.last_seen > stale_after:
            return False
        return not self.declared_offline()


@dataclass(slots=True)
class Observation:
    """One agent's latest observation of one device."""

    agent: str
    body: DeviceBody
    seen_at: float  # collector's clock: freshness
    ts: float  # agent's clock: order between one agent's observations


@dataclass(slots=True)
class DeviceRecord:
    """A printer or scanner of a site, as seen by one or more of the site's agents."""

    site: str
    device: str
    observations: dict[str, Observation] = field(default_factory=dict)

    def live(self, fleet: FleetState, now: float, stale_after: float) -> list[Observation]:
        """Return the observations that still count: fresh, from an agent that is up."""
        out = []
        for obs in self.observations.values():
            agent = fleet.agents.get((self.site, obs.agent))
            if agent is not None and agent.is_up(now, stale_after) and now - obs.seen_at <= stale_after:
                out.append(obs)
        return out

    def current(self, fleet: FleetState, now: float, stale_after: float) -> Observation | None:
        """Return the freshest live observation: several agents may watch one printer."""
        live = self.live(fleet, now, stale_after)
        return max(live, key=lambda o: o.seen_at) if live else None


@dataclass(slots=True)
class IngestCounters:
    """Counters of the collector's own health, exported as ``esc_collector_*``."""

    accepted: Counter[str] = field(default_factory=Counter)  # by kind
    rejected: Counter[str] = field(default_factory=Counter)  # by reason
    dropped: Counter[str] = field(default_factory=Counter)  # valid but not taken, by reason
    duplicates: int = 0
    stale_status: int = 0
    unknown_reason_codes: int = 0  # codes a newer agent sent that this collector does not know
    untrusted_times: int = 0  # messages stamped on arrival (agent clock off)


class FleetState:
    """All agents' state behind one lock (MQTT thread writes, HTTP threads read)."""

    def __init__(self) -> None:
        """Start empty."""
        self.lock = threading.RLock()
        self.agents: dict[tuple[str, str], AgentState] = {}
        self.devices: dict[tuple[str, str], DeviceRecord] = {}
        self.counters = IngestCounters()
        self.mqtt_connected = False
        #: Why the history cannot be written now (``None`` when it can): /healthz and a metric say it.
        self.storage_error: str | None = None

    def agent(self, site: str, agent: str) -> AgentState:
        """Return the state of an agent, creating it on first sight (call with the lock held)."""
        key = (site, agent)
        state = self.agents.get(key)
        if state is None:
            state = self.agents[key] = AgentState(site, agent)
        return state

    def device(self, site: str, device: str) -> DeviceRecord:
        """Return the record of a device, creating it on first sight (call with the lock held)."""
        key = (site, device)
        record = self.devices.get(key)
        if record is None:
            record = self.devices[key] = DeviceRecord(site, device)
        return record
