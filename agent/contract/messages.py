"""The wire contract between agents and the collector (MQTT topics and JSON payloads).

Everything that crosses the broker is defined here, once: topic names, the envelope, the typed
bodies, the bounds of every field, the size limit, and the rejection reasons a receiver counts.
Bodies are frozen msgspec structs: decoding validates types and bounds in one pass (no unknown
field, no out-of-range number, no naive time) and encoding is a single function.

Topic layout::

    esc/v1/<site>/<agent>/status              retained; birth "online", Last Will "offline"
    esc/v1/<site>/<agent>/host                host health of the PC running the agent
    esc/v1/<site>/<agent>/device/<device>     one printer, scanner, network device or the link
    esc/v1/<site>/<agent>/lockdown            a kiosk's lockdown checks

A worked example of a host message (``esc/v1/maurepas/accueil-pc1/host``)::

    {"v": 1, "kind": "host", "site": "maurepas", "agent": "accueil-pc1", "epoch": "k3v9x2",
     "seq": 42, "ts": "2026-11-29T14:00:00Z",
     "body": {"os": "Linux", "boot_time": 1764400000.0, "uptime_seconds": 3600.0, ...}}

``seq`` is per agent and per ``epoch`` (an identifier drawn when the agent's state folder is
created), monotonic and persisted across restarts, so that a receiver is idempotent on
``(agent, epoch, seq)``: a message replayed after an outage is harmless, and a reinstalled agent
(new epoch, ``seq`` from 0) is still heard.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Final, Literal

import msgspec

SCHEMA_VERSION: Final = 1
TOPIC_ROOT: Final = "esc/v1"
#: A payload larger than this is rejected unread (a printer status is ~5 kB).
MAX_PAYLOAD_BYTES: Final = 256 * 1024
#: Identifiers of sites, agents and devices: they are MQTT topic levels and Prometheus label
#: values, so they stay short, lowercase and free of MQTT wildcards.
IDENT_PATTERN: Final = r"^[a-z0-9][a-z0-9_.-]{0,62}(?!\n)$"
#: Reason codes and function names: lowercase words joined by underscores.
CODE_PATTERN: Final = r"^[a-z][a-z0-9_]{0,47}(?!\n)$"
#: An agent's install identifier (drawn once per state folder).
EPOCH_PATTERN: Final = r"^[a-z0-9]{1,32}(?!\n)$"
#: Largest ``seq`` and session counter: SQLite and Prometheus hold signed 64-bit integers.
MAX_COUNTER: Final = 2**63 - 1
#: Message instants further than this from the receiver's clock are refused outright
#: (a year: an outbox replay is days old at most; 2099 or year 1 is a broken clock).
TIME_WINDOW_SECONDS: Final = 366 * 86_400.0
_IDENT_RE = re.compile(IDENT_PATTERN)

Ident = Annotated[str, msgspec.Meta(pattern=IDENT_PATTERN)]
Code = Annotated[str, msgspec.Meta(pattern=CODE_PATTERN)]
Counter64 = Annotated[int, msgspec.Meta(ge=0, le=MAX_COUNTER)]
#: Sizes in bytes up to 1 EiB, durations up to ~300 years, epochs up to year 2200.
Bytes = Annotated[int, msgspec.Meta(ge=0, le=2**60)]
Seconds = Annotated[float, msgspec.Meta(ge=0, le=1e10)]
Epoch = Annotated[float, msgspec.Meta(ge=0, le=7.3e9)]
Ratio = Annotated[float, msgspec.Meta(ge=0, le=1)]
Percent = Annotated[float, msgspec.Meta(ge=0, le=100)]
Small = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
RawInt = Annotated[int, msgspec.Meta(ge=-3, le=2**31 - 1)]
Short = Annotated[str, msgspec.Meta(max_length=32)]
Text48 = Annotated[str, msgspec.Meta(max_length=48)]
Text64 = Annotated[str, msgspec.Meta(max_length=64)]
Text128 = Annotated[str, msgspec.Meta(max_length=128)]
Text200 = Annotated[str, msgspec.Meta(max_length=200)]
Text = Annotated[str, msgspec.Meta(max_length=256)]
Text512 = Annotated[str, msgspec.Meta(max_length=512)]


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
    INVALID_TIME = "invalid_time"
    TOPIC_MISMATCH = "topic_mismatch"


class MessageRejected(ValueError):
    """A message that does not follow the contract."""

    def __init__(self, reason: RejectReason, detail: str) -> None:
        """Keep the machine-readable reason apart from the human detail."""
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail


@functools.lru_cache(maxsize=4096)
def _is_ident(value: str) -> bool:
    # The same few identifiers come in every message's topic and envelope: judge each once.
    return _IDENT_RE.fullmatch(value) is not None


def check_ident(value: str, what: str = "identifier") -> str:
    """Return ``value`` if it is a valid site, agent or device identifier."""
    if not (_is_ident(value) if len(value) <= 64 else _IDENT_RE.fullmatch(value)):
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


class Body(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Base of every payload part: frozen, unknown fields refused, keyword-only."""


class StatusBody(Body, frozen=True, kw_only=True):
    """Liveness of an agent: birth, Last Will, clean stop.

    ``session`` grows by one at every (re)connection. A Will carries the session it was
    registered with, so a receiver ignores an ``offline`` whose session is older than the
    newest ``online`` it saw (the Will of a dead connection landing after the new birth).
    """

    state: Literal["online", "offline"]
    session: Counter64
    reason: Literal["birth", "clean_stop", "connection_lost"]
    agent_version: Annotated[str, msgspec.Meta(max_length=64)] | None = None


class DiskUsage(Body, frozen=True, kw_only=True):
    """Space on one configured mount point."""

    mount: Text
    total_bytes: Bytes
    free_bytes: Bytes


class HostBody(Body, frozen=True, kw_only=True):
    """Health of the PC the agent runs on. Counts only: no user names, no paths of user files."""

    os: Text64
    os_release: Text128 | None = None
    boot_time: Epoch
    uptime_seconds: Seconds
    cpu_count: Annotated[int, msgspec.Meta(ge=1, le=65_536)]
    cpu_usage_ratio: Ratio
    load1: Annotated[float, msgspec.Meta(ge=0, le=1e6)] | None = None
    memory_total_bytes: Bytes
    memory_available_bytes: Bytes
    disks: Annotated[tuple[DiskUsage, ...], msgspec.Meta(max_length=32)] = ()
    user_sessions: Small
    outbox_pending: Annotated[int, msgspec.Meta(ge=0, le=100_000_000)] | None = None
    outbox_dropped: Counter64 | None = None
    #: User sessions opened on the PC since ``session_starts_since`` (when the agent started
    #: counting): a count, never who. A receiver sums its increases; a new ``since`` starts over.
    session_starts_total: Counter64 | None = None
    session_starts_since: Epoch | None = None


# --------------------------------------------------------------------------- devices

DeviceState = Literal["ok", "degraded", "down", "unknown"]
SupplyState = Literal[
    "ok", "low", "empty", "almost_full", "full", "some_remaining", "unknown", "other", "invalid"
]
InputState = Literal["ok", "low", "empty", "some_remaining", "unknown", "other", "invalid"]
#: What a device offers; a service needs one of them (``print``, ``scan``).
Function = Code


class Supply(Body, frozen=True, kw_only=True):
    """One row of prtMarkerSuppliesTable, normalised.

    ``raw_level``/``raw_max`` are the device's numbers as sent (negative values are the RFC 3805
    sentinels: -1 other, -2 unknown, -3 "at least one unit remains"). ``percent`` is
    ``raw_level / raw_max`` and exists only when both are real numbers: for a container it is
    what remains, for a receptacle that fills up (``receptacle``, e.g. a waste toner box) it
    is the free space left, per RFC 3805, and ``fill_percent`` says how full it is.
    ``precision`` says how finely the device reports the level (see the field).
    """

    index: Short
    description: Text
    type: Short
    supply_class: Literal["consumed", "receptacle", "other"]
    unit: Short
    colour: Short | None = None
    raw_level: RawInt | None
    raw_max: RawInt | None
    percent: Percent | None
    fill_percent: Percent | None = None
    receptacle: bool = False
    marking: bool = False
    state: SupplyState
    #: How finely the device reports this level, as read from the device (``None``: no level to
    #: judge, e.g. -1/-2 or an unknown maximum). ``exact``: a number on a fine scale;
    #: ``coarse``: a few steps only (a maximum of 10 or less, Canon's 100/10/1 "three-staged"
    #: values, a vendor known to report 10 % steps, Ricoh's private "almost empty");
    #: ``presence``: only that some remains (-3) or a yes/no maximum of 1. A forecast must not
    #: invent digits the device does not have.
    precision: Literal["exact", "coarse", "presence"] | None = None

    @property
    def role(self) -> Literal["toner", "waste", "part"]:
        """Return what the supply is for people: toner/ink, a waste box, or another part."""
        return "toner" if self.marking else "waste" if self.receptacle else "part"


class PaperInput(Body, frozen=True, kw_only=True):
    """One paper tray (prtInputTable), normalised; ``manual`` trays never make the printer 'out of paper'."""

    index: Short
    name: Text
    media: Text128 | None = None
    type: Text48 | None = None
    raw_level: RawInt | None
    raw_max: RawInt | None
    percent: Percent | None
    manual: bool = False
    state: InputState


class PrinterAlert(Body, frozen=True, kw_only=True):
    """One active row of prtAlertTable; a jam is code 8 (``jam``) with its location."""

    index: Short
    code: Annotated[int, msgspec.Meta(ge=-(2**31), le=2**31 - 1)]
    code_name: Text64
    severity: Short
    group: Text48
    group_index: RawInt | None = None
    location: Annotated[int, msgspec.Meta(ge=-(2**31), le=2**31 - 1)] | None = None
    description: Text | None = None


class SubUnit(Body, frozen=True, kw_only=True):
    """A unit of the device listed in hrDeviceTable (e.g. the scanner of an MFP)."""

    index: Short
    description: Text
    status: Short


class PrinterStatus(Body, frozen=True, kw_only=True):
    """Everything the agent read from one printer or MFP over SNMP."""

    sys_descr: Text512 | None = None
    sys_object_id: Text | None = None
    sys_uptime_seconds: Seconds | None = None
    model: Text | None = None
    serial: Text128 | None = None
    printer_status: Short | None = None
    device_status: Short | None = None
    errors: Annotated[tuple[Short, ...], msgspec.Meta(max_length=16)] = ()
    supplies: Annotated[tuple[Supply, ...], msgspec.Meta(max_length=64)] = ()
    inputs: Annotated[tuple[PaperInput, ...], msgspec.Meta(max_length=64)] = ()
    alerts: Annotated[tuple[PrinterAlert, ...], msgspec.Meta(max_length=64)] = ()
    scanner_units: Annotated[tuple[SubUnit, ...], msgspec.Meta(max_length=16)] = ()
    page_count: Annotated[int, msgspec.Meta(ge=0, le=2**53)] | None = None
    problems: Annotated[tuple[Text200, ...], msgspec.Meta(max_length=32)] = ()
    #: The reading is partial (a table longer than the bounds, a walk cut midway): ``problems``
    #: says what; the device's state is then ``unknown``, never ``ok`` on what little was read.
    incomplete: bool = False


class ScannerStatus(Body, frozen=True, kw_only=True):
    """A stand-alone network scanner read through eSCL (``/eSCL/ScannerStatus``)."""

    make_and_model: Text | None = None
    serial: Text128 | None = None
    scanner_state: Short
    adf_state: Text64 | None = None


# --------------------------------------------------------------------------- network devices and the link

IfOperStatus = Literal["up", "down", "testing", "unknown", "dormant", "not_present", "lower_layer_down"]
IfAdminStatus = Literal["up", "down", "testing"]


class NetworkInterface(Body, frozen=True, kw_only=True):
    """One interface of an access point or router (IF-MIB ifTable and ifXTable).

    ``role`` says what the agent's configuration declares it to be: a Wi-Fi ``radio``, the
    ``uplink``, or another ``watched`` interface. Error counters are the device's own (Counter32
    or Counter64, wrapping): rates are for the receiver to compute.
    """

    index: Annotated[int, msgspec.Meta(ge=0, le=2**31 - 1)]
    name: Text64
    type: Annotated[int, msgspec.Meta(ge=0, le=100_000)] | None = None
    admin: IfAdminStatus | None = None
    oper: IfOperStatus | None = None
    speed_mbps: Annotated[int, msgspec.Meta(ge=0, le=100_000_000)] | None = None
    in_errors: Counter64 | None = None
    out_errors: Counter64 | None = None
    role: Literal["radio", "uplink", "watched"] | None = None


class NetworkStatus(Body, frozen=True, kw_only=True):
    """What the agent read from one access point, controller or router over SNMP.

    ``clients`` is a count of associated Wi-Fi stations where the vendor exposes one
    (``clients_source`` names the MIB object); never an address or a name. Declared interfaces
    come first in ``interfaces``; ``interfaces_total`` says how many the device has.
    """

    sys_descr: Text512 | None = None
    sys_object_id: Text | None = None
    uptime_seconds: Seconds | None = None
    interfaces: Annotated[tuple[NetworkInterface, ...], msgspec.Meta(max_length=64)] = ()
    interfaces_total: Small = 0
    missing_interfaces: Annotated[tuple[Text64, ...], msgspec.Meta(max_length=16)] = ()
    clients: Small | None = None
    clients_source: Text64 | None = None


class GatewayCheck(Body, frozen=True, kw_only=True):
    """Whether the site's gateway answered a TCP connection (accepted or refused) on one of its ports."""

    address: Text64
    answered: bool
    port: Annotated[int, msgspec.Meta(ge=1, le=65535)] | None = None
    seconds: Annotated[float, msgspec.Meta(ge=0, le=3600)] | None = None
    error: Text | None = None


class DnsCheck(Body, frozen=True, kw_only=True):
    """Resolution of the declared names: through the system resolver or a configured server."""

    server: Text64
    names: Small
    resolved: Small
    seconds: Annotated[float, msgspec.Meta(ge=0, le=3600)] | None = None
    error: Text | None = None


class SiteCheck(Body, frozen=True, kw_only=True):
    """One administrative site probed over HTTPS: name resolution, TCP, TLS, HTTP status.

    ``answered`` is true when the host answered at the network level (a connection accepted or
    refused): a link that works. The agent's own request only: nothing about visitors.
    """

    name: Code
    function: Code
    host: Text
    port: Annotated[int, msgspec.Meta(ge=1, le=65535)] = 443
    resolved: bool
    answered: bool
    connected: bool
    tls_ok: bool | None = None
    http_status: Annotated[int, msgspec.Meta(ge=100, le=599)] | None = None
    cert_days_left: Annotated[int, msgspec.Meta(ge=-100_000, le=100_000)] | None = None
    seconds: Annotated[float, msgspec.Meta(ge=0, le=3600)] | None = None
    error: Text | None = None


class LoggingCheck(Body, frozen=True, kw_only=True):
    """Health of the public Wi-Fi's connection logging, as its portal or syslog server shows it.

    A lockdown-like check: ``evidence`` states facts about the check (an HTTP status, a server
    that accepts connections), never a log line.
    """

    method: Literal["http", "syslog"]
    result: Literal["pass", "fail", "unknown"]
    evidence: Annotated[tuple[Text200, ...], msgspec.Meta(max_length=8)] = ()


class LinkStatus(Body, frozen=True, kw_only=True):
    """The internet link and the administrative sites as one agent's probes saw them."""

    gateway: GatewayCheck | None = None
    dns: DnsCheck | None = None
    sites: Annotated[tuple[SiteCheck, ...], msgspec.Meta(max_length=32)] = ()
    wifi_logging: LoggingCheck | None = None


class Reason(Body, frozen=True, kw_only=True):
    """Why a device is not simply ``ok``: a code of :mod:`agent.contract.reasons`, and details.

    ``label`` is the agent's French wording (a receiver that knows the code words it itself);
    ``severity`` and ``functions`` let a receiver that does not know a newer code still judge it.
    """

    code: Code
    label: Text
    subject: Text128 | None = None
    severity: Literal["down", "degraded"] = "degraded"
    functions: Annotated[tuple[Function, ...], msgspec.Meta(max_length=48)] = ()


class FunctionState(Body, frozen=True, kw_only=True):
    """The state of one function a device offers (an MFP prints and scans)."""

    function: Function
    state: DeviceState


class DeviceBody(Body, frozen=True, kw_only=True):
    """The observation of one device by one agent: a printer, a scanner, a network device, or the link.

    ``kind`` says which body part is filled: ``printer``, ``scanner``, ``network`` (an access
    point or router read over SNMP) or ``link`` (the internet link and the administrative sites,
    probed by the agent; one function per site).
    """

    device: Ident
    kind: Literal["printer", "scanner", "network", "link"]
    name: Text128 | None = None
    reachable: bool
    consecutive_failures: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] = 0
    poll_error: Text | None = None
    poll_seconds: Annotated[float, msgspec.Meta(ge=0, le=3600)] | None = None
    state: DeviceState
    label: Text512
    reasons: Annotated[tuple[Reason, ...], msgspec.Meta(max_length=64)] = ()
    functions: Annotated[tuple[FunctionState, ...], msgspec.Meta(max_length=48)] = ()
    printer: PrinterStatus | None = None
    scanner: ScannerStatus | None = None
    network: NetworkStatus | None = None
    link: LinkStatus | None = None

    def function_state(self, function: str) -> DeviceState:
        """Return the state of one function; a device that does not list it is judged whole."""
        for item in self.functions:
            if item.function == function:
                return item.state
        return self.state


class LockdownCheck(Body, frozen=True, kw_only=True):
    """The result of one lockdown check; evidence states configuration facts, never personal data."""

    id: Text64
    label: Text
    severity: Literal["critical", "warning"]
    result: Literal["pass", "fail", "unknown"]
    evidence: Annotated[tuple[Text200, ...], msgspec.Meta(max_length=8)] = ()


class LockdownBody(Body, frozen=True, kw_only=True):
    """A kiosk's lockdown integrity: every check of its policy."""

    profile: Text64
    intact: bool
    checks: Annotated[tuple[LockdownCheck, ...], msgspec.Meta(max_length=64)]
    security_event: bool = False


# --------------------------------------------------------------------------- envelope


class _Envelope(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True, tag_field="kind"):
    v: Literal[1]  # SCHEMA_VERSION
    site: Ident
    agent: Ident
    epoch: Annotated[str, msgspec.Meta(pattern=EPOCH_PATTERN)] | None = None
    seq: Counter64
    ts: Annotated[dt.datetime, msgspec.Meta(tz=True)]

    @property
    def kind(self) -> str:
        """Return the message kind (the tag of the union)."""
        return str(self.__struct_config__.tag)

    @property
    def timestamp(self) -> float:
        """Return ``ts`` as epoch seconds."""
        return self.ts.timestamp()


class StatusMessage(_Envelope, tag="status", frozen=True, kw_only=True):
    """Retained liveness message on ``.../status``."""

    body: StatusBody


class HostMessage(_Envelope, tag="host", frozen=True, kw_only=True):
    """Host health on ``.../host``."""

    body: HostBody


class DeviceMessage(_Envelope, tag="device", frozen=True, kw_only=True):
    """One device's observation on ``.../device/<device>``."""

    body: DeviceBody


class LockdownMessage(_Envelope, tag="lockdown", frozen=True, kw_only=True):
    """A kiosk's lockdown results on ``.../lockdown``."""

    body: LockdownBody


AnyMessage = StatusMessage | HostMessage | DeviceMessage | LockdownMessage
MESSAGE_TYPES: Final = {Kind.STATUS: StatusMessage, Kind.HOST: HostMessage, Kind.DEVICE: DeviceMessage,
                        Kind.LOCKDOWN: LockdownMessage}  # fmt: skip
_DECODER: Final = msgspec.json.Decoder(AnyMessage)
_ENCODER: Final = msgspec.json.Encoder()
# JSON escapes of control characters other than tab/newline (\u0000-\u0008, \u000b-\u001f, \u007f):
# raw ones cannot appear inside JSON strings, except DEL (\x7f), which JSON lets through unescaped.
_CONTROL_ESCAPE = re.compile(rb"\\u00(?:0[0-8bcefBCEF]|1[0-9a-fA-F]|7[fF])|\x7f")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def topic_of(message: AnyMessage) -> Topic:
    """Return the topic a message is published on."""
    device = message.body.device if isinstance(message, DeviceMessage) else None
    return Topic(message.site, message.agent, Kind(message.kind), device)


def encode(message: AnyMessage) -> bytes:
    """Serialise a message to its JSON payload (the single serialisation function)."""
    return _ENCODER.encode(message)


def to_builtins(value: Any) -> Any:
    """Return a message or body as plain JSON-ready data (dicts, lists, strings, numbers)."""
    return msgspec.to_builtins(value)


def replace(value: Any, **changes: Any) -> Any:
    """Return a copy of a frozen struct with some fields changed."""
    return msgspec.structs.replace(value, **changes)


def _strip_controls(value: Any) -> Any:
    if isinstance(value, str):
        return _CONTROL_CHARS.sub("", value)
    if isinstance(value, list):
        return [_strip_controls(v) for v in value]
    if isinstance(value, dict):
        return {k: _strip_controls(v) for k, v in value.items()}
    return value


def _version_of(payload: bytes) -> object:
    """Return the ``v`` of a payload that failed validation (slow path: failures only)."""
    try:
        raw = msgspec.json.decode(payload)
    except (msgspec.DecodeError, RecursionError):
        return None
    return raw.get("v") if isinstance(raw, dict) else None


def _describe(err: msgspec.ValidationError) -> str:
    return str(err)[:300]


def decode(
    topic: str, payload: bytes, *, max_bytes: int = MAX_PAYLOAD_BYTES, now: float | None = None
) -> AnyMessage:
    """Validate a received message against the contract.

    Control characters in strings are removed (they would reach labels and pages); instants
    further than :data:`TIME_WINDOW_SECONDS` from ``now`` are refused.

    Raises:
        MessageRejected: with the reason a receiver counts; never any other exception.
    """
    if len(payload) > max_bytes:
        raise MessageRejected(RejectReason.OVERSIZED, f"{len(payload)} bytes > {max_bytes}")
    try:
        parsed_topic = Topic.parse(topic)
    except ValueError as err:
        raise MessageRejected(RejectReason.UNKNOWN_TOPIC, str(err)[:300]) from None
    try:
        # The two substring tests are a fast pre-check (memchr) of the regular expression's scan.
        if (b"\\u00" in payload or b"\x7f" in payload) and _CONTROL_ESCAPE.search(payload):
            raw = _strip_controls(msgspec.json.decode(payload))
            message: AnyMessage = msgspec.convert(raw, AnyMessage)
        else:
            message = _DECODER.decode(payload)
    except msgspec.ValidationError as err:
        text = str(err)
        reason = RejectReason.INVALID_SCHEMA
        if text.startswith("Expected `object`") and " - at " not in text:
            reason = RejectReason.INVALID_JSON  # valid JSON, but not an object at all
        elif _version_of(payload) != SCHEMA_VERSION:
            reason = RejectReason.UNSUPPORTED_VERSION
        raise MessageRejected(reason, _describe(err)) from None
    except (msgspec.DecodeError, RecursionError) as err:  # RecursionError: "[[[[..." nested too deep
        raise MessageRejected(RejectReason.INVALID_JSON, str(err)[:300]) from None
    try:
        stamp = message.ts.timestamp()
    except (OverflowError, ValueError, OSError) as err:
        raise MessageRejected(RejectReason.INVALID_TIME, f"ts {message.ts!r}: {err}") from None
    reference = time.time() if now is None else now
    if abs(stamp - reference) > TIME_WINDOW_SECONDS:
        detail = f"ts {message.ts.isoformat()} is more than a year away from the receiver's clock"
        raise MessageRejected(RejectReason.INVALID_TIME, detail)
    try:
        envelope_topic = topic_of(message)
    except ValueError as err:  # e.g. "w\n": a pattern's "$" lets one trailing newline through
        raise MessageRejected(RejectReason.INVALID_SCHEMA, str(err)[:300]) from None
    if envelope_topic != parsed_topic:
        detail = f"envelope {message.site!r}/{message.agent!r}/{message.kind} published on {topic[:200]!r}"
        raise MessageRejected(RejectReason.TOPIC_MISMATCH, detail)
    return message


def json_schemas() -> dict[str, Any]:
    """Return the JSON Schema of every message, keyed by kind, for other implementers."""
    return {
        "schema_version": SCHEMA_VERSION,
        "topic": f"{TOPIC_ROOT}/<site>/<agent>/<kind>[/<device>]",
        "identifier_pattern": IDENT_PATTERN,
        "max_payload_bytes": MAX_PAYLOAD_BYTES,
        "time_window_seconds": TIME_WINDOW_SECONDS,
        "messages": {kind.value: msgspec.json.schema(cls) for kind, cls in MESSAGE_TYPES.items()},
    }


def now_utc() -> dt.datetime:
    """Return the current time in UTC (the agent's clock stamps every message)."""
    return dt.datetime.now(dt.UTC)
