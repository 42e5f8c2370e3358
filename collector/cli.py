"""``esc-collector`` command line.

Exit codes: 0 success; 1 runtime failure; 2 configuration or usage error.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Annotated, NoReturn

import typer

from collector.config import ENV_CONFIG, CollectorConfig, ConfigError, load_collector_config

app = typer.Typer(
    name="esc-collector",
    help="ESC Fleet collector: ingests agents' messages, exports /metrics, computes availability.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """ESC Fleet collector."""


ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", envvar=ENV_CONFIG, help="Collector TOML file.", show_default=False),
]


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"esc-collector: error: {message}", err=True)
    raise typer.Exit(code)


def _load(config: Path | None, *, broker: str | None = None, listen: str | None = None) -> CollectorConfig:
    try:
        return load_collector_config(config).with_overrides(broker=broker, listen=listen)
    except ConfigError as err:
        _fail(str(err), 2)


@app.command()
def run(
    config: ConfigOption = None,
    broker: Annotated[
        str | None,
        typer.Option("--broker", help="Override the broker: mqtt://HOST:PORT or mqtts://HOST:PORT."),
    ] = None,
    listen: Annotated[str | None, typer.Option("--listen", help="HTTP address HOST:PORT.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug messages.")] = False,
) -> None:
    """Run the collector: MQTT ingestion, /metrics and /healthz, until SIGTERM or Ctrl-C."""
    from collector.service import CollectorService  # noqa: PLC0415

    cfg = _load(config, broker=broker, listen=listen)
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    stop = threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        logging.getLogger(__name__).info("signal %d: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        service = CollectorService(cfg)
    except OSError as err:
        _fail(f"cannot listen on {cfg.collector.listen}: {err.strerror}", 1)
    except ConfigError as err:
        _fail(str(err), 2)
    service.start()
    typer.echo(f"esc-collector: serving {service.url}/metrics", err=True)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        service.stop()


sites_app = typer.Typer(help="Sites, opening hours and services (sites.toml).", no_args_is_help=True)
app.add_typer(sites_app, name="sites")


@sites_app.command("validate")
def sites_validate(
    file: Annotated[Path | None, typer.Option("--file", "-f", help="The sites.toml to check.")] = None,
    config: ConfigOption = None,
) -> None:
    """Check a sites file (or the one the collector config names); exit 2 with the problem."""
    from collector.sites import Calendar, load_sites, total  # noqa: PLC0415

    if file is None:
        cfg = _load(config)
        if cfg.sites.file is None:
            _fail("the collector configuration names no [sites] file; pass --file", 2)
        file = cfg.sites.file
    try:
        sites = load_sites(file)
    except ConfigError as err:
        _fail(str(err), 2)
    now = time.time()
    for site_id, site in sites.sites.items():
        week = total(Calendar(site).open_intervals(now, now + 7 * 86_400)) / 3600
        services = ", ".join(f"{name} ({s.min_usable}/{len(s.members)})" for name, s in site.services.items())
        typer.echo(f"{site_id}: {site.name}, {week:g} h open in the next 7 days; services: {services or '-'}")
    typer.echo(f"{file}: {len(sites.sites)} site(s), valid")


@app.command()
def demo(
    listen: Annotated[
        str, typer.Option("--listen", help="HTTP address of the collector.")
    ] = "127.0.0.1:9780",
    embedded_broker: Annotated[
        bool,
        typer.Option("--embedded-broker", help="Use the embedded broker even where Mosquitto is installed."),
    ] = False,
) -> None:
    """Run a demo site on this machine: broker, collector and an agent, until Ctrl-C."""
    from collector.demo import run_demo  # noqa: PLC0415

    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    try:
        run_demo(listen=listen, embedded_broker=embedded_broker, out=typer.echo)
    except OSError as err:
        _fail(f"demo: {err}", 1)


def main() -> None:
    """Entry point of the ``esc-collector`` console script."""
    app()
