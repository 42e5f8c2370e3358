"""Alerts and e-mails end to end.

* The whole chain: snmpsim → agent → Mosquitto → collector → Prometheus → Alertmanager → SMTP
  (aiosmtpd): the secretariat's e-mail, subject, plain-text and HTML parts, checked word for word.
* The e-mail templates straight from Alertmanager (alerts posted to its API with chosen start
  times), run under TZ=UTC and another server zone: Paris time at both ends of daylight saving
  time, singular and plural, the link to the site's page, whom to call, the resolved e-mail.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from agent.contract import french

from helpers.agent import printer_block, start_agent, write_agent_config
from helpers.alerting import (
    STATUS_URL,
    Service,
    SmtpSink,
    alerting_section,
    alertmanager_config,
    email,
    fast_rules,
    post_alerts,
    screenshot_email,
    start_alertmanager,
    start_prometheus,
)
from helpers.broker import Broker
from helpers.collector import start_collector
from helpers.processes import REPO, stop_process, wait_for
from helpers.recordings import recording, supply_level
from helpers.sites import member, service, site, sites_toml
from helpers.snmp import Simulator

ARTIFACTS = REPO / "test-artifacts"
FOOTER = (
    "Message envoyé automatiquement par ESC Fleet. Les actions du secrétariat ne sont envoyées que pendant "
    "les horaires d'ouverture du site ; la sécurité des postes est signalée à toute heure."
)


def _utc(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


# --------------------------------------------------------------------------- the whole chain


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
    """Everything from the printer to the mailbox; Alertmanager runs in UTC, as servers do."""

    def __init__(
        self, tmp_path: Path, mosquitto: Broker, snmpsim: Simulator, smtp: SmtpSink, hours: str
    ) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        self.slot = snmpsim.claim(supply_level(recording("utax"), "1.1", 7, 100))  # black toner at 7 %
        folder = tmp_path / "collector"
        self.collector = start_collector(folder, mosquitto, sites=sites(hours), extra=alerting_section(smtp))
        self.procs.append(self.collector.proc)
        am_config = alertmanager_config(folder / "collector.toml", folder / "alertmanager.yml")
        self.alertmanager = start_alertmanager(tmp_path / "am", am_config, tz="UTC")
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


def test_toner_low_mails_the_site_secretariat_in_french_then_resolves(
    stack_open: Stack, smtp_sink: SmtpSink, snmpsim: Simulator, tmp_path: Path
) -> None:
    mailbox = "secretariat.maurepas@example.org"
    wait_for(lambda: smtp_sink.to(mailbox), timeout=60, what="the secretariat's e-mail")
    mail = email(smtp_sink.to(mailbox)[0])
    (alert,) = [
        a for a in stack_open.alertmanager.api("/api/v2/alerts") if a["labels"]["alertname"] == "EscTonerLow"
    ]
    since = french.date_time(_utc(alert["startsAt"]), "Europe/Paris")  # Alertmanager runs in UTC
    summary = "Toner noir presque vide — l'imprimante de l'accueil"
    action = (
        "Prévoir une cartouche de toner noir (PK-3010S) pour l'imprimante de l'accueil : "
        "la commander s'il n'y en a plus en stock."
    )
    link = f"{STATUS_URL}/site/maurepas"
    assert mail.subject == f"1 action à faire à l'ESC Maurepas : {summary}"
    assert mail.text == (
        f"Bonjour,\n\nÀ faire maintenant :\n\n• {summary}\n  {action}\n  Depuis le {since}\n\n"
        f"La page du site, à jour en permanence : {link}\n\n{FOOTER}\n"
    )
    assert mail.html_text == "\n".join(
        ["Bonjour,", "À faire maintenant", summary, action, f"Depuis le {since}",
         "Voir la page du site (à jour en permanence)", FOOTER]
    )  # fmt: skip
    assert f'<a href="{link}"' in mail.html
    assert '<html lang="fr">' in mail.html
    png = ARTIFACTS / "alert-email.png"
    screenshot_email(mail.html, png, user_data=tmp_path / "chromium", height=520)
    assert png.stat().st_size > 5_000
    assert not smtp_sink.to("secretariat.kleber@example.org")  # another site's secretariat hears nothing
    assert not smtp_sink.to("technicien@example.org")  # nothing technical happened
    # The toner is replaced: the resolved e-mail follows.
    snmpsim.put(stack_open.slot, recording("utax"))
    wait_for(lambda: any(str(m["Subject"]).startswith("Réglé") for m in smtp_sink.to(mailbox)),
             timeout=60, what="the resolved e-mail")  # fmt: skip
    resolved = email(next(m for m in smtp_sink.to(mailbox) if str(m["Subject"]).startswith("Réglé")))
    assert resolved.subject == f"Réglé à l'ESC Maurepas : {summary}"
    assert resolved.text.startswith(
        f"Bonjour,\n\nRéglé depuis le dernier message :\n\n• {summary} (réglé le "
    )


def test_nothing_is_sent_while_the_site_is_closed(stack_closed: Stack, smtp_sink: SmtpSink) -> None:
    prometheus = stack_closed.prometheus
    # The condition is there, and Prometheus sees it...
    wait_for(lambda: prometheus.query('esc_device_reason{reason="toner_low"} == 1'), timeout=60,
             what="the toner low reason in Prometheus")  # fmt: skip
    assert prometheus.query('esc_site_open{site="maurepas"}')[0]["value"][1] == "0"
    # ...for several evaluation rounds, yet no alert and no e-mail.
    time.sleep(8)
    assert prometheus.query('ALERTS{alertname="EscTonerLow"}') == []
    assert smtp_sink.messages == []


# --------------------------------------------------------------------------- the templates, from Alertmanager

#: Alerts of Maurepas at both ends of daylight saving time, with the Paris time they must show
#: (written by hand; 2026 changes on 29 March and 25 October at 01:00 UTC).
MAUREPAS = [
    ("2026-03-29T00:59:00Z", "29/03/2026 à 01:59", "EscPaperJam", "accueil",
     "Bourrage papier dans le bac 2 — l'imprimante de l'accueil",
     "Ouvrir l'imprimante de l'accueil en suivant les indications de son écran et retirer doucement la feuille coincée."),
    ("2026-03-29T01:00:00Z", "29/03/2026 à 03:00", "EscTonerLow", "accueil",
     "Toner noir presque vide — l'imprimante de l'accueil",
     "Prévoir une cartouche de toner noir (CF410A) pour l'imprimante de l'accueil : "
     "la commander s'il n'y en a plus en stock."),
    ("2026-10-25T00:59:00Z", "25/10/2026 à 02:59", "EscDoorOpen", "etage",
     "Capot ouvert — le copieur du 1er étage", "Refermer le capot du copieur du 1er étage."),
    ("2026-10-25T01:00:00Z", "25/10/2026 à 02:00", "EscPaperTrayEmpty", "etage",
     "Plus de papier dans le bac 3 — le copieur du 1er étage",
     "Remettre du papier dans le bac 3 du copieur du 1er étage."),
    ("2026-07-14T10:05:00Z", "14/07/2026 à 12:05", "EscDeviceUnreachable", "bureau",
     "Appareil injoignable — la borne CAF",
     "Vérifier que la borne CAF est sous tension et que son câble réseau est branché ; sinon prévenir le technicien."),
    ("2025-12-31T23:30:00Z", "01/01/2026 à 00:30", "EscPcDown", "pc1",
     "Poste éteint ou hors ligne — le poste 1 de l'accueil",
     "Allumer le poste 1 de l'accueil et vérifier que son câble réseau est branché ; si rien ne change, "
     "prévenir le technicien."),
]  # fmt: skip
KLEBER = ("2026-12-01T08:00:00Z", "01/12/2026 à 09:00", "EscTonerEmpty", "accueil",
          "Toner cyan vide — le copieur de l'accueil",
          "Remplacer la cartouche de toner cyan (CF411A) du copieur de l'accueil.")  # fmt: skip
TECHNICIAN = ("2026-12-01T20:00:00Z", "01/12/2026 à 21:00", "EscCollectorStorageFailing", "",
              "L'historique du collecteur ne peut plus être écrit",
              "Les postes gardent leurs mesures en attendant : libérer de la place sur le disque de l'historique "
              "ou le réparer (journalctl -u esc-collector).")  # fmt: skip
CALL = "Atelier informatique, 02 99 12 34 56"


def _alert(site_id: str | None, team: str, spec: tuple[str, ...], ends: str) -> dict[str, Any]:
    starts, _paris, alertname, device, summary, action = spec
    labels = {"alertname": alertname, "team": team, "severity": "warning"}
    if site_id:
        labels |= {"site": site_id, "device": device}
    annotations = {"summary": summary, "action": action}
    return {"labels": labels, "annotations": annotations, "startsAt": starts, "endsAt": ends}


def start_mail_alertmanager(tmp_path: Path, smtp: SmtpSink, server_zone: str) -> Service:
    """Alertmanager configured by ``esc-collector alertmanager config`` for Maurepas and Kléber, in ``server_zone``."""
    folder = tmp_path / "collector"
    folder.mkdir()
    (folder / "sites.toml").write_text(
        sites_toml(
            site("maurepas", name="ESC Maurepas", opening_hours="24/7", contact="secretariat.maurepas@example.org",
                 contacts={"technicien": CALL}),
            site("kleber", name="ESC Kléber", opening_hours="24/7", contact="secretariat.kleber@example.org"),
        )
    )  # fmt: skip
    (folder / "collector.toml").write_text(f'[sites]\nfile = "sites.toml"\n{alerting_section(smtp)}')
    am_config = alertmanager_config(folder / "collector.toml", folder / "alertmanager.yml")
    return start_alertmanager(tmp_path / "am", am_config, tz=server_zone)


@pytest.mark.parametrize("server_zone", ["UTC", "America/New_York"])
def test_emails_say_paris_time_whatever_the_server_zone(
    tmp_path: Path, smtp_sink: SmtpSink, server_zone: str
) -> None:
    alertmanager = start_mail_alertmanager(tmp_path, smtp_sink, server_zone)
    try:
        later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
        post_alerts(alertmanager, [_alert("maurepas", "secretariat", spec, later) for spec in MAUREPAS]
                    + [_alert("kleber", "secretariat", KLEBER, later), _alert(None, "technicien", TECHNICIAN, later)])  # fmt: skip
        for mailbox in (
            "secretariat.maurepas@example.org",
            "secretariat.kleber@example.org",
            "technicien@example.org",
        ):
            wait_for(lambda m=mailbox: smtp_sink.to(m), timeout=30, what=f"the e-mail to {mailbox}")  # type: ignore[misc]

        # Plural, the first two summaries, no repeated count; each alert with its Paris time.
        digest = email(smtp_sink.to("secretariat.maurepas@example.org")[0])
        head, titles = digest.subject.split(" : ", 1)
        assert head == "6 actions à faire à l'ESC Maurepas"
        first, second, rest = titles.split(" ; ")
        assert {first, second} <= {spec[4] for spec in MAUREPAS}
        assert rest == "…"
        assert digest.text.startswith("Bonjour,\n\nÀ faire maintenant :\n\n• ")
        for starts, paris, _name, _device, summary, action in MAUREPAS:
            assert french.date_time(_utc(starts), "Europe/Paris") == paris  # the hand-written times are right
            assert f"• {summary}\n  {action}\n  Depuis le {paris}\n" in digest.text
            assert f"{summary}\n{action}\nDepuis le {paris}\n" in digest.html_text
        # Two actions ask for the technician: the secretariat's e-mail says whom to call, once.
        assert digest.text.count(f"Pour prévenir le technicien : {CALL}") == 1
        assert f"Pour prévenir le technicien : {CALL}" in digest.html_text
        assert digest.text.endswith(
            f"La page du site, à jour en permanence : {STATUS_URL}/site/maurepas\n\n{FOOTER}\n"
        )
        if server_zone == "UTC":
            screenshot_email(
                digest.html, ARTIFACTS / "alert-email-digest.png", user_data=tmp_path / "chromium"
            )

        # Singular, word for word; no technician is asked for, so no one to call.
        starts, paris, _name, _device, summary, action = KLEBER
        single = email(smtp_sink.to("secretariat.kleber@example.org")[0])
        assert single.subject == f"1 action à faire à l'ESC Kléber : {summary}"
        assert single.text == (
            f"Bonjour,\n\nÀ faire maintenant :\n\n• {summary}\n  {action}\n  Depuis le {paris}\n\n"
            f"La page du site, à jour en permanence : {STATUS_URL}/site/kleber\n\n{FOOTER}\n"
        )
        assert "technicien :" not in single.html_text

        # The collector's own health goes to the technicians, with their prefix and no site.
        technical = email(smtp_sink.to("technicien@example.org")[0])
        assert technical.subject == f"[ESC Fleet] 1 action à faire : {TECHNICIAN[4]}"
        assert f"Depuis le {TECHNICIAN[1]}\n" in technical.text
        assert "/site/" not in technical.text

        # Kléber's toner is replaced: « Réglé », with the Paris time it was.
        post_alerts(alertmanager, [_alert("kleber", "secretariat", KLEBER, "2026-12-01T09:30:00Z")])
        wait_for(
            lambda: len(smtp_sink.to("secretariat.kleber@example.org")) > 1,
            timeout=30,
            what="the resolved e-mail",
        )
        resolved = email(smtp_sink.to("secretariat.kleber@example.org")[1])
        assert resolved.subject == f"Réglé à l'ESC Kléber : {summary}"
        assert resolved.text == (
            f"Bonjour,\n\nRéglé depuis le dernier message :\n\n• {summary} (réglé le 01/12/2026 à 10:30)\n\n"
            f"La page du site, à jour en permanence : {STATUS_URL}/site/kleber\n\n{FOOTER}\n"
        )
    finally:
        stop_process(alertmanager.proc)


def test_an_unreachable_device_silences_its_other_alerts(tmp_path: Path, smtp_sink: SmtpSink) -> None:
    alertmanager = start_mail_alertmanager(tmp_path, smtp_sink, "UTC")
    try:
        later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
        starts = "2026-12-01T08:00:00Z"
        unreachable = ("", "", "EscDeviceUnreachable", "accueil", "Appareil injoignable — l'imprimante de l'accueil",
                       "Vérifier que l'imprimante de l'accueil est sous tension et que son câble réseau est branché ; "
                       "sinon prévenir le technicien.")  # fmt: skip
        post_alerts(alertmanager, [_alert("maurepas", "secretariat", (starts, *unreachable[1:]), later)])
        time.sleep(0.5)  # the inhibitor knows its source before the targets arrive
        same = (
            starts,
            "",
            "EscTonerLow",
            "accueil",
            "Toner noir presque vide — l'imprimante de l'accueil",
            "…",
        )
        other = (starts, "", "EscTonerLow", "etage", "Toner noir presque vide — le copieur du 1er étage", "…")
        pc = {"labels": {"alertname": "EscPcDown", "team": "secretariat", "site": "maurepas", "agent": "pc1"},
              "annotations": {"summary": "Poste éteint ou hors ligne — le poste 1 de l'accueil", "action": "…"},
              "startsAt": starts, "endsAt": later}  # no device label: never silenced by a device  # fmt: skip
        post_alerts(alertmanager, [_alert("maurepas", "secretariat", same, later),
                                   _alert("maurepas", "secretariat", other, later), pc])  # fmt: skip
        mailbox = "secretariat.maurepas@example.org"
        wait_for(lambda: any("le copieur du 1er étage" in email(m).text and "le poste 1" in email(m).text
                             for m in smtp_sink.to(mailbox)),
                 timeout=30, what="the digest with the other device's toner and the PC")  # fmt: skip
        time.sleep(3)  # a later digest would carry the silenced alert if the inhibition failed
        texts = [email(m).text for m in smtp_sink.to(mailbox)]
        assert all("Appareil injoignable — l'imprimante de l'accueil" in text for text in texts)
        assert not any("Toner noir presque vide — l'imprimante de l'accueil" in text for text in texts)
    finally:
        stop_process(alertmanager.proc)
