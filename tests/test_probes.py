"""The link probes' pure parts: judgement and attribution, the DNS codec, the gateway lookup, the config.

The probes against real servers are in test_probes_loopback.py (loopback) and test_probes_netns.py
(network namespaces with a box, an ISP and the link cut).
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from agent.config import AgentConfig, ConfigError, load_agent_config
from agent.contract.messages import DnsCheck, GatewayCheck, LoggingCheck, SiteCheck
from agent.contract.reasons import CAUSES, describe
from agent.probes import dns
from agent.probes.checks import parse_proc_route
from agent.probes.judge import judge_link
from agent.probes.monitor import Plan, default_sites, site_name, sites_from_allowlist

REPO = Path(__file__).resolve().parent.parent

GATEWAY_OK = GatewayCheck(address="192.168.1.1", answered=True, port=53)
GATEWAY_SILENT = GatewayCheck(address="192.168.1.1", answered=False, error="53: timed out")
DNS_OK = DnsCheck(server="system", names=3, resolved=3)
DNS_PARTIAL = DnsCheck(server="system", names=3, resolved=2, error="impots.gouv.fr: NXDOMAIN")
DNS_DEAD = DnsCheck(server="192.168.1.1:53", names=3, resolved=0, error="no answer")


def site(name: str, outcome: str) -> SiteCheck:
    """A site check ending at one stage: ok, unresolved, silent, refused, tls, http503."""
    host = f"www.{name}.fr"
    fields: dict[str, object] = {"resolved": True, "answered": True, "connected": True, "tls_ok": True,
                                 "http_status": 200}  # fmt: skip
    if outcome == "unresolved":
        fields = {"resolved": False, "answered": False, "connected": False}
    elif outcome == "silent":
        fields = {"resolved": True, "answered": False, "connected": False, "error": "timed out"}
    elif outcome == "refused":
        fields = {"resolved": True, "answered": True, "connected": False, "error": "Connection refused"}
    elif outcome == "tls":
        fields = {"resolved": True, "answered": True, "connected": True, "tls_ok": False}
    elif outcome == "http503":
        fields["http_status"] = 503
    elif outcome == "redirect":
        fields["http_status"] = 302
    return SiteCheck(name=name, function=f"site_{name}", host=host, **fields)  # type: ignore[arg-type]


# gateway, dns, sites (name: outcome) → reasons (code, subject, functions), function states
JUDGEMENTS = [
    ("all well", GATEWAY_OK, DNS_OK, {"caf": "ok", "ameli": "redirect"}, [],
     {"internet": "ok", "site_caf": "ok", "site_ameli": "ok"}),
    ("one site refuses", GATEWAY_OK, DNS_OK, {"caf": "ok", "ameli": "refused"},
     [("site_unreachable", "ameli", ("site_ameli",))], {"internet": "ok", "site_caf": "ok", "site_ameli": "down"}),
    ("one site silent, the other answers", GATEWAY_OK, DNS_OK, {"caf": "silent", "ameli": "ok"},
     [("site_unreachable", "caf", ("site_caf",))], {"internet": "ok", "site_caf": "down", "site_ameli": "ok"}),
    ("one name unknown", GATEWAY_OK, DNS_PARTIAL, {"caf": "ok", "impots": "unresolved"},
     [("site_unreachable", "impots", ("site_impots",))], {"internet": "ok", "site_caf": "ok", "site_impots": "down"}),
    ("bad certificate", GATEWAY_OK, DNS_OK, {"caf": "tls", "ameli": "ok"},
     [("tls_error", "caf", ("site_caf",))], {"internet": "ok", "site_caf": "down", "site_ameli": "ok"}),
    ("server error", GATEWAY_OK, DNS_OK, {"caf": "ok", "ameli": "http503"},
     [("site_http_error", "ameli", ("site_ameli",))], {"internet": "ok", "site_caf": "ok", "site_ameli": "down"}),
    ("gateway silent: the link, not the sites", GATEWAY_SILENT, DNS_DEAD, {"caf": "unresolved", "ameli": "unresolved"},
     [("gateway_unreachable", "192.168.1.1", ("internet", "site_caf", "site_ameli"))],
     {"internet": "down", "site_caf": "down", "site_ameli": "down"}),
    ("no name resolves", GATEWAY_OK, DNS_DEAD, {"caf": "unresolved", "ameli": "unresolved"},
     [("dns_failure", None, ("internet", "site_caf", "site_ameli"))],
     {"internet": "down", "site_caf": "down", "site_ameli": "down"}),
    ("no site answers", GATEWAY_OK, DNS_OK, {"caf": "silent", "ameli": "silent"},
     [("internet_unreachable", None, ("internet", "site_caf", "site_ameli"))],
     {"internet": "down", "site_caf": "down", "site_ameli": "down"}),
    ("both refuse: the link works", GATEWAY_OK, DNS_OK, {"caf": "refused", "ameli": "refused"},
     [("site_unreachable", "caf", ("site_caf",)), ("site_unreachable", "ameli", ("site_ameli",))],
     {"internet": "ok", "site_caf": "down", "site_ameli": "down"}),
    ("one site only: the site is blamed", GATEWAY_OK, DNS_OK, {"caf": "silent"},
     [("site_unreachable", "caf", ("site_caf",))], {"internet": "ok", "site_caf": "down"}),
    ("no gateway checked", None, DNS_OK, {"caf": "silent", "ameli": "silent"},
     [("internet_unreachable", None, ("internet", "site_caf", "site_ameli"))],
     {"internet": "down", "site_caf": "down", "site_ameli": "down"}),
]  # fmt: skip


@pytest.mark.parametrize(("case", "gateway", "dns_check", "sites", "reasons", "functions"), JUDGEMENTS,
                         ids=[j[0] for j in JUDGEMENTS])  # fmt: skip
def test_judgement_and_attribution(
    case: str, gateway: GatewayCheck | None, dns_check: DnsCheck, sites: dict[str, str],
    reasons: list[tuple[str, str | None, tuple[str, ...]]], functions: dict[str, str],
) -> None:  # fmt: skip
    judged = judge_link(gateway, dns_check, [site(n, o) for n, o in sites.items()])
    assert [(r.code, r.subject, r.functions) for r in judged.reasons] == reasons
    assert {f.function: f.state for f in judged.functions} == functions
    states = set(functions.values())
    assert judged.state == ("ok" if states == {"ok"} else "down" if states == {"down"} else "degraded")


def test_the_link_is_an_external_cause_and_so_are_the_sites() -> None:
    for code in ("gateway_unreachable", "dns_failure", "internet_unreachable"):
        assert CAUSES[describe(code).cause].label == "accès internet"
        assert CAUSES[describe(code).cause].external
    for code in ("site_unreachable", "site_http_error", "tls_error"):
        assert CAUSES[describe(code).cause].label == "site administratif injoignable"
        assert CAUSES[describe(code).cause].external
    for code in ("wifi_down", "uplink_down", "interface_down", "wifi_logging_failed"):
        assert not CAUSES[describe(code).cause].external  # the structure can act on those


def test_labels_name_the_site() -> None:
    judged = judge_link(
        GATEWAY_OK, DNS_OK, [site("caf", "refused"), site("ameli", "ok")], site_labels={"site_caf": "CAF"}
    )
    assert judged.label == "site CAF hors service : site administratif injoignable (CAF)"
    assert judged.reasons[0].label == "Site administratif injoignable (CAF)"
    cut = judge_link(GATEWAY_SILENT, DNS_DEAD, [site("caf", "unresolved"), site("ameli", "unresolved")])
    assert cut.label == "hors service : la box internet ne répond plus"


@pytest.mark.parametrize(
    ("result", "state", "codes"),
    [("pass", "ok", []), ("fail", "down", ["wifi_logging_failed"]), ("unknown", "unknown", [])],
)
def test_wifi_logging_is_its_own_function(result: str, state: str, codes: list[str]) -> None:
    check = LoggingCheck(method="syslog", result=result, evidence=("syslog 10.0.0.5:6514",))  # type: ignore[arg-type]
    judged = judge_link(GATEWAY_OK, DNS_OK, [site("caf", "ok")], check)
    assert {f.function: f.state for f in judged.functions} == {
        "internet": "ok",
        "site_caf": "ok",
        "wifi_logging": state,
    }
    assert [r.code for r in judged.reasons] == codes
    assert all(r.functions == ("wifi_logging",) for r in judged.reasons)


def test_nothing_probed_is_unknown() -> None:
    judged = judge_link(None, None, [])
    assert [(f.function, f.state) for f in judged.functions] == [("internet", "unknown")]
    assert judged.state == "unknown"


# --------------------------------------------------------------------------- DNS codec


def test_dns_query_bytes() -> None:
    packet = dns.query("www.caf.fr", 0xBEEF)
    assert packet[:12] == bytes.fromhex("beef 0100 0001 0000 0000 0000".replace(" ", ""))
    assert packet[12:] == b"\x03www\x03caf\x02fr\x00\x00\x01\x00\x01"


def _answer(ident: int, rcode: int, records: list[tuple[int, bytes]]) -> bytes:
    question = dns.query("www.caf.fr", ident)[12:]
    header = struct.pack("!HHHHHH", ident, 0x8180 | rcode, 1, len(records), 0, 0)
    body = b"".join(
        b"\xc0\x0c" + struct.pack("!HHIH", kind, 1, 60, len(data)) + data for kind, data in records
    )
    return header + question + body


def test_dns_answers() -> None:
    cname = (5, b"\x03web\xc0\x10")  # a CNAME first, then the address (compressed names)
    assert dns.answer(_answer(7, 0, [cname, (1, bytes([192, 0, 2, 10]))]), 7) == ["192.0.2.10"]
    assert dns.answer(_answer(7, 0, []), 7) == []
    with pytest.raises(dns.DnsError, match="NXDOMAIN"):
        dns.answer(_answer(7, 3, []), 7)
    with pytest.raises(dns.DnsError, match="not an answer"):
        dns.answer(_answer(8, 0, []), 7)
    with pytest.raises(dns.DnsError, match="truncated"):
        dns.answer(_answer(7, 0, [(1, bytes([192, 0, 2, 10]))])[:-8], 7)


def test_default_gateway_from_proc_net_route() -> None:
    text = (
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
        "eth0\t0001A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
        "eth0\t00000000\tFE01A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
    )
    assert parse_proc_route(text) == "192.168.1.254"
    assert parse_proc_route(text.splitlines()[0] + "\n" + text.splitlines()[1]) is None  # no default route


# --------------------------------------------------------------------------- sites and configuration


def test_site_names_from_domains() -> None:
    sites = sites_from_allowlist(["caf.fr", "francetravail.fr", "ameli.fr", "impots.gouv.fr", "ants.gouv.fr",
                                  "service-public.fr", "caf.gouv.fr"])  # fmt: skip
    assert [(s.name, s.url, s.label) for s in sites] == [
        ("caf", "https://caf.fr/", "caf.fr"), ("francetravail", "https://francetravail.fr/", "francetravail.fr"),
        ("ameli", "https://ameli.fr/", "ameli.fr"), ("impots", "https://impots.gouv.fr/", "impots.gouv.fr"),
        ("ants", "https://ants.gouv.fr/", "ants.gouv.fr"),
        ("service_public", "https://service-public.fr/", "service-public.fr"),
        ("caf_gouv", "https://caf.gouv.fr/", "caf.gouv.fr"),
    ]  # fmt: skip
    assert site_name("9online.fr", set()) == "s9online"


def _config(tmp_path: Path, text: str) -> AgentConfig:
    path = tmp_path / "agent.toml"
    path.write_text(
        f'[agent]\nsite = "maurepas"\nid = "kiosque-1"\n[broker]\nurl = "mqtt://127.0.0.1:1"\n{text}'
    )
    return load_agent_config(path)


def test_a_kiosk_probes_its_browser_allowlist_by_default(tmp_path: Path) -> None:
    policy = REPO / "agent" / "lockdown" / "sample-policy.toml"
    config = _config(tmp_path, f'[lockdown]\npolicy = "{policy}"\n[probes]\n')
    sites = default_sites(config)
    assert [s.name for s in sites] == ["caf", "francetravail", "ameli", "impots", "ants", "service_public"]
    assert config.probes is not None
    assert Plan(config.probes, sites).hosts() == ["caf.fr", "francetravail.fr", "ameli.fr", "impots.gouv.fr",
                                                  "ants.gouv.fr", "service-public.fr"]  # fmt: skip
    declared = _config(tmp_path, f'[lockdown]\npolicy = "{policy}"\n[probes]\nsites = []\n')
    assert default_sites(declared) == ()  # an explicit empty list wins
    assert default_sites(_config(tmp_path, "[probes]\n")) == ()  # not a kiosk: nothing by default


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[probes]\nsites = [{name = "caf", url = "http://caf.fr/"}]\n', "probes.sites[0].url"),
        ('[probes]\nsites = [{name = "CAF", url = "https://caf.fr/"}]\n', "probes.sites[0].name"),
        ('[probes]\nsites = [{name = "caf", url = "https://caf.fr/"}, {name = "caf", url = "https://caf.gouv.fr/"}]\n',
         "site names must be unique, repeated: caf"),
        ("[probes]\n[probes.wifi_logging]\n", "give either 'url' or 'syslog'"),
        ('[probes]\n[probes.wifi_logging]\nsyslog = "10.0.0.5"\n', "probes.wifi_logging.syslog"),
        ('[probes]\n[probes.wifi_logging]\nsyslog = "10.0.0.5:6514"\nexpect = "ok"\n', "'expect' goes with 'url'"),
        ('[probes]\ninterval = 5\n', "probes.interval"),
        ('[probes]\ngateway = "192.168.1.1:80"\n', "gateway: an address, 'auto' or 'none', got '192.168.1.1:80'"),
        ('[probes]\ngateway = "192.168.1.300"\n', "gateway: an address"),
        ('[probes]\ndns_server = "https://1.1.1.1/dns-query"\n', "dns_server: 'host' or 'host:port'"),
        ('[probes]\ndns_server = "192.0.2.1:99999"\n', "dns_server: 'host' or 'host:port'"),
        ('[probes]\ndevice = "internet"\n[[network]]\nid = "internet"\nhost = "10.0.0.2"\ncommunity = "x"\n',
         "device ids must be unique, repeated: internet"),
        ('[[network]]\nid = "borne"\nhost = "10.0.0.2"\nversion = "3"\n', "SNMP v3 needs 'v3_user'"),
        ('[[network]]\nid = "borne"\nhost = "10.0.0.2"\ncommunity = "x"\nwifi_interface = ["ra0"]\n',
         'network[0] (id "borne").wifi_interface: unknown key'),
    ],
)  # fmt: skip
def test_configuration_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        _config(tmp_path, text)


def test_the_agent_stays_light_without_network_or_probes() -> None:
    """The new modules load only when [[network]] or [probes] are configured."""
    import subprocess
    import sys

    code = ("import sys, agent.cli, agent.runner, agent.devices; "
            "print(sorted(m for m in sys.modules if m.startswith(('agent.network', 'agent.probes.', 'pysnmp'))))")  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert result.stdout.strip() == "['agent.probes.cli']"


def test_thirty_two_sites_fit_the_contract() -> None:
    """The most sites a config takes, all cut with the link: every function named, the message valid."""
    from agent.contract.messages import DeviceBody, DeviceMessage, LinkStatus, decode, encode, now_utc

    sites = [site(f"s{i:02d}", "silent") for i in range(32)]
    judged = judge_link(GATEWAY_SILENT, DNS_DEAD, sites, LoggingCheck(method="syslog", result="pass"))
    assert len(judged.reasons[0].functions) == 33  # internet and the 32 sites
    assert [f.state for f in judged.functions] == ["down"] * 33 + ["ok"]
    body = DeviceBody(device="internet", kind="link", reachable=True, state=judged.state, label=judged.label,
                      reasons=judged.reasons, functions=judged.functions,
                      link=LinkStatus(gateway=GATEWAY_SILENT, dns=DNS_DEAD, sites=tuple(sites)))  # fmt: skip
    message = DeviceMessage(v=1, site="maurepas", agent="kiosque-1", seq=1, ts=now_utc(), body=body)
    assert decode("esc/v1/maurepas/kiosque-1/device/internet", encode(message)) == message


def test_gateway_and_dns_server_forms(tmp_path: Path) -> None:
    for text in ('gateway = "192.168.1.254"\n', 'gateway = "box.lan"\n', 'gateway = "fe80::1"\n',
                 'dns_server = "192.0.2.1:5353"\n', 'dns_server = "2001:db8::53"\n', 'dns_server = "dns.lan"\n'):  # fmt: skip
        assert _config(tmp_path, f"[probes]\n{text}").probes is not None
