"""Access points and routers: the parser and the state rules on the 7 real recordings (tests/data/network).

Expectations are written by hand from the recordings themselves (see tests/data/network/SOURCES.md):
interface names, states, speeds and error counters read line by line, client counts summed by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.contract.messages import NetworkInterface, NetworkStatus, to_builtins
from agent.network.parse import Declared, parse_network
from agent.network.state import derive_network, network_reasons
from agent.printers.snmprec import load_snmprec, parse_snmprec

from helpers.recordings import patch

DATA = Path(__file__).resolve().parent / "data" / "network"
RECORDINGS = sorted(p.stem for p in DATA.glob("*.snmprec"))


def raw(name: str) -> dict[str, int | bytes | str]:
    return load_snmprec(DATA / f"{name}.snmprec")


def parsed(name: str, declared: Declared | None = None) -> NetworkStatus:
    return parse_network(raw(name), declared or Declared())


def by_name(status: NetworkStatus) -> dict[str, NetworkInterface]:
    return {i.name: i for i in status.interfaces}


def test_the_seven_recordings_are_here() -> None:
    assert RECORDINGS == [
        "aruba-instant", "ciscowlc_cbw240ac", "fortiap_fap231g", "fortigate_fwf60d",
        "ruckuswireless-unleashed_legacy-unleashed", "tplink_td-w9970", "unifi_nanohd",
    ]  # fmt: skip


# name, sysDescr, uptime (s), interfaces, Wi-Fi clients, the object counted
SUMMARY = [
    ("unifi_nanohd", "UAP-nanoHD 5.43.36.12724", 545079.21, 29, 18, "unifiVapNumStations"),  # hrSystemUptime; 4+0+14+0
    ("aruba-instant", "ArubaOS (MODEL: 225), Version 8.4.0.0-8.4.0.0", 865026.82, 10, 0, "aiSSIDClientNum"),
    ("ciscowlc_cbw240ac", "Cisco Business Wireless", 396824.0, 2, 23, "bsnDot11EssNumberOfMobileStations"),  # 0+23+0+0+0
    ("fortiap_fap231g", "DE-HIDDEN-DMN-OFF-OP-AP02", None, 50, 0, "fapStationCount"),  # no uptime object at all
    ("fortigate_fwf60d", None, 4187.97, 9, 0, "fgWcWtpSessionWtpStationCount"),  # sysDescr is an empty string
    ("ruckuswireless-unleashed_legacy-unleashed", "Ruckus Wireless R850", None, 33, None, None),  # no NumSta
    ("tplink_td-w9970", "0.9.1 0.2 v0076.0 Build 170919 Rel.61201n", 6205215.0, 6, None, None),  # no enterprise MIB
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "descr", "uptime", "count", "clients", "source"), SUMMARY, ids=[s[0] for s in SUMMARY]
)
def test_summary_of_each_recording(
    name: str, descr: str | None, uptime: float | None, count: int, clients: int | None, source: str | None
) -> None:
    status = parsed(name)
    assert status.sys_descr == descr
    assert status.uptime_seconds == uptime
    assert status.interfaces_total == count == len(status.interfaces)
    assert (status.clients, status.clients_source) == (clients, source)


# recording, interface, (admin, oper, speed Mbit/s, in errors, out errors, ifType)
INTERFACES = [
    ("unifi_nanohd", "ra0", ("up", "up", None, 10019, 0, 6)),  # ifHighSpeed 0: no speed
    ("unifi_nanohd", "lo", ("up", "up", 10, 0, 0, 24)),
    ("unifi_nanohd", "ra2", ("down", "down", None, 0, 0, 6)),
    ("aruba-instant", "eth0", ("up", "up", 1000, 0, 0, 62)),
    ("aruba-instant", "eth1", ("up", "down", 10, 0, 0, 62)),
    ("aruba-instant", "radio0_ssid_id0", ("up", "up", None, 32, 246, 188)),
    (
        "ciscowlc_cbw240ac",
        "GigabitEthernet0/0/1",
        ("up", "up", 1000, 318097628, 168231168, 6),
    ),  # ifName, not ifDescr
    ("fortiap_fap231g", "eth0", ("up", "up", 1000, 0, 0, 6)),  # ifSpeed 1000000000 (no ifXTable)
    ("fortiap_fap231g", "wifi1", ("up", "up", None, 3387, 29, 1)),
    ("fortiap_fap231g", "wlan00", ("up", "up", 130, 0, 14, 6)),
    ("fortigate_fwf60d", "wan1", ("up", "up", 1000, 0, 0, 6)),  # names only in ifName
    ("fortigate_fwf60d", "modem", ("down", "down", None, 0, 0, 6)),
    ("ruckuswireless-unleashed_legacy-unleashed", "eth0", ("up", "down", None, 0, 0, 6)),
    ("ruckuswireless-unleashed_legacy-unleashed", "wlan32", ("up", "up", None, 35, 2523805, 6)),
    ("tplink_td-w9970", "ppp1", ("up", "down", None, 0, 0, 23)),  # the PPPoE WAN is down in the recording
    ("tplink_td-w9970", "wl0", ("up", "up", 100, 0, 12, 6)),
]


@pytest.mark.parametrize(
    ("name", "interface", "expected"), INTERFACES, ids=[f"{n}-{i}" for n, i, _ in INTERFACES]
)
def test_interface_rows(name: str, interface: str, expected: tuple[object, ...]) -> None:
    row = by_name(parsed(name))[interface]
    assert (row.admin, row.oper, row.speed_mbps, row.in_errors, row.out_errors, row.type) == expected
    assert row.role is None


def test_ruckus_skips_the_absent_indexes() -> None:
    indexes = [i.index for i in parsed("ruckuswireless-unleashed_legacy-unleashed").interfaces]
    assert not {25, 26} & set(indexes)
    assert indexes == sorted(indexes)
    assert indexes[-1] == 35


def test_declared_interfaces_come_first_with_their_role() -> None:
    status = parsed("unifi_nanohd", Declared(radios=("rai0", "ra0"), uplink="eth0", watched=("br0",)))
    assert [(i.name, i.role) for i in status.interfaces[:4]] == [
        ("rai0", "radio"), ("ra0", "radio"), ("eth0", "uplink"), ("br0", "watched"),
    ]  # fmt: skip
    assert status.interfaces[4].name == "lo"  # then the others by ifIndex
    assert status.missing_interfaces == ()


def test_a_declared_name_the_device_lacks_is_reported_missing() -> None:
    status = parsed("tplink_td-w9970", Declared(radios=("wl0", "wl1"), uplink="ppp1"))
    assert status.missing_interfaces == ("wl1",)
    assert [i.name for i in status.interfaces if i.role] == ["wl0", "ppp1"]


def test_interfaces_are_bounded_declared_ones_kept() -> None:
    status = parse_network(
        raw("fortiap_fap231g"), Declared(radios=("wlan13",), uplink="eth0"), max_interfaces=8
    )
    assert status.interfaces_total == 50
    assert [i.name for i in status.interfaces] == [
        "wlan13",
        "eth0",
        "lo",
        "gre0",
        "gretap0",
        "miireg",
        "eth1",
        "ip6tnl0",
    ]


def test_nothing_but_counts_of_clients() -> None:
    """Station tables hold addresses: the parser never reads them, and only counts reach the status."""
    status = parsed("ciscowlc_cbw240ac")
    text = json.dumps(to_builtins(status))
    assert "20.22.157.36.236.128" not in text  # an AP radio's index (its MAC address, in decimal)
    assert "<private>" not in text  # the AP names, anonymised in the recording
    assert status.clients == 23


def test_cisco_falls_back_to_the_radios_user_counts() -> None:
    text = (DATA / "ciscowlc_cbw240ac.snmprec").read_text()
    without_ess = patch(text, {}, drop_prefixes=("1.3.6.1.4.1.14179.2.1.1.1.38",))
    status = parse_network(parse_snmprec(without_ess))
    assert (status.clients, status.clients_source) == (23, "bsnApIfNoOfUsers")  # 0+1+3+5+5+4+0+5


def test_aruba_falls_back_to_the_radios() -> None:
    text = (DATA / "aruba-instant.snmprec").read_text()
    changed = patch(
        text,
        {"1.3.6.1.4.1.14823.2.3.3.1.2.2.1.21.112.58.14.201.194.70.0": ("2", "7"),
         "1.3.6.1.4.1.14823.2.3.3.1.2.2.1.21.112.58.14.201.194.70.1": ("2", "5")},
        drop_prefixes=("1.3.6.1.4.1.14823.2.3.3.1.1.7.1.4",),
    )  # fmt: skip
    assert parse_network(parse_snmprec(changed)).clients == 12


# --------------------------------------------------------------------------- state rules

# recording, radios, uplink, watched → state, wifi function, reasons (code, subject)
STATES = [
    ("unifi_nanohd", ("ra0", "rai0"), "eth0", (), "ok", "ok", []),
    ("unifi_nanohd", ("ra0", "ra2"), "eth0", (), "degraded", "degraded", [("interface_down", "ra2")]),
    ("unifi_nanohd", ("ra2", "ra3"), "eth0", (), "down", "down", [("wifi_down", None)]),  # both switched off
    ("aruba-instant", ("radio0_ssid_id0", "radio1_ssid_id0"), "eth0", ("eth1",), "degraded", "degraded",
     [("interface_down", "eth1")]),
    ("ciscowlc_cbw240ac", (), "GigabitEthernet0/0/1", (), "ok", None, []),  # no radio declared: judged whole
    ("fortiap_fap231g", ("wifi0", "wifi1", "wifi2"), "eth0", (), "ok", "ok", []),
    ("fortiap_fap231g", ("wifi0", "wifi1"), "eth1", (), "down", "down", [("uplink_down", "eth1")]),
    ("fortigate_fwf60d", ("wifi",), "wan1", (), "ok", "ok", []),
    ("ruckuswireless-unleashed_legacy-unleashed", ("wifi0", "wifi1"), "eth1", (), "ok", "ok", []),
    ("ruckuswireless-unleashed_legacy-unleashed", ("wifi0", "wifi1"), "eth0", (), "down", "down", [("uplink_down", "eth0")]),
    ("tplink_td-w9970", ("wl0",), "ppp1", (), "down", "down", [("uplink_down", "ppp1")]),
    ("tplink_td-w9970", ("wl0",), "br0", (), "ok", "ok", []),
    ("tplink_td-w9970", ("wl0", "wl1"), "br0", (), "degraded", "degraded", [("interface_down", "wl1")]),  # absent
    ("tplink_td-w9970", (), "ppp1", (), "down", None, [("uplink_down", "ppp1")]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "radios", "uplink", "watched", "state", "wifi", "reasons"), STATES,
    ids=[f"{s[0]}-{'+'.join(s[1]) or 'none'}-{s[2]}" for s in STATES],
)  # fmt: skip
def test_states_from_declared_interfaces(
    name: str, radios: tuple[str, ...], uplink: str, watched: tuple[str, ...], state: str, wifi: str | None,
    reasons: list[tuple[str, str | None]],
) -> None:  # fmt: skip
    declared = Declared(radios=radios, uplink=uplink, watched=watched)
    judged = derive_network(
        parsed(name, declared), declared, reachable=True, consecutive_failures=0, unreachable_after=3
    )
    assert judged.state == state
    assert [(r.code, r.subject) for r in judged.reasons] == reasons
    assert {f.function: f.state for f in judged.functions} == ({"wifi": wifi} if wifi else {})
    if radios:
        assert all(r.functions == ("wifi",) for r in judged.reasons)


def test_labels_people_read() -> None:
    declared = Declared(radios=("ra2", "ra3"), uplink="eth0")
    down = derive_network(parsed("unifi_nanohd", declared), declared, reachable=True, consecutive_failures=0,
                          unreachable_after=3)  # fmt: skip
    assert down.label == "hors service : wifi coupé : aucune radio n'émet"
    declared = Declared(radios=("wl0", "wl1"), uplink="br0")
    missing = network_reasons(parsed("tplink_td-w9970", declared), declared)
    assert [r.label for r in missing] == ["Interface réseau hors service (wl1, absente)"]
    declared = Declared(radios=("wl0",), uplink="ppp1")
    cut = network_reasons(parsed("tplink_td-w9970", declared), declared)
    assert [(r.label, r.severity) for r in cut] == [("Borne déconnectée du réseau (ppp1)", "down")]


def test_an_access_point_unreachable_only_after_n_polls() -> None:
    declared = Declared(radios=("ra0", "rai0"), uplink="eth0")
    last = parsed("unifi_nanohd", declared)
    kept = derive_network(last, declared, reachable=False, consecutive_failures=2, unreachable_after=3)
    assert (kept.state, kept.reasons) == ("ok", ())
    gone = derive_network(last, declared, reachable=False, consecutive_failures=3, unreachable_after=3)
    assert gone.state == "down"
    assert [(r.code, r.functions) for r in gone.reasons] == [("unreachable", ())]
    assert [(f.function, f.state) for f in gone.functions] == [("wifi", "down")]
    never = derive_network(None, declared, reachable=False, consecutive_failures=1, unreachable_after=3)
    assert (never.state, [(f.function, f.state) for f in never.functions]) == (
        "unknown",
        [("wifi", "unknown")],
    )
