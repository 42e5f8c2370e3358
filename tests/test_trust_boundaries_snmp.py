"""Issue 12 row 10: SNMP tables past the limits make a printer ``unknown`` with a problem, never ``ok``.

A real recording patched with 10,000 supply rows (or 3,000 alert rows), served by snmpsim, polled
by ``esc-agent once``, published through Mosquitto to ``esc-collector run``; and the parser and
state rules on tables just under and just over their bounds.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from agent.printers import mib
from agent.printers.parse import MAX_ROWS, parse_printer
from agent.printers.poller import SnmpSession, SnmpTarget, poll
from agent.printers.snmprec import parse_snmprec
from agent.printers.state import StateOptions, derive

from helpers.agent import printer_block, write_agent_config
from helpers.broker import Broker
from helpers.collector import CollectorProc
from helpers.processes import run_cli, wait_for
from helpers.recordings import ALERT, patch, recording
from helpers.snmp import Simulator

SUPPLY = "1.3.6.1.2.1.43.11.1.1"


def supply_rows(count: int) -> dict[str, tuple[str, str]]:
    """``count`` toner rows, every one 50 % full."""
    rows: dict[str, tuple[str, str]] = {}
    for i in range(1, count + 1):
        rows |= {f"{SUPPLY}.3.1.{i}": ("2", "0"), f"{SUPPLY}.4.1.{i}": ("2", "3"), f"{SUPPLY}.5.1.{i}": ("2", "3"),
                 f"{SUPPLY}.6.1.{i}": ("4", f"Toner {i}"), f"{SUPPLY}.7.1.{i}": ("2", "13"),
                 f"{SUPPLY}.8.1.{i}": ("2", "100"), f"{SUPPLY}.9.1.{i}": ("2", "50")}  # fmt: skip
    return rows


def alert_rows(count: int, code: int = 1104) -> dict[str, tuple[str, str]]:
    """``count`` alert rows (toner low by default)."""
    rows: dict[str, tuple[str, str]] = {}
    for i in range(1, count + 1):
        rows |= {f"{ALERT}.2.1.{i}": ("2", "4"), f"{ALERT}.4.1.{i}": ("2", "11"), f"{ALERT}.5.1.{i}": ("2", "1"),
                 f"{ALERT}.6.1.{i}": ("2", "0"), f"{ALERT}.7.1.{i}": ("2", str(code))}  # fmt: skip
    return rows


def _warm(sim: Simulator, community: str) -> None:
    """Make snmpsim index a big recording before the agent polls it (the first answer takes seconds)."""

    async def run() -> None:
        session = SnmpSession()
        try:
            await poll(
                session,
                SnmpTarget(host="127.0.0.1", port=sim.port, community=community, timeout=90, retries=0),
            )
        finally:
            session.close()

    asyncio.run(run())


@pytest.mark.slow
def test_printers_with_10000_supplies_or_3000_alerts_are_unknown_with_a_problem(
    snmpsim: Simulator, mosquitto: Broker, collector: CollectorProc, tmp_path: Path
) -> None:
    base = recording("brother")
    supplies = snmpsim.claim(patch(base, supply_rows(10_000), drop_prefixes=(SUPPLY,)))
    alerts = snmpsim.claim(patch(base, alert_rows(3_000), drop_prefixes=(ALERT,)))
    for community in (supplies, alerts):
        _warm(snmpsim, community)
    received: dict[str, dict[str, object]] = {}
    recorder = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="row10-recorder")
    recorder.on_message = lambda _c, _u, msg: received.__setitem__(
        msg.topic.rsplit("/", 1)[1], json.loads(msg.payload)
    )
    recorder.connect("127.0.0.1", mosquitto.port)
    recorder.subscribe("esc/v1/+/+/device/#", qos=1)
    recorder.loop_start()
    try:
        config = write_agent_config(
            tmp_path / "agent",
            extra=printer_block("many-supplies", snmpsim.port, supplies) + printer_block("many-alerts", snmpsim.port, alerts)
            + printer_block("normal", snmpsim.port, "brother"),
        )  # fmt: skip
        result = run_cli("esc-agent", "once", "--config", str(config), "--broker", mosquitto.url, timeout=180)
        assert result.returncode == 0, result.stderr
        labels = {"site": "maurepas"}
        for device in ("many-supplies", "many-alerts"):
            wait_for(lambda d=device: collector.value("esc_device_state", device=d, state="unknown", **labels) == 1.0,
                     timeout=10, what=f"{device} unknown at the collector")  # fmt: skip
            assert collector.value("esc_device_state", device=device, state="ok", **labels) is None
        wait_for(lambda: len(received) == 3, timeout=5, what="the three device messages")
        for device, table in (("many-supplies", f"{SUPPLY}.5"), ("many-alerts", f"{ALERT}.2")):
            body = received[device]["body"]
            assert isinstance(body, dict)
            assert body["state"] == "unknown"
            assert body["label"] == "état inconnu : lecture incomplète"
            printer = body["printer"]
            assert printer["incomplete"] is True
            assert any(p.startswith("SNMP walk incomplete: ") and f"{table}: more than 2000 rows" in p
                       for p in printer["problems"]), printer["problems"]  # fmt: skip
            assert all(f["state"] == "unknown" for f in body["functions"])
        normal = received["normal"]["body"]
        assert isinstance(normal, dict)
        assert normal["state"] == "ok"
        assert normal["printer"]["incomplete"] is False
    finally:
        recorder.disconnect()
        recorder.loop_stop()


def _derived(raw: dict[str, object]) -> tuple[str, bool, tuple[str, ...]]:
    status = parse_printer(raw)  # type: ignore[arg-type]
    derived = derive(status, reachable=True, consecutive_failures=0, options=StateOptions())
    return derived.state, status.incomplete, status.problems


def _brother_with(values: dict[str, tuple[str, str]], drop: str) -> dict[str, object]:
    return dict(parse_snmprec(patch(recording("brother"), values, drop_prefixes=(drop,))))


@pytest.mark.parametrize(
    ("what", "rows", "incomplete"),
    [
        ("supplies", MAX_ROWS, False),
        ("supplies", MAX_ROWS + 1, True),
        ("alerts", MAX_ROWS, False),
        ("alerts", MAX_ROWS + 1, True),
    ],
)
def test_tables_over_the_parsers_bound_are_incomplete(what: str, rows: int, incomplete: bool) -> None:
    if what == "supplies":
        raw = _brother_with(supply_rows(rows), SUPPLY)
    else:
        raw = _brother_with(alert_rows(rows, code=1104), ALERT)
    state, flagged, problems = _derived(raw)
    assert flagged is incomplete
    if incomplete:
        assert state == "unknown"
        assert problems[0] == f"{what}: {rows} rows, only the first {MAX_ROWS} kept"
    else:
        assert state in ("ok", "degraded")  # 64 toner-low alerts: degraded, judged on every row


def test_the_walk_marker_makes_the_state_unknown() -> None:
    raw = dict(parse_snmprec(recording("brother")))
    assert _derived(raw)[0] == "ok"
    raw[mib.WALK_TRUNCATED] = "cut midway: No SNMP response received before timeout"
    state, incomplete, problems = _derived(raw)
    assert (state, incomplete) == ("unknown", True)
    assert problems[0] == "SNMP walk incomplete: cut midway: No SNMP response received before timeout"
