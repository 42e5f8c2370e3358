"""One table of metric descriptions drives the exporter (and later dashboards and alerts).

Each :class:`MetricDescription` names a metric once, with its help text, type, labels and
how to read its value(s) from the state. The exporter loops over the tables and skips a
metric when ``values`` yields nothing, the way Home Assistant adds an entity only when the
device reports the value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from agent.messages import HostBody

Sample = tuple[tuple[str, ...], float]


@dataclass(frozen=True, kw_only=True, slots=True)
class MetricDescription:
    """How one metric family is named, documented and computed."""

    key: str
    help: str
    kind: Literal["gauge", "counter"]
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class HostMetric(MetricDescription):
    """A metric read from an agent's host reading; ``values`` gives extra labels and values."""

    values: Callable[[HostBody], Iterable[Sample]]


def _one(get: Callable[[HostBody], float | None]) -> Callable[[HostBody], Iterable[Sample]]:
    def values(body: HostBody) -> Iterable[Sample]:
        value = get(body)
        return [] if value is None else [((), float(value))]

    return values


AGENT_LABELS = ("site", "agent")

HOST_METRICS: tuple[HostMetric, ...] = (
    HostMetric(
        key="esc_host_boot_time_seconds",
        help="Boot time of the PC, seconds since the Unix epoch.",
        kind="gauge",
        values=_one(lambda b: b.boot_time),
    ),
    HostMetric(
        key="esc_host_uptime_seconds",
        help="Seconds since the PC booted, at its last reading.",
        kind="gauge",
        values=_one(lambda b: b.uptime_seconds),
    ),
    HostMetric(
        key="esc_host_cpus",
        help="Number of logical CPUs of the PC.",
        kind="gauge",
        values=_one(lambda b: b.cpu_count),
    ),
    HostMetric(
        key="esc_host_cpu_usage_ratio",
        help="Share of CPU time busy between the PC's last two readings (0 to 1).",
        kind="gauge",
        values=_one(lambda b: b.cpu_usage_ratio),
    ),
    HostMetric(
        key="esc_host_load1",
        help="One-minute load average of the PC, where its operating system has one.",
        kind="gauge",
        values=_one(lambda b: b.load1),
    ),
    HostMetric(
        key="esc_host_memory_total_bytes",
        help="Physical memory of the PC in bytes.",
        kind="gauge",
        values=_one(lambda b: b.memory_total_bytes),
    ),
    HostMetric(
        key="esc_host_memory_available_bytes",
        help="Memory available to new programs on the PC, in bytes.",
        kind="gauge",
        values=_one(lambda b: b.memory_available_bytes),
    ),
    HostMetric(
        key="esc_host_disk_total_bytes",
        help="Size of a configured mount point of the PC, in bytes.",
        kind="gauge",
        labels=("mount",),
        values=lambda b: [((d.mount,), float(d.total_bytes)) for d in b.disks],
    ),
    HostMetric(
        key="esc_host_disk_free_bytes",
        help="Free space on a configured mount point of the PC, in bytes.",
        kind="gauge",
        labels=("mount",),
        values=lambda b: [((d.mount,), float(d.free_bytes)) for d in b.disks],
    ),
    HostMetric(
        key="esc_agent_outbox_messages",
        help="Messages waiting in the agent's durable outbox (a backlog means the broker is hard to reach).",
        kind="gauge",
        values=_one(lambda b: b.outbox_pending),
    ),
    HostMetric(
        key="esc_agent_outbox_dropped",
        help="Messages the agent dropped because its outbox was full, since the agent started.",
        kind="counter",
        values=_one(lambda b: b.outbox_dropped),
    ),
    HostMetric(
        key="esc_host_user_sessions",
        help="Number of open user sessions on the PC (counted, never named).",
        kind="gauge",
        values=_one(lambda b: b.user_sessions),
    ),
)

AGENT_UP = MetricDescription(
    key="esc_agent_up",
    help="1 when the agent is connected and sent news within the staleness bound, else 0.",
    kind="gauge",
    labels=AGENT_LABELS,
)
AGENT_LAST_SEEN = MetricDescription(
    key="esc_agent_last_seen_timestamp_seconds",
    help="When the collector last heard from the agent, seconds since the Unix epoch.",
    kind="gauge",
    labels=AGENT_LABELS,
)
AGENT_SESSION = MetricDescription(
    key="esc_agent_session",
    help="MQTT session counter of the agent's newest connection.",
    kind="gauge",
    labels=AGENT_LABELS,
)
MESSAGES_ACCEPTED = MetricDescription(
    key="esc_collector_messages_accepted",
    help="Messages accepted from agents, by kind.",
    kind="counter",
    labels=("kind",),
)
MESSAGES_REJECTED = MetricDescription(
    key="esc_collector_messages_rejected",
    help="Messages refused because they break the wire contract, by reason.",
    kind="counter",
    labels=("reason",),
)
MESSAGES_DUPLICATE = MetricDescription(
    key="esc_collector_messages_duplicate",
    help="Messages dropped because their (agent, seq) was already processed (replays).",
    kind="counter",
)
STATUS_STALE = MetricDescription(
    key="esc_collector_status_stale",
    help="Status messages of an older agent session ignored (a late Last Will).",
    kind="counter",
)
MQTT_CONNECTED = MetricDescription(
    key="esc_collector_mqtt_connected",
    help="1 while the collector is connected to the MQTT broker.",
    kind="gauge",
)
AGENTS_KNOWN = MetricDescription(
    key="esc_collector_agents",
    help="Number of agents the collector knows of.",
    kind="gauge",
)

# --------------------------------------------------------------------------- devices
DEVICE_LABELS = ("site", "device")
DEVICE_STATES = ("ok", "degraded", "down", "unknown")

DEVICE_UP = MetricDescription(
    key="esc_device_up",
    help="1 when the device answered its last poll (freshest observation of any live agent), else 0.",
    kind="gauge",
    labels=DEVICE_LABELS,
)
DEVICE_STATE = MetricDescription(
    key="esc_device_state",
    help="Derived state of the device: 1 for the current state among ok, degraded, down, unknown.",
    kind="gauge",
    labels=(*DEVICE_LABELS, "state"),
)
DEVICE_REASON = MetricDescription(
    key="esc_device_reason",
    help="1 for each reason the device is not simply ok (jam, toner_low, unreachable...), by part concerned.",
    kind="gauge",
    labels=(*DEVICE_LABELS, "reason", "subject"),
)
DEVICE_INFO = MetricDescription(
    key="esc_device_info",
    help="Inventory of the device (kind, place, model, serial); value always 1.",
    kind="gauge",
    labels=(*DEVICE_LABELS, "kind", "name", "model", "serial"),
)
DEVICE_OBSERVERS = MetricDescription(
    key="esc_device_observers",
    help="Number of live agents currently observing the device.",
    kind="gauge",
    labels=DEVICE_LABELS,
)
DEVICE_LAST_SEEN = MetricDescription(
    key="esc_device_last_seen_timestamp_seconds",
    help="When the collector last received an observation of the device, seconds since the Unix epoch.",
    kind="gauge",
    labels=DEVICE_LABELS,
)
DEVICE_POLL_DURATION = MetricDescription(
    key="esc_device_poll_duration_seconds",
    help="How long the last poll of the device took.",
    kind="gauge",
    labels=DEVICE_LABELS,
)
DEVICE_FAILURES = MetricDescription(
    key="esc_device_consecutive_failures",
    help="Failed polls in a row of the device (unreachable is declared after a configured number).",
    kind="gauge",
    labels=DEVICE_LABELS,
)
SUPPLY_LEVEL = MetricDescription(
    key="esc_printer_supply_level_ratio",
    help="Level of a supply as a ratio of its capacity (waste receptacle: the free space left); role toner/waste/part.",
    kind="gauge",
    labels=(*DEVICE_LABELS, "supply", "type", "colour", "class", "role"),
)
SUPPLY_STATE = MetricDescription(
    key="esc_printer_supply_state",
    help="State of a supply (ok, low, empty, almost_full, full, some_remaining...): 1 for the current one.",
    kind="gauge",
    labels=(*DEVICE_LABELS, "supply", "type", "colour", "class", "role", "state"),
)
SUPPLY_INFO = MetricDescription(
    key="esc_printer_supply_info",
    help="Description and unit of a supply; value always 1.",
    kind="gauge",
    labels=(*DEVICE_LABELS, "supply", "description", "unit"),
)
INPUT_LEVEL = MetricDescription(
    key="esc_printer_input_level_ratio",
    help="Paper left in a tray as a ratio of its capacity.",
    kind="gauge",
    labels=(*DEVICE_LABELS, "input", "name"),
)
INPUT_STATE = MetricDescription(
    key="esc_printer_input_state",
    help="State of a paper tray (ok, low, empty, some_remaining, unknown...): 1 for the current one.",
    kind="gauge",
    labels=(*DEVICE_LABELS, "input", "name", "manual", "state"),
)
PRINTER_ERROR = MetricDescription(
    key="esc_printer_error",
    help="1 for each hrPrinterDetectedErrorState condition the printer reports (lowPaper, jammed...).",
    kind="gauge",
    labels=(*DEVICE_LABELS, "error"),
)
PRINTER_ALERT = MetricDescription(
    key="esc_printer_alert",
    help="1 for each active entry of the printer's alert table (a jam is alert 'jam' with its location).",
    kind="gauge",
    labels=(*DEVICE_LABELS, "alert", "group", "group_index", "location", "severity"),
)
PRINTER_PAGES = MetricDescription(
    key="esc_printer_pages",
    help="Pages printed over the printer's life (prtMarkerLifeCount).",
    kind="counter",
    labels=DEVICE_LABELS,
)
SCANNER_ADF = MetricDescription(
    key="esc_scanner_adf_state",
    help="State of a network scanner's document feeder (eSCL AdfState): 1 for the current one.",
    kind="gauge",
    labels=(*DEVICE_LABELS, "adf_state"),
)

# --------------------------------------------------------------------------- lockdown
LOCKDOWN_OK = MetricDescription(
    key="esc_lockdown_ok",
    help="1 when the kiosk's lockdown is intact (no check failed), 0 when it is broken.",
    kind="gauge",
    labels=(*AGENT_LABELS, "profile"),
)
LOCKDOWN_CHECK = MetricDescription(
    key="esc_lockdown_check",
    help="Result of one lockdown check of a kiosk (pass, fail, unknown): 1 for the current one.",
    kind="gauge",
    labels=(*AGENT_LABELS, "check", "severity", "result"),
)
LOCKDOWN_SECURITY_EVENTS = MetricDescription(
    key="esc_lockdown_security_events",
    help="Times a kiosk's lockdown broke (security events), since the collector started.",
    kind="counter",
    labels=AGENT_LABELS,
)

# --------------------------------------------------------------------------- availability
SERVICE_LABELS = ("site", "service")
SITE_OPEN = MetricDescription(
    key="esc_site_open",
    help="1 while the site is open (opening hours, public holidays and closures applied), else 0.",
    kind="gauge",
    labels=("site",),
)
SERVICE_UP = MetricDescription(
    key="esc_service_up",
    help="1 while the service is usable, 0 while it is down; absent while its state is unknown.",
    kind="gauge",
    labels=SERVICE_LABELS,
)
SERVICE_STATE = MetricDescription(
    key="esc_service_state",
    help="State of a promised service (up, down, unknown): 1 for the current one.",
    kind="gauge",
    labels=(*SERVICE_LABELS, "state"),
)
SERVICE_COUNTERS: dict[str, MetricDescription] = {
    "open": MetricDescription(
        key="esc_service_open_seconds",
        help="Seconds the site was open, for this service (planned maintenance included).",
        kind="counter",
        labels=SERVICE_LABELS,
    ),
    "available": MetricDescription(
        key="esc_service_available_seconds",
        help="Open seconds during which the service was usable (maintenance excluded).",
        kind="counter",
        labels=SERVICE_LABELS,
    ),
    "unknown": MetricDescription(
        key="esc_service_unknown_seconds",
        help="Open seconds during which the service's state was unknown (not measured).",
        kind="counter",
        labels=SERVICE_LABELS,
    ),
    "maintenance": MetricDescription(
        key="esc_service_maintenance_seconds",
        help="Open seconds of planned maintenance of the service.",
        kind="counter",
        labels=SERVICE_LABELS,
    ),
}
