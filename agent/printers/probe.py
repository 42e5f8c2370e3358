"""``esc-agent printer probe``: poll one device now and show its normalised status.

The JSON document (``--json``) is part of the command-line contract::

    {"host": "192.0.2.20", "port": 161, "reachable": true, "state": "degraded",
     "label": "en service, à surveiller : toner cyan presque vide (8 %)",
     "reasons": [{"code": "toner_low", "label": "...", "subject": "1.2"}],
     "identity": {"model": ..., "serial": ..., "sys_object_id": ..., "sys_descr": ...,
                  "sys_uptime_seconds": ..., "vendor_override": "hp" | null},
     "printer_status": "idle", "device_status": "running", "errors": ["lowToner"],
     "supplies": [{"index": "1.2", "description": "Cyan Toner", "type": "toner",
                   "supply_class": "consumed", "colour": "cyan", "unit": "percent",
                   "raw_level": 8, "raw_max": 100, "percent": 8.0, "fill_percent": null,
                   "receptacle": false, "marking": true, "state": "low"}],
     "inputs": [{"index": "1.1", "name": "Tray 1", "raw_level": 0, "raw_max": 250,
                 "percent": 0.0, "manual": false, "state": "empty", ...}],
     "alerts": [...], "scanner_units": [...], "page_count": 12345, "problems": [],
     "poll_seconds": 0.05}
"""

from __future__ import annotations

import asyncio
from typing import Any

from agent.contract.messages import to_builtins
from agent.printers.compose import read_printer
from agent.printers.parse import Thresholds
from agent.printers.poller import SnmpSession, SnmpTarget, poll
from agent.printers.state import StateOptions, derive


def probe(target: SnmpTarget, *, thresholds: Thresholds | None = None) -> dict[str, Any]:
    """Poll one device once and return the probe document."""

    async def _run() -> Any:
        session = SnmpSession()
        try:
            return await poll(session, target)
        finally:
            session.close()

    result = asyncio.run(_run())
    document: dict[str, Any] = {
        "host": target.host,
        "port": target.port,
        "poll_seconds": round(result.seconds, 3),
    }
    if result.raw is None:
        derived = derive(
            None, reachable=False, consecutive_failures=1, options=StateOptions(unreachable_after=1)
        )
        document.update(
            reachable=False,
            error=result.error,
            state=derived.state,
            label=derived.label,
            reasons=to_builtins(derived.reasons),
            supplies=[],
            inputs=[],
        )
        return document
    reading = read_printer(result.raw, thresholds or Thresholds())
    status, override = reading.status, reading.vendor
    derived = derive(status, reachable=True, consecutive_failures=0, options=StateOptions())
    data = to_builtins(status)
    document.update(
        reachable=True,
        state=derived.state,
        label=derived.label,
        reasons=to_builtins(derived.reasons),
        functions=to_builtins(derived.functions),
        identity={
            "model": status.model,
            "serial": status.serial,
            "sys_object_id": status.sys_object_id,
            "sys_descr": status.sys_descr,
            "sys_uptime_seconds": status.sys_uptime_seconds,
            "vendor_override": override.name if override else None,
        },
        printer_status=status.printer_status,
        device_status=status.device_status,
        errors=list(status.errors),
        supplies=data["supplies"],
        inputs=data["inputs"],
        alerts=data["alerts"],
        scanner_units=data["scanner_units"],
        page_count=status.page_count,
        problems=list(status.problems),
    )
    return document


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def render_text(document: dict[str, Any]) -> str:
    """Return the probe document as readable tables."""
    lines = [f"{document['host']}:{document['port']}  state: {document['state']}  ({document['label']})"]
    if not document["reachable"]:
        lines.append(f"error: {document.get('error')}")
        return "\n".join(lines)
    ident = document["identity"]
    pages = _fmt(document["page_count"])
    lines.append(f"model: {_fmt(ident['model'])}   serial: {_fmt(ident['serial'])}   pages: {pages}")
    lines.append(
        f"printer: {_fmt(document['printer_status'])}   device: {_fmt(document['device_status'])}   "
        f"errors: {', '.join(document['errors']) or '-'}"
    )
    rows = [("index", "supply", "colour", "level", "max", "%", "state")]
    rows += [
        (s["index"], s["description"][:40], _fmt(s["colour"]), _fmt(s["raw_level"]), _fmt(s["raw_max"]),
         _fmt(s["percent"]), s["state"] + (" (receptacle)" if s["receptacle"] else ""))
        for s in document["supplies"]
    ]  # fmt: skip
    rows.append(("", "", "", "", "", "", ""))
    rows.append(("index", "tray", "media", "level", "max", "%", "state"))
    rows += [
        (i["index"], i["name"][:40], _fmt(i["media"]), _fmt(i["raw_level"]), _fmt(i["raw_max"]),
         _fmt(i["percent"]), i["state"] + (" (manual)" if i["manual"] else ""))
        for i in document["inputs"]
    ]  # fmt: skip
    widths = [max(len(str(r[c])) for r in rows) for c in range(7)]
    lines += [
        "  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    for alert in document["alerts"]:
        lines.append(
            f"alert {alert['index']}: {alert['code_name']} ({alert['group']}, location {alert['location']})"
        )
    for reason in document["reasons"]:
        lines.append(f"- {reason['code']}: {reason['label']}")
    for problem in document["problems"]:
        lines.append(f"! {problem}")
    return "\n".join(lines)
