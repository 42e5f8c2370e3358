"""Load generator for ``bench_load.py``: a department of simulated agents on the wire contract.

Every agent has its own MQTT connection (paho, client id ``esc-agent.<site>.<agent>``, a retained
birth and a retained Last Will, QoS 1, 20 messages in flight as paho's default), and behaves as
``agent/publisher.py`` does: each reading gets the next ``seq`` of the agent and goes through an
outbox that is handed to paho 200 at a time once connected; while the broker is away, readings pile
up in the outbox and are replayed in order when the agent is back (paho's reconnect delays: 1 s
doubling up to 60 s, without jitter, as ``agent/shared/broker.py`` configures them).

The bodies are the agent's own: each device's observation is what ``agent.devices.DeviceTracker``
makes of one of the recorded printers (``tests/data/printers/*.snmprec``, 1.2 to 5.7 kB encoded),
with its page counter moving; host readings carry the outbox size; a lockdown reading every fifth
round. Time is compressed by a factor ``k``: one simulated minute (one reading of every device and
host) lasts ``60 / k`` real seconds; messages are stamped with the real time they are made at.

A worker process holds a few hundred agents and drives their sockets itself (paho's external event
loop: ``on_socket_open``/``register_write`` callbacks feeding one ``selectors`` loop), so 2,000
connections need no 2,000 threads. The driver talks to each worker over a pipe: it sets the
compression factor, and the worker sends back, every half second, the ``(agent, seq, ts)`` of the
data messages it made (the driver matches them with what the collector processed) and its counters.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import heapq
import random
import resource
import selectors
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import msgspec

from agent.contract.messages import (
    DeviceBody,
    DeviceMessage,
    HostBody,
    HostMessage,
    Kind,
    LockdownBody,
    LockdownCheck,
    LockdownMessage,
    StatusBody,
    StatusMessage,
    Topic,
    encode,
)

REPO = Path(__file__).resolve().parent.parent
RECORDINGS = REPO / "tests" / "data" / "printers"
#: Outbox rows handed to paho at once (``agent.publisher.HANDOFF_BATCH``).
HANDOFF_BATCH = 200
EPOCH = "bench1"
HOURS = ("24/7", "Mo-Fr 09:00-12:30,13:30-18:00; Sa 09:00-12:00; PH off")


@dataclass(frozen=True)
class AgentSpec:
    """One simulated agent: its index in the fleet, site, id and the devices it polls."""

    index: int
    site: str
    agent: str
    devices: tuple[str, ...]


@dataclass(frozen=True)
class Fleet:
    """The simulated department: ``sites`` sites of ``agents_per_site`` PCs, each polling ``devices_per_agent`` printers."""

    sites: int = 400
    agents_per_site: int = 5
    devices_per_agent: int = 5

    @property
    def agents(self) -> int:
        """Return how many agents the fleet has."""
        return self.sites * self.agents_per_site

    @property
    def devices(self) -> int:
        """Return how many devices the fleet has."""
        return self.agents * self.devices_per_agent

    def site_ids(self) -> list[str]:
        """Return the site identifiers."""
        return [f"esc-{i:04d}" for i in range(self.sites)]

    def agent_specs(self) -> list[AgentSpec]:
        """Return every agent, in fleet order."""
        specs = []
        for s, site in enumerate(self.site_ids()):
            for a in range(self.agents_per_site):
                devices = tuple(
                    f"imp-{a * self.devices_per_agent + d + 1:02d}" for d in range(self.devices_per_agent)
                )
                specs.append(AgentSpec(s * self.agents_per_site + a, site, f"pc-{a + 1}", devices))
        return specs

    def sites_toml(self) -> str:
        """Return the ``sites.toml`` declaring every site, agent and device (enrolment is on)."""
        lines = ['[contacts]\ntechnicien = "technicien@example.org"\n']
        per_site = self.agents_per_site * self.devices_per_agent
        for s, site in enumerate(self.site_ids()):
            devices = [f"imp-{d + 1:02d}" for d in range(per_site)]
            pcs = [f"pc-{a + 1}" for a in range(self.agents_per_site)]
            lines.append(
                f'[sites.{site}]\nname = "ESC {s}"\nopening_hours = "{HOURS[s % 2]}"\n'
                f'contact = "secretariat.{site}@example.org"\n'
                f"[sites.{site}.services.impression]\ndevices = {_array(devices)}\n"
                f"[sites.{site}.services.postes]\npcs = {_array(pcs)}\n"
            )
            for d, device in enumerate(devices):
                lines.append(f'[sites.{site}.devices.{device}]\nname = "l\'imprimante {d + 1}"\n')
            for a, pc in enumerate(pcs):
                lines.append(f'[sites.{site}.agents.{pc}]\nname = "le poste {a + 1}"\n')
        return "\n".join(lines)


def _array(values: list[str]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def device_templates() -> list[DeviceBody]:
    """Return the agent's observation of each recorded printer (the bodies the fleet sends)."""
    from agent.devices import DeviceTracker
    from agent.printers.compose import read_printer
    from agent.printers.parse import Thresholds
    from agent.printers.snmprec import load_snmprec
    from agent.printers.state import StateOptions

    bodies = []
    for path in sorted(RECORDINGS.glob("*.snmprec")):
        status = read_printer(load_snmprec(path), Thresholds()).status
        tracker = DeviceTracker("template", "printer", None, StateOptions())
        bodies.append(tracker.observe(status, error=None, seconds=0.8))
    return bodies


LOCKDOWN = LockdownBody(
    profile="kiosque",
    intact=True,
    checks=tuple(
        LockdownCheck(
            id=f"check-{i:02d}", label="Contrôle de verrouillage conforme", severity="warning", result="pass"
        )
        for i in range(12)
    ),
)


def host_body(pending: int, sessions: int, since: float) -> HostBody:
    """Return a plausible PC's health (counts only)."""
    return HostBody(
        os="Windows", os_release="10", boot_time=since, uptime_seconds=max(0.0, time.time() - since), cpu_count=4,
        cpu_usage_ratio=0.12, load1=0.3, memory_total_bytes=8 << 30, memory_available_bytes=5 << 30, user_sessions=1,
        outbox_pending=pending, outbox_dropped=0, session_starts_total=sessions, session_starts_since=since,
    )  # fmt: skip


# --------------------------------------------------------------------------- one agent


@dataclass
class SimAgent:
    """The state one simulated agent keeps: outbox, counters, connection."""

    spec: AgentSpec
    bodies: list[DeviceBody]
    client: Any = None
    seq: int = 0
    session: int = 0
    rounds: int = 0
    pages: list[int] = field(default_factory=list)
    sessions: int = 0
    since: float = field(default_factory=time.time)
    outbox: deque[tuple[str, bytes]] = field(default_factory=deque)
    inflight: set[int] = field(default_factory=set)
    connected: bool = False
    retry_at: float = 0.0
    retry_delay: float = 1.0
    connects: int = 0
    refused: int = 0

    def envelope(self) -> dict[str, Any]:
        """Return the next envelope fields (one ``seq`` for every message, as the agent's outbox)."""
        self.seq += 1
        return {"v": 1, "site": self.spec.site, "agent": self.spec.agent, "epoch": EPOCH, "seq": self.seq,
                "ts": dt.datetime.now(dt.UTC)}  # fmt: skip

    def status(self, state: str, reason: str) -> bytes:
        """Return an encoded status message of the current session."""
        body = StatusBody(state=state, session=self.session, reason=reason, agent_version="bench")  # type: ignore[arg-type]
        return encode(StatusMessage(**self.envelope(), body=body))

    def poll_round(self, out: list[tuple[int, int, float]]) -> None:
        """Make one round of readings (host, every device, a lockdown every fifth) into the outbox."""
        self.rounds += 1
        if random.random() < 0.05:
            self.sessions += 1
        env = self.envelope()
        message: Any = HostMessage(**env, body=host_body(len(self.outbox), self.sessions, self.since))
        self._put(message, env, out)
        for i, device in enumerate(self.spec.devices):
            template = self.bodies[i]
            printer = template.printer
            if printer is not None and printer.page_count is not None:
                self.pages[i] += random.randint(0, 6)
                printer = msgspec.structs.replace(printer, page_count=self.pages[i])
            body = msgspec.structs.replace(template, device=device, printer=printer)
            env = self.envelope()
            self._put(DeviceMessage(**env, body=body), env, out)
        if self.rounds % 5 == 1:
            env = self.envelope()
            self._put(LockdownMessage(**env, body=LOCKDOWN), env, out)

    def _put(self, message: Any, env: dict[str, Any], out: list[tuple[int, int, float]]) -> None:
        kind = Kind(message.kind)
        device = message.body.device if kind is Kind.DEVICE else None
        topic = str(Topic(self.spec.site, self.spec.agent, kind, device))
        self.outbox.append((topic, encode(message)))
        out.append((self.spec.index, env["seq"], env["ts"].timestamp()))

    def hand_off(self) -> int:
        """Give paho the next outbox rows, up to :data:`HANDOFF_BATCH` unacknowledged; return how many."""
        if not self.connected:
            return 0
        handed = 0
        while self.outbox and len(self.inflight) < HANDOFF_BATCH:
            topic, payload = self.outbox.popleft()
            info = self.client.publish(topic, payload, qos=1)
            self.inflight.add(info.mid)
            handed += 1
        return handed


# --------------------------------------------------------------------------- a worker process


class Worker:
    """Agents of one process and the event loop that drives their sockets."""

    def __init__(self, conn: Connection, host: str, port: int, specs: list[AgentSpec], seed: int) -> None:
        """Prepare the agents; nothing connects before :meth:`run`."""
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        random.seed(seed)
        self.mqtt = mqtt
        self.conn = conn
        self.host, self.port = host, port
        self.sel = selectors.DefaultSelector()
        templates = device_templates()
        self.agents: list[SimAgent] = []
        for spec in specs:
            offset = spec.index * len(spec.devices)
            bodies = [templates[(offset + i) % len(templates)] for i in range(len(spec.devices))]
            agent = SimAgent(spec, bodies, pages=[100_000 + random.randint(0, 50_000) for _ in bodies])
            client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"esc-agent.{spec.site}.{spec.agent}",
                                 clean_session=False, userdata=agent)  # fmt: skip
            client.on_connect = self._on_connect
            client.on_disconnect = self._on_disconnect
            client.on_publish = self._on_publish
            client.on_socket_open = self._on_socket_open
            client.on_socket_close = self._on_socket_close
            client.on_socket_register_write = self._on_register_write
            client.on_socket_unregister_write = self._on_unregister_write
            agent.client = client
            self.agents.append(agent)
        self.factor = 0.0
        self.due: list[tuple[float, int]] = []
        self.made: list[tuple[int, int, float]] = []
        self.acked = 0
        self.generated = 0

    # paho callbacks (called from loop_read/loop_write/reconnect, in this thread)
    def _on_socket_open(self, _c: Any, agent: SimAgent, sock: Any) -> None:
        self.sel.register(sock, selectors.EVENT_READ, agent)

    def _on_socket_close(self, _c: Any, _agent: SimAgent, sock: Any) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self.sel.unregister(sock)

    def _on_register_write(self, _c: Any, agent: SimAgent, sock: Any) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self.sel.modify(sock, selectors.EVENT_READ | selectors.EVENT_WRITE, agent)

    def _on_unregister_write(self, _c: Any, agent: SimAgent, sock: Any) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self.sel.modify(sock, selectors.EVENT_READ, agent)

    def _on_connect(self, client: Any, agent: SimAgent, _flags: Any, reason: Any, _props: Any) -> None:
        if reason.is_failure:
            agent.refused += 1
            return
        agent.connected = True
        agent.retry_delay = 1.0
        agent.connects += 1
        client.publish(str(Topic(agent.spec.site, agent.spec.agent, Kind.STATUS)), agent.status("online", "birth"),
                       qos=1, retain=True)  # fmt: skip
        agent.hand_off()

    def _on_disconnect(self, _c: Any, agent: SimAgent, _flags: Any, _reason: Any, _props: Any) -> None:
        if not agent.connected:  # the attempt failed after the TCP connection: back off further
            agent.retry_delay = min(60.0, agent.retry_delay * 2)
        agent.retry_at = time.monotonic() + agent.retry_delay
        agent.connected = False

    def _on_publish(self, _c: Any, agent: SimAgent, mid: int, _reason: Any, _props: Any) -> None:
        if mid in agent.inflight:
            agent.inflight.discard(mid)
            self.acked += 1

    # connection
    def _connect(self, agent: SimAgent) -> None:
        agent.session += 1
        topic = str(Topic(agent.spec.site, agent.spec.agent, Kind.STATUS))
        agent.client.will_set(topic, agent.status("offline", "connection_lost"), qos=1, retain=True)
        try:
            if agent.connects or agent.refused:
                agent.client.reconnect()
            else:
                agent.client.connect(self.host, self.port, keepalive=30)
        except OSError:
            agent.refused += 1
            agent.retry_at = time.monotonic() + agent.retry_delay
            agent.retry_delay = min(60.0, agent.retry_delay * 2)
            return
        agent.retry_at = float("inf")  # waiting for CONNACK

    def _schedule(self, now: float) -> None:
        period = 60.0 / self.factor
        self.due = [(now + period * random.random(), i) for i in range(len(self.agents))]
        heapq.heapify(self.due)

    def run(self) -> None:
        """Connect every agent, then loop until the driver says stop."""
        _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        for agent in self.agents:
            self._connect(agent)
        next_misc = next_report = time.monotonic()
        while True:
            now = time.monotonic()
            wait = 0.02
            for key, mask in self.sel.select(wait):
                agent = key.data
                if mask & selectors.EVENT_READ:
                    agent.client.loop_read()
                if mask & selectors.EVENT_WRITE and agent.client.socket() is not None:
                    agent.client.loop_write()
            now = time.monotonic()
            if self.factor > 0:
                period = 60.0 / self.factor
                while self.due and self.due[0][0] <= now:
                    at, i = heapq.heappop(self.due)
                    agent = self.agents[i]
                    before = len(self.made)
                    agent.poll_round(self.made)
                    self.generated += len(self.made) - before
                    heapq.heappush(self.due, (max(at + period, now - period), i))
            for agent in self.agents:
                if agent.connected:
                    if agent.outbox and len(agent.inflight) < HANDOFF_BATCH:
                        agent.hand_off()
                elif now >= agent.retry_at:
                    self._connect(agent)
            if now >= next_misc:
                for agent in self.agents:
                    if agent.client.socket() is not None:
                        agent.client.loop_misc()
                next_misc = now + 1.0
            if now >= next_report:
                self._report()
                next_report = now + 0.5
            while self.conn.poll():
                command, value = self.conn.recv()
                if command == "stop":
                    self._report()
                    return
                if command == "rate":
                    old = self.factor
                    self.factor = float(value)
                    if self.factor > 0 and (old == 0 or not self.due):
                        self._schedule(time.monotonic())
                    elif self.factor > 0:  # keep each agent's phase, move to the new period
                        scale = old / self.factor
                        t0 = time.monotonic()
                        self.due = [(t0 + (at - t0) * scale, i) for at, i in self.due]
                        heapq.heapify(self.due)

    def _report(self) -> None:
        stats = {
            "connected": sum(a.connected for a in self.agents),
            "outbox": sum(len(a.outbox) for a in self.agents),
            "inflight": sum(len(a.inflight) for a in self.agents),
            "generated": self.generated,
            "acked": self.acked,
            "connects": sum(a.connects for a in self.agents),
            "refused": sum(a.refused for a in self.agents),
            "cpu": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]),
        }
        self.conn.send(("report", stats, self.made))
        self.made = []


def worker_main(conn: Connection, host: str, port: int, specs: list[AgentSpec], seed: int) -> None:
    """Entry point of a worker process."""
    Worker(conn, host, port, specs, seed).run()


def chunks(specs: list[AgentSpec], count: int) -> Iterator[list[AgentSpec]]:
    """Split the agents over ``count`` workers (round-robin, so each worker has every kind of site)."""
    for i in range(count):
        yield specs[i::count]
