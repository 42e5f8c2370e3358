"""Access points and routers end to end: snmpsim serving the 7 real recordings → the agent → the collector.

``esc-agent network once`` reads every recording through the agent's SNMP session (v2c, and v3
for one) and must find what the parser finds in the file; ``esc-agent run`` then publishes an
access point and the link probes to Mosquitto, and the collector measures the site's ``wifi``
and ``internet`` services from them: up, then down when both radios of the access point stop.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.contract.messages import to_builtins
from agent.network.parse import Declared, parse_network
from agent.printers.snmprec import load_snmprec

from helpers.agent import start_agent, write_agent_config
from helpers.broker import Broker
from helpers.collector import start_collector
from helpers.https import listening_socket
from helpers.processes import run_cli, stop_process, wait_for
from helpers.recordings import patch
from helpers.sites import member, service, site, sites_toml
from helpers.snmp import V3_AUTH_KEY, V3_PRIV_KEY, V3_USER, Simulator, start_snmpsim

DATA = Path(__file__).resolve().parent / "data" / "network"
RECORDINGS = sorted(p.stem for p in DATA.glob("*.snmprec"))
# recording → (radios, uplink) as an installer would declare them
DECLARED = {
    "aruba-instant": (("radio0_ssid_id0", "radio1_ssid_id0"), "eth0"),
    "ciscowlc_cbw240ac": ((), "GigabitEthernet0/0/1"),
    "fortiap_fap231g": (("wifi0", "wifi1", "wifi2"), "eth0"),
    "fortigate_fwf60d": (("wifi",), "wan1"),
    "ruckuswireless-unleashed_legacy-unleashed": (("wifi0", "wifi1"), "eth1"),
    "tplink_td-w9970": (("wl0",), "ppp1"),
    "unifi_nanohd": (("ra0", "rai0"), "eth0"),
}


@pytest.fixture(scope="module")
def network_sim() -> Iterator[Simulator]:
    folder = Path(tempfile.mkdtemp(prefix="esc-snmpsim-network-"))
    sim = start_snmpsim(folder, {name: (DATA / f"{name}.snmprec").read_text() for name in RECORDINGS})
    yield sim
    stop_process(sim.proc)
    shutil.rmtree(folder, ignore_errors=True)


def _id(name: str) -> str:
    return name.replace("_", "-")[:40]


def network_block(device: str, port: int, community: str, radios: tuple[str, ...], uplink: str) -> str:
    wifi = f"wifi_interfaces = {json.dumps(list(radios))}\n" if radios else ""
    return (f'[[network]]\nid = "{device}"\nhost = "127.0.0.1"\nport = {port}\ncommunity = "{community}"\n'
            f'{wifi}uplink = "{uplink}"\ntimeout = 2.0\nretries = 0\n')  # fmt: skip


def test_network_once_reads_what_the_recordings_hold(tmp_path: Path, network_sim: Simulator) -> None:
    blocks = "".join(network_block(_id(n), network_sim.port, n, *DECLARED[n]) for n in RECORDINGS)
    config = write_agent_config(tmp_path / "agent", extra=blocks)
    result = run_cli("esc-agent", "network", "once", "--config", str(config), "--json")
    assert result.returncode == 1, result.stderr  # the TP-Link's PPPoE link is down in its recording
    bodies = {b["device"]: b for b in json.loads(result.stdout)}
    assert set(bodies) == {_id(n) for n in RECORDINGS}
    for name in RECORDINGS:
        body = bodies[_id(name)]
        radios, uplink = DECLARED[name]
        expected = parse_network(
            load_snmprec(DATA / f"{name}.snmprec"), Declared(radios=radios, uplink=uplink)
        )
        assert body["network"] == json.loads(json.dumps(to_builtins(expected))), (
            name
        )  # the wire carries what the file holds
        assert (body["kind"], body["reachable"], body["poll_error"]) == ("network", True, None)
    states = {n: (bodies[_id(n)]["state"], bodies[_id(n)]["network"]["clients"]) for n in RECORDINGS}
    assert states == {
        "aruba-instant": ("ok", 0), "ciscowlc_cbw240ac": ("ok", 23), "fortiap_fap231g": ("ok", 0),
        "fortigate_fwf60d": ("ok", 0), "ruckuswireless-unleashed_legacy-unleashed": ("ok", None),
        "tplink_td-w9970": ("down", None), "unifi_nanohd": ("ok", 18),
    }  # fmt: skip
    tplink = bodies[_id("tplink_td-w9970")]
    assert tplink["label"] == "hors service : borne déconnectée du réseau (ppp1)"
    assert tplink["functions"] == [{"function": "wifi", "state": "down"}]
    text = run_cli("esc-agent", "network", "once", "--config", str(config))
    assert "Wi-Fi clients: 18 (unifiVapNumStations)" in text.stdout
    assert "ra0" in text.stdout
    assert "radio" in text.stdout


def test_snmpv3_and_a_silent_device(tmp_path: Path, network_sim: Simulator) -> None:
    extra = (f'[[network]]\nid = "borne-v3"\nhost = "127.0.0.1"\nport = {network_sim.port}\nversion = "3"\n'
             f'v3_user = "{V3_USER}"\nv3_auth_key = "{V3_AUTH_KEY}"\nv3_priv_key = "{V3_PRIV_KEY}"\n'
             'v3_context = "unifi_nanohd"\nwifi_interfaces = ["ra0", "rai0"]\nuplink = "eth0"\ntimeout = 2.0\n'
             + network_block("muette", network_sim.port, "no-such-community", ("ra0",), "eth0")
             + "[devices]\nunreachable_after = 1\n")  # fmt: skip
    config = write_agent_config(tmp_path / "agent", extra=extra)
    result = run_cli("esc-agent", "network", "once", "--config", str(config), "--json")
    bodies = {b["device"]: b for b in json.loads(result.stdout)}
    assert bodies["borne-v3"]["network"]["clients"] == 18
    assert bodies["borne-v3"]["state"] == "ok"
    silent = bodies["muette"]
    assert (silent["reachable"], silent["state"], silent["network"]) == (False, "down", None)
    assert [r["code"] for r in silent["reasons"]] == ["unreachable"]
    assert silent["functions"] == [{"function": "wifi", "state": "down"}]


SITES = sites_toml(
    site(
        "maurepas", name="ESC Maurepas", opening_hours="24/7",
        devices={"borne-wifi": member("la borne wifi", functions=["wifi"]),
                 "internet": member("l'accès internet", functions=["internet"])},
        services={"wifi": service(devices=["borne-wifi"]), "internet": service(devices=["internet"])},
        agents={"accueil-pc1": member("le poste 1")},
    )
)  # fmt: skip
RADIOS_DOWN = {
    "1.3.6.1.2.1.2.2.1.8.3": ("2", "2"),
    "1.3.6.1.2.1.2.2.1.8.4": ("2", "2"),
}  # ra0, rai0 oper down


def test_public_wifi_measured_by_the_collector(
    tmp_path: Path, mosquitto: Broker, network_sim: Simulator
) -> None:
    unifi = (DATA / "unifi_nanohd.snmprec").read_text()
    slot = network_sim.claim(unifi)
    gateway = listening_socket()  # the "box": a port that accepts connections
    collector = start_collector(tmp_path / "collector", mosquitto, sites=SITES, stale_after=30)
    extra = (network_block("borne-wifi", network_sim.port, slot, ("ra0", "rai0"), "eth0")
             + "[devices]\ninterval = 5\n"
             + f'[probes]\ngateway = "127.0.0.1"\ngateway_ports = [{gateway.getsockname()[1]}]\nsites = []\n')  # fmt: skip
    config = write_agent_config(tmp_path / "agent", extra=extra, interval=5)
    agent = start_agent(config, mosquitto, tmp_path / "agent.log")
    wifi = {"site": "maurepas", "service": "wifi"}
    borne = {"site": "maurepas", "device": "borne-wifi"}

    def value(metric: str, **labels: Any) -> float | None:
        return collector.value(metric, **labels)

    try:
        wait_for(lambda: value("esc_service_up", **wifi) == 1.0, timeout=20, what="wifi service up")
        assert value("esc_device_function_state", **borne, function="wifi", state="ok") == 1.0
        wait_for(lambda: value("esc_service_up", site="maurepas", service="internet") == 1.0, timeout=20,
                 what="internet service up (the probes thread)")  # fmt: skip
        assert value("esc_device_function_state", site="maurepas", device="internet", function="internet",
                     state="ok") == 1.0  # fmt: skip
        network_sim.put(slot, patch(unifi, RADIOS_DOWN))
        wait_for(lambda: value("esc_service_up", **wifi) == 0.0, timeout=30, what="wifi service down")
        assert value("esc_device_function_state", **borne, function="wifi", state="down") == 1.0
        assert value("esc_service_state", **wifi, state="down") == 1.0
        assert (
            value("esc_service_up", site="maurepas", service="internet") == 1.0
        )  # the link has nothing to do with it
    finally:
        stop_process(agent)
        stop_process(collector.proc)
        gateway.close()
    log = (tmp_path / "agent.log").read_text()
    assert "Traceback" not in log
