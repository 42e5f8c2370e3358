"""Dashboards as code: deterministic JSON, sound structure, and every query run on a real Prometheus."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote

import yaml

from helpers.agent import printer_block, start_agent, write_agent_config
from helpers.alerting import fast_rules, start_prometheus
from helpers.broker import Broker
from helpers.collector import start_collector
from helpers.kiosk import build_kiosk, write_policy
from helpers.processes import REPO, run_cli, stop_process, wait_for
from helpers.recordings import jammed, recording
from helpers.sites import member, service, site, sites_toml
from helpers.snmp import Simulator

COMMITTED = REPO / "deploy" / "grafana" / "dashboards"
DATASOURCE_UID = "esc-prometheus"
VARIABLES = {"site": "maurepas", "device": "sharp-jam", "agent": "accueil-pc1"}
BUILTINS = {"$__range": "1h", "$__rate_interval": "1m", "$__interval": "15s"}


def dashboards() -> dict[str, dict[str, object]]:
    return {p.name: json.loads(p.read_text()) for p in sorted(COMMITTED.glob("*.json"))}


def panels(dashboard: dict[str, object]) -> list[dict[str, object]]:
    out = []
    for panel in dashboard.get("panels", []):  # type: ignore[union-attr]
        out.append(panel)
        out.extend(panel.get("panels", []))  # rows
    return out  # type: ignore[return-value]


def test_committed_json_equals_a_fresh_build(tmp_path: Path) -> None:
    result = run_cli("esc-collector", "dashboards", "build", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    fresh = {p.name: p.read_bytes() for p in tmp_path.glob("*.json")}
    committed = {p.name: p.read_bytes() for p in COMMITTED.glob("*.json")}
    assert fresh.keys() == committed.keys() == {"esc-overview.json", "esc-site.json", "esc-printer.json",
                                                "esc-pc.json", "esc-incidents.json"}  # fmt: skip
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
    for name, board in boards.items():
        assert board["title"].startswith("ESC — "), name  # type: ignore[union-attr]
        ids = [p["id"] for p in panels(board)]
        assert len(ids) == len(set(ids)), name
        for panel in panels(board):
            assert panel["datasource"]["uid"] == DATASOURCE_UID, (name, panel["title"])  # type: ignore[index]
            assert panel.get("description"), (name, panel["title"])
            for target in panel["targets"]:  # type: ignore[union-attr]
                assert target["datasource"]["uid"] == DATASOURCE_UID
        for variable in board["templating"]["list"]:  # type: ignore[index]
            assert variable["datasource"]["uid"] == DATASOURCE_UID


def substitute(expr: str) -> str:
    for name, value in {**BUILTINS, **{f"${k}": v for k, v in VARIABLES.items()}}.items():
        expr = expr.replace(name, value)
    assert "$" not in expr, expr
    return expr


def test_every_query_returns_data_from_a_real_prometheus(
    tmp_path: Path, mosquitto: Broker, snmpsim: Simulator
) -> None:
    jam = snmpsim.claim(jammed(recording("sharp")))
    sites = sites_toml(
        site(
            "maurepas",
            name="ESC Maurepas",
            opening_hours="24/7",
            services={
                "impression": service(devices=["sharp-jam"]),
                "numerisation": service(devices=["hp"]),
                "postes": service(pcs=["accueil-pc1"]),
            },
            devices={"hp": member("le copieur de l'accueil", functions=["print", "scan"])},
        )
    )
    root = tmp_path / "root"
    build_kiosk(root)
    policy = write_policy(tmp_path, processes="")
    collector = start_collector(tmp_path / "collector", mosquitto, sites=sites)
    procs = [collector.proc]
    extra = (
        printer_block("hp", snmpsim.port, "jetdirect_m880", "copieur de l'accueil")
        + printer_block("sharp-jam", snmpsim.port, jam, "copieur de l'étage")
        + f'[devices]\ninterval = 5\n[lockdown]\npolicy = "{policy}"\nroot = "{root}"\ninterval = 5\n'
    )
    config = write_agent_config(tmp_path / "agent", extra=extra, interval=5)
    try:
        procs.append(start_agent(config, mosquitto, tmp_path / "agent.log"))
        prometheus = start_prometheus(tmp_path / "prom", targets=[f"127.0.0.1:{collector.port}"],
                                      rule_files=[fast_rules(tmp_path)], alertmanager=None)  # fmt: skip
        procs.append(prometheus.proc)
        # Enough scrapes for rates and increases, and measured open time for the availability ratio.
        wait_for(lambda: prometheus.query(substitute('esc_service_available_seconds_total{site="maurepas", service="numerisation"} > 3')),
                 timeout=60, what="a few seconds of measured availability")  # fmt: skip
        wait_for(lambda: prometheus.query('ALERTS{alertstate="firing"}'), timeout=30, what="a firing alert")
        for enough in ("count_over_time(esc_service_open_seconds_total[1h]) > 3",
                       'count_over_time(esc_printer_pages_total{device="sharp-jam"}[1h]) > 2'):  # fmt: skip
            wait_for(
                lambda q=enough: prometheus.query(q), timeout=30, what=f"samples for increase(): {enough}"
            )
        empty = []
        checked = 0
        for name, board in dashboards().items():
            for panel in panels(board):
                for target in panel["targets"]:  # type: ignore[union-attr]
                    expr = substitute(str(target["expr"]))
                    result = prometheus.query(expr)  # fails on a parse error (status != success)
                    checked += 1
                    if not result:
                        empty.append(f"{name} / {panel['title']}: {expr}")
            for variable in board["templating"]["list"]:  # type: ignore[index]
                match = re.fullmatch(r"label_values\((.+), (\w+)\)", substitute(variable["query"]))
                assert match, variable["query"]
                values = prometheus.api(f"/api/v1/series?match[]={quote(match.group(1))}")["data"]
                assert any(match.group(2) in s for s in values), variable["query"]
        assert empty == []
        assert checked >= 30
    finally:
        for proc in reversed(procs):
            stop_process(proc)
