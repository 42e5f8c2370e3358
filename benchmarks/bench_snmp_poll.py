"""Benchmark: poll 50 and 200 simulated printers concurrently, against net-snmp's snmpbulkwalk.

Run on demand (not part of the test suite)::

    .venv/bin/python benchmarks/bench_snmp_poll.py [--sizes 50 200] [--out docs/benchmarks.md]

Each simulated printer is one of the nine real recordings (tests/data/printers) under its own
community, all served by one snmpsim process. Our poller walks the same nine subtrees the agent
walks (``agent.printers.mib.WALK_SUBTREES``) for every printer at once, bounded by its semaphore;
net-snmp runs one ``snmpbulkwalk`` process per printer and subtree, 16 processes at a time.
Wall time, our process's CPU time and the simulator's CPU time are measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import psutil

from agent.printers import mib
from agent.printers.poller import SnmpSession, SnmpTarget, poll
from collector.demo import start_simulator

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "printers"


def _simulator_cpu(port: int) -> float:
    for proc in psutil.process_iter(["cmdline"]):
        if any(f"127.0.0.1:{port}" in part for part in proc.info["cmdline"] or []):
            times = proc.cpu_times()
            return float(times.user + times.system)
    return 0.0


async def _ours(port: int, communities: list[str], in_flight: int) -> tuple[int, int]:
    session = SnmpSession(max_in_flight=in_flight)
    try:
        results = await asyncio.gather(
            *[poll(session, SnmpTarget(host="127.0.0.1", port=port, community=c, timeout=5, retries=1))
              for c in communities]
        )  # fmt: skip
    finally:
        session.close()
    ok = sum(1 for r in results if r.raw is not None)
    return ok, sum(len(r.raw or {}) for r in results)


def _netsnmp(port: int, communities: list[str], workers: int) -> tuple[int, int]:
    exe = shutil.which("snmpbulkwalk")
    if exe is None:
        raise SystemExit("snmpbulkwalk is missing: apt-get install snmp")

    def walk(job: tuple[str, str]) -> int:
        community, subtree = job
        out = subprocess.run(
            [exe, "-v2c", "-c", community, "-On", "-Cr25", "-t5", "-r1", f"127.0.0.1:{port}", subtree],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        # Empty subtrees print one "No Such Object" line: not a row.
        return sum(1 for line in out.stdout.splitlines() if line.startswith(".") and "No Such" not in line)

    jobs = [(c, s) for c in communities for s in mib.WALK_SUBTREES]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        rows = list(pool.map(walk, jobs))
    return len(communities), sum(rows)


def run(sizes: list[int], in_flight: int, workers: int) -> list[str]:
    recordings = sorted(DATA.glob("*.snmprec"))
    lines = [
        "| printers | tool | wall (s) | client CPU (s) | simulator CPU (s) | devices answered | varbinds |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        texts = {f"p{i:03d}": recordings[i % len(recordings)].read_text() for i in range(size)}
        communities = list(texts)
        with ExitStack() as stack:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="esc-bench-")))
            port = start_simulator(folder, stack, texts)
            if port is None:
                raise SystemExit("snmpsim is missing: pip install -e '.[test]'")
            # Warm the simulator's indexes so neither tool pays for them.
            asyncio.run(_ours(port, communities, in_flight))

            sim0, cpu0, wall0 = _simulator_cpu(port), time.process_time(), time.perf_counter()
            ok, varbinds = asyncio.run(_ours(port, communities, in_flight))
            wall, cpu, sim = (
                time.perf_counter() - wall0,
                time.process_time() - cpu0,
                _simulator_cpu(port) - sim0,
            )
            tool = f"ESC Fleet poller (pysnmp, {in_flight} in flight)"
            lines.append(f"| {size} | {tool} | {wall:.2f} | {cpu:.2f} | {sim:.2f} | {ok} | {varbinds} |")

            children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            sim0, wall0 = _simulator_cpu(port), time.perf_counter()
            ok, varbinds = _netsnmp(port, communities, workers)
            children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall, sim = time.perf_counter() - wall0, _simulator_cpu(port) - sim0
            cpu = (children1.ru_utime - children0.ru_utime) + (children1.ru_stime - children0.ru_stime)
            tool = f"net-snmp snmpbulkwalk ({workers} processes)"
            lines.append(f"| {size} | {tool} | {wall:.2f} | {cpu:.2f} | {sim:.2f} | {ok} | {varbinds} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--in-flight", type=int, default=32)
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args()
    lines = run(args.sizes, args.in_flight, args.workers)
    print(f"machine: {os.cpu_count()} CPUs; snmpsim is single-threaded and shared by both tools")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
