"""Generate ``alerts/esc.rules.yml`` (names, expressions, French texts written once).

``esc-collector alerts build --out alerts`` writes it; a test checks the committed file equals a
fresh build. Metric names come from ``collector/descriptions.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

NAME = "{{ if $labels.name }}{{ $labels.name }}{{ else }}{{ $labels.device }}{{ end }}"
COLOUR = (
    '{{ if eq $labels.colour "black" }}noir{{ else if eq $labels.colour "yellow" }}jaune'
    "{{ else }}{{ $labels.colour }}{{ end }}"
)
SERVICE = (
    '{{ if eq $labels.service "postes" }}postes en libre-service{{ else if eq $labels.service "numerisation" }}'
    'numérisation{{ else if eq $labels.service "wifi" }}wifi public{{ else }}{{ $labels.service }}{{ end }}'
)
#: Where the jam is: subject "1.2" is tray 2 of the printer (prtInputTable index).
JAM_PLACE = (
    '{{ if match "^[0-9]+[.][0-9]+$" $labels.subject }} (bac {{ reReplaceAll "^[0-9]+[.]" "" $labels.subject }})'
    '{{ else if eq $labels.reason "adf_jam" }} (chargeur de documents){{ end }}'
)
OPEN = "and on(site) esc_site_open == 1"
INFO = "* on(site, device) group_left(name) esc_device_info"


def device(selector: str) -> str:
    """A device condition, named after its place, only while its site is open."""
    return f"({selector} == 1) {INFO} {OPEN}"


def rule(
    alert: str, expr: str, for_: str, severity: str, team: str, summary: str, action: str, **labels: str
) -> dict[str, Any]:
    """One alerting rule."""
    return {
        "alert": alert,
        "expr": expr,
        "for": for_,
        "labels": {"team": team, "severity": severity, **labels},
        "annotations": {"summary": summary, "action": action},
    }


SECRETARIAT = [
    rule("EscTonerEmpty", device('esc_printer_supply_state{role="toner", state="empty"}'), "5m", "critical",
         "secretariat", f"Toner {COLOUR} vide — {NAME}", f"Remplacer la cartouche de toner {COLOUR} de {NAME}."),
    rule("EscTonerLow", device('esc_printer_supply_state{role="toner", state="low"}'), "30m", "warning",
         "secretariat", f"Toner {COLOUR} presque vide — {NAME}",
         f"Prévoir une cartouche de toner {COLOUR} pour {NAME} (à commander si le stock est vide)."),
    rule("EscWasteFull", device('esc_printer_supply_state{role="waste", state="full"}'), "5m", "critical",
         "secretariat", f"Bac de toner usagé plein — {NAME}", f"Vider ou remplacer le bac de toner usagé de {NAME}."),
    rule("EscWasteAlmostFull", device('esc_printer_supply_state{role="waste", state="almost_full"}'), "30m",
         "warning", "secretariat", f"Bac de toner usagé presque plein — {NAME}",
         f"Prévoir un bac de toner usagé de rechange pour {NAME}."),
    rule("EscPaperEmpty", device('esc_device_reason{reason="no_paper"}'), "5m", "critical", "secretariat",
         f"Plus de papier — {NAME}", f"Remettre du papier dans les bacs de {NAME}."),
    rule("EscPaperTrayEmpty", device('esc_device_reason{reason="tray_empty"}'), "15m", "warning", "secretariat",
         f"Un bac à papier est vide — {NAME}", f"Remettre du papier dans le bac vide de {NAME}."),
    rule("EscPaperLow", device('esc_device_reason{reason="paper_low"}'), "30m", "warning", "secretariat",
         f"Papier presque vide — {NAME}", f"Remettre du papier dans {NAME}."),
    rule("EscPaperJam", device('esc_device_reason{reason=~"jam|adf_jam"}'), "2m", "critical", "secretariat",
         f"Bourrage papier{JAM_PLACE} — {NAME}",
         f"Ouvrir {NAME} en suivant les indications de son écran et retirer doucement la feuille coincée."),
    rule("EscDoorOpen", device('esc_device_reason{reason="door_open"}'), "5m", "critical", "secretariat",
         f"Capot ouvert — {NAME}", f"Refermer le capot de {NAME}."),
    rule("EscDeviceUnreachable", device('esc_device_reason{reason="unreachable"}'), "10m", "critical", "secretariat",
         f"L'appareil ne répond plus — {NAME}",
         f"Vérifier que {NAME} est allumé et branché au réseau ; sinon prévenir le technicien."),
    rule("EscPcDown", f"(esc_agent_up == 0) {OPEN}", "15m", "warning", "secretariat",
         "Le poste {{ $labels.agent }} ne donne plus de nouvelles",
         "Vérifier que le poste {{ $labels.agent }} est allumé et connecté ; sinon prévenir le technicien."),
    rule("EscServiceDown", f"(esc_service_up == 0) {OPEN}", "10m", "critical", "secretariat",
         f"Service {SERVICE} indisponible",
         f"Le service {SERVICE} n'est plus assuré pendant l'ouverture : voir les autres alertes du site, "
         "ou prévenir le technicien."),
]  # fmt: skip

TECHNICIEN = [
    rule("EscLockdownBroken", "esc_lockdown_ok == 0", "1m", "critical", "technicien",
         "Verrouillage rompu — poste {{ $labels.agent }}",
         "Le poste {{ $labels.agent }} n'est plus verrouillé sur les sites administratifs (profil "
         "{{ $labels.profile }}) : le retirer du public et le remettre en conformité (esc-agent lockdown check).",
         security="true"),
    rule("EscCollectorDown", 'up{job="esc-collector"} == 0', "2m", "critical", "technicien",
         "Le collecteur ESC Fleet ne répond plus ({{ $labels.instance }})",
         "Vérifier le service esc-collector (systemctl status esc-collector)."),
    rule("EscCollectorBrokerDisconnected", "esc_collector_mqtt_connected == 0", "2m", "critical", "technicien",
         "Le collecteur n'est plus connecté au broker MQTT", "Vérifier Mosquitto et les identifiants du collecteur."),
    rule("EscMessagesRejected", "increase(esc_collector_messages_rejected_total[15m]) > 10", "5m", "warning",
         "technicien", "Messages refusés par le collecteur (motif {{ $labels.reason }})",
         "Un agent envoie des messages invalides : consulter le journal du collecteur et la version de l'agent."),
    rule("EscAgentOutboxDropping", "increase(esc_agent_outbox_dropped_total[1h]) > 0", "0m", "warning",
         "technicien", "Le poste {{ $labels.agent }} perd des mesures (file d'attente pleine)",
         "Le poste ne joint plus le broker depuis longtemps : vérifier son réseau et ses identifiants MQTT."),
    rule("EscAgentBacklogReplayed", "increase(esc_collector_messages_duplicate_total[15m]) > 100", "15m", "info",
         "technicien", "Nombreux messages rejoués",
         "Des agents renvoient leur file d'attente (coupure réseau récente) : rien à faire si cela cesse."),
]  # fmt: skip

HEADER = """\
# ESC Fleet alert rules — GENERATED by `esc-collector alerts build` (collector/alerting/rules.py); edit there.
#
# Labels: site (from the metrics), team (secretariat | technicien), severity (critical | warning |
# info), security="true" for lockdown breaks. Annotations in French: summary, action (« à faire »).
# Every secretariat rule is silent while its site is closed (and on(site) esc_site_open == 1);
# the lockdown rule is not (security). Unreachable devices inhibit their own toner and paper
# alerts in Alertmanager (esc-collector alertmanager config).
"""


def render() -> str:
    """Return the rule file's text."""
    groups = {
        "groups": [
            {"name": "esc-secretariat", "rules": SECRETARIAT},
            {"name": "esc-technicien", "rules": TECHNICIEN},
        ]
    }
    return HEADER + yaml.safe_dump(groups, allow_unicode=True, sort_keys=False, width=4096)


RULES_FILE_NAME = "esc.rules.yml"


def build(out: Path) -> Path:
    """Write the rule file into the folder ``out``; return its path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / RULES_FILE_NAME
    path.write_text(render(), encoding="utf-8")
    return path
