"""Benchmark: collector ingest of device messages against a bare paho subscriber, same broker, same queue.

Run on demand (not part of the test suite; about three minutes)::

    .venv/bin/python benchmarks/bench_ingest.py [--messages 20000] [--pairs 3]

The sites are the sample's (``collector/sample-sites.toml``: maurepas with two copiers offering
print and scan and two PCs, carrefour-18 with one printer), enrolment on, with one agent declared
for carrefour-18 (the sample declares none there), history and availability on as
``esc-collector run`` has them. The messages are device observations of the sample's three
devices by their agents, made by the agent's own code from real recordings (``hp-accueil``:
jetdirect_m880, ``sharp-etage``: sharp, ``brother-salle``: brother; 1.6 to 5.7 kB encoded): one
reading a minute each, stamped over the past, the page counter moving, and one reading in 40 a
jam (a state change, then back to ok) so that transitions are written too.

Each round queues ``--messages`` messages (QoS 1) in Mosquitto for the consumer's persistent
session while it is away (the shipped broker settings: 20 in flight, a queue of 1,000,000), then
starts the consumer and times it from its connection until it has handled the last one:

- **ESC Fleet**: the collector as ``esc-collector run`` wires it (``CollectorService``: decode,
  enrolment, caps, de-duplication, tracker and SQLite history at event time, manual
  acknowledgements after the commit), on a new history file each round;
- **bare subscriber**: paho-mqtt, QoS 1, ``json.loads`` of each payload and nothing else
  (automatic acknowledgements) — the least a Python consumer of these messages does.

Both run in this process, one after the other, alternated (``--pairs`` times, the first of each
pair swapped every pair); CPU is this process's (every thread) during the round. The table
gives medians and the ratio of the medians.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from importlib.metadata import version
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from machine import machine  # noqa: E402 - benchmarks/machine.py, beside this script

from agent.contract.messages import DeviceBody, DeviceMessage, encode, replace  # noqa: E402
from agent.devices import DeviceTracker  # noqa: E402
from agent.printers.compose import read_printer  # noqa: E402
from agent.printers.parse import Thresholds  # noqa: E402
from agent.printers.snmprec import parse_snmprec  # noqa: E402
from agent.printers.state import StateOptions  # noqa: E402
from collector.config import load_collector_config  # noqa: E402
from collector.service import CollectorService  # noqa: E402

from helpers.broker import start_mosquitto  # noqa: E402
from helpers.processes import free_port, stop_process  # noqa: E402
from helpers.recordings import jammed, recording  # noqa: E402

#: (site, agent, device, recording) — the sample's devices and who watches them.
DEVICES = (
    ("maurepas", "accueil-pc1", "hp-accueil", "jetdirect_m880"),
    ("maurepas", "accueil-pc2", "sharp-etage", "sharp"),
    ("carrefour-18", "salle-pc1", "brother-salle", "brother"),
)
EPOCH = "benchingest"
BROKER_CONF = "max_queued_messages 1000000\nmax_queued_bytes 3000000000\nmax_inflight_messages 20\nallow_anonymous true\n"


# ---------------------------------------------------------------------------------- messages
def _body(device: str, text: str) -> DeviceBody:
    status = read_printer(parse_snmprec(text), Thresholds()).status
    return DeviceTracker(device, "printer", None, StateOptions()).observe(status, error=None, seconds=0.8)


def make_messages(count: int, now: float) -> list[tuple[str, bytes]]:
    """Return ``count`` (topic, payload) device messages, one reading a minute per device, oldest first."""
    bodies = []
    for _site, _agent, device, name in DEVICES:
        text = recording(name)
        bodies.append((_body(device, text), _body(device, jammed(text))))
    rounds = -(-count // len(DEVICES))
    out: list[tuple[str, bytes]] = []
    for r in range(rounds):
        ts = now - (rounds - r) * 60.0
        for (site, agent, device, _name), (ok, jam) in zip(DEVICES, bodies, strict=True):
            body = jam if r % 40 == 39 else ok
            if body.printer is not None and body.printer.page_count is not None:
                body = replace(
                    body, printer=replace(body.printer, page_count=body.printer.page_count + r * 3)
                )
            stamp = dt.datetime.fromtimestamp(ts, dt.UTC)
            message = DeviceMessage(v=1, site=site, agent=agent, epoch=EPOCH, seq=r + 1, ts=stamp, body=body)
            out.append((f"esc/v1/{site}/{agent}/device/{device}", encode(message)))
    return out[:count]


def queue_for(port: int, client_id: str, messages: list[tuple[str, bytes]]) -> None:
    """Register ``client_id``'s persistent session on esc/v1/#, then publish every message (QoS 1)."""
    session = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False)
    session.connect("127.0.0.1", port)
    session.loop_start()
    result, _mid = session.subscribe("esc/v1/#", qos=1)
    assert result == mqtt.MQTT_ERR_SUCCESS, result
    time.sleep(0.5)
    session.disconnect()
    session.loop_stop()
    publisher = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-publisher-{client_id}")
    publisher.max_inflight_messages_set(1000)
    publisher.max_queued_messages_set(0)
    publisher.connect("127.0.0.1", port)
    publisher.loop_start()
    infos = [publisher.publish(topic, payload, qos=1) for topic, payload in messages]
    for info in infos:
        info.wait_for_publish(60)
    publisher.disconnect()
    publisher.loop_stop()


# ---------------------------------------------------------------------------------- consumers
@dataclass
class Row:
    """One consumer's rounds."""

    tool: str
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    handled: list[int] = field(default_factory=list)

    def median(self, what: str) -> float:
        """Return the median of ``wall`` or ``cpu``."""
        return statistics.median(getattr(self, what))


def _wait(done: Callable[[], int], count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while done() < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {done()} of {count} messages handled in {timeout:g} s")
        time.sleep(0.002)


def run_collector(
    folder: Path, port: int, messages: list[tuple[str, bytes]], name: str
) -> tuple[float, float, int]:
    """Queue the messages for a new collector, run it until it handled them all; return (wall, CPU, accepted)."""
    sites = folder / "sites.toml"
    sites.write_text(
        (ROOT / "collector" / "sample-sites.toml").read_text(encoding="utf-8")
        + '\n[sites.carrefour-18.agents.salle-pc1]\nname = "le poste de la salle"\n',
        encoding="utf-8",
    )
    config = folder / "collector.toml"
    config.write_text(
        f'[collector]\nname = "{name}"\nlisten = "127.0.0.1:{free_port()}"\n'
        f'[broker]\nurl = "mqtt://127.0.0.1:{port}"\n'
        f'[sites]\nfile = "{sites}"\n[history]\npath = "{folder / "history.sqlite3"}"\n',
        encoding="utf-8",
    )
    queue_for(port, f"esc-collector.{name}", messages)
    service = CollectorService(load_collector_config(config))
    counters = service.state.counters

    def handled() -> int:
        return (sum(counters.accepted.values()) + counters.duplicates + sum(counters.dropped.values())
                + sum(counters.rejected.values()))  # fmt: skip

    wall0, cpu0 = time.perf_counter(), time.process_time()
    service.start()
    try:
        _wait(handled, len(messages), 600)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        accepted = sum(counters.accepted.values())
    finally:
        service.stop()
    if accepted != len(messages):
        raise SystemExit(f"the collector accepted {accepted} of {len(messages)} messages: {counters}")
    return wall, cpu, accepted


def run_bare(port: int, messages: list[tuple[str, bytes]], name: str) -> tuple[float, float, int]:
    """Queue the messages for a bare paho subscriber, run it until it decoded them all."""
    client_id = f"bench-bare-{name}"
    queue_for(port, client_id, messages)
    decoded = [0]

    def on_message(_c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        json.loads(message.payload)
        decoded[0] += 1

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False)
    client.on_message = on_message
    wall0, cpu0 = time.perf_counter(), time.process_time()
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        _wait(lambda: decoded[0], len(messages), 600)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    finally:
        client.disconnect()
        client.loop_stop()
    return wall, cpu, decoded[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    messages = make_messages(args.messages, time.time())
    sizes = sorted({len(p) for _t, p in messages})
    load_before = os.getloadavg()[0]
    ours = Row("ESC Fleet collector (sites, enrolment, history, manual acks)")
    theirs = Row("bare paho subscriber, json.loads only")
    with tempfile.TemporaryDirectory() as folder:
        broker = start_mosquitto(Path(folder) / "broker", BROKER_CONF)
        try:
            for pair in range(args.pairs):
                order: list[tuple[Row, Callable[[], tuple[float, float, int]]]] = [
                    (ours, lambda p=pair: run_collector(Path(tempfile.mkdtemp(dir=folder)), broker.port, messages, f"b{p}")),
                    (theirs, lambda p=pair: run_bare(broker.port, messages, f"b{p}")),
                ]  # fmt: skip
                for row, run in order if pair % 2 == 0 else reversed(order):
                    wall, cpu, handled = run()
                    row.wall.append(wall)
                    row.cpu.append(cpu)
                    row.handled.append(handled)
                    print(f"pair {pair + 1}: {row.tool}: {len(messages) / wall:,.0f} msg/s, "
                          f"{cpu / len(messages) * 1e6:.0f} µs CPU/msg ({handled} handled)", file=sys.stderr)  # fmt: skip
        finally:
            stop_process(broker.proc)
    mosquitto = os.popen("mosquitto -h 2>&1 | head -1").read().strip()
    print(f"Run of {date.today().isoformat()} on {machine()}")
    print(f"Versions: {mosquitto}; paho-mqtt {version('paho-mqtt')}, msgspec {version('msgspec')}, SQLite "
          f"{__import__('sqlite3').sqlite_version}")  # fmt: skip
    print(
        f"{len(messages):,} device messages of {len(DEVICES)} devices, {sizes[0]:,} to {sizes[-1]:,} bytes each"
    )
    print(
        f"Load average (1 min) at the start {load_before:.2f}, at the end {os.getloadavg()[0]:.2f} "
        "(the machine is shared: above ~0.5 others were using it)"
    )
    print()
    print("| consumer | messages/s | wall (s) | CPU µs/message | accepted |")
    print("|---|---:|---:|---:|---:|")
    for row in (ours, theirs):
        print(f"| {row.tool} | {len(messages) / row.median('wall'):,.0f} | {row.median('wall'):.2f} | "
              f"{row.median('cpu') / len(messages) * 1e6:.0f} | {min(row.handled):,} |")  # fmt: skip
    print()
    print(f"Ratio (medians of {args.pairs} alternated pairs): ESC Fleet ÷ bare subscriber throughput "
          f"**{theirs.median('wall') / ours.median('wall'):.2f}×** (target ≥ 0.8×); CPU per message "
          f"{ours.median('cpu') / theirs.median('cpu'):.2f}×")  # fmt: skip


if __name__ == "__main__":
    main()
