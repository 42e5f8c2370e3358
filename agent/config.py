"""Agent configuration: TOML validated once at load into frozen structs (annotated sample: ``sample.toml``)."""

from __future__ import annotations

import ipaddress
import os
import re
import sys
from pathlib import Path
from typing import Annotated, Literal

import msgspec

from agent.contract.messages import IDENT_PATTERN
from agent.shared.broker import BrokerSettings, with_url
from agent.shared.config import ConfigError, Section, load_toml

ENV_CONFIG = "ESC_AGENT_CONFIG"
ENV_STATE_DIR = "ESC_AGENT_STATE_DIR"

__all__ = ["AgentConfig", "ConfigError", "load_agent_config"]

Ident = Annotated[str, msgspec.Meta(pattern=IDENT_PATTERN)]
Name = Annotated[str, msgspec.Meta(max_length=128)]


def default_state_dir() -> Path:
    """Return where the agent keeps its outbox when the config does not say."""
    if sys.platform == "win32":
        return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "esc-agent"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/var/lib/esc-agent")
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "esc-agent"


class AgentSection(Section, frozen=True, kw_only=True):
    """``[agent]``: who this agent is."""

    site: Ident
    id: Ident
    state_dir: Path | None = None
    interval: Annotated[float, msgspec.Meta(ge=1.0, le=3600.0)] = 60.0


class BrokerSection(BrokerSettings, frozen=True, kw_only=True):
    """``[broker]``: the shared settings plus how long ``once`` waits."""

    connect_timeout: Annotated[float, msgspec.Meta(gt=0, le=120)] = 10.0


class HostSection(Section, frozen=True, kw_only=True):
    """``[host]``: host health readings."""

    enabled: bool = True
    mounts: Annotated[tuple[str, ...], msgspec.Meta(max_length=32)] = ("/",)


class DevicesSection(Section, frozen=True, kw_only=True):
    """``[devices]``: how printers and scanners are polled and judged."""

    interval: Annotated[float, msgspec.Meta(ge=5.0, le=3600.0)] = 60.0
    unreachable_after: Annotated[int, msgspec.Meta(ge=1, le=100)] = 3
    max_in_flight: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 32
    toner_low_percent: Annotated[float, msgspec.Meta(ge=0, le=100)] = 15.0
    waste_almost_full_percent: Annotated[float, msgspec.Meta(ge=0, le=100)] = 90.0
    paper_low_percent: Annotated[float, msgspec.Meta(ge=0, le=100)] = 10.0
    paper_alerts: bool = True


class SnmpEntry(Section, frozen=True, kw_only=True):
    """A device read over SNMP v2c or v3: what ``[[printers]]`` and ``[[network]]`` entries share."""

    id: Ident
    name: Name | None = None
    host: Annotated[str, msgspec.Meta(min_length=1, max_length=253)]
    port: Annotated[int, msgspec.Meta(ge=1, le=65535)] = 161
    version: Literal["2c", "3"] = "2c"
    community: Annotated[str, msgspec.Meta(min_length=1, max_length=128)] | None = None
    v3_user: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None
    v3_auth_key: Annotated[str, msgspec.Meta(min_length=8, max_length=128)] | None = None
    v3_priv_key: Annotated[str, msgspec.Meta(min_length=8, max_length=128)] | None = None
    v3_auth_protocol: Literal["SHA", "SHA256", "SHA512", "MD5"] = "SHA"
    v3_priv_protocol: Literal["AES", "AES256", "DES"] = "AES"
    v3_context: Annotated[str, msgspec.Meta(max_length=64)] = ""
    timeout: Annotated[float, msgspec.Meta(gt=0, le=30)] = 2.0
    retries: Annotated[int, msgspec.Meta(ge=0, le=5)] = 1

    def __post_init__(self) -> None:
        """Each SNMP version needs its credentials."""
        if self.version == "2c" and not self.community:
            raise ValueError("SNMP v2c needs 'community'")
        if self.version == "3" and not self.v3_user:
            raise ValueError("SNMP v3 needs 'v3_user'")

    def __repr__(self) -> str:
        """Never show secrets (communities and keys) in logs."""
        return f"{type(self).__name__}({self.id}, {self.host}:{self.port}, v{self.version})"


class PrinterEntry(SnmpEntry, frozen=True, kw_only=True):
    """One ``[[printers]]`` entry: a printer or MFP read over SNMP v2c or v3, over IPP, or both."""

    #: What the device offers; by default "print", plus "scan" when it lists a scanner unit.
    functions: Annotated[tuple[Literal["print", "scan"], ...], msgspec.Meta(min_length=1)] | None = None
    #: The printer's IPP address (``ipp://host[:port]/path``, ``ipps://`` over TLS): read when SNMP
    #: is not configured (no ``community``/``v3_user``) or does not answer.
    ipp: Annotated[str, msgspec.Meta(pattern=r"^ipps?://[^/\s]+(/\S*)?$", max_length=512)] | None = None
    #: The raw print port (JetDirect, 9100): when neither SNMP nor IPP answers but it accepts a
    #: connection, the printer is asleep, not unreachable (0: never tried). Nothing is sent to it.
    raw_port: Annotated[int, msgspec.Meta(ge=0, le=65535)] = 9100

    @property
    def snmp(self) -> bool:
        """Return whether the printer is read over SNMP (its credentials are given)."""
        return bool(self.community) if self.version == "2c" else bool(self.v3_user)

    def __post_init__(self) -> None:
        """Each SNMP version needs its credentials, unless the printer is read over IPP only."""
        if self.ipp is None or self.snmp:
            super().__post_init__()


InterfaceName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class NetworkEntry(SnmpEntry, frozen=True, kw_only=True):
    """One ``[[network]]`` entry: an access point, Wi-Fi controller or router read over SNMP.

    Interfaces are named as the device names them (``ifName``, else ``ifDescr``). The device
    offers the ``wifi`` function when ``wifi_interfaces`` are declared: it is down when all of
    them are down, or when the ``uplink`` is.
    """

    wifi_interfaces: Annotated[tuple[InterfaceName, ...], msgspec.Meta(max_length=16)] = ()
    uplink: InterfaceName | None = None
    interfaces: Annotated[tuple[InterfaceName, ...], msgspec.Meta(max_length=16)] = ()


SiteName = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,42}$")]


class SiteEntry(Section, frozen=True, kw_only=True):
    """One administrative site the probes reach over HTTPS (function ``site_<name>``)."""

    name: SiteName
    url: Annotated[str, msgspec.Meta(pattern=r"^https://[^/\s:]+(:[0-9]{1,5})?(/\S*)?$", max_length=512)]
    label: Name | None = None
    method: Literal["GET", "HEAD"] = "GET"


class WifiLoggingSection(Section, frozen=True, kw_only=True):
    """``[probes.wifi_logging]``: where the public Wi-Fi's connection logging shows its health.

    ``url``: an HTTP(S) status endpoint of the hotspot or portal, healthy when it answers 2xx
    (and contains ``expect``, when given; the answer is never published). ``syslog``: the
    ``host:port`` of the syslog server the hotspot logs to over TCP, healthy when it accepts
    connections. One of the two.
    """

    url: Annotated[str, msgspec.Meta(pattern=r"^https?://", max_length=512)] | None = None
    expect: Annotated[str, msgspec.Meta(min_length=1, max_length=128)] | None = None
    syslog: Annotated[str, msgspec.Meta(pattern=r"^[^\s:]+:[0-9]{1,5}$", max_length=260)] | None = None
    timeout: Annotated[float, msgspec.Meta(gt=0, le=30)] = 5.0

    def __post_init__(self) -> None:
        """Exactly one way of checking."""
        if (self.url is None) == (self.syslog is None):
            raise ValueError("give either 'url' or 'syslog'")
        if self.expect is not None and self.url is None:
            raise ValueError("'expect' goes with 'url'")


class ProbesSection(Section, frozen=True, kw_only=True):
    """``[probes]``: the internet link and the administrative sites, probed by the agent itself."""

    interval: Annotated[float, msgspec.Meta(ge=30.0, le=86_400.0)] = 300.0
    device: Ident = "internet"
    name: Name | None = "l'accès internet"
    #: The gateway's address, "auto" (Linux: the default route's) or "none".
    gateway: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] = "auto"
    gateway_ports: Annotated[
        tuple[Annotated[int, msgspec.Meta(ge=1, le=65535)], ...], msgspec.Meta(min_length=1, max_length=8)
    ] = (53, 80, 443)
    #: A DNS server ("host" or "host:port"); by default the system resolver.
    dns_server: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None
    #: Names resolved besides the sites' hosts.
    dns_names: Annotated[tuple[Annotated[str, msgspec.Meta(min_length=1, max_length=253)], ...],
                         msgspec.Meta(max_length=16)] = ()  # fmt: skip
    #: The sites; by default, on a kiosk, the domains of its lockdown policy's [browser] allowed_sites.
    sites: Annotated[tuple[SiteEntry, ...], msgspec.Meta(max_length=32)] | None = None
    ca_file: Path | None = None
    timeout: Annotated[float, msgspec.Meta(gt=0, le=30)] = 5.0
    #: A failed site is tried again this many times in the same round before it counts.
    retries: Annotated[int, msgspec.Meta(ge=0, le=3)] = 1
    wifi_logging: WifiLoggingSection | None = None

    def __post_init__(self) -> None:
        """Site names are unique; the gateway and the DNS server are addresses (or host names)."""
        names = [s.name for s in self.sites or ()]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"site names must be unique, repeated: {', '.join(repeated)}")
        if self.gateway not in ("auto", "none") and not _is_host(self.gateway):
            raise ValueError(f"gateway: an address, 'auto' or 'none', got {self.gateway!r}")
        if self.dns_server is not None:
            host, _, port = (
                self.dns_server.rpartition(":")
                if self.dns_server.count(":") == 1
                else (self.dns_server, "", "")
            )
            if not _is_host(host or self.dns_server) or (
                port and not (port.isdigit() and 0 < int(port) < 65536)
            ):
                raise ValueError(f"dns_server: 'host' or 'host:port', got {self.dns_server!r}")


_HOST_NAME = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)


def _is_host(value: str) -> bool:
    """Return whether ``value`` is an IP address or a host name."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return bool(_HOST_NAME.fullmatch(value)) and not value.replace(".", "").isdigit()
    return True


class ScannerEntry(Section, frozen=True, kw_only=True):
    """One ``[[scanners]]`` entry: a stand-alone network scanner read through eSCL."""

    id: Ident
    name: Name | None = None
    url: Annotated[str, msgspec.Meta(pattern=r"^https?://", max_length=512)]
    timeout: Annotated[float, msgspec.Meta(gt=0, le=30)] = 3.0


class LockdownSection(Section, frozen=True, kw_only=True):
    """``[lockdown]``: the kiosk's lockdown policy and how often it is checked."""

    policy: Path
    baseline: Path | None = None
    root: Path = Path("/")
    interval: Annotated[float, msgspec.Meta(ge=5.0, le=3600.0)] = 60.0
    publish_every: Annotated[float, msgspec.Meta(ge=10.0, le=86_400.0)] = 300.0


class OutboxSection(Section, frozen=True, kw_only=True):
    """``[outbox]``: the durable queue's bound."""

    max_messages: Annotated[int, msgspec.Meta(ge=100, le=10_000_000)] = 20_000


class AgentConfig(Section, frozen=True, kw_only=True):
    """The whole agent configuration file."""

    agent: AgentSection
    broker: BrokerSection = msgspec.field(default_factory=BrokerSection)
    host: HostSection = msgspec.field(default_factory=HostSection)
    outbox: OutboxSection = msgspec.field(default_factory=OutboxSection)
    devices: DevicesSection = msgspec.field(default_factory=DevicesSection)
    lockdown: LockdownSection | None = None
    printers: Annotated[tuple[PrinterEntry, ...], msgspec.Meta(max_length=500)] = ()
    scanners: Annotated[tuple[ScannerEntry, ...], msgspec.Meta(max_length=500)] = ()
    network: Annotated[tuple[NetworkEntry, ...], msgspec.Meta(max_length=500)] = ()
    probes: ProbesSection | None = None

    def __post_init__(self) -> None:
        """Device ids are unique within one agent."""
        ids = [p.id for p in self.printers] + [s.id for s in self.scanners] + [n.id for n in self.network]
        ids += [self.probes.device] if self.probes is not None else []
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"device ids must be unique, repeated: {', '.join(duplicates)}")

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
        return msgspec.structs.replace(self, broker=with_url(self.broker, url))


def load_agent_config(path: Path | None) -> AgentConfig:
    """Load the agent configuration from ``path`` or ``$ESC_AGENT_CONFIG``."""
    if path is None:
        env = os.environ.get(ENV_CONFIG)
        if not env:
            raise ConfigError(f"no configuration: pass --config PATH or set {ENV_CONFIG}")
        path = Path(env)
    return load_toml(path, AgentConfig)
