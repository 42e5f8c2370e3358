"""Fleet-size load test: 2,000 agents and 10,000 devices against Mosquitto and ``esc-collector run``.

Run on demand (about 13 minutes; the machine's 2 cores should be otherwise idle)::

    .venv/bin/python benchmarks/bench_load.py [--sites 400] [--workers 4] [--json out.json]
    .venv/bin/python benchmarks/bench_load.py --quick      # 40 sites, short phases: a smoke run

What runs, all on 127.0.0.1 in a temporary folder:

* Mosquitto with the shipped queue settings (``deploy/mosquitto/mosquitto.conf``: persistence,
  1,000,000 queued messages, 20 in flight) but anonymous and without TLS, ``$SYS`` every 2 s;
* ``esc-collector run`` with a generated ``sites.toml`` declaring every site, agent and device
  (enrolment on), its history in SQLite;
* the simulated agents of ``loadgen.py``, in ``--workers`` processes (each agent its own connection).

Phases: the agents connect (births); ``steady`` at real time (each device and host one reading a
minute: ``k = 1``); ``steps``, the same fleet with time compressed ``k`` times (``--steps``) to find
where the collector stops keeping up; ``catch-up``, at ``k = 1`` until what the steps left behind
is processed (so the storm starts from an empty backlog); ``outage``: the broker stops for ``--outage-seconds`` while the
agents keep polling at ``--outage-k`` into their outboxes, then comes back and every agent replays its
backlog (the storm), at ``k = 1`` again until the collector has processed everything.

Measured per phase: the collector's CPU (share of one core) and RSS; the ingest lag of every data
message — event time (the ``ts`` the agent stamped) to processing time (when its ``seq`` is stored in
the collector's history, which happens before the broker gets the acknowledgement; read from the
history's ``sequences`` table four times a second, so ±0.25 s); messages offered and processed per
second; Mosquitto's CPU, RSS and ``$SYS`` figures; what the rest of the machine used meanwhile (CPU
of processes that are not part of the benchmark: the noise). ``GET /metrics`` runs every
``--scrape-every`` seconds throughout, as Prometheus would, and is timed (its cost is in the
figures above, as in production). At the end, the collector's own counters: every message
accepted, none dropped; and one last ``GET /metrics`` timed alone, with the lag it causes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import platform
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from bisect import bisect_left
from collections import defaultdict, deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from loadgen import Fleet, chunks, worker_main

from helpers.processes import free_port, wait_port

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


# --------------------------------------------------------------------------- processes


def raise_nofile() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system, every thread) of a live process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def proc_rss(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) in MiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, value = line.split(":")
            values[key] = int(value.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def machine_busy() -> float:
    """CPU seconds the whole machine spent busy so far (all cores)."""
    parts = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = parts[3] + parts[4]
    return (sum(parts[:8]) - idle) / TICK


class Mosquitto:
    """The broker, restartable on the same port with its persistence file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "data").mkdir(exist_ok=True)
        self.conf = folder / "mosquitto.conf"
        self.conf.write_text(
            ("user root\n" if os.geteuid() == 0 else "")
            + "per_listener_settings false\nallow_anonymous true\n"
            f"persistence true\npersistence_location {folder / 'data'}/\nautosave_interval 300\n"
            "persistent_client_expiration 30d\n"
            "max_queued_messages 1000000\nmax_queued_bytes 3000000000\nmax_inflight_messages 20\n"
            "sys_interval 2\n"
            f"listener {self.port} 127.0.0.1\nmax_connections -1\n"
            f"log_dest file {folder / 'mosquitto.log'}\nlog_type error\nlog_type warning\nlog_type notice\n"
        )
        self.proc: subprocess.Popen[bytes] | None = None
        self.exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"

    def start(self) -> None:
        self.proc = subprocess.Popen([self.exe, "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)  # fmt: skip
        wait_port(self.port, timeout=15.0)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)


class SysMonitor:
    """The broker's ``$SYS`` topics, kept as they come (reconnects by itself after an outage)."""

    def __init__(self, port: int) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        self.values: dict[str, str] = {}
        self.peaks: dict[str, float] = defaultdict(float)
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-sys-monitor")
        self.client.on_connect = lambda c, *_: c.subscribe("$SYS/broker/#")
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(1, 2)
        self.client.connect_async("127.0.0.1", port, keepalive=10)
        self.client.loop_start()

    def _on_message(self, _c: Any, _ud: Any, message: Any) -> None:
        key = message.topic.removeprefix("$SYS/broker/")
        text = message.payload.decode(errors="replace")
        self.values[key] = text
        with contextlib.suppress(ValueError):
            self.peaks[key] = max(self.peaks[key], float(text.split()[0]))

    def number(self, key: str) -> float | None:
        try:
            return float(self.values[key].split()[0])
        except (KeyError, ValueError, IndexError):
            return None

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


# --------------------------------------------------------------------------- lag


@dataclass
class Lag:
    """Matches the ``(agent, seq, ts)`` the workers made with the seq the collector stored."""

    names: dict[tuple[str, str], int]
    pending: dict[int, deque[tuple[int, float]]] = field(default_factory=lambda: defaultdict(deque))
    progress: dict[int, list[tuple[int, float]]] = field(default_factory=lambda: defaultdict(list))
    processed_seq: dict[int, int] = field(default_factory=dict)
    samples: list[tuple[float, float, float]] = field(default_factory=list)  # (processed at, lag, ts)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def made(self, records: list[tuple[int, int, float]]) -> None:
        with self.lock:
            for agent, seq, ts in records:
                self.pending[agent].append((seq, ts))
            self._match(records_agents={a for a, _s, _t in records})

    def poll(self, db: sqlite3.Connection) -> None:
        now = time.time()
        rows = db.execute("SELECT site, agent, seq FROM sequences").fetchall()
        with self.lock:
            changed = set()
            for site, agent, seq in rows:
                index = self.names.get((site, agent))
                if index is not None and seq > self.processed_seq.get(index, 0):
                    self.processed_seq[index] = seq
                    self.progress[index].append((seq, now))
                    changed.add(index)
            self._match(records_agents=changed)

    def _match(self, records_agents: set[int]) -> None:
        for agent in records_agents:
            queue = self.pending.get(agent)
            steps = self.progress.get(agent)
            if not queue or not steps:
                continue
            while queue and queue[0][0] <= steps[-1][0]:
                seq, ts = queue.popleft()
                at = steps[bisect_left(steps, (seq, 0.0))][1]  # first poll that saw it stored
                self.samples.append((at, at - ts, ts))
            if len(steps) > 256:  # records come within a second: a few seconds of steps are enough
                del steps[:-32]

    def waiting(self, made_before: float = float("inf")) -> int:
        """Messages made (before ``made_before``) that the collector has not stored yet."""
        with self.lock:
            return sum(sum(1 for _seq, ts in q if ts < made_before) for q in self.pending.values())

    def between(self, start: float, end: float) -> list[tuple[float, float, float]]:
        with self.lock:
            return [s for s in self.samples if start <= s[0] < end]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --------------------------------------------------------------------------- the run


class Bench:
    def __init__(self, args: argparse.Namespace, folder: Path) -> None:
        self.args = args
        self.folder = folder
        self.fleet = Fleet(args.sites, args.agents_per_site, args.devices_per_agent)
        self.specs = self.fleet.agent_specs()
        self.broker = Mosquitto(folder / "mosquitto")
        self.collector_port = free_port()
        self.lag = Lag({(s.site, s.agent): s.index for s in self.specs})
        self.workers: list[tuple[Any, Connection]] = []
        self.worker_stats: dict[int, dict[str, float]] = {}
        self.phases: list[dict[str, Any]] = []
        self.samples: list[dict[str, float]] = []
        self.scrapes: list[dict[str, Any]] = []
        self.scraping_since: float | None = None  # a periodic GET /metrics under way, since
        self.stopping = threading.Event()
        self.collector: subprocess.Popen[bytes] | None = None
        self.sys: SysMonitor | None = None
        self.memory_dump = folder / "tracemalloc.json"

    # -- setup
    def write_collector(self) -> Path:
        sites = self.folder / "sites.toml"
        sites.write_text(self.fleet.sites_toml())
        config = self.folder / "collector.toml"
        config.write_text(
            f'[collector]\nname = "bench"\nlisten = "127.0.0.1:{self.collector_port}"\n'
            f'[broker]\nurl = "mqtt://127.0.0.1:{self.broker.port}"\n'
            '[sites]\nfile = "sites.toml"\n[history]\npath = "history.sqlite3"\n'
        )
        return config

    def start_collector(self, config: Path) -> None:
        log = (self.folder / "collector.log").open("wb")
        command = [str(BIN / "esc-collector"), "run", "--config", str(config)]
        if self.args.trace_memory:
            command = [sys.executable, __file__, "--traced-collector", str(self.memory_dump), *command[1:]]
        self.collector = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"http://127.0.0.1:{self.collector_port}/healthz", timeout=2) as r,
            ):
                if r.status == 200:
                    return
            if self.collector.poll() is not None:
                raise RuntimeError((self.folder / "collector.log").read_text()[-3000:])
            time.sleep(0.2)
        raise RuntimeError("the collector did not become healthy")

    def start_workers(self) -> None:
        ctx = mp.get_context("spawn")
        for i, specs in enumerate(chunks(self.specs, self.args.workers)):
            parent, child = ctx.Pipe()
            proc = ctx.Process(
                target=worker_main, args=(child, "127.0.0.1", self.broker.port, specs, i), daemon=True
            )
            proc.start()
            self.workers.append((proc, parent))
        threading.Thread(target=self._read_workers, daemon=True).start()

    def _read_workers(self) -> None:
        from multiprocessing.connection import wait

        conns: dict[Connection, int] = {parent: i for i, (_p, parent) in enumerate(self.workers)}
        while not self.stopping.is_set() and conns:
            for ready in wait(list(conns), timeout=0.5):
                conn = cast("Connection", ready)
                try:
                    _kind, stats, made = conn.recv()
                except (EOFError, OSError):
                    conns.pop(conn, None)
                    continue
                self.worker_stats[conns[conn]] = stats
                if made:
                    self.lag.made(made)

    def total(self, key: str) -> float:
        return sum(s.get(key, 0.0) for s in self.worker_stats.values())

    def set_rate(self, k: float) -> None:
        for _proc, conn in self.workers:
            conn.send(("rate", k))

    # -- sampling
    def sampler(self) -> None:
        db: sqlite3.Connection | None = None
        next_sample = time.monotonic()
        while not self.stopping.is_set():
            if db is None and (self.folder / "history.sqlite3").exists():
                db = sqlite3.connect(f"file:{self.folder / 'history.sqlite3'}?mode=ro", uri=True, timeout=5)
            if db is not None:
                with contextlib.suppress(sqlite3.Error):
                    self.lag.poll(db)
            if time.monotonic() >= next_sample:
                next_sample += 1.0
                self.samples.append(self._sample())
            time.sleep(0.25)

    def _sample(self) -> dict[str, float]:
        sample = {
            "t": time.time(),
            "machine": machine_busy(),
            "self": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]),
        }
        assert self.collector is not None
        with contextlib.suppress(OSError, ValueError, IndexError):
            sample["collector_cpu"] = proc_cpu(self.collector.pid)
            sample["collector_rss"], sample["collector_hwm"] = proc_rss(self.collector.pid)
        proc = self.broker.proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(OSError, ValueError, IndexError):
                sample["broker_cpu"] = proc_cpu(proc.pid)
                sample["broker_rss"], _ = proc_rss(proc.pid)
        sample["workers_cpu"] = self.total("cpu")
        sample["generated"] = self.total("generated")
        sample["connected"] = self.total("connected")
        sample["outbox"] = self.total("outbox")
        if self.sys is not None:
            for key in ("store/messages/count", "heap/current", "clients/connected", "messages/received",
                        "messages/sent", "publish/messages/dropped"):  # fmt: skip
                value = self.sys.number(key)
                if value is not None:
                    sample["sys:" + key] = value
        return sample

    # -- phases
    def phase(self, name: str, k: float, seconds: float, *, note: str = "") -> dict[str, Any]:
        print(f"== {name}: k = {k:g}, {seconds:g} s {note}", flush=True)
        self.set_rate(k)
        start = time.time()
        time.sleep(seconds)
        return self.summarise(name, k, start, time.time())

    def summarise(self, name: str, k: float, start: float, end: float, **extra: Any) -> dict[str, Any]:
        window = [s for s in self.samples if start - 0.5 <= s["t"] <= end + 0.5]
        lags = self.lag.between(start, end)
        wall = end - start
        out: dict[str, Any] = {"phase": name, "k": k, "seconds": round(wall, 1), **extra}
        if len(window) >= 2:
            first, last = window[0], window[-1]
            span = last["t"] - first["t"]

            def rate(key: str) -> float | None:
                if key in first and key in last and span > 0:
                    return (last[key] - first[key]) / span
                return None

            ours = sum(rate(k2) or 0.0 for k2 in ("collector_cpu", "broker_cpu", "workers_cpu", "self"))
            out |= {
                "offered_msg_s": round(rate("generated") or 0.0, 1),
                "processed_msg_s": round(len(lags) / wall, 1) if wall else None,
                "collector_cpu_pct": round(100 * (rate("collector_cpu") or 0.0), 1),
                "collector_rss_mib": round(max(s.get("collector_rss", 0.0) for s in window), 1),
                "broker_cpu_pct": round(100 * (rate("broker_cpu") or 0.0), 1),
                "broker_rss_mib": round(max(s.get("broker_rss", 0.0) for s in window), 1),
                "generator_cpu_pct": round(100 * ((rate("workers_cpu") or 0.0) + (rate("self") or 0.0)), 1),
                "others_cpu_pct": round(100 * max(0.0, (rate("machine") or 0.0) - ours), 1),
                "broker_queue_max": max((s.get("sys:store/messages/count", 0.0) for s in window), default=None),
                "broker_heap_max_mib": round(max((s.get("sys:heap/current", 0.0) for s in window), default=0.0) / 2**20, 1),
                "broker_clients_max": max((s.get("sys:clients/connected", 0.0) for s in window), default=None),
            }  # fmt: skip
        scrapes = [x for x in self.scrapes if start <= x["t"] < end]
        timed = [x["seconds"] for x in scrapes if "seconds" in x]
        since = self.scraping_since
        if since is not None:  # a scrape still running at the end of the phase
            out["metrics_running_s"] = round(time.time() - since, 1)
        if scrapes:
            out |= {
                "metrics_scrapes": len(scrapes),
                "metrics_errors": len(scrapes) - len(timed),
                "metrics_p50_s": round(percentile(timed, 0.5), 2) if timed else None,
                "metrics_max_s": round(max(timed), 2) if timed else None,
                "metrics_mb": round(scrapes[-1].get("bytes", 0) / 1e6, 1),
                "metrics_series": scrapes[-1].get("series"),
            }
        values = [lag for _at, lag, _ts in lags]
        out |= {
            "lag_samples": len(values),
            "lag_p50_s": round(percentile(values, 0.50), 2) if values else None,
            "lag_p95_s": round(percentile(values, 0.95), 2) if values else None,
            "lag_p99_s": round(percentile(values, 0.99), 2) if values else None,
            "lag_max_s": round(max(values), 2) if values else None,
        }
        if self.args.trace_memory:
            out["memory"] = self.memory_top()
        print("   " + json.dumps(out), flush=True)
        self.phases.append(out)
        return out

    def memory_top(self) -> dict[str, Any] | None:
        """Ask the traced collector for its largest allocations (SIGUSR1) and read them."""
        if self.collector is None or self.collector.poll() is not None:
            return None
        before = self.memory_dump.stat().st_mtime_ns if self.memory_dump.exists() else 0
        self.collector.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.memory_dump.exists() and self.memory_dump.stat().st_mtime_ns != before:
                result: dict[str, Any] = json.loads(self.memory_dump.read_text())
                return result
            time.sleep(0.5)
        return None

    def wait_drained(self, made_before: float, timeout: float) -> float | None:
        """Wait until every message made before ``made_before`` is processed; return when (epoch seconds)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.lag.waiting(made_before) == 0:
                return time.time()
            time.sleep(0.5)
        return None

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.collector_port}/healthz", timeout=2) as resp:
                return bool(resp.status == 200)
        except OSError:
            return False

    def timed_scrape(self) -> dict[str, Any]:
        """One GET /metrics with the whole fleet known, agents at k = 1: its time, size, and the lag meanwhile."""
        print("== one /metrics with the whole fleet known", flush=True)
        self.set_rate(1)
        start = time.time()
        extra: dict[str, Any] = {}
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.collector_port}/metrics", timeout=self.args.scrape_timeout
            ) as resp:
                body = resp.read()
            extra = {"metrics_seconds": round(time.time() - start, 2), "metrics_mb": round(len(body) / 1e6, 1),
                     "metrics_series": body.count(b"\n") - body.count(b"\n#") - int(body.startswith(b"#"))}  # fmt: skip
        except OSError as err:
            extra = {"metrics_error": f"{type(err).__name__}: {err}"}
        # What piled up meanwhile is processed after it: keep its lag in this window.
        drained = self.wait_drained(time.time(), self.args.drain_timeout)
        return self.summarise("scrape", 1, start, drained or time.time(), **extra)

    def scraper(self) -> None:
        """GET /metrics every ``--scrape-every`` seconds, as Prometheus does, and time it."""
        while not self.stopping.wait(self.args.scrape_every):
            start = self.scraping_since = time.time()
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.collector_port}/metrics", timeout=300
                ) as resp:
                    body = resp.read()
            except OSError as err:
                self.scrapes.append({"t": start, "error": f"{type(err).__name__}: {err}"})
                continue
            finally:
                self.scraping_since = None
            series = body.count(b"\n") - body.count(b"\n#") - int(body.startswith(b"#"))
            self.scrapes.append({"t": start, "seconds": round(time.time() - start, 3), "bytes": len(body),
                                 "series": series})  # fmt: skip

    def counters(self) -> dict[str, float]:
        url = f"http://127.0.0.1:{self.collector_port}/metrics"
        with urllib.request.urlopen(url, timeout=self.args.scrape_timeout) as resp:
            text = resp.read().decode()
        totals: dict[str, float] = defaultdict(float)
        for line in text.splitlines():
            for name in ("esc_collector_messages_accepted_total", "esc_collector_messages_dropped_total",
                         "esc_collector_messages_rejected_total", "esc_collector_messages_duplicate_total",
                         "esc_collector_untrusted_times_total"):  # fmt: skip
                if line.startswith(name):
                    totals[name.removeprefix("esc_collector_").removesuffix("_total")] += float(
                        line.rsplit(" ", 1)[1]
                    )
        return dict(totals)

    def run(self) -> dict[str, Any]:
        args = self.args
        config = self.write_collector()
        self.broker.start()
        self.sys = SysMonitor(self.broker.port)
        t0 = time.monotonic()
        self.start_collector(config)
        collector_start = time.monotonic() - t0
        threading.Thread(target=self.sampler, daemon=True).start()
        if args.scrape_every > 0:
            threading.Thread(target=self.scraper, daemon=True).start()
        print(f"== {self.fleet.sites} sites, {self.fleet.agents} agents, {self.fleet.devices} devices; "
              f"collector healthy after {collector_start:.1f} s", flush=True)  # fmt: skip
        t0 = time.monotonic()
        self.start_workers()
        while self.total("connected") < self.fleet.agents:
            if time.monotonic() - t0 > 300:
                raise RuntimeError(f"only {self.total('connected'):g} agents connected")
            time.sleep(0.2)
        connect_seconds = time.monotonic() - t0
        print(f"== {self.fleet.agents} agents connected in {connect_seconds:.1f} s", flush=True)
        # Warm-up: every device is read once, so the collector knows the whole fleet.
        self.phase("warm-up", 1, args.warmup_seconds)
        steady = self.phase("steady", 1, args.steady_seconds)
        steps = [self.phase(f"k={k:g}", k, args.step_seconds) for k in args.steps]
        print("== catch-up: k = 1 until what the steps left behind is processed", flush=True)
        self.set_rate(1)
        start = time.time()
        behind = self.lag.waiting(start)
        caught_up = self.wait_drained(start, args.drain_timeout)
        catch_up = self.summarise(
            "catch-up", 1, start, caught_up or time.time(), waiting_before=behind,
            drained_s=round(caught_up - start, 1) if caught_up else None,
        )  # fmt: skip
        # Broker outage: agents keep polling into their outboxes, then replay.
        self.set_rate(args.outage_k)
        print(
            f"== outage: broker stopped for {args.outage_seconds:g} s, agents at k = {args.outage_k:g}",
            flush=True,
        )
        outage_start = time.time()
        before = self.lag.waiting(outage_start)
        self.broker.stop()
        time.sleep(args.outage_seconds)
        backlog = self.total("outbox") + self.total("inflight")
        self.set_rate(1)
        self.broker.start()
        back = time.time()
        reconnected = collector_back = None
        while (reconnected is None or collector_back is None) and time.time() - back < 300:
            if reconnected is None and self.total("connected") >= self.fleet.agents:
                reconnected = time.time() - back
            if collector_back is None and self.healthy():
                collector_back = time.time() - back
            time.sleep(0.25)
        drained_at = self.wait_drained(back, args.drain_timeout)
        storm = self.summarise(
            "storm", 1, back, drained_at or time.time(), outage_seconds=args.outage_seconds,
            backlog_messages=backlog, waiting_before=before,
            agents_reconnected_s=round(reconnected, 1) if reconnected is not None else None,
            collector_reconnected_s=round(collector_back, 1) if collector_back is not None else None,
            drained_s=round(drained_at - back, 1) if drained_at else None,
        )  # fmt: skip
        replayed = [lag for _at, lag, ts in self.lag.samples if outage_start <= ts < back]
        storm["replayed_lag_max_s"] = round(max(replayed), 1) if replayed else None
        tail = self.phase("after", 1, args.after_seconds)
        scrape = self.timed_scrape()
        totals = self.counters()
        self.set_rate(0)
        return {
            "date": time.strftime("%Y-%m-%d %H:%M %Z"),
            "machine": machine(),
            "fleet": {"sites": self.fleet.sites, "agents": self.fleet.agents, "devices": self.fleet.devices},
            "collector_start_s": round(collector_start, 1),
            "agents_connect_s": round(connect_seconds, 1),
            "steady": steady,
            "scrapes": self.scrapes,
            "steps": steps,
            "catch_up": catch_up,
            "storm": storm,
            "after": tail,
            "scrape": scrape,
            "counters": totals,
            "phases": self.phases,
            "broker_peaks": {k: v for k, v in (self.sys.peaks if self.sys else {}).items()
                             if k in ("clients/connected", "store/messages/count", "heap/maximum", "heap/current")},
        }  # fmt: skip

    def close(self) -> None:
        self.stopping.set()
        for _proc, conn in self.workers:
            with contextlib.suppress(OSError, BrokenPipeError):
                conn.send(("stop", None))
        for proc, _conn in self.workers:
            proc.join(10)
            if proc.is_alive():
                proc.kill()
        if self.sys is not None:
            self.sys.close()
        if self.collector is not None and self.collector.poll() is None:
            self.collector.send_signal(signal.SIGTERM)
            try:
                self.collector.wait(30)
            except subprocess.TimeoutExpired:
                self.collector.kill()
        self.broker.stop()


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    mem = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    version = subprocess.run([shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-h"], capture_output=True, text=True,
                             check=False).stdout.splitlines()[0:1]  # fmt: skip
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem / 2**20, 1), "python": platform.python_version(),
            "kernel": platform.release(), "mosquitto": version[0] if version else "?",
            "load_before": os.getloadavg()}  # fmt: skip


def traced_collector(dump: Path, argv: list[str]) -> None:
    """Run ``esc-collector`` under tracemalloc; on SIGUSR1, write its largest live allocations to ``dump``."""
    import tracemalloc

    tracemalloc.start(25)

    def write(_signum: int, _frame: Any) -> None:
        started = time.monotonic()
        snapshot = tracemalloc.take_snapshot().filter_traces(
            (tracemalloc.Filter(False, tracemalloc.__file__),)
        )
        traced = sum(stat.size for stat in snapshot.statistics("filename"))
        top = []
        for stat in snapshot.statistics("traceback")[:8]:
            frames = [f"{_short(frame.filename)}:{frame.lineno}" for frame in stat.traceback]
            top.append({"mib": round(stat.size / 2**20, 1), "blocks": stat.count, "where": frames[-6:]})
        text = json.dumps({"traced_mib": round(traced / 2**20, 1), "top": top,
                           "snapshot_s": round(time.monotonic() - started, 1)})  # fmt: skip
        partial = dump.with_suffix(".partial")
        partial.write_text(text)
        partial.replace(dump)

    signal.signal(signal.SIGUSR1, write)
    sys.argv = ["esc-collector", *argv]
    from collector.cli import main as collector_main

    collector_main()


def _short(filename: str) -> str:
    for marker in ("/site-packages/", f"{REPO}/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def main() -> None:
    if sys.argv[1:2] == ["--traced-collector"]:  # the collector process of a --trace-memory run
        traced_collector(Path(sys.argv[2]), sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sites", type=int, default=400)
    parser.add_argument("--agents-per-site", type=int, default=5)
    parser.add_argument("--devices-per-agent", type=int, default=5)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--warmup-seconds", type=float, default=70)
    parser.add_argument("--steady-seconds", type=float, default=120)
    parser.add_argument(
        "--steps", type=lambda s: [float(v) for v in s.split(",")], default=[2.0, 4.0, 8.0, 16.0]
    )
    parser.add_argument("--step-seconds", type=float, default=60)
    parser.add_argument("--outage-seconds", type=float, default=90)
    parser.add_argument("--outage-k", type=float, default=10, help="compression while the broker is away")
    parser.add_argument("--after-seconds", type=float, default=30)
    parser.add_argument("--drain-timeout", type=float, default=600)
    parser.add_argument("--scrape-every", type=float, default=30, help="GET /metrics this often (0: never)")
    parser.add_argument("--scrape-timeout", type=float, default=900, help="for the final, timed GET /metrics")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, history)")
    parser.add_argument("--trace-memory", action="store_true",
                        help="run the collector under tracemalloc (much slower) and report its largest allocations "
                        "at the end of each phase")  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="40 sites and short phases (a smoke run)")
    args = parser.parse_args()
    raise_nofile()  # 2,000 connections: the broker and the workers inherit the limit
    if args.quick:
        args.sites, args.warmup_seconds, args.steady_seconds, args.step_seconds = 40, 20, 20, 15
        args.steps, args.outage_seconds, args.after_seconds, args.scrape_every = [4.0], 20, 10, 10
    folder = Path(tempfile.mkdtemp(prefix="esc-bench-load-"))
    bench = Bench(args, folder)
    try:
        result = bench.run()
    finally:
        bench.close()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"== kept {folder}")
    result["load_after"] = os.getloadavg()
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
