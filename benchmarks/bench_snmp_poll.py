"""Benchmark: full status of N simulated printers, ESC Fleet's poller against prometheus-snmp-exporter.

Run on demand (not part of the test suite; about six minutes on two cores)::

    .venv/bin/python benchmarks/bench_snmp_poll.py [--sizes 50 200] [--pairs 3] [--no-netsnmp]

Every simulated printer is one of nine real recordings (``RECORDINGS``, in tests/data/printers)
under its own community, served by two snmpsim processes (half the printers each). Every tool
reads the same values: the three system scalars and the 26 table columns the parser reads
(``agent.printers.mib.POLL_SCALARS`` and ``POLL_COLUMNS``), and the benchmark checks it (ours:
every value equal to the recording; the exporter: as many samples as there are values).

- **ESC Fleet**: ``agent.printers.poller`` as the agent runs it (SNMPv2c: its own BER codec on
  one UDP socket, no pysnmp engine), all printers at once in one asyncio loop, 32 requests in
  flight (the agent's default). "first poll" is a new session (as
  ``esc-agent once``); "steady" is the session the agent keeps between rounds, which remembers how
  much each printer held (as ``esc-agent run`` every interval).
- **prometheus-snmp-exporter** (Debian's package; ``apt-get install prometheus-snmp-exporter``),
  20 scrapes at a time (as a Prometheus scraping 200 targets would), with a hand-written
  ``snmp.yml``: one module per printer (0.21 keeps the community in the module), the scalars by GET
  and either the 26 columns walked one by one, or the 8 subtrees our old poller walked (tables, or
  the single column where we read one); metrics for exactly our values in both.
- **net-snmp** (``snmpget`` + ``snmpbulkwalk`` per subtree, one process each, 16 at a time),
  once per size, for scale.

ESC Fleet and the exporter alternate, ``--pairs`` times, after a warm-up round of each (snmpsim
indexes a recording when first asked); the table gives medians. Client CPU is the poller's
process (ours) or the exporter's process (not the benchmark's HTTP client); simulator CPU is both
snmpsim processes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from importlib.metadata import version
from pathlib import Path

import psutil
from machine import machine  # benchmarks/machine.py, beside this script

from agent.printers import mib
from agent.printers.parse import RawValue
from agent.printers.poller import SnmpSession, SnmpTarget, poll
from agent.printers.snmprec import parse_snmprec

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "printers"
#: The nine recordings every run so far used, so that runs compare (none of them has private
#: columns a vendor override walks, so every tool reads the same values).
RECORDINGS = (
    "brother", "canonprinter_tm", "dell-laser_s5830dn", "jetdirect_m880", "konica_c250i",
    "samsungprinter_m4080fx", "sharp", "utax", "xerox",
)  # fmt: skip
EXPORTER = "prometheus-snmp-exporter"
#: The subtrees the poller walked before it read columns (system apart): the exporter's other config.
OLD_SUBTREES = (
    "1.3.6.1.2.1.25.3.2.1",  # hrDeviceTable
    "1.3.6.1.2.1.25.3.5.1",  # hrPrinterTable
    mib.PRT_GENERAL_SERIAL,
    mib.PRT_INPUT,
    mib.PRT_MARKER_LIFE_COUNT,
    mib.PRT_SUPPLIES,
    "1.3.6.1.2.1.43.12.1.1",  # prtMarkerColorantTable
    mib.PRT_ALERT,
)
Device = tuple[int, str]  # (simulator port, community)


# ---------------------------------------------------------------------------------------- setup
def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _free_tcp_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start_simulator(folder: Path, stack: ExitStack, recordings: dict[str, str]) -> tuple[int, psutil.Process]:
    """Start one snmpsim serving ``{community: snmprec text}``; return its port and process."""
    exe = ROOT / ".venv" / "bin" / "snmpsim-command-responder"
    if not exe.exists():
        raise SystemExit("snmpsim is missing: pip install -e '.[test]'")
    folder.chmod(0o711)
    data, cache = folder / "data", folder / "cache"
    for path in (data, cache):
        path.mkdir()
        path.chmod(0o777)
    for community, text in recordings.items():
        (data / f"{community}.snmprec").write_text(text)
        (data / f"{community}.snmprec").chmod(0o644)
    port = _free_udp_port()
    args = [
        str(exe),
        f"--data-dir={data}",
        f"--cache-dir={cache}",
        f"--agent-udpv4-endpoint=127.0.0.1:{port}",
    ]
    if os.geteuid() == 0:
        args += ["--process-user=nobody", "--process-group=nogroup"]
    log = folder / "snmpsim.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    stack.callback(_stop, proc)
    deadline = time.monotonic() + 60
    while "Listening at" not in log.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"snmpsim did not start:\n{log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.2)
    return port, psutil.Process(proc.pid)


def _expected(text: str) -> dict[str, RawValue]:
    """The values a poll must read from one recording (snmpsim strips trailing spaces of text)."""
    return {
        oid: value.rstrip(b" ") if isinstance(value, bytes) else value
        for oid, value in parse_snmprec(text).items()
        if any(oid.startswith(s + ".") for s in mib.WALK_SUBTREES)
    }


# ------------------------------------------------------------------------- prometheus-snmp-exporter
_TEXT = {mib.SYS_DESCR, mib.SYS_OBJECT_ID, mib.HR_DEVICE_TYPE, mib.HR_DEVICE_DESCR, mib.PRT_GENERAL_SERIAL,
         mib.PRT_INPUT_MEDIA_NAME, mib.PRT_INPUT_NAME, mib.PRT_SUPPLY_DESCRIPTION, mib.PRT_ALERT_DESCRIPTION}  # fmt: skip
_SECOND_INDEX = {
    mib.PRT_INPUT: "prtInputIndex",
    "1.3.6.1.2.1.43.10.2.1": "prtMarkerIndex",
    mib.PRT_SUPPLIES: "prtMarkerSuppliesIndex",
    "1.3.6.1.2.1.43.12.1.1": "prtMarkerColorantIndex",
    mib.PRT_ALERT: "prtAlertIndex",
}


def _metric_type(oid: str) -> str:
    if oid.removesuffix(".0") in {s.removesuffix(".0") for s in _TEXT}:
        return "DisplayString"
    return "OctetString" if oid == mib.HR_PRINTER_ERROR_STATE else "gauge"


def exporter_config(communities: list[str]) -> str:
    """snmp.yml (0.21 format) with modules ``c_<community>`` (columns) and ``t_<community>`` (subtrees)."""
    lines = []
    for kind, walk in (("columns", mib.POLL_COLUMNS), ("subtrees", OLD_SUBTREES)):
        lines += [
            f"_{kind}: &{kind}", "  version: 2", "  max_repetitions: 25", "  retries: 1", "  timeout: 5s",
            f"  get: [{', '.join(s + '.0' for s in mib.POLL_SCALARS)}]", f"  walk: [{', '.join(walk)}]", "  metrics:",
        ]  # fmt: skip
        for scalar in mib.POLL_SCALARS:
            lines += [
                f"  - name: s{scalar.replace('.', '_')}",
                f"    oid: {scalar}",
                f"    type: {_metric_type(scalar)}",
            ]
        for column in mib.POLL_COLUMNS:
            table = column.rsplit(".", 1)[0]
            lines += [
                f"  - name: c{column.replace('.', '_')}", f"    oid: {column}", f"    type: {_metric_type(column)}",
                "    indexes:", "    - labelname: hrDeviceIndex", "      type: gauge",
            ]  # fmt: skip
            if table in _SECOND_INDEX:
                lines += [f"    - labelname: {_SECOND_INDEX[table]}", "      type: gauge"]
    for community in communities:
        for prefix, anchor in (("c", "columns"), ("t", "subtrees")):
            lines += [f"{prefix}_{community}:", f"  <<: *{anchor}", "  auth:", f"    community: {community}"]
    return "\n".join(lines) + "\n"


@dataclass
class Exporter:
    """A running prometheus-snmp-exporter."""

    port: int
    process: psutil.Process

    def cpu(self) -> float:
        times = self.process.cpu_times()
        return float(times.user + times.system)

    def scrape(self, device: Device, module: str) -> tuple[int, int]:
        """Return (samples of our values, SNMP packets sent) for one scrape."""
        sim_port, community = device
        url = f"http://127.0.0.1:{self.port}/snmp?target=127.0.0.1:{sim_port}&module={module}_{community}"
        with urllib.request.urlopen(url, timeout=120) as response:
            body = response.read().decode()
        samples = packets = 0
        for line in body.splitlines():
            if line.startswith("snmp_scrape_packets_sent "):
                packets = int(float(line.split()[1]))
            elif line and not line.startswith(("#", "snmp_scrape_")):
                samples += 1
        return samples, packets


def start_exporter(folder: Path, stack: ExitStack, communities: list[str]) -> Exporter:
    exe = shutil.which(EXPORTER)
    if exe is None:
        raise SystemExit(f"{EXPORTER} is missing: apt-get install {EXPORTER}")
    config = folder / "snmp.yml"
    config.write_text(exporter_config(communities))
    port = _free_tcp_port()
    log = folder / "exporter.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [exe, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    stack.callback(_stop, proc)
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(
                    f"{EXPORTER} did not start:\n{log.read_text(errors='replace')[-2000:]}"
                ) from None
            time.sleep(0.1)
    return Exporter(port, psutil.Process(proc.pid))


# ----------------------------------------------------------------------------------------- rounds
@dataclass
class Counts:
    """What one round read: requests sent, varbinds received (when known), values, printers."""

    pdus: int
    varbinds: int | None
    values: int
    answered: int
    exact: bool


@dataclass
class Round:
    wall: float
    cpu: float
    sim: float
    counts: Counts


@dataclass
class Row:
    tool: str
    rounds: list[Round] = field(default_factory=list)

    def median(self, attribute: str) -> float:
        return float(statistics.median(float(getattr(r, attribute)) for r in self.rounds))

    def count(self, attribute: str) -> str:
        values = [getattr(r.counts, attribute) for r in self.rounds]
        return "—" if None in values else f"{statistics.median(values):.0f}"


def _measure(sims: list[psutil.Process], cpu: Callable[[], float], run: Callable[[], Counts]) -> Round:
    def sim_cpu() -> float:
        return sum(float(p.cpu_times().user + p.cpu_times().system) for p in sims)

    sim0, cpu0, wall0 = sim_cpu(), cpu(), time.perf_counter()
    counts = run()
    return Round(time.perf_counter() - wall0, cpu() - cpu0, sim_cpu() - sim0, counts)


async def _poll_all(
    session: SnmpSession, devices: list[Device], expected: dict[str, dict[str, RawValue]]
) -> Counts:
    before, received = session.requests, session.varbinds
    results = await asyncio.gather(
        *[poll(session, SnmpTarget(host="127.0.0.1", port=port, community=c, timeout=5, retries=1)) for port, c in devices]
    )  # fmt: skip
    exact = all(
        r.raw is not None and {k: v.rstrip(b" ") if isinstance(v, bytes) else v for k, v in r.raw.items()} == expected[c]
        for (_port, c), r in zip(devices, results, strict=True)
    )  # fmt: skip
    answered = sum(1 for r in results if r.raw is not None)
    values = sum(len(r.raw or {}) for r in results)
    return Counts(session.requests - before, session.varbinds - received, values, answered, exact)


def _exporter_round(
    exporter: Exporter,
    devices: list[Device],
    module: str,
    expected: dict[str, dict[str, RawValue]],
    workers: int,
) -> Counts:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda d: exporter.scrape(d, module), devices))
    exact = all(
        samples == len(expected[c]) for (_p, c), (samples, _packets) in zip(devices, results, strict=True)
    )
    answered = sum(1 for samples, _ in results if samples)
    return Counts(sum(p for _, p in results), None, sum(s for s, _ in results), answered, exact)


def _netsnmp_round(devices: list[Device], expected: dict[str, dict[str, RawValue]], workers: int) -> Counts:
    get, walk = shutil.which("snmpget"), shutil.which("snmpbulkwalk")
    if get is None or walk is None:
        raise SystemExit("net-snmp is missing: apt-get install snmp")
    wanted = mib.WALK_SUBTREES

    def run(job: tuple[Device, str | None]) -> tuple[str, int]:
        (port, community), subtree = job
        common = ["-v2c", "-c", community, "-On", "-t5", "-r1", f"127.0.0.1:{port}"]
        args = (
            [get, *common, *(s + ".0" for s in mib.POLL_SCALARS)]
            if subtree is None
            else [walk, "-Cr25", *common, subtree]
        )
        out = subprocess.run(args, capture_output=True, text=True, check=False).stdout
        oids = [
            line.split(" ", 1)[0].lstrip(".")
            for line in out.splitlines()
            if line.startswith(".") and "No Such" not in line
        ]
        return community, sum(1 for o in oids if any(o.startswith(s + ".") for s in wanted))

    jobs: list[tuple[Device, str | None]] = [(d, s) for d in devices for s in (None, *OLD_SUBTREES)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        counts = list(pool.map(run, jobs))
    per_device: dict[str, int] = {}
    for community, count in counts:
        per_device[community] = per_device.get(community, 0) + count
    exact = all(per_device.get(c) == len(expected[c]) for _p, c in devices)
    return Counts(len(jobs), None, sum(per_device.values()), sum(1 for v in per_device.values() if v), exact)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# -------------------------------------------------------------------------------------------- run
def run_size(size: int, pairs: int, in_flight: int, scrapes: int, workers: int, netsnmp: bool) -> list[Row]:
    texts = {
        f"p{i:03d}": (DATA / f"{RECORDINGS[i % len(RECORDINGS)]}.snmprec").read_text() for i in range(size)
    }
    expected = {community: _expected(text) for community, text in texts.items()}
    first = Row(f"ESC Fleet, first poll ({in_flight} in flight)")
    steady = Row(f"ESC Fleet, steady ({in_flight} in flight)")
    by_columns = Row(f"snmp_exporter, 26 columns ({scrapes} scrapes at once)")
    by_subtrees = Row(f"snmp_exporter, 8 subtrees ({scrapes} scrapes at once)")
    rows = [first, steady, by_columns, by_subtrees]
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="esc-bench-")))
        folder.chmod(0o711)  # as root, snmpsim drops to 'nobody', which must reach its folder
        devices: list[Device] = []
        sims: list[psutil.Process] = []
        for half in range(2):
            part = {c: t for i, (c, t) in enumerate(texts.items()) if i % 2 == half}
            (folder / f"sim{half}").mkdir()
            port, process = start_simulator(folder / f"sim{half}", stack, part)
            devices += [(port, c) for c in part]
            sims.append(process)
        (folder / "exporter").mkdir()
        exporter = start_exporter(folder / "exporter", stack, list(texts))
        loop = asyncio.new_event_loop()
        stack.callback(loop.close)
        kept = SnmpSession(max_in_flight=in_flight)

        async def close_kept() -> None:
            kept.close()
            await asyncio.sleep(0)

        stack.callback(lambda: loop.run_until_complete(close_kept()))

        async def with_new_session() -> Counts:
            session = SnmpSession(max_in_flight=in_flight)
            try:
                return await _poll_all(session, devices, expected)
            finally:
                session.close()
                await asyncio.sleep(0)  # let pysnmp's timer see it is cancelled

        def ours_first() -> Counts:
            return loop.run_until_complete(with_new_session())

        def ours_steady() -> Counts:
            return loop.run_until_complete(_poll_all(kept, devices, expected))

        def theirs(module: str) -> Callable[[], Counts]:
            return lambda: _exporter_round(exporter, devices, module, expected, scrapes)

        # Warm-up: snmpsim indexes every recording, the kept session learns every printer.
        ours_steady()
        theirs("c")()
        theirs("t")()
        for pair in range(pairs):
            ours: list[tuple[Row, Callable[[], float], Callable[[], Counts]]] = [
                (first, time.process_time, ours_first),
                (steady, time.process_time, ours_steady),
            ]
            peer: list[tuple[Row, Callable[[], float], Callable[[], Counts]]] = [
                (by_columns, exporter.cpu, theirs("c")),
                (by_subtrees, exporter.cpu, theirs("t")),
            ]
            for row, cpu, round_ in ours + peer if pair % 2 == 0 else peer + ours:
                row.rounds.append(_measure(sims, cpu, round_))
        if netsnmp:
            row = Row(f"net-snmp, snmpget + snmpbulkwalk per subtree ({workers} processes)")
            row.rounds.append(
                _measure(sims, _children_cpu, lambda: _netsnmp_round(devices, expected, workers))
            )
            rows.append(row)
    return rows


def versions() -> str:
    exporter = subprocess.run([EXPORTER, "--version"], capture_output=True, text=True, check=False)
    exporter_version = (exporter.stdout + exporter.stderr).split("version ", 1)[-1].split(" ", 1)[0]
    netsnmp = subprocess.run(["snmpget", "--version"], capture_output=True, text=True, check=False)
    netsnmp_version = (netsnmp.stdout + netsnmp.stderr).strip().rsplit(" ", 1)[-1]
    return (
        f"pysnmp {version('pysnmp')} (pyasn1 {version('pyasn1')}), snmpsim {version('snmpsim')}, "
        f"prometheus-snmp-exporter {exporter_version}, net-snmp {netsnmp_version}"
    )


def table(results: dict[int, list[Row]], pairs: int) -> list[str]:
    lines = [
        "| printers | tool | wall (s) | client CPU (s) | simulator CPU (s) | requests | varbinds received | values read | printers answered | values checked |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]  # fmt: skip
    for size, rows in results.items():
        for row in rows:
            runs = " (1 run)" if len(row.rounds) == 1 else ""
            lines.append(
                f"| {size} | {row.tool}{runs} | {row.median('wall'):.2f} | {row.median('cpu'):.2f} | "
                f"{row.median('sim'):.2f} | {row.count('pdus')} | {row.count('varbinds')} | {row.count('values')} | "
                f"{row.count('answered')} | {'yes' if all(r.counts.exact for r in row.rounds) else 'NO'} |"
            )
    lines += [
        "",
        f"Ratios (medians of {pairs} alternated pairs; below 1: ESC Fleet is faster or cheaper):",
        "",
    ]
    lines += ["| printers | ESC Fleet ÷ snmp_exporter | wall | client CPU |", "|---:|---|---:|---:|"]
    for size, rows in results.items():
        first, steady, by_columns, by_subtrees = rows[:4]
        for ours in (steady, first):
            for peer in (by_subtrees, by_columns):
                label = f"{ours.tool.split(' (')[0].removeprefix('ESC Fleet, ')} ÷ {peer.tool.split(' (')[0].removeprefix('snmp_exporter, ')}"
                lines.append(
                    f"| {size} | {label} | {ours.median('wall') / peer.median('wall'):.2f} | "
                    f"{ours.median('cpu') / peer.median('cpu'):.2f} |"
                )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--pairs", type=int, default=3, help="alternated rounds of ours and the exporter's")
    parser.add_argument("--in-flight", type=int, default=32, help="our requests in flight")
    parser.add_argument("--scrapes", type=int, default=20, help="exporter scrapes at once")
    parser.add_argument("--workers", type=int, default=16, help="net-snmp processes at once")
    parser.add_argument("--no-netsnmp", action="store_true")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    results = {
        size: run_size(size, args.pairs, args.in_flight, args.scrapes, args.workers, not args.no_netsnmp)
        for size in args.sizes
    }
    print(f"Run of {date.today().isoformat()} on {machine()}")
    print(f"Versions: {versions()}")
    print(
        f"Load average (1 min) at the start {load_before:.2f}, at the end {os.getloadavg()[0]:.2f} "
        "(the machine is shared: above ~0.5 others were using it, the numbers are inflated)"
    )
    print()
    print("\n".join(table(results, args.pairs)))


if __name__ == "__main__":
    main()
