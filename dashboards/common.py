"""Shared pieces of the dashboards: the datasource, variables, links between dashboards, panel shapes.

Metric names are spelled once, in ``collector.descriptions``; the queries use them. Panels are
written as Grafana 11 JSON (``fieldConfig`` with value mappings, overrides and data links,
``organize`` transformations), which grafanalib's older panel classes do not all emit: one
small :class:`Panel` class carries them, grafanalib still assembles the dashboard.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import attr
import msgspec
from grafanalib import core
from grafanalib.core import DashboardLink, GridPos, Target, Template, Templating, Time

from agent.contract import french
from collector import descriptions as d
from collector.report.wording import WARN_MARGIN
from collector.sites import DEFAULT_TARGET, Site
from dashboards import words

#: The Prometheus datasource provisioned by deploy/grafana/provisioning/datasources/esc.yml.
DATASOURCE: dict[str, str] = {"type": "prometheus", "uid": "esc-prometheus"}
#: Grafana 11's dashboard schema (deploy/compose.yml runs grafana-oss 11.2): no migration rewrites our panels.
SCHEMA_VERSION: Final = 39
TAGS: Final = ["esc-fleet"]
#: Columns no technician needs: Prometheus's own labels, the query's time and the value of a state set (always 1).
RAW_COLUMNS: Final = ("Time", "Value", "__name__", "job", "instance")

Json = dict[str, Any]


# --------------------------------------------------------------------------- dashboards and links


@dataclass(frozen=True)
class Board:
    """One dashboard: its uid, the title of the links to it, the variables it takes."""

    uid: str
    link: str
    variables: tuple[str, ...] = ()


BOARDS: Final[Mapping[str, Board]] = {
    "overview": Board("esc-overview", "Vue d'ensemble"),
    "site": Board("esc-site", "Un site", ("site",)),
    "printer": Board("esc-printer", "Une imprimante", ("site", "device")),
    "pc": Board("esc-pc", "Un poste", ("site", "agent")),
    "incidents": Board("esc-incidents", "Incidents en cours"),
    "health": Board("esc-health", "Santé du collecteur"),
}


def url(board: str, values: Mapping[str, str], *, time: bool = True) -> str:
    """Return the address of a dashboard with its variables set (``values``: variable → ``${...}``)."""
    target = BOARDS[board]
    params = [f"var-{name}={values[name]}" for name in target.variables if name in values]
    if time:
        params.append("${__url_time_range}")
    return f"/d/{target.uid}" + ("?" + "&".join(params) if params else "")


def dashboard_links(current: str) -> list[DashboardLink]:
    """Return the links from one dashboard to every other, carrying the variables they share."""
    mine = BOARDS[current].variables
    return [
        DashboardLink(
            type="link", title=board.link, uri=url(name, {v: f"${{{v}}}" for v in mine}, time=False),
            icon="dashboard", keepTime=True, includeVars=False, tooltip=f"Ouvrir « {board.link} »",
        )
        for name, board in BOARDS.items()
        if name != current
    ]  # fmt: skip


def data_link(title: str, board: str, values: Mapping[str, str]) -> Json:
    """Return a data link (a click on a value, a bar, a cell) to another dashboard."""
    return {"title": title, "url": url(board, values), "targetBlank": False}


def assemble(name: str, *, title: str, description: str, time: str, panels: list[core.Panel],
              variables: Sequence[Template] = ()) -> core.Dashboard:  # fmt: skip
    """Assemble one dashboard, with its links to the others."""
    return core.Dashboard(
        title=title, uid=BOARDS[name].uid, description=description, tags=TAGS, timezone="browser",
        time=Time(time, "now"), templating=Templating(list=list(variables)), links=dashboard_links(name),
        panels=panels, schemaVersion=SCHEMA_VERSION, refresh="1m",
    ).auto_panel_ids()  # fmt: skip


# --------------------------------------------------------------------------- queries and variables


def target(
    expr: str, legend: str = "", *, ref: str = "A", instant: bool = False, fmt: str = "time_series"
) -> Target:
    """One PromQL query of a panel."""
    return Target(
        expr=expr, legendFormat=legend, refId=ref, instant=instant, format=fmt, datasource=DATASOURCE
    )


def variable(name: str, label: str, query: str, *, regex: str = "") -> Template:
    """A query variable (site, device, agent); ``regex`` may pick a ``value`` (the id) and a ``text`` (the name)."""
    return Template(name=name, label=label, query=query, regex=regex, dataSource=DATASOURCE, refresh=2, sort=1,
                    includeAll=False)  # fmt: skip


def site_variable() -> Template:
    """The site selector."""
    return variable("site", "Site", f"label_values({d.SITE_OPEN.key}, site)")


def named_variable(name: str, label: str, info: d.MetricDescription[Any], selector: str) -> Template:
    """A selector of devices or PCs listed by their names, valued by their ids (for the queries and links)."""
    return variable(name, label, f"query_result({info.key}{{{selector}}})",
                    regex=f'/{name}="(?<value>[^"]+)".*name="(?<text>[^"]+)"/')  # fmt: skip


def pos(x: int, y: int, w: int, h: int) -> GridPos:
    """Where a panel sits (24 columns)."""
    return GridPos(h=h, w=w, x=x, y=y)


# --------------------------------------------------------------------------- panels


@attr.s
class Panel(core.Panel):  # type: ignore[misc]
    """A Grafana 11 panel: its type, ``fieldConfig`` defaults and overrides, and options."""

    type: str = attr.ib(default="stat")
    defaults: Json = attr.ib(factory=dict)
    overrides: list[Json] = attr.ib(factory=list)
    options: Json = attr.ib(factory=dict)

    def to_json_data(self) -> Json:
        """Return the panel's JSON."""
        data: Json = self.panel_json(
            {"type": self.type, "options": self.options,
             "fieldConfig": {"defaults": self.defaults, "overrides": self.overrides}}
        )  # fmt: skip
        return data


def steps(*pairs: tuple[str, float | None]) -> Json:
    """Return absolute thresholds: ``(colour, from)`` pairs, the first one from ``None`` (−∞)."""
    return {"mode": "absolute", "steps": [{"color": colour, "value": value} for colour, value in pairs]}


#: Availability against the target, as the report colours it: green from the target, orange up to
#: ``WARN_MARGIN`` below, red further below (collector.report.wording.level).
AVAILABILITY_STEPS: Final = steps(
    (words.RED, None), (words.ORANGE, round(DEFAULT_TARGET - WARN_MARGIN, 6)), (words.GREEN, DEFAULT_TARGET)
)
#: How the availability panels state their colours (« objectif : 98 % »).
AVAILABILITY_LEGEND: Final = (
    f"Vert : objectif de {french.ratio(DEFAULT_TARGET, 0)} atteint (l'objectif par défaut de sites.toml) ; "
    f"orange : moins de {french.number(WARN_MARGIN * 100)} points en dessous ; rouge : plus bas."
)
#: Supplies and paper: red when nearly empty, orange when low.
LEVEL_STEPS: Final = steps((words.RED, None), (words.ORANGE, 0.15), (words.GREEN, 0.5))
NEUTRAL_STEPS: Final = steps((words.GREEN, None))
#: Counts (pages, sessions): one colour, no judgement.
COUNT_STEPS: Final = steps((words.BLUE, None))

#: The ordering lead time of a site that states none (``order_lead_days`` in sites.toml, in days).
ORDER_LEAD_DAYS: Final[int] = next(
    f.default for f in msgspec.structs.fields(Site) if f.name == "order_lead_days"
)
#: Days left are exported to a tenth (``collector.forecast.clamp_days``): the smallest step shown.
DAYS_STEP: Final = 0.1
#: Days until a supply is empty: red at the lead time or less (the order notice goes out then:
#: ``days <= order_lead_days``), orange up to twice the lead time, green beyond.
DAYS_LEFT_STEPS: Final = steps(
    (words.RED, None),
    (words.ORANGE, ORDER_LEAD_DAYS + DAYS_STEP),
    (words.GREEN, 2 * ORDER_LEAD_DAYS + DAYS_STEP),
)
#: How the days-left panels state their colours.
DAYS_LEFT_LEGEND: Final = (
    f"Rouge : {ORDER_LEAD_DAYS} jours ou moins, le délai de commande par défaut de sites.toml (il est temps de "
    "commander) ; orange : jusqu'au double ; vert : plus."
)
#: Days as the dashboards write them (« 12,5 j »).
DAYS_UNIT: Final = "suffix:j"  # Grafana puts the space in

#: The query of the previous period beside a usage figure (``refId`` B), in a paler blue.
PREVIOUS_REF: Final = "B"
PREVIOUS_OVERRIDE: Final[Json] = {
    "matcher": {"id": "byFrameRefID", "options": PREVIOUS_REF},
    "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": words.LIGHT_BLUE}}],
}
#: How the usage panels say what they compare.
PREVIOUS_LEGEND: Final = (
    f"En plus pâle, « {words.PREVIOUS_PERIOD} » : la même durée juste avant la période choisie (la semaine "
    "d'avant pour une semaine, le mois d'avant pour 30 jours)."
)


def _common(title: str, description: str, grid: GridPos, targets: list[Target]) -> Json:
    return {"title": title, "description": description, "gridPos": grid, "targets": targets,
            "dataSource": DATASOURCE, "maxDataPoints": None}  # fmt: skip


def _named(legend: str, period: str) -> str:
    return f"{legend} — {period}" if legend else period


def _periods(expr: str, legend: str, previous: str | None) -> tuple[list[Target], list[Json]]:
    """Return a panel's query, and the previous period's beside it (legends and colour) when given."""
    if previous is None:
        return [target(expr, legend, instant=True)], []
    return [
        target(expr, _named(legend, words.THIS_PERIOD), instant=True),
        target(previous, _named(legend, words.PREVIOUS_PERIOD), ref=PREVIOUS_REF, instant=True),
    ], [PREVIOUS_OVERRIDE]


def stat(title: str, expr: str, grid: GridPos, *, description: str, unit: str = "none",
         mappings: Sequence[Json] = (), thresholds: Json | None = None, legend: str = "",
         links: Sequence[Json] = (), red_from: float | None = None, no_value: str | None = None,
         decimals: int | None = None, previous: str | None = None) -> Panel:  # fmt: skip
    """A single value (or one per series, named by ``legend``), its words from ``mappings``.

    ``previous``: the same figure over the period before, shown beside it (« cette période » /
    « période précédente »).
    """
    if thresholds is None:
        thresholds = (
            steps((words.GREEN, None), (words.RED, red_from)) if red_from is not None else NEUTRAL_STEPS
        )
    defaults: Json = {"unit": unit, "mappings": list(mappings), "thresholds": thresholds,
                      "color": {"mode": "thresholds"}, "links": list(links)}  # fmt: skip
    if decimals is not None:
        defaults["decimals"] = decimals
    if no_value is None and mappings:
        no_value = french.SERVICE_STATES["unknown"]  # a silent member's fact is not measured
    if no_value is not None:
        defaults["noValue"] = no_value
    targets, overrides = _periods(expr, legend, previous)
    return Panel(
        type="stat", defaults=defaults, overrides=overrides, **_common(title, description, grid, targets),
        options={"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                 "colorMode": "background" if mappings else "value", "graphMode": "none", "justifyMode": "auto",
                 "orientation": "auto", "textMode": "value_and_name" if legend or previous else "value",
                 "wideLayout": True, "showPercentChange": False},
    )  # fmt: skip


@dataclass(frozen=True)
class Column:
    """A column of a table: the label (or ``Value``) it shows, its French header, mappings, link, unit."""

    name: str
    header: str = ""
    mappings: Sequence[Json] = ()
    links: Sequence[Json] = ()
    unit: str | None = None
    #: Colour the cell's background from its mapping (a state); else the text stays plain.
    coloured: bool = field(default=False)
    #: Colour the cell's text by these thresholds (a figure with a tolerance).
    thresholds: Json | None = None

    @property
    def title(self) -> str:
        """Return the French header (``words.HEADERS`` unless given)."""
        return self.header or words.HEADERS[self.name]


def table(title: str, expr: str, grid: GridPos, *, description: str, columns: Sequence[Column],
          metrics: Iterable[d.MetricDescription[Any]] = (), extra_labels: Iterable[str] = (),
          sort: str | None = None, only_shown: bool = False) -> Panel:  # fmt: skip
    """Current values as a table: one row per series, only ``columns`` shown, in order, under French headers.

    Every other label of ``metrics`` (and ``extra_labels``, those a query adds), Prometheus's own
    labels and the query's time are hidden by an ``organize`` transformation. ``only_shown`` first
    keeps the shown columns alone (``filterFieldsByName``), for series whose labels are open-ended
    (``ALERTS`` carries the labels of every rule's expression).
    """
    shown = [c.name for c in columns]
    hidden = dict.fromkeys([*RAW_COLUMNS, *(label for m in metrics for label in m.labels), *extra_labels])
    organize = {
        "excludeByName": {name: True for name in hidden if name not in shown},
        "indexByName": {name: index for index, name in enumerate(shown)},
        "renameByName": {c.name: c.title for c in columns},
        "includeByName": {},
    }
    overrides = []
    for column in columns:
        properties: list[Json] = []
        if column.mappings:
            properties.append({"id": "mappings", "value": list(column.mappings)})
        if column.coloured:
            properties.append(
                {"id": "custom.cellOptions", "value": {"type": "color-background", "mode": "basic"}}
            )
        if column.links:
            properties.append({"id": "links", "value": list(column.links)})
        if column.unit:
            properties.append({"id": "unit", "value": column.unit})
        if column.thresholds:
            properties.append({"id": "thresholds", "value": column.thresholds})
            properties.append({"id": "custom.cellOptions", "value": {"type": "color-text"}})
        if properties:
            overrides.append({"matcher": {"id": "byName", "options": column.title}, "properties": properties})
    return Panel(
        type="table", overrides=overrides,
        **_common(title, description, grid, [target(expr, instant=True, fmt="table")]),
        **{"transformations": [
            *([{"id": "filterFieldsByName", "options": {"include": {"names": shown}}}] if only_shown else []),
            {"id": "organize", "options": organize},
        ]},
        defaults={"unit": "none", "thresholds": NEUTRAL_STEPS, "color": {"mode": "thresholds"},
                  "custom": {"align": "auto", "cellOptions": {"type": "auto"}, "inspect": False}},
        options={"showHeader": True, "cellHeight": "sm", "footer": {"show": False, "reducer": ["sum"], "fields": ""},
                 "sortBy": [{"displayName": sort or columns[0].title, "desc": False}]},
    )  # fmt: skip


def bars(title: str, expr: str, legend: str, grid: GridPos, *, description: str, unit: str = "percentunit",
         thresholds: Json = LEVEL_STEPS, links: Sequence[Json] = (), maximum: float | None = 1,
         decimals: int = 1, previous: str | None = None) -> Panel:  # fmt: skip
    """Horizontal bars (levels, availability, counts), one per series, coloured by ``thresholds``.

    ``maximum`` is a full bar (``None``: the largest value shown, for counts). ``previous``: the
    same figures over the period before, as paler bars after this period's, on the same scale.
    """
    defaults: Json = {"unit": unit, "min": 0, "thresholds": thresholds, "color": {"mode": "thresholds"},
                      "mappings": [], "links": list(links), "decimals": decimals}  # fmt: skip
    if maximum is not None:
        defaults["max"] = maximum
    targets, overrides = _periods(expr, legend, previous)
    return Panel(
        type="bargauge", **_common(title, description, grid, targets),
        defaults=defaults, overrides=overrides,
        options={"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                 "orientation": "horizontal", "displayMode": "basic", "valueMode": "color", "showUnfilled": True,
                 "namePlacement": "auto", "sizing": "auto", "minVizHeight": 16, "minVizWidth": 8,
                 "maxVizHeight": 300},
    )  # fmt: skip


def series(title: str, targets: list[Target], grid: GridPos, *, description: str, unit: str = "none",
           thresholds: Json = NEUTRAL_STEPS, mappings: Sequence[Json] = (), links: Sequence[Json] = (),
           bars_: bool = False) -> Panel:  # fmt: skip
    """Values over time, one line per series named by its legend."""
    return Panel(
        type="timeseries", **_common(title, description, grid, targets),
        defaults={"unit": unit, "thresholds": thresholds, "mappings": list(mappings), "links": list(links),
                  "color": {"mode": "palette-classic"},
                  "custom": {"drawStyle": "bars" if bars_ else "line", "lineWidth": 1, "fillOpacity": 10,
                             "showPoints": "never", "spanNulls": False, "axisSoftMin": 0}},
        options={"legend": {"showLegend": True, "displayMode": "list", "placement": "bottom", "calcs": []},
                 "tooltip": {"mode": "multi", "sort": "none"}},
    )  # fmt: skip


def timeline(title: str, targets: list[Target], grid: GridPos, *, description: str, mappings: Sequence[Json],
             links: Sequence[Json] = (), by_series: Mapping[str, Sequence[Json]] | None = None) -> Panel:  # fmt: skip
    """States over time, one row per series (its legend), each state in its French word and colour.

    ``by_series`` gives other mappings to the series of a legend (two 1 / 0 facts in one panel).
    """
    overrides = [{"matcher": {"id": "byName", "options": legend}, "properties": [{"id": "mappings", "value": list(m)}]}
                 for legend, m in (by_series or {}).items()]  # fmt: skip
    return Panel(
        type="state-timeline", overrides=overrides, **_common(title, description, grid, targets),
        defaults={"mappings": list(mappings), "thresholds": steps((words.GREY, None)), "color": {"mode": "thresholds"},
                  "links": list(links), "custom": {"fillOpacity": 80, "lineWidth": 0}},
        options={"mergeValues": True, "showValue": "auto", "alignValue": "left", "rowHeight": 0.9,
                 "legend": {"showLegend": False, "displayMode": "list", "placement": "bottom"},
                 "tooltip": {"mode": "single", "sort": "none"}},
    )  # fmt: skip
