"""Collector configuration: TOML validated once at load into frozen models."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent.messages import MAX_PAYLOAD_BYTES, BrokerAddress, BrokerSettings, ConfigError, load_toml

ENV_CONFIG = "ESC_COLLECTOR_CONFIG"
ENV_STATE_DIR = "ESC_COLLECTOR_STATE_DIR"

__all__ = ["CollectorConfig", "ConfigError", "load_collector_config", "parse_listen"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def parse_listen(value: str) -> tuple[str, int]:
    """Parse ``HOST:PORT`` (``[::1]:PORT`` for IPv6); raise ``ValueError`` when malformed."""
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        msg = f"listen address must be HOST:PORT, got {value!r}"
        raise ValueError(msg)
    return host.strip("[]"), int(port)


class CollectorSection(_Section):
    name: str = Field(default="main", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    listen: str = "127.0.0.1:9780"
    stale_after: float = Field(default=180.0, ge=5.0, le=86_400.0)

    @field_validator("listen")
    @classmethod
    def _valid_listen(cls, value: str) -> str:
        parse_listen(value)
        return value


class BrokerSection(BrokerSettings):
    topics: tuple[str, ...] = Field(default=("esc/v1/#",), min_length=1)


def default_state_dir() -> Path:
    """Return where the collector keeps its history when the config does not say."""
    env = os.environ.get(ENV_STATE_DIR)
    if env:
        return Path(env)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/var/lib/esc-collector")
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "esc-collector"


class HistorySection(_Section):
    path: Path | None = None
    retention_days: int = Field(default=800, ge=1, le=36_500)

    @property
    def file(self) -> Path:
        """Return the history database path ($ESC_COLLECTOR_STATE_DIR wins over the default)."""
        return self.path or default_state_dir() / "history.sqlite3"


class SitesSection(_Section):
    file: Path | None = None


class AvailabilitySection(_Section):
    evaluate_every: float = Field(default=5.0, ge=0.5, le=300.0)
    blip_seconds: float = Field(default=120.0, ge=0.0, le=3600.0)


class AlertingSection(_Section):
    smarthost: str = Field(default="localhost:25", pattern=r"^[^\s:]+:\d+$")
    sender: str = Field(default="esc-fleet@localhost", alias="from", min_length=3)
    require_tls: bool = True
    auth_username: str | None = None
    auth_password_file: Path | None = None
    technicians: tuple[str, ...] = Field(default=("technicien@localhost",), min_length=1)
    templates: str = "/etc/prometheus/alertmanager_templates/*.tmpl"
    group_wait: str = Field(default="1m", pattern=r"^\d+[smh]$")
    group_interval: str = Field(default="15m", pattern=r"^\d+[smh]$")
    repeat_interval: str = Field(default="24h", pattern=r"^\d+[smh]$")
    technician_repeat_interval: str = Field(default="4h", pattern=r"^\d+[smh]$")


class LimitsSection(_Section):
    max_payload_bytes: int = Field(default=MAX_PAYLOAD_BYTES, ge=1024, le=16 * 1024 * 1024)


class CollectorConfig(_Section):
    collector: CollectorSection = CollectorSection()
    broker: BrokerSection = BrokerSection()
    limits: LimitsSection = LimitsSection()
    history: HistorySection = HistorySection()
    sites: SitesSection = SitesSection()
    availability: AvailabilitySection = AvailabilitySection()
    alerting: AlertingSection = AlertingSection()

    def with_overrides(self, *, broker: str | None = None, listen: str | None = None) -> CollectorConfig:
        """Return a copy with the ``--broker`` and ``--listen`` options applied."""
        config = self
        if broker is not None:
            try:
                BrokerAddress.parse(broker)
            except ValueError as err:
                raise ConfigError(f"--broker: {err}") from None
            config = config.model_copy(update={"broker": config.broker.model_copy(update={"url": broker})})
        if listen is not None:
            try:
                parse_listen(listen)
            except ValueError as err:
                raise ConfigError(f"--listen: {err}") from None
            section = config.collector.model_copy(update={"listen": listen})
            config = config.model_copy(update={"collector": section})
        return config


def load_collector_config(path: Path | None) -> CollectorConfig:
    """Load the collector configuration from ``path`` or ``$ESC_COLLECTOR_CONFIG``."""
    if path is None:
        env = os.environ.get(ENV_CONFIG)
        if not env:
            raise ConfigError(f"no configuration: pass --config PATH or set {ENV_CONFIG}")
        path = Path(env)
    config = load_toml(path, CollectorConfig)
    # Relative paths in the file are relative to the file, not to the working directory.
    base = path.resolve().parent
    if config.sites.file is not None and not config.sites.file.is_absolute():
        config = config.model_copy(update={"sites": SitesSection(file=base / config.sites.file)})
    if config.history.path is not None and not config.history.path.is_absolute():
        history = config.history.model_copy(update={"path": base / config.history.path})
        config = config.model_copy(update={"history": history})
    return config
