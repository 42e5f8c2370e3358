"""One table of metric descriptions drives the exporter, the alert rules and the dashboards.

Each :class:`MetricDescription` names a metric once, with its help text, type, labels and the
function that reads its samples from a *view* of the state (an agent, a device, a service, a
site, the collector itself). The exporter loops over the tables and skips a metric when
``values`` yields nothing, the way Home Assistant adds an entity only when the device reports
the value. ``collector/alerting/rules.py`` and ``dashboards/`` take metric names from here;
nothing else spells an ``esc_`` metric name (tests and generated files aside).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from agent.contract import french
from agent.contract.messages import DeviceBody, HostBody, Kind, PrinterStatus, RejectReason
from agent.contract.reasons import describe
from collector.state import AgentState, IngestCounters

Sample = tuple[tuple[str, ...], float]
V = TypeVar("V")

AGENT_LABELS = ("site", "agent")
DEVICE_LABELS = ("site", "device")
SERVICE_LABELS = ("site", "service")
DEVICE_STATES = ("ok", "degraded", "down", "unknown")
#: Drop reasons exported from the start (collector.ingest.DropReason), so rate() works from the first one.
DROP_REASONS = ("unknown_site", "unenrolled_agent", "undeclared_device", "too_many_devices", "rate_limited")
SERVICE_STATES = ("up", "down", "unknown")


# --------------------------------------------------------------------------- views


@dataclass(frozen=True, slots=True)
class AgentView:
    """One agent, as the exporter sees it at scrape time."""

    site: str
    agent: str
    state: AgentState
    alive: bool
    name: str = ""

    @property
    def host(self) -> HostBody | None:
        """Return the host reading while the agent is alive (a dead agent's figures are not current)."""
        return self.state.host if self.alive else None


@dataclass(frozen=True, slots=True)
class SupplyForecastView:
    """One supply's forecast and order notice (``collector.supplies``), at scrape time."""

    index: str
    type: str
    colour: str
    supply_class: str
    role: str
    cartridge: int
    basis: str | None
    precision: str | None
    days: float | None  # days left, ``None`` while there is no forecast
    order_days: float | None = None  # days left when the order notice went out, while it is out
    reference: str = ""
    empty_in: str = ""  # « ~9 jours », as the notice said it


@dataclass(frozen=True, slots=True)
class DeviceView:
    """One device of a site: its freshest live observation, if any, and its supplies' forecasts."""

    site: str
    device: str
    name: str
    observers: int
    last_seen: float | None
    body: DeviceBody | None
    forecasts: tuple[SupplyForecastView, ...] = ()


@dataclass(frozen=True, slots=True)
class ServiceView:
    """One promised service of a site and its live state."""

    site: str
    service: str
    state: str
    counters: dict[str, float]


@dataclass(frozen=True, slots=True)
class SiteView:
    """One site: open or not."""

    site: str
    open: bool


@dataclass(frozen=True, slots=True)
class CollectorView:
    """The collector's own health."""

    counters: IngestCounters
    connected: bool
    agents: int
    storage_ok: bool = True


@dataclass(frozen=True, kw_only=True, slots=True)
class MetricDescription(Generic[V]):
    """How one metric family is named, documented and computed from a view ``V``."""

    key: str
    help: str
    kind: Literal["gauge", "counter"]
    #: Every label, the view's own (site, agent / device / service) first.
    labels: tuple[str, ...]
    values: Callable[[V], Iterable[Sample]]

    @property
    def series(self) -> str:
        """Return the name of the samples in PromQL (counters end in ``_total``)."""
        return f"{self.key}_total" if self.kind == "counter" else self.key


def _one(get: Callable[[V], float | None]) -> Callable[[V], Iterable[Sample]]:
    def values(view: V) -> Iterable[Sample]:
        value = get(view)
        return [] if value is None else [((), float(value))]

    return values


def _host(get: Callable[[HostBody], float | None]) -> Callable[[AgentView], Iterable[Sample]]:
    def values(view: AgentView) -> Iterable[Sample]:
        host = view.host
        value = get(host) if host is not None else None
        return [] if value is None else [((), float(value))]

    return values


def _state_set(current: str, states: Iterable[str]) -> list[Sample]:
    return [((candidate,), 1.0 if candidate == current else 0.0) for candidate in states]


# --------------------------------------------------------------------------- agents and PCs


def _agent(key: str, help: str, kind: Literal["gauge", "counter"], values: Callable[[AgentView], Iterable[Sample]],
           labels: tuple[str, ...] = ()) -> MetricDescription[AgentView]:  # fmt: skip
    return MetricDescription(key=key, help=help, kind=kind, labels=(*AGENT_LABELS, *labels), values=values)


AGENT_UP = _agent(
    "esc_agent_up", "1 when the agent is connected and sent news within the staleness bound, else 0.",
    "gauge", _one(lambda v: 1.0 if v.alive else 0.0),
)  # fmt: skip
AGENT_LAST_SEEN = _agent(
    "esc_agent_last_seen_timestamp_seconds", "When the collector last heard from the agent, seconds since the Unix epoch.",
    "gauge", _one(lambda v: v.state.last_seen),
)  # fmt: skip
AGENT_INFO = _agent(
    "esc_agent_info", "The PC of an agent: its name as people say it (sites.toml); value always 1.",
    "gauge", lambda v: [((v.name,), 1.0)], ("name",),
)  # fmt: skip
AGENT_CLOCK_OFFSET = _agent(
    "esc_agent_clock_offset_seconds",
    "How far ahead of the collector's clock the agent's clock runs, measured on its live status messages "
    "(negative: behind). Beyond the tolerance its readings are dated on arrival.",
    "gauge", _one(lambda v: v.state.clock_offset()),
)  # fmt: skip
AGENT_UNTRUSTED_TIMES = _agent(
    "esc_agent_untrusted_times",
    "Messages of the agent dated on arrival because its clock could not be trusted (future or off), since the collector started.",
    "counter", _one(lambda v: v.state.untrusted_times),
)  # fmt: skip
AGENT_SESSION = _agent(
    "esc_agent_session", "MQTT session counter of the agent's newest connection.",
    "gauge", _one(lambda v: v.state.session if v.state.session >= 0 else None),
)  # fmt: skip
HOST_BOOT_TIME = _agent("esc_host_boot_time_seconds", "Boot time of the PC, seconds since the Unix epoch.",
                        "gauge", _host(lambda b: b.boot_time))  # fmt: skip
HOST_UPTIME = _agent("esc_host_uptime_seconds", "Seconds since the PC booted, at its last reading.",
                     "gauge", _host(lambda b: b.uptime_seconds))  # fmt: skip
HOST_CPUS = _agent(
    "esc_host_cpus", "Number of logical CPUs of the PC.", "gauge", _host(lambda b: b.cpu_count)
)
HOST_CPU_USAGE = _agent("esc_host_cpu_usage_ratio", "Share of CPU time busy between the PC's last two readings (0 to 1).",
                        "gauge", _host(lambda b: b.cpu_usage_ratio))  # fmt: skip
HOST_LOAD1 = _agent("esc_host_load1", "One-minute load average of the PC, where its operating system has one.",
                    "gauge", _host(lambda b: b.load1))  # fmt: skip
HOST_MEMORY_TOTAL = _agent("esc_host_memory_total_bytes", "Physical memory of the PC in bytes.",
                           "gauge", _host(lambda b: b.memory_total_bytes))  # fmt: skip
HOST_MEMORY_AVAILABLE = _agent("esc_host_memory_available_bytes", "Memory available to new programs on the PC, in bytes.",
                               "gauge", _host(lambda b: b.memory_available_bytes))  # fmt: skip
HOST_DISK_TOTAL = _agent(
    "esc_host_disk_total_bytes", "Size of a configured mount point of the PC, in bytes.", "gauge",
    lambda v: [((d.mount,), float(d.total_bytes)) for d in (v.host.disks if v.host else ())], ("mount",),
)  # fmt: skip
HOST_DISK_FREE = _agent(
    "esc_host_disk_free_bytes", "Free space on a configured mount point of the PC, in bytes.", "gauge",
    lambda v: [((d.mount,), float(d.free_bytes)) for d in (v.host.disks if v.host else ())], ("mount",),
)  # fmt: skip
HOST_USER_SESSIONS = _agent("esc_host_user_sessions", "Number of open user sessions on the PC (counted, never named).",
                            "gauge", _host(lambda b: b.user_sessions))  # fmt: skip
HOST_SESSION_STARTS = _agent(
    "esc_host_session_starts",
    "User sessions opened on the PC since its agent started counting (a count, never who; it starts over "
    "when the agent restarts: read it with increase()).",
    "counter", _host(lambda b: b.session_starts_total),
)  # fmt: skip
AGENT_OUTBOX = _agent(
    "esc_agent_outbox_messages", "Messages waiting in the agent's durable outbox (a backlog means the broker is hard to reach).",
    "gauge", _host(lambda b: b.outbox_pending),
)  # fmt: skip
AGENT_OUTBOX_DROPPED = _agent(
    "esc_agent_outbox_dropped", "Messages the agent dropped because its outbox was full, since the agent started.",
    "counter", _host(lambda b: b.outbox_dropped),
)  # fmt: skip


def _lockdown_ok(view: AgentView) -> Iterable[Sample]:
    lockdown = view.state.lockdown
    # A silent kiosk's lockdown is unknown: its last result is not repeated as current.
    if lockdown is None or not view.alive:
        return []
    return [((lockdown.profile,), 1.0 if lockdown.intact else 0.0)]


def _lockdown_checks(view: AgentView) -> Iterable[Sample]:
    lockdown = view.state.lockdown
    if lockdown is None or not view.alive:
        return []
    return [((c.id, c.severity, c.result), 1.0) for c in lockdown.checks]


LOCKDOWN_OK = _agent("esc_lockdown_ok", "1 when the kiosk's lockdown is intact (no check failed), 0 when it is broken.",
                     "gauge", _lockdown_ok, ("profile",))  # fmt: skip
LOCKDOWN_CHECK = _agent(
    "esc_lockdown_check", "Result of one lockdown check of a kiosk (pass, fail, unknown): 1 for the current one.",
    "gauge", _lockdown_checks, ("check", "severity", "result"),
)  # fmt: skip
LOCKDOWN_SECURITY_EVENTS = _agent(
    "esc_lockdown_security_events", "Times a kiosk's lockdown broke (security events), since the collector started.",
    "counter", _one(lambda v: v.state.security_events if v.state.lockdown is not None else None),
)  # fmt: skip

AGENT_METRICS: tuple[MetricDescription[AgentView], ...] = (
    AGENT_UP, AGENT_INFO, AGENT_LAST_SEEN, AGENT_SESSION, AGENT_CLOCK_OFFSET, AGENT_UNTRUSTED_TIMES, LOCKDOWN_OK, LOCKDOWN_CHECK, LOCKDOWN_SECURITY_EVENTS,
    HOST_BOOT_TIME, HOST_UPTIME, HOST_CPUS, HOST_CPU_USAGE, HOST_LOAD1, HOST_MEMORY_TOTAL,
    HOST_MEMORY_AVAILABLE, HOST_DISK_TOTAL, HOST_DISK_FREE, AGENT_OUTBOX, AGENT_OUTBOX_DROPPED,
    HOST_USER_SESSIONS, HOST_SESSION_STARTS,
)  # fmt: skip


# --------------------------------------------------------------------------- devices


def _device(key: str, help: str, kind: Literal["gauge", "counter"], values: Callable[[DeviceView], Iterable[Sample]],
            labels: tuple[str, ...] = ()) -> MetricDescription[DeviceView]:  # fmt: skip
    return MetricDescription(key=key, help=help, kind=kind, labels=(*DEVICE_LABELS, *labels), values=values)


def _printer(view: DeviceView) -> tuple[PrinterStatus, ...]:
    return () if view.body is None or view.body.printer is None else (view.body.printer,)


def _info(view: DeviceView) -> Iterable[Sample]:
    body = view.body
    if body is None:
        return []
    printer, scanner = body.printer, body.scanner
    model = (printer.model if printer else scanner.make_and_model if scanner else None) or ""
    serial = (printer.serial if printer else scanner.serial if scanner else None) or ""
    return [((body.kind, view.name, model, serial), 1.0)]


def _supplies(view: DeviceView, *, level: bool) -> list[Sample]:
    """A supply's one series: its level (state as a label), or, without a level, its known state."""
    if view.body is None or view.body.printer is None:
        return []
    return [
        ((s.index, s.type, s.colour or "", s.supply_class, s.role, s.description, s.state),
         s.percent / 100.0 if level and s.percent is not None else 1.0)
        for s in view.body.printer.supplies
        if (s.percent is not None) == level and (level or s.state != "unknown")
    ]  # fmt: skip


def _inputs(view: DeviceView, *, level: bool, manual: bool = False) -> list[Sample]:
    """A paper tray's one series: its level (state as a label), or, without a level, its known state.

    Manual and bypass trays only with ``manual``: the agent leaves them out of its paper rules.
    """
    return [
        ((t.index, t.name, "true" if t.manual else "false", t.state),
         t.percent / 100.0 if level and t.percent is not None else 1.0)
        for p in _printer(view) for t in p.inputs
        if (t.percent is not None) == level and (level or t.state != "unknown") and (manual or not t.manual)
    ]  # fmt: skip


DEVICE_UP = _device(
    "esc_device_up", "1 when the device answered its last poll (freshest observation of any live agent), else 0.",
    "gauge", _one(lambda v: 1.0 if v.body is not None and v.body.reachable else 0.0),
)  # fmt: skip
DEVICE_STATE = _device(
    "esc_device_state",
    "Derived state of the device (ok, degraded, down, unknown): one series, its label the current state, value 1.",
    "gauge", lambda v: [((v.body.state if v.body else "unknown",), 1.0)], ("state",),
)  # fmt: skip
DEVICE_FUNCTION_STATE = _device(
    "esc_device_function_state",
    "State of one function of the device (print, scan): one series per function, its label the current state "
    "(ok, degraded, down, unknown), value 1.",
    "gauge", lambda v: [((f.function, f.state), 1.0) for f in (v.body.functions if v.body else ())],
    ("function", "state"),
)  # fmt: skip


def _reasons(view: DeviceView) -> Iterable[Sample]:
    """Each reason with the part it concerns: supply index, colour and reference, or tray in French."""
    if view.body is None:
        return []
    printer = view.body.printer
    supplies = {s.index: s for s in printer.supplies} if printer else {}
    trays = {t.index: t for t in printer.inputs} if printer else {}
    out: list[Sample] = []
    for item in view.body.reasons:
        subject = item.subject or ""
        points_at = describe(item.code).subject
        supply = supplies.get(subject) if points_at == "supply" else None
        tray = trays.get(subject) if points_at == "tray" else None
        colour = (supply.colour or "") if supply else ""
        reference = (french.reference(supply.description) or "") if supply else ""
        place = french.tray(tray.name) if tray else ""
        out.append(((item.code, subject, colour, place, reference), 1.0))
    return out


DEVICE_REASON = _device(
    "esc_device_reason",
    "1 for each reason the device is not simply ok (jam, toner_low...), with the part concerned: "
    "subject (table index), colour and reference of a supply, place (tray, in French).",
    "gauge", _reasons, ("reason", "subject", "colour", "place", "reference"),
)  # fmt: skip
DEVICE_INFO = _device(
    "esc_device_info", "Inventory of the device (kind, place, model, serial); value always 1.",
    "gauge", _info, ("kind", "name", "model", "serial"),
)  # fmt: skip
# Diagnostics: exported only with [collector] device_diagnostics = true (four series a device).
DEVICE_OBSERVERS = _device("esc_device_observers", "Number of live agents currently observing the device.",
                           "gauge", _one(lambda v: v.observers))  # fmt: skip
DEVICE_LAST_SEEN = _device(
    "esc_device_last_seen_timestamp_seconds",
    "When the collector last received an observation of the device, seconds since the Unix epoch.",
    "gauge", _one(lambda v: v.last_seen),
)  # fmt: skip
DEVICE_POLL_DURATION = _device("esc_device_poll_duration_seconds", "How long the last poll of the device took.",
                               "gauge", _one(lambda v: v.body.poll_seconds if v.body else None))  # fmt: skip
DEVICE_FAILURES = _device(
    "esc_device_consecutive_failures",
    "Failed polls in a row of the device (unreachable is declared after a configured number).",
    "gauge", _one(lambda v: v.body.consecutive_failures if v.body else None),
)  # fmt: skip
SUPPLY_LABELS = ("supply", "type", "colour", "class", "role", "description", "state")
SUPPLY_LEVEL = _device(
    "esc_printer_supply_level_ratio",
    "Level of a supply as a ratio of its capacity (waste receptacle: the free space left); role toner/waste/part; "
    "state its current state (ok, low, empty, almost_full, full...); description as the printer names it. "
    "A supply without a level has esc_printer_supply_state instead.",
    "gauge", lambda v: _supplies(v, level=True), SUPPLY_LABELS,
)  # fmt: skip
SUPPLY_STATE = _device(
    "esc_printer_supply_state",
    "State of a supply that reports no level (some_remaining, empty...), as a label; value 1. "
    "Absent for a supply with a level (its level series has the state) or with neither level nor known state.",
    "gauge", lambda v: _supplies(v, level=False), SUPPLY_LABELS,
)  # fmt: skip
SUPPLY_DAYS_LEFT = _device(
    "esc_printer_supply_days_left",
    "Days until the supply is empty (a waste box: full), forecast from its own level history over the site's "
    "opening hours. basis: level or pages (the page counter, when the level is too coarse); precision: exact, "
    "coarse or presence, as the device reports its level; cartridge: its number (a new cartridge, a new number). "
    "Absent while there is not enough history.",
    "gauge",
    lambda v: [((f.index, f.type, f.colour, f.supply_class, f.role, str(f.cartridge), f.basis or "",
                 f.precision or ""), f.days) for f in v.forecasts if f.days is not None],
    ("supply", "type", "colour", "class", "role", "cartridge", "basis", "precision"),
)  # fmt: skip
SUPPLY_ORDER = _device(
    "esc_printer_supply_order_days_left",
    "Present while a toner cartridge's order notice is out: its forecast fell to the site's ordering lead time "
    "(order_lead_days) while the site was open; once per cartridge, until the site closes. Value: the days left "
    "then; empty_in says them in French (« ~9 jours »).",
    "gauge",
    lambda v: [((f.index, f.colour, f.reference, str(f.cartridge), f.empty_in), f.order_days)
               for f in v.forecasts if f.order_days is not None],
    ("supply", "colour", "reference", "cartridge", "empty_in"),
)  # fmt: skip
INPUT_LABELS = ("input", "name", "manual", "state")
INPUT_LEVEL = _device(
    "esc_printer_input_level_ratio",
    "Paper left in a tray as a ratio of its capacity; state its current state (ok, low, empty...). "
    "A tray without a level has esc_printer_input_state instead; manual and bypass trays are diagnostics.",
    "gauge", lambda v: _inputs(v, level=True), INPUT_LABELS,
)  # fmt: skip
INPUT_STATE = _device(
    "esc_printer_input_state",
    "State of a paper tray that reports no level (some_remaining, empty...), as a label; value 1. "
    "Absent for a tray with a level or with neither level nor known state; manual and bypass trays are diagnostics.",
    "gauge", lambda v: _inputs(v, level=False), INPUT_LABELS,
)  # fmt: skip
MANUAL_INPUT_LEVEL = _device(
    "esc_printer_manual_input_level_ratio",
    "Paper left in a manual or bypass tray (which the agent's paper rules leave out), as esc_printer_input_level_ratio.",
    "gauge", lambda v: [s for s in _inputs(v, level=True, manual=True) if s[0][2] == "true"], INPUT_LABELS,
)  # fmt: skip
MANUAL_INPUT_STATE = _device(
    "esc_printer_manual_input_state",
    "State of a manual or bypass tray that reports no level, as esc_printer_input_state.",
    "gauge", lambda v: [s for s in _inputs(v, level=False, manual=True) if s[0][2] == "true"], INPUT_LABELS,
)  # fmt: skip
PRINTER_ERROR = _device(
    "esc_printer_error",
    "1 for each hrPrinterDetectedErrorState condition the printer reports (lowPaper, jammed...); a diagnostic: "
    "esc_device_reason says what they mean.",
    "gauge", lambda v: [((e,), 1.0) for p in _printer(v) for e in p.errors],
    ("error",),
)  # fmt: skip
PRINTER_ALERT = _device(
    "esc_printer_alert",
    "1 for each active entry of the printer's alert table (a jam is alert 'jam' with its location).", "gauge",
    lambda v: [((a.code_name, a.group, "" if a.group_index is None else str(a.group_index),
                 "" if a.location is None else str(a.location), a.severity), 1.0)
               for p in _printer(v) for a in p.alerts],
    ("alert", "group", "group_index", "location", "severity"),
)  # fmt: skip
PRINTER_PAGES = _device(
    "esc_printer_pages", "Pages printed over the printer's life (prtMarkerLifeCount).", "counter",
    lambda v: [((), float(p.page_count)) for p in _printer(v) if p.page_count is not None],
)  # fmt: skip
SCANNER_ADF = _device(
    "esc_scanner_adf_state", "State of a network scanner's document feeder (eSCL AdfState): 1 for the current one.",
    "gauge",
    lambda v: [((v.body.scanner.adf_state,), 1.0)] if v.body and v.body.scanner and v.body.scanner.adf_state else [],
    ("adf_state",),
)  # fmt: skip

#: What is exported for a device that has no live observation: only these (and the diagnostics' two).
DEVICE_ALWAYS = (DEVICE_UP, DEVICE_STATE)
#: Every device series by default: one a state, one a supply, one a tray (docs/decisions.md, "Device metrics").
DEVICE_METRICS: tuple[MetricDescription[DeviceView], ...] = (
    DEVICE_UP, DEVICE_STATE, DEVICE_FUNCTION_STATE, DEVICE_REASON, DEVICE_INFO, SUPPLY_LEVEL, SUPPLY_STATE,
    INPUT_LEVEL, INPUT_STATE, PRINTER_ALERT, PRINTER_PAGES, SCANNER_ADF, SUPPLY_DAYS_LEFT, SUPPLY_ORDER,
)  # fmt: skip
#: Polling diagnostics, with ``[collector] device_diagnostics = true``.
DEVICE_DIAGNOSTICS: tuple[MetricDescription[DeviceView], ...] = (
    DEVICE_OBSERVERS, DEVICE_LAST_SEEN, DEVICE_POLL_DURATION, DEVICE_FAILURES, PRINTER_ERROR,
    MANUAL_INPUT_LEVEL, MANUAL_INPUT_STATE,
)  # fmt: skip


# --------------------------------------------------------------------------- sites and services

SITE_OPEN: MetricDescription[SiteView] = MetricDescription(
    key="esc_site_open",
    help="1 while the site is open (opening hours, public holidays and closures applied), else 0.",
    kind="gauge", labels=("site",), values=_one(lambda v: 1.0 if v.open else 0.0),
)  # fmt: skip
SITE_METRICS = (SITE_OPEN,)


def _service(key: str, help: str, kind: Literal["gauge", "counter"], values: Callable[[ServiceView], Iterable[Sample]],
             labels: tuple[str, ...] = ()) -> MetricDescription[ServiceView]:  # fmt: skip
    return MetricDescription(key=key, help=help, kind=kind, labels=(*SERVICE_LABELS, *labels), values=values)


SERVICE_UP = _service(
    "esc_service_up", "1 while the service is usable, 0 while it is down; absent while its state is unknown.",
    "gauge", _one(lambda v: None if v.state == "unknown" else 1.0 if v.state == "up" else 0.0),
)  # fmt: skip
SERVICE_STATE = _service("esc_service_state", "State of a promised service (up, down, unknown): 1 for the current one.",
                         "gauge", lambda v: _state_set(v.state, SERVICE_STATES), ("state",))  # fmt: skip
SERVICE_OPEN_SECONDS = _service(
    "esc_service_open_seconds", "Seconds the site was open, for this service (planned maintenance included).",
    "counter", _one(lambda v: v.counters.get("open", 0.0)),
)  # fmt: skip
SERVICE_AVAILABLE_SECONDS = _service(
    "esc_service_available_seconds", "Open seconds during which the service was usable (maintenance excluded).",
    "counter", _one(lambda v: v.counters.get("available", 0.0)),
)  # fmt: skip
SERVICE_UNKNOWN_SECONDS = _service(
    "esc_service_unknown_seconds", "Open seconds during which the service's state was unknown (not measured).",
    "counter", _one(lambda v: v.counters.get("unknown", 0.0)),
)  # fmt: skip
SERVICE_MAINTENANCE_SECONDS = _service(
    "esc_service_maintenance_seconds", "Open seconds of planned maintenance of the service.",
    "counter", _one(lambda v: v.counters.get("maintenance", 0.0)),
)  # fmt: skip
#: The counters of seconds, by the tracker's counter name.
SERVICE_COUNTERS: dict[str, MetricDescription[ServiceView]] = {
    "open": SERVICE_OPEN_SECONDS, "available": SERVICE_AVAILABLE_SECONDS,
    "unknown": SERVICE_UNKNOWN_SECONDS, "maintenance": SERVICE_MAINTENANCE_SECONDS,
}  # fmt: skip
SERVICE_METRICS = (SERVICE_UP, SERVICE_STATE, *SERVICE_COUNTERS.values())


# --------------------------------------------------------------------------- the collector itself


def _collector(key: str, help: str, kind: Literal["gauge", "counter"], values: Callable[[CollectorView], Iterable[Sample]],
               labels: tuple[str, ...] = ()) -> MetricDescription[CollectorView]:  # fmt: skip
    return MetricDescription(key=key, help=help, kind=kind, labels=labels, values=values)


MESSAGES_ACCEPTED = _collector(
    "esc_collector_messages_accepted", "Messages accepted from agents, by kind.", "counter",
    lambda v: [((k,), float(v.counters.accepted[k])) for k in sorted({*(k.value for k in Kind), *v.counters.accepted})],
    ("kind",),
)  # fmt: skip
MESSAGES_REJECTED = _collector(
    "esc_collector_messages_rejected", "Messages refused because they break the wire contract, by reason.", "counter",
    # Every known reason is exported from the start, so rate() works from the first one.
    lambda v: [((r,), float(v.counters.rejected[r]))
               for r in sorted({*(r.value for r in RejectReason), *v.counters.rejected})],
    ("reason",),
)  # fmt: skip
MESSAGES_DROPPED = _collector(
    "esc_collector_messages_dropped",
    "Valid messages not taken, by reason: an agent or device the site does not declare, an unknown site, "
    "an agent over its device or rate cap.",
    "counter",
    lambda v: [((r,), float(v.counters.dropped[r])) for r in sorted({*DROP_REASONS, *v.counters.dropped})],
    ("reason",),
)  # fmt: skip
UNKNOWN_REASON_CODES = _collector(
    "esc_collector_unknown_reason_codes",
    "Reason codes received that this collector does not know (a newer agent): kept and shown as « autre problème ».",
    "counter", _one(lambda v: v.counters.unknown_reason_codes),
)  # fmt: skip
UNTRUSTED_TIMES = _collector(
    "esc_collector_untrusted_times",
    "Messages dated on arrival because their agent's clock could not be trusted.",
    "counter", _one(lambda v: v.counters.untrusted_times),
)  # fmt: skip
STORAGE_OK = _collector(
    "esc_collector_storage_ok",
    "1 while the history can be written; 0 while it cannot (the collector then stops acknowledging messages).",
    "gauge", _one(lambda v: 1.0 if v.storage_ok else 0.0),
)  # fmt: skip
MESSAGES_DUPLICATE = _collector(
    "esc_collector_messages_duplicate", "Messages dropped because their (agent, seq) was already processed (replays).",
    "counter", _one(lambda v: v.counters.duplicates),
)  # fmt: skip
STATUS_STALE = _collector(
    "esc_collector_status_stale", "Status messages of an older agent session ignored (a late Last Will).",
    "counter", _one(lambda v: v.counters.stale_status),
)  # fmt: skip
MQTT_CONNECTED = _collector("esc_collector_mqtt_connected", "1 while the collector is connected to the MQTT broker.",
                            "gauge", _one(lambda v: 1.0 if v.connected else 0.0))  # fmt: skip
AGENTS_KNOWN = _collector("esc_collector_agents", "Number of agents the collector knows of.",
                          "gauge", _one(lambda v: v.agents))  # fmt: skip
#: Written by the exporter itself from its own counter of series it could not compute (it is not in
#: COLLECTOR_METRICS: the exporter yields it after every other family, so it counts that scrape's errors).
EXPORT_ERRORS: MetricDescription[Mapping[str, int]] = MetricDescription(
    key="esc_collector_export_errors", help="Series the exporter could not compute (a broken value), by metric.",
    kind="counter", labels=("metric",),
    values=lambda errors: [((metric,), float(count)) for metric, count in sorted(errors.items())],
)  # fmt: skip
COLLECTOR_METRICS = (
    MESSAGES_ACCEPTED, MESSAGES_REJECTED, MESSAGES_DROPPED, MESSAGES_DUPLICATE, STATUS_STALE, UNKNOWN_REASON_CODES,
    UNTRUSTED_TIMES, MQTT_CONNECTED, STORAGE_OK, AGENTS_KNOWN,
)  # fmt: skip

#: Every table, for documentation and tests.
ALL_METRICS: tuple[MetricDescription[Any], ...] = (
    *AGENT_METRICS, *DEVICE_METRICS, *DEVICE_DIAGNOSTICS, *SITE_METRICS, *SERVICE_METRICS, *COLLECTOR_METRICS,
    EXPORT_ERRORS,
)  # fmt: skip
