"""Benchmark: the agent at rest (host health only) against node_exporter, memory and CPU.

Run on demand (not part of the test suite; about seven minutes)::

    .venv/bin/python benchmarks/bench_agent_memory.py [--seconds 60] [--pairs 3]

- **ESC Fleet**: ``esc-agent run`` from a *runtime-only* install — a virtual environment made
  with Debian's python3 and ``pip install .`` of a copy of this tree, no extras: the agent's
  runtime dependencies alone, as a public PC has them (``--venv``; made on the first run,
  the package reinstalled on every run). Host health only, one reading a second, published to a
  Mosquitto started for the run.
- **node_exporter** (Debian's ``prometheus-node-exporter``; ``apt-get install
  prometheus-node-exporter``), its default collectors, scraped once a second by this script.

They alternate (``--pairs`` times, the first of each pair swapped every pair); each runs for
``--seconds`` and is measured at the end: VmRSS, and CPU time (user + system) over the window.
The table gives medians and the ratio of the medians. A second table says where the agent's
memory goes, import by import, in the same runtime environment (and what the command-line
library would have added).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from machine import machine  # noqa: E402 - benchmarks/machine.py, beside this script

from helpers.broker import start_mosquitto  # noqa: E402
from helpers.processes import free_port, stop_process, wait_port  # noqa: E402

PEER = "prometheus-node-exporter"
DEFAULT_VENV = Path(tempfile.gettempdir()) / "esc-bench-runtime-venv"
#: The agent's start-up, step by step (what ``esc-agent run`` imports, in order), then what the
#: command-line library would add.
IMPORT_STEPS = (
    ("logging, sqlite3 (standard library)", "import logging, sqlite3"),
    ("msgspec", "import msgspec"),
    ("agent.contract.messages (the wire contract)", "import agent.contract.messages"),
    ("agent.config (TOML into msgspec structs)", "import agent.config"),
    ("agent.outbox, agent.recovery (SQLite outbox)", "import agent.outbox, agent.recovery"),
    ("agent.runner, agent.main", "import agent.runner, agent.main"),
    ("psutil (host readings)", "import psutil"),
    ("paho-mqtt (with ssl, urllib.request)", "import paho.mqtt.client"),
    ("not loaded any more: typer", "import typer"),
    ("not loaded any more: agent.cli (typer application)", "import agent.cli"),
    (
        "not loaded any more: pydantic (typer coerces options with it)",
        "import pydantic, pydantic.type_adapter",
    ),
)
PROBE = """
import sys
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
print(f"{rss():.1f}")
for code in sys.argv[1:]:
    exec(code)
    print(f"{rss():.1f}")
"""


# ---------------------------------------------------------------------------------- environment
def runtime_venv(venv: Path) -> Path:
    """Make (once) the runtime-only environment and install this tree into it; return its python."""
    python = venv / "bin" / "python"
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "src"
        listed = subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\n")
        for name in filter(None, listed):
            path = ROOT / name
            if path.is_file() and not name.startswith(("mutants/", "tests/", "benchmarks/")):
                (source / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, source / name)
        pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        if not python.exists():
            subprocess.run(["/usr/bin/python3", "-m", "venv", str(venv)], check=True)
            _quiet([*pip, str(source)])  # the runtime dependencies, no extras
        _quiet([*pip, "--no-deps", "--force-reinstall", str(source)])
    return python


def _quiet(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")


def installed(python: Path) -> str:
    """Return the runtime environment's packages, ``name version`` comma-separated."""
    listing = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return ", ".join(
        line.replace("==", " ") for line in listing.split() if not line.startswith(("pip=", "setuptools="))
    )


# ---------------------------------------------------------------------------------- measures
@dataclass
class Row:
    """One tool's rounds."""

    tool: str
    rss: list[float] = field(default_factory=list)  # MiB
    cpu: list[float] = field(default_factory=list)  # s

    def median(self, what: str) -> float:
        """Return the median of ``rss`` or ``cpu``."""
        return statistics.median(getattr(self, what))


def _cpu(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return float(times.user + times.system)


def _round(start: Callable[[ExitStack], psutil.Process], seconds: float, row: Row) -> None:
    with ExitStack() as stack:
        proc = start(stack)
        cpu0, t0 = _cpu(proc), time.monotonic()
        time.sleep(max(0.0, seconds - (time.monotonic() - t0)))
        if not proc.is_running():
            raise SystemExit(f"{row.tool} stopped during the round")
        row.cpu.append(_cpu(proc) - cpu0)
        row.rss.append(proc.memory_info().rss / 2**20)


def start_agent(python: Path, folder: Path, broker_url: str) -> Callable[[ExitStack], psutil.Process]:
    """Return a starter of ``esc-agent run`` (host health only, every second)."""
    config = folder / "agent.toml"
    config.write_text(
        f'[agent]\nsite = "bench"\nid = "pc1"\ninterval = 1\nstate_dir = "{folder / "state"}"\n'
        f'[broker]\nurl = "{broker_url}"\n'
    )
    exe = python.parent / "esc-agent"

    def start(stack: ExitStack) -> psutil.Process:
        log = stack.enter_context((folder / "agent.log").open("ab"))
        proc = subprocess.Popen([str(exe), "run", "--config", str(config)], stdout=log, stderr=log)
        stack.callback(stop_process, proc)
        deadline = time.monotonic() + 20
        while "connected to broker" not in (folder / "agent.log").read_text(errors="replace"):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit(f"the agent did not connect: see {folder / 'agent.log'}")
            time.sleep(0.1)
        return psutil.Process(proc.pid)

    return start


def start_node_exporter(exe: str) -> Callable[[ExitStack], psutil.Process]:
    """Return a starter of node_exporter (default collectors) scraped once a second."""

    def start(stack: ExitStack) -> psutil.Process:
        port = free_port()
        proc = subprocess.Popen(
            [exe, f"--web.listen-address=127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        stack.callback(stop_process, proc)
        wait_port(port)
        stop = threading.Event()

        def scrape() -> None:
            while not stop.wait(1.0):
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
                    answer.read()

        scraper = threading.Thread(target=scrape, daemon=True)
        scraper.start()
        stack.callback(scraper.join)
        stack.callback(stop.set)
        return psutil.Process(proc.pid)

    return start


def import_costs(python: Path) -> list[tuple[str, float, float]]:
    """Return ``(step, RSS after, added)`` in MiB, the steps run one after the other in one process."""
    codes = [code for _label, code in IMPORT_STEPS]
    out = subprocess.run(
        [str(python), "-c", PROBE, *codes], capture_output=True, text=True, check=True
    ).stdout
    values = [float(v) for v in out.split()]
    rows = [("bare interpreter", values[0], 0.0)]
    for (label, _code), before, after in zip(IMPORT_STEPS, values[:-1], values[1:], strict=True):
        rows.append((label, after, after - before))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of one round")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="the runtime-only environment")
    args = parser.parse_args()
    exe = shutil.which(PEER)
    if exe is None:
        raise SystemExit(f"{PEER} is missing: apt-get install {PEER}")
    python = runtime_venv(args.venv)
    peer_version = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False)
    peer_version_text = (peer_version.stdout + peer_version.stderr).split("version ", 1)[-1].split(" ", 1)[0]
    load_before = os.getloadavg()[0]
    ours, theirs = (
        Row("ESC Fleet agent, host health only, 1 reading/s"),
        Row("node_exporter 1.x, scraped 1/s"),
    )
    theirs.tool = f"node_exporter {peer_version_text}, default collectors, scraped 1/s"
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        broker = start_mosquitto(Path(folder) / "broker")
        stack.callback(stop_process, broker.proc)
        agent = start_agent(python, Path(folder), broker.url)
        exporter = start_node_exporter(exe)
        for pair in range(args.pairs):
            order = [(agent, ours), (exporter, theirs)]
            for start, row in order if pair % 2 == 0 else reversed(order):
                _round(start, args.seconds, row)
                print(
                    f"pair {pair + 1}: {row.tool}: {row.rss[-1]:.1f} MiB, {row.cpu[-1]:.2f} s CPU",
                    file=sys.stderr,
                )
    costs = import_costs(python)
    print(f"Run of {date.today().isoformat()} on {machine()}")
    print(f"Peer: {PEER} {peer_version_text} (Debian package)")
    print(f"Runtime environment: {installed(python)}")
    print(
        f"Load average (1 min) at the start {load_before:.2f}, at the end {os.getloadavg()[0]:.2f} "
        "(the machine is shared: above ~0.5 others were using it)"
    )
    print()
    print(f"| tool | RSS after {args.seconds:g} s (MiB) | CPU over {args.seconds:g} s (s) | rounds |")
    print("|---|---:|---:|---:|")
    for row in (ours, theirs):
        print(f"| {row.tool} | {row.median('rss'):.1f} | {row.median('cpu'):.2f} | {len(row.rss)} |")
    print()
    print(f"Ratios (medians of {args.pairs} alternated pairs): ESC Fleet ÷ node_exporter: "
          f"RSS **{ours.median('rss') / theirs.median('rss'):.2f}×** (target ≤ 1.5×), "
          f"CPU {ours.median('cpu') / theirs.median('cpu'):.2f}×")  # fmt: skip
    print()
    print("Where the agent's memory goes (one process importing step after step, runtime environment):")
    print()
    print("| step | RSS after (MiB) | added (MiB) |")
    print("|---|---:|---:|")
    for label, after, added in costs:
        print(f"| {label} | {after:.1f} | {'' if label == 'bare interpreter' else f'+{added:.1f}'} |")


if __name__ == "__main__":
    main()
