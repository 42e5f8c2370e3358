"""The link probes with real network plumbing: a site's LAN, its box and the internet, cut in turn.

Three network namespaces made by the test (helpers/netns.py): the kiosk's (``site``), the box's
(gateway, DNS forwarder, a portal's logging status page) and the ISP's (the administrative sites
over HTTPS with a test CA, the upstream DNS). The agent's probes run inside ``site``: as a
process (``ip netns exec … esc-agent probes once``) or, to follow rounds, in a thread that joined
the namespace. Only addresses inside those namespaces are contacted; the machine's own network
is left as it was (checked).
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agent.config import load_agent_config
from agent.probes.monitor import Prober

from helpers.agent import write_agent_config
from helpers.https import HttpsSite, TestCA, listening_socket
from helpers.netns import SiteNetwork
from helpers.processes import cli

ADDRESSES = {
    "www.caf.test": "198.51.100.10",
    "www.ameli.test": "198.51.100.11",
    "impots.test": "198.51.100.12",
}
SITES = ('[{name = "caf", url = "https://www.caf.test/", label = "CAF"}, {name = "ameli", url = "https://www.ameli.test/"},'
         ' {name = "impots", url = "https://impots.test/espace"}]')  # fmt: skip
ALL = ["internet", "site_caf", "site_ameli", "site_impots"]


@dataclass
class Lab:
    """The three namespaces, the sites in the ISP's, and the portal's status page in the box's."""

    folder: Path
    net: SiteNetwork
    ca: TestCA
    sites: dict[str, HttpsSite]
    portal: HttpsSite

    def config(self, probes: str = "", *, dns: bool = True) -> Path:
        """Write the kiosk agent's config (the given [probes] keys over the lab's defaults)."""
        server = f'dns_server = "{SiteNetwork.GATEWAY}"\n' if dns else ""
        text = (f'[probes]\n{probes}{server}ca_file = "{self.ca.path}"\ntimeout = 1.0\nretries = 0\nsites = {SITES}\n'
                f'[probes.wifi_logging]\nurl = "http://{SiteNetwork.GATEWAY}:8080/status"\nexpect = "logging ok"\n')  # fmt: skip
        return write_agent_config(self.folder / "agent", agent="kiosque-1", extra=text)

    def probe(self, config: Path) -> dict[str, Any]:
        """Run ``esc-agent probes once`` inside the site's namespace; return the observation."""
        result = self.net.site.run([cli("esc-agent"), "probes", "once", "--config", str(config), "--json"])
        assert result.returncode in (0, 1), result.stderr
        return json.loads(result.stdout)  # type: ignore[no-any-return]


def host_links() -> str:
    return subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    before = host_links()
    net = SiteNetwork(tmp_path, ADDRESSES)
    servers: list[HttpsSite] = []
    try:
        ca = TestCA(tmp_path / "ca")
        sites = {
            h: HttpsSite(net.isp.call(listening_socket, a, 443), ca.server_context(h))
            for h, a in ADDRESSES.items()
        }
        servers += sites.values()
        portal = HttpsSite(
            net.box.call(listening_socket, SiteNetwork.GATEWAY, 8080), None, body=b"logging ok"
        )
        servers.append(portal)
        assert host_links() == before  # nothing was added to the machine's own network
        yield Lab(tmp_path, net, ca, sites, portal)
    finally:
        for server in servers:
            server.close()
        net.close()
    assert host_links() == before


def functions(body: dict[str, Any]) -> dict[str, str]:
    return {f["function"]: f["state"] for f in body["functions"]}


def reasons(body: dict[str, Any]) -> list[tuple[str, str | None, list[str]]]:
    return [(r["code"], r.get("subject"), r["functions"]) for r in body["reasons"]]


def test_all_well_then_the_default_route_removed(lab: Lab) -> None:
    config = lab.config('gateway = "auto"\n')
    body = lab.probe(config)
    assert body["link"]["gateway"]["address"] == SiteNetwork.GATEWAY  # from the namespace's routing table
    assert body["link"]["gateway"]["answered"] is True
    assert body["link"]["dns"]["resolved"] == 3
    assert [s["http_status"] for s in body["link"]["sites"]] == [200, 200, 200]
    assert functions(body) == dict.fromkeys([*ALL, "wifi_logging"], "ok")
    assert lab.sites["www.caf.test"].requests == [("GET", "/")]
    assert "query[A] impots.test from 100.64.0.1" in lab.net.upstream.log()  # forwarded by the box

    lab.net.site.ip("route", "del", "default")
    body = lab.probe(config)
    assert body["link"]["gateway"] is None  # no default route any more: "auto" finds no gateway
    assert body["link"]["dns"]["resolved"] == 3  # the box, on the LAN, still answers
    assert reasons(body) == [("internet_unreachable", None, ALL)]
    assert functions(body) == {**dict.fromkeys(ALL, "down"), "wifi_logging": "ok"}
    assert [s["error"] for s in body["link"]["sites"]] == ["Network is unreachable"] * 3
    assert body["label"] == (
        "accès internet, site CAF et 2 autres hors service : accès internet coupé : aucun site ne répond"
    )


def test_the_kiosk_cable_pulled(lab: Lab) -> None:
    config = lab.config(f'gateway = "{SiteNetwork.GATEWAY}"\n')
    lab.net.site.ip("link", "set", "lan0", "down")
    body = lab.probe(config)
    assert body["link"]["gateway"]["answered"] is False
    assert reasons(body)[0] == ("gateway_unreachable", SiteNetwork.GATEWAY, ALL)
    assert functions(body) == dict.fromkeys([*ALL, "wifi_logging"], "down")
    assert [r["code"] for r in body["reasons"]] == ["gateway_unreachable", "wifi_logging_failed"]
    assert body["state"] == "down"
    assert (
        body["label"]
        == "hors service : la box internet ne répond plus; journal des connexions du wifi public en défaut"
    )


def test_the_box_cut_from_the_internet(lab: Lab) -> None:
    config = lab.config(f'gateway = "{SiteNetwork.GATEWAY}"\n')
    lab.net.box.ip("link", "set", "wan", "down")
    body = lab.probe(config)
    assert body["link"]["gateway"] == {**body["link"]["gateway"], "answered": True, "port": 53}
    assert body["link"]["dns"]["resolved"] == 0  # the box forwards, keeps nothing, and now has nowhere to ask
    assert reasons(body) == [("dns_failure", None, ALL)]
    assert functions(body) == {**dict.fromkeys(ALL, "down"), "wifi_logging": "ok"}  # the portal is on the box
    lab.net.box.ip("link", "set", "wan", "up")
    lab.net.box.ip("route", "replace", "default", "via", SiteNetwork.ISP_WAN)  # (the link took it along)
    assert functions(lab.probe(config)) == dict.fromkeys([*ALL, "wifi_logging"], "ok")


def test_one_site_down_behind_a_working_link(lab: Lab) -> None:
    lab.sites["www.ameli.test"].close()
    lab.sites["impots.test"].status = 500
    body = lab.probe(lab.config())
    assert reasons(body) == [
        ("site_unreachable", "ameli", ["site_ameli"]),
        ("site_http_error", "impots", ["site_impots"]),
    ]
    assert functions(body) == {"internet": "ok", "site_caf": "ok", "site_ameli": "down", "site_impots": "down",
                               "wifi_logging": "ok"}  # fmt: skip
    ameli = body["link"]["sites"][1]
    assert (ameli["resolved"], ameli["answered"], ameli["connected"]) == (
        True,
        True,
        False,
    )  # refused: it answered


def test_the_system_resolver_of_the_namespace(lab: Lab) -> None:
    lab.net.site.resolv_conf(SiteNetwork.GATEWAY)  # /etc/netns/<site>/resolv.conf, for ip netns exec
    config = lab.config('gateway = "none"\n', dns=False)
    body = lab.probe(config)
    assert body["link"]["dns"] == {**body["link"]["dns"], "server": "system", "names": 3, "resolved": 3}
    assert functions(body)["internet"] == "ok"
    lab.net.box.ip("link", "set", "wan", "down")
    body = lab.probe(config)
    assert reasons(body) == [("dns_failure", None, ALL)]


def test_the_portal_stops_logging(lab: Lab) -> None:
    lab.portal.body = b"logging stopped: disk full"
    body = lab.probe(lab.config())
    assert body["link"]["wifi_logging"] == {"method": "http", "result": "fail",
                                            "evidence": ["10.77.0.1:8080 answered HTTP 200", "expected text missing"]}  # fmt: skip
    assert reasons(body) == [("wifi_logging_failed", None, ["wifi_logging"])]
    assert functions(body) == {**dict.fromkeys(ALL, "ok"), "wifi_logging": "down"}
    assert "disk full" not in json.dumps(body)


def test_rounds_remember_the_gateway_when_its_route_goes(lab: Lab) -> None:
    """In a running agent, a cable pulled takes the default route along: the last gateway is checked."""
    config = load_agent_config(lab.config('gateway = "auto"\n'))
    prober: Prober = lab.net.site.call(Prober, config)  # its threads are born in the namespace
    try:
        first = lab.net.site.call(prober.round)
        assert first.link is not None
        assert first.link.gateway is not None
        assert first.link.gateway.address == SiteNetwork.GATEWAY
        assert first.state == "ok"
        lab.net.site.ip("link", "set", "lan0", "down")
        second = lab.net.site.call(prober.round)
        assert second.link is not None
        assert second.link.gateway is not None
        assert (second.link.gateway.address, second.link.gateway.answered) == (SiteNetwork.GATEWAY, False)
        assert second.reasons[0].code == "gateway_unreachable"
    finally:
        prober.close()


def test_a_silent_isp_is_the_link_not_the_sites(lab: Lab) -> None:
    """The ISP's end goes dark: the box keeps its route, queries leave and nothing comes back."""
    lab.net.isp.ip("link", "set", "wan", "down")
    started = time.monotonic()
    body = lab.probe(lab.config(f'gateway = "{SiteNetwork.GATEWAY}"\n'))
    assert time.monotonic() - started < 15  # time-outs of 1 s, names resolved side by side
    assert body["link"]["gateway"]["answered"] is True
    assert body["link"]["dns"]["error"].startswith("no answer from 10.77.0.1:53")
    assert reasons(body) == [("dns_failure", None, ALL)]
    assert functions(body) == {**dict.fromkeys(ALL, "down"), "wifi_logging": "ok"}
