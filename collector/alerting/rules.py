"""Generate ``alerts/esc.rules.yml`` from the reason table and the metric descriptions.

``esc-collector alerts build --out alerts`` writes it (and the e-mails' time table, see
:mod:`collector.alerting.mail`); a test checks the committed files equal a fresh build. Three
kinds of rules:

* **reason rules**, one per alert name of ``agent/contract/reasons.py`` (:func:`alert_rules`
  groups the codes): a device's reasons (``esc_device_reason``) joined with ``esc_device_info``
  for its name, or a PC's own metrics for the PC reasons (:data:`PC_CONDITIONS`) joined with
  ``esc_agent_info``. Their French title and action are the row's phrase templates compiled to
  Go templates (:func:`go_phrase`), so an e-mail says the words the status page says;
* the promised **services** (``esc_service_up``);
* the **order notice** of a toner cartridge (``esc_printer_supply_order_days_left``, given by
  ``collector.supplies`` once per cartridge while the site is open): « Commander maintenant :
  toner noir CF410A pour l'imprimante de l'accueil (vide dans ~9 jours) », from the phrase
  templates of ``collector.forecast``; Alertmanager sends it once (its own route, one group per
  cartridge, no « réglé »: ``collector.alerting.routing``);
* the collector's own **health**, for the technicians.

Secretariat rules stay silent while their site is closed (``and on(site) esc_site_open == 1``);
the technicians' rules are not, and neither is security (a broken lockdown). Every metric name
comes from ``collector/descriptions.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from agent.contract import french
from agent.contract.messages import RejectReason
from agent.contract.reasons import ReasonDescription, alert_rules
from collector import descriptions as d
from collector import forecast
from collector.alerting import mail
from collector.config import CollectorSection
from collector.sites import SERVICE_LABELS

RULES_FILE_NAME = "esc.rules.yml"


# --------------------------------------------------------------------------- phrase templates → Go


@dataclass(frozen=True, slots=True)
class GoField:
    """How a phrase field reads in a Go template of an alert annotation."""

    #: A Go template condition, true when the field has a value; ``None``: the alert never has one.
    condition: str | None
    #: The Go template text writing the value.
    value: str


NEVER = GoField(None, "")


def label(description: d.MetricDescription[Any], name: str) -> str:
    """Return ``$labels.<name>`` for a label the metric has (a typo fails the build, not an e-mail)."""
    if name not in description.labels:
        raise ValueError(f"{description.key} has no label {name!r} (it has {', '.join(description.labels)})")
    return f"$labels.{name}"


def _literal(text: str) -> str:
    """Return text as Go template text (``{{`` would open an action)."""
    return text.replace("{{", '{{ "{{" }}')


def _words(value: str, words: Mapping[str, str]) -> str:
    """Return the Go text writing ``words[value]`` (the value itself when it is not a key)."""
    expr = value
    for key, word in words.items():
        if key == word:
            continue
        if re.escape(key) != key or any(c in word for c in '$"\\'):
            raise ValueError(f"cannot put {key!r} → {word!r} in a Go regular expression replacement")
        expr = f'reReplaceAll "^{key}$" "{word}" {expr if expr == value else f"({expr})"}'
    return f"{{{{ {expr} }}}}"


def _contracted(preposition: str, contractions: Sequence[tuple[str, str]], name: str) -> str:
    """Return the Go text for « de » / « à » + a name with its article, contracted as :func:`french.of` does."""
    expr = f'printf "{preposition} %s" {name}'
    for article, contracted in contractions:
        expr = f'reReplaceAll "^{preposition} [{article[0].upper()}{article[0]}]{article[1:]} " "{contracted} " ({expr})'
    return f"{{{{ {expr} }}}}"


def named(name: str) -> dict[str, GoField]:
    """Return the fields that name a device or a PC: ``device``, ``of_device``, ``to_device``.

    Names are exported with their article (the exporter applies :func:`french.with_article`),
    so « de » and « à » contract the way :func:`french.of` and :func:`french.to` do.
    """
    return {
        "device": GoField(name, f"{{{{ {name} }}}}"),
        "of_device": GoField(name, _contracted("de", (("le", "du"), ("les", "des")), name)),
        "to_device": GoField(name, _contracted("à", (("le", "au"), ("les", "aux")), name)),
    }


def device_fields() -> dict[str, GoField]:
    """Return the phrase fields of a device reason rule, read from ``esc_device_reason`` and ``esc_device_info``."""
    colour = label(d.DEVICE_REASON, "colour")
    return {
        "colour": GoField(colour, _words(f"(toLower {colour})", french.COLOURS)),
        "tray": GoField(label(d.DEVICE_REASON, "place"), f"{{{{ {label(d.DEVICE_REASON, 'place')} }}}}"),
        "reference": GoField(label(d.DEVICE_REASON, "reference"), f"{{{{ {label(d.DEVICE_REASON, 'reference')} }}}}"),
        # Read by agents, not exported as labels: their optional segments drop.
        "percent": NEVER,
        "location": NEVER,
        "part": NEVER,
        **named(label(d.DEVICE_INFO, "name")),
    }  # fmt: skip


def pc_fields() -> dict[str, GoField]:
    """Return the phrase fields of a PC rule: its name from ``esc_agent_info``."""
    return {"percent": NEVER, "location": NEVER, "part": NEVER, **named(label(d.AGENT_INFO, "name"))}


def _fill(text: str, fields: Mapping[str, GoField]) -> str:
    parts = french.split_fields(text)
    out = []
    for index, part in enumerate(parts):
        if index % 2 == 0:
            out.append(_literal(part))
        elif part not in fields:
            raise ValueError(
                f"phrase field {{{part}}} has no Go equivalent (known: {', '.join(sorted(fields))})"
            )
        else:
            out.append(fields[part].value)
    return "".join(out)


def _branches(branches: Sequence[tuple[Sequence[str], str]]) -> str:
    """Return ``{{ if c }}a{{ else if … }}b{{ else }}c{{ end }}``; a branch with no condition ends the chain."""
    if not branches:
        return ""
    if not branches[0][0]:
        return branches[0][1]
    out = []
    for index, (conditions, text) in enumerate(branches):
        if not conditions:
            out.append(f"{{{{ else }}}}{text}")
            break
        test = conditions[0] if len(conditions) == 1 else "and " + " ".join(conditions)
        out.append(f"{{{{ {'if' if index == 0 else 'else if'} {test} }}}}{text}")
    return "".join(out) + "{{ end }}"


def go_phrase(template: str, fields: Mapping[str, GoField]) -> str:
    """Compile a phrase template of :mod:`agent.contract.french` to a Go template.

    ``{field}`` becomes the field's Go text; ``[segment]`` is kept only if all its fields have
    a value; ``[first|otherwise]`` keeps the first alternative whose fields all have one — the
    same rules as :func:`french.render`. A field the alert never has (``NEVER``) drops every
    segment it is in at build time.
    """
    out = []
    for text, alternatives in french.alternatives(template):
        if not alternatives:
            out.append(_fill(text, fields))
            continue
        branches: list[tuple[list[str], str]] = []
        for alternative in alternatives:
            names = list(dict.fromkeys(french.split_fields(alternative)[1::2]))  # in the order they appear
            unknown = [n for n in names if n not in fields]
            if unknown:
                raise ValueError(f"phrase field {{{unknown[0]}}} has no Go equivalent in {template!r}")
            conditions = [fields[n].condition for n in names]
            if None in conditions:
                continue  # never set here
            branches.append(([c for c in conditions if c is not None], _fill(alternative, fields)))
            if not names:
                break  # always taken: later alternatives are unreachable
        out.append(_branches(branches))
    return "".join(out)


def _by_reason(
    rows: Sequence[ReasonDescription], phrase: Callable[[ReasonDescription], str], reason: str
) -> str:
    """Return one Go text per row of an alert, chosen by the ``reason`` label when the rows differ."""
    texts = [phrase(row) for row in rows]
    if len(set(texts)) == 1:
        return texts[0]
    branches = [
        ([f'eq {reason} "{row.code}"'], text) for row, text in zip(rows[:-1], texts[:-1], strict=True)
    ]
    return _branches([*branches, ([], texts[-1])])


# --------------------------------------------------------------------------- rules

#: The reasons of a PC are computed by the collector, not sent as ``esc_device_reason``: their
#: rules read the agent's own metrics. Every other alerting reason is a device reason.
PC_CONDITIONS: Mapping[str, str] = {
    "pc_off": f"{d.AGENT_UP.key} == 0",
    "lockdown_broken": f"{d.LOCKDOWN_OK.key} == 0",
}
#: The default clock tolerance of the collector (``[collector] clock_tolerance``).
CLOCK_TOLERANCE = CollectorSection().clock_tolerance

OPEN = f"and on(site) {d.SITE_OPEN.key} == 1"
DEVICE_JOIN = f"* on({', '.join(d.DEVICE_LABELS)}) group_left(name) {d.DEVICE_INFO.key}"
AGENT_JOIN = f"* on({', '.join(d.AGENT_LABELS)}) group_left(name) {d.AGENT_INFO.key}"


def rule(
    alert: str,
    expr: str,
    for_: str,
    severity: str,
    team: str,
    summary: str,
    action: str,
    **labels: str,
) -> dict[str, Any]:
    """Return one alerting rule."""
    return {
        "alert": alert,
        "expr": expr,
        "for": for_,
        "labels": {"team": team, "severity": severity, **labels},
        "annotations": {"summary": summary, "action": action},
    }


def _one(rows: Sequence[ReasonDescription], attribute: str) -> Any:
    values = {getattr(row, attribute) for row in rows}
    if len(values) != 1:
        codes = ", ".join(r.code for r in rows)
        raise ValueError(
            f"alert {rows[0].alert}: rows {codes} disagree on {attribute} ({sorted(map(str, values))})"
        )
    return values.pop()


def reason_rule(alert: str, rows: Sequence[ReasonDescription]) -> dict[str, Any]:
    """Return the rule of one alert name of the reason table."""
    team = _one(rows, "team")
    codes = [row.code for row in rows]
    pc = [code for code in codes if code in PC_CONDITIONS]
    if pc and len(pc) != len(codes):
        raise ValueError(f"alert {alert} mixes PC and device reasons ({', '.join(codes)})")
    if pc:
        expr = f"({' or '.join(PC_CONDITIONS[c] for c in codes)}) {AGENT_JOIN}"
        fields = pc_fields()
    else:
        selector = f'reason="{codes[0]}"' if len(codes) == 1 else f'reason=~"{"|".join(codes)}"'
        expr = f"({d.DEVICE_REASON.key}{{{selector}}} == 1) {DEVICE_JOIN}"
        fields = device_fields()
    if team == "secretariat":
        expr = f"{expr} {OPEN}"
    reason = label(d.DEVICE_REASON, "reason")
    summary = _by_reason(rows, lambda r: go_phrase(f"{r.title} — {{device}}", fields), reason)
    action = _by_reason(rows, lambda r: go_phrase(r.action, fields), reason)
    extra = {"security": "true"} if any(row.cause == "lockdown" for row in rows) else {}
    return rule(
        alert, expr, _one(rows, "alert_for"), _one(rows, "alert_severity"), team, summary, action, **extra
    )


def reason_rules() -> list[dict[str, Any]]:
    """Return a rule per alert name of the reason table, in the table's order."""
    return [reason_rule(alert, rows) for alert, rows in alert_rules().items()]


def unreachable_alert() -> str:
    """Return the alert name of an unreachable device."""
    rows = [rows for rows in alert_rules().values() if any(r.code == "unreachable" for r in rows)]
    return str(rows[0][0].alert)


#: The promised services as people say them (sites.toml's own labels are not in the metrics).
SERVICE = _words(label(d.SERVICE_UP, "service"), SERVICE_LABELS)
#: Why the collector refused a message (``RejectReason``), for the technicians.
REJECTED: Mapping[str, str] = {
    RejectReason.OVERSIZED: "message trop gros",
    RejectReason.UNKNOWN_TOPIC: "sujet MQTT inconnu",
    RejectReason.INVALID_JSON: "JSON illisible",
    RejectReason.UNSUPPORTED_VERSION: "version du contrat non prise en charge",
    RejectReason.INVALID_SCHEMA: "contenu non conforme au contrat",
    RejectReason.INVALID_TIME: "date impossible",
    RejectReason.TOPIC_MISMATCH: "sujet et contenu discordants",
}
#: Why the collector set a valid message aside (``descriptions.DROP_REASONS``).
DROPPED: Mapping[str, str] = {
    "unknown_site": "site inconnu",
    "unenrolled_agent": "poste non déclaré dans sites.toml",
    "undeclared_device": "appareil non déclaré dans sites.toml",
    "too_many_devices": "trop d'appareils pour un poste",
    "rate_limited": "trop de messages d'un poste",
}


def _reason_words(description: d.MetricDescription[Any], words: Mapping[str, str]) -> dict[str, GoField]:
    value = label(description, "reason")
    return {"reason": GoField(value, _words(value, {str(k): v for k, v in words.items()}))}


def _phrases(title: str, action: str, fields: Mapping[str, GoField]) -> tuple[str, str]:
    return go_phrase(title, fields), go_phrase(action, fields)


def service_rules() -> list[dict[str, Any]]:
    """Return the rule of a promised service that is down while its site is open."""
    fields = {"service": GoField(label(d.SERVICE_UP, "service"), SERVICE)}
    summary, action = _phrases(
        "Service indisponible : {service}",
        "Regarder les autres alertes de ce message, qui en donnent la cause ; si aucune ne l'explique, "
        "prévenir le technicien.",
        fields,
    )
    return [rule("EscServiceDown", f"({d.SERVICE_UP.key} == 0) {OPEN}", "10m", "critical", "secretariat",
                 summary, action)]  # fmt: skip


#: The alert of the order notice (its own Alertmanager route: sent once per cartridge).
ORDER_ALERT = "EscSupplyOrder"


def supply_rules() -> list[dict[str, Any]]:
    """Return the order notice's rule: the collector gives it once per cartridge, while the site is open."""
    colour = label(d.SUPPLY_ORDER, "colour")
    reference = label(d.SUPPLY_ORDER, "reference")
    empty_in = label(d.SUPPLY_ORDER, "empty_in")
    fields = {
        "colour": GoField(colour, _words(f"(toLower {colour})", french.COLOURS)),
        "reference": GoField(reference, f"{{{{ {reference} }}}}"),
        "empty_in": GoField(empty_in, f"{{{{ {empty_in} }}}}"),
        **named(label(d.DEVICE_INFO, "name")),
    }
    summary, action = _phrases(forecast.ORDER_TITLE, forecast.ORDER_ACTION, fields)
    expr = f"{d.SUPPLY_ORDER.key} {DEVICE_JOIN} {OPEN}"
    return [rule(ORDER_ALERT, expr, "0m", "warning", "secretariat", summary, action)]


def collector_rules() -> list[dict[str, Any]]:
    """Return the technicians' rules on the collector's own health and the agents' plumbing."""
    none: dict[str, GoField] = {}
    instance = {"instance": GoField("$labels.instance", "{{ $labels.instance }}")}
    pcs = pc_fields()
    tolerance = french.duration(CLOCK_TOLERANCE)
    metric = label(d.EXPORT_ERRORS, "metric")
    specs: list[tuple[str, str, str, str, str, str, Mapping[str, GoField]]] = [
        ("EscCollectorDown", 'up{job="esc-collector"} == 0', "2m", "critical",
         "Le collecteur ESC Fleet ne répond plus[ ({instance})]",
         "Vérifier le service (systemctl status esc-collector) et le redémarrer.", instance),
        ("EscCollectorBrokerDisconnected", f"{d.MQTT_CONNECTED.key} == 0", "2m", "critical",
         "Le collecteur n'est plus connecté au broker MQTT",
         "Vérifier que Mosquitto tourne (systemctl status mosquitto) et qu'il accepte les identifiants du collecteur.",
         none),
        ("EscCollectorStorageFailing", f"{d.STORAGE_OK.key} == 0", "2m", "critical",
         "L'historique du collecteur ne peut plus être écrit",
         "Les postes gardent leurs mesures en attendant : libérer de la place sur le disque de l'historique "
         "ou le réparer (journalctl -u esc-collector).", none),
        ("EscMessagesRejected", f"increase({d.MESSAGES_REJECTED.series}[15m]) > 10", "5m", "warning",
         "Messages refusés par le collecteur : {reason}",
         "Un agent ne respecte pas le contrat : trouver le poste dans le journal du collecteur "
         "(journalctl -u esc-collector) et mettre son agent à jour.", _reason_words(d.MESSAGES_REJECTED, REJECTED)),
        ("EscMessagesDropped", f"increase({d.MESSAGES_DROPPED.series}[15m]) > 0", "5m", "warning",
         "Messages écartés par le collecteur : {reason}",
         "Trouver le poste dans le journal du collecteur (journalctl -u esc-collector), puis corriger "
         "sites.toml ou la configuration de ce poste.", _reason_words(d.MESSAGES_DROPPED, DROPPED)),
        ("EscAgentOutboxDropping", f"(increase({d.AGENT_OUTBOX_DROPPED.series}[1h]) > 0) {AGENT_JOIN}", "0m",
         "warning", "Mesures perdues : file d'attente pleine — {device}",
         "Sa file d'attente déborde et efface les mesures les plus anciennes : rétablir l'accès {of_device} "
         "au broker (réseau, identifiants MQTT).", pcs),
        ("EscAgentBacklogReplayed", f"increase({d.MESSAGES_DUPLICATE.series}[15m]) > 100", "15m", "info",
         "Nombreux messages rejoués par les postes",
         "Rien à faire si cela cesse dans l'heure ; sinon trouver dans le journal du collecteur le poste "
         "qui rejoue sa file d'attente.", none),
        ("EscAgentClockSkew", f"(abs({d.AGENT_CLOCK_OFFSET.key}) > {CLOCK_TOLERANCE:g}) {AGENT_JOIN}", "10m",
         "warning", f"Horloge décalée de plus de {tolerance} — {{device}}",
         "Ses mesures sont datées à leur arrivée : régler l'heure {of_device} (synchronisation NTP).", pcs),
        ("EscUnknownReasonCodes", f"increase({d.UNKNOWN_REASON_CODES.series}[1h]) > 0", "0m", "info",
         "Codes de panne inconnus de ce collecteur",
         "Des agents plus récents signalent des pannes que le collecteur affiche comme « autre problème » : "
         "mettre à jour esc-collector.", none),
        ("EscExportErrors", f"increase({d.EXPORT_ERRORS.series}[15m]) > 0", "0m", "warning",
         "Séries non exportées : {metric}",
         "Un poste a envoyé une valeur illisible : relever le détail dans le journal du collecteur "
         "(journalctl -u esc-collector) et le signaler aux développeurs.",
         {"metric": GoField(metric, f"{{{{ {metric} }}}}")}),
    ]  # fmt: skip
    return [
        rule(alert, expr, for_, severity, "technicien", *_phrases(title, action, fields))
        for alert, expr, for_, severity, title, action, fields in specs
    ]


def all_rules() -> dict[str, list[dict[str, Any]]]:
    """Return the rules by group: the secretariat's, then the technicians'."""
    rules = [*reason_rules(), *service_rules(), *supply_rules(), *collector_rules()]
    return {team: [r for r in rules if r["labels"]["team"] == team] for team in ("secretariat", "technicien")}


HEADER = """\
# ESC Fleet alert rules — GENERATED by `esc-collector alerts build` (collector/alerting/rules.py)
# from the reason table (agent/contract/reasons.py) and the metric descriptions
# (collector/descriptions.py): edit those, then rebuild.
#
# Labels: site (from the metrics), team (secretariat | technicien), severity (critical | warning |
# info), security="true" for lockdown breaks. Annotations in French: summary (title — name) and
# action (« à faire »). Secretariat rules are silent while their site is closed
# (and on(site) esc_site_open == 1); technicians' rules and security are not. An unreachable
# device inhibits its other alerts in Alertmanager (esc-collector alertmanager config).
"""


def render() -> str:
    """Return the rule file's text (deterministic: same tables, same bytes)."""
    groups = {"groups": [{"name": f"esc-{team}", "rules": rules} for team, rules in all_rules().items()]}
    return HEADER + yaml.safe_dump(groups, allow_unicode=True, sort_keys=False, width=4096)


def build(out: Path) -> Path:
    """Write the rule file into the folder ``out`` and the e-mails' time table into ``out/templates``.

    Returns:
        The rule file's path.
    """
    out.mkdir(parents=True, exist_ok=True)
    path = out / RULES_FILE_NAME
    path.write_text(render(), encoding="utf-8")
    templates = out / "templates"
    templates.mkdir(exist_ok=True)
    (templates / mail.TIME_FILE_NAME).write_text(mail.render_time_template(), encoding="utf-8")
    return path
