"""Ingestion and exposition, pure: injected clock, a fresh registry, no network."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from prometheus_client import CollectorRegistry

from agent.contract.messages import HostBody, HostMessage, StatusBody, StatusMessage, encode
from collector.exporter import FleetCollector
from collector.ingest import Ingestor, Outcome
from collector.state import SEQ_WINDOW, FleetState

T0 = datetime(2026, 11, 29, 14, 0, tzinfo=UTC).timestamp()
HOST = HostBody(
    os="Linux",
    boot_time=T0 - 3600,
    uptime_seconds=3600.0,
    cpu_count=2,
    cpu_usage_ratio=0.5,
    memory_total_bytes=4096,
    memory_available_bytes=1024,
    user_sessions=2,
    disks=({"mount": "/", "total_bytes": 1000, "free_bytes": 250},),
)  # type: ignore[arg-type]


def host(seq: int, *, agent: str = "pc1", ts: float = T0) -> tuple[str, bytes]:
    msg = HostMessage(
        v=1, site="maurepas", agent=agent, seq=seq, ts=datetime.fromtimestamp(ts, UTC), body=HOST
    )
    return f"esc/v1/maurepas/{agent}/host", encode(msg)


def status(seq: int, state: str, session: int, *, ts: float = T0) -> tuple[str, bytes]:
    reason = "birth" if state == "online" else "connection_lost"
    msg = StatusMessage(
        v=1,
        site="maurepas",
        agent="pc1",
        seq=seq,
        ts=datetime.fromtimestamp(ts, UTC),
        body=StatusBody(state=state, session=session, reason=reason),
    )  # type: ignore[arg-type]
    return "esc/v1/maurepas/pc1/status", encode(msg)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def setup() -> tuple[Ingestor, CollectorRegistry, Clock]:
    state = FleetState()
    clock = Clock(T0)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(FleetCollector(state, stale_after=180, clock=clock))
    return Ingestor(state), registry, clock


def test_host_reading_becomes_labelled_series(setup: tuple[Ingestor, CollectorRegistry, Clock]) -> None:
    ingestor, registry, _ = setup
    assert ingestor.handle(*host(1), now=T0) is Outcome.ACCEPTED
    labels = {"site": "maurepas", "agent": "pc1"}
    assert registry.get_sample_value("esc_agent_up", labels) == 1.0
    assert registry.get_sample_value("esc_host_user_sessions", labels) == 2.0
    assert registry.get_sample_value("esc_host_memory_available_bytes", labels) == 1024.0
    assert registry.get_sample_value("esc_host_disk_free_bytes", {**labels, "mount": "/"}) == 250.0
    assert registry.get_sample_value("esc_collector_messages_accepted_total", {"kind": "host"}) == 1.0


def test_replayed_seq_is_counted_once(setup: tuple[Ingestor, CollectorRegistry, Clock]) -> None:
    ingestor, registry, _ = setup
    assert ingestor.handle(*host(5), now=T0) is Outcome.ACCEPTED
    assert ingestor.handle(*host(5), now=T0 + 1) is Outcome.DUPLICATE
    # The same seq from another agent is a different message.
    assert ingestor.handle(*host(5, agent="pc2"), now=T0 + 1) is Outcome.ACCEPTED
    # Out-of-order but unseen seq (an outbox replay after a Will) is accepted.
    assert ingestor.handle(*host(3), now=T0 + 2) is Outcome.ACCEPTED
    assert registry.get_sample_value("esc_collector_messages_duplicate_total") == 1.0
    assert registry.get_sample_value("esc_collector_messages_accepted_total", {"kind": "host"}) == 3.0


def test_seq_far_behind_the_window_is_a_replay(setup: tuple[Ingestor, CollectorRegistry, Clock]) -> None:
    ingestor, _, _ = setup
    ingestor.handle(*host(SEQ_WINDOW * 3), now=T0)
    assert ingestor.handle(*host(1), now=T0) is Outcome.DUPLICATE


def test_stale_will_after_new_birth_is_ignored(setup: tuple[Ingestor, CollectorRegistry, Clock]) -> None:
    ingestor, registry, _ = setup
    labels = {"site": "maurepas", "agent": "pc1"}
    assert ingestor.handle(*status(10, "online", session=4), now=T0) is Outcome.ACCEPTED
    # The Will of session 3 lands late: the agent stays up.
    assert ingestor.handle(*status(9, "offline", session=3), now=T0 + 1) is Outcome.STALE_STATUS
    assert registry.get_sample_value("esc_agent_up", labels) == 1.0
    assert registry.get_sample_value("esc_collector_status_stale_total") == 1.0
    # The Will of the current session does mark it down.
    assert ingestor.handle(*status(11, "offline", session=4), now=T0 + 2) is Outcome.ACCEPTED
    assert registry.get_sample_value("esc_agent_up", labels) == 0.0
    # Host series of a down agent are left out rather than frozen.
    assert registry.get_sample_value("esc_host_uptime_seconds", labels) is None


def test_data_after_offline_brings_the_agent_back(setup: tuple[Ingestor, CollectorRegistry, Clock]) -> None:
    ingestor, registry, clock = setup
    ingestor.handle(*status(1, "offline", session=0), now=T0)
    clock.now = T0 + 5
    ingestor.handle(*host(2), now=T0 + 5)
    assert registry.get_sample_value("esc_agent_up", {"site": "maurepas", "agent": "pc1"}) == 1.0


def test_silent_agent_goes_down_after_stale_bound(setup: tuple[Ingestor, CollectorRegistry, Clock]) -> None:
    ingestor, registry, clock = setup
    labels = {"site": "maurepas", "agent": "pc1"}
    ingestor.handle(*host(1), now=T0)
    clock.now = T0 + 180
    assert registry.get_sample_value("esc_agent_up", labels) == 1.0
    clock.now = T0 + 181
    assert registry.get_sample_value("esc_agent_up", labels) == 0.0
    assert registry.get_sample_value("esc_agent_last_seen_timestamp_seconds", labels) == T0


def test_old_retained_status_does_not_look_fresh(setup: tuple[Ingestor, CollectorRegistry, Clock]) -> None:
    ingestor, registry, _ = setup
    # A retained "online" stamped a day ago, received now at collector start.
    ingestor.handle(*status(1, "online", session=2, ts=T0 - 86_400), now=T0, retained=True)
    assert registry.get_sample_value("esc_agent_up", {"site": "maurepas", "agent": "pc1"}) == 0.0


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        ("esc/v1/maurepas/pc1/host", b"\x00\x01garbage", "invalid_json"),
        ("esc/v1/maurepas/pc1/host", b"{}", "unsupported_version"),
        ("other/topic", b"{}", "unknown_topic"),
        ("esc/v1/maurepas/pc1/host", b"{" + b" " * 300_000 + b"}", "oversized"),
        ("esc/v1/maurepas/pc9/host", host(1)[1], "topic_mismatch"),
    ],
)
def test_rejections_are_counted_by_reason(
    setup: tuple[Ingestor, CollectorRegistry, Clock], topic: str, payload: bytes, reason: str
) -> None:
    ingestor, registry, _ = setup
    assert ingestor.handle(topic, payload, now=T0) is Outcome.REJECTED
    assert registry.get_sample_value("esc_collector_messages_rejected_total", {"reason": reason}) == 1.0
    assert registry.get_sample_value("esc_collector_agents") == 0.0


def test_replays_from_before_a_restart_are_not_applied_twice() -> None:
    remembered: list[tuple[str, str, int, str]] = []
    state = FleetState()
    ingestor = Ingestor(state, processed_before={("maurepas", "pc1", ""): 10},
                        remember=lambda site, agent, seq, epoch: remembered.append((site, agent, seq, epoch)))  # fmt: skip
    assert (
        ingestor.handle(*host(9), now=T0) is Outcome.DUPLICATE
    )  # redelivered by the broker after the restart
    assert ingestor.handle(*host(10), now=T0) is Outcome.DUPLICATE
    assert ingestor.handle(*host(11), now=T0) is Outcome.ACCEPTED
    # Status messages are judged by their session, not their seq (a Will carries an older seq).
    assert ingestor.handle(*status(5, "online", session=3), now=T0) is Outcome.ACCEPTED
    assert remembered == [("maurepas", "pc1", 11, "")]
