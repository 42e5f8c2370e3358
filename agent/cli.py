"""``esc-agent`` command line.

Exit codes: 0 success; 1 runtime failure (broker unreachable or refusing us);
2 configuration or usage error (one message naming the file, key and problem).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from agent.config import ENV_CONFIG, AgentConfig, ConfigError, load_agent_config
from agent.exceptions import AgentError

app = typer.Typer(
    name="esc-agent",
    help="ESC Fleet agent: host health and site devices, published over MQTT.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """ESC Fleet agent."""


ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", envvar=ENV_CONFIG, help="Agent TOML file.", show_default=False),
]
BrokerOption = Annotated[
    str | None,
    typer.Option("--broker", help="Override the broker: mqtt://HOST:PORT or mqtts://HOST:PORT."),
]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Log debug messages.")]


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"esc-agent: error: {message}", err=True)
    raise typer.Exit(code)


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _load(config: Path | None, broker: str | None) -> AgentConfig:
    try:
        return load_agent_config(config).with_broker(broker)
    except ConfigError as err:
        _fail(str(err), 2)


@app.command()
def run(config: ConfigOption = None, broker: BrokerOption = None, verbose: VerboseOption = False) -> None:
    """Run the agent until stopped (SIGTERM or Ctrl-C publish 'offline' first)."""
    from agent.runner import run_forever  # noqa: PLC0415

    cfg = _load(config, broker)
    _setup_logging(verbose)
    try:
        run_forever(cfg)
    except AgentError as err:
        _fail(str(err), 1)


@app.command()
def once(config: ConfigOption = None, broker: BrokerOption = None, verbose: VerboseOption = False) -> None:
    """Take one round of readings, publish them, wait for the broker's acknowledgements, exit."""
    from agent.runner import run_once  # noqa: PLC0415

    cfg = _load(config, broker)
    _setup_logging(verbose)
    try:
        sent = run_once(cfg)
    except AgentError as err:
        _fail(str(err), 1)
    typer.echo(f"published {sent} message(s) to {cfg.broker.address}")


@app.command()
def schema() -> None:
    """Print the JSON Schema of every message of the wire contract."""
    from agent.messages import json_schemas  # noqa: PLC0415

    typer.echo(json.dumps(json_schemas(), indent=2, sort_keys=True))


def main() -> None:
    """Entry point of the ``esc-agent`` console script."""
    app()
