"""Render a :class:`~collector.report.build.Report`: CSV and JSON for machines, HTML and PDF for people.

The formats are described in the package docstring (:mod:`collector.report`). People's formats
are in French and word every figure through :mod:`collector.report.wording`. Charts are
matplotlib SVG embedded in the page (decorative for screen readers: the tables carry the same
figures); the PDF is the same HTML through WeasyPrint.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from agent.contract import french
from agent.contract.reasons import cause_label
from collector.availability import Figures, is_external
from collector.report import maintenance, wording
from collector.report.build import SOCLE, MemberReport, Report, ServiceReport, SiteReport
from collector.sites import SERVICE_LABELS

#: The report's sections, in order: one template each in ``templates/sections/``. A new section is
#: a template there and its name here (the site sections see ``site``, the others ``report``).
REPORT_SECTIONS = ("summary", "reading", "socle", "chart")
SITE_SECTIONS = ("site_summary", "services", "timeline", "outages", "members", "usage", "maintenance")

percent_fr = french.ratio
duration_fr = french.duration


def _unbroken(text: str) -> str:
    """Return the text with no-break spaces: « 5 h 42 » never splits across lines."""
    return text.replace(" ", "\u00a0")


def causes_fr(figures: Figures, label: Callable[[str], str] = cause_label, limit: int = 3) -> str:
    """Return the main causes: « bourrage papier : 2 fois, 2 h 30 ; toner ou encre vide : 1 fois, 45 min ».

    ``label`` names a cause (a site's report names its administrative sites: ``SiteReport.cause_text``).
    """
    parts = [f"{label(c)} : {n}\u00a0fois, {_unbroken(duration_fr(s))}" for c, s, n in figures.causes[:limit]]
    return " ; ".join(parts) or "—"


@dataclass(frozen=True)
class Periods:
    """How the report names its period and the previous one."""

    now: str  # « novembre 2026 », « du 02/11/2026 au 15/11/2026 »
    previous: str  # « octobre », « du 17/10/2026 au 31/10/2026 »: in sentences
    previous_short: str  # « octobre », « période préc. »: under each figure
    previous_long: str  # « octobre 2026 »: in the legend

    @classmethod
    def of(cls, report: Report) -> Periods:
        """Name the report's period and the previous one."""
        first, last = report.first_day, report.last_day
        before_first = report.previous_first_day or first
        before_last = report.previous_last_day or last
        previous = french.period(before_first, before_last, year=last.year)
        short = previous if french.whole_months(before_first, before_last) else "période préc."
        return cls(french.period(first, last), previous, short, french.period(before_first, before_last))


def generated_fr(report: Report) -> str:
    """Return « le 01/12/2026 à 19:38 (heure de Paris) », in each zone the report's sites use."""
    zones = list(dict.fromkeys(s.timezone for s in report.sites)) or ["Europe/Paris"]
    ts = report.generated.timestamp()
    moments = [f"{french.date_time(ts, zone)} ({french.zone_name(zone)})" for zone in zones]
    return "le " + ", soit ".join(moments)


def day_or_moment(ts: float, tz: str) -> str:
    """Return « 16/11/2026 » for a midnight (a date in ``sites.toml``), else « 16/11/2026 à 14:00 »."""
    moment = french.local(ts, tz)
    if (moment.hour, moment.minute) == (0, 0):
        return french.date(moment.date())
    return french.date_time(ts, tz)


# --------------------------------------------------------------------------- machine formats


def _hours(seconds: float | None) -> str:
    """Return seconds as French decimal hours (« 2,25 »), 4 decimals at most."""
    if seconds is None:
        return ""
    text = f"{seconds / 3600:.4f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _percent_number(value: float | None, figures: Figures | None = None) -> str:
    """Return a 0–1 ratio as a French number of percent (« 97,435 »), or why there is none."""
    if value is None:
        return wording.availability(figures) if figures is not None else ""
    return f"{value * 100:.3f}".rstrip("0").rstrip(".").replace(".", ",")


def _csv_causes(figures: Figures, site: SiteReport) -> str:
    return ", ".join(site.cause_text(c) for c, _s, _n in figures.causes)


#: (header, value) of each CSV column; a value reads (site, service, member or None).
Cell = Callable[[SiteReport, ServiceReport, MemberReport | None, Periods], Any]


def _figures(service: ServiceReport, member: MemberReport | None) -> Figures:
    return member.figures if member is not None else service.figures


def _previous(service: ServiceReport, member: MemberReport | None) -> Figures | None:
    return member.previous if member is not None else service.previous


def _when(site: SiteReport, moment: float | None) -> str:
    return "" if moment is None else french.local(moment, site.timezone).strftime("%d/%m/%Y %H:%M")


CSV_COLUMNS: tuple[tuple[str, Cell], ...] = (
    ("période", lambda _s, _v, _m, p: p.now),
    ("ESC", lambda s, _v, _m, _p: s.name),
    ("niveau", lambda _s, _v, m, _p: "service" if m is None else "poste" if m.kind == "pc" else "appareil"),
    ("service", lambda _s, v, _m, _p: v.label),
    ("appareil ou poste", lambda _s, _v, m, _p: "" if m is None else french.capitalise(m.name)),
    ("règle", lambda _s, v, m, _p: wording.rule(v) if m is None else ""),
    ("objectif (%)", lambda s, _v, _m, _p: _percent_number(s.target)),
    ("temps d'ouverture (h)", lambda _s, v, m, _p: _hours(_figures(v, m).open_seconds)),
    ("temps mesuré (h)", lambda _s, v, m, _p: _hours(_figures(v, m).measured_seconds)),
    ("disponible (h)", lambda _s, v, m, _p: _hours(_figures(v, m).up_seconds)),
    ("indisponible (h)", lambda _s, v, m, _p: _hours(_figures(v, m).down_seconds)),
    ("non mesuré (h)", lambda _s, v, m, _p: _hours(_figures(v, m).unknown_seconds)),
    ("maintenance programmée (h)", lambda _s, v, m, _p: _hours(_figures(v, m).maintenance_seconds)),
    ("disponibilité (%)", lambda _s, v, m, _p: _percent_number(_figures(v, m).availability, _figures(v, m))),
    ("disponibilité, période précédente (%)",
     lambda _s, v, m, _p: _percent_number(f.availability, f) if (f := _previous(v, m)) else ""),
    ("non mesuré (% du temps d'ouverture)", lambda _s, v, m, _p: _percent_number(_figures(v, m).unknown_ratio)),
    ("interruptions", lambda _s, v, m, _p: len(_figures(v, m).outages)),
    ("interruptions, période précédente", lambda _s, v, m, _p: len(f.outages) if (f := _previous(v, m)) else ""),
    ("durée des interruptions (h)", lambda _s, v, m, _p: _hours(_figures(v, m).outage_seconds)),
    ("la plus longue (h)", lambda _s, v, m, _p: _hours(_figures(v, m).longest_outage)),
    ("délai moyen de rétablissement (h)", lambda _s, v, m, _p: _hours(_figures(v, m).mttr)),
    ("coupures brèves ignorées", lambda _s, v, m, _p: _figures(v, m).blips),
    ("dont indisponibilités extérieures (h)", lambda _s, v, m, _p: _hours(_figures(v, m).external_seconds)),
    ("causes principales", lambda s, v, m, _p: _csv_causes(_figures(v, m), s)),
    ("arrivée le", lambda s, _v, m, _p: _when(s, m.added) if m else ""),
    ("départ le", lambda s, _v, m, _p: _when(s, m.retired) if m else ""),
    ("identifiant ESC", lambda s, _v, _m, _p: s.site_id),
    ("identifiant service", lambda _s, v, _m, _p: v.name),
    ("identifiant appareil ou poste", lambda _s, _v, m, _p: "" if m is None else m.member),
    *maintenance.CSV_COLUMNS,
)  # fmt: skip
CSV_HEADERS = tuple(header for header, _cell in CSV_COLUMNS)


def render_csv(report: Report) -> str:
    """Return the report as CSV for French Excel: BOM, ``;``, decimal comma, French headers.

    One row per site and service, then one per member of that service.
    """
    periods = Periods.of(report)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    for site in report.sites:
        for service in site.services:
            for member in (None, *service.members):
                writer.writerow([cell(site, service, member, periods) for _header, cell in CSV_COLUMNS])
    return out.getvalue()


def _figures_json(f: Figures, tz: str, label: Callable[[str], str] = cause_label) -> dict[str, Any]:
    return {
        "open_seconds": f.open_seconds, "measured_seconds": f.measured_seconds, "up_seconds": f.up_seconds,
        "down_seconds": f.down_seconds, "unknown_seconds": f.unknown_seconds,
        "maintenance_seconds": f.maintenance_seconds, "availability": f.availability,
        "unknown_ratio": f.unknown_ratio, "outage_seconds": f.outage_seconds,
        "longest_outage_seconds": f.longest_outage, "mttr_seconds": f.mttr, "blips": f.blips,
        "blip_seconds": f.blip_seconds,
        "external_seconds": f.external_seconds, "availability_without_external": f.availability_without_external,
        "causes": [{"cause": c, "label": label(c), "external": is_external(c), "seconds": s, "outages": n}
                   for c, s, n in f.causes],
        "outages": [
            {"start": french.local(o.start, tz).strftime("%d/%m/%Y %H:%M"),
             "end": french.local(o.end, tz).strftime("%d/%m/%Y %H:%M"), "start_ts": o.start, "end_ts": o.end,
             "open_seconds": o.open_seconds, "external_seconds": o.external_seconds, "causes": list(o.causes),
             "ongoing": o.ongoing}
            for o in f.outages
        ],
    }  # fmt: skip


def _previous_json(
    f: Figures | None, tz: str, label: Callable[[str], str] = cause_label
) -> dict[str, Any] | None:
    return None if f is None else _figures_json(f, tz, label)


def render_json(report: Report) -> str:
    """Return the whole report as JSON: English keys, seconds, ratios 0–1, epoch and local times."""
    data = {
        "from": report.first_day.isoformat(),
        "to": report.last_day.isoformat(),
        "previous_from": report.previous_first_day.isoformat() if report.previous_first_day else None,
        "previous_to": report.previous_last_day.isoformat() if report.previous_last_day else None,
        "generated": report.generated.isoformat(timespec="seconds"),
        "blip_seconds": report.blip_seconds,
        "sites": [
            {
                "site": s.site_id, "name": s.name, "timezone": s.timezone, "target": s.target,
                "open_seconds": s.open_seconds, "previous_open_seconds": s.previous_open_seconds,
                "changes": [{"kind": c.kind, "member": c.member, "name": c.name, "change": c.change, "at": c.at}
                            for c in s.changes],
                "maintenance": maintenance.maintenance_json(s.maintenance),
                "services": [
                    {"service": v.name, "label": v.label, "min_usable": v.min_usable, "members": v.member_count,
                     **_figures_json(v.figures, s.timezone, s.cause_text),
                     "previous": _previous_json(v.previous, s.timezone, s.cause_text),
                     "devices": [{"kind": m.kind, "member": m.member, "name": m.name, "added": m.added,
                                  "retired": m.retired, **_figures_json(m.figures, s.timezone, s.cause_text),
                                  "previous": _previous_json(m.previous, s.timezone, s.cause_text)}
                                 for m in v.members]}
                    for v in s.services
                ],
            }
            for s in report.sites
        ],
    }  # fmt: skip
    return json.dumps(data, indent=2, ensure_ascii=False)


# --------------------------------------------------------------------------- charts

LEVEL_COLOURS = {"good": "#2e7d32", "warn": "#b45309", "bad": "#c62828", "na": "#757575"}


def _svg(figure: Any) -> str:
    """Return the figure as inline SVG; its words stay text (``svg.fonttype: none``), so the PDF has them too."""
    import matplotlib  # noqa: PLC0415

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    svg = text[text.index("<svg") :]
    return svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)


def _figure(width: float, height: float) -> Any:
    import matplotlib  # noqa: PLC0415 - heavy, only for HTML/PDF

    matplotlib.use("Agg")
    from matplotlib.figure import Figure  # noqa: PLC0415

    return Figure(figsize=(width, height))


def _row_label(site: SiteReport, service: ServiceReport, report: Report) -> str:
    return service.label if len(report.sites) == 1 else f"{site.name} — {service.label}"


def availability_chart(report: Report, periods: Periods) -> str:
    """Horizontal bars: each service's availability, coloured by its site's target; target and previous marked."""
    from matplotlib.lines import Line2D  # noqa: PLC0415

    rows = [(s, v) for s in report.sites for v in s.services]
    figure = _figure(7.2, 0.34 * max(len(rows), 2) + 1.1)
    axes = figure.subplots()
    for index, (site, service) in enumerate(rows):
        value = service.figures.availability
        colour = LEVEL_COLOURS[wording.level(service.figures, site.target)]
        if value is not None:
            axes.barh(index, value * 100, color=colour, height=0.62)
        axes.plot([site.target * 100] * 2, [index - 0.4, index + 0.4], color="#212121", linewidth=1.6)
        before = service.previous.availability if service.previous is not None else None
        if before is not None:
            axes.plot(before * 100, index, marker="D", color="#212121", markerfacecolor="white", markersize=5)
        text = wording.availability(service.figures)
        axes.text(1.5, index, text, va="center", fontsize=8,
                  color="white" if value is not None and value > 0.2 else "#212121")  # fmt: skip
    axes.set_yticks(range(len(rows)), [_row_label(s, v, report) for s, v in rows], fontsize=8)
    axes.set_ylim(len(rows) - 0.5, -0.5)
    axes.set_xlim(0, 100)
    axes.tick_params(axis="x", labelsize=8)
    axes.set_xlabel("disponibilité pendant les horaires d'ouverture (%)", fontsize=8)
    handles = [
        Line2D([], [], color="#212121", linewidth=1.6, label="objectif"),
        Line2D([], [], color="#212121", marker="D", markerfacecolor="white", linestyle="", label=periods.previous_long),
    ]  # fmt: skip
    axes.legend(
        handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False, fontsize=8
    )
    figure.tight_layout()
    return _svg(figure)


def _date_ticks(
    first: dt.date, days: int, tz: ZoneInfo, origin: float
) -> tuple[list[float], list[str], list[float]]:
    """Return the major ticks (position in days, « 02/11 ») and the minor ones of a period's axis.

    Up to two months: every Monday labelled, every day a minor tick. Longer: the first of each month
    labelled « 11/2026 », Mondays as minor ticks.
    """
    major: list[float] = []
    labels: list[str] = []
    minor: list[float] = []
    for offset in range(days + 1):
        day = first + dt.timedelta(days=offset)
        at = (dt.datetime.combine(day, dt.time(), tz).timestamp() - origin) / 86_400
        if days <= 62:
            minor.append(at)
            if day.weekday() == 0:
                major.append(at)
                labels.append(day.strftime("%d/%m"))
        else:
            if day.weekday() == 0:
                minor.append(at)
            if day.day == 1:
                major.append(at)
                labels.append(day.strftime("%m/%Y"))
    return major, labels, minor


def outage_timeline(report: Report, site: SiteReport) -> str:
    """One line per service of a site over the period's real dates: open hours in grey, interruptions in red."""
    from matplotlib.patches import Patch  # noqa: PLC0415

    rows = site.services
    figure = _figure(7.2, 0.34 * max(len(rows), 2) + 1.1)
    axes = figure.subplots()
    days = (report.last_day - report.first_day).days + 1
    smallest = days / 250  # an interruption stays visible at this width (days)

    def x(ts: float) -> float:
        return (ts - site.start) / 86_400

    for index, service in enumerate(rows):
        axes.broken_barh([(x(s), x(e) - x(s)) for s, e in site.opened], (index - 0.3, 0.6), color="#d0d0d0")
        spans = [(x(o.start), max(x(o.end) - x(o.start), smallest)) for o in service.figures.outages]
        axes.broken_barh(spans, (index - 0.3, 0.6), color="#c62828")
    axes.set_yticks(range(len(rows)), [v.label for v in rows], fontsize=8)
    axes.set_ylim(len(rows) - 0.5, -0.5)
    axes.set_xlim(0, x(site.end))
    major, labels, minor = _date_ticks(report.first_day, days, ZoneInfo(site.timezone), site.start)
    axes.set_xticks(major, labels, fontsize=8)
    axes.set_xticks(minor, minor=True)
    axes.set_xlabel("date (les lundis sont marqués)" if days <= 62 else "mois", fontsize=8)
    axes.grid(axis="x", color="#9e9e9e", linewidth=0.5)
    axes.set_axisbelow(True)
    handles = [
        Patch(color="#d0d0d0", label="heures d'ouverture"),
        Patch(color="#c62828", label="interruption"),
    ]
    axes.legend(
        handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False, fontsize=8
    )
    figure.tight_layout()
    return _svg(figure)


# --------------------------------------------------------------------------- HTML / PDF


def _targets(report: Report) -> list[tuple[float, list[str]]]:
    """Return each target and the sites that have it, most common first."""
    found: dict[float, list[str]] = {}
    for site in report.sites:
        found.setdefault(site.target, []).append(site.name)
    return sorted(found.items(), key=lambda item: -len(item[1]))


def render_html(report: Report) -> str:
    """Return the report as a standalone French HTML page with its charts inline."""
    import jinja2  # noqa: PLC0415

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    periods = Periods.of(report)
    env.filters.update(
        percent=percent_fr,
        duration=duration_fr,
        causes=causes_fr,
        cause_labels=lambda causes, label=cause_label: ", ".join(label(c) for c in causes) or "—",
        precise=wording.precise_ratio,
        availability=wording.availability,
        unmeasured=wording.unmeasured,
        rule=wording.rule,
        capitalise=french.capitalise,
        target=lambda value: french.percent(value * 100, 1),
        count=maintenance.count_fr,
        yield_fr=maintenance.yield_fr,
    )
    env.globals.update(
        date_time=french.date_time,
        level=wording.level,
        levels=wording.LEVELS,
        warn_margin=wording.WARN_MARGIN,
        summary=lambda site: wording.summary(site, report.first_day, report.last_day, periods.previous),
        member_noun=wording.member_noun,
        timeline=lambda site: outage_timeline(report, site),
        day_or_moment=day_or_moment,
        site_at=wording.site_at,
    )
    socle = [{"site": s, "cells": [(name, s.service(name)) for name in SOCLE]} for s in report.sites]
    return env.get_template("report.html.j2").render(
        report=report,
        periods=periods,
        generated=generated_fr(report),
        targets=_targets(report),
        socle=socle,
        socle_names=[SERVICE_LABELS[n] for n in SOCLE],
        report_sections=REPORT_SECTIONS,
        site_sections=SITE_SECTIONS,
        availability_svg=availability_chart(report, periods) if any(s.services for s in report.sites) else "",
    )


def render_pdf(report: Report) -> bytes:
    """Return the HTML report printed to PDF with WeasyPrint."""
    import logging  # noqa: PLC0415

    from weasyprint import HTML  # noqa: PLC0415

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return bytes(HTML(string=render_html(report)).write_pdf())
