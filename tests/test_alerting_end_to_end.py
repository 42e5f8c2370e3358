"""Alerts end to end: snmpsim → agent → Mosquitto → collector → Prometheus → Alertmanager → SMTP."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from helpers.agent import printer_block, start_agent, write_agent_config
from helpers.alerting import Service, SmtpSink, fast_rules, start_alertmanager, start_prometheus
from helpers.broker import Broker
from helpers.collector import start_collector
from helpers.processes import REPO, require_program, run_cli, stop_process, wait_for
from helpers.recordings import recording, supply_level
from helpers.sites import member, service, site, sites_toml
from helpers.snmp import Simulator


def sites(hours: str) -> str:
    """Maurepas open ``hours``, with its printer; Kléber, always open, with another."""
    return sites_toml(
        site(
            "maurepas",
            name="ESC Maurepas",
            opening_hours=hours,
            contact="secretariat.maurepas@example.org",
            services={"impression": service(devices=["imprimante-accueil"])},
            agents={"accueil-pc1": member("le poste 1 de l'accueil")},
        ),
        site(
            "kleber",
            name="ESC Kléber",
            opening_hours="24/7",
            contact="secretariat.kleber@example.org",
            services={"impression": service(devices=["copieur"])},
            agents={"accueil-pc1": member("le poste 1 de l'accueil")},
        ),
    )


class Stack:
    """Everything from the printer to the mailbox."""

    def __init__(
        self, tmp_path: Path, mosquitto: Broker, snmpsim: Simulator, smtp: SmtpSink, hours: str
    ) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        self.slot = snmpsim.claim(supply_level(recording("utax"), "1.1", 7, 100))  # black toner at 7 %
        folder = tmp_path / "collector"
        alerting = (
            f'[alerting]\nsmarthost = "127.0.0.1:{smtp.port}"\nfrom = "esc-fleet@example.org"\nrequire_tls = false\n'
            f'technicians = ["technicien@example.org"]\ntemplates = "{REPO}/alerts/templates/*.tmpl"\n'
            'group_wait = "1s"\ngroup_interval = "2s"\nrepeat_interval = "1h"\ntechnician_repeat_interval = "1h"\n'
        )
        self.collector = start_collector(folder, mosquitto, sites=sites(hours), extra=alerting)
        self.procs.append(self.collector.proc)
        config = folder / "collector.toml"
        generated = run_cli("esc-collector", "alertmanager", "config", "--config", str(config), "--out",
                            str(folder / "alertmanager.yml"))  # fmt: skip
        assert generated.returncode == 0, generated.stderr
        check = subprocess.run([require_program("amtool", "prometheus-alertmanager"), "check-config",
                                str(folder / "alertmanager.yml")], capture_output=True, text=True, check=False)  # fmt: skip
        assert check.returncode == 0, check.stdout + check.stderr
        self.alertmanager = start_alertmanager(tmp_path / "am", folder / "alertmanager.yml")
        self.procs.append(self.alertmanager.proc)
        self.prometheus: Service = start_prometheus(
            tmp_path / "prom", targets=[f"127.0.0.1:{self.collector.port}"], rule_files=[fast_rules(tmp_path)],
            alertmanager=f"127.0.0.1:{self.alertmanager.port}",
        )  # fmt: skip
        self.procs.append(self.prometheus.proc)
        extra = printer_block("imprimante-accueil", snmpsim.port, self.slot, "imprimante de l'accueil")
        extra += "[devices]\ninterval = 5\n"
        agent_config = write_agent_config(tmp_path / "agent", extra=extra, interval=5)
        self.procs.append(start_agent(agent_config, mosquitto, tmp_path / "agent.log"))

    def close(self) -> None:
        for proc in reversed(self.procs):
            stop_process(proc)


@pytest.fixture
def stack_open(tmp_path: Path, mosquitto: Broker, snmpsim: Simulator, smtp_sink: SmtpSink):  # type: ignore[no-untyped-def]
    stack = Stack(tmp_path, mosquitto, snmpsim, smtp_sink, "24/7")
    yield stack
    stack.close()


@pytest.fixture
def stack_closed(tmp_path: Path, mosquitto: Broker, snmpsim: Simulator, smtp_sink: SmtpSink):  # type: ignore[no-untyped-def]
    stack = Stack(tmp_path, mosquitto, snmpsim, smtp_sink, "off")
    yield stack
    stack.close()


def _body(message: object) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[attr-defined]


def test_toner_low_mails_the_site_secretariat_then_resolves(
    stack_open: Stack, smtp_sink: SmtpSink, snmpsim: Simulator
) -> None:
    mailbox = "secretariat.maurepas@example.org"
    wait_for(lambda: smtp_sink.to(mailbox), timeout=60, what="the secretariat's e-mail")
    message = smtp_sink.to(mailbox)[0]
    subject = str(message["Subject"])
    assert subject.startswith("[ESC Maurepas] ")
    assert "Toner noir presque vide — l'imprimante de l'accueil" in subject
    body = _body(message)
    assert "À faire : Prévoir une cartouche de toner noir pour l'imprimante de l'accueil" in body
    assert "Bonjour" in body
    assert not smtp_sink.to("secretariat.kleber@example.org")  # another site's secretariat hears nothing
    assert not smtp_sink.to("technicien@example.org")  # nothing technical happened
    # The toner is replaced: the resolved e-mail follows.
    snmpsim.put(stack_open.slot, recording("utax"))
    wait_for(lambda: any(str(m["Subject"]).startswith("[ESC Maurepas] Réglé") for m in smtp_sink.to(mailbox)),
             timeout=60, what="the resolved e-mail")  # fmt: skip
    resolved = next(m for m in smtp_sink.to(mailbox) if "Réglé" in str(m["Subject"]))
    assert "Réglé depuis le dernier message" in _body(resolved)


def test_nothing_is_sent_while_the_site_is_closed(stack_closed: Stack, smtp_sink: SmtpSink) -> None:
    prometheus = stack_closed.prometheus
    # The condition is there, and Prometheus sees it...
    wait_for(lambda: prometheus.query('esc_printer_supply_state{state="low", role="toner"} == 1'), timeout=60,
             what="the toner low series in Prometheus")  # fmt: skip
    assert prometheus.query('esc_site_open{site="maurepas"}')[0]["value"][1] == "0"
    # ...for several evaluation rounds, yet no alert and no e-mail.
    time.sleep(8)
    assert prometheus.query('ALERTS{alertname="EscTonerLow"}') == []
    assert smtp_sink.messages == []
