"""Availability on real components: services, counters, history that survives kill -9."""

from __future__ import annotations

import json
import signal
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from agent.contract.messages import DeviceBody, DeviceMessage, Reason, encode

from helpers.agent import printer_block, start_agent, write_agent_config
from helpers.broker import Broker
from helpers.collector import CollectorProc, start_collector
from helpers.processes import free_port, stop_process, wait_for
from helpers.recordings import jammed, recording
from helpers.sites import member, service, site, sites_toml
from helpers.snmp import Simulator

SITES = sites_toml(
    site(
        "maurepas",
        name="ESC Maurepas",
        opening_hours="24/7",
        contact="secretariat.maurepas@example.org",
        services={"impression": service(devices=["hp"]), "postes": service(pcs=["accueil-pc1"])},
        agents={"pc-test": member("le poste de test")},
    )
)


def start(folder: Path, broker: Broker, *, port: int | None = None) -> CollectorProc:
    return start_collector(folder, broker, sites=SITES, stale_after=30, port=port)


def states(db: Path, kind: str, member: str) -> list[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT state FROM transitions WHERE kind=? AND member=? ORDER BY id", (kind, member)
        )
        return [row[0] for row in rows]


def test_services_counters_and_history(tmp_path: Path, mosquitto: Broker, snmpsim: Simulator) -> None:
    slot = snmpsim.claim(recording("jetdirect_m880"))
    collector = start(tmp_path / "collector", mosquitto)
    extra = printer_block("hp", snmpsim.port, slot) + "[devices]\ninterval = 5\n"
    config = write_agent_config(tmp_path / "agent", extra=extra, interval=5)
    agent = start_agent(config, mosquitto, tmp_path / "agent.log")
    service = {"site": "maurepas", "service": "impression"}
    try:
        wait_for(
            lambda: collector.value("esc_service_up", **service) == 1.0, timeout=20, what="impression up"
        )
        assert collector.value("esc_site_open", site="maurepas") == 1.0
        assert collector.value("esc_service_up", site="maurepas", service="postes") == 1.0
        first = collector.value("esc_service_available_seconds_total", **service) or 0.0
        wait_for(lambda: (collector.value("esc_service_available_seconds_total", **service) or 0) > first + 1,
                 timeout=5, what="available seconds growing")  # fmt: skip
        opened = collector.value("esc_service_open_seconds_total", **service)
        available = collector.value("esc_service_available_seconds_total", **service)
        assert opened is not None
        assert available is not None
        assert available <= opened
        snmpsim.put(slot, jammed(recording("jetdirect_m880")))
        wait_for(
            lambda: collector.value("esc_service_up", **service) == 0.0, timeout=20, what="impression down"
        )
        assert collector.value("esc_service_state", **service, state="down") == 1.0
        # A clean stop of the agent: the PC is off, so « postes » is down.
        agent.send_signal(signal.SIGTERM)
        agent.wait(15)
        wait_for(lambda: collector.value("esc_service_up", site="maurepas", service="postes") == 0.0, timeout=5,
                 what="postes down")  # fmt: skip
    finally:
        stop_process(agent)
        stop_process(collector.proc)
    db = tmp_path / "collector" / "history.sqlite3"
    # The printer, judged by printing: degraded (tray 1 empty), then jammed. Once its only observer
    # left, nobody observes it: its coverage run ends (no "unknown" row: unknown is what no run covers).
    assert states(db, "device", "hp")[-2:] == ["degraded", "down"]
    with sqlite3.connect(db) as conn:
        functions = {row[0] for row in conn.execute("SELECT function FROM transitions WHERE member='hp'")}
        assert functions == {"print"}
        runs = conn.execute("SELECT start, end FROM coverage WHERE kind='device' AND member='hp'").fetchall()
        stopped = conn.execute(
            "SELECT ts FROM transitions WHERE kind='pc' AND member='accueil-pc1' ORDER BY id DESC LIMIT 1"
        ).fetchone()[0]
        reasons = conn.execute(
            "SELECT reasons FROM transitions WHERE kind='pc' AND member='accueil-pc1' ORDER BY id DESC LIMIT 1"
        ).fetchone()[0]
    assert len(runs) == 1
    assert runs[0][1] == stopped  # the agent's clean stop ends the printer's observed time
    assert states(db, "pc", "accueil-pc1")[-1] == "down"
    assert json.loads(reasons) == ["pc_off"]
    # Counters survive the restart.
    again = start(tmp_path / "collector", mosquitto)
    try:
        assert (again.value("esc_service_open_seconds_total", **service) or 0) >= opened
    finally:
        stop_process(again.proc)


def test_kill_9_during_ingestion_loses_no_transition(tmp_path: Path, mosquitto: Broker) -> None:
    folder = tmp_path / "collector"
    port = free_port()
    collector = start(folder, mosquitto, port=port)
    db = folder / "history.sqlite3"
    published = []
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="agent-replay")
    client.connect("127.0.0.1", mosquitto.port)
    client.loop_start()
    try:
        for seq in range(300):
            down = seq % 2 == 1
            body = DeviceBody(device="hp", kind="printer", reachable=True, state="down" if down else "ok",
                              label="x", reasons=(Reason(code="jam", label="Bourrage papier"),) if down else ())  # fmt: skip
            message = DeviceMessage(
                v=1, site="maurepas", agent="pc-test", seq=seq, ts=datetime.now(UTC), body=body
            )
            client.publish("esc/v1/maurepas/pc-test/device/hp", encode(message), qos=1).wait_for_publish(5)
            published.append(body.state)
            if seq == 120:
                wait_for(lambda: len(states(db, "device", "hp")) > 30, timeout=10, what="some transitions")
                collector.proc.send_signal(signal.SIGKILL)
                collector.proc.wait(5)
    finally:
        client.disconnect()
        client.loop_stop()
    # Restarted with the same MQTT session: the broker delivers what was not acknowledged.
    collector = start(folder, mosquitto, port=port)
    try:
        wait_for(lambda: states(db, "device", "hp")[-1:] == ["down"] and len(states(db, "device", "hp")) >= 300,
                 timeout=30, what="every transition recorded")  # fmt: skip
    finally:
        stop_process(collector.proc)
    recorded = states(db, "device", "hp")
    # Every published state change is in the history, in order; the restart may repeat the state in
    # force when the collector came back, never drop one.
    collapsed = [s for i, s in enumerate(recorded) if i == 0 or s != recorded[i - 1]]
    assert collapsed == published
