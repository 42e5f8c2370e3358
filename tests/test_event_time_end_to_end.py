"""Every counted second happened, on real components (issue 11, point 5).

Real Mosquitto, ``esc-collector run``, ``esc-agent run`` and snmpsim serving a real recording.
Time is compressed by scale: a broker outage of 30 s with a poll every 5 s stands for the half
hour of the issue (the rules do not depend on the scale; stale_after is 15 s).
"""

from __future__ import annotations

import signal
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from agent.contract.messages import (
    DeviceBody,
    DeviceMessage,
    FunctionState,
    Reason,
    StatusBody,
    StatusMessage,
    encode,
)
from collector.figures import service_figures
from collector.history import History
from collector.sites import load_sites

from helpers.agent import printer_block, start_agent, write_agent_config
from helpers.broker import Broker, start_mosquitto
from helpers.collector import CollectorProc, start_collector
from helpers.processes import stop_process, wait_for
from helpers.recordings import jammed, recording
from helpers.sites import member, service, site, sites_toml
from helpers.snmp import Simulator

STALE = 15.0
SITES = sites_toml(
    site(
        "maurepas",
        name="ESC Maurepas",
        opening_hours="24/7",
        devices={"hp": member("le copieur de l'accueil", functions=["print"])},
        agents={
            "accueil-pc1": member("le poste 1 de l'accueil"),
            "pc-horloge": member("le poste à l'heure fausse"),
        },
        services={"impression": service(devices=["hp"])},
    )
)
PERSISTENT = "allow_anonymous true\npersistence true\npersistence_location {folder}/\nautosave_interval 1\n"


def broker_with_persistence(folder: Path, port: int | None = None) -> Broker:
    # The collector's persistent session must survive the broker's restart, as in production.
    return start_mosquitto(folder, PERSISTENT.format(folder=folder), port=port)


def transitions(db: Path, member_id: str = "hp", function: str = "print") -> list[tuple[float, str]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT ts, state FROM transitions WHERE kind='device' AND member=? AND function=? ORDER BY id",
            (member_id, function),
        )
        return [(float(ts), state) for ts, state in rows]


def figures_between(folder: Path, start: float, end: float):  # type: ignore[no-untyped-def]
    sites = load_sites(folder / "sites.toml")
    history = History(folder / "history.sqlite3")
    try:
        return service_figures(
            sites.sites["maurepas"], "impression", history.timelines("maurepas", start, end), start, end,
            coverage=history.coverage("maurepas", start, end),
        )  # fmt: skip
    finally:
        history.close()


def agent_config(tmp_path: Path, snmpsim: Simulator, slot: str) -> Path:
    extra = printer_block("hp", snmpsim.port, slot) + "[devices]\ninterval = 5\nunreachable_after = 3\n"
    return write_agent_config(tmp_path / "agent", extra=extra, interval=5)


def test_readings_kept_during_a_broker_outage_count_at_their_own_instants(
    tmp_path: Path, snmpsim: Simulator
) -> None:
    slot = snmpsim.claim(recording("jetdirect_m880"))
    broker = broker_with_persistence(tmp_path / "mosquitto")
    collector = start_collector(tmp_path / "collector", broker, sites=SITES, stale_after=STALE)
    agent = start_agent(agent_config(tmp_path, snmpsim, slot), broker, tmp_path / "agent.log")
    db = tmp_path / "collector" / "history.sqlite3"
    try:
        wait_for(lambda: transitions(db), timeout=30, what="the printer observed live")
        # The broker goes away for 30 s; meanwhile the printer jams for ~10 s and is repaired.
        stop_process(broker.proc)
        outage_start = time.time()
        time.sleep(8)
        snmpsim.put(slot, jammed(recording("jetdirect_m880")))
        jam_start = time.time()
        time.sleep(12)
        snmpsim.put(slot, recording("jetdirect_m880"))
        jam_end = time.time()
        time.sleep(max(0.0, outage_start + 30 - time.time()))
        broker = broker_with_persistence(tmp_path / "mosquitto", port=broker.port)
        outage_end = time.time()
        # The agent's outbox replays every reading; the collector records them at their instants.
        wait_for(lambda: [s for _ts, s in transitions(db)][-2:] == ["down", "degraded"], timeout=60,
                 what="the jam and the repair replayed")  # fmt: skip
    finally:
        stop_process(agent)
        stop_process(collector.proc)
        stop_process(broker.proc)
    recorded = transitions(db)
    down_at = next(ts for ts, s in recorded if s == "down")
    repaired_at = next(ts for ts, s in recorded if ts > down_at)
    # Observed within one poll (5 s) after the recording changed, and long before the replay.
    assert jam_start <= down_at <= jam_start + 6
    assert jam_end <= repaired_at <= jam_end + 6
    assert repaired_at < outage_end
    # The report's figures over the outage: one interruption of the jam's length, nothing unknown.
    figures = figures_between(tmp_path / "collector", outage_start, outage_end)
    assert figures.unknown_seconds == 0
    assert len(figures.outages) == 1
    assert figures.outages[0].open_seconds == pytest.approx(repaired_at - down_at)
    assert figures.up_seconds + figures.down_seconds == pytest.approx(outage_end - outage_start)


def test_a_change_during_a_collector_kill_is_recorded_at_its_real_instant(
    tmp_path: Path, snmpsim: Simulator
) -> None:
    slot = snmpsim.claim(recording("jetdirect_m880"))
    broker = broker_with_persistence(tmp_path / "mosquitto")
    folder = tmp_path / "collector"
    collector = start_collector(folder, broker, sites=SITES, stale_after=STALE)
    port = collector.port
    agent = start_agent(agent_config(tmp_path, snmpsim, slot), broker, tmp_path / "agent.log")
    db = folder / "history.sqlite3"
    try:
        wait_for(lambda: transitions(db), timeout=30, what="the printer observed live")
        collector.proc.send_signal(signal.SIGKILL)
        collector.proc.wait(5)
        killed = time.time()
        snmpsim.put(slot, jammed(recording("jetdirect_m880")))
        jam_start = time.time()
        time.sleep(12)  # two polls while nobody collects: the broker queues them for the session
        collector = start_collector(folder, broker, sites=SITES, stale_after=STALE, port=port)
        restarted = time.time()
        wait_for(
            lambda: [s for _ts, s in transitions(db)][-1:] == ["down"], timeout=30, what="the jam recorded"
        )
    finally:
        stop_process(agent)
        stop_process(collector.proc)
        stop_process(broker.proc)
    down_at = next(ts for ts, s in transitions(db) if s == "down")
    assert killed < jam_start <= down_at <= jam_start + 6 < restarted
    # No gap in the observed time: the queued readings covered the time the collector was dead.
    figures = figures_between(folder, killed, restarted)
    assert figures.unknown_seconds == 0


def test_a_reading_from_a_wrong_clock_neither_freezes_the_device_nor_enters_the_history_then(
    tmp_path: Path, mosquitto: Broker, snmpsim: Simulator
) -> None:
    slot = snmpsim.claim(recording("jetdirect_m880"))
    collector: CollectorProc = start_collector(
        tmp_path / "collector", mosquitto, sites=SITES, stale_after=STALE
    )
    agent = start_agent(agent_config(tmp_path, snmpsim, slot), mosquitto, tmp_path / "agent.log")
    db = tmp_path / "collector" / "history.sqlite3"
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="pc-horloge")
    client.connect("127.0.0.1", mosquitto.port)
    client.loop_start()
    try:
        wait_for(lambda: transitions(db), timeout=30, what="the printer observed live")
        now = time.time()
        future = datetime.fromtimestamp(now + 7_200, UTC)  # a PC whose clock runs 2 h ahead
        body = DeviceBody(
            device="hp", kind="printer", reachable=True, state="down", label="hors service : bourrage",
            reasons=(Reason(code="jam", label="Bourrage papier", severity="down", functions=("print",)),),
            functions=(FunctionState(function="print", state="down"),),
        )  # fmt: skip
        birth = StatusMessage(v=1, site="maurepas", agent="pc-horloge", seq=0, ts=future,
                              body=StatusBody(state="online", session=1, reason="birth"))  # fmt: skip
        reading = DeviceMessage(v=1, site="maurepas", agent="pc-horloge", seq=1, ts=future, body=body)
        client.publish("esc/v1/maurepas/pc-horloge/status", encode(birth), qos=1).wait_for_publish(5)
        client.publish("esc/v1/maurepas/pc-horloge/device/hp", encode(reading), qos=1).wait_for_publish(5)
        wait_for(lambda: collector.value("esc_collector_untrusted_times_total") == 1.0, timeout=10,
                 what="the reading dated on arrival")  # fmt: skip
        offset = collector.value("esc_agent_clock_offset_seconds", site="maurepas", agent="pc-horloge")
        assert offset is not None
        assert 7_190 < offset < 7_210
        # The live agent's next polls take over: the printer is not frozen in the false jam.
        wait_for(lambda: collector.value("esc_device_state", site="maurepas", device="hp", state="down") is None,
                 timeout=30, what="the printer back to its real state")  # fmt: skip
    finally:
        client.loop_stop()
        client.disconnect()
        stop_process(agent)
        stop_process(collector.proc)
    assert all(ts < now + 120 for ts, _s in transitions(db))  # nothing entered the history at 2 h ahead


def test_a_restart_gap_is_never_counted_as_up(tmp_path: Path, mosquitto: Broker, snmpsim: Simulator) -> None:
    # Bug 4 of the issue: the collector killed right after recording a state, nobody observing while
    # it was away. That time must be unknown (no coverage), not "as before".
    slot = snmpsim.claim(recording("jetdirect_m880"))
    folder = tmp_path / "collector"
    collector = start_collector(folder, mosquitto, sites=SITES, stale_after=STALE)
    port = collector.port
    agent = start_agent(agent_config(tmp_path, snmpsim, slot), mosquitto, tmp_path / "agent.log")
    db = folder / "history.sqlite3"
    try:
        wait_for(lambda: transitions(db), timeout=30, what="the printer observed live")
        agent.send_signal(signal.SIGKILL)  # its PC dies: no clean stop
        agent.wait(5)
        collector.proc.send_signal(signal.SIGKILL)
        collector.proc.wait(5)
        dead_from = time.time()
        time.sleep(STALE + 10)
        collector = start_collector(folder, mosquitto, sites=SITES, stale_after=STALE, port=port)
        dead_to = time.time()
    finally:
        stop_process(agent)
        stop_process(collector.proc)
    with sqlite3.connect(db) as conn:
        last_reading_end = conn.execute("SELECT MAX(end) FROM coverage WHERE member='hp'").fetchone()[0]
    figures = figures_between(folder, dead_from, dead_to)
    # Covered only up to the last reading + stale_after; everything after it is unknown.
    assert figures.unknown_seconds == pytest.approx(dead_to - max(dead_from, last_reading_end))
    assert figures.unknown_seconds > 10
    assert figures.up_seconds == pytest.approx(max(0.0, last_reading_end - dead_from))
