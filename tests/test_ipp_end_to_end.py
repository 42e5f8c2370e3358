"""IPP end to end: ippeveprinter → agent → Mosquitto → collector, and a printer asleep, not unreachable."""

from __future__ import annotations

import socket
from pathlib import Path

from helpers.agent import write_agent_config
from helpers.broker import Broker
from helpers.collector import CollectorProc
from helpers.ipp import start_ippeveprinter
from helpers.processes import free_port, run_cli, stop_process, wait_for

SITE = {"site": "maurepas"}
ATTRIBUTES = """\
ATTR text printer-make-and-model "ESC Test Printer"
ATTR name marker-names "Black Toner","Cyan Toner"
ATTR keyword marker-types toner,toner
ATTR name marker-colors "#000000","#00FFFF"
ATTR integer marker-levels 80,5
ATTR octetString printer-input-tray "type=sheetFeedAutoRemovableTray;mediafeed=0;mediaxfeed=0;maxcapacity=250;level=125;status=0;name=Tray 1;"
"""


def entry(device: str, **keys: object) -> str:
    """A ``[[printers]]`` block on 127.0.0.1 with short timeouts."""
    values = {"id": device, "host": "127.0.0.1", "timeout": 0.5, "retries": 0, **keys}
    return "[[printers]]\n" + "".join(
        f"{key} = {value!r}\n".replace("'", '"') for key, value in values.items()
    )


def test_ipp_printers_and_a_sleeping_one(tmp_path: Path, mosquitto: Broker, collector: CollectorProc) -> None:
    printer = start_ippeveprinter(tmp_path / "ipp", ATTRIBUTES)
    dead = free_port()  # nothing answers SNMP there
    with socket.socket() as raw_port:  # the sleeping printer's raw print port
        raw_port.bind(("127.0.0.1", 0))
        raw_port.listen(4)
        extra = (
            entry("ipp-accueil", ipp=printer.uri, timeout=3.0)  # IPP only: no community
            + entry("snmp-puis-ipp", port=dead, community="x", ipp=printer.uri)  # SNMP silent, IPP answers
            + entry("endormie", port=dead, community="x", raw_port=raw_port.getsockname()[1])
            + entry("eteinte", port=dead, community="x", raw_port=free_port())
            + "[devices]\nunreachable_after = 1\n"
        )
        config = write_agent_config(tmp_path / "agent", extra=extra)
        try:
            result = run_cli("esc-agent", "once", "--config", str(config), "--broker", mosquitto.url)
        finally:
            stop_process(printer.proc)
    assert result.returncode == 0, result.stderr
    assert "published 5 message(s)" in result.stdout  # host + 4 printers

    ipp = {**SITE, "device": "ipp-accueil"}
    wait_for(lambda: collector.value("esc_device_up", **ipp) == 1.0, timeout=5, what="the IPP printer")
    cyan = {**ipp, "supply": "1.2", "type": "toner", "colour": "cyan", "class": "other", "role": "toner"}
    # One series a supply and a tray: the level, its state as a label.
    assert [
        (labels["state"], value)
        for labels, value in collector.samples("esc_printer_supply_level_ratio", **cyan)
    ] == [("low", 0.05)]
    assert collector.samples("esc_printer_supply_state", **cyan) == []
    tray = collector.samples("esc_printer_input_level_ratio", **ipp, input="1.1", name="Tray 1")
    assert [value for _labels, value in tray] == [0.5]
    assert collector.value("esc_device_state", **ipp, state="degraded") == 1.0

    fallback = {**SITE, "device": "snmp-puis-ipp"}
    assert collector.value("esc_device_up", **fallback) == 1.0
    assert collector.value("esc_device_state", **fallback, state="degraded") == 1.0

    asleep = {**SITE, "device": "endormie"}
    assert collector.value("esc_device_up", **asleep) == 1.0  # asleep: not unreachable
    assert collector.value("esc_device_state", **asleep, state="unknown") == 1.0  # never read yet
    no_reason = {"subject": "", "colour": "", "place": "", "reference": ""}
    assert collector.value("esc_device_reason", **asleep, reason="unreachable", **no_reason) is None

    off = {**SITE, "device": "eteinte"}
    assert collector.value("esc_device_up", **off) == 0.0
    assert collector.value("esc_device_reason", **off, reason="unreachable", **no_reason) == 1.0
