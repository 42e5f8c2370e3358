"""Agent → real Mosquitto → collector → /metrics, with real processes and signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from helpers.agent import start_agent, write_agent_config
from helpers.broker import Broker, start_mosquitto
from helpers.collector import CollectorProc, start_collector
from helpers.processes import cli, free_port, require_program, run_cli, stop_process, wait_for

LABELS = {"site": "maurepas", "agent": "accueil-pc1"}


class Recorder:
    """A plain MQTT client that records every message under esc/v1/#."""

    def __init__(self, broker: Broker) -> None:
        self.messages: list[tuple[str, dict[str, object], bool]] = []
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"recorder-{os.getpid()}")
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", broker.port)
        self.client.subscribe("esc/v1/#", qos=1)
        self.client.loop_start()

    def _on_message(self, _c: object, _u: object, msg: mqtt.MQTTMessage) -> None:
        self.messages.append((msg.topic, json.loads(msg.payload), bool(msg.retain)))

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_sample_configs_once_to_metrics(tmp_path: Path, mosquitto: Broker) -> None:
    """The issue's acceptance: the sample configs as they are, plus --broker and --listen."""
    from helpers.processes import REPO

    port = free_port()
    collector_log = tmp_path / "collector.log"
    with collector_log.open("wb") as log:
        proc = subprocess.Popen(
            [
                cli("esc-collector"),
                "run",
                "--config",
                str(REPO / "collector/sample.toml"),
                "--broker",
                mosquitto.url,
                "--listen",
                f"127.0.0.1:{port}",
            ],
            env={**os.environ, "ESC_COLLECTOR_STATE_DIR": str(tmp_path / "collector-state")},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    collector = CollectorProc(port, proc, collector_log)
    try:
        wait_for(lambda: collector.get("/healthz")[0] == 200, timeout=15, what="collector")
        result = run_cli(
            "esc-agent",
            "once",
            "--config",
            str(REPO / "agent/sample.toml"),
            "--broker",
            mosquitto.url,
            env={"ESC_AGENT_STATE_DIR": str(tmp_path / "state")},
        )
        assert result.returncode == 0, result.stderr
        wait_for(lambda: collector.value("esc_host_uptime_seconds", **LABELS), timeout=5, what="host series")
        metrics = collector.metrics()
        host_series = {
            name
            for (name, labels) in metrics
            if name.startswith("esc_host_")
            and dict(labels).get("agent") == "accueil-pc1"
            and dict(labels).get("site") == "maurepas"
        }
        assert host_series >= {
            "esc_host_uptime_seconds",
            "esc_host_boot_time_seconds",
            "esc_host_cpu_usage_ratio",
            "esc_host_memory_total_bytes",
            "esc_host_memory_available_bytes",
            "esc_host_disk_free_bytes",
            "esc_host_user_sessions",
            "esc_host_cpus",
        }
        assert collector.value("esc_agent_up", **LABELS) == 1.0
        assert collector.value("esc_host_disk_free_bytes", mount="/", **LABELS) > 0
    finally:
        stop_process(proc)


def test_metrics_pass_promtool(collector: CollectorProc, mosquitto: Broker, tmp_path: Path) -> None:
    promtool = require_program("promtool", "prometheus")
    config = write_agent_config(tmp_path / "agent")
    assert run_cli("esc-agent", "once", "--config", str(config), "--broker", mosquitto.url).returncode == 0
    wait_for(lambda: collector.value("esc_host_uptime_seconds", **LABELS), timeout=5, what="host series")
    _, text = collector.get("/metrics")
    check = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.strip() == "", check.stdout
    assert check.stderr.strip() == "", check.stderr


def test_sigkill_shows_agent_down_through_its_will(
    collector: CollectorProc, mosquitto: Broker, tmp_path: Path
) -> None:
    keepalive = 5
    config = write_agent_config(tmp_path / "agent", interval=2, keepalive=keepalive)
    agent = start_agent(config, mosquitto, tmp_path / "agent.log")
    try:
        wait_for(lambda: collector.value("esc_agent_up", **LABELS) == 1.0, timeout=10, what="agent up")
        agent.send_signal(signal.SIGKILL)
        agent.wait(5)
        killed_at = time.monotonic()
        wait_for(
            lambda: collector.value("esc_agent_up", **LABELS) == 0.0,
            timeout=1.5 * keepalive + 1,
            what="agent down through the Last Will",
        )
        assert time.monotonic() - killed_at <= 1.5 * keepalive + 1
        assert "offline" not in (tmp_path / "agent.log").read_text()  # it had no chance to say so itself
    finally:
        stop_process(agent)


def test_clean_stop_shows_agent_offline_at_once(
    collector: CollectorProc, mosquitto: Broker, tmp_path: Path
) -> None:
    config = write_agent_config(tmp_path / "agent", interval=2)
    recorder = Recorder(mosquitto)
    agent = start_agent(config, mosquitto, tmp_path / "agent.log")
    try:
        wait_for(lambda: collector.value("esc_agent_up", **LABELS) == 1.0, timeout=10, what="agent up")
        agent.send_signal(signal.SIGTERM)
        assert agent.wait(10) == 0
        stopped_at = time.monotonic()
        wait_for(lambda: collector.value("esc_agent_up", **LABELS) == 0.0, timeout=2, what="agent offline")
        assert time.monotonic() - stopped_at < 2
        statuses = [body for topic, body, _ in recorder.messages if topic.endswith("/status")]
        assert statuses[0]["body"]["state"] == "online"  # type: ignore[index]
        assert statuses[-1]["body"] == {
            "state": "offline",
            "session": statuses[0]["body"]["session"],  # type: ignore[index]
            "reason": "clean_stop",
            "agent_version": "0.1.0",
        }
    finally:
        stop_process(agent)
        recorder.close()


def test_malformed_payloads_are_counted_and_collector_keeps_serving(
    collector: CollectorProc, mosquitto: Broker, tmp_path: Path
) -> None:
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="hostile")
    pub.connect("127.0.0.1", mosquitto.port)
    pub.loop_start()
    try:
        for topic, payload in [
            ("esc/v1/maurepas/accueil-pc1/host", b"{broken"),
            ("esc/v1/maurepas/accueil-pc1/host", json.dumps({"v": 1, "seq": "x"}).encode()),
            ("esc/v1/maurepas/accueil-pc1/host", b"[" * 100_000),
            ("esc/v1/maurepas/accueil-pc1/host", b"x" * 400_000),
            ("esc/v1/maurepas/accueil-pc1/unknown", b"{}"),
        ]:
            pub.publish(topic, payload, qos=1).wait_for_publish(5)
    finally:
        pub.disconnect()
        pub.loop_stop()

    def rejected(reason: str) -> float | None:
        return collector.value("esc_collector_messages_rejected_total", reason=reason)

    wait_for(lambda: rejected("unknown_topic") == 1.0, timeout=5, what="rejections counted")
    assert rejected("invalid_json") == 2.0
    assert rejected("invalid_schema") == 1.0
    assert rejected("oversized") == 1.0
    assert collector.proc.poll() is None
    # Still serving and still ingesting.
    config = write_agent_config(tmp_path / "agent")
    assert run_cli("esc-agent", "once", "--config", str(config), "--broker", mosquitto.url).returncode == 0
    wait_for(
        lambda: collector.value("esc_agent_up", **LABELS) == 1.0,
        timeout=5,
        what="valid message after garbage",
    )
    assert "Traceback" not in collector.log()


def test_restarted_agent_continues_its_seq(mosquitto: Broker, tmp_path: Path) -> None:
    recorder = Recorder(mosquitto)
    config = write_agent_config(tmp_path / "agent")
    try:
        for _ in range(3):
            assert (
                run_cli("esc-agent", "once", "--config", str(config), "--broker", mosquitto.url).returncode
                == 0
            )
        wait_for(lambda: len(recorder.messages) >= 3, timeout=5, what="three messages")
    finally:
        recorder.close()
    seqs = [body["seq"] for _, body, _ in recorder.messages]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == 3


def test_outbox_keeps_messages_while_broker_is_down(tmp_path: Path) -> None:
    """Messages taken while the broker is down are delivered later, in order, none lost."""
    port = free_port()
    config = write_agent_config(tmp_path / "agent")
    down = run_cli("esc-agent", "once", "--config", str(config), "--broker", f"mqtt://127.0.0.1:{port}")
    assert down.returncode == 1
    assert "unreachable" in down.stderr
    assert "Traceback" not in down.stderr
    broker = start_mosquitto(tmp_path / "mq", port=port)
    recorder = Recorder(broker)
    try:
        assert run_cli("esc-agent", "once", "--config", str(config), "--broker", broker.url).returncode == 0
        wait_for(lambda: len(recorder.messages) >= 2, timeout=5, what="two messages")
        seqs = [body["seq"] for _, body, _ in recorder.messages]
        assert seqs == [0, 1]  # the reading taken while the broker was down came first
        # The second reading knew one message was still waiting in the outbox.
        assert [body["body"]["outbox_pending"] for _, body, _ in recorder.messages] == [0, 1]  # type: ignore[index]
    finally:
        recorder.close()
        stop_process(broker.proc)


def test_refused_credentials_fail_clearly(tmp_path: Path) -> None:
    passwd_tool = require_program("mosquitto_passwd", "mosquitto")
    folder = tmp_path / "mq"
    folder.mkdir()
    passwords = folder / "passwd"
    subprocess.run([passwd_tool, "-c", "-b", str(passwords), "accueil-pc1@maurepas", "right"], check=True)
    broker = start_mosquitto(folder, f"allow_anonymous false\npassword_file {passwords}\n")
    try:
        (tmp_path / "wrong").write_text("wrong\n")
        config = write_agent_config(tmp_path / "agent", extra=f'password_file = "{tmp_path / "wrong"}"\n')
        result = run_cli("esc-agent", "once", "--config", str(config), "--broker", broker.url)
        assert result.returncode == 1
        assert "refused" in result.stderr
        assert "wrong" not in result.stderr  # secrets are never printed
        (tmp_path / "right").write_text("right\n")
        config = write_agent_config(tmp_path / "agent", extra=f'password_file = "{tmp_path / "right"}"\n')
        assert run_cli("esc-agent", "once", "--config", str(config), "--broker", broker.url).returncode == 0
    finally:
        stop_process(broker.proc)


@pytest.mark.parametrize("stale_after", [5.0])
def test_collector_restart_recovers_state_from_retained_status(
    mosquitto: Broker, tmp_path: Path, stale_after: float
) -> None:
    config = write_agent_config(tmp_path / "agent", interval=1)
    agent = start_agent(config, mosquitto, tmp_path / "agent.log")
    first = start_collector(tmp_path / "c1", mosquitto, stale_after=stale_after)
    try:
        wait_for(lambda: first.value("esc_agent_up", **LABELS) == 1.0, timeout=10, what="agent up")
        stop_process(first.proc)
        second = start_collector(tmp_path / "c1", mosquitto, stale_after=stale_after)
        try:
            wait_for(
                lambda: second.value("esc_agent_up", **LABELS) == 1.0, timeout=10, what="up after restart"
            )
        finally:
            stop_process(second.proc)
    finally:
        stop_process(agent)
