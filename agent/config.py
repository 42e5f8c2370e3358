"""Agent configuration: TOML validated once at load into frozen models."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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


class DevicesSection(_Section):
    interval: float = Field(default=60.0, ge=5.0, le=3600.0)
    unreachable_after: int = Field(default=3, ge=1, le=100)
    max_in_flight: int = Field(default=32, ge=1, le=1000)
    toner_low_percent: float = Field(default=15.0, ge=0, le=100)
    waste_almost_full_percent: float = Field(default=90.0, ge=0, le=100)
    paper_low_percent: float = Field(default=10.0, ge=0, le=100)
    paper_alerts: bool = True


class PrinterEntry(_Section):
    id: Annotated[str, Field(pattern=IDENT_PATTERN)]
    name: str | None = Field(default=None, max_length=128)
    host: str = Field(min_length=1, max_length=253)
    port: int = Field(default=161, ge=1, le=65535)
    version: Literal["2c", "3"] = "2c"
    community: str | None = Field(default=None, min_length=1, max_length=128)
    v3_user: str | None = Field(default=None, min_length=1, max_length=64)
    v3_auth_key: str | None = Field(default=None, min_length=8, max_length=128)
    v3_priv_key: str | None = Field(default=None, min_length=8, max_length=128)
    v3_auth_protocol: Literal["SHA", "SHA256", "SHA512", "MD5"] = "SHA"
    v3_priv_protocol: Literal["AES", "AES256", "DES"] = "AES"
    v3_context: str = Field(default="", max_length=64)
    timeout: float = Field(default=2.0, gt=0, le=30)
    retries: int = Field(default=1, ge=0, le=5)

    @model_validator(mode="after")
    def _credentials(self) -> PrinterEntry:
        if self.version == "2c" and not self.community:
            raise ValueError("SNMP v2c needs 'community'")
        if self.version == "3" and not self.v3_user:
            raise ValueError("SNMP v3 needs 'v3_user'")
        return self


class ScannerEntry(_Section):
    id: Annotated[str, Field(pattern=IDENT_PATTERN)]
    name: str | None = Field(default=None, max_length=128)
    url: str = Field(pattern=r"^https?://", max_length=512, description="eSCL root, e.g. http://host/eSCL")
    timeout: float = Field(default=3.0, gt=0, le=30)


class LockdownSection(_Section):
    policy: Path
    baseline: Path | None = None
    root: Path = Path("/")
    interval: float = Field(default=60.0, ge=5.0, le=3600.0)
    publish_every: float = Field(default=300.0, ge=10.0, le=86_400.0)


class OutboxSection(_Section):
    max_messages: int = Field(default=20_000, ge=100, le=10_000_000)


class AgentConfig(_Section):
    agent: AgentSection
    broker: BrokerSection = BrokerSection()
    host: HostSection = HostSection()
    outbox: OutboxSection = OutboxSection()
    devices: DevicesSection = DevicesSection()
    lockdown: LockdownSection | None = None
    printers: tuple[PrinterEntry, ...] = Field(default=(), max_length=500)
    scanners: tuple[ScannerEntry, ...] = Field(default=(), max_length=500)

    @model_validator(mode="after")
    def _unique_devices(self) -> AgentConfig:
        ids = [p.id for p in self.printers] + [s.id for s in self.scanners]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"device ids must be unique, repeated: {', '.join(duplicates)}")
        return self

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
