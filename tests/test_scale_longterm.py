"""Long-term, multi-region metrics: the HA pair writes to VictoriaMetrics, and every dashboard query runs there.

The data is the dashboards test's (``tests/test_dashboards.py``: snmpsim printers, one of them
jammed, a kiosk with its lockdown, an agent), collected by the pair of ``deploy/prometheus/ha/``:
collectors a and b, Prometheus a and b, both writing to one VictoriaMetrics (``remote_write`` and
its relabelling as shipped; ``deploy/prometheus/victoria-metrics.default``). Every query of every
dashboard (the dashboards test's own extraction) then runs on Prometheus a and on VictoriaMetrics:
both must answer, with the same series — no series twice although two Prometheus wrote them.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from helpers.agent import start_agent, write_agent_config
from helpers.alerting import Service
from helpers.broker import Broker
from helpers.collector import start_collector
from helpers.dashboards import SITES, agent_extra, dashboards, panels, substitute
from helpers.processes import free_port, stop_process, wait_for
from helpers.recordings import jammed, recording
from helpers.scale import ha_prometheus_config, ha_rules, start_prometheus_with, start_victoria_metrics
from helpers.snmp import Simulator

#: The shipped Prometheus's region label (external_labels: department).
REGION = "ille-et-vilaine"
#: Data the dashboards need before their queries mean anything (as in the dashboards test).
ENOUGH = (
    'esc_service_available_seconds_total{site="maurepas", service="numerisation"} > 3',
    'ALERTS{alertstate="firing"}',
    "count_over_time(esc_service_open_seconds_total[1h]) > 3",
    'count_over_time(esc_printer_pages_total{device="sharp-jam"}[1h]) > 2',
)


def series(result: list[dict[str, Any]], *, region: str | None = None) -> list[tuple[tuple[str, str], ...]]:
    """The label sets of an answer, sorted (duplicates kept: a series twice is a failure).

    A label with an empty value is no label (Prometheus drops it, VictoriaMetrics shows it empty);
    ``region``: the store's region label (``department``) a series carries unless a query aggregated
    it away; it must be this one, and is left out of the comparison.
    """
    out = []
    for s in result:
        labels = {k: v for k, v in s["metric"].items() if v != ""}
        if region is not None:
            assert labels.pop("department", region) == region, s["metric"]
        out.append(tuple(sorted(labels.items())))
    return sorted(out)


def every_query() -> list[tuple[str, str]]:
    """(where, PromQL) of every panel target and every ``query_result`` variable, substituted."""
    out = []
    for name, board in dashboards().items():
        for panel in panels(board):
            for target in panel["targets"]:
                out.append((f"{name} / {panel['title']}", substitute(str(target["expr"]))))
        for variable in board["templating"]["list"]:
            query = substitute(variable["query"])
            if query.startswith("query_result(") and query.endswith(")"):
                out.append((f"{name} / ${variable['name']}", query.removeprefix("query_result(")[:-1]))
    return out


def label_values(service: Service, match: str) -> list[list[tuple[str, str]]]:
    """The series a variable's ``label_values()`` lists (region label left out)."""
    found = service.api(f"/api/v1/series?match[]={quote(match)}")["data"]
    return sorted(sorted((k, v) for k, v in s.items() if k != "department") for s in found)


def test_dashboards_read_the_same_series_from_victoria_metrics(
    tmp_path: Path, mosquitto: Broker, snmpsim: Simulator
) -> None:
    jam = snmpsim.claim(jammed(recording("sharp")))
    collectors = {r: start_collector(tmp_path / f"collector-{r}", mosquitto, sites=SITES) for r in "ab"}
    procs = [c.proc for c in collectors.values()]
    try:
        victoria = start_victoria_metrics(tmp_path / "victoria-metrics")
        procs.append(victoria.proc)
        extra = agent_extra(tmp_path, snmpsim.port, jam, poll=5)
        procs.append(start_agent(write_agent_config(tmp_path / "agent", extra=extra, interval=5), mosquitto,
                                 tmp_path / "agent.log"))  # fmt: skip
        rules = ha_rules(tmp_path / "rules")
        prometheus: dict[str, Service] = {}
        for name in ("a", "b"):
            port = free_port()
            config = ha_prometheus_config(name, port=port, collectors={r: c.port for r, c in collectors.items()},
                                          alertmanagers=[], rules=rules,
                                          remote_write=f"{victoria.url}/api/v1/write")  # fmt: skip
            prometheus[name] = start_prometheus_with(tmp_path / f"prom-{name}", config, port)
            procs.append(prometheus[name].proc)
        for enough in ENOUGH:
            for store in (prometheus["a"], victoria):
                wait_for(lambda q=enough, s=store: s.query(q), timeout=60, what=f"{enough} in {store.url}")

        # The raw ha:* copies stay in Prometheus; the merged series alone are written.
        assert prometheus["a"].query('count({__name__=~"ha:esc_.+"})')
        assert not victoria.query('count({__name__=~"ha:.+"})')
        # Both Prometheus wrote every series: without their own label, once.
        assert not victoria.query('count by (__name__) ({prometheus!="", job!="prometheus"})')
        assert {s["metric"]["prometheus"] for s in victoria.query('up{job="prometheus"}')} == {"a", "b"}
        # Every series says which region it comes from (Prometheus's external label), so that several
        # regions can write to one store.
        assert not victoria.query(f'count({{__name__=~"esc_.+", department!="{REGION}"}})')

        queries = every_query()
        assert len(queries) >= 50
        differing: list[str] = []
        answered = 0
        for where, expr in queries:
            for _attempt in range(3):  # remote_write sends every second: a new series may lag a little
                local = series(prometheus["a"].query(expr))
                remote = series(victoria.query(expr), region=REGION)
                if local == remote:
                    break
                time.sleep(1)
            else:
                differing.append(f"{where}: {expr}\n  prometheus: {local}\n  victoria-metrics: {remote}")
            answered += bool(local)
        assert differing == [], "\n".join(differing)
        assert answered >= 50
        for match in ('esc_device_info{site="maurepas"}', 'esc_agent_info{site="maurepas"}'):
            assert label_values(victoria, match) == label_values(prometheus["a"], match)
    finally:
        for proc in reversed(procs):
            stop_process(proc)
