"""High availability: two collectors, two Prometheus, two Alertmanagers in a cluster — one e-mail, no gap.

The shipped pair (docs/scaling.md §2): collectors a and b subscribe to everything, each with its
own persistent session and history; Prometheus a and b (``deploy/prometheus/ha/``) scrape both and
merge their series (``replica.rules.yml``); both send every alert to both Alertmanagers, which run
as a cluster from ``deploy/alertmanager/prometheus-alertmanager.default``. A simulated agent reports
its printer every half second throughout.

1. Toner low while everything runs: four copies of the alert reach the cluster (two Prometheus, two
   Alertmanagers), one e-mail goes out.
2. Collector a and the Alertmanager that sends first are killed (SIGKILL); then the printer runs
   low on paper: one more e-mail (the survivor sends it), no « réglé » for the toner (the merged series did not
   stop with collector a), and the technicians hear once that collector a is down.
3. The surviving collector's history covers the whole test without a gap; collector a's stops.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from collector.history import History

from helpers.alerting import SmtpSink, alerting_section, alertmanager_config, email
from helpers.broker import Broker
from helpers.collector import start_collector
from helpers.fleet import ContractAgent
from helpers.processes import free_port, stop_process, wait_for
from helpers.scale import (
    cluster_position,
    ha_prometheus_config,
    ha_rules,
    start_alertmanager_cluster,
    start_prometheus_with,
)
from helpers.sites import member, service, site, sites_toml

SECRETARIAT = "secretariat.maurepas@example.org"
TECHNICIANS = "technicien@example.org"
#: Long enough for a duplicate to show: the second Alertmanager's peer timeout (2 s), a group
#: interval (2 s), a Prometheus evaluation (1 s), and a margin for a busy machine.
DUPLICATE_WINDOW = 8.0


class Printer(threading.Thread):
    """The agent's printer, reported every half second with the reasons of the moment."""

    def __init__(self, agent: ContractAgent) -> None:
        super().__init__(daemon=True)
        self.agent = agent
        self.reasons: list[str] = []
        self.stopping = threading.Event()
        self.first = self.last = 0.0

    def run(self) -> None:
        beat = 0
        while not self.stopping.is_set():
            now = time.time()
            self.agent.device("copieur", list(self.reasons))
            self.first = self.first or now
            self.last = now
            if beat % 4 == 0:
                self.agent.host()
            beat += 1
            self.stopping.wait(0.5)


def alerts_named(alertmanager, name: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return [a for a in alertmanager.api("/api/v2/alerts") if a["labels"]["alertname"] == name]


def test_one_mail_and_no_gap_when_a_collector_and_an_alertmanager_die(
    tmp_path: Path, mosquitto: Broker, smtp_sink: SmtpSink
) -> None:
    sites = sites_toml(
        site("maurepas", name="ESC Maurepas", opening_hours="24/7", contact=SECRETARIAT,
             services={"impression": service(devices=["copieur"])},
             devices={"copieur": member("le copieur de l'accueil", functions=["print"])},
             agents={"pc1": member("le poste 1")}),
    )  # fmt: skip
    extra = alerting_section(smtp_sink)
    collectors = {
        r: start_collector(tmp_path / r, mosquitto, sites=sites, extra=extra, stale_after=5) for r in "ab"
    }
    procs = [c.proc for c in collectors.values()]
    printer: Printer | None = None
    agent: ContractAgent | None = None
    try:
        am_config = alertmanager_config(tmp_path / "a" / "collector.toml", tmp_path / "alertmanager.yml")
        alertmanagers = start_alertmanager_cluster(tmp_path / "am", am_config)
        procs += [am.proc for am in alertmanagers]
        rules = ha_rules(tmp_path / "rules")
        for name in ("a", "b"):
            port = free_port()
            config = ha_prometheus_config(name, port=port, collectors={r: c.port for r, c in collectors.items()},
                                          alertmanagers=[am.port for am in alertmanagers], rules=rules)  # fmt: skip
            procs.append(start_prometheus_with(tmp_path / f"prom-{name}", config, port).proc)
        agent = ContractAgent(mosquitto.port, "maurepas", "pc1")
        printer = Printer(agent)
        printer.start()

        # 1. Everything runs: the toner alert reaches both Alertmanagers from both Prometheus.
        printer.reasons = ["toner_low"]
        wait_for(lambda: smtp_sink.to(SECRETARIAT), timeout=40, what="the toner e-mail")
        for am in alertmanagers:
            wait_for(lambda am=am: alerts_named(am, "EscTonerLow"), timeout=10, what="the alert in both")
            toner = alerts_named(am, "EscTonerLow")
            assert len(toner) == 1, toner  # the two Prometheus sent the very same alert
            assert "prometheus" not in toner[0]["labels"]
        time.sleep(DUPLICATE_WINDOW)
        assert len(smtp_sink.to(SECRETARIAT)) == 1, [email(m).subject for m in smtp_sink.to(SECRETARIAT)]
        assert "toner" in email(smtp_sink.to(SECRETARIAT)[0]).text.lower()

        # 2. Collector a and the Alertmanager that sends first die; then the paper runs low.
        first = next(am for am in alertmanagers if cluster_position(am) == 0)
        survivor = next(am for am in alertmanagers if am is not first)
        collectors["a"].proc.kill()
        first.proc.kill()
        killed_at = time.time()
        printer.reasons = ["toner_low", "paper_low"]
        wait_for(
            lambda: len(smtp_sink.to(SECRETARIAT)) >= 2, timeout=40, what="the paper e-mail from the survivor"
        )

        def collector_down() -> list[str]:
            return [
                email(m).text
                for m in smtp_sink.to(TECHNICIANS)
                if "collecteur esc fleet ne répond plus" in email(m).text.lower()
            ]

        wait_for(collector_down, timeout=30, what="the technicians told collector a is down")
        time.sleep(DUPLICATE_WINDOW)
        mails = [email(m) for m in smtp_sink.to(SECRETARIAT)]
        assert len(mails) == 2, [m.subject for m in mails]
        assert "peu de papier" in mails[1].text.lower()
        # The toner is still low: the merged series went on with collector b, so nothing said « réglé »
        # (one Prometheus per collector would resolve it when collector a died, and the other fire it).
        assert all("réglé" not in m.text.lower() for m in mails), mails[1].text
        toner = alerts_named(survivor, "EscTonerLow")
        assert [a["status"]["state"] for a in toner] == ["active"]
        assert len(collector_down()) == 1
        assert f"127.0.0.1:{collectors['a'].port}" in collector_down()[0]
        down = alerts_named(survivor, "EscCollectorDown")
        assert [a["labels"]["replica"] for a in down] == ["a"]
    finally:
        if printer is not None:
            printer.stopping.set()
            printer.join(5)
        if agent is not None:
            agent.close()
        for proc in reversed(procs):
            stop_process(proc)

    # 3. The report reads the history: collector b's covers every second the printer reported.
    assert printer is not None
    start, end = printer.first, printer.last
    survived = History(tmp_path / "b" / "history.sqlite3")
    covered = survived.coverage("maurepas", start, end)[("device", "copieur")]
    assert len(covered) == 1, covered  # one run: not a second left out
    assert covered[0][0] - start < 1.0  # from the first reading (its ts, stamped just after)
    assert covered[0][1] == end  # to the last
    survived.close()
    lost = History(tmp_path / "a" / "history.sqlite3")
    runs = lost.coverage("maurepas", start, end)[("device", "copieur")]
    lost.close()
    assert runs[-1][1] < killed_at + 5 + 1  # collector a saw nothing after it died (stale_after 5 s)
    # The gap the pair covers: from then to the end (at least the duplicate window, minus stale_after).
    assert end - runs[-1][1] > DUPLICATE_WINDOW - 5
