"""Collector configuration: TOML validated once at load into frozen structs (annotated sample: ``sample.toml``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import msgspec

from agent.contract.messages import IDENT_PATTERN, MAX_PAYLOAD_BYTES, subscription
from agent.shared.broker import BrokerSettings, with_url
from agent.shared.config import ConfigError, Section, load_toml
from collector.passwords import parse_hash

ENV_CONFIG = "ESC_COLLECTOR_CONFIG"
ENV_STATE_DIR = "ESC_COLLECTOR_STATE_DIR"

__all__ = ["CollectorConfig", "ConfigError", "load_collector_config", "parse_listen"]

Duration = Annotated[str, msgspec.Meta(pattern=r"^\d+[smh]$")]
#: An http(s) URL with nothing a template or an HTML attribute would read as code.
StatusUrl = Annotated[str, msgspec.Meta(pattern=r"^https?://[^\s/{}<>\"']+(/[^\s{}<>\"']*)?$")]


def parse_listen(value: str) -> tuple[str, int]:
    """Parse ``HOST:PORT`` (``[::1]:PORT`` for IPv6); raise ``ValueError`` when malformed."""
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        msg = f"listen address must be HOST:PORT, got {value!r}"
        raise ValueError(msg)
    return host.strip("[]"), int(port)


class CollectorSection(Section, frozen=True, kw_only=True):
    """``[collector]``: this collector's name, HTTP address and staleness bound."""

    name: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_.-]{1,64}$")] = "main"
    listen: str = "127.0.0.1:9780"
    stale_after: Annotated[float, msgspec.Meta(ge=5.0, le=86_400.0)] = 180.0
    clock_tolerance: Annotated[float, msgspec.Meta(ge=1.0, le=86_400.0)] = 120.0
    #: Export the devices' polling diagnostics too (observers, last seen, poll duration, failures, raw errors).
    device_diagnostics: bool = False

    def __post_init__(self) -> None:
        """Refuse a malformed listen address at load time."""
        try:
            parse_listen(self.listen)
        except ValueError as err:
            raise ValueError(f"listen: {err}") from None


class BrokerSection(BrokerSettings, frozen=True, kw_only=True):
    """``[broker]``: the shared settings plus the topic filters."""

    topics: Annotated[tuple[str, ...], msgspec.Meta(min_length=1)] = ("esc/v1/#",)


def default_state_dir() -> Path:
    """Return where the collector keeps its history when the config does not say."""
    env = os.environ.get(ENV_STATE_DIR)
    if env:
        return Path(env)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/var/lib/esc-collector")
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "esc-collector"


class HistorySection(Section, frozen=True, kw_only=True):
    """``[history]``: where the SQLite history lives and how long it is kept."""

    path: Path | None = None
    retention_days: Annotated[int, msgspec.Meta(ge=1, le=36_500)] = 800

    @property
    def file(self) -> Path:
        """Return the history database path ($ESC_COLLECTOR_STATE_DIR wins over the default)."""
        return self.path or default_state_dir() / "history.sqlite3"


class SitesSection(Section, frozen=True, kw_only=True):
    """``[sites]``: the sites file, and the sites this collector holds when it is one shard of several."""

    file: Path | None = None
    #: Only these sites of the file (``docs/scaling.md``): the collector subscribes to their topics
    #: alone (``esc/v1/<site>/#``) and tracks, exports and pages them alone. Empty: every site.
    only: Annotated[
        tuple[Annotated[str, msgspec.Meta(pattern=IDENT_PATTERN)], ...], msgspec.Meta(max_length=10_000)
    ] = ()

    def __post_init__(self) -> None:
        """Refuse a site named twice."""
        twice = sorted({site for site in self.only if self.only.count(site) > 1})
        if twice:
            raise ValueError(f"only: {', '.join(twice)} listed more than once")


class AvailabilitySection(Section, frozen=True, kw_only=True):
    """``[availability]``: evaluation period and blip threshold."""

    evaluate_every: Annotated[float, msgspec.Meta(ge=0.5, le=300.0)] = 5.0
    blip_seconds: Annotated[float, msgspec.Meta(ge=0.0, le=3600.0)] = 120.0


class SuppliesSection(Section, frozen=True, kw_only=True):
    """``[supplies]``: the supplies' level history and their days-to-empty forecast (``collector.forecast``)."""

    #: A supply's reading is kept on change, else once per this many seconds.
    sample_every: Annotated[float, msgspec.Meta(ge=1.0, le=86_400.0)] = 3600.0
    #: Days of readings a cartridge needs before it is forecast.
    min_history_days: Annotated[float, msgspec.Meta(ge=0.0, le=365.0)] = 2.0
    #: Days back over which the pace is measured.
    window_days: Annotated[float, msgspec.Meta(gt=0.0, le=365.0)] = 28.0
    #: A level that has not dropped for this many days is « not used », not forecast.
    idle_days: Annotated[float, msgspec.Meta(gt=0.0, le=365.0)] = 21.0
    #: Hours an order notice stays out at most (it ends when the site closes).
    notice_hours: Annotated[float, msgspec.Meta(gt=0.0, le=168.0)] = 24.0


class AlertingSection(Section, frozen=True, kw_only=True):
    """``[alerting]``: what ``esc-collector alertmanager config`` writes."""

    smarthost: Annotated[str, msgspec.Meta(pattern=r"^[^\s:]+:\d+$")] = "localhost:25"
    sender: Annotated[str, msgspec.Meta(min_length=3)] = msgspec.field(
        name="from", default="esc-fleet@localhost"
    )
    require_tls: bool = True
    auth_username: str | None = None
    auth_password_file: Path | None = None
    technicians: Annotated[tuple[str, ...], msgspec.Meta(min_length=1)] = ("technicien@localhost",)
    templates: str = "/etc/prometheus/alertmanager_templates/*.tmpl"
    group_wait: Duration = "1m"
    group_interval: Duration = "15m"
    repeat_interval: Duration = "24h"
    technician_repeat_interval: Duration = "4h"
    #: Where the status pages are published (``https://supervision.example.org/esc``): e-mails link
    #: to ``<status_url>/site/<site id>``. No link when unset.
    status_url: StatusUrl | None = None


class LimitsSection(Section, frozen=True, kw_only=True):
    """``[limits]``: bounds on what one agent may send."""

    max_payload_bytes: Annotated[int, msgspec.Meta(ge=1024, le=16 * 1024 * 1024)] = MAX_PAYLOAD_BYTES
    max_devices_per_agent: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 64
    messages_per_second: Annotated[float, msgspec.Meta(gt=0, le=100_000)] = 20.0
    burst_messages: Annotated[float, msgspec.Meta(ge=1, le=10_000_000)] = 20_000.0


UserName = Annotated[str, msgspec.Meta(pattern=r"^[^:\s]{1,64}$")]


class HttpSection(Section, frozen=True, kw_only=True):
    """``[http]``: the HTTP server's limits and the optional status page accounts (``collector/web/server.py``)."""

    connection_limit: Annotated[int, msgspec.Meta(ge=16, le=65_536)] = 4096
    idle_timeout: Annotated[float, msgspec.Meta(ge=1.0, le=3600.0)] = 15.0
    threads: Annotated[int, msgspec.Meta(ge=1, le=64)] = 4
    max_header_bytes: Annotated[int, msgspec.Meta(ge=1024, le=1024 * 1024)] = 16 * 1024
    #: user name -> password hash (``esc-collector http hash-password``); empty: status pages open.
    status_users: dict[UserName, str] = msgspec.field(default_factory=dict)
    realm: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] = "ESC Fleet"

    def __post_init__(self) -> None:
        """Refuse a password hash that cannot be used, naming its user."""
        for user, text in self.status_users.items():
            try:
                parse_hash(text)
            except ValueError as err:
                raise ValueError(f"status_users: {user}: {err}") from None


class CollectorConfig(Section, frozen=True, kw_only=True):
    """The whole collector configuration file."""

    collector: CollectorSection = msgspec.field(default_factory=CollectorSection)
    broker: BrokerSection = msgspec.field(default_factory=BrokerSection)
    limits: LimitsSection = msgspec.field(default_factory=LimitsSection)
    history: HistorySection = msgspec.field(default_factory=HistorySection)
    sites: SitesSection = msgspec.field(default_factory=SitesSection)
    availability: AvailabilitySection = msgspec.field(default_factory=AvailabilitySection)
    alerting: AlertingSection = msgspec.field(default_factory=AlertingSection)
    supplies: SuppliesSection = msgspec.field(default_factory=SuppliesSection)
    http: HttpSection = msgspec.field(default_factory=HttpSection)

    def __post_init__(self) -> None:
        """Refuse topic filters of one's own next to ``[sites] only`` (which sets them)."""
        if self.sites.only and self.broker.topics != BrokerSection().topics:
            msg = "broker.topics: [sites] only subscribes to the sites' own topics: set one or the other"
            raise ValueError(msg)

    @property
    def subscriptions(self) -> tuple[str, ...]:
        """Return the topic filters to subscribe to: each site's of ``[sites] only``, else ``[broker] topics``."""
        if self.sites.only:
            return tuple(subscription(site) for site in self.sites.only)
        return self.broker.topics

    def with_overrides(self, *, broker: str | None = None, listen: str | None = None) -> CollectorConfig:
        """Return a copy with the ``--broker`` and ``--listen`` options applied."""
        config = self
        if broker is not None:
            config = msgspec.structs.replace(config, broker=with_url(config.broker, broker))
        if listen is not None:
            try:
                parse_listen(listen)
            except ValueError as err:
                raise ConfigError(f"--listen: {err}") from None
            config = msgspec.structs.replace(
                config, collector=msgspec.structs.replace(config.collector, listen=listen)
            )
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
        config = msgspec.structs.replace(
            config, sites=msgspec.structs.replace(config.sites, file=base / config.sites.file)
        )
    if config.history.path is not None and not config.history.path.is_absolute():
        history = msgspec.structs.replace(config.history, path=base / config.history.path)
        config = msgspec.structs.replace(config, history=history)
    return config
