"""Issue 12 rows 3 and 4 at the broker: the shipped Mosquitto config binds identities and keeps the queue.

Real Mosquitto started with ``deploy/mosquitto/mosquitto.conf`` and ``acl`` (paths and port adapted),
real ``esc-collector run``; the agent's credential is used by a raw MQTT client, as a visitor who
found it on a public PC would.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from helpers.collector import CollectorProc, start_collector
from helpers.hostile import (
    RawClient,
    envelope,
    host_body,
    password_file,
    payload,
    start_shipped_mosquitto,
    topic,
)
from helpers.processes import stop_process, wait_for

QUEUED = 100


def _collector(folder: Path, broker_folder: Path, broker: object) -> CollectorProc:
    extra = f'username = "collector"\npassword_file = "{password_file(broker_folder, "collector")}"\n'
    return start_collector(folder, broker, extra=extra)  # type: ignore[arg-type]


def _accepted(collector: CollectorProc) -> float:
    return collector.value("esc_collector_messages_accepted_total", kind="host") or 0.0


@pytest.mark.parametrize("bound", [True, False], ids=["shipped-config", "without-use_username_as_clientid"])
def test_an_agent_credential_cannot_destroy_the_collectors_session(tmp_path: Path, bound: bool) -> None:
    """Row 3: agent login + client id ``esc-collector.<name>`` + clean session, while 100 messages wait."""
    edit = (
        None
        if bound
        else (lambda conf: conf.replace("use_username_as_clientid true", "use_username_as_clientid false"))
    )
    folder = tmp_path / "mosquitto"
    broker = start_shipped_mosquitto(folder, conf_edit=edit)
    collector = _collector(tmp_path / "c", folder, broker)
    collector_id = "esc-collector.test-c"  # the id the collector sends ([collector] name = "test-c")
    try:
        wait_for(lambda: "esc/v1/#" in broker.log() or collector.value("esc_collector_mqtt_connected") == 1.0,
                 timeout=10, what="the collector's subscription")  # fmt: skip
        time.sleep(0.5)
        stop_process(collector.proc)  # a clean stop: its persistent session stays on the broker
        agent = RawClient(broker.port, client_id="esc-agent.maurepas.accueil-pc1", username="accueil-pc1@maurepas",
                          password="pc1-secret")  # fmt: skip
        for seq in range(QUEUED):
            agent.publish(topic("maurepas", "accueil-pc1", "host"),
                          payload(envelope("host", "maurepas", "accueil-pc1", seq, host_body())))  # fmt: skip
        agent.close()
        # The broker restarts (clean stop: it saves its database): the queue is persistent.
        broker.proc.send_signal(signal.SIGTERM)
        broker.proc.wait(10)
        broker = start_shipped_mosquitto(folder, port=broker.port, conf_edit=edit)
        # The attack: the agent's login, the collector's client id, a clean session.
        attacker = RawClient(broker.port, client_id=collector_id, username="accueil-pc1@maurepas", password="pc1-secret",
                             clean_session=True)  # fmt: skip
        assert attacker.connected == ["Success"]
        attacker.subscribe("esc/v1/#")
        time.sleep(1)
        attacker.close()
        collector = _collector(tmp_path / "c", folder, broker)
        if bound:
            wait_for(lambda: _accepted(collector) == QUEUED, timeout=20, what="the 100 queued messages")
            assert attacker.received == []  # and the agent's login read nothing
        else:
            # The counter-example: the same attack on a broker that trusts the client id.
            time.sleep(4)
            assert _accepted(collector) == 0.0
    finally:
        stop_process(collector.proc)
        stop_process(broker.proc)


def test_only_the_collector_account_reads(tmp_path: Path) -> None:
    """An agent's credential subscribes to everything and receives nothing; the collector's receives."""
    broker = start_shipped_mosquitto(tmp_path / "mosquitto")
    try:
        reader = RawClient(broker.port, client_id="c", username="collector", password="collector-secret")
        reader.subscribe("esc/v1/#")
        snoop = RawClient(broker.port, client_id="s", username="accueil-pc2@maurepas", password="pc2-secret")
        snoop.subscribe("esc/v1/#")
        snoop.subscribe("#")
        snoop.subscribe("$SYS/#")
        agent = RawClient(broker.port, client_id="a", username="accueil-pc1@maurepas", password="pc1-secret")
        message = payload(envelope("host", "maurepas", "accueil-pc1", 0, host_body()))
        agent.publish(topic("maurepas", "accueil-pc1", "host"), message)
        agent.publish(topic("maurepas", "accueil-pc1", "status"), b"{}", retain=True)
        # An agent may not write under another agent's identity either.
        agent.publish(topic("maurepas", "accueil-pc2", "host"), message)
        wait_for(lambda: len(reader.received) >= 2, timeout=5, what="the collector account to receive")
        time.sleep(1)
        assert [t for t, _ in reader.received] == [topic("maurepas", "accueil-pc1", "host"),
                                                   topic("maurepas", "accueil-pc1", "status")]  # fmt: skip
        assert snoop.received == []
        # With use_username_as_clientid the ids sent ("s", "a") were replaced by the user names.
        log = broker.log()
        assert "New client connected from 127.0.0.1" in log
        assert " as accueil-pc2@maurepas " in log
        assert " as s " not in log
        for client in (reader, snoop, agent):
            client.close()
    finally:
        stop_process(broker.proc)


def test_an_agent_account_speaks_only_for_its_own_site(tmp_path: Path) -> None:
    """Two sites both have an accueil-pc1: each account is bound to its site by the generated ACL."""
    import msgspec

    from collector.mosquitto import render_acl
    from collector.sites import SitesFile

    sites = msgspec.convert(
        {
            "sites": {
                s: {"name": s, "opening_hours": "24/7", "agents": {"accueil-pc1": {}}}
                for s in ("maurepas", "kleber")
            }
        },
        SitesFile,
    )
    broker = start_shipped_mosquitto(tmp_path / "mosquitto", acl=render_acl(sites))
    try:
        reader = RawClient(broker.port, client_id="c", username="collector", password="collector-secret")
        reader.subscribe("esc/v1/#")
        maurepas = RawClient(
            broker.port, client_id="m", username="accueil-pc1@maurepas", password="pc1-secret"
        )
        message = payload(envelope("host", "maurepas", "accueil-pc1", 0, host_body()))
        maurepas.publish(
            topic("kleber", "accueil-pc1", "host"), message
        )  # the other site's PC of the same name
        maurepas.publish(topic("maurepas", "accueil-pc1", "host"), message)
        wait_for(lambda: reader.received, timeout=5, what="the collector account to receive")
        time.sleep(1)
        assert [t for t, _ in reader.received] == [topic("maurepas", "accueil-pc1", "host")]
        for client in (reader, maurepas):
            client.close()
    finally:
        stop_process(broker.proc)
