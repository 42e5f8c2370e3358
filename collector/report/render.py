"""Render a :class:`~collector.report.build.Report`: CSV and JSON for machines, HTML and PDF for people.

People's formats are in French (docs/glossaire.md): « disponibilité réelle : 97,4 % », durations in
open time (« 2 h 15 »), « non mesuré » and « sans objet » never shown as 0 % or 100 %. Charts are
matplotlib SVG embedded in the page; the PDF is the same HTML through WeasyPrint.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from agent.contract import french
from agent.contract.reasons import cause_label
from collector.availability import Figures
from collector.report.build import SOCLE, Report, ServiceReport
from collector.sites import SERVICE_LABELS

NARROW = "\u202f"


percent_fr = french.ratio
duration_fr = french.duration


def causes_fr(figures: Figures, limit: int = 3) -> str:
    """Return the main causes, e.g. « bourrage papier (2, 2 h 30) ; toner ou encre vide (1, 45 min) »."""
    parts = [f"{cause_label(c)} ({n}, {duration_fr(s)})" for c, s, n in figures.causes[:limit]]
    return " ; ".join(parts) or "—"


def _local(ts: float, tz: str) -> str:
    return french.local(ts, tz).strftime("%d/%m/%Y %H:%M")


# --------------------------------------------------------------------------- machine formats

CSV_COLUMNS = (
    "site", "site_name", "level", "service", "member", "min_usable", "members", "open_seconds",
    "measured_seconds", "up_seconds", "down_seconds", "unknown_seconds", "maintenance_seconds",
    "availability", "unknown_ratio", "outages", "outage_seconds", "longest_outage_seconds", "mttr_seconds",
    "blips", "main_causes",
)  # fmt: skip


def _row(
    site_id: str, site_name: str, level: str, service: ServiceReport, member: str, f: Figures
) -> list[Any]:
    def num(value: float | None) -> str:
        return "" if value is None else f"{value:.6f}".rstrip("0").rstrip(".")

    return [
        site_id, site_name, level, service.name, member, service.min_usable, service.member_count,
        num(f.open_seconds), num(f.measured_seconds), num(f.up_seconds), num(f.down_seconds),
        num(f.unknown_seconds), num(f.maintenance_seconds), num(f.availability), num(f.unknown_ratio),
        len(f.outages), num(f.outage_seconds), num(f.longest_outage), num(f.mttr), f.blips,
        ";".join(c for c, _s, _n in f.causes),
    ]  # fmt: skip


def render_csv(report: Report) -> str:
    """One row per site and service, then one per member (level = service / device / pc)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for site in report.sites:
        for service in site.services:
            writer.writerow(_row(site.site_id, site.name, "service", service, "", service.figures))
            for member in service.members:
                writer.writerow(
                    _row(site.site_id, site.name, member.kind, service, member.member, member.figures)
                )
    return out.getvalue()


def _figures_json(f: Figures, tz: str) -> dict[str, Any]:
    return {
        "open_seconds": f.open_seconds, "measured_seconds": f.measured_seconds, "up_seconds": f.up_seconds,
        "down_seconds": f.down_seconds, "unknown_seconds": f.unknown_seconds,
        "maintenance_seconds": f.maintenance_seconds, "availability": f.availability,
        "unknown_ratio": f.unknown_ratio, "outage_seconds": f.outage_seconds,
        "longest_outage_seconds": f.longest_outage, "mttr_seconds": f.mttr, "blips": f.blips,
        "blip_seconds": f.blip_seconds,
        "causes": [{"cause": c, "label": cause_label(c), "seconds": s, "outages": n} for c, s, n in f.causes],
        "outages": [
            {"start": _local(o.start, tz), "end": _local(o.end, tz), "start_ts": o.start, "end_ts": o.end,
             "open_seconds": o.open_seconds, "causes": list(o.causes), "ongoing": o.ongoing}
            for o in f.outages
        ],
    }  # fmt: skip


def render_json(report: Report) -> str:
    """The whole report as JSON (seconds, ratios 0–1, local times)."""
    data = {
        "from": report.first_day.isoformat(),
        "to": report.last_day.isoformat(),
        "generated": report.generated.isoformat(timespec="seconds"),
        "blip_seconds": report.blip_seconds,
        "sites": [
            {
                "site": s.site_id, "name": s.name, "timezone": s.timezone, "open_seconds": s.open_seconds,
                "services": [
                    {"service": v.name, "label": v.label, "min_usable": v.min_usable, "members": v.member_count,
                     **_figures_json(v.figures, s.timezone),
                     "devices": [{"kind": m.kind, "member": m.member, **_figures_json(m.figures, s.timezone)}
                                 for m in v.members]}
                    for v in s.services
                ],
            }
            for s in report.sites
        ],
    }  # fmt: skip
    return json.dumps(data, indent=2, ensure_ascii=False)


# --------------------------------------------------------------------------- charts


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def availability_chart(report: Report) -> str:
    """Horizontal bars: availability of every site and service (grey when not measured)."""
    import matplotlib  # noqa: PLC0415 - heavy, only for HTML/PDF

    matplotlib.use("Agg")
    from matplotlib.figure import Figure  # noqa: PLC0415

    rows = [(f"{s.name} — {v.label}", v.figures.availability) for s in report.sites for v in s.services]
    figure = Figure(figsize=(7.5, 0.4 * max(len(rows), 2) + 0.8))
    axes = figure.subplots()
    labels = [r[0] for r in rows][::-1]
    values = [(r[1] or 0.0) * 100 for r in rows][::-1]
    colours = ["#9e9e9e" if r[1] is None else "#2e7d32" if r[1] >= 0.98 else "#f9a825" if r[1] >= 0.9 else "#c62828"
               for r in rows][::-1]  # fmt: skip
    axes.barh(labels, values, color=colours)
    axes.set_xlim(0, 100)
    axes.set_xlabel("disponibilité pendant les horaires d'ouverture (%)")
    for index, row in enumerate(rows[::-1]):
        axes.text(min(values[index], 85) + 1, index, percent_fr(row[1]), va="center", fontsize=8)
    figure.tight_layout()
    return _svg(figure)


def outage_timeline(report: Report) -> str:
    """One line per site and service, a red mark for each interruption."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    from matplotlib.figure import Figure  # noqa: PLC0415

    rows = [(s, v) for s in report.sites for v in s.services]
    figure = Figure(figsize=(7.5, 0.35 * max(len(rows), 2) + 1.0))
    axes = figure.subplots()
    for index, (site, service) in enumerate(rows):
        spans = [(o.start, max(o.end - o.start, 600)) for o in service.figures.outages]
        spans = [((s - site.start) / 86400, w / 86400) for s, w in spans]
        axes.broken_barh(spans, (index - 0.35, 0.7), color="#c62828")
    axes.set_yticks(range(len(rows)), [f"{s.name} — {v.label}" for s, v in rows])
    days = (report.last_day - report.first_day).days + 1
    axes.set_xlim(0, days)
    axes.set_xlabel(f"jours depuis le {report.first_day.strftime('%d/%m/%Y')}")
    axes.invert_yaxis()
    figure.tight_layout()
    return _svg(figure)


# --------------------------------------------------------------------------- HTML / PDF


def render_html(report: Report) -> str:
    """The report as a standalone French HTML page with its charts inline."""
    import jinja2  # noqa: PLC0415

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        percent=percent_fr,
        duration=duration_fr,
        causes=causes_fr,
        cause_labels=lambda causes: ", ".join(cause_label(c) for c in causes),
    )
    env.globals.update(local=_local)
    socle = [
        {"site": s, "cells": [(name, s.service(name)) for name in SOCLE]}
        for s in report.sites
    ]  # fmt: skip
    return env.get_template("report.html.j2").render(
        report=report,
        socle=socle,
        socle_names=[SERVICE_LABELS[n] for n in SOCLE],
        availability_svg=availability_chart(report) if report.sites else "",
        timeline_svg=outage_timeline(report) if report.sites else "",
    )


def render_pdf(report: Report) -> bytes:
    """The HTML report printed to PDF with WeasyPrint."""
    import logging  # noqa: PLC0415

    from weasyprint import HTML  # noqa: PLC0415

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return bytes(HTML(string=render_html(report)).write_pdf())
