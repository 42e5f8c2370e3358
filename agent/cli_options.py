"""What the agent's command modules share (:mod:`agent.cli`, :mod:`agent.probes.cli`): the config option, loading it.

Typer and all: the installed entry point (:mod:`agent.main`) imports this only for commands other
than ``run`` and ``once``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from agent import PROG
from agent.config import ENV_CONFIG, AgentConfig, ConfigError, load_agent_config
from agent.shared import cli

__all__ = ["ConfigOption", "fail", "load"]

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", envvar=ENV_CONFIG, help="Agent TOML file.", show_default=False),
]


def fail(message: str, code: int) -> NoReturn:
    """Print ``esc-agent: error: <message>`` on stderr and exit with ``code``."""
    cli.fail(PROG, message, code)


def load(config: Path | None) -> AgentConfig:
    """Load the agent configuration; exit 2 on a configuration error."""
    try:
        return load_agent_config(config)
    except ConfigError as err:
        fail(str(err), 2)
