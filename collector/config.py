"""Collector configuration: TOML validated once at load into frozen models."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent.messages import MAX_PAYLOAD_BYTES, BrokerAddress, BrokerSettings, ConfigError, load_toml

ENV_CONFIG = "ESC_COLLECTOR_CONFIG"

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


class LimitsSection(_Section):
    max_payload_bytes: int = Field(default=MAX_PAYLOAD_BYTES, ge=1024, le=16 * 1024 * 1024)


class CollectorConfig(_Section):
    collector: CollectorSection = CollectorSection()
    broker: BrokerSection = BrokerSection()
    limits: LimitsSection = LimitsSection()

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
    return load_toml(path, CollectorConfig)
