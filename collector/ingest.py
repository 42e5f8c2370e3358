"""Ingestion: validate a received MQTT message, check who may say it, and fold it into the fleet state.

Pure apart from the injected clock value: ``handle(topic, payload, now=..., retained=...)``
never raises, whatever the payload; a refused message is counted by reason and logged.

Trust boundaries (docs/design.md §3, docs/decisions.md "Enrolment and caps"): a message must follow the contract
(``agent.contract.messages.decode``); its agent must be declared by the site it publishes for,
and a device it reports must be declared by that site (``sites.toml``); an agent may report at
most ``max_devices_per_agent`` devices and send at most its rate; its clock is measured, and a
reading it stamps in the future, or any reading of an agent whose clock is off by more than the
tolerance, is stamped on arrival instead. Replays are dropped on ``(agent, epoch, seq)``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from agent.contract.messages import (
    MAX_PAYLOAD_BYTES,
    AnyMessage,
    DeviceMessage,
    HostMessage,
    LockdownMessage,
    MessageRejected,
    StatusMessage,
    Topic,
    decode,
)
from agent.contract.reasons import is_known
from collector.state import AgentState, FleetState, Observation, SeqWindow

if TYPE_CHECKING:
    from collector.sites import SitesFile

_LOGGER = logging.getLogger(__name__)


class Outcome(StrEnum):
    """What became of one message."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    STALE_STATUS = "stale_status"
    REJECTED = "rejected"
    DROPPED = "dropped"


class DropReason(StrEnum):
    """Why a valid message was not taken; a label of ``esc_collector_messages_dropped_total``."""

    UNKNOWN_SITE = "unknown_site"
    UNENROLLED_AGENT = "unenrolled_agent"
    UNDECLARED_DEVICE = "undeclared_device"
    TOO_MANY_DEVICES = "too_many_devices"
    RATE_LIMITED = "rate_limited"


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-agent caps (``[limits]`` of the collector configuration)."""

    max_payload_bytes: int = MAX_PAYLOAD_BYTES
    max_devices_per_agent: int = 64
    messages_per_second: float = 20.0
    burst_messages: float = 20_000.0  # a full outbox replayed after an outage passes
    clock_tolerance: float = 120.0


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


@dataclass(frozen=True, slots=True)
class Accepted:
    """An accepted message and the instant its effects are dated at (event time, guarded)."""

    message: AnyMessage
    at: float
    was_offline: bool = False  # the agent had said "offline" before this message


@dataclass(slots=True)
class _Epochs:
    """De-duplication windows of one agent, per install epoch (the two newest are kept)."""

    windows: dict[str, SeqWindow] = field(default_factory=dict)

    def discard(self, epoch: str, seq: int) -> None:
        window = self.windows.get(epoch)
        if window is not None:
            window.discard(seq)

    def add(self, epoch: str, seq: int) -> bool:
        window = self.windows.get(epoch)
        if window is None:
            if len(self.windows) >= 2:
                self.windows.pop(next(iter(self.windows)))
            window = self.windows[epoch] = SeqWindow()
        return window.add(seq)


class Ingestor:
    """Validate, check enrolment, de-duplicate on ``(agent, epoch, seq)`` and apply messages."""

    def __init__(
        self,
        state: FleetState,
        *,
        max_payload_bytes: int = MAX_PAYLOAD_BYTES,
        limits: Limits | None = None,
        sites: SitesFile | None = None,
        on_accepted: Callable[[Accepted], None] | None = None,
        processed_before: dict[tuple[str, str, str], int] | None = None,
        remember: Callable[[str, str, int, str], None] | None = None,
    ) -> None:
        """Bind to the state to update.

        Args:
            state: the fleet state.
            max_payload_bytes: larger payloads are refused unread (overrides ``limits``).
            limits: per-agent caps and the clock tolerance.
            sites: the declared sites, agents and devices; ``None`` accepts every agent and device
                (a collector without ``sites.toml`` exports the fleet as it comes).
            on_accepted: called after each accepted message (history at event time); it may raise
                ``sqlite3.Error``/``OSError`` when the history cannot be written: the message is
                then not acknowledged (the caller sees the exception) and will be redelivered.
            processed_before: highest data ``seq`` per (site, agent, epoch) processed by an earlier
                run: the broker redelivers what it did not see acknowledged, and those replays
                must not be applied twice (data messages leave an agent in ``seq`` order).
            remember: ``(site, agent, seq, epoch)``, called for each accepted data message.
        """
        self.state = state
        base = limits or Limits()
        self.limits = Limits(
            max_payload_bytes=max_payload_bytes if limits is None else base.max_payload_bytes,
            max_devices_per_agent=base.max_devices_per_agent,
            messages_per_second=base.messages_per_second,
            burst_messages=base.burst_messages,
            clock_tolerance=base.clock_tolerance,
        )
        self.sites = sites
        self.on_accepted = on_accepted
        self.processed_before = processed_before or {}
        self.remember = remember
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._epochs: dict[tuple[str, str], _Epochs] = {}
        self._devices_of: dict[tuple[str, str], set[str]] = {}
        #: Each topic seen: parsed (``None``: not one of ours) and why it is dropped (``None``: taken).
        #: The sites file does not change while the collector runs.
        self._topics: dict[str, tuple[Topic | None, DropReason | None]] = {}
        #: While a group is open: the (site, agent), epoch and seq of each message accepted in it.
        self._group: list[tuple[tuple[str, str], str, int]] | None = None

    # ------------------------------------------------------------------ groups
    def open_group(self) -> None:
        """Start a group: several messages whose effects the caller stores in one transaction."""
        self._group = []

    def close_group(self, *, stored: bool) -> None:
        """End the group; when its effects were not stored, forget its messages so their redelivery counts."""
        group, self._group = self._group, None
        if stored or not group:
            return
        with self.state.lock:
            for key, epoch, seq in group:
                epochs = self._epochs.get(key)
                if epochs is not None:
                    epochs.discard(epoch, seq)

    # ------------------------------------------------------------------ checks before decoding
    def _rate_ok(self, site: str, agent: str, now: float) -> bool:
        bucket = self._buckets.get((site, agent))
        limits = self.limits
        if bucket is None:
            if len(self._buckets) > 100_000:  # topics are free-form until enrolment: stay bounded
                self._buckets.clear()
            bucket = self._buckets[(site, agent)] = _Bucket(limits.burst_messages, now)
        bucket.tokens = min(
            limits.burst_messages, bucket.tokens + (now - bucket.at) * limits.messages_per_second
        )
        bucket.at = now
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True

    def _enrolled(self, topic: Topic) -> DropReason | None:
        if self.sites is None:
            return None
        site = self.sites.sites.get(topic.site)
        if site is None:
            return DropReason.UNKNOWN_SITE
        if not site.declares_agent(topic.agent):
            return DropReason.UNENROLLED_AGENT
        if topic.device is not None and not site.declares_device(topic.device):
            return DropReason.UNDECLARED_DEVICE
        return None

    def _drop(self, reason: DropReason, topic: str) -> Outcome:
        with self.state.lock:
            self.state.counters.dropped[reason.value] += 1
        _LOGGER.warning("dropped message on %.200s: %s", topic, reason.value)
        return Outcome.DROPPED

    # ------------------------------------------------------------------ handling
    def handle(
        self, topic: str, payload: bytes, *, now: float | None = None, retained: bool = False
    ) -> Outcome:
        """Process one message received at wall-clock time ``now``."""
        now = time.time() if now is None else now
        known = self._topics.get(topic)
        if known is None:
            if len(self._topics) >= 100_000:  # topics are free-form until enrolment: stay bounded
                self._topics.clear()
            try:
                parsed: Topic | None = Topic.parse(topic)
            except ValueError:
                parsed = None  # decode() refuses it with the reason
            known = self._topics[topic] = (parsed, self._enrolled(parsed) if parsed is not None else None)
        parsed, refused = known
        if parsed is not None:
            if refused is not None:
                return self._drop(refused, topic)
            if not self._rate_ok(parsed.site, parsed.agent, now):
                return self._drop(DropReason.RATE_LIMITED, topic)
        try:
            message = decode(topic, payload, max_bytes=self.limits.max_payload_bytes, now=now)
        except MessageRejected as err:
            with self.state.lock:
                self.state.counters.rejected[err.reason.value] += 1
            # The detail never echoes the payload: it may be hostile or large.
            _LOGGER.warning("rejected message on %.200s: %.300s", topic, err)
            return Outcome.REJECTED
        is_data = not isinstance(message, StatusMessage)
        epoch = message.epoch or ""
        before = self.processed_before.get((message.site, message.agent, epoch))
        if is_data and before is not None and message.seq <= before:
            with self.state.lock:
                self.state.counters.duplicates += 1
            return Outcome.DUPLICATE
        with self.state.lock:
            if isinstance(message, DeviceMessage) and self._too_many_devices(message):
                self.state.counters.dropped[DropReason.TOO_MANY_DEVICES.value] += 1
                return Outcome.DROPPED
            agent = self.state.agent(message.site, message.agent)
            epochs = self._epochs.setdefault((message.site, message.agent), _Epochs())
            if not epochs.add(epoch, message.seq):
                self.state.counters.duplicates += 1
                return Outcome.DUPLICATE
            if epoch and agent.epoch and epoch != agent.epoch:
                # A reinstalled agent counts its MQTT sessions from 0 again: its births and
                # Wills must not be ignored as older than the previous install's.
                agent.session = -1
            agent.epoch = epoch or agent.epoch
            was_offline = agent.declared_offline()
            at = self._event_time(agent, message, now=now, retained=retained)
            outcome = self._apply(agent, message, now=now, at=at, retained=retained)
            if outcome is Outcome.ACCEPTED:
                self.state.counters.accepted[message.kind] += 1
                if isinstance(message, DeviceMessage):
                    unknown = sum(1 for r in message.body.reasons if not is_known(r.code))
                    self.state.counters.unknown_reason_codes += unknown
            else:
                self.state.counters.stale_status += 1
        try:
            if outcome is Outcome.ACCEPTED and self.on_accepted is not None:
                self.on_accepted(Accepted(message, at, was_offline))
            if outcome is Outcome.ACCEPTED and is_data and self.remember is not None:
                self.remember(message.site, message.agent, message.seq, epoch)
        except BaseException:
            # Its effects are not stored: the broker will redeliver it, and then it must count.
            with self.state.lock:
                epochs.discard(epoch, message.seq)
            raise
        if outcome is Outcome.ACCEPTED and self._group is not None:
            self._group.append(((message.site, message.agent), epoch, message.seq))
        return outcome

    def _too_many_devices(self, message: DeviceMessage) -> bool:
        seen = self._devices_of.setdefault((message.site, message.agent), set())
        if message.body.device in seen:
            return False
        if len(seen) >= self.limits.max_devices_per_agent:
            return True
        seen.add(message.body.device)
        return False

    def forget(self, site: str, agent: str) -> None:
        """Forget what is kept per agent (its state was pruned)."""
        self._buckets.pop((site, agent), None)
        self._epochs.pop((site, agent), None)
        self._devices_of.pop((site, agent), None)

    def _event_time(self, agent: AgentState, message: AnyMessage, *, now: float, retained: bool) -> float:
        """Return the instant a message's effects are dated at: the agent's, unless it cannot be trusted."""
        ts = message.timestamp
        if isinstance(message, StatusMessage) and not retained:
            # Status messages are published live (never from the outbox): they measure the clock,
            # and they happen on arrival (a Will even carries the instant it was registered).
            if message.body.reason != "connection_lost":
                agent.delays.append(now - ts)
            return now
        if retained:
            return min(now, ts)
        offset = agent.clock_offset()
        tolerance = self.limits.clock_tolerance
        if ts > now + tolerance or (offset is not None and abs(offset) > tolerance):
            agent.untrusted_times += 1
            self.state.counters.untrusted_times += 1
            return now
        return min(ts, now)

    def _apply(
        self, agent: AgentState, message: AnyMessage, *, now: float, at: float, retained: bool
    ) -> Outcome:
        # A retained message may be old: it proves the agent lived at its own timestamp,
        # not now, so it never makes an agent look fresher than that.
        seen_at = min(now, message.timestamp) if retained else now
        if isinstance(message, StatusMessage):
            body = message.body
            if body.session < agent.session:
                # The Will (or birth) of an older connection, arriving late: ignore it.
                return Outcome.STALE_STATUS
            agent.session = body.session
            agent.status = body.state
            agent.status_at = seen_at
            agent.agent_version = body.agent_version or agent.agent_version
        elif isinstance(message, HostMessage):
            agent.host = message.body
            agent.host_at = seen_at
            agent.data_at = seen_at
        elif isinstance(message, LockdownMessage):
            agent.lockdown = message.body
            agent.lockdown_at = seen_at
            agent.data_at = seen_at
            if message.body.security_event:
                agent.security_events += 1
                _LOGGER.warning("security event: lockdown broken on %s/%s", message.site, message.agent)
        elif isinstance(message, DeviceMessage):
            record = self.state.device(message.site, message.body.device)
            previous = record.observations.get(message.agent)
            # A replayed older observation (outbox after an outage) must not overwrite a newer one.
            if previous is None or previous.ts <= at:
                record.observations[message.agent] = Observation(message.agent, message.body, seen_at, at)
            agent.data_at = max(agent.data_at, seen_at)
        agent.last_seen = max(agent.last_seen, seen_at)
        return Outcome.ACCEPTED
