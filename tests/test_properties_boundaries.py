"""Issue 12 point 10: property-based tests of what crosses a trust boundary.

- ``decode()`` raises only ``MessageRejected``, whatever the bytes: random bytes, random JSON,
  real payloads mutated with hostile values (numbers at every bound and past them, huge and
  NaN-like numbers, instants around years 1 and 9999, control characters); what it accepts is
  within the contract (bounded, no control character, re-encodes and decodes again);
- ``parse_printer`` never raises on random varbinds and keeps its invariants, and what the agent
  derives from it passes the collector's ``decode()`` (the agent never publishes what the
  collector refuses);
- every configuration loader (agent, lockdown policy, collector, ``sites.toml``) turns random
  TOML-able data (the shipped samples, mutated) into a value or a one-line ``ConfigError``.

The number of cases comes from the hypothesis profile (``tests/conftest.py``: ``ci`` runs 10,000
per property, deterministically).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import re
import shutil
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.config import load_agent_config
from agent.contract.messages import (
    MAX_COUNTER,
    TIME_WINDOW_SECONDS,
    DeviceBody,
    DeviceMessage,
    MessageRejected,
    decode,
    encode,
    to_builtins,
)
from agent.lockdown.policy import load_policy
from agent.printers import mib
from agent.printers.parse import MAX_ROWS, parse_printer
from agent.printers.snmprec import parse_snmprec
from agent.printers.state import StateOptions, derive
from agent.shared.config import ConfigError
from collector.config import load_collector_config
from collector.sites import load_sites

from helpers.processes import REPO
from helpers.recordings import RECORDINGS, recording

NOW = 1_795_000_000.0  # 2026-11-18
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
#: Cases checked per hypothesis example: the profile's example count × BATCH cases per property
#: (``ci``: 500 × 20 = 10,000). Hypothesis draws a seed; the cases come from it, and a failure
#: names the case itself (payload, varbinds or TOML text), not only the seed.
BATCH = 20
CASES = given(st.integers(min_value=0, max_value=2**64 - 1))


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat().replace("+00:00", "Z")


def _real_messages() -> list[tuple[str, dict[str, Any]]]:
    """One valid message of each kind (a printer with supplies, trays and an alert), with its topic."""
    envelope = {
        "v": 1,
        "site": "maurepas",
        "agent": "accueil-pc1",
        "epoch": "k3v9x2",
        "seq": 42,
        "ts": _iso(NOW),
    }
    printer = {
        "sys_descr": "HP LaserJet", "model": "M880", "serial": "CN123", "printer_status": "idle",
        "device_status": "running", "errors": ["lowToner"], "page_count": 123456,
        "supplies": [{"index": "1.1", "description": "Black Toner", "type": "toner", "supply_class": "consumed",
                      "unit": "percent", "colour": "black", "raw_level": 12, "raw_max": 100, "percent": 12.0,
                      "marking": True, "state": "low"}],
        "inputs": [{"index": "1.2", "name": "Tray 2", "raw_level": -3, "raw_max": 500, "percent": None,
                    "state": "some_remaining"}],
        "alerts": [{"index": "1", "code": 8, "code_name": "jam", "severity": "critical", "group": "input",
                    "group_index": 2, "location": 0, "description": "Jam in tray 2"}],
        "problems": ["supply 2 level 120 above its max capacity 100"],
    }  # fmt: skip
    device = {
        "device": "copieur-accueil", "kind": "printer", "name": "Copieur", "reachable": True,
        "consecutive_failures": 0, "poll_seconds": 0.4, "state": "down", "label": "hors service : bourrage",
        "reasons": [{"code": "jam", "label": "Bourrage", "subject": "1.2", "severity": "down", "functions": ["print"]}],
        "functions": [{"function": "print", "state": "down"}], "printer": printer,
    }  # fmt: skip
    host = {
        "os": "Linux", "boot_time": NOW - 3600, "uptime_seconds": 3600.0, "cpu_count": 4, "cpu_usage_ratio": 0.5,
        "load1": 0.7, "memory_total_bytes": 8 * 2**30, "memory_available_bytes": 2**30,
        "disks": [{"mount": "/", "total_bytes": 2**36, "free_bytes": 2**35}], "user_sessions": 1,
        "outbox_pending": 3, "outbox_dropped": 0,
    }  # fmt: skip
    status = {"state": "online", "session": 7, "reason": "birth", "agent_version": "0.1.0"}
    lockdown = {"profile": "kiosque", "intact": False, "security_event": True,
                "checks": [{"id": "usb_storage", "label": "Clés USB", "severity": "critical", "result": "fail",
                            "evidence": ["usb-storage loaded"]}]}  # fmt: skip
    base = "esc/v1/maurepas/accueil-pc1"
    return [
        (f"{base}/device/copieur-accueil", {**envelope, "kind": "device", "body": device}),
        (f"{base}/host", {**envelope, "kind": "host", "body": host}),
        (f"{base}/status", {**envelope, "kind": "status", "body": status}),
        (f"{base}/lockdown", {**envelope, "kind": "lockdown", "body": lockdown}),
    ]


REAL = _real_messages()


def test_the_real_messages_are_valid() -> None:
    for topic, message in REAL:
        decode(topic, json.dumps(message).encode(), now=NOW)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _paths(item, (*prefix, index))
    return out


def _set(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _set(value[head], rest, new) if rest else new}
    copy = list(value)
    copy[head] = _set(copy[head], rest, new)
    return copy


def _delete(value: Any, path: tuple[Any, ...]) -> Any:
    if len(path) == 1:
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if k != path[0]}
        return [v for i, v in enumerate(value) if i != path[0]]
    head = path[0]
    if isinstance(value, dict):
        return {**value, head: _delete(value[head], path[1:])}
    copy = list(value)
    copy[head] = _delete(copy[head], path[1:])
    return copy


# Numbers at and past every bound the contract uses, and the ones that broke it (issue 12 rows 1, 11, 13).
_BOUNDS = [0, 1, 2, 3, 8, 16, 32, 48, 64, 100, 128, 200, 256, 512, 3600, 65_536, 1_000_000, 100_000_000,
           2**31, 2**32, 2**53, 2**60, 2**63, 2**64, 1e10, 7.3e9]  # fmt: skip
_SPECIAL_NUMBERS = [
    1e308,
    -1e308,
    5e-324,
    -0.0,
    1.7976931348623157e308,
    10**400,
    -(10**400),
    2**63 - 1,
    2**63,
]
# Instants around the ends of the calendar and of the receiver's window, with and without offsets.
_INSTANTS = [
    "9999-12-31T23:59:59-05:00", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00Z",
    "2099-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "2026-11-18T00:00:00",
    "2026-13-01T00:00:00Z", "2026-11-18T25:00:00Z", "2026-11-18T00:00:00+24:00", "nan", "", "2026-11-18",
    _iso(NOW + TIME_WINDOW_SECONDS - 1), _iso(NOW + TIME_WINDOW_SECONDS + 1), _iso(NOW - TIME_WINDOW_SECONDS - 1),
    _iso(NOW - TIME_WINDOW_SECONDS + 1),
]  # fmt: skip
_SPAN = int((dt.datetime.max - dt.datetime.min).total_seconds())  # seconds from year 1 to year 9999
_OFFSETS = [dt.UTC, dt.timezone(dt.timedelta(hours=14)), dt.timezone(dt.timedelta(hours=-12, minutes=-30))]
_TEXTS = ["\x00", "a\x1bb", "\x7f", "<script>alert(1)</script>", "é" * 257, "x" * 513, "\u202e", "", " ", "ok",
          "\u2028", "\ud7ff", "a\tb\nc"]  # fmt: skip
_RAW_TOKENS = [
    "Infinity",
    "-Infinity",
    "NaN",
    "1e999",
    "-1e999",
    "1" * 400,
    "0x10",
    "01",
    "1.",
    ".5",
    "+1",
    "1e+308",
]


def hostile_number(r: random.Random) -> int | float:
    """A number at or past a bound, a huge one, or any float."""
    pick = r.random()
    if pick < 0.5:
        bound = r.choice(_BOUNDS)
        return r.choice([bound - 1, bound, bound + 1, -bound, bound * 1.0 + 0.5, -bound - 1])
    if pick < 0.65:
        return r.choice(_SPECIAL_NUMBERS)
    if pick < 0.8:
        return r.randint(-(10**30), 10**30)
    return r.uniform(-1e12, 1e12) if r.random() < 0.5 else r.random()


def hostile_instant(r: random.Random) -> str:
    """An instant near the ends of the calendar or of the window, or anywhere in years 1..9999."""
    if r.random() < 0.5:
        return r.choice(_INSTANTS)
    day = dt.datetime(1, 1, 1) + dt.timedelta(seconds=r.randrange(0, _SPAN))
    return day.replace(tzinfo=r.choice(_OFFSETS)).isoformat()


def hostile_text(r: random.Random) -> str:
    """A string with control characters, long, or ordinary."""
    if r.random() < 0.4:
        return r.choice(_TEXTS)
    length = r.choice([0, 1, 5, 40, 200, 300])
    alphabet = r.choice([(0, 0x9F), (0x20, 0x7E), (0, 0x2FFF)])
    return "".join(chr(r.randint(*alphabet)) for _ in range(length)).replace("\ud800", "")


def hostile_json(r: random.Random, depth: int = 2) -> Any:
    """A random JSON value, nested up to ``depth``."""
    pick = r.random()
    if depth > 0 and pick < 0.15:
        return [hostile_json(r, depth - 1) for _ in range(r.randint(0, 4))]
    if depth > 0 and pick < 0.3:
        return {hostile_text(r): hostile_json(r, depth - 1) for _ in range(r.randint(0, 4))}
    return r.choice([None, True, False, hostile_number(r), hostile_text(r), hostile_instant(r)])


def hostile(r: random.Random) -> Any:
    """Any hostile value."""
    return r.choice([hostile_number, hostile_instant, hostile_text, hostile_json])(r)


def _check_accepted(message: Any) -> None:
    """What ``decode`` accepts stays inside the contract."""
    assert abs(message.timestamp - NOW) <= TIME_WINDOW_SECONDS
    assert 0 <= message.seq <= MAX_COUNTER

    def walk(value: Any) -> None:
        if isinstance(value, str):
            assert not _CONTROL.search(value), value
        elif isinstance(value, float):
            assert math.isfinite(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            assert -(2**63) <= value <= 2**64
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(to_builtins(message))
    again = decode(_topic_of(message), encode(message), now=NOW)
    assert again == message


def _topic_of(message: Any) -> str:
    base = f"esc/v1/{message.site}/{message.agent}/{message.kind}"
    return f"{base}/{message.body.device}" if isinstance(message, DeviceMessage) else base


def _decode_only_rejects(topic: str, payload: bytes) -> None:
    try:
        message = decode(topic, payload, now=NOW)
    except MessageRejected:
        return
    _check_accepted(message)


TOPICS = [t for t, _ in REAL]


@CASES
def test_decode_random_bytes(seed: int) -> None:
    r = random.Random(seed)
    for _ in range(BATCH):
        payload = r.randbytes(r.choice([0, 1, 16, 200, 2048]))
        if r.random() < 0.5:  # bytes that start like a message
            payload = b'{"v": 1, "kind": "host", ' + payload
        _decode_only_rejects(r.choice([*TOPICS, "esc/v1/+/x/host", "a/b", ""]), payload)


@CASES
def test_decode_random_json(seed: int) -> None:
    r = random.Random(seed)
    for _ in range(BATCH):
        _decode_only_rejects(r.choice(TOPICS), json.dumps(hostile_json(r, 3), allow_nan=True).encode())


def mutate(r: random.Random, document: Any, value: Callable[[random.Random], Any], times: int) -> Any:
    """Replace, delete, add or re-type values at random places of ``document``."""
    for _ in range(times):
        paths = _paths(document)
        if not paths:
            return document
        path = r.choice(paths)
        action = r.choice(["replace", "replace", "replace", "delete", "add", "retype"])
        if action == "delete":
            document = _delete(document, path)
        elif action == "add" and isinstance(data_at(document, path[:-1]), dict):
            document = _set(document, (*path[:-1], hostile_text(r) or "k"), value(r))
        elif action == "retype":
            old = data_at(document, path)
            document = _set(document, path, [old] if not isinstance(old, list) else {"x": old})
        else:
            document = _set(document, path, value(r))
    return document


@CASES
def test_decode_mutated_real_payloads(seed: int) -> None:
    r = random.Random(seed)
    for _ in range(BATCH):
        topic, message = r.choice(REAL)
        message = mutate(r, message, hostile, r.randint(1, 3))
        payload = json.dumps(message, allow_nan=True, ensure_ascii=r.random() < 0.5)
        if r.random() < 0.3:  # a token Python would never write: NaN-like and huge literals
            numbers = list(re.finditer(r"(?<=[:\[,] )-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?", payload))
            if numbers:
                spot = r.choice(numbers)
                payload = payload[: spot.start()] + r.choice(_RAW_TOKENS) + payload[spot.end() :]
        _decode_only_rejects(topic, payload.encode())


def data_at(value: Any, path: tuple[Any, ...]) -> Any:
    """Return the value at ``path``."""
    for step in path:
        value = value[step]
    return value


# --------------------------------------------------------------------------- SNMP parsing

_OID_BASES = [*mib.POLL_SCALARS, *mib.POLL_COLUMNS]
_SNMP_INDEXES = ["1", "1.1", "1.2", "1.3", "2", "1.65", "0", "4294967295", "1.x", "", "1..2", "-1"]
_SNMP_VALUES: list[Any] = [-3, -2, -1, 0, 1, 2, 3, 4, 5, 8, 100, 808, 1104, 2**31 - 1, 2**32, 2**53 + 1, 2**64,
                           b"\x00\x00", b"\xff" * 8, b"0x426C61636B", b"Toner (Cyan);SN123", b"\xc3\x28", b""]  # fmt: skip
_RECORDED = [dict(parse_snmprec(recording(name))) for name in RECORDINGS]


def snmp_value(r: random.Random) -> Any:
    """A varbind value: an integer of any size, bytes, text, or a known awkward one."""
    pick = r.random()
    if pick < 0.3:
        return r.choice(_SNMP_VALUES)
    if pick < 0.55:
        return r.randint(-(2**70), 2**70) if r.random() < 0.3 else r.randint(-5, 2000)
    if pick < 0.8:
        return r.randbytes(r.choice([0, 2, 8, 40, 300]))
    return hostile_text(r)


def varbinds(r: random.Random) -> dict[str, Any]:
    """Random varbinds of a printer's columns, or a real recording with random changes."""
    raw: dict[str, Any] = dict(r.choice(_RECORDED)) if r.random() < 0.5 else {}
    for _ in range(r.randint(0, 60)):
        base = r.choice(_OID_BASES)
        index = (
            r.choice(_SNMP_INDEXES)
            if r.random() < 0.7
            else ".".join(str(r.randint(0, 2**32)) for _ in range(r.randint(1, 3)))
        )
        raw[f"{base}.{index}"] = snmp_value(r)
    if raw and r.random() < 0.3:
        for key in r.sample(sorted(raw), min(len(raw), r.randint(1, 10))):
            raw[key] = snmp_value(r)
    if r.random() < 0.05:
        raw[mib.WALK_TRUNCATED] = "cut"
    return raw


@CASES
def test_parse_printer_never_raises_and_what_the_agent_publishes_passes_the_contract(seed: int) -> None:
    r = random.Random(seed)
    for _ in range(BATCH):
        raw = varbinds(r)
        try:
            _check_printer(raw)
        except Exception as err:
            raise AssertionError(f"{type(err).__name__}: {err} on varbinds {raw!r}") from err


def _check_printer(raw: dict[str, Any]) -> None:
    status = parse_printer(raw)
    assert len(status.problems) <= 32
    assert all(len(p) <= 200 for p in status.problems)
    for table in (status.supplies, status.inputs, status.alerts):
        assert len(table) <= MAX_ROWS
    for supply in status.supplies:
        assert supply.percent is None or 0 <= supply.percent <= 100
    if mib.WALK_TRUNCATED in raw:
        assert status.incomplete
    derived = derive(status, reachable=True, consecutive_failures=0, options=StateOptions())
    if status.incomplete:
        assert derived.state == "unknown"
    body = DeviceBody(device="imprimante", kind="printer", reachable=True, state=derived.state, label=derived.label,
                      reasons=derived.reasons, functions=derived.functions, printer=status)  # fmt: skip
    message = DeviceMessage(v=1, site="maurepas", agent="accueil-pc1", epoch="k3v9x2", seq=1,
                            ts=dt.datetime.fromtimestamp(NOW, dt.UTC), body=body)  # fmt: skip
    decode("esc/v1/maurepas/accueil-pc1/device/imprimante", encode(message), now=NOW)


# --------------------------------------------------------------------------- configuration loaders

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _toml_string(key)


def toml_value(value: Any) -> str:
    """Write one value as TOML (inline tables for nested ones)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else ("inf" if value > 0 else "-inf")
            if math.isinf(value)
            else repr(value)
        )
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(str(k))} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def toml_document(data: dict[str, Any]) -> str:
    """Write a document: scalars first, then ``[table]`` and ``[[array of tables]]`` sections."""
    lines = [f"{_toml_key(k)} = {toml_value(v)}" for k, v in data.items()
             if not isinstance(v, dict) and not (isinstance(v, list) and v and all(isinstance(i, dict) for i in v))]  # fmt: skip
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"[{_toml_key(key)}]")
            lines += [f"{_toml_key(str(k))} = {toml_value(v)}" for k, v in value.items()]
        elif isinstance(value, list) and value and all(isinstance(i, dict) for i in value):
            for item in value:
                lines.append(f"[[{_toml_key(key)}]]")
                lines += [f"{_toml_key(str(k))} = {toml_value(v)}" for k, v in item.items()]
    return "\n".join(lines) + "\n"


_TOML_STRINGS = ["", "24/7", "Mo-Fr 09:00-12:00", "Europe/Paris", "mqtt://h:1", "mqtts://x:99999", "../x", "1m", "0s",
                 "2026-02-30", "maurepas", "print", "scan", "accueil-pc1", "\x00", "a:b", "*", "a\nb", "/dev/null"]  # fmt: skip


def toml_data(r: random.Random, depth: int = 1) -> Any:
    """A random TOML-able value: scalars of every TOML type, arrays, inline tables."""
    pick = r.random()
    if depth > 0 and pick < 0.1:
        return [toml_data(r, depth - 1) for _ in range(r.randint(0, 3))]
    if depth > 0 and pick < 0.2:
        return {hostile_text(r) or "k": toml_data(r, depth - 1) for _ in range(r.randint(0, 3))}
    kind = r.randrange(9)
    if kind == 0:
        return r.random() < 0.5
    if kind == 1:
        return r.choice(
            [0, -1, 1, 2**31, 2**63 - 1, -(2**63), 65_536, 86_400, r.randint(-(2**63), 2**63 - 1)]
        )
    if kind == 2:
        return r.choice([math.nan, math.inf, -math.inf, -0.0, 1e308, 0.5, r.uniform(-1e6, 1e6)])
    if kind in (3, 4):
        return r.choice(_TOML_STRINGS) if r.random() < 0.5 else hostile_text(r)
    if kind == 5:
        return dt.datetime(1, 1, 1) + dt.timedelta(seconds=r.randrange(0, _SPAN))
    if kind == 6:
        return dt.datetime(1, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=r.randrange(0, _SPAN))
    if kind == 7:
        return dt.date(r.randint(1, 9999), r.randint(1, 12), r.randint(1, 28))
    return dt.time(r.randint(0, 23), r.randint(0, 59), r.randint(0, 59))


def _sample(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text())


LOADERS: dict[str, tuple[Path, Callable[[Path], object]]] = {
    "agent": (REPO / "agent" / "sample.toml", load_agent_config),
    "lockdown": (REPO / "agent" / "lockdown" / "sample-policy.toml", load_policy),
    "collector": (REPO / "collector" / "sample.toml", load_collector_config),
    "sites": (REPO / "collector" / "sample-sites.toml", load_sites),
}


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_config_loaders_give_a_value_or_one_line(name: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    sample_path, loader = LOADERS[name]
    sample = _sample(sample_path)
    # Ten thousand writes: in memory (/dev/shm) when there is one, the overlay /tmp is 50 times slower.
    shm = Path("/dev/shm")
    folder = Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() else tmp_path_factory.mktemp(f"config-{name}")
    target = folder / f"{name}.toml"
    loader(sample_path)  # the sample itself loads
    outcomes = {"value": 0, "error": 0}

    @CASES
    def check(seed: int) -> None:
        r = random.Random(seed)
        for _ in range(BATCH):
            document = mutate(r, sample, toml_data, r.randint(1, 4))
            text = toml_document(document)
            target.write_text(text, encoding="utf-8")
            try:
                loader(target)
            except ConfigError as err:
                message = str(err)
                assert "\n" not in message, (message, text)
                assert message.startswith(str(target)), (message, text)
                outcomes["error"] += 1
            except Exception as err:
                raise AssertionError(f"{type(err).__name__}: {err} on\n{text}") from err
            else:
                outcomes["value"] += 1

    try:
        check()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert outcomes["value"] > 0  # the mutations are not all fatal: some reach the deeper checks
