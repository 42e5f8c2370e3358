"""The « Commander maintenant » e-mail end to end, once per cartridge.

snmpsim (the UTAX recording, its black toner driven by the test) → esc-agent → Mosquitto →
esc-collector (level history, forecast, order notice) → Prometheus (the shipped rules, ``for`` at
0 s) → Alertmanager (the generated configuration) → aiosmtpd. Time is compressed: the toner drops
10 points every poll (5 s), so the forecast says « less than a day » as soon as it has the few
seconds of history the test's ``[supplies]`` asks for; the site's lead time is 10 days.

The mail goes out once; the same cartridge keeps dropping and nothing more is sent; a new
cartridge (a jump up) is a new alert (``cartridge`` label 2) and gets its own mail, once. The
toner stays above the printer's « low » threshold throughout: the order comes before the fixed
threshold, whose alert never fires here.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from helpers.agent import printer_block, start_agent, write_agent_config
from helpers.alerting import (
    SmtpSink,
    email,
    fast_rules,
    screenshot_email,
    start_alertmanager,
    start_prometheus,
)
from helpers.broker import Broker
from helpers.collector import start_collector
from helpers.processes import REPO, require_program, run_cli, stop_process, wait_for
from helpers.recordings import recording, supply_level
from helpers.sites import member, service, site, sites_toml
from helpers.snmp import Simulator

ARTIFACTS = REPO / "test-artifacts"
MAILBOX = "secretariat.maurepas@example.org"
POLL = 5.0
MAX = 6000  # the UTAX toner's maximum (PK-3010S)
SUMMARY = (
    "Commander maintenant : toner noir PK-3010S pour l'imprimante de l'accueil (vide dans moins d'un jour)"
)
ACTION = (
    "Passer la commande dès aujourd'hui pour recevoir la cartouche avant que le toner noir de l'imprimante "
    "de l'accueil ne soit vide (au rythme actuel, dans moins d'un jour)."
)


def _config(folder: Path, smtp: SmtpSink) -> str:
    return (
        f'[alerting]\nsmarthost = "127.0.0.1:{smtp.port}"\nfrom = "esc-fleet@example.org"\nrequire_tls = false\n'
        f'technicians = ["technicien@example.org"]\ntemplates = "{REPO}/alerts/templates/*.tmpl"\n'
        'group_wait = "1s"\ngroup_interval = "2s"\nrepeat_interval = "1h"\ntechnician_repeat_interval = "1h"\n'
        # Compressed time: a reading kept every second, 8 s of history are enough to forecast.
        "[supplies]\nsample_every = 1.0\nmin_history_days = 0.0001\n"
    )


def _orders(smtp: SmtpSink) -> list[str]:
    return [str(m["Subject"]) for m in smtp.to(MAILBOX) if "Commander maintenant" in str(m["Subject"])]


def _level(snmpsim: Simulator, slot: str, percent: int) -> None:
    snmpsim.put(slot, supply_level(recording("utax"), "1.1", MAX * percent // 100, MAX))


def test_the_order_mail_is_sent_once_per_cartridge(
    tmp_path: Path, mosquitto: Broker, snmpsim: Simulator, smtp_sink: SmtpSink
) -> None:
    slot = snmpsim.claim(supply_level(recording("utax"), "1.1", MAX * 90 // 100, MAX))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        sites = sites_toml(
            site("maurepas", name="ESC Maurepas", opening_hours="24/7", contact=MAILBOX, order_lead_days=10,
                 services={"impression": service(devices=["imprimante-accueil"])},
                 agents={"accueil-pc1": member("le poste 1 de l'accueil")})
        )  # fmt: skip
        folder = tmp_path / "collector"
        collector = start_collector(folder, mosquitto, sites=sites, extra=_config(folder, smtp_sink))
        procs.append(collector.proc)
        am_config = folder / "alertmanager.yml"
        made = run_cli("esc-collector", "alertmanager", "config", "--config", str(folder / "collector.toml"),
                       "--out", str(am_config))  # fmt: skip
        assert made.returncode == 0, made.stderr
        amtool = require_program("amtool", "prometheus-alertmanager")
        check = subprocess.run(
            [amtool, "check-config", str(am_config)], capture_output=True, text=True, check=False
        )
        assert check.returncode == 0, check.stdout + check.stderr
        alertmanager = start_alertmanager(tmp_path / "am", am_config, tz="UTC")
        procs.append(alertmanager.proc)
        prometheus = start_prometheus(
            tmp_path / "prom", targets=[f"127.0.0.1:{collector.port}"], rule_files=[fast_rules(tmp_path)],
            alertmanager=f"127.0.0.1:{alertmanager.port}",
        )  # fmt: skip
        procs.append(prometheus.proc)
        extra = printer_block("imprimante-accueil", snmpsim.port, slot, "imprimante de l'accueil")
        extra += f"[devices]\ninterval = {POLL}\n"
        procs.append(start_agent(write_agent_config(tmp_path / "agent", extra=extra, interval=5), mosquitto,
                                 tmp_path / "agent.log"))  # fmt: skip

        # Cartridge 1: 90 % → 80 % → 70 %, one step per poll.
        for percent in (90, 80, 70):
            _level(snmpsim, slot, percent)
            time.sleep(POLL)
        wait_for(lambda: _orders(smtp_sink), timeout=60, what="the order e-mail")
        mail = email(next(m for m in smtp_sink.to(MAILBOX) if "Commander" in str(m["Subject"])))
        assert mail.subject == f"1 action à faire à l'ESC Maurepas : {SUMMARY}"
        assert f"• {SUMMARY}\n  {ACTION}\n" in mail.text
        assert f"{SUMMARY}\n{ACTION}\n" in mail.html_text
        screenshot_email(
            mail.html, ARTIFACTS / "order-email.png", user_data=tmp_path / "chromium", height=480
        )
        (alert,) = [
            a for a in alertmanager.api("/api/v2/alerts") if a["labels"]["alertname"] == "EscSupplyOrder"
        ]
        assert alert["labels"]["cartridge"] == "1"
        assert alert["labels"]["reference"] == "PK-3010S"
        assert alert["receivers"][0]["name"] == "commande-maurepas"
        days = prometheus.query('esc_printer_supply_days_left{device="imprimante-accueil", supply="1.1"}')
        assert days
        assert days[0]["metric"]["basis"] == "level"
        assert days[0]["metric"]["precision"] == "exact"

        # The same cartridge keeps dropping (70 → 60): nothing more is sent.
        for percent in (65, 60):
            _level(snmpsim, slot, percent)
            time.sleep(POLL)
        time.sleep(6)  # several group intervals and rule evaluations
        assert len(_orders(smtp_sink)) == 1

        # A new cartridge: 100 %, then 90, 80, 70: cartridge 2, its own e-mail.
        for percent in (100, 100, 90, 80, 70):
            _level(snmpsim, slot, percent)
            time.sleep(POLL)
        wait_for(lambda: len(_orders(smtp_sink)) >= 2, timeout=60, what="the second cartridge's order e-mail")
        firing = [
            a for a in alertmanager.api("/api/v2/alerts") if a["labels"]["alertname"] == "EscSupplyOrder"
        ]
        assert [a["labels"]["cartridge"] for a in firing] == ["2"]  # cartridge 1's notice ended with it
        time.sleep(6)
        assert _orders(smtp_sink) == [f"1 action à faire à l'ESC Maurepas : {SUMMARY}"] * 2
        subjects = [str(m["Subject"]) for m in smtp_sink.to(MAILBOX)]
        assert not any(s.startswith("Réglé") for s in subjects)  # no « réglé » for a notice
        assert not any("presque vide" in s for s in subjects)  # the low threshold was never reached
        cartridges = collector.metrics()
        assert any(name == "esc_printer_supply_days_left" and ("cartridge", "2") in labels
                   for name, labels in cartridges)  # fmt: skip
    finally:
        for proc in reversed(procs):
            stop_process(proc)
