"""Pinned by mutation testing (issue 17): every bound of the wire contract, on both sides.

Each row names a field of a real message, the last value the contract accepts and the first it
refuses (written by hand from the field's documented range). Device and lockdown messages are
encoded and decoded whole; identifiers with MQTT wildcards, the exact payload size limit, the
clock window, control characters and the topic checks are each pinned.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from agent.contract.messages import (
    IDENT_PATTERN,
    MAX_PAYLOAD_BYTES,
    SCHEMA_VERSION,
    TIME_WINDOW_SECONDS,
    DeviceBody,
    DeviceMessage,
    FunctionState,
    Kind,
    LockdownBody,
    LockdownCheck,
    LockdownMessage,
    MessageRejected,
    Reason,
    RejectReason,
    Topic,
    check_ident,
    decode,
    encode,
    json_schemas,
    now_utc,
    replace,
    subscription,
    to_builtins,
    topic_of,
)

TS = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)
COUNTER_MAX = (
    2**63 - 1
)  # SQLite's and Prometheus's largest signed 64-bit integer (written out: not read from the module)
NOW = TS.timestamp()
ENVELOPE = {
    "v": 1,
    "site": "maurepas",
    "agent": "accueil-pc1",
    "epoch": "k3v9x2",
    "seq": 42,
    "ts": "2026-11-17T10:00:00Z",
}

SUPPLY = {"index": "1.1", "description": "Black Toner", "type": "toner", "supply_class": "consumed", "unit": "percent",
          "colour": "black", "raw_level": 40, "raw_max": 100, "percent": 40.0, "fill_percent": None,
          "receptacle": False, "marking": True, "state": "ok", "precision": "exact"}  # fmt: skip
TRAY = {"index": "1.2", "name": "Tray 2", "media": "A4", "type": "sheetFeedAutoRemovableTray", "raw_level": 250,
        "raw_max": 500, "percent": 50.0, "manual": False, "state": "ok"}  # fmt: skip
ALERT = {"index": "1.1", "code": 8, "code_name": "jam", "severity": "critical", "group": "input", "group_index": 2,
         "location": 4, "description": "Paper jam"}  # fmt: skip
PRINTER = {"sys_descr": "HP", "sys_object_id": "1.3.6.1.4.1.11", "sys_uptime_seconds": 100.0, "model": "M880",
           "serial": "CN1", "printer_status": "idle", "device_status": "running", "errors": ["lowToner"],
           "supplies": [SUPPLY], "inputs": [TRAY], "alerts": [ALERT],
           "scanner_units": [{"index": "2", "description": "Scanner", "status": "running"}],
           "page_count": 1000, "problems": ["a problem"]}  # fmt: skip
REASON = {
    "code": "jam",
    "label": "Bourrage papier",
    "subject": "1.2",
    "severity": "down",
    "functions": ["print"],
}
DEVICE = {
    "device": "hp", "kind": "printer", "name": "le copieur", "reachable": True, "consecutive_failures": 0,
    "poll_error": None, "poll_seconds": 0.5, "state": "down", "label": "hors service : bourrage papier",
    "reasons": [REASON], "functions": [{"function": "print", "state": "down"}], "printer": PRINTER,
}  # fmt: skip
NETWORK = {"sys_descr": "AP", "uptime_seconds": 10.0, "interfaces_total": 2, "clients": 3, "clients_source": "mib",
           "missing_interfaces": ["eth9"],
           "interfaces": [{"index": 1, "name": "wlan0", "type": 71, "admin": "up", "oper": "up", "speed_mbps": 300,
                           "in_errors": 0, "out_errors": 0, "role": "radio"}]}  # fmt: skip
LINK = {
    "gateway": {"address": "192.0.2.1", "answered": True, "port": 80, "seconds": 0.01, "error": None},
    "dns": {"server": "host", "names": 2, "resolved": 2, "seconds": 0.02},
    "sites": [{"name": "caf", "function": "site_caf", "host": "www.caf.fr", "port": 443, "resolved": True,
               "answered": True, "connected": True, "tls_ok": True, "http_status": 200, "cert_days_left": 60,
               "seconds": 0.3}],
    "wifi_logging": {"method": "http", "result": "pass", "evidence": ["HTTP 200"]},
}  # fmt: skip
HOST = {"os": "Linux", "os_release": "6.1", "boot_time": 1_764_400_000.0, "uptime_seconds": 3600.0, "cpu_count": 4,
        "cpu_usage_ratio": 0.25, "load1": 0.5, "memory_total_bytes": 8 << 30, "memory_available_bytes": 4 << 30,
        "disks": [{"mount": "/", "total_bytes": 100, "free_bytes": 50}], "user_sessions": 1, "outbox_pending": 0,
        "outbox_dropped": 0, "session_starts_total": 3, "session_starts_since": 1_764_400_000.0}  # fmt: skip
LOCKDOWN = {"profile": "kiosque", "intact": True, "security_event": False,
            "checks": [{"id": "usb", "label": "USB", "severity": "critical", "result": "pass", "evidence": ["ok"]}]}  # fmt: skip
STATUS = {"state": "online", "session": 1, "reason": "birth", "agent_version": "0.1.0"}

MESSAGES: dict[str, tuple[str, dict[str, Any]]] = {
    "status": ("esc/v1/maurepas/accueil-pc1/status", {**ENVELOPE, "kind": "status", "body": STATUS}),
    "host": ("esc/v1/maurepas/accueil-pc1/host", {**ENVELOPE, "kind": "host", "body": HOST}),
    "printer": ("esc/v1/maurepas/accueil-pc1/device/hp", {**ENVELOPE, "kind": "device", "body": DEVICE}),
    "network": ("esc/v1/maurepas/accueil-pc1/device/ap", {**ENVELOPE, "kind": "device", "body": {
        "device": "ap", "kind": "network", "reachable": True, "state": "ok", "label": "en service", "network": NETWORK}}),
    "link": ("esc/v1/maurepas/accueil-pc1/device/link", {**ENVELOPE, "kind": "device", "body": {
        "device": "link", "kind": "link", "reachable": True, "state": "ok", "label": "en service", "link": LINK}}),
    "scanner": ("esc/v1/maurepas/accueil-pc1/device/scan", {**ENVELOPE, "kind": "device", "body": {
        "device": "scan", "kind": "scanner", "reachable": True, "state": "ok", "label": "en service",
        "scanner": {"make_and_model": "Canon", "serial": "1", "scanner_state": "Idle", "adf_state": "ScannerAdfLoaded"}}}),
    "lockdown": ("esc/v1/maurepas/accueil-pc1/lockdown", {**ENVELOPE, "kind": "lockdown", "body": LOCKDOWN}),
}  # fmt: skip


def message(kind: str, path: str = "", value: Any = None) -> tuple[str, bytes]:
    """Return (topic, payload) of a valid message, with one field (``body.printer.page_count``) set."""
    topic, data = MESSAGES[kind]
    data = copy.deepcopy(data)
    if path:
        node: Any = data
        keys = [int(k) if k.isdigit() else k for k in path.split(".")]
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
    return topic, json.dumps(data).encode()


def accepted(kind: str, path: str = "", value: Any = None) -> bool:
    topic, payload = message(kind, path, value)
    try:
        decode(topic, payload, now=NOW)
    except MessageRejected as err:
        reason = err.reason
    else:
        return True
    assert reason in (RejectReason.INVALID_SCHEMA, RejectReason.INVALID_TIME), reason
    return False


@pytest.mark.parametrize("kind", sorted(MESSAGES))
def test_every_kind_of_message_is_accepted(kind: str) -> None:
    topic, payload = message(kind)
    decoded = decode(topic, payload, now=NOW)
    assert encode(decoded) == encode(decode(topic, encode(decoded), now=NOW))
    assert str(topic_of(decoded)) == topic


# (message, field path, last accepted value, first refused value)
BOUNDS = [
    ("host", "seq", COUNTER_MAX, COUNTER_MAX + 1),
    ("host", "seq", 0, -1),
    ("host", "body.boot_time", 7.3e9, 7.3e9 + 1),
    ("host", "body.boot_time", 0, -1),
    ("host", "body.uptime_seconds", 1e10, 1e10 + 1),
    ("host", "body.uptime_seconds", 0, -1),
    ("host", "body.cpu_count", 1, 0),
    ("host", "body.cpu_count", 65_536, 65_537),
    ("host", "body.cpu_usage_ratio", 1, 1.000001),
    ("host", "body.cpu_usage_ratio", 0, -0.000001),
    ("host", "body.load1", 1e6, 1e6 + 1),
    ("host", "body.load1", 0, -1),
    ("host", "body.memory_total_bytes", 2**60, 2**60 + 1),
    ("host", "body.memory_total_bytes", 0, -1),
    ("host", "body.user_sessions", 1_000_000, 1_000_001),
    ("host", "body.user_sessions", 0, -1),
    ("host", "body.outbox_pending", 100_000_000, 100_000_001),
    ("host", "body.outbox_pending", 0, -1),
    ("host", "body.outbox_dropped", COUNTER_MAX, COUNTER_MAX + 1),
    ("host", "body.session_starts_total", 0, -1),
    ("host", "body.os", "x" * 64, "x" * 65),
    ("host", "body.os_release", "x" * 128, "x" * 129),
    ("host", "body.disks", [{"mount": "/", "total_bytes": 1, "free_bytes": 1}] * 32, [{"mount": "/", "total_bytes": 1, "free_bytes": 1}] * 33),
    ("host", "body.disks.0.mount", "m" * 256, "m" * 257),
    ("status", "body.session", COUNTER_MAX, COUNTER_MAX + 1),
    ("status", "body.agent_version", "v" * 64, "v" * 65),
    ("printer", "body.consecutive_failures", 1_000_000, 1_000_001),
    ("printer", "body.consecutive_failures", 0, -1),
    ("printer", "body.poll_seconds", 3600, 3601),
    ("printer", "body.poll_seconds", 0, -1),
    ("printer", "body.label", "l" * 512, "l" * 513),
    ("printer", "body.name", "n" * 128, "n" * 129),
    ("printer", "body.reasons", [REASON] * 64, [REASON] * 65),
    ("printer", "body.functions", [{"function": "print", "state": "ok"}] * 48, [{"function": "print", "state": "ok"}] * 49),
    ("printer", "body.reasons.0.functions", ["print"] * 48, ["print"] * 49),
    ("printer", "body.reasons.0.subject", "s" * 128, "s" * 129),
    ("printer", "body.printer.page_count", 2**53, 2**53 + 1),
    ("printer", "body.printer.page_count", 0, -1),
    ("printer", "body.printer.sys_descr", "d" * 512, "d" * 513),
    ("printer", "body.printer.model", "m" * 256, "m" * 257),
    ("printer", "body.printer.serial", "s" * 128, "s" * 129),
    ("printer", "body.printer.printer_status", "p" * 32, "p" * 33),
    ("printer", "body.printer.errors", ["e"] * 16, ["e"] * 17),
    ("printer", "body.printer.supplies", [SUPPLY] * 64, [SUPPLY] * 65),
    ("printer", "body.printer.inputs", [TRAY] * 64, [TRAY] * 65),
    ("printer", "body.printer.alerts", [ALERT] * 64, [ALERT] * 65),
    ("printer", "body.printer.scanner_units", [{"index": "2", "description": "S", "status": "ok"}] * 16,
     [{"index": "2", "description": "S", "status": "ok"}] * 17),
    ("printer", "body.printer.problems", ["p"] * 32, ["p"] * 33),
    ("printer", "body.printer.problems.0", "p" * 200, "p" * 201),
    ("printer", "body.printer.supplies.0.raw_level", -3, -4),
    ("printer", "body.printer.supplies.0.raw_level", 2**31 - 1, 2**31),
    ("printer", "body.printer.supplies.0.percent", 100, 100.01),
    ("printer", "body.printer.supplies.0.percent", 0, -0.01),
    ("printer", "body.printer.supplies.0.type", "t" * 32, "t" * 33),
    ("printer", "body.printer.inputs.0.media", "m" * 128, "m" * 129),
    ("printer", "body.printer.inputs.0.type", "t" * 48, "t" * 49),
    ("printer", "body.printer.alerts.0.code", 2**31 - 1, 2**31),
    ("printer", "body.printer.alerts.0.code", -(2**31), -(2**31) - 1),
    ("printer", "body.printer.alerts.0.location", 2**31 - 1, 2**31),
    ("printer", "body.printer.alerts.0.location", -(2**31), -(2**31) - 1),
    ("printer", "body.printer.alerts.0.code_name", "c" * 64, "c" * 65),
    ("printer", "body.printer.alerts.0.group", "g" * 48, "g" * 49),
    ("network", "body.network.interfaces.0.index", 2**31 - 1, 2**31),
    ("network", "body.network.interfaces.0.index", 0, -1),
    ("network", "body.network.interfaces.0.type", 100_000, 100_001),
    ("network", "body.network.interfaces.0.type", 0, -1),
    ("network", "body.network.interfaces.0.speed_mbps", 100_000_000, 100_000_001),
    ("network", "body.network.interfaces.0.speed_mbps", 0, -1),
    ("network", "body.network.interfaces.0.in_errors", COUNTER_MAX, COUNTER_MAX + 1),
    ("network", "body.network.interfaces", [NETWORK["interfaces"][0]] * 64, [NETWORK["interfaces"][0]] * 65),
    ("network", "body.network.missing_interfaces", ["x"] * 16, ["x"] * 17),
    ("network", "body.network.interfaces_total", 0, -1),
    ("link", "body.link.gateway.port", 1, 0),
    ("link", "body.link.gateway.port", 65_535, 65_536),
    ("link", "body.link.gateway.seconds", 3600, 3601),
    ("link", "body.link.gateway.seconds", 0, -1),
    ("link", "body.link.dns.seconds", 3600, 3601),
    ("link", "body.link.dns.seconds", 0, -1),
    ("link", "body.link.sites.0.port", 1, 0),
    ("link", "body.link.sites.0.port", 65_535, 65_536),
    ("link", "body.link.sites.0.http_status", 100, 99),
    ("link", "body.link.sites.0.http_status", 599, 600),
    ("link", "body.link.sites.0.cert_days_left", 100_000, 100_001),
    ("link", "body.link.sites.0.cert_days_left", -100_000, -100_001),
    ("link", "body.link.sites.0.seconds", 3600, 3601),
    ("link", "body.link.sites.0.seconds", 0, -1),
    ("link", "body.link.sites", [LINK["sites"][0]] * 32, [LINK["sites"][0]] * 33),
    ("link", "body.link.wifi_logging.evidence", ["e"] * 8, ["e"] * 9),
    ("lockdown", "body.checks", [LOCKDOWN["checks"][0]] * 64, [LOCKDOWN["checks"][0]] * 65),
    ("lockdown", "body.checks.0.evidence", ["e"] * 8, ["e"] * 9),
    ("lockdown", "body.checks.0.evidence.0", "e" * 200, "e" * 201),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "path", "last", "first_refused"),
    BOUNDS,
    ids=[f"{b[0]}:{b[1]}:{i}" for i, b in enumerate(BOUNDS)],
)
def test_bounds_on_both_sides(kind: str, path: str, last: Any, first_refused: Any) -> None:
    assert accepted(kind, path, last)
    assert not accepted(kind, path, first_refused)


# Every member of every closed set of values on the wire.
LITERALS = [
    ("status", "body.state", ["online", "offline"]),
    ("status", "body.reason", ["birth", "clean_stop", "connection_lost"]),
    ("printer", "body.state", ["ok", "degraded", "down", "unknown"]),
    ("printer", "body.functions.0.state", ["ok", "degraded", "down", "unknown"]),
    ("printer", "body.kind", ["printer"]),
    ("printer", "body.reasons.0.severity", ["down", "degraded"]),
    ("printer", "body.printer.supplies.0.state",
     ["ok", "low", "empty", "almost_full", "full", "some_remaining", "unknown", "other", "invalid"]),
    ("printer", "body.printer.supplies.0.supply_class", ["consumed", "receptacle", "other"]),
    ("printer", "body.printer.supplies.0.precision", ["exact", "coarse", "presence", None]),
    ("printer", "body.printer.inputs.0.state", ["ok", "low", "empty", "some_remaining", "unknown", "other", "invalid"]),
    ("network", "body.network.interfaces.0.oper",
     ["up", "down", "testing", "unknown", "dormant", "not_present", "lower_layer_down"]),
    ("network", "body.network.interfaces.0.admin", ["up", "down", "testing"]),
    ("network", "body.network.interfaces.0.role", ["radio", "uplink", "watched"]),
    ("link", "body.link.wifi_logging.method", ["http", "syslog"]),
    ("link", "body.link.wifi_logging.result", ["pass", "fail", "unknown"]),
    ("lockdown", "body.checks.0.severity", ["critical", "warning"]),
    ("lockdown", "body.checks.0.result", ["pass", "fail", "unknown"]),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "path", "values"), LITERALS, ids=[f"{x[0]}:{x[1]}" for x in LITERALS])
def test_every_value_of_closed_sets(kind: str, path: str, values: list[str | None]) -> None:
    for value in values:
        assert accepted(kind, path, value), value
    assert not accepted(kind, path, "something_else")


@pytest.mark.parametrize("kind", ["scanner", "network", "link"])
def test_every_device_kind(kind: str) -> None:
    assert accepted(kind)
    assert not accepted(kind, "body.kind", "fax")


def test_reason_severity_defaults_to_degraded() -> None:
    assert Reason(code="x", label="X").severity == "degraded"
    reason = {k: v for k, v in REASON.items() if k != "severity"}
    topic, payload = message("printer", "body.reasons", [reason])
    decoded = decode(topic, payload, now=NOW)
    assert isinstance(decoded, DeviceMessage)
    assert decoded.body.reasons[0].severity == "degraded"


def test_body_defaults() -> None:
    body = DeviceBody(device="hp", kind="printer", reachable=True, state="ok", label="en service")
    assert (body.consecutive_failures, body.reasons, body.functions, body.printer) == (0, (), (), None)
    topic, payload = message("network", "body.network", {"sys_descr": "AP"})
    decoded = decode(topic, payload, now=NOW)
    assert isinstance(decoded, DeviceMessage)
    assert decoded.body.network is not None
    assert (decoded.body.network.interfaces_total, decoded.body.network.clients) == (0, None)
    topic, payload = message(
        "link", "body.link.sites.0", {k: v for k, v in LINK["sites"][0].items() if k != "port"}
    )
    decoded = decode(topic, payload, now=NOW)
    assert isinstance(decoded, DeviceMessage)
    assert decoded.body.link is not None
    assert decoded.body.link.sites[0].port == 443
    supply = {
        k: v for k, v in SUPPLY.items() if k not in ("receptacle", "marking", "fill_percent", "precision")
    }
    topic, payload = message("printer", "body.printer.supplies", [supply])
    decoded = decode(topic, payload, now=NOW)
    assert isinstance(decoded, DeviceMessage)
    assert decoded.body.printer is not None
    got = decoded.body.printer.supplies[0]
    assert (got.receptacle, got.marking, got.fill_percent, got.precision) == (False, False, None, None)
    tray = {k: v for k, v in TRAY.items() if k != "manual"}
    topic, payload = message("printer", "body.printer.inputs", [tray])
    decoded = decode(topic, payload, now=NOW)
    assert isinstance(decoded, DeviceMessage)
    assert decoded.body.printer is not None
    assert decoded.body.printer.inputs[0].manual is False
    assert decoded.body.printer.incomplete is False  # not said: complete
    lockdown = LockdownBody(profile="p", intact=True, checks=())
    assert lockdown.security_event is False


def test_device_function_state_falls_back_on_the_whole_device() -> None:
    topic, payload = message("printer")
    decoded = decode(topic, payload, now=NOW)
    assert isinstance(decoded, DeviceMessage)
    assert (decoded.body.function_state("print"), decoded.body.function_state("scan")) == ("down", "down")


def test_lockdown_message_round_trip() -> None:
    original = LockdownMessage(
        v=1, site="maurepas", agent="kiosque-1", seq=3, ts=TS,
        body=LockdownBody(profile="kiosque", intact=False, security_event=True, checks=(
            LockdownCheck(id="usb", label="Clés USB bloquées", severity="critical", result="fail", evidence=("usb-storage chargé",)),
        )),
    )  # fmt: skip
    assert decode("esc/v1/maurepas/kiosque-1/lockdown", encode(original), now=NOW) == original
    assert str(topic_of(original)) == "esc/v1/maurepas/kiosque-1/lockdown"


# --------------------------------------------------------------------------- identifiers and topics


@pytest.mark.parametrize(
    ("device", "ok"),
    [("hp", True), ("hp-2.accueil_1", True), ("0", True), ("a" * 63, True), ("a" * 64, False), ("+", False),
     ("#", False), ("hp+", False), ("hp#", False), ("hp/2", False), ("HP", False), ("-hp", False), ("", False),
     ("é", False)],
)  # fmt: skip
def test_device_identifiers_never_carry_mqtt_wildcards(device: str, ok: bool) -> None:
    topic = f"esc/v1/maurepas/accueil-pc1/device/{device}"
    body = {**DEVICE, "device": device}
    payload = json.dumps({**MESSAGES["printer"][1], "body": body}).encode()
    if ok:
        assert decode(topic, payload, now=NOW).body.device == device  # type: ignore[union-attr]
        assert check_ident(device) == device
        return
    with pytest.raises(MessageRejected) as info:
        decode(topic, payload, now=NOW)
    assert info.value.reason in (RejectReason.UNKNOWN_TOPIC, RejectReason.INVALID_SCHEMA)
    with pytest.raises(ValueError, match="Invalid device"):
        Topic("maurepas", "accueil-pc1", Kind.DEVICE, device)
    with pytest.raises(ValueError, match="Invalid identifier"):
        check_ident(device)


def test_a_wildcard_device_in_the_body_on_a_plain_topic_is_refused() -> None:
    topic, payload = message("printer", "body.device", "+")
    with pytest.raises(MessageRejected) as info:
        decode(topic, payload, now=NOW)
    assert info.value.reason is RejectReason.INVALID_SCHEMA


@pytest.mark.parametrize(
    ("topic", "reason"),
    [
        ("esc/v1/maurepas/accueil-pc1/device/other", RejectReason.TOPIC_MISMATCH),  # body says "hp"
        ("esc/v1/maurepas/accueil-pc1/device", RejectReason.UNKNOWN_TOPIC),  # a device topic needs its device
        (
            "esc/v1/maurepas/accueil-pc1/host/hp",
            RejectReason.UNKNOWN_TOPIC,
        ),  # only devices have a sixth level
        ("esc/v1/maurepas/accueil-pc1/device/hp/extra", RejectReason.UNKNOWN_TOPIC),
        ("esc/v2/maurepas/accueil-pc1/device/hp", RejectReason.UNKNOWN_TOPIC),
        ("esc/v1/maurepas/accueil-pc1/fax/hp", RejectReason.UNKNOWN_TOPIC),
        ("esc/v1/maurepas/+/device/hp", RejectReason.UNKNOWN_TOPIC),
    ],
)
def test_device_topics(topic: str, reason: RejectReason) -> None:
    _, payload = message("printer")
    with pytest.raises(MessageRejected) as info:
        decode(topic, payload, now=NOW)
    assert info.value.reason is reason


def test_topics_build_and_subscribe() -> None:
    assert str(Topic("maurepas", "pc1", Kind.DEVICE, "hp")) == "esc/v1/maurepas/pc1/device/hp"
    assert str(Topic("maurepas", "pc1", Kind.LOCKDOWN)) == "esc/v1/maurepas/pc1/lockdown"
    assert (subscription(), subscription("maurepas")) == ("esc/v1/+/#", "esc/v1/maurepas/#")
    with pytest.raises(ValueError, match="kind host with device"):
        Topic("maurepas", "pc1", Kind.HOST, "hp")


# --------------------------------------------------------------------------- size, clock, controls


def test_the_payload_size_limit_exactly() -> None:
    topic, payload = message("printer")
    padded = payload + b" " * (MAX_PAYLOAD_BYTES - len(payload))  # JSON allows trailing white space
    assert len(padded) == MAX_PAYLOAD_BYTES == 262_144
    assert decode(topic, padded, now=NOW).seq == 42
    with pytest.raises(MessageRejected) as info:
        decode(topic, padded + b" ", now=NOW)
    assert info.value.reason is RejectReason.OVERSIZED
    assert info.value.detail == "262145 bytes > 262144"
    # A receiver may set its own limit.
    with pytest.raises(MessageRejected):
        decode(topic, payload, max_bytes=len(payload) - 1, now=NOW)
    assert decode(topic, payload, max_bytes=len(payload), now=NOW).seq == 42


@pytest.mark.parametrize(
    ("offset", "ok"),
    [(0, True), (TIME_WINDOW_SECONDS, True), (-TIME_WINDOW_SECONDS, True), (TIME_WINDOW_SECONDS + 1, False),
     (-TIME_WINDOW_SECONDS - 1, False)],
)  # fmt: skip
def test_the_clock_window_exactly(offset: float, ok: bool) -> None:
    assert TIME_WINDOW_SECONDS == 366 * 86_400
    moment = TS + timedelta(seconds=offset)
    topic, payload = message("host", "ts", moment.isoformat())
    if ok:
        assert decode(topic, payload, now=NOW).timestamp == moment.timestamp()
    else:
        with pytest.raises(MessageRejected) as info:
            decode(topic, payload, now=NOW)
        assert info.value.reason is RejectReason.INVALID_TIME


def test_instants_out_of_any_calendar_are_invalid_time() -> None:
    topic, payload = message("host", "ts", "9999-12-31T23:59:59+00:00")
    with pytest.raises(MessageRejected) as info:
        decode(topic, payload, now=NOW)
    assert info.value.reason is RejectReason.INVALID_TIME


def test_control_characters_are_removed_from_every_string() -> None:
    topic, payload = message("printer", "body.label", "hors\u0007 service\u001b[31m")
    nested = json.loads(payload)
    nested["body"]["reasons"][0]["label"] = "Bourrage\u0000 papier\u007f"
    nested["body"]["printer"]["problems"] = ["a\u0008b", "tab\tand\nnewline kept"]
    decoded = decode(topic, json.dumps(nested).encode(), now=NOW)
    assert isinstance(decoded, DeviceMessage)
    assert decoded.body.printer is not None
    assert decoded.body.label == "hors service[31m"
    assert decoded.body.reasons[0].label == "Bourrage papier"
    assert decoded.body.printer.problems == ("ab", "tab\tand\nnewline kept")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"v": 2}, RejectReason.UNSUPPORTED_VERSION),
        ({"v": 0}, RejectReason.UNSUPPORTED_VERSION),
        ({"v": SCHEMA_VERSION, "seq": -1}, RejectReason.INVALID_SCHEMA),
        ({"epoch": "UPPER"}, RejectReason.INVALID_SCHEMA),
        ({"epoch": "a" * 33}, RejectReason.INVALID_SCHEMA),
        ({"ts": "2026-11-17T10:00:00"}, RejectReason.INVALID_SCHEMA),  # naive
    ],
)
def test_envelope_rejections(change: dict[str, Any], reason: RejectReason) -> None:
    topic, data = MESSAGES["host"]
    with pytest.raises(MessageRejected) as info:
        decode(topic, json.dumps({**data, **change}).encode(), now=NOW)
    assert info.value.reason is reason
    assert len(str(info.value)) <= 300 + len(reason.value) + 2


def test_a_version_2_message_with_an_escaped_control_is_still_unsupported() -> None:
    topic, data = MESSAGES["host"]
    payload = json.dumps({**data, "v": 2, "body": {**HOST, "os": "Li\u0001nux"}}).encode()
    with pytest.raises(MessageRejected) as info:
        decode(topic, payload, now=NOW)
    assert info.value.reason is RejectReason.UNSUPPORTED_VERSION


def test_epoch_bounds() -> None:
    assert accepted("host", "epoch", "a" * 32)
    assert accepted("host", "epoch", None)
    assert not accepted("host", "epoch", "")


def test_json_schemas_name_the_limits() -> None:
    schemas = json_schemas()
    assert (schemas["schema_version"], schemas["max_payload_bytes"], schemas["time_window_seconds"]) == (
        1, 262_144, 366 * 86_400)  # fmt: skip
    assert set(schemas["messages"]) == {"status", "host", "device", "lockdown"}
    assert schemas["messages"]["lockdown"]["$ref"].endswith("LockdownMessage")
    assert schemas["messages"]["status"]["$ref"].endswith("StatusMessage")
    assert schemas["messages"]["device"]["$ref"].endswith("DeviceMessage")
    assert schemas["messages"]["host"]["$ref"].endswith("HostMessage")


# --------------------------------------------------------------------------- what a rejection says


def rejection(topic: str, payload: bytes, now: float | None = NOW) -> MessageRejected:
    with pytest.raises(MessageRejected) as info:
        decode(topic, payload, now=now)
    return info.value


def test_rejections_say_why_in_their_detail() -> None:
    topic, payload = message("host")
    oversized = rejection(topic, b" " * (MAX_PAYLOAD_BYTES + 1))
    assert str(oversized) == "oversized: 262145 bytes > 262144"
    unknown = rejection("printers/pc1/host", payload)
    assert (unknown.reason, unknown.detail) == (
        RejectReason.UNKNOWN_TOPIC,
        "Invalid topic: printers/pc1/host",
    )
    assert len(rejection("x" * 400, payload).detail) == 300
    malformed = rejection(topic, b"{not json")
    assert malformed.reason is RejectReason.INVALID_JSON
    assert malformed.detail.startswith("JSON is malformed")
    late = rejection(*message("host", "ts", "2030-01-01T00:00:00+00:00"))
    assert late.detail == "ts 2030-01-01T00:00:00+00:00 is more than a year away from the receiver's clock"
    long_field = rejection(
        *message("host", "body.disks", [{"mount": "/", "total_bytes": 1, "free_bytes": 1, "f" * 400: 1}])
    )
    assert long_field.reason is RejectReason.INVALID_SCHEMA
    assert long_field.detail.startswith("Object contains unknown field")
    assert len(long_field.detail) == 300


def test_a_body_of_the_wrong_type_is_a_schema_error_not_json() -> None:
    got = rejection(*message("host", "body", []))
    assert got.reason is RejectReason.INVALID_SCHEMA
    assert got.detail == "Expected `object`, got `array` - at `$.body`"


def test_topic_mismatch_detail_names_both() -> None:
    _, payload = message("printer")
    got = rejection("esc/v1/maurepas/accueil-pc1/device/other", payload)
    assert (
        got.detail
        == "envelope 'maurepas'/'accueil-pc1'/device published on 'esc/v1/maurepas/accueil-pc1/device/other'"
    )
    # The longest topic (identifiers of 63 characters) is cut to 200 characters in the detail.
    site, agent, device = "s" * 63, "a" * 63, "d" * 63
    topic = f"esc/v1/{site}/{agent}/device/{device}"
    data = {**MESSAGES["printer"][1], "site": site, "agent": agent}
    got = rejection(topic, json.dumps(data).encode())
    assert got.reason is RejectReason.TOPIC_MISMATCH
    assert got.detail.endswith(f"published on {topic[:200]!r}")


def test_an_identifier_with_a_trailing_newline_is_a_schema_error() -> None:
    # A regular expression's "$" matches before a final newline: "maurepas\n" must still be refused.
    got = rejection(*message("host", "site", "maurepas\n"))
    assert got.reason is RejectReason.INVALID_SCHEMA
    assert "$.site" in got.detail or got.detail.startswith("Invalid site: 'maurepas\\n'")


def test_a_raw_delete_character_is_removed_too() -> None:
    topic, payload = message("printer", "body.label", "hors service")
    payload = payload.replace(b"hors service", b"hors\x7f service")
    assert b"\\u00" not in payload
    decoded = decode(topic, payload, now=NOW)
    assert isinstance(decoded, DeviceMessage)
    assert decoded.body.label == "hors service"


def test_decode_uses_the_receiver_clock_by_default() -> None:
    topic, data = MESSAGES["host"]
    fresh = {**data, "ts": now_utc().isoformat()}
    assert decode(topic, json.dumps(fresh).encode()).seq == 42
    assert now_utc().tzinfo is UTC


def test_topic_errors_name_the_level() -> None:
    with pytest.raises(ValueError, match="Invalid site: 'Maurepas'"):
        Topic("Maurepas", "pc1", Kind.HOST)
    with pytest.raises(ValueError, match="Invalid agent: 'pc 1'"):
        Topic("maurepas", "pc 1", Kind.HOST)


def test_function_state_of_each_listed_function() -> None:
    body = DeviceBody(device="mfp", kind="printer", reachable=True, state="degraded", label="x",
                      functions=(FunctionState(function="print", state="down"), FunctionState(function="scan", state="ok")))  # fmt: skip
    assert (body.function_state("print"), body.function_state("scan"), body.function_state("fax")) == (
        "down", "ok", "degraded")  # fmt: skip


def test_to_builtins_and_replace() -> None:
    topic, payload = message("printer")
    decoded = decode(topic, payload, now=NOW)
    assert json.loads(json.dumps(to_builtins(decoded))) == json.loads(encode(decoded))  # tuples stay tuples
    assert to_builtins(decoded)["body"]["printer"]["page_count"] == 1000
    moved = replace(decoded, seq=43)
    assert (moved.seq, decoded.seq, moved.body) == (43, 42, decoded.body)


def test_json_schemas_name_the_topic_and_identifiers() -> None:
    schemas = json_schemas()
    assert schemas["topic"] == "esc/v1/<site>/<agent>/<kind>[/<device>]"
    assert schemas["identifier_pattern"] == IDENT_PATTERN


@pytest.mark.parametrize(("length", "ok"), [(1, True), (63, True), (64, False), (65, False), (1000, False)])
def test_identifier_lengths_on_both_sides(length: int, ok: bool) -> None:
    # Up to 63 characters; longer ones are refused with the same ValueError, whatever their length
    # (the answers for short strings are cached, longer ones are judged each time).
    value = "a" * length
    if ok:
        assert check_ident(value) == value
        return
    with pytest.raises(ValueError, match="Invalid identifier"):
        check_ident(value)
    _, payload = message("printer")
    with pytest.raises(MessageRejected) as info:
        decode(f"esc/v1/{value}/accueil-pc1/device/hp", payload, now=NOW)
    assert info.value.reason is RejectReason.UNKNOWN_TOPIC
