"""The link probes against real servers on loopback: dnsmasq, HTTPS sites with a test CA, a syslog port.

Then the whole path: ``esc-agent once`` → Mosquitto → the collector, which tracks the ``internet``
service and one function per site (sites.toml declares the link device). The namespaces test
(test_probes_netns.py) cuts the link itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from helpers.agent import write_agent_config
from helpers.broker import Broker
from helpers.collector import start_collector
from helpers.https import HttpsSite, TcpListener, TestCA, listening_socket
from helpers.netns import Dnsmasq, free_udp_port
from helpers.processes import run_cli, stop_process, wait_for
from helpers.sites import member, service, site, sites_toml

HOSTS = ("www.caf.test", "www.ameli.test", "impots.test")


@dataclass
class Lab:
    """Loopback stand-ins: a DNS server, three HTTPS sites, a CA, a syslog port, a closed gateway port."""

    folder: Path
    ca: TestCA
    dns: Dnsmasq
    sites: dict[str, HttpsSite]
    syslog: TcpListener
    closed_port: int

    def config(self, extra: str = "", *, sites: str | None = None, ca: bool = True) -> Path:
        """Write an agent config probing the lab."""
        caf, ameli, impots = (self.sites[h].port for h in HOSTS)
        listed = sites or (
            f'{{name = "caf", url = "https://www.caf.test:{caf}/", label = "CAF"}}, '
            f'{{name = "ameli", url = "https://www.ameli.test:{ameli}/"}}, '
            f'{{name = "impots", url = "https://impots.test:{impots}/espace?x=1", method = "HEAD"}}'
        )
        ca_line = f'ca_file = "{self.ca.path}"\n' if ca else ""
        text = (f'[probes]\ngateway = "127.0.0.1"\ngateway_ports = [{self.closed_port}]\ndns_server = "{self.dns.address}"\n'
                f"{ca_line}timeout = 2.0\nretries = 0\nsites = [{listed}]\n{extra}")  # fmt: skip
        return write_agent_config(self.folder / "agent", agent="kiosque-1", extra=text)


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    ca = TestCA(tmp_path / "ca")
    records = [f"--host-record={h},127.0.0.1" for h in HOSTS]
    dns = Dnsmasq(None, tmp_path, "127.0.0.1", "--no-resolv", *records, port=free_udp_port())
    sites = {h: HttpsSite(listening_socket(), ca.server_context(h)) for h in HOSTS}
    syslog = TcpListener(listening_socket())
    closed = listening_socket()
    closed_port = closed.getsockname()[1]
    closed.close()  # nothing listens there: the "gateway" refuses, so it answers
    try:
        yield Lab(tmp_path, ca, dns, sites, syslog, closed_port)
    finally:
        for server in sites.values():
            server.close()
        syslog.close()
        dns.stop()


def probe(config: Path) -> tuple[int, dict[str, Any]]:
    result = run_cli("esc-agent", "probes", "once", "--config", str(config), "--json")
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def functions(body: dict[str, Any]) -> dict[str, str]:
    return {f["function"]: f["state"] for f in body["functions"]}


def reasons(body: dict[str, Any]) -> list[tuple[str, str | None, list[str]]]:
    return [(r["code"], r.get("subject"), r["functions"]) for r in body["reasons"]]


def test_every_probe_against_real_servers(lab: Lab) -> None:
    code, body = probe(lab.config(f'[probes.wifi_logging]\nsyslog = "127.0.0.1:{lab.syslog.port}"\n'))
    assert code == 0
    assert (body["kind"], body["device"], body["state"], body["label"]) == (
        "link",
        "internet",
        "ok",
        "en service",
    )
    link = body["link"]
    assert link["gateway"] == {
        **link["gateway"],
        "address": "127.0.0.1",
        "answered": True,
        "port": lab.closed_port,
    }
    assert link["dns"] == {**link["dns"], "server": lab.dns.address, "names": 3, "resolved": 3}
    assert [(s["name"], s["function"], s["host"], s["http_status"], s["tls_ok"]) for s in link["sites"]] == [
        ("caf", "site_caf", "www.caf.test", 200, True),
        ("ameli", "site_ameli", "www.ameli.test", 200, True),
        ("impots", "site_impots", "impots.test", 200, True),
    ]
    assert all(s["cert_days_left"] in (18, 19) for s in link["sites"])  # the test CA issues 20 days
    assert link["wifi_logging"] == {"method": "syslog", "result": "pass",
                                    "evidence": [f"syslog 127.0.0.1:{lab.syslog.port} accepts connections"]}  # fmt: skip
    assert functions(body) == {"internet": "ok", "site_caf": "ok", "site_ameli": "ok", "site_impots": "ok",
                               "wifi_logging": "ok"}  # fmt: skip
    # Each site got exactly the agent's one request: GET of the root, HEAD of the declared path.
    assert lab.sites["www.caf.test"].requests == [("GET", "/")]
    assert lab.sites["impots.test"].requests == [("HEAD", "/espace?x=1")]
    assert "query[A] www.caf.test" in lab.dns.log()


def test_one_site_failing_is_that_site_only(lab: Lab) -> None:
    lab.sites["www.ameli.test"].status = 503
    code, body = probe(lab.config())
    assert code == 1
    assert reasons(body) == [("site_http_error", "ameli", ["site_ameli"])]
    assert functions(body) == {"internet": "ok", "site_caf": "ok", "site_ameli": "down", "site_impots": "ok"}
    assert body["label"] == "site www.ameli.test hors service : site administratif en erreur (www.ameli.test)"
    lab.sites["www.ameli.test"].status = 302  # a redirection is the site answering
    lab.sites["www.caf.test"].close()  # nothing listens any more: refused
    code, body = probe(lab.config())
    assert reasons(body) == [("site_unreachable", "caf", ["site_caf"])]
    assert body["reasons"][0]["label"] == "Site administratif injoignable (CAF)"
    assert functions(body)["site_ameli"] == "ok"
    assert functions(body)["internet"] == "ok"  # the others answer: the link works


def test_certificates_are_verified(lab: Lab) -> None:
    other = TestCA(lab.folder / "other-ca", name="Somebody else's CA")
    lab.sites["www.caf.test"].context = other.server_context("www.caf.test")
    _, body = probe(lab.config())
    assert reasons(body) == [("tls_error", "caf", ["site_caf"])]
    caf = body["link"]["sites"][0]
    assert (caf["tls_ok"], caf["http_status"]) == (False, None)
    assert caf["error"].startswith("certificate: unable to get local issuer certificate")
    assert lab.sites["www.caf.test"].requests == []  # no request over an unverified connection
    # Without the CA file, the system's store does not know the test CA: every site fails TLS.
    _, body = probe(lab.config(ca=False))
    assert [r[0] for r in reasons(body)] == ["tls_error"] * 3
    # A certificate for another name is refused too.
    lab.sites["www.caf.test"].context = lab.ca.server_context("www.autre.test")
    _, body = probe(lab.config())
    assert reasons(body) == [("tls_error", "caf", ["site_caf"])]
    assert "Hostname mismatch" in body["link"]["sites"][0]["error"]


def test_unknown_names_and_a_dead_resolver(lab: Lab) -> None:
    caf = lab.sites["www.caf.test"].port
    sites = f'{{name = "caf", url = "https://www.caf.test:{caf}/"}}, {{name = "nulle", url = "https://nulle.test:{caf}/"}}'
    _, body = probe(lab.config(sites=sites))
    assert reasons(body) == [("site_unreachable", "nulle", ["site_nulle"])]  # one name unknown: that site
    assert body["link"]["dns"]["resolved"] == 1
    lab.dns.stop()
    _, body = probe(lab.config(sites=sites))
    assert reasons(body) == [("dns_failure", None, ["internet", "site_caf", "site_nulle"])]
    assert functions(body) == {"internet": "down", "site_caf": "down", "site_nulle": "down"}
    assert body["link"]["gateway"]["answered"] is True


def test_wifi_logging_health_never_the_logs(lab: Lab) -> None:
    endpoint = HttpsSite(
        listening_socket(), None, body=b'{"logging": "ok", "last": "2026-12-01", "client": "aa:bb"}'
    )
    url = f"http://127.0.0.1:{endpoint.port}/status/logging"
    try:
        config = lab.config(f'[probes.wifi_logging]\nurl = "{url}"\nexpect = "\\"logging\\": \\"ok\\""\n')
        _, body = probe(config)
        assert body["link"]["wifi_logging"] == {
            "method": "http", "result": "pass",
            "evidence": [f"127.0.0.1:{endpoint.port} answered HTTP 200", "expected text found"],
        }  # fmt: skip
        endpoint.body = b'{"logging": "disk full"}'
        _, body = probe(config)
        assert body["link"]["wifi_logging"]["result"] == "fail"
        assert reasons(body) == [("wifi_logging_failed", None, ["wifi_logging"])]
        assert functions(body)["wifi_logging"] == "down"
        assert functions(body)["internet"] == "ok"
        assert "aa:bb" not in json.dumps(body)  # what the endpoint says is never published
        assert "disk full" not in json.dumps(body)
    finally:
        endpoint.close()
    lab.syslog.close()
    _, body = probe(lab.config(f'[probes.wifi_logging]\nsyslog = "127.0.0.1:{lab.syslog.port}"\n'))
    assert body["link"]["wifi_logging"]["result"] == "fail"
    assert body["link"]["wifi_logging"]["evidence"][0].endswith("Connection refused")


SITES = sites_toml(
    site(
        "maurepas", name="ESC Maurepas", opening_hours="24/7",
        devices={"internet": member("l'accès internet", functions=["internet", "site_caf", "site_ameli", "site_impots"])},
        services={"internet": service(devices=["internet"])},
        agents={"kiosque-1": member("la borne CAF")},
    )
)  # fmt: skip


def test_link_and_sites_reach_the_collector(lab: Lab, mosquitto: Broker) -> None:
    collector = start_collector(lab.folder / "collector", mosquitto, sites=SITES)
    try:
        config = lab.config()
        result = run_cli("esc-agent", "once", "--config", str(config), "--broker", mosquitto.url)
        assert result.returncode == 0, result.stderr
        assert "published 2 message(s)" in result.stdout  # host + the link
        link = {"site": "maurepas", "device": "internet"}
        wait_for(lambda: collector.value("esc_service_up", site="maurepas", service="internet") == 1.0,
                 timeout=10, what="internet service up")  # fmt: skip
        for function in ("internet", "site_caf", "site_ameli", "site_impots"):
            assert collector.value("esc_device_function_state", **link, function=function, state="ok") == 1.0
        lab.sites["www.ameli.test"].close()
        result = run_cli("esc-agent", "once", "--config", str(config), "--broker", mosquitto.url)
        assert result.returncode == 0, result.stderr
        wait_for(lambda: collector.value("esc_device_function_state", **link, function="site_ameli", state="down")
                 == 1.0, timeout=10, what="site_ameli down")  # fmt: skip
        assert collector.value("esc_device_function_state", **link, function="internet", state="ok") == 1.0
        assert (
            collector.value("esc_service_up", site="maurepas", service="internet") == 1.0
        )  # the link still works
    finally:
        stop_process(collector.proc)


def test_nothing_outside_loopback_was_contacted(lab: Lab) -> None:
    """The lab's DNS knows only the test names: a probe never asks it for anything else."""
    probe(lab.config())
    asked = {
        line.split("query[A] ")[1].split()[0] for line in lab.dns.log().splitlines() if "query[A] " in line
    }
    assert asked == set(HOSTS)
