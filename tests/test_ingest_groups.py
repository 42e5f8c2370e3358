"""Messages stored in groups (one transaction, then the acknowledgements), on a real Mosquitto.

The collector runs in this process (``CollectorService``, as ``esc-collector run`` wires it);
an agent on the wire contract publishes printer observations whose state alternates, so that
every message writes one transition: the history then shows whether a message was lost or
applied twice. The storage failure is a real one: another SQLite connection holds the
history's write lock, so the collector's commit fails with « database is locked ».
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from agent.contract.messages import PrinterStatus, Supply
from collector.history import History
from collector.service import CollectorService
from collector.sites import SitesFile
from collector.state import FleetState
from collector.supplies import SupplySettings
from collector.tracker import Tracker

from helpers.broker import Broker
from helpers.collector import in_process_collector
from helpers.fleet import ContractAgent
from helpers.processes import wait_for

DEVICE = "hp"


@pytest.fixture
def running(tmp_path: Path, mosquitto: Broker) -> Iterator[CollectorService]:
    collector = in_process_collector(tmp_path, mosquitto, "groups", DEVICE)
    collector.subscriber.probe_every = 0.3
    collector.start()
    try:
        wait_for(lambda: collector.state.mqtt_connected, timeout=15, what="collector connected")
        yield collector
    finally:
        collector.stop()


def _publish(agent: ContractAgent, count: int) -> None:
    """Publish ``count`` observations, each the opposite of the one before (a transition each)."""
    for _ in range(count):
        agent.device(DEVICE, ("jam",) if agent.seq % 2 else ())


def _transitions(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT COUNT(*) FROM transitions WHERE member=?", (DEVICE,)).fetchone()[0])


def _stored_seq(path: Path) -> int:
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT MAX(seq) FROM sequences WHERE agent='accueil-pc1'").fetchone()
    return int(row[0] or 0)


def test_every_message_is_stored_once(running: CollectorService, mosquitto: Broker) -> None:
    path = running.config.history.file
    agent = ContractAgent(mosquitto.port, "maurepas", "accueil-pc1")
    try:
        _publish(agent, 60)
        wait_for(lambda: _stored_seq(path) == agent.seq, timeout=30, what="every message stored")
    finally:
        agent.close()
    assert _transitions(path) == 60
    assert running.state.counters.duplicates == 0


def test_a_locked_history_blocks_the_group_and_its_messages_are_redelivered(
    running: CollectorService, mosquitto: Broker
) -> None:
    path = running.config.history.file
    agent = ContractAgent(mosquitto.port, "maurepas", "accueil-pc1")
    try:
        _publish(agent, 20)
        wait_for(lambda: _stored_seq(path) == agent.seq, timeout=30, what="the first messages stored")
        lock = sqlite3.connect(path, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")  # another writer holds the lock: every commit of ours fails
        try:
            _publish(agent, 30)  # the broker acknowledges the agent; the collector cannot store them
            wait_for(
                lambda: running.state.storage_error is not None, timeout=30, what="the collector blocked"
            )
            wait_for(lambda: not running.state.mqtt_connected, timeout=10, what="the collector disconnected")
            assert "locked" in (running.state.storage_error or "")
            _publish(agent, 10)  # queued by the broker in the collector's session meanwhile
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        wait_for(lambda: running.state.storage_error is None, timeout=30, what="the storage back")
        wait_for(lambda: _stored_seq(path) == agent.seq, timeout=60, what="the redelivered messages stored")
    finally:
        agent.close()
    # Nothing lost, nothing applied twice: one transition per message, in order.
    assert _transitions(path) == 60
    with sqlite3.connect(path) as db:
        states = [
            row[0]
            for row in db.execute("SELECT state FROM transitions WHERE member=? ORDER BY id", (DEVICE,))
        ]
    assert states == ["ok", "down"] * 30


# --------------------------------------------------------------------------- readings to the supply book

T = 1_800_000_000.0


def _printer(level: int, serial: str = "S1", pages: int = 100) -> PrinterStatus:
    supply = Supply(index="1", description="Black Toner CF410A", type="toner", supply_class="consumed",
                    unit="percent", raw_level=level, raw_max=100, percent=float(level), state="ok",
                    precision="exact")  # fmt: skip
    return PrinterStatus(serial=serial, page_count=pages, supplies=(supply,))


#: Readings of one printer, in arrival order: (event time, level, serial, passed to the book?).
SUPPLY_CASES = [
    pytest.param([(T, 50, "S1", True)], id="first reading"),
    pytest.param([(T, 50, "S1", True), (T + 60, 50, "S1", False)], id="same supplies a minute later"),
    pytest.param([(T, 50, "S1", True), (T + 60, 49, "S1", True)], id="a level moved"),
    pytest.param([(T, 50, "S1", True), (T + 60, 50, "S2", True)], id="another printer behind the id"),
    pytest.param([(T, 50, "S1", True), (T + 60, 50, "S1", False), (T + 300, 50, "S1", True)],
                 id="unchanged, passed on again after sample_every"),
    pytest.param([(T, 50, "S1", True), (T + 240, 50, "S1", False), (T + 120, 90, "S1", False)],
                 id="older than the newest: the book would ignore it"),
    pytest.param([(T, 50, "S1", True), (T + 60, 49, "S1", True), (T + 120, 49, "S1", False),
                  (T + 359, 49, "S1", False), (T + 360, 49, "S1", True)], id="the pace restarts at each pass"),
]  # fmt: skip


@pytest.mark.parametrize("readings", SUPPLY_CASES)
def test_which_readings_go_to_the_supply_book(readings: list[tuple[float, int, str, bool]]) -> None:
    sites = msgspec.convert({"sites": {"maurepas": {"name": "ESC", "opening_hours": "24/7",
                                                    "services": {"impression": {"devices": ["hp"]}}}}}, SitesFile)  # fmt: skip
    tracker = Tracker(sites, FleetState(), History(":memory:"), stale_after=180, now=T,
                      supplies=SupplySettings(sample_every=300.0))  # fmt: skip
    passed = [
        tracker._supplies_changed("maurepas", "hp", _printer(level, serial), at)
        for at, level, serial, _ in readings
    ]
    assert passed == [expected for *_, expected in readings]
