"""``esc-collector dashboards``: the command group this package adds to the collector's CLI.

Registered through the ``esc_fleet.collector_commands`` entry point (``pyproject.toml``), so the
collector never imports the dashboards (they sit above it and read its metric descriptions).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Grafana dashboards (grafanalib sources in dashboards/).", no_args_is_help=True)


@app.command("build")
def build(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the JSON files.")],
) -> None:
    """Write every dashboard's JSON, deterministically (same sources, same bytes)."""
    try:
        from dashboards.build import build as build_all  # noqa: PLC0415 - grafanalib only for this command
    except ImportError as err:
        typer.echo(
            f"esc-collector: error: dashboards need grafanalib: pip install 'esc-fleet[dashboards]' ({err})",
            err=True,
        )
        raise typer.Exit(1) from None
    for path in build_all(out):
        typer.echo(str(path))
