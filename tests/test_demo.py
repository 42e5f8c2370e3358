"""The README's main command: the demo site comes up, shows real printer states, and stops cleanly."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from helpers.collector import CollectorProc
from helpers.processes import cli, free_port, stop_process, wait_for


def _values(collector: CollectorProc, metric: str) -> dict[frozenset[tuple[str, str]], float]:
    _, text = collector.get("/metrics")
    return {
        frozenset(s.labels.items()): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == metric
    }


@pytest.mark.parametrize("embedded", [False, True], ids=["mosquitto", "embedded-broker"])
def test_demo_site(tmp_path: Path, embedded: bool) -> None:
    port = free_port()
    log = tmp_path / "demo.log"
    args = [cli("esc-collector"), "demo", "--listen", f"127.0.0.1:{port}"]
    with log.open("wb") as out:
        proc = subprocess.Popen([*args, "--embedded-broker"] if embedded else args, stdout=out,
                                stderr=subprocess.STDOUT)  # fmt: skip
    collector = CollectorProc(port, proc, log)
    try:
        wait_for(lambda: collector.value("esc_agent_up", site="maurepas", agent="accueil-pc1") == 1.0,
                 timeout=30, what="the demo agent")  # fmt: skip
        wait_for(lambda: sum(_values(collector, "esc_device_up").values()) == 4, timeout=45,
                 what="the four simulated printers")  # fmt: skip
        states = {
            dict(k)["device"]: dict(k)["state"]
            for k, v in _values(collector, "esc_device_state").items()
            if v
        }
        assert states == {"hp-accueil": "degraded", "sharp-etage": "degraded", "brother-salle": "ok",
                          "konica-bureau": "degraded"}  # fmt: skip
        output = log.read_text()
        assert ("amqtt" in output) == embedded
        assert f"http://127.0.0.1:{port}/metrics" in output
        assert f"http://127.0.0.1:{port}/site/maurepas" in output
        status, page = collector.get("/site/maurepas")
        assert status == 200
        assert "À faire maintenant" in page
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0
        assert "Traceback" not in log.read_text()
        assert "lost the connection" not in log.read_text()  # stopped in order
    finally:
        stop_process(proc)
