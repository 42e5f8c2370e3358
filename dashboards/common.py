"""Shared pieces of the dashboards: the provisioned datasource, variables, panel helpers.

Metric names are spelled once, in ``collector.descriptions``; the queries here use them.
"""

from __future__ import annotations

from typing import Any

from grafanalib.core import (
    BarGauge,
    GridPos,
    Stat,
    Table,
    Target,
    Template,
    Templating,
    Threshold,
    TimeSeries,
)

from collector import descriptions as d

#: The Prometheus datasource provisioned by deploy/grafana/provisioning/datasources/esc.yml.
DATASOURCE: dict[str, str] = {"type": "prometheus", "uid": "esc-prometheus"}


def target(
    expr: str, legend: str = "", *, ref: str = "A", instant: bool = False, fmt: str = "time_series"
) -> Target:
    """One PromQL query of a panel."""
    return Target(
        expr=expr, legendFormat=legend, refId=ref, instant=instant, format=fmt, datasource=DATASOURCE
    )


def variable(name: str, label: str, query: str) -> Template:
    """A query variable (site, device, agent)."""
    return Template(
        name=name, label=label, query=query, dataSource=DATASOURCE, refresh=2, sort=1, includeAll=False
    )


def site_variable() -> Template:
    """The site selector."""
    return variable("site", "Site", f"label_values({d.SITE_OPEN.key}, site)")


def templating(*variables: Template) -> Templating:
    """The variables of a dashboard."""
    return Templating(list=list(variables))


def pos(x: int, y: int, w: int, h: int) -> GridPos:
    """Where a panel sits (24 columns)."""
    return GridPos(h=h, w=w, x=x, y=y)


def stat(title: str, expr: str, grid: GridPos, *, description: str, unit: str = "none",
         red_above: float | None = None) -> Stat:  # fmt: skip
    """A single number."""
    steps = [Threshold("green", 0, 0.0)]
    if red_above is not None:
        steps.append(Threshold("red", 1, float(red_above)))
    return Stat(title=title, description=description, dataSource=DATASOURCE, targets=[target(expr, instant=True)],
                gridPos=grid, format=unit, reduceCalc="lastNotNull", thresholds=steps, graphMode="none")  # fmt: skip


def table(title: str, expr: str, grid: GridPos, *, description: str, unit: str = "none") -> Table:
    """Current values as a table, one row per series."""
    return Table(title=title, description=description, dataSource=DATASOURCE,
                 targets=[target(expr, instant=True, fmt="table")], gridPos=grid, unit=unit)  # fmt: skip


def bars(
    title: str, expr: str, legend: str, grid: GridPos, *, description: str, unit: str = "percentunit"
) -> BarGauge:
    """Horizontal bars (levels, availability)."""
    return BarGauge(title=title, description=description, dataSource=DATASOURCE,
                    targets=[target(expr, legend, instant=True)], gridPos=grid, format=unit, min=0, max=1,
                    orientation="horizontal", displayMode="gradient",
                    thresholds=[Threshold("red", 0, 0.0), Threshold("orange", 1, 0.15), Threshold("green", 2, 0.5)])  # fmt: skip


def series(title: str, targets: list[Target], grid: GridPos, *, description: str, unit: str = "none",
           **extra: Any) -> TimeSeries:  # fmt: skip
    """Values over time."""
    return TimeSeries(title=title, description=description, dataSource=DATASOURCE, targets=targets, gridPos=grid,
                      unit=unit, **extra)  # fmt: skip
