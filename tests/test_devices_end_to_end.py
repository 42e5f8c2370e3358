"""Printers and scanners end to end: snmpsim / eSCL → agent → Mosquitto → collector → /metrics."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

from helpers.agent import printer_block, start_agent, write_agent_config
from helpers.broker import Broker
from helpers.collector import CollectorProc, start_collector
from helpers.escl import EsclServer
from helpers.processes import free_port, require_program, run_cli, stop_process, wait_for
from helpers.recordings import jammed, recording
from helpers.snmp import Simulator

SITE = {"site": "maurepas"}


def test_once_publishes_printers_and_scanners(
    tmp_path: Path, mosquitto: Broker, collector: CollectorProc, snmpsim: Simulator, escl_server: EsclServer
) -> None:
    escl_server.serve("ScannerStatus", (Path(__file__).parent / "data/escl/status-adf-jam.xml").read_bytes())
    jam = snmpsim.claim(jammed(recording("jetdirect_m880")))
    extra = (
        printer_block("hp-accueil", snmpsim.port, "jetdirect_m880", "imprimante de l'accueil")
        + printer_block("brother-etage", snmpsim.port, "brother", "imprimante de l'étage")
        + printer_block("hp-jam", snmpsim.port, jam)
        + printer_block("absent", snmpsim.port, "no-such-community")
        + f'[[scanners]]\nid = "scanner-accueil"\nname = "scanner de l\'accueil"\nurl = "{escl_server.url}"\n'
        + "[devices]\nunreachable_after = 1\n"
    )
    config = write_agent_config(tmp_path / "agent", extra=extra)
    result = run_cli("esc-agent", "once", "--config", str(config), "--broker", mosquitto.url)
    assert result.returncode == 0, result.stderr
    assert "published 6 message(s)" in result.stdout  # host + 5 devices

    hp = {**SITE, "device": "hp-accueil"}
    wait_for(lambda: collector.value("esc_device_up", **hp) == 1.0, timeout=5, what="printer series")
    black = {
        **hp,
        "supply": "1.1",
        "type": "tonerCartridge",
        "colour": "black",
        "class": "consumed",
        "role": "toner",
    }
    # One series a supply: its level, the state and the description as labels.
    black_toner = {**black, "description": "Black Cartridge 827A HP CF300A", "state": "ok"}
    assert collector.value("esc_printer_supply_level_ratio", **black_toner) == 0.92
    assert collector.value("esc_printer_supply_state", **black_toner) is None
    tray = {**hp, "input": "1.2", "name": "Tray 2", "manual": "false", "state": "ok"}
    assert collector.value("esc_printer_input_level_ratio", **tray) == 0.4
    assert collector.value("esc_device_state", **hp, state="degraded") == 1.0
    assert collector.value("esc_device_state", **hp, state="ok") is None  # one series: the current state
    assert (
        collector.value(
            "esc_device_reason",
            **hp,
            reason="tray_empty",
            subject="1.1",
            colour="",
            place="bac 1",
            reference="",
        )
        == 1.0
    )
    model = "HP Color LaserJet flow MFP M880"
    info = {**hp, "kind": "printer", "name": "l'imprimante de l'accueil", "model": model, "serial": ""}
    assert collector.value("esc_device_info", **info) == 1.0

    brother = {**SITE, "device": "brother-etage"}
    toner = {
        **brother,
        "supply": "1.1",
        "type": "toner",
        "colour": "black",
        "class": "other",
        "role": "toner",
    }
    some = {**toner, "description": "Black Toner Cartridge", "state": "some_remaining"}
    assert collector.value("esc_printer_supply_state", **some) == 1.0  # -3 is not a percentage: no level
    assert collector.value("esc_printer_supply_level_ratio", **some) is None

    jammed_printer = {**SITE, "device": "hp-jam"}
    assert collector.value("esc_device_state", **jammed_printer, state="down") == 1.0
    assert (
        collector.value(
            "esc_device_reason",
            **jammed_printer,
            reason="jam",
            subject="1.2",
            colour="",
            place="bac 2",
            reference="",
        )
        == 1.0
    )
    alert = {**jammed_printer, "alert": "jam", "group": "input", "group_index": "2", "location": "4",
             "severity": "critical"}  # fmt: skip
    assert collector.value("esc_printer_alert", **alert) == 1.0
    assert collector.value("esc_printer_error", **jammed_printer, error="jammed") is None  # a diagnostic

    absent = {**SITE, "device": "absent"}
    assert collector.value("esc_device_up", **absent) == 0.0
    assert (
        collector.value(
            "esc_device_reason", **absent, reason="unreachable", subject="", colour="", place="", reference=""
        )
        == 1.0
    )

    scanner = {**SITE, "device": "scanner-accueil"}
    assert collector.value("esc_device_state", **scanner, state="down") == 1.0
    assert collector.value("esc_scanner_adf_state", **scanner, adf_state="ScannerAdfJam") == 1.0

    # Every family, device ones included, follows Prometheus conventions.
    _, text = collector.get("/metrics")
    check = subprocess.run([require_program("promtool", "prometheus"), "check", "metrics"], input=text,
                           capture_output=True, text=True, check=False)  # fmt: skip
    assert (check.returncode, check.stdout + check.stderr) == (0, "")


def test_a_printer_watched_by_two_agents_stays_observed_while_one_is_on(
    tmp_path: Path, mosquitto: Broker, snmpsim: Simulator
) -> None:
    collector = start_collector(tmp_path / "collector", mosquitto, device_diagnostics=True)
    block = (
        printer_block("hp-accueil", snmpsim.port, "jetdirect_m880", "imprimante de l'accueil")
        + "[devices]\ninterval = 5\n"
    )
    first = start_agent(write_agent_config(tmp_path / "a", agent="pc1", extra=block, interval=5), mosquitto,
                         tmp_path / "a.log")  # fmt: skip
    second = start_agent(write_agent_config(tmp_path / "b", agent="pc2", extra=block, interval=5), mosquitto,
                          tmp_path / "b.log")  # fmt: skip
    hp = {**SITE, "device": "hp-accueil"}
    try:
        wait_for(
            lambda: collector.value("esc_device_observers", **hp) == 2.0, timeout=20, what="two observers"
        )
        first.send_signal(signal.SIGTERM)
        assert first.wait(15) == 0
        wait_for(lambda: collector.value("esc_device_observers", **hp) == 1.0, timeout=5, what="one observer")
        assert collector.value("esc_device_state", **hp, state="degraded") == 1.0
        assert collector.value("esc_device_up", **hp) == 1.0
        second.send_signal(signal.SIGTERM)
        assert second.wait(15) == 0
        wait_for(lambda: collector.value("esc_device_state", **hp, state="unknown") == 1.0, timeout=5,
                 what="unknown once nobody observes it")  # fmt: skip
        assert collector.value("esc_device_observers", **hp) == 0.0
    finally:
        stop_process(first)
        stop_process(second)
        stop_process(collector.proc)


def test_agent_keeps_running_when_a_printer_dies(
    tmp_path: Path, mosquitto: Broker, collector: CollectorProc, snmpsim: Simulator
) -> None:
    """One dead device never blocks the host readings or the other devices."""
    dead = free_port()
    extra = (
        printer_block("hp-accueil", snmpsim.port, "jetdirect_m880", "imprimante de l'accueil")
        + f'[[printers]]\nid = "mort"\nhost = "127.0.0.1"\nport = {dead}\ncommunity = "x"\ntimeout = 3.0\n'
        + "[devices]\ninterval = 5\nunreachable_after = 2\n"
    )
    agent = start_agent(
        write_agent_config(tmp_path / "a", extra=extra, interval=1), mosquitto, tmp_path / "a.log"
    )
    try:
        wait_for(lambda: collector.value("esc_device_up", **SITE, device="hp-accueil") == 1.0, timeout=15,
                 what="the live printer")  # fmt: skip
        dead_reason = {
            **SITE,
            "device": "mort",
            "reason": "unreachable",
            "subject": "",
            "colour": "",
            "place": "",
            "reference": "",
        }
        wait_for(lambda: collector.value("esc_device_reason", **dead_reason) == 1.0, timeout=30,
                 what="the dead printer unreachable")  # fmt: skip
        agent_labels = {"site": "maurepas", "agent": "accueil-pc1"}
        assert collector.value("esc_agent_up", **agent_labels) == 1.0
        assert collector.value("esc_collector_messages_accepted_total", kind="host")
    finally:
        stop_process(agent)
