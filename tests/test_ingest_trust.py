"""Ingestion trust boundaries, pure: enrolment, caps, epochs, the clock guard, storage failures.

A real Tracker and an in-memory History behind the Ingestor, time injected.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import msgspec
import pytest
from prometheus_client import CollectorRegistry

from agent.contract.messages import (
    DeviceBody,
    DeviceMessage,
    FunctionState,
    HostBody,
    HostMessage,
    Reason,
    StatusBody,
    StatusMessage,
    encode,
)
from collector.exporter import FleetCollector
from collector.history import History
from collector.ingest import Accepted, Ingestor, Limits, Outcome
from collector.sites import SitesFile
from collector.state import FleetState
from collector.tracker import Tracker

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC).timestamp()
HOST = HostBody(os="Linux", boot_time=T0 - 3600, uptime_seconds=3600.0, cpu_count=2, cpu_usage_ratio=0.5,
                memory_total_bytes=4096, memory_available_bytes=1024, user_sessions=0)  # fmt: skip
SITES = msgspec.convert(
    {"sites": {
        "maurepas": {
            "name": "ESC Maurepas", "opening_hours": "24/7",
            "devices": {"mfp": {"name": "le copieur", "functions": ["print", "scan"]}},
            "agents": {"pc1": {"name": "le poste 1"}},
            "services": {"impression": {"devices": ["mfp"]}, "numerisation": {"devices": ["mfp"]},
                         "postes": {"pcs": ["pc1"]}},
        },
        "kleber": {"name": "ESC Kléber", "opening_hours": "24/7", "agents": {"pc9": {}}},
    }},
    SitesFile,
)  # fmt: skip


def device(seq: int, *, ts: float, jam: bool = False, agent: str = "pc1", site: str = "maurepas",
           dev: str = "mfp", epoch: str | None = None) -> tuple[str, bytes]:  # fmt: skip
    reasons = (
        (Reason(code="jam", label="Bourrage papier", severity="down", functions=("print",)),) if jam else ()
    )
    body = DeviceBody(
        device=dev, kind="printer", reachable=True, state="degraded" if jam else "ok", label="x", reasons=reasons,
        functions=(FunctionState(function="print", state="down" if jam else "ok"),
                   FunctionState(function="scan", state="ok")),
    )  # fmt: skip
    message = DeviceMessage(
        v=1, site=site, agent=agent, epoch=epoch, seq=seq, ts=datetime.fromtimestamp(ts, UTC), body=body
    )
    return f"esc/v1/{site}/{agent}/device/{dev}", encode(message)


def host(
    seq: int, *, ts: float, epoch: str | None = None, agent: str = "pc1", site: str = "maurepas"
) -> tuple[str, bytes]:
    message = HostMessage(
        v=1, site=site, agent=agent, epoch=epoch, seq=seq, ts=datetime.fromtimestamp(ts, UTC), body=HOST
    )
    return f"esc/v1/{site}/{agent}/host", encode(message)


def birth(seq: int, *, ts: float, session: int = 1) -> tuple[str, bytes]:
    body = StatusBody(state="online", session=session, reason="birth")
    message = StatusMessage(
        v=1, site="maurepas", agent="pc1", seq=seq, ts=datetime.fromtimestamp(ts, UTC), body=body
    )
    return "esc/v1/maurepas/pc1/status", encode(message)


class World:
    """An ingestor wired like the collector: tracker.observe in one history transaction."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.state = FleetState()
        self.history = History(":memory:")
        self.tracker = Tracker(SITES, self.state, self.history, stale_after=180, now=T0)
        self.now = T0
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(
            FleetCollector(self.state, stale_after=180, clock=lambda: self.now, tracker=self.tracker)
        )

        def on_accepted(accepted: Accepted) -> None:
            with self.history.batch():
                self.tracker.observe(accepted)

        self.ingestor = Ingestor(self.state, limits=limits, sites=SITES, on_accepted=on_accepted)

    def handle(self, message: tuple[str, bytes], *, at: float, retained: bool = False) -> Outcome:
        self.now = at
        return self.ingestor.handle(*message, now=at, retained=retained)

    def value(self, name: str, **labels: str) -> float | None:
        return self.registry.get_sample_value(name, labels)

    def transitions(self, function: str = "print") -> list[tuple[float, str]]:
        timeline = self.history.timelines("maurepas", 0, T0 + 1e6).get(("device", "mfp", function), [])
        return [(x.ts, x.state) for x in timeline]


# --------------------------------------------------------------------------- enrolment and caps


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (device(1, ts=T0, site="carrefour-18"), "unknown_site"),
        (device(1, ts=T0, agent="intrus"), "unenrolled_agent"),
        (device(1, ts=T0, dev="fake-jam"), "undeclared_device"),
        (device(1, ts=T0, agent="pc9", site="maurepas"), "unenrolled_agent"),  # pc9 belongs to Kléber
        (
            host(1, ts=T0, agent="pc1", site="kleber"),
            "unenrolled_agent",
        ),  # pc1 of Maurepas publishing for Kléber
    ],
)
def test_only_what_a_site_declares_is_taken(message: tuple[str, bytes], reason: str) -> None:
    world = World()
    assert world.handle(message, at=T0) is Outcome.DROPPED
    assert world.value("esc_collector_messages_dropped_total", reason=reason) == 1.0
    assert world.state.devices == {}
    assert world.value("esc_collector_messages_accepted_total", kind="device") == 0.0


def test_a_device_cap_per_agent() -> None:
    sites = msgspec.convert(
        {"sites": {"s": {"name": "S", "opening_hours": "24/7", "agents": {"pc1": {}},
                         "devices": {f"d{i}": {} for i in range(5)}}}},
        SitesFile,
    )  # fmt: skip
    state = FleetState()
    ingestor = Ingestor(state, sites=sites, limits=Limits(max_devices_per_agent=3))
    outcomes = [ingestor.handle(*device(i, ts=T0, site="s", dev=f"d{i}"), now=T0) for i in range(5)]
    assert outcomes == [Outcome.ACCEPTED] * 3 + [Outcome.DROPPED] * 2
    assert state.counters.dropped["too_many_devices"] == 2
    # A device already taken keeps being taken.
    assert ingestor.handle(*device(9, ts=T0, site="s", dev="d0"), now=T0 + 1) is Outcome.ACCEPTED


def test_a_flooding_agent_is_rate_limited_after_its_burst() -> None:
    world = World(Limits(messages_per_second=2.0, burst_messages=10.0))
    outcomes = [world.handle(host(i, ts=T0), at=T0) for i in range(15)]
    assert outcomes.count(Outcome.ACCEPTED) == 10
    assert world.value("esc_collector_messages_dropped_total", reason="rate_limited") == 5.0
    # Two seconds later it earned four more.
    assert [world.handle(host(100 + i, ts=T0 + 2), at=T0 + 2) for i in range(5)].count(Outcome.ACCEPTED) == 4


# --------------------------------------------------------------------------- epochs


def test_a_reinstalled_agent_is_heard_while_replays_stay_duplicates() -> None:
    world = World()
    assert world.handle(host(40, ts=T0, epoch="old"), at=T0) is Outcome.ACCEPTED
    assert world.handle(host(0, ts=T0 + 60, epoch="new1"), at=T0 + 60) is Outcome.ACCEPTED  # seq from 0
    assert world.handle(host(1, ts=T0 + 120, epoch="new1"), at=T0 + 120) is Outcome.ACCEPTED
    assert world.handle(host(1, ts=T0 + 120, epoch="new1"), at=T0 + 121) is Outcome.DUPLICATE
    assert world.handle(host(40, ts=T0, epoch="old"), at=T0 + 122) is Outcome.DUPLICATE


def test_processed_seqs_are_kept_per_epoch_across_restarts() -> None:
    state = FleetState()
    ingestor = Ingestor(state, processed_before={("maurepas", "pc1", "a"): 10})
    assert ingestor.handle(*host(10, ts=T0, epoch="a"), now=T0) is Outcome.DUPLICATE
    assert ingestor.handle(*host(3, ts=T0, epoch="b"), now=T0) is Outcome.ACCEPTED  # another install


# --------------------------------------------------------------------------- event time


def test_readings_count_at_the_instant_observed() -> None:
    world = World()
    # Observed at 10:00, 10:01 (jam), 10:02 — delivered together at 10:30 (outbox replay).
    for seq, minute in enumerate((0, 1, 2)):
        assert (
            world.handle(device(seq, ts=T0 + 60 * minute, jam=minute == 1), at=T0 + 1_800) is Outcome.ACCEPTED
        )
    assert world.transitions("print") == [(T0, "ok"), (T0 + 60, "down"), (T0 + 120, "ok")]
    assert world.transitions("scan") == [(T0, "ok")]  # the jam is a printing matter
    # Their observed time: 10:00 to 10:02 + stale_after.
    assert world.history.coverage("maurepas", 0, T0 + 1e6)[("device", "mfp")] == [(T0, T0 + 120 + 180)]


def test_a_reading_from_the_future_is_dated_on_arrival_and_freezes_nothing() -> None:
    world = World()
    assert world.handle(device(1, ts=T0 + 7_200, jam=True), at=T0) is Outcome.ACCEPTED  # 2 h ahead
    assert world.value("esc_collector_untrusted_times_total") == 1.0
    assert world.transitions() == [(T0, "down")]  # at its arrival, not at T0 + 2 h
    # The next, correctly dated reading is taken: the device is not stuck.
    assert world.handle(device(2, ts=T0 + 60), at=T0 + 60) is Outcome.ACCEPTED
    assert world.transitions() == [(T0, "down"), (T0 + 60, "ok")]
    world.tracker.evaluate(T0 + 60)
    assert world.value("esc_device_state", site="maurepas", device="mfp", state="ok") == 1.0


def test_an_agent_whose_clock_is_off_is_measured_and_dated_on_arrival() -> None:
    world = World()
    # Its birth, published live, says 09:00 while the collector's clock says 10:00: an hour behind.
    assert world.handle(birth(1, ts=T0 - 3_600), at=T0) is Outcome.ACCEPTED
    assert world.value("esc_agent_clock_offset_seconds", site="maurepas", agent="pc1") == pytest.approx(
        -3_600
    )
    world.handle(device(2, ts=T0 - 3_590, jam=True), at=T0 + 10)
    assert world.transitions() == [(T0 + 10, "down")]  # its own stamp would be an hour early
    assert world.value("esc_agent_untrusted_times_total", site="maurepas", agent="pc1") == 1.0


def test_a_retained_birth_does_not_measure_the_clock() -> None:
    world = World()
    world.handle(birth(1, ts=T0 - 86_400), at=T0, retained=True)  # yesterday's retained birth
    assert world.value("esc_agent_clock_offset_seconds", site="maurepas", agent="pc1") is None


# --------------------------------------------------------------------------- storage failures


def test_a_message_whose_effects_cannot_be_stored_is_processed_on_redelivery() -> None:
    world = World()
    failing = {"on": True}
    original = world.tracker.observe

    def observe(accepted: Accepted) -> None:
        if failing["on"]:
            raise sqlite3.OperationalError("database or disk is full")
        original(accepted)

    world.tracker.observe = observe  # type: ignore[method-assign]
    message = device(7, ts=T0, jam=True)
    with pytest.raises(sqlite3.OperationalError):
        world.handle(message, at=T0)
    failing["on"] = False
    assert world.handle(message, at=T0 + 5) is Outcome.ACCEPTED  # the broker's redelivery counts
    assert world.transitions() == [(T0, "down")]


def test_late_readings_change_the_report_not_the_live_counters() -> None:
    from collector.figures import service_figures

    world = World()
    world.tracker.evaluate(T0)
    world.tracker.evaluate(T0 + 60)  # nobody reported yet: the live view counted 60 s unknown
    counters = dict(world.tracker.counters)
    assert counters[("maurepas", "impression", "unknown")] == 60
    # The readings of that minute arrive late (outbox replay) at T0 + 120.
    for seq, second in enumerate((0, 20, 40, 60)):
        world.handle(device(seq, ts=T0 + second), at=T0 + 120)
    figures = service_figures(
        SITES.sites["maurepas"], "impression", world.history.timelines("maurepas", T0, T0 + 60), T0, T0 + 60,
        coverage=world.history.coverage("maurepas", T0, T0 + 60),
    )  # fmt: skip
    assert (figures.up_seconds, figures.unknown_seconds) == (60, 0)  # the report: measured and up
    world.tracker.evaluate(T0 + 120)
    after = world.tracker.counters
    assert after[("maurepas", "impression", "unknown")] >= counters[("maurepas", "impression", "unknown")]
    assert all(after[key] >= value for key, value in counters.items())  # counters never go back


def test_a_reinstalled_agents_statuses_are_not_taken_for_stale_ones() -> None:
    world = World()

    def status(seq: int, state: str, session: int, epoch: str, reason: str) -> tuple[str, bytes]:
        body = StatusBody(state=state, session=session, reason=reason)  # type: ignore[arg-type]
        message = StatusMessage(v=1, site="maurepas", agent="pc1", epoch=epoch, seq=seq,
                                ts=datetime.fromtimestamp(T0, UTC), body=body)  # fmt: skip
        return "esc/v1/maurepas/pc1/status", encode(message)

    assert world.handle(status(50, "online", 57, "old", "birth"), at=T0) is Outcome.ACCEPTED
    # Reinstalled: new epoch, sessions from 0 again. Its birth and its clean stop count.
    assert world.handle(status(0, "online", 0, "new1", "birth"), at=T0 + 60) is Outcome.ACCEPTED
    assert world.handle(status(1, "offline", 0, "new1", "clean_stop"), at=T0 + 120) is Outcome.ACCEPTED
    assert world.value("esc_agent_up", site="maurepas", agent="pc1") == 0.0
    # Within one install, an older session's Will is still stale.
    assert world.handle(status(2, "online", 2, "new1", "birth"), at=T0 + 180) is Outcome.ACCEPTED
    assert (
        world.handle(status(3, "offline", 1, "new1", "connection_lost"), at=T0 + 181) is Outcome.STALE_STATUS
    )
