"""The wire contract between agents and the collector (MQTT topics and JSON payloads).

This is the only module of ``agent`` that the collector imports. Everything that crosses
the broker is defined here, once: topic names, the envelope, the typed bodies, the size
limit, and the rejection reasons a receiver counts.

Topic layout::

    esc/v1/<site>/<agent>/status              retained; birth "online", Last Will "offline"
    esc/v1/<site>/<agent>/host                host health of the PC running the agent
    esc/v1/<site>/<agent>/device/<device>     one polled printer or scanner

A worked example of a host message (``esc/v1/maurepas/accueil-pc1/host``)::

    {"v": 1, "site": "maurepas", "agent": "accueil-pc1", "seq": 42,
     "ts": "2026-11-29T14:00:00Z", "kind": "host",
     "body": {"os": "Linux", "boot_time": 1764400000.0, "uptime_seconds": 3600.0, ...}}

``seq`` is per agent, monotonic and persisted across restarts, so that a receiver can be
idempotent on ``(agent, seq)``: a message replayed after an outage is harmless.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
)

SCHEMA_VERSION = 1
TOPIC_ROOT = "esc/v1"
#: A payload larger than this is rejected unread (a printer status is ~5 kB).
MAX_PAYLOAD_BYTES = 256 * 1024
#: Identifiers of sites, agents and devices: they are MQTT topic levels and Prometheus
#: label values, so they stay short, lowercase and free of MQTT wildcards.
IDENT_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,62}$"
_IDENT_RE = re.compile(IDENT_PATTERN)

Ident = Annotated[str, Field(pattern=IDENT_PATTERN)]


class Kind(StrEnum):
    """The kinds of message an agent publishes."""

    STATUS = "status"
    HOST = "host"
    DEVICE = "device"
    LOCKDOWN = "lockdown"


class RejectReason(StrEnum):
    """Why a receiver refused a message; a label of the collector's rejection counter."""

    OVERSIZED = "oversized"
    UNKNOWN_TOPIC = "unknown_topic"
    INVALID_JSON = "invalid_json"
    UNSUPPORTED_VERSION = "unsupported_version"
    INVALID_SCHEMA = "invalid_schema"
    TOPIC_MISMATCH = "topic_mismatch"


class MessageRejected(ValueError):
    """A message that does not follow the contract."""

    def __init__(self, reason: RejectReason, detail: str) -> None:
        """Keep the machine-readable reason apart from the human detail."""
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail


def check_ident(value: str, what: str = "identifier") -> str:
    """Return ``value`` if it is a valid site, agent or device identifier."""
    if not _IDENT_RE.fullmatch(value):
        msg = f"Invalid {what}: {value!r} (expected lowercase letters, digits, '.', '-', '_'; max 63)"
        raise ValueError(msg)
    return value


@dataclass(frozen=True, slots=True)
class Topic:
    """One topic of the contract, built and parsed in one place."""

    site: str
    agent: str
    kind: Kind
    device: str | None = None

    def __post_init__(self) -> None:
        """Validate every level, so that no invalid topic is ever published."""
        check_ident(self.site, "site")
        check_ident(self.agent, "agent")
        if (self.kind is Kind.DEVICE) != (self.device is not None):
            msg = f"Invalid topic: kind {self.kind.value} with device {self.device!r}"
            raise ValueError(msg)
        if self.device is not None:
            check_ident(self.device, "device")

    def __str__(self) -> str:
        """Return the MQTT topic string."""
        base = f"{TOPIC_ROOT}/{self.site}/{self.agent}/{self.kind.value}"
        return f"{base}/{self.device}" if self.device else base

    @classmethod
    def parse(cls, value: str) -> Topic:
        """Parse a topic string; raise ``ValueError`` when it is not one of ours."""
        parts = value.split("/")
        if len(parts) not in (5, 6) or "/".join(parts[:2]) != TOPIC_ROOT:
            msg = f"Invalid topic: {value}"
            raise ValueError(msg)
        try:
            kind = Kind(parts[4])
        except ValueError:
            msg = f"Invalid topic: unknown kind in {value}"
            raise ValueError(msg) from None
        return cls(parts[2], parts[3], kind, parts[5] if len(parts) == 6 else None)


def subscription(site: str = "+") -> str:
    """Return the topic filter for every message of one site (or all sites)."""
    return f"{TOPIC_ROOT}/{site}/#"


# --------------------------------------------------------------------------- bodies


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StatusBody(_Model):
    """Liveness of an agent: birth, Last Will, clean stop.

    ``session`` grows by one at every (re)connection. A Will carries the session it was
    registered with, so a receiver ignores an ``offline`` whose session is older than the
    newest ``online`` it saw (the Will of a dead connection landing after the new birth).
    """

    state: Literal["online", "offline"]
    session: int = Field(ge=0)
    reason: Literal["birth", "clean_stop", "connection_lost"]
    agent_version: str | None = Field(default=None, max_length=64)


class DiskUsage(_Model):
    """Space on one configured mount point."""

    mount: str = Field(max_length=256)
    total_bytes: int = Field(ge=0)
    free_bytes: int = Field(ge=0)


class HostBody(_Model):
    """Health of the PC the agent runs on. Counts only: no user names, no paths of user files."""

    os: str = Field(max_length=64)
    os_release: str | None = Field(default=None, max_length=128)
    boot_time: float = Field(ge=0, description="Boot time, seconds since the Unix epoch.")
    uptime_seconds: float = Field(ge=0)
    cpu_count: int = Field(ge=1)
    cpu_usage_ratio: float = Field(ge=0, le=1, description="CPU busy share since the last reading.")
    load1: float | None = Field(
        default=None, ge=0, description="1-minute load average, where the OS has one."
    )
    memory_total_bytes: int = Field(ge=0)
    memory_available_bytes: int = Field(ge=0)
    disks: tuple[DiskUsage, ...] = Field(default=(), max_length=32)
    user_sessions: int = Field(ge=0, description="Number of open user sessions (counted, never named).")
    outbox_pending: int | None = Field(
        default=None, ge=0, description="Messages waiting in the agent's outbox."
    )
    outbox_dropped: int | None = Field(
        default=None,
        ge=0,
        description="Messages the agent dropped because its outbox was full, since it started.",
    )


# --------------------------------------------------------------------------- devices

DeviceState = Literal["ok", "degraded", "down", "unknown"]
SupplyState = Literal[
    "ok", "low", "empty", "almost_full", "full", "some_remaining", "unknown", "other", "invalid"
]
InputState = Literal["ok", "low", "empty", "some_remaining", "unknown", "other", "invalid"]
_Text = Annotated[str, Field(max_length=256)]


class Supply(_Model):
    """One row of prtMarkerSuppliesTable, normalised.

    ``raw_level``/``raw_max`` are the device's numbers as sent (negative values are the RFC 3805
    sentinels: -1 other, -2 unknown, -3 "at least one unit remains"). ``percent`` is
    ``raw_level / raw_max`` and exists only when both are real numbers: for a container it is
    what remains, for a receptacle that fills up (``receptacle``, e.g. a waste toner box) it
    is the free space left, per RFC 3805, and ``fill_percent`` says how full it is.
    """

    index: str = Field(max_length=32, description="Table index, e.g. '1.2'.")
    description: _Text
    type: str = Field(max_length=32)
    supply_class: Literal["consumed", "receptacle", "other"]
    unit: str = Field(max_length=32)
    colour: str | None = Field(default=None, max_length=32)
    raw_level: int | None
    raw_max: int | None
    percent: float | None = Field(ge=0, le=100)
    fill_percent: float | None = Field(default=None, ge=0, le=100)
    receptacle: bool = False
    marking: bool = Field(default=False, description="Toner/ink: printing stops when it is empty.")
    state: SupplyState


class PaperInput(_Model):
    """One paper tray (prtInputTable), normalised; ``manual`` trays never make the printer 'out of paper'."""

    index: str = Field(max_length=32)
    name: _Text
    media: str | None = Field(default=None, max_length=128)
    type: str | None = Field(default=None, max_length=48)
    raw_level: int | None
    raw_max: int | None
    percent: float | None = Field(ge=0, le=100)
    manual: bool = False
    state: InputState


class PrinterAlert(_Model):
    """One active row of prtAlertTable; a jam is code 8 (``jam``) with its location."""

    index: str = Field(max_length=32)
    code: int
    code_name: str = Field(max_length=64)
    severity: str = Field(max_length=32)
    group: str = Field(max_length=48)
    group_index: int | None = None
    location: int | None = None
    description: str | None = Field(default=None, max_length=256)


class SubUnit(_Model):
    """A unit of the device listed in hrDeviceTable (e.g. the scanner of an MFP)."""

    index: str = Field(max_length=32)
    description: _Text
    status: str = Field(max_length=32)


class PrinterStatus(_Model):
    """Everything the agent read from one printer or MFP over SNMP."""

    sys_descr: str | None = Field(default=None, max_length=512)
    sys_object_id: str | None = Field(default=None, max_length=256)
    sys_uptime_seconds: float | None = Field(default=None, ge=0)
    model: str | None = Field(default=None, max_length=256)
    serial: str | None = Field(default=None, max_length=128)
    printer_status: str | None = Field(default=None, max_length=32)
    device_status: str | None = Field(default=None, max_length=32)
    errors: tuple[str, ...] = Field(
        default=(), max_length=16, description="hrPrinterDetectedErrorState bits set."
    )
    supplies: tuple[Supply, ...] = Field(default=(), max_length=64)
    inputs: tuple[PaperInput, ...] = Field(default=(), max_length=64)
    alerts: tuple[PrinterAlert, ...] = Field(default=(), max_length=64)
    scanner_units: tuple[SubUnit, ...] = Field(default=(), max_length=16)
    page_count: int | None = Field(default=None, ge=0)
    problems: tuple[str, ...] = Field(default=(), max_length=32, description="Answers that made no sense.")


class ScannerStatus(_Model):
    """A stand-alone network scanner read through eSCL (``/eSCL/ScannerStatus``)."""

    make_and_model: str | None = Field(default=None, max_length=256)
    serial: str | None = Field(default=None, max_length=128)
    scanner_state: str = Field(
        max_length=32, description="pwg:State: Idle, Processing, Testing, Stopped, Down."
    )
    adf_state: str | None = Field(
        default=None, max_length=64, description="scan:AdfState, e.g. ScannerAdfJam."
    )


class Reason(_Model):
    """Why a device is not simply ``ok``: a machine-readable code, details and a French label."""

    code: str = Field(max_length=48)
    label: str = Field(max_length=256, description="In French, for the secretariat.")
    subject: str | None = Field(default=None, max_length=128, description="Which supply, tray or part.")
    severity: Literal["down", "degraded"] = Field(
        default="degraded", description="down: this reason alone makes the device unusable."
    )


class DeviceBody(_Model):
    """The observation of one printer or scanner by one agent."""

    device: Ident
    kind: Literal["printer", "scanner"]
    name: str | None = Field(
        default=None, max_length=128, description="Where it is, e.g. 'imprimante de l'accueil'."
    )
    reachable: bool
    consecutive_failures: int = Field(default=0, ge=0)
    poll_error: str | None = Field(default=None, max_length=256)
    poll_seconds: float | None = Field(default=None, ge=0)
    state: DeviceState
    label: str = Field(max_length=512, description="The state in French.")
    reasons: tuple[Reason, ...] = Field(default=(), max_length=64)
    printer: PrinterStatus | None = None
    scanner: ScannerStatus | None = None


class LockdownCheck(_Model):
    """The result of one lockdown check; evidence states configuration facts, never personal data."""

    id: str = Field(max_length=64)
    label: str = Field(max_length=256, description="In French.")
    severity: Literal["critical", "warning"]
    result: Literal["pass", "fail", "unknown"]
    evidence: tuple[Annotated[str, Field(max_length=200)], ...] = Field(default=(), max_length=8)


class LockdownBody(_Model):
    """A kiosk's lockdown integrity: every check of its policy."""

    profile: str = Field(max_length=64)
    intact: bool = Field(description="No check failed (unknown is not broken).")
    checks: tuple[LockdownCheck, ...] = Field(max_length=64)
    security_event: bool = Field(
        default=False, description="The lockdown just broke (was intact, or first result after start)."
    )


# --------------------------------------------------------------------------- envelope


class _Envelope(_Model):
    v: Literal[1] = 1  # SCHEMA_VERSION
    site: Ident
    agent: Ident
    seq: int = Field(ge=0, description="Per-agent, monotonic, persisted across restarts.")
    ts: AwareDatetime = Field(description="When the agent made the reading (UTC).")

    @field_validator("ts")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)


class StatusMessage(_Envelope):
    """Retained liveness message on ``.../status``."""

    kind: Literal["status"] = "status"
    body: StatusBody


class HostMessage(_Envelope):
    """Host health on ``.../host``."""

    kind: Literal["host"] = "host"
    body: HostBody


class DeviceMessage(_Envelope):
    """One device's observation on ``.../device/<device>``."""

    kind: Literal["device"] = "device"
    body: DeviceBody


class LockdownMessage(_Envelope):
    """A kiosk's lockdown results on ``.../lockdown``."""

    kind: Literal["lockdown"] = "lockdown"
    body: LockdownBody


Message = Annotated[
    StatusMessage | HostMessage | DeviceMessage | LockdownMessage, Field(discriminator="kind")
]
AnyMessage = StatusMessage | HostMessage | DeviceMessage | LockdownMessage
_MESSAGE_ADAPTER: TypeAdapter[AnyMessage] = TypeAdapter(Message)


def topic_of(message: AnyMessage) -> Topic:
    """Return the topic a message is published on."""
    device = message.body.device if isinstance(message, DeviceMessage) else None
    return Topic(message.site, message.agent, Kind(message.kind), device)


def encode(message: AnyMessage) -> bytes:
    """Serialise a message to its JSON payload (the single serialisation function)."""
    return message.model_dump_json().encode()


def decode(topic: str, payload: bytes, *, max_bytes: int = MAX_PAYLOAD_BYTES) -> AnyMessage:
    """Validate a received message against the contract.

    Raises:
        MessageRejected: with the reason a receiver counts; never any other exception.
    """
    if len(payload) > max_bytes:
        raise MessageRejected(RejectReason.OVERSIZED, f"{len(payload)} bytes > {max_bytes}")
    try:
        parsed_topic = Topic.parse(topic)
    except ValueError as err:
        raise MessageRejected(RejectReason.UNKNOWN_TOPIC, str(err)) from None
    try:
        raw = json.loads(payload)
    except (ValueError, RecursionError) as err:  # RecursionError: "[[[[..." nested too deep
        raise MessageRejected(RejectReason.INVALID_JSON, str(err)) from None
    if not isinstance(raw, dict):
        raise MessageRejected(RejectReason.INVALID_JSON, "payload is not a JSON object")
    if raw.get("v") != SCHEMA_VERSION:
        raise MessageRejected(RejectReason.UNSUPPORTED_VERSION, f"schema version {raw.get('v')!r}")
    try:
        message = _MESSAGE_ADAPTER.validate_json(payload, strict=True)
    except ValidationError as err:
        raise MessageRejected(RejectReason.INVALID_SCHEMA, describe_validation_error(err)) from None
    if topic_of(message) != parsed_topic:
        detail = f"envelope {message.site}/{message.agent}/{message.kind} published on {topic}"
        raise MessageRejected(RejectReason.TOPIC_MISMATCH, detail)
    return message


def json_schemas() -> dict[str, Any]:
    """Return the JSON Schema of every message, keyed by kind, for other implementers."""
    return {
        "schema_version": SCHEMA_VERSION,
        "topic": f"{TOPIC_ROOT}/<site>/<agent>/<kind>[/<device>]",
        "identifier_pattern": IDENT_PATTERN,
        "max_payload_bytes": MAX_PAYLOAD_BYTES,
        "messages": {
            "status": StatusMessage.model_json_schema(),
            "host": HostMessage.model_json_schema(),
            "device": DeviceMessage.model_json_schema(),
            "lockdown": LockdownMessage.model_json_schema(),
        },
    }


def now_utc() -> datetime:
    """Return the current time in UTC (the agent's clock stamps every message)."""
    return datetime.now(UTC)


# ------------------------------------------------- configuration helpers shared by both ends


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the file, key and problem."""


def describe_validation_error(err: ValidationError, *, limit: int = 5) -> str:
    """Return one line per problem: ``key.path: message``."""
    lines = []
    for item in err.errors()[:limit]:
        where = ".".join(str(p) for p in item["loc"]) or "(top level)"
        problem = item["msg"]
        if item["type"] == "extra_forbidden":
            problem = "unknown key"
        lines.append(f"{where}: {problem}")
    more = len(err.errors()) - limit
    if more > 0:
        lines.append(f"... and {more} more problem(s)")
    return "; ".join(lines)


M = TypeVar("M", bound=BaseModel)


def load_toml(path: Path, model: type[M]) -> M:
    """Read a TOML file into a validated model.

    Raises:
        ConfigError: naming the file and the offending key, for every kind of problem.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        msg = f"{path}: file not found"
        raise ConfigError(msg) from None
    except (OSError, UnicodeDecodeError) as err:
        msg = f"{path}: cannot read: {err}"
        raise ConfigError(msg) from None
    except tomllib.TOMLDecodeError as err:
        msg = f"{path}: not valid TOML: {err}"
        raise ConfigError(msg) from None
    try:
        return model.model_validate(data)
    except ValidationError as err:
        msg = f"{path}: {describe_validation_error(err)}"
        raise ConfigError(msg) from None


class BrokerSettings(BaseModel):
    """The ``[broker]`` section both ends share (each adds its own keys)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = "mqtts://localhost:8883"
    username: str | None = None
    password_file: Path | None = None
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    keepalive: int = Field(default=30, ge=5, le=600)

    @field_validator("url")
    @classmethod
    def _valid_url(cls, value: str) -> str:
        BrokerAddress.parse(value)
        return value

    @property
    def address(self) -> BrokerAddress:
        """Return the parsed broker address."""
        return BrokerAddress.parse(self.url)

    def apply_to(self, client: Any, *, default_username: str | None) -> None:
        """Set credentials, TLS and reconnect back-off on a paho ``Client``."""
        import ssl  # noqa: PLC0415

        username = self.username or default_username
        if username is not None:
            client.username_pw_set(username, self.read_password())
        if self.address.tls:
            client.tls_set(
                ca_certs=str(self.ca_file) if self.ca_file else None,
                certfile=str(self.cert_file) if self.cert_file else None,
                keyfile=str(self.key_file) if self.key_file else None,
                cert_reqs=ssl.CERT_REQUIRED,
            )
        client.reconnect_delay_set(1, 60)

    def read_password(self) -> str | None:
        """Return the password from ``password_file`` (never logged), or ``None``.

        Raises:
            ConfigError: when the file cannot be read.
        """
        if self.password_file is None:
            return None
        try:
            return self.password_file.read_text(encoding="utf-8").strip()
        except OSError as err:
            msg = f"cannot read the broker password file {self.password_file}: {err.strerror}"
            raise ConfigError(msg) from None


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    """Where the broker listens: ``mqtt://HOST:PORT`` or ``mqtts://HOST:PORT`` (TLS)."""

    host: str
    port: int
    tls: bool

    @classmethod
    def parse(cls, url: str) -> BrokerAddress:
        """Parse a broker URL; raise ``ValueError`` with a readable message."""
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts"):
            msg = f"broker URL must start with mqtt:// or mqtts://, got {url!r}"
            raise ValueError(msg)
        if not parts.hostname:
            msg = f"broker URL has no host: {url!r}"
            raise ValueError(msg)
        tls = parts.scheme == "mqtts"
        try:
            port = parts.port or (8883 if tls else 1883)
        except ValueError:
            msg = f"broker URL has an invalid port: {url!r}"
            raise ValueError(msg) from None
        if parts.path not in ("", "/") or parts.username or parts.password:
            msg = f"broker URL takes no path or credentials (use the config file): {url!r}"
            raise ValueError(msg)
        return cls(parts.hostname, port, tls)

    def __str__(self) -> str:
        """Return the URL form."""
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"
