"""The committed Grafana dashboards as a test reads them, and their queries with Grafana's variables put in."""

from __future__ import annotations

import json
from typing import Any

from helpers.processes import REPO

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
