"""Per-function services on real components: a real MFP recording through snmpsim, agent and collector.

The Sharp MX-3570N lists a scanner unit, a network scanner and a document feeder in its
hrDeviceTable: it prints and scans. Toner empty stops « impression » only; the document feeder
failing stops « numérisation » only (DESIGN notes, docs/design.md §5 "per function").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.agent import printer_block, start_agent, write_agent_config
from helpers.broker import Broker
from helpers.collector import start_collector
from helpers.processes import stop_process, wait_for
from helpers.recordings import patch, recording, supply_level
from helpers.sites import member, service, site, sites_toml
from helpers.snmp import Simulator

SITES = sites_toml(
    site(
        "maurepas",
        name="ESC Maurepas",
        opening_hours="24/7",
        devices={"sharp": member("le copieur du 1er étage", functions=["print", "scan"])},
        agents={"accueil-pc1": member("le poste 1 de l'accueil")},
        services={"impression": service(devices=["sharp"]), "numerisation": service(devices=["sharp"])},
    )
)
FEEDER_DOWN = {"1.3.6.1.2.1.25.3.2.1.5.9": ("2", "5")}  # hrDeviceStatus of "Duplex Single Pass Feeder": down


@pytest.mark.parametrize(
    ("change", "printing", "scanning", "reason"),
    [
        (lambda text: supply_level(text, "1.4", 0), 0.0, 1.0, "toner_empty"),  # black toner empty
        (lambda text: patch(text, FEEDER_DOWN), 1.0, 0.0, "scanner_unit_down"),
    ],
    ids=["toner-empty", "feeder-down"],
)
def test_each_service_is_judged_by_the_function_it_needs(
    tmp_path: Path,
    mosquitto: Broker,
    snmpsim: Simulator,
    change,
    printing: float,
    scanning: float,
    reason: str,
) -> None:  # type: ignore[no-untyped-def]
    slot = snmpsim.claim(recording("sharp"))
    collector = start_collector(tmp_path / "collector", mosquitto, sites=SITES, stale_after=30)
    extra = printer_block("sharp", snmpsim.port, slot) + "[devices]\ninterval = 5\n"
    agent = start_agent(
        write_agent_config(tmp_path / "agent", extra=extra, interval=5), mosquitto, tmp_path / "a.log"
    )
    up = {"site": "maurepas"}
    try:
        wait_for(lambda: collector.value("esc_service_up", **up, service="numerisation") == 1.0, timeout=30,
                 what="both services up")  # fmt: skip
        assert collector.value("esc_service_up", **up, service="impression") == 1.0
        snmpsim.put(slot, change(recording("sharp")))
        wait_for(lambda: collector.value("esc_service_up", **up, service="impression") == printing
                 and collector.value("esc_service_up", **up, service="numerisation") == scanning,
                 timeout=30, what=f"{reason}: one function down, the other up")  # fmt: skip
        down = "print" if printing == 0.0 else "scan"
        still = "scan" if down == "print" else "print"
        device = {"site": "maurepas", "device": "sharp"}
        assert collector.value("esc_device_function_state", **device, function=down, state="down") == 1.0
        # One series per function, labelled with its current state: the other function's is not down.
        assert collector.value("esc_device_function_state", **device, function=still, state="down") is None
        assert any(collector.value("esc_device_function_state", **device, function=still, state=usable) == 1.0
                   for usable in ("ok", "degraded"))  # fmt: skip
        assert (
            collector.value("esc_device_state", **device, state="degraded") == 1.0
        )  # still usable as a whole
    finally:
        stop_process(agent)
        stop_process(collector.proc)
