"""Build every dashboard to deterministic JSON (``esc-collector dashboards build``)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from grafanalib._gen import DashboardEncoder

MODULES = ("overview", "site", "printer", "pc", "incidents", "health")


def dashboards() -> dict[str, Any]:
    """Return ``{file name: dashboard JSON data}``."""
    out = {}
    for name in MODULES:
        module = importlib.import_module(f"dashboards.{name}")
        data = json.loads(json.dumps(module.dashboard.to_json_data(), cls=DashboardEncoder))
        out[f"esc-{name}.json"] = data
    return out


def render(data: Any) -> str:
    """Serialise one dashboard deterministically (sorted keys, fixed indent, final newline)."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def build(out: Path) -> list[Path]:
    """Write every dashboard into ``out``; return the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in dashboards().items():
        path = out / name
        path.write_text(render(data), encoding="utf-8")
        written.append(path)
    return written
