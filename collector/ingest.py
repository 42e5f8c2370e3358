"""Ingestion: validate a received MQTT message and fold it into the fleet state.

Pure apart from the injected clock value: ``handle(topic, payload, now=..., retained=...)``
never raises, whatever the payload; a refused message is counted by reason and logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum

from agent.messages import (
    MAX_PAYLOAD_BYTES,
    AnyMessage,
    DeviceMessage,
    HostMessage,
    LockdownMessage,
    MessageRejected,
    StatusMessage,
    decode,
)
from collector.state import AgentState, FleetState, Observation

_LOGGER = logging.getLogger(__name__)


class Outcome(StrEnum):
    """What became of one message."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    STALE_STATUS = "stale_status"
    REJECTED = "rejected"


class Ingestor:
    """Validate, de-duplicate on ``(agent, seq)`` and apply messages to a :class:`FleetState`."""

    def __init__(
        self,
        state: FleetState,
        *,
        max_payload_bytes: int = MAX_PAYLOAD_BYTES,
        on_accepted: Callable[[str, float], None] | None = None,
        processed_before: dict[tuple[str, str], int] | None = None,
        remember: Callable[[str, str, int], None] | None = None,
    ) -> None:
        """Bind to the state to update.

        Args:
            state: the fleet state.
            max_payload_bytes: larger payloads are refused unread.
            on_accepted: ``(site, now)``, called after each accepted message.
            processed_before: highest data ``seq`` per (site, agent) processed by an earlier run of
                the collector: the broker redelivers what it did not see acknowledged, and those
                replays must not be applied twice (data messages leave an agent in ``seq`` order).
            remember: ``(site, agent, seq)``, called for each accepted data message, to persist it.
        """
        self.state = state
        self.max_payload_bytes = max_payload_bytes
        self.on_accepted = on_accepted
        self.processed_before = processed_before or {}
        self.remember = remember

    def handle(self, topic: str, payload: bytes, *, now: float, retained: bool = False) -> Outcome:
        """Process one message received at wall-clock time ``now``."""
        try:
            message = decode(topic, payload, max_bytes=self.max_payload_bytes)
        except MessageRejected as err:
            with self.state.lock:
                self.state.counters.rejected[err.reason.value] += 1
            # The detail never echoes the payload: it may be hostile or large.
            _LOGGER.warning("rejected message on %.200s: %.300s", topic, err)
            return Outcome.REJECTED
        is_data = not isinstance(message, StatusMessage)
        before = self.processed_before.get((message.site, message.agent))
        if is_data and before is not None and message.seq <= before:
            with self.state.lock:
                self.state.counters.duplicates += 1
            return Outcome.DUPLICATE
        with self.state.lock:
            agent = self.state.agent(message.site, message.agent)
            if not agent.seqs.add(message.seq):
                self.state.counters.duplicates += 1
                return Outcome.DUPLICATE
            outcome = self._apply(agent, message, now=now, retained=retained)
            if outcome is Outcome.ACCEPTED:
                self.state.counters.accepted[message.kind] += 1
            else:
                self.state.counters.stale_status += 1
        if outcome is Outcome.ACCEPTED and self.on_accepted is not None:
            self.on_accepted(message.site, now)
        if outcome is Outcome.ACCEPTED and is_data and self.remember is not None:
            self.remember(message.site, message.agent, message.seq)
        return outcome

    def _apply(self, agent: AgentState, message: AnyMessage, *, now: float, retained: bool) -> Outcome:
        # A retained message may be old: it proves the agent lived at its own timestamp,
        # not now, so it never makes an agent look fresher than that.
        seen_at = min(now, message.ts.timestamp()) if retained else now
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
            ts = message.ts.timestamp()
            if previous is None or previous.ts <= ts:
                record.observations[message.agent] = Observation(message.agent, message.body, seen_at, ts)
            agent.data_at = max(agent.data_at, seen_at)
        agent.last_seen = max(agent.last_seen, seen_at)
        return Outcome.ACCEPTED
