"""PromQL building blocks of the dashboards: names joined in, codes said in French, states as codes.

Legends cannot use Grafana's value mappings, so what a legend or a column shows in French is
added to the series by PromQL itself (``label_replace``), from the same tables as everything
else; the tests run every query on a real Prometheus and read the labels back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from agent.contract import french
from collector import descriptions as d
from collector.sites import SERVICE_LABELS

#: The label a device's or a PC's name is joined in as (``name`` is taken: a paper tray has one).
DEVICE_NAME = "appareil"
AGENT_NAME = "poste"


def string(text: str) -> str:
    """Return a PromQL string literal (Go escaping, which JSON's is a subset of)."""
    return json.dumps(text, ensure_ascii=False)


def translate(
    expr: str,
    source: str,
    target: str,
    words: Mapping[str, str],
    *,
    capital: bool = False,
    patterns: Sequence[tuple[str, str]] = (),
) -> str:
    """Add the label ``target``: the French word for the value of ``source`` (the value itself when unknown).

    Args:
        expr: the series to label.
        source: the label holding a code (``colour``).
        target: the label to add (``couleur``).
        words: code → French word (``french.COLOURS``); codes match whatever their case.
        capital: start the word with a capital (the head of a legend: « Toner noir »).
        patterns: extra ``(RE2 regex, replacement)`` pairs tried after the words.
    """
    out = f"label_replace({expr}, {string(target)}, {string('$1')}, {string(source)}, {string('(.*)')})"
    by_word: dict[str, list[str]] = {}
    for code, word in words.items():
        by_word.setdefault(french.capitalise(word) if capital else word, []).append(re.escape(code))
    pairs = [(f"(?i){'|'.join(codes)}", word) for word, codes in by_word.items()]
    for regex, word in [*pairs, *patterns]:
        out = f"label_replace({out}, {string(target)}, {string(word)}, {string(source)}, {string(regex)})"
    return out


def _named(expr: str, info: d.MetricDescription[Any], keys: Sequence[str], target: str, fallback: str) -> str:
    on = ", ".join(keys)
    names = f"label_replace({info.key}, {string(target)}, {string('$1')}, {string('name')}, {string('(.+)')})"
    bare = f"label_replace({expr}, {string(target)}, {string('$1')}, {string(fallback)}, {string('(.+)')})"
    return f"(({expr}) * on ({on}) group_left ({target}) {names} or on ({on}) {bare})"


def named_devices(expr: str) -> str:
    """Add ``appareil``: the device's name as people say it (``esc_device_info``), else its id.

    A device no live agent observes has no inventory series: it keeps its id instead of
    vanishing from the table (a plain ``group_left`` join would drop it).
    """
    return _named(expr, d.DEVICE_INFO, d.DEVICE_LABELS, DEVICE_NAME, "device")


def named_agents(expr: str) -> str:
    """Add ``poste``: the PC's name as people say it (``esc_agent_info``), else its id."""
    return _named(expr, d.AGENT_INFO, d.AGENT_LABELS, AGENT_NAME, "agent")


def state_code(
    metric: d.MetricDescription[Any], states: Sequence[str], selector: str, by: Sequence[str]
) -> str:
    """Return the current state of a state-set metric as a number: its index in ``states`` (0 is the good one).

    ``esc_device_state{state="down"} == 1`` tells which state holds; a timeline or a stat needs
    one number per member, which the value mappings of ``words.coded`` turn back into words.
    """
    inner = f"{selector}, " if selector else ""
    terms = " or ".join(
        f'{metric.key}{{{inner}state="{state}"}} * {index}' for index, state in enumerate(states)
    )
    return f"sum by ({', '.join(by)}) ({terms})"


def level(metric: d.MetricDescription[Any], selector: str) -> str:
    """Return a level metric as one continuous series per supply or tray.

    A level's series carries its current state (and a supply's description) as labels
    (``docs/decisions.md``, "Device metrics"): a state change would start a new series and split
    the graph, so those labels are aggregated away.
    """
    moving = ", ".join(label for label in ("description", "state") if label in metric.labels)
    return f"max without({moving}) ({metric.key}{{{selector}}})"


def over_range(
    counter: d.MetricDescription[Any], selector: str, by: Sequence[str], *, previous: bool = False
) -> str:
    """Return how much a counter grew over the selected period, summed ``by`` these labels.

    ``increase()`` is robust to counter resets: a printer replaced behind the same id, an agent
    that restarts and counts its sessions from zero again. ``previous``: over the period just
    before, of the same length (``offset $__range``: last week beside this week).
    """
    matchers = f"{{{selector}}}" if selector else ""
    offset = " offset $__range" if previous else ""
    return f"sum by ({', '.join(by)}) (increase({counter.series}{matchers}[$__range]{offset}))"


# --------------------------------------------------------------------------- the usual translations


def colour(expr: str) -> str:
    """Add ``couleur``: the supply's colour in French (« noir »)."""
    return translate(expr, "colour", "couleur", french.COLOURS)


def supply(expr: str) -> str:
    """Add ``consommable``: the supply's type in French, capitalised for a legend's head (« Toner »)."""
    return translate(expr, "type", "consommable", french.SUPPLY_TYPES, capital=True)


def function(expr: str) -> str:
    """Add ``fonction``: the function in French (« impression »; ``site_caf`` → « site caf »)."""
    return translate(expr, "function", "fonction", french.FUNCTIONS, patterns=[("site_(.+)", "site $1")])


def service(expr: str) -> str:
    """Add ``service_fr``: the promised service as people say it (« postes en libre-service »)."""
    return translate(expr, "service", "service_fr", SERVICE_LABELS)


#: A paper tray's name in French, as ``french.tray`` says it: « bac 2 », else « bac « Roll Unit 1 » ».
TRAY_NUMBER = r"(?i)(?:tray|bac|magasin|cassette|drawer)\s*(\d+)"


def tray(expr: str) -> str:
    """Add ``bac``: the tray's name in French (« bac 2 »)."""
    return translate(expr, "name", "bac", {}, patterns=[("(.+)", french.tray("$1")), (TRAY_NUMBER, "bac $1")])


def supply_label(expr: str) -> str:
    """Add ``consommable``: the supply as a legend's head, type and colour in French (« Toner noir »)."""
    joined = f"label_join({supply(colour(expr))}, {string('consommable')}, {string(' ')}, {string('consommable')}, {string('couleur')})"
    return f"label_replace({joined}, {string('consommable')}, {string('$1')}, {string('consommable')}, {string('(.*?) +')})"
