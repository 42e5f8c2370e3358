"""The committed Grafana dashboards as a test reads them, and their queries with Grafana's variables put in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from helpers.agent import printer_block
from helpers.kiosk import build_kiosk, write_policy
from helpers.processes import REPO
from helpers.sites import member, service, site, sites_toml

COMMITTED = REPO / "deploy" / "grafana" / "dashboards"
VARIABLES = {"site": "maurepas", "device": "sharp-jam", "agent": "accueil-pc1"}
#: Grafana's built-in variables (the real-Prometheus test sets ``$__range`` from the data Prometheus holds).
BUILTINS = {"$__range": "1h", "$__rate_interval": "1m", "$__interval": "15s"}
Panel = dict[str, Any]


def dashboards() -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text()) for p in sorted(COMMITTED.glob("*.json"))}


def panels(dashboard: dict[str, Any]) -> list[Panel]:
    out = []
    for panel in dashboard.get("panels", []):
        out.append(panel)
        out.extend(panel.get("panels", []))  # rows
    return out


def substitute(expr: str, *, period: int | None = None) -> str:
    """Put in the variables as Grafana does; ``period``: ``$__range``, the chosen period in seconds (else 1 h)."""
    builtins = {**BUILTINS, **({"$__range": f"{period}s"} if period is not None else {})}
    for name, value in {**builtins, **{f"${k}": v for k, v in VARIABLES.items()}}.items():
        expr = expr.replace(name, value)
    assert "$" not in expr.replace("$1", ""), expr
    return expr


#: The site the dashboards' queries are run against: two copiers (one jams), a PC with lockdown.
SITES = sites_toml(
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
        agents={"accueil-pc1": member("le poste de l'accueil")},
    )
)


def agent_extra(folder: Path, snmp_port: int, jam_slot: str, *, poll: float) -> str:
    """Return the agent configuration of that site: both copiers on snmpsim and a kiosk under lockdown."""
    root = folder / "root"
    build_kiosk(root)
    policy = write_policy(folder, processes="")
    return (
        printer_block("hp", snmp_port, "jetdirect_m880", "copieur de l'accueil")
        + printer_block("sharp-jam", snmp_port, jam_slot, "copieur de l'étage")
        + f'[devices]\ninterval = {poll:g}\n[lockdown]\npolicy = "{policy}"\nroot = "{root}"\ninterval = 5\n'
    )
