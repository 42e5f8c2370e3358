"""Agent configuration: TOML validated once at load into frozen models."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from agent.messages import IDENT_PATTERN, BrokerAddress, BrokerSettings, ConfigError, load_toml

ENV_CONFIG = "ESC_AGENT_CONFIG"
ENV_STATE_DIR = "ESC_AGENT_STATE_DIR"

__all__ = ["AgentConfig", "ConfigError", "load_agent_config"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def default_state_dir() -> Path:
    """Return where the agent keeps its outbox when the config does not say."""
    if sys.platform == "win32":
        return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "esc-agent"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/var/lib/esc-agent")
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "esc-agent"


class AgentSection(_Section):
    site: Annotated[str, Field(pattern=IDENT_PATTERN)]
    id: Annotated[str, Field(pattern=IDENT_PATTERN)]
    state_dir: Path | None = None
    interval: float = Field(default=60.0, ge=1.0, le=3600.0)


class BrokerSection(BrokerSettings):
    connect_timeout: float = Field(default=10.0, gt=0, le=120)


class HostSection(_Section):
    enabled: bool = True
    mounts: tuple[str, ...] = Field(default=("/",), max_length=32)


class OutboxSection(_Section):
    max_messages: int = Field(default=20_000, ge=100, le=10_000_000)


class AgentConfig(_Section):
    agent: AgentSection
    broker: BrokerSection = BrokerSection()
    host: HostSection = HostSection()
    outbox: OutboxSection = OutboxSection()

    @property
    def state_dir(self) -> Path:
        """Return the state folder: the environment beats the file, which beats the default."""
        env = os.environ.get(ENV_STATE_DIR)
        if env:
            return Path(env)
        return self.agent.state_dir or default_state_dir()

    def with_broker(self, url: str | None) -> AgentConfig:
        """Return a copy whose broker URL is ``url`` (the ``--broker`` option), if given."""
        if url is None:
            return self
        try:
            BrokerAddress.parse(url)
        except ValueError as err:
            raise ConfigError(f"--broker: {err}") from None
        return self.model_copy(update={"broker": self.broker.model_copy(update={"url": url})})


def load_agent_config(path: Path | None) -> AgentConfig:
    """Load the agent configuration from ``path`` or ``$ESC_AGENT_CONFIG``."""
    if path is None:
        env = os.environ.get(ENV_CONFIG)
        if not env:
            raise ConfigError(f"no configuration: pass --config PATH or set {ENV_CONFIG}")
        path = Path(env)
    return load_toml(path, AgentConfig)
