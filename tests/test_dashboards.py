"""Dashboards as code: deterministic JSON, French a technician can read, links, and every query run on a real Prometheus."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

import msgspec
import pytest
import yaml

from agent.contract import french
from collector import descriptions as d
from collector.forecast import BASES, PRECISIONS
from collector.report.wording import WARN_MARGIN
from collector.sites import DEFAULT_TARGET, Site
from dashboards import promql, words
from dashboards.common import PREVIOUS_OVERRIDE, PREVIOUS_REF

from helpers.agent import start_agent, write_agent_config
from helpers.alerting import fast_rules, start_prometheus
from helpers.broker import Broker
from helpers.collector import start_collector
from helpers.dashboards import COMMITTED, SITES, VARIABLES, agent_extra, dashboards, panels, substitute
from helpers.processes import REPO, require_program, run_cli, stop_process, wait_for
from helpers.recordings import jammed, patch, recording, supply_level
from helpers.snmp import Simulator

#: The script that runs Grafana's own data library (tests/grafana/package.json) on the answers...
GRAFANA = REPO / "tests" / "grafana"
#: ... installed beside the Python environment by scripts/test.sh (outside the source tree).
GRAFANA_MODULES = Path(sys.prefix) / "grafana" / "node_modules"
NAMES = {
    "esc-overview.json",
    "esc-site.json",
    "esc-printer.json",
    "esc-pc.json",
    "esc-incidents.json",
    "esc-health.json",
}
DATASOURCE_UID = "esc-prometheus"
#: Columns Prometheus adds to a table that no technician needs.
RAW = {"Time", "Value", "__name__", "job", "instance"}
#: 1 / 0 gauges, and the two words each must read as (true, false).
TWO_STATES = {
    d.SITE_OPEN.key: french.OPEN_CLOSED,
    d.AGENT_UP.key: french.ONLINE,
    d.DEVICE_UP.key: french.REACHABLE,
    d.LOCKDOWN_OK.key: french.INTACT,
    d.MQTT_CONNECTED.key: french.CONNECTED,
    d.STORAGE_OK.key: french.YES_NO,
}
#: State sets, and the words of their states.
STATE_SETS = {
    d.DEVICE_STATE.key: french.STATE_LABELS,
    d.DEVICE_FUNCTION_STATE.key: french.STATE_LABELS,
    d.SERVICE_STATE.key: french.SERVICE_STATES,
    d.LOCKDOWN_CHECK.key: french.CHECK_RESULTS,
}
Panel = dict[str, Any]


def every_panel() -> Iterator[tuple[str, Panel]]:
    for name, board in dashboards().items():
        for panel in panels(board):
            yield name, panel


def exprs(panel: Panel) -> list[str]:
    return [str(t["expr"]) for t in panel["targets"]]


def organize(panel: Panel) -> dict[str, Any]:
    found = [t["options"] for t in panel.get("transformations", []) if t["id"] == "organize"]
    assert len(found) == 1, panel["title"]
    return found[0]  # type: ignore[no-any-return]


def mappings_of(panel: Panel, field: str | None = None) -> list[dict[str, Any]]:
    """The value mappings Grafana applies to a field (an override by its displayed name wins)."""
    config = panel["fieldConfig"]
    for override in config.get("overrides", []):
        if field is not None and override["matcher"] == {"id": "byName", "options": field}:
            for prop in override["properties"]:
                if prop["id"] == "mappings":
                    return list(prop["value"])
    return list(config["defaults"].get("mappings", []))


def display(value: str, mappings: list[dict[str, Any]]) -> str | None:
    """What Grafana shows for a value through its mappings (value, then regex), or None when none applies."""
    for mapping in mappings:
        if mapping["type"] == "value":
            for key in (value, _number(value)):
                if key in mapping["options"]:
                    return str(mapping["options"][key]["text"])
        elif mapping["type"] == "regex" and re.fullmatch(mapping["options"]["pattern"], value):
            return str(mapping["options"]["result"]["text"])
    return None


def _number(value: str) -> str:
    try:
        number = float(value)
    except ValueError:
        return value
    return str(int(number)) if number == int(number) else str(number)


def mapped_texts(panel: Panel) -> set[str]:
    """Every text a panel's mappings (defaults and overrides) can show."""
    config = panel["fieldConfig"]
    lists = [config["defaults"].get("mappings", [])]
    lists += [
        p["value"] for o in config.get("overrides", []) for p in o["properties"] if p["id"] == "mappings"
    ]
    texts = set()
    for mappings in lists:
        for mapping in mappings:
            results = (
                mapping["options"].values() if mapping["type"] == "value" else [mapping["options"]["result"]]
            )
            texts.update(r["text"] for r in results)
    return texts


# --------------------------------------------------------------------------- the built JSON


def test_committed_json_equals_a_fresh_build(tmp_path: Path) -> None:
    result = run_cli("esc-collector", "dashboards", "build", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    fresh = {p.name: p.read_bytes() for p in tmp_path.glob("*.json")}
    committed = {p.name: p.read_bytes() for p in COMMITTED.glob("*.json")}
    assert fresh.keys() == committed.keys() == NAMES
    for name, content in fresh.items():
        assert content == committed[name], (
            f"{name} differs: run esc-collector dashboards build --out {COMMITTED}"
        )


def test_structure() -> None:
    boards = dashboards()
    uids = [b["uid"] for b in boards.values()]
    assert len(uids) == len(set(uids))
    provisioned = yaml.safe_load((REPO / "deploy/grafana/provisioning/datasources/esc.yml").read_text())
    assert [d["uid"] for d in provisioned["datasources"]] == [DATASOURCE_UID]
    compose = yaml.safe_load((REPO / "deploy/compose.yml").read_text())
    assert compose["services"]["grafana"]["image"].startswith(
        "grafana/grafana-oss:11."
    )  # schema 39 is Grafana 11's
    for name, board in boards.items():
        assert board["title"].startswith("ESC — "), name
        assert board["schemaVersion"] == 39, name
        ids = [p["id"] for p in panels(board)]
        assert len(ids) == len(set(ids)), name
        for panel in panels(board):
            assert panel["datasource"]["uid"] == DATASOURCE_UID, (name, panel["title"])
            assert panel.get("description"), (name, panel["title"])
            assert "fieldOptions" not in panel["options"], (name, panel["title"])  # Grafana 6 shape
            for target in panel["targets"]:
                assert target["datasource"]["uid"] == DATASOURCE_UID
            for step in panel["fieldConfig"]["defaults"].get("thresholds", {}).get("steps", []):
                assert set(step) == {"color", "value"}, (name, panel["title"], step)
        for variable in board["templating"]["list"]:
            assert variable["datasource"]["uid"] == DATASOURCE_UID


def test_state_panels_read_in_french() -> None:
    """Every stat, table or timeline on a state metric can say each state in the glossary's words."""
    checked = 0
    for name, panel in every_panel():
        if panel["type"] not in ("stat", "table", "state-timeline"):
            continue
        for expr in exprs(panel):
            if re.match(r"\s*(count|sum)\(", expr):
                continue  # a number of things, not a state
            texts = mapped_texts(panel)
            for key, states in STATE_SETS.items():
                if re.search(rf"\b{key}\b(?!_)", expr):
                    assert set(states.values()) <= texts, (name, panel["title"], set(states.values()) - texts)
                    checked += 1
            for key, (yes, no) in TWO_STATES.items():
                if re.search(rf"\b{key}\b(?!_)", expr):
                    assert {yes, no} <= texts, (name, panel["title"], yes, no)
                    checked += 1
    assert checked >= 20


def test_stats_never_show_a_bare_1_or_0() -> None:
    for name, panel in every_panel():
        if panel["type"] != "stat":
            continue
        mappings = mappings_of(panel)
        if not mappings:
            expr = exprs(panel)[0]
            assert not any(re.search(rf"\b{key}\b", expr) for key in [*TWO_STATES, *STATE_SETS]) or re.match(
                r"(count|sum)\(", expr
            ), (name, panel["title"], "a 0/1 gauge without words")
            continue
        for raw in ("0", "1"):
            text = display(raw, mappings)
            assert text is not None, (name, panel["title"], raw)
            assert not text.isdigit(), (name, panel["title"], raw, text)
        # No value (a silent PC, a kiosk without lockdown) reads « non mesuré », not "No data" or a blank.
        unknown = french.SERVICE_STATES["unknown"]
        assert panel["fieldConfig"]["defaults"].get("noValue") == unknown, (name, panel["title"])
        assert any(m["type"] == "special" and m["options"]["result"]["text"] == unknown for m in mappings)


def test_two_state_words_are_the_glossarys() -> None:
    for name, panel in every_panel():
        for expr in exprs(panel):
            for key, (yes, no) in TWO_STATES.items():
                if panel["type"] == "stat" and re.fullmatch(rf"{key}(\{{[^}}]*\}})?", expr):
                    assert display("1", mappings_of(panel)) == yes, (name, panel["title"])
                    assert display("0", mappings_of(panel)) == no, (name, panel["title"])


def test_availability_thresholds_are_the_report_target() -> None:
    found = 0
    for name, panel in every_panel():
        if d.SERVICE_AVAILABLE_SECONDS.series not in " ".join(exprs(panel)):
            continue
        found += 1
        steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
        assert panel["fieldConfig"]["defaults"]["unit"] == "percentunit", panel["title"]
        assert steps == [
            {"color": "red", "value": None},
            {"color": "orange", "value": pytest.approx(DEFAULT_TARGET - WARN_MARGIN)},
            {"color": "green", "value": DEFAULT_TARGET},
        ], (name, panel["title"])
    assert found >= 1


def _colour_at(steps: list[dict[str, Any]], value: float) -> str:
    """The colour Grafana gives a value through absolute thresholds (the last step it reaches)."""
    return str([s for s in steps if s["value"] is None or value >= s["value"]][-1]["color"])


def test_days_left_are_red_from_the_order_lead_time() -> None:
    """Red when the order notice goes out (days left <= the lead time), orange up to twice that, green beyond."""
    lead = next(f.default for f in msgspec.structs.fields(Site) if f.name == "order_lead_days")
    found = []
    for name, panel in every_panel():
        if not any(re.search(rf"\b{d.SUPPLY_DAYS_LEFT.key}\b", e) for e in exprs(panel)):
            continue
        config = panel["fieldConfig"]
        if panel["type"] == "table":  # the days column
            (override,) = [o for o in config["overrides"] if o["matcher"]["options"] == "Jours restants"]
            props = {p["id"]: p["value"] for p in override["properties"]}
            steps, unit = props["thresholds"]["steps"], props["unit"]
        else:
            steps, unit = config["defaults"]["thresholds"]["steps"], config["defaults"]["unit"]
        assert unit == "suffix:j", (name, panel["title"])
        for days, colour in [(0, "red"), (lead - 0.1, "red"), (lead, "red"), (lead + 0.1, "orange"),
                             (2 * lead, "orange"), (2 * lead + 0.1, "green"), (90, "green")]:  # fmt: skip
            assert _colour_at(steps, days) == colour, (name, panel["title"], days)
        assert str(lead) in panel["description"], (name, panel["title"])
        found.append(panel["title"])
    assert sorted(found) == ["Jours restants", "Toner et encre : jours restants"]


@pytest.mark.parametrize(("mappings", "codes"), [(words.PRECISION, PRECISIONS), (words.BASIS, BASES)])
def test_forecast_labels_read_in_french(mappings: list[dict[str, Any]], codes: tuple[str, ...]) -> None:
    """Every precision and basis the collector exports reads as French words, none the same twice."""
    texts = [display(code, mappings) for code in codes]
    assert None not in texts
    assert len(set(texts)) == len(codes)
    assert not set(texts) & set(codes)


#: Every panel of a usage figure (pages printed, sessions opened): each has the previous period beside it.
USAGE_PANELS = [
    ("esc-overview.json", "Pages imprimées par site (période choisie)"),
    ("esc-overview.json", "Sessions ouvertes par site (période choisie)"),
    ("esc-printer.json", "Pages sur la période"),
    ("esc-site.json", "Pages imprimées par appareil (période choisie)"),
    ("esc-site.json", "Sessions ouvertes par poste (période choisie)"),
    ("esc-site.json", "Sessions ouvertes sur la période"),
]


def test_usage_panels_count_over_the_chosen_period() -> None:
    """Pages and sessions are counters read with increase() over the period, shown as whole numbers."""
    found = {}
    for name, panel in every_panel():
        for expr in exprs(panel):
            for counter in (d.PRINTER_PAGES, d.HOST_SESSION_STARTS):
                if counter.series in expr and "[$__range]" in expr:
                    assert f"increase({counter.series}" in expr, (name, panel["title"])
                    assert panel["fieldConfig"]["defaults"]["decimals"] == 0, (name, panel["title"])
                    found[(name, panel["title"])] = counter.key
    assert sorted(found) == USAGE_PANELS


def test_usage_panels_put_the_previous_period_beside() -> None:
    """Query B is query A one period earlier (``offset $__range``), named and coloured as the previous period."""
    found = []
    for name, panel in every_panel():
        if (name, panel["title"]) not in USAGE_PANELS:
            continue
        found.append((name, panel["title"]))
        this, before = panel["targets"]
        assert (this["refId"], before["refId"]) == ("A", PREVIOUS_REF), (name, panel["title"])
        assert "offset" not in this["expr"], (name, panel["title"])
        assert before["expr"] == this["expr"].replace("[$__range]", "[$__range] offset $__range"), (
            name,
            panel["title"],
        )
        assert "[$__range]" in this["expr"], (name, panel["title"])
        legends = (this["legendFormat"], before["legendFormat"])
        assert re.sub(f"{words.THIS_PERIOD}$", words.PREVIOUS_PERIOD, legends[0]) == legends[1], legends
        assert legends[0].endswith(words.THIS_PERIOD), legends
        assert this["instant"], (name, panel["title"])
        assert before["instant"], (name, panel["title"])
        assert panel["fieldConfig"]["overrides"] == [PREVIOUS_OVERRIDE], (name, panel["title"])
        assert words.PREVIOUS_PERIOD in panel["description"], (name, panel["title"])
        if panel["type"] == "stat":
            assert panel["options"]["textMode"] == "value_and_name", (name, panel["title"])
        else:  # both periods on one scale: no fixed maximum
            assert "max" not in panel["fieldConfig"]["defaults"], (name, panel["title"])
    assert sorted(found) == USAGE_PANELS


@pytest.mark.parametrize(
    ("selector", "by", "previous", "expected"),
    [
        ('site="a"', ("site",), False, 'sum by (site) (increase(COUNTER{site="a"}[$__range]))'),
        ("", ("site", "device"), False, "sum by (site, device) (increase(COUNTER[$__range]))"),
        ('site="a"', ("site",), True, 'sum by (site) (increase(COUNTER{site="a"}[$__range] offset $__range))'),
        ("", ("site",), True, "sum by (site) (increase(COUNTER[$__range] offset $__range))"),
    ],
)  # fmt: skip
def test_over_range_reads_this_period_or_the_one_before(
    selector: str, by: tuple[str, ...], previous: bool, expected: str
) -> None:
    """The previous period is the same window moved back by its own length."""
    for counter in (d.PRINTER_PAGES, d.HOST_SESSION_STARTS):
        assert promql.over_range(counter, selector, by, previous=previous) == expected.replace(
            "COUNTER", counter.series
        )


def test_tables_show_organised_french_columns() -> None:
    tables = [(name, panel) for name, panel in every_panel() if panel["type"] == "table"]
    assert len(tables) >= 12
    for name, panel in tables:
        options = organize(panel)
        excluded = {k for k, v in options["excludeByName"].items() if v}
        shown = sorted(options["indexByName"], key=options["indexByName"].get)
        assert RAW - set(shown) <= excluded, (name, panel["title"])
        assert not excluded & set(shown), (name, panel["title"])
        assert set(options["renameByName"]) == set(shown), (name, panel["title"])
        for raw, header in options["renameByName"].items():
            assert header != raw, (name, panel["title"], raw)
            assert header[0].isupper(), (name, panel["title"], header)
        # Overrides address the columns by their French header (what Grafana matches after renaming).
        headers = set(options["renameByName"].values())
        for override in panel["fieldConfig"]["overrides"]:
            assert override["matcher"]["options"] in headers, (name, panel["title"], override["matcher"])
        # A data link may only read a column that is still there.
        for link in _links(panel):
            for field in re.findall(r"\$\{__data\.fields\.(\w+)\}", link["url"]):
                assert field in shown, (name, panel["title"], field)


def _links(panel: Panel) -> list[dict[str, Any]]:
    config = panel["fieldConfig"]
    found = list(config["defaults"].get("links", []))
    found += [
        v
        for o in config.get("overrides", [])
        for p in o["properties"]
        if p["id"] == "links"
        for v in p["value"]
    ]
    return found


def test_every_dashboard_links_to_the_others_with_its_variables() -> None:
    boards = dashboards()
    by_uid = {b["uid"]: b for b in boards.values()}
    variables = {uid: {v["name"] for v in b["templating"]["list"]} for uid, b in by_uid.items()}
    for name, board in boards.items():
        links = {re.match(r"/d/([\w-]+)", link["url"]).group(1): link for link in board["links"]}  # type: ignore[union-attr]
        assert set(links) == set(by_uid) - {board["uid"]}, name
        for uid, link in links.items():
            assert link["type"] == "link", (name, uid)
            assert link["keepTime"], (name, uid)
            assert link["title"], (name, uid)
            carried = dict(re.findall(r"var-(\w+)=\$\{(\w+)\}", link["url"]))
            shared = variables[board["uid"]] & variables[uid]
            assert carried == {v: v for v in shared}, (name, uid, link["url"])


def test_data_links_open_a_dashboard_with_all_its_variables() -> None:
    by_uid = {b["uid"]: {v["name"] for v in b["templating"]["list"]} for b in dashboards().values()}
    count = 0
    targets = set()
    for name, panel in every_panel():
        for link in _links(panel):
            uid = re.match(r"/d/([\w-]+)", link["url"]).group(1)  # type: ignore[union-attr]
            targets.add(uid)
            carried = set(re.findall(r"var-(\w+)=", link["url"]))
            assert carried == by_uid[uid], (name, panel["title"], link["url"])
            assert link["url"].endswith("${__url_time_range}"), link["url"]
            count += 1
    assert {"esc-site", "esc-printer", "esc-pc"} <= targets
    assert count >= 10


def test_tray_names_in_promql_match_french_tray() -> None:
    from dashboards.promql import TRAY_NUMBER

    for name in (
        "Tray 2",
        "tray2",
        "Bac 1",
        "Magasin 3",
        "Cassette 4",
        "Drawer 1",
        "Roll Unit 1",
        "Bypass Tray",
    ):
        numbered = re.fullmatch(TRAY_NUMBER, name)
        promql = f"bac {numbered.group(1)}" if numbered else f"bac « {name} »"
        assert promql == french.tray(name), name


# --------------------------------------------------------------------------- on a real Prometheus


def query_at(prometheus: Any, expr: str, at: float) -> list[dict[str, Any]]:
    """Run an instant query evaluated at ``at`` (Grafana asks every panel of a refresh for the same end)."""
    data = prometheus.api(f"/api/v1/query?query={quote(expr)}&time={at:.3f}")
    assert data["status"] == "success", data
    return list(data["data"]["result"])


def samples(prometheus: Any, selector: str, at: float) -> list[tuple[float, float]]:
    """The raw samples of one series up to ``at``, oldest first."""
    (series,) = query_at(prometheus, f"{selector}[1h]", at)
    return [(float(t), float(v)) for t, v in series["values"]]


def first_seen(prometheus: Any, selector: str, value: float) -> float | None:
    """When Prometheus first held ``value`` or more for one series (None: not yet)."""
    return next((t for t, v in samples(prometheus, selector, time.time()) if v >= value), None)


def grew(raw: list[tuple[float, float]], start: float, end: float) -> float:
    """How much a counter's own samples grew within ``[start, end]`` (no resets here, no extrapolation)."""
    inside = [v for t, v in raw if start <= t <= end]
    return inside[-1] - inside[0]


def table_columns(result: list[dict[str, Any]]) -> set[str]:
    """The columns Grafana makes of an instant query in table format: Time, every label, Value."""
    return {"Time", "Value", *(label for s in result for label in s["metric"])}


def legend(fmt: str, labels: dict[str, str]) -> str:
    missing = [k for k in re.findall(r"\{\{(\w+)\}\}", fmt) if not labels.get(k)]
    assert not missing, (fmt, labels)
    return re.sub(r"\{\{(\w+)\}\}", lambda m: labels[m.group(1)], fmt)


def query_result_lines(prometheus: Any, expr: str) -> list[str]:
    """What Grafana's ``query_result()`` gives a variable's regex: ``name{label="value",...} value time``."""
    lines = []
    for s in prometheus.query(expr):
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(s["metric"].items()) if k != "__name__")
        lines.append(
            f"{s['metric'].get('__name__', '')}{{{labels}}} {s['value'][1]} {int(s['value'][0] * 1000)}"
        )
    return lines


#: The agent's printer poll in this test, in seconds.
POLL = 5.0
#: Printing before the jam: polls with pages printed and toner used between them, two in the
#: previous period and one in this period (not as many, so the two periods cannot be mistaken).
BEFORE, AFTER = 2, 1
PRINTING_POLLS = BEFORE + AFTER
#: Pages printed at each printing poll.
PER_POLL = 37
#: The Sharp recording's page counter (prtMarkerLifeCount, a Counter32) and its black and cyan toners.
PAGE_COUNTER = "1.3.6.1.2.1.43.10.2.1.4.1.1"
PAGES = 121104
TONERS = {"1.4": 34, "1.1": 55}  # black, cyan: their levels in the recording (of 100)
#: Compressed time for the forecast: a reading kept every second, 8.6 s of history enough to forecast.
SUPPLIES = "[supplies]\nsample_every = 1.0\nmin_history_days = 0.0001\n"
#: The copier that prints and the PC whose sessions are counted: the usage panels' counters.
COPIER = 'site="maurepas", device="sharp-jam"'
COPIER_PAGES = f"{d.PRINTER_PAGES.series}{{{COPIER}}}"
PC_SESSIONS = f'{d.HOST_SESSION_STARTS.series}{{site="maurepas", agent="accueil-pc1"}}'


def printing(polls: int) -> str:
    """The Sharp copier after ``polls`` polls of printing: 37 pages, 3 points of black and 2 of cyan each."""
    text = patch(recording("sharp"), {PAGE_COUNTER: ("65", str(PAGES + PER_POLL * polls))})
    for (supply, level), used in zip(TONERS.items(), (3, 2), strict=True):
        text = supply_level(text, supply, level - used * polls)
    return text


def test_printing_uses_the_recordings_own_cells() -> None:
    """The fixture's printing changes the counter and toners the recording has, and nothing else."""
    assert f"{PAGE_COUNTER}|65|{PAGES}\n" in recording("sharp")
    for supply, level in TONERS.items():
        assert f"1.3.6.1.2.1.43.11.1.1.9.{supply}|2|{level}\n" in recording("sharp")
    before, after = recording("sharp").splitlines(), printing(2).splitlines()
    changed = {a.split("|")[0] for a, b in zip(before, after, strict=True) if a != b}
    assert changed == {PAGE_COUNTER, "1.3.6.1.2.1.43.11.1.1.9.1.4", "1.3.6.1.2.1.43.11.1.1.9.1.1"}


def test_every_query_returns_data_from_a_real_prometheus(
    tmp_path: Path, mosquitto: Broker, snmpsim: Simulator
) -> None:
    """Every panel's query answers on a real Prometheus fed by the collector, and reads in French.

    The copier of the floor prints for a few polls (its page counter rises, its black and cyan
    toners drop), then jams: the usage panels count real pages, the forecast panels have the level
    history they need (time compressed by ``[supplies]``), the incident panels have a jam. It
    prints in both halves of the time Prometheus holds, and ``$__range`` is half that time: the
    usage panels' previous period (``offset $__range``) counts the first half's pages, their
    current one the second's.
    """
    jam = snmpsim.claim(printing(0))
    collector = start_collector(tmp_path / "collector", mosquitto, sites=SITES, extra=SUPPLIES)
    procs = [collector.proc]
    extra = agent_extra(tmp_path, snmpsim.port, jam, poll=POLL)
    config = write_agent_config(tmp_path / "agent", extra=extra, interval=5)
    try:
        procs.append(start_agent(config, mosquitto, tmp_path / "agent.log"))
        prometheus = start_prometheus(tmp_path / "prom", targets=[f"127.0.0.1:{collector.port}"],
                                      rule_files=[fast_rules(tmp_path)], alertmanager=None)  # fmt: skip
        procs.append(prometheus.proc)
        # From when Prometheus holds both usage counters, the copier of the floor prints for two
        # polls (the previous period), then nobody prints.
        since = cast(float, wait_for(lambda: max(samples(prometheus, series, time.time())[0][0]
                                                 for series in (COPIER_PAGES, PC_SESSIONS)),
                                     timeout=30, what="the usage counters in Prometheus"))  # fmt: skip
        for polls in range(1, BEFORE + 1):
            time.sleep(POLL)
            snmpsim.put(jam, printing(polls))
        before = PAGES + PER_POLL * BEFORE
        printed = cast(float, wait_for(lambda: first_seen(prometheus, COPIER_PAGES, before), timeout=30,
                                       what="the previous period's pages in Prometheus"))  # fmt: skip
        wait_for(lambda: prometheus.query(f'{d.SUPPLY_DAYS_LEFT.key}{{{COPIER}, colour="black"}}'),
                 timeout=60, what="the black toner's forecast")  # fmt: skip
        # Enough scrapes for rates and increases, and measured open time for the availability ratio.
        available = f'{d.SERVICE_AVAILABLE_SECONDS.series}{{site="maurepas", service="numerisation"}} > 3'
        wait_for(
            lambda: prometheus.query(available), timeout=60, what="a few seconds of measured availability"
        )
        for enough in (f"count_over_time({d.SERVICE_OPEN_SECONDS.series}[1h]) > 3",
                       f"count_over_time({COPIER_PAGES}[1h]) > 2", f"count_over_time({PC_SESSIONS}[1h]) > 2"):  # fmt: skip
            wait_for(
                lambda q=enough: prometheus.query(q), timeout=30, what=f"samples for increase(): {enough}"
            )
        # The dashboards are read with $__range at half the time Prometheus has held the usage
        # counters, so `[$__range] offset $__range` is the first half and `[$__range]` the second.
        # Nobody prints until the middle of the whole lies after the previous period's pages.
        time.sleep(max(0.0, 2 * printed - since + POLL - time.time()))
        # This period: one more poll of printing, then the copier jams.
        for polls in range(BEFORE + 1, PRINTING_POLLS + 1):
            time.sleep(POLL)
            snmpsim.put(jam, printing(polls))
        time.sleep(POLL)
        snmpsim.put(jam, jammed(printing(PRINTING_POLLS)))
        wait_for(lambda: prometheus.query(f"{d.PRINTER_ALERT.key}{{{COPIER}}}"), timeout=30, what="the jam")
        impression_down = f'{d.SERVICE_STATE.key}{{site="maurepas", service="impression", state="down"}} == 1'
        wait_for(
            lambda: prometheus.query(impression_down),
            timeout=30,
            what="the jam stopping the printing service",
        )
        wait_for(lambda: prometheus.query('ALERTS{alertstate="firing"}'), timeout=30, what="a firing alert")
        total = PAGES + PER_POLL * PRINTING_POLLS
        wait_for(lambda: first_seen(prometheus, COPIER_PAGES, total), timeout=30, what="this period's pages")
        # Every panel is read at one instant, over the chosen period: half the time held.
        at = time.time()
        period = int((at - since) // 2)
        resumed = first_seen(prometheus, COPIER_PAGES, before + 1)
        assert resumed is not None
        assert at - 2 * period >= since, (since, at, period)  # the previous period lies in the data held
        assert printed < at - period < resumed, ("the periods' boundary between the two printings",
                                                 since, printed, at - period, resumed, at)  # fmt: skip
        raw = samples(prometheus, COPIER_PAGES, at)
        usage = {"A": grew(raw, at - period, at), PREVIOUS_REF: grew(raw, at - 2 * period, at - period)}
        assert usage == {"A": PER_POLL * AFTER, PREVIOUS_REF: PER_POLL * BEFORE}, (
            usage,
            raw,
            since,
            at,
            period,
        )
        empty: list[str] = []
        unmapped: list[str] = []
        legends: dict[str, set[str]] = {}
        previews: list[str] = []
        rendered: list[dict[str, Any]] = []
        answers: dict[str, list[dict[str, Any]]] = {}
        checked = 0
        for name, board in dashboards().items():
            for panel in panels(board):
                for target in panel["targets"]:
                    expr = substitute(str(target["expr"]), period=period)
                    result = query_at(prometheus, expr, at)  # fails on a parse error (status != success)
                    answers[f"{name} / {panel['title']} / {target['refId']}"] = result
                    checked += 1
                    if not result:
                        empty.append(f"{name} / {panel['title']}: {expr}")
                        continue
                    unmapped += _check_result(name, panel, target, result, legends)
                    if panel["type"] == "table":
                        previews.append(_preview(name, panel, result))
                    if panel["type"] in ("table", "stat", "state-timeline", "bargauge"):
                        rendered.append(_frames(name, panel, target, result))
            for variable in board["templating"]["list"]:
                _check_variable(prometheus, variable)
        _write_preview(legends, previews)
        shown = _check_in_grafanas_own_code(rendered)
        assert empty == []
        assert unmapped == []
        assert checked >= 50
        # Legends people can read: names and colours in French, the device's name with its article.
        assert "Toner noir — le copieur de l'accueil" in legends["Toner et encre"]
        assert {"Toner noir", "Toner cyan", "Toner magenta", "Toner jaune"} <= legends["Consommables"]
        assert (
            "maurepas — numérisation"
            in legends["Disponibilité pendant les horaires d'ouverture (période choisie)"]
        )
        assert {"le copieur de l'accueil — impression", "le copieur de l'étage — numérisation"} <= legends[
            "Fonctions dans le temps"
        ]
        assert {"appareil", "impression"} <= legends["État dans le temps"]
        assert "le poste de l'accueil (maurepas)" in legends["Files d'attente des postes"]
        assert "poste non déclaré dans sites.toml" in legends["Messages écartés, par raison"]
        _check_usage_and_forecasts(answers, legends, shown, usage)
    finally:
        for proc in reversed(procs):
            stop_process(proc)


def _check_usage_and_forecasts(answers: dict[str, list[dict[str, Any]]], legends: dict[str, set[str]],
                               shown: dict[str, list[dict[str, Any]]], usage: dict[str, float]) -> None:  # fmt: skip
    """The pages printed are counted in each period, the toners used are forecast, all said in French.

    ``usage``: how much the copier's own counter grew in this period (A) and the one before (B).
    ``increase()`` extrapolates to the period's edges, so a panel says at least that, and less than
    both periods together (the previous period's query does not count this period's pages).
    """
    everything = sum(usage.values())
    for ref, grown in usage.items():
        (pages,) = answers[f"esc-printer.json / Pages sur la période / {ref}"]
        assert grown <= float(pages["value"][1]) < everything, (ref, pages, usage)
        by_device = {s["metric"]["device"]: float(s["value"][1])
                     for s in answers[f"esc-site.json / Pages imprimées par appareil (période choisie) / {ref}"]}  # fmt: skip
        # The HP recording has no page counter (prtMarkerLifeCount): no bar rather than a made-up 0.
        assert set(by_device) == {"sharp-jam"}, (ref, by_device)
        assert grown <= by_device["sharp-jam"] < everything, (ref, by_device, usage)
        (site_pages,) = answers[f"esc-overview.json / Pages imprimées par site (période choisie) / {ref}"]
        assert site_pages["metric"] == {"site": "maurepas"}, ref
        assert grown <= float(site_pages["value"][1]) < everything, (ref, site_pages, usage)
        # Sessions: the PC's counter is held over both periods, each gives a count (0 is a count).
        (sessions,) = answers[f"esc-site.json / Sessions ouvertes sur la période / {ref}"]
        assert sessions["metric"] == {"site": "maurepas"}, ref
        by_pc = answers[f"esc-site.json / Sessions ouvertes par poste (période choisie) / {ref}"]
        assert [s["metric"]["agent"] for s in by_pc] == ["accueil-pc1"], (ref, by_pc)
        (site_sessions,) = answers[
            f"esc-overview.json / Sessions ouvertes par site (période choisie) / {ref}"
        ]
        assert float(site_sessions["value"][1]) == float(sessions["value"][1]), (ref, site_sessions, sessions)
    for title, names in [("Pages imprimées par appareil (période choisie)", "le copieur de l'étage"),
                         ("Pages imprimées par site (période choisie)", "maurepas"),
                         ("Sessions ouvertes par site (période choisie)", "maurepas"),
                         ("Sessions ouvertes par poste (période choisie)", "le poste de l'accueil")]:  # fmt: skip
        assert legends[title] == {f"{names} — {words.THIS_PERIOD}", f"{names} — {words.PREVIOUS_PERIOD}"}, (
            title
        )
    assert legends["Pages sur la période"] == {words.THIS_PERIOD, words.PREVIOUS_PERIOD}
    # As Grafana shows them: each period named, whole numbers, the previous period paler than this one.
    for key, names in [("esc-printer.json / Pages sur la période", ""),
                       ("esc-site.json / Pages imprimées par appareil (période choisie)", "le copieur de l'étage — "),
                       ("esc-overview.json / Sessions ouvertes par site (période choisie)", "maurepas — ")]:  # fmt: skip
        (this,) = shown[f"{key} / A"]
        (previous,) = shown[f"{key} / {PREVIOUS_REF}"]
        assert (this["display"], previous["display"]) == (
            f"{names}{words.THIS_PERIOD}",
            f"{names}{words.PREVIOUS_PERIOD}",
        ), key
        assert all(re.fullmatch(r"\d+", t) for t in this["texts"] + previous["texts"]), (key, this, previous)
        assert len(set(this["colors"])) == len(set(previous["colors"])) == 1, (key, this, previous)
        assert this["colors"] != previous["colors"], (key, this, previous)
    # The toners used have a forecast; those the copier did not use have none yet.
    days = answers["esc-printer.json / Jours restants / A"]
    assert {s["metric"]["consommable"] for s in days} == {"Toner noir", "Toner cyan"}
    assert {(s["metric"]["basis"], s["metric"]["precision"], s["metric"]["cartridge"]) for s in days} == {
        ("level", "exact", "1")
    }
    assert legends["Toner et encre : jours restants"] == {
        "Toner noir — le copieur de l'étage",
        "Toner cyan — le copieur de l'étage",
    }
    # As Grafana shows them: days with their unit, red (time is compressed: empty within the lead time),
    # how the level is given and what the pace was measured on, in French.
    fields = {f["display"]: f for f in shown["esc-printer.json / Jours restants / A"]}
    assert list(fields) == ["Consommable", "Jours restants", "Niveau donné", "D'après", "Cartouche n°"]
    assert all(re.fullmatch(r"\d+([.,]\d+)? j", t) for t in fields["Jours restants"]["texts"]), fields[
        "Jours restants"
    ]
    assert set(fields["Niveau donné"]["texts"]) == {"précis"}
    assert set(fields["D'après"]["texts"]) == {"le niveau"}
    # Red as Grafana paints it: the colour of the jam's « critique » (the same named colour, resolved by Grafana).
    severity = next(
        f for f in shown["esc-printer.json / Alertes de l'imprimante / A"] if f["display"] == "Gravité"
    )
    (red,) = set(severity["colors"])
    bars = shown["esc-site.json / Toner et encre : jours restants / A"]
    assert {c for f in bars for c in f["colors"]} == {red}, bars
    assert set(fields["Jours restants"]["colors"]) == {red}, fields["Jours restants"]


def _check_result(name: str, panel: Panel, target: dict[str, Any], result: list[dict[str, Any]],
                  legends: dict[str, set[str]]) -> list[str]:  # fmt: skip
    """Check one query's answer against its panel: columns hidden or in French, values mapped, legends complete."""
    problems = []
    where = f"{name} / {panel['title']}"
    if panel["type"] == "table":
        options = organize(panel)
        columns = table_columns(result)
        for kept in [
            t["options"]["include"]["names"]
            for t in panel["transformations"]
            if t["id"] == "filterFieldsByName"
        ]:
            columns &= set(kept)
        loose = columns - {k for k, v in options["excludeByName"].items() if v} - set(options["renameByName"])
        assert not loose, (where, "raw columns shown", loose)
        for raw, header in options["renameByName"].items():
            mappings = mappings_of(panel, header)
            if not mappings:
                continue
            for series in result:
                value = series["value"][1] if raw == "Value" else series["metric"].get(raw, "")
                if value and display(value, mappings) is None:  # an empty cell stays empty
                    problems.append(f"{where} / {header}: {value!r} has no French word")
    elif panel["type"] in ("stat", "state-timeline"):
        mappings = mappings_of(panel)
        if mappings:
            for series in result:
                if display(series["value"][1], mappings) is None:
                    problems.append(f"{where}: {series['value'][1]!r} has no French word")
    fmt = str(target.get("legendFormat") or "")
    if "{{" in fmt:
        legends.setdefault(panel["title"], set()).update(legend(fmt, s["metric"]) for s in result)
    elif fmt:
        legends.setdefault(panel["title"], set()).add(fmt)
    for link in _links(panel):
        for label in re.findall(r"\$\{__field\.labels\.(\w+)\}", link["url"] + link["title"]):
            assert all(s["metric"].get(label) for s in result), (where, "link label missing", label)
    return problems


def _frames(name: str, panel: Panel, target: dict[str, Any], result: list[dict[str, Any]]) -> dict[str, Any]:
    """The data frames Grafana's Prometheus datasource makes of an instant query (table: one frame of columns).

    Each frame carries its query's ``refId``; a series' value is named by the legend when there is
    one (``displayNameFromDS``, as Grafana's Prometheus backend sets it).
    """
    key = f"{name} / {panel['title']} / {target['refId']}"
    ref = target["refId"]
    if target.get("format") == "table":
        labels = sorted({label for s in result for label in s["metric"]})
        fields = [{"name": "Time", "type": "time", "values": [s["value"][0] * 1000 for s in result]}]
        fields += [{"name": label, "type": "string", "values": [s["metric"].get(label, "") for s in result]}
                   for label in labels]  # fmt: skip
        fields.append({"name": "Value", "type": "number", "values": [float(s["value"][1]) for s in result]})
        frames = [{"refId": ref, "fields": fields}]
    else:
        fmt = str(target.get("legendFormat") or "")
        frames = [
            {"refId": ref,
             "fields": [{"name": "Time", "type": "time", "values": [s["value"][0] * 1000]},
                        {"name": "Value", "type": "number", "values": [float(s["value"][1])],
                         "labels": {k: v for k, v in s["metric"].items() if k != "__name__"},
                         "config": {"displayNameFromDS": legend(fmt, s["metric"])} if fmt else {}}]}
            for s in result
        ]  # fmt: skip
    return {"key": key, "panel": panel, "frames": frames, "variables": VARIABLES}


def _check_in_grafanas_own_code(items: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Run the panels' organize, overrides, mappings and links through @grafana/data on the real answers.

    Returns what each field reads, by ``dashboard / panel / query``.
    """
    node = require_program("node", "nodejs npm")
    if not (GRAFANA_MODULES / "@grafana" / "data").is_dir():
        pytest.fail(f"Grafana's data library is not installed in {GRAFANA_MODULES.parent}: run scripts/test.sh "
                    f"(it copies {GRAFANA}/package*.json there and runs npm ci)", pytrace=False)  # fmt: skip
    run = subprocess.run([node, str(GRAFANA / "render.js")], input=json.dumps({"panels": items}),
                         env={**os.environ, "NODE_PATH": str(GRAFANA_MODULES)},
                         capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert run.returncode == 0, run.stderr
    out: dict[str, list[dict[str, Any]]] = json.loads(run.stdout)
    panels_by_key = {item["key"]: item["panel"] for item in items}
    frames_by_key = {item["key"]: item["frames"] for item in items}
    raw_codes = {
        *french.STATE_LABELS,
        *french.SERVICE_STATES,
        *french.CHECK_RESULTS,
        *french.SEVERITIES,
        "0",
        "1",
    }
    links = 0
    for key, fields in out.items():
        panel = panels_by_key[key]
        if panel["type"] == "table":
            options = organize(panel)
            shown = sorted(options["indexByName"], key=options["indexByName"].get)
            present = {f["name"] for f in frames_by_key[key][0]["fields"]}  # a label no row has is no column
            assert [f["display"] for f in fields] == [
                options["renameByName"][c] for c in shown if c in present
            ], key
        for field in fields:
            if mapped_texts(panel) and (panel["type"] != "table" or mappings_of(panel, field["display"])):
                read = {t for t in field["texts"] if t} & raw_codes
                assert not read, (key, field["display"], "shown raw", read)
            for row in field["links"]:
                for link in row:
                    assert "${" not in link["url"] + link["title"], (key, link)
                    assert re.fullmatch(
                        r"/d/esc-[a-z]+(\?(var-\w+=[\w-]+&)*from=now-1h&to=now)", link["url"]
                    ), link
                    links += 1
    assert links >= 20
    return out


def _preview(name: str, panel: Panel, result: list[dict[str, Any]]) -> str:
    """A table as Grafana would lay it out (organize, then value mappings), in Markdown."""
    options = organize(panel)
    shown = sorted(options["indexByName"], key=options["indexByName"].get)
    headers = [options["renameByName"][c] for c in shown]
    lines = [
        f"### {name} — {panel['title']}",
        "",
        "| " + " | ".join(headers) + " |",
        "|" + "---|" * len(headers),
    ]
    for series in result:
        cells = []
        for column, header in zip(shown, headers, strict=True):
            value = series["value"][1] if column == "Value" else series["metric"].get(column, "")
            cells.append(display(value, mappings_of(panel, header)) or value)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _write_preview(legends: dict[str, set[str]], tables: list[str]) -> None:
    """Keep what a technician would read (legends, tables) under test-artifacts/, to look at."""
    out = REPO / "test-artifacts" / "dashboards-preview.md"
    out.parent.mkdir(exist_ok=True)
    legend_lines = [
        f"- **{title}**: " + " · ".join(sorted(names)) for title, names in sorted(legends.items())
    ]
    out.write_text("# Dashboards, as the test's data reads\n\n## Legends\n\n" + "\n".join(legend_lines)
                   + "\n\n## Tables\n\n" + "\n".join(tables), encoding="utf-8")  # fmt: skip


def _check_variable(prometheus: Any, variable: dict[str, Any]) -> None:
    query = substitute(variable["query"])
    listed = re.fullmatch(r"label_values\((.+), (\w+)\)", query)
    if listed:
        values = prometheus.api(f"/api/v1/series?match[]={quote(listed.group(1))}")["data"]
        assert any(listed.group(2) in s for s in values), variable["query"]
        return
    found = re.fullmatch(r"query_result\((.+)\)", query)
    assert found, variable["query"]
    pattern = re.compile(variable["regex"].strip("/").replace("(?<", "(?P<"))
    options = {}
    for line in query_result_lines(prometheus, found.group(1)):
        match = pattern.search(line)
        if match:
            options[match.group("value")] = match.group("text")
    expected = {
        "device": ("sharp-jam", "le copieur de l'étage"),
        "agent": ("accueil-pc1", "le poste de l'accueil"),
    }
    value, text = expected[variable["name"]]
    assert options.get(value) == text, (variable["name"], options)
