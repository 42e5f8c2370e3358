"""The French of the dashboards: Grafana value mappings and column headers, built from the project's tables.

No word is spelled here that a table already holds: states, colours, functions, supply types and
two-state facts come from :mod:`agent.contract.french`, reasons from :mod:`agent.contract.reasons`,
service names from :mod:`collector.sites`, drop and reject reasons from
:mod:`collector.alerting.rules`, lockdown checks from their own registry, forecast codes from
:mod:`collector.forecast`. What is left is the dashboards' own headings (column headers), colours,
and the words of a forecast's precision and basis (which no table says yet).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from agent.contract import french
from agent.contract.reasons import OTHER, REASONS, alert_rules
from agent.lockdown.registry import CHECKS
from collector import descriptions as d
from collector.alerting.rules import all_rules
from collector.forecast import BASES, PRECISIONS

Json = dict[str, Any]

GREEN: Final = "green"
ORANGE: Final = "orange"
RED: Final = "red"
BLUE: Final = "blue"
#: A figure of the previous period, paler than this period's blue.
LIGHT_BLUE: Final = "light-blue"
#: Not measured: the grey of the report's « non mesuré ».
GREY: Final = "#757575"

#: The colour of each device (or function) state and of each service state.
DEVICE_STATE_COLOURS: Final = {"ok": GREEN, "degraded": ORANGE, "down": RED, "unknown": GREY}
SERVICE_STATE_COLOURS: Final = {"up": GREEN, "down": RED, "unknown": GREY}
CHECK_RESULT_COLOURS: Final = {"pass": GREEN, "fail": RED, "unknown": GREY}
SEVERITY_COLOURS: Final = {"critical": RED, "warning": ORANGE}

#: The two periods of a usage figure (the report's CSV says « pages imprimées, période précédente »).
THIS_PERIOD: Final = "cette période"
PREVIOUS_PERIOD: Final = "période précédente"

#: Column headers, by the label (or field) a query returns.
HEADERS: Final[Mapping[str, str]] = {
    "site": "Site",
    "device": "Identifiant",
    "agent": "Identifiant",
    "appareil": "Appareil",
    "poste": "Poste",
    "service_fr": "Service",
    "fonction": "Fonction",
    "state": "État",
    "reason": "Raison",
    "couleur": "Couleur",
    "place": "Emplacement",
    "reference": "Référence",
    "profile": "Profil",
    "check": "Contrôle",
    "severity": "Gravité",
    "result": "Résultat",
    "alertname": "Alerte",
    "alert": "Alerte",
    "location": "Emplacement",
    "consommable": "Consommable",
    "precision": "Niveau donné",
    "basis": "D'après",
    "cartridge": "Cartouche n°",
}


def value_map(words: Mapping[str, str], colours: Mapping[str, str] | None = None) -> Json:
    """Return a Grafana "value" mapping: each code shown as its French word, in its colour."""
    options: dict[str, Any] = {}
    for index, (code, word) in enumerate(words.items()):
        result: dict[str, Any] = {"index": index, "text": word}
        if colours and code in colours:
            result["color"] = colours[code]
        options[code] = result
    return {"type": "value", "options": options}


def regex_map(pattern: str, text: str, index: int, colour: str | None = None) -> Json:
    """Return a Grafana "regex" mapping (the last resort for codes a table does not know)."""
    result: dict[str, Any] = {"index": index, "text": text}
    if colour:
        result["color"] = colour
    return {"type": "regex", "options": {"pattern": pattern, "result": result}}


def no_data(text: str = french.SERVICE_STATES["unknown"], index: int = 99) -> Json:
    """Return a "special" mapping that shows an empty value as « non mesuré »."""
    return {
        "type": "special",
        "options": {"match": "null+nan", "result": {"index": index, "text": text, "color": GREY}},
    }


def two_states(words: tuple[str, str], *, true: str = GREEN, false: str = RED) -> list[Json]:
    """Return the mappings of a 1 / 0 gauge: 1 and 0 as words (« intact » / « rompu »), never digits."""
    yes, no = words
    return [value_map({"1": yes, "0": no}, {"1": true, "0": false}), no_data()]


def coded(states: Sequence[str], words: Mapping[str, str], colours: Mapping[str, str]) -> list[Json]:
    """Return the mappings of a state *code* (the state's index in ``states``), as ``promql.state_code`` builds it."""
    return [
        value_map(
            {str(i): words[s] for i, s in enumerate(states)},
            {str(i): colours[s] for i, s in enumerate(states)},
        ),
        no_data(),
    ]


# --------------------------------------------------------------------------- the mappings

#: A device's or a function's state, as the ``state`` label (tables) or as a code (timelines, stats).
DEVICE_STATE: Final = [value_map(french.STATE_LABELS, DEVICE_STATE_COLOURS)]
DEVICE_STATE_CODE: Final = coded(d.DEVICE_STATES, french.STATE_LABELS, DEVICE_STATE_COLOURS)
#: A promised service's state.
SERVICE_STATE: Final = [value_map(french.SERVICE_STATES, SERVICE_STATE_COLOURS)]
SERVICE_STATE_CODE: Final = coded(d.SERVICE_STATES, french.SERVICE_STATES, SERVICE_STATE_COLOURS)
#: Two-state gauges.
SITE_OPEN: Final = two_states(french.OPEN_CLOSED, false=BLUE)
AGENT_UP: Final = two_states(french.ONLINE)
DEVICE_UP: Final = two_states(french.REACHABLE)
LOCKDOWN_OK: Final = two_states(french.INTACT)
CONNECTED: Final = two_states(french.CONNECTED)
YES_NO: Final = two_states(french.YES_NO)
#: A lockdown check: its id as its French sentence, its result and severity in French.
CHECK: Final = [value_map({check_id: check.label for check_id, check in CHECKS.items()})]
CHECK_RESULT: Final = [value_map(french.CHECK_RESULTS, CHECK_RESULT_COLOURS)]
SEVERITY: Final = [value_map(french.SEVERITIES, SEVERITY_COLOURS)]
#: A forecast's precision (``collector.forecast.PRECISIONS``): how the device gives the level.
PRECISION: Final = [
    value_map(dict(zip(PRECISIONS, ("précis", "approximatif (par paliers)", "aucun chiffre (« reste un peu »)"),
                       strict=True)))
]  # fmt: skip
#: A forecast's basis (``collector.forecast.BASES``): what its pace was measured on.
BASIS: Final = [value_map(dict(zip(BASES, ("le niveau", "le compteur de pages"), strict=True)))]


def _title(template: str) -> str:
    return french.capitalise(french.render(template, {}))


#: A reason code as the title the secretariat reads (« Toner vide »); a code this version does not
#: know reads « Autre problème signalé », like on the status page.
REASON: Final = [
    value_map({code: _title(row.title) for code, row in REASONS.items()}),
    regex_map(".+", _title(OTHER.title), len(REASONS)),
]

_HEAD = re.compile(r"^([^{]+?)(?:\s*(?:—|:)\s*|\s*$)")


def alert_titles() -> dict[str, str]:
    """Return each alert's French title: its reasons' titles, or the fixed head of its summary."""
    titles = {
        alert: " / ".join(dict.fromkeys(_title(r.title) for r in rows))
        for alert, rows in alert_rules().items()
    }
    for rules in all_rules().values():
        for rule in rules:
            head = _HEAD.match(rule["annotations"]["summary"])
            if rule["alert"] not in titles and head:
                titles[rule["alert"]] = head.group(1).strip()
    return titles


#: An alert rule's name as its French title.
ALERT: Final = [value_map(alert_titles())]
#: Severity of an alert rule.
ALERT_SEVERITY: Final = [value_map({k: v for k, v in french.SEVERITIES.items() if k in ("critical", "warning")},
                                   SEVERITY_COLOURS)]  # fmt: skip
