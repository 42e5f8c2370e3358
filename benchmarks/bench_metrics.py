"""Benchmark: ``/metrics`` for N printers, the collector's exporter against a bare prometheus-client registry.

Run on demand (not part of the test suite; about a minute)::

    .venv/bin/python benchmarks/bench_metrics.py [--printers 10000] [--pairs 3]

The fleet: ``--printers`` printers on sites of 20 printers each, one live agent per site; each
printer's observation is what the agent's own code makes of one of the 14 real recordings in
``tests/data/printers`` (in turn), as the collector holds it after ingesting it.

- **ESC Fleet**: the exporter as ``esc-collector run`` serves it (``FleetCollector``, every
  metric of ``collector/descriptions.py``), rendered by prometheus-client's
  ``generate_latest`` — what a scrape of ``/metrics`` costs, HTTP apart.
- **bare registry**: prometheus-client's own ``Gauge``/``Counter`` objects holding exactly the
  same series (names, labels, values), rendered by the same ``generate_latest`` — the least a
  Python exporter of these series costs.

They alternate (``--pairs`` times, the first swapped every pair); medians. The table also gives
the series per printer, by metric family, and the size of the page.
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import sys
import time
from collections import Counter
from datetime import date
from importlib.metadata import version
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client import Counter as PromCounter
from prometheus_client import Gauge as PromGauge
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parent.parent

from machine import machine  # noqa: E402 - benchmarks/machine.py, beside this script

from agent.contract.messages import DeviceBody, replace  # noqa: E402
from agent.devices import DeviceTracker  # noqa: E402
from agent.printers.compose import read_printer  # noqa: E402
from agent.printers.parse import Thresholds  # noqa: E402
from agent.printers.snmprec import load_snmprec  # noqa: E402
from agent.printers.state import StateOptions  # noqa: E402
from collector.exporter import FleetCollector  # noqa: E402
from collector.state import FleetState, Observation  # noqa: E402

RECORDINGS = sorted((ROOT / "tests" / "data" / "printers").glob("*.snmprec"))
PER_SITE = 20


def bodies() -> list[DeviceBody]:
    """Return the agent's observation of each recording."""
    out = []
    for path in RECORDINGS:
        status = read_printer(load_snmprec(path), Thresholds()).status
        out.append(
            DeviceTracker("x", "printer", None, StateOptions()).observe(status, error=None, seconds=0.8)
        )
    return out


def fleet(printers: int, now: float) -> FleetState:
    """Return a fleet state holding ``printers`` printers, one live agent per site of 20."""
    state = FleetState()
    templates = bodies()
    for i in range(printers):
        site, agent, device = f"esc-{i // PER_SITE:04d}", "pc-1", f"imp-{i % PER_SITE + 1:02d}"
        a = state.agent(site, agent)
        a.last_seen = a.data_at = now
        a.status, a.status_at, a.session = "online", now, 1
        body = replace(templates[i % len(templates)], device=device)
        state.device(site, device).observations[agent] = Observation(agent, body, now, now)
    return state


def bare_registry(page: bytes) -> CollectorRegistry:
    """Return a registry of prometheus-client metric objects holding the series of ``page``."""
    registry = CollectorRegistry(auto_describe=False)
    for family in text_string_to_metric_families(page.decode()):
        if not family.samples:
            continue
        labels = list(family.samples[0].labels)
        kind = PromCounter if family.type == "counter" else PromGauge
        metric = kind(family.name, family.documentation or family.name, labels, registry=registry)
        for sample in family.samples:
            if sample.name.endswith("_created"):
                continue
            child = metric.labels(*(sample.labels[label] for label in labels)) if labels else metric
            if isinstance(child, PromCounter):
                child.inc(sample.value)
            else:
                child.set(sample.value)
    return registry


def refresh(state: FleetState, share: float, now: float) -> None:
    """Give ``share`` of the devices a new observation (a new body object, same content), as readings do."""
    records = list(state.devices.values())
    for record in records[: int(len(records) * share)]:
        for agent, obs in record.observations.items():
            record.observations[agent] = Observation(agent, replace(obs.body), now, now)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--printers", type=int, default=10_000)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--fresh", type=float, default=0.25,
                        help="share of devices observed anew between two scrapes (readings each minute, scrape each 15 s)")  # fmt: skip
    args = parser.parse_args()
    now = time.time()
    state = fleet(args.printers, now)
    exporter = FleetCollector(state, stale_after=180, clock=lambda: now)
    ours = CollectorRegistry(auto_describe=False)
    ours.register(exporter)
    page = exporter.render()
    if list(text_string_to_metric_families(page.decode())) != list(
        text_string_to_metric_families(generate_latest(ours).decode())
    ):
        raise SystemExit("render() and generate_latest() disagree")
    theirs = bare_registry(page)
    load_before = os.getloadavg()[0]

    def cold() -> bytes:  # a collector's first scrape: nothing kept
        return FleetCollector(state, stale_after=180, clock=lambda: now).render()

    def steady() -> bytes:
        refresh(state, args.fresh, now)
        return exporter.render()

    runs = {
        "steady": (f"ESC Fleet, /metrics (FleetCollector.render), {args.fresh:.0%} of the devices observed anew since the last scrape", steady),
        "cold": ("ESC Fleet, /metrics, first scrape (every device new)", cold),
        "theirs": ("bare prometheus-client registry, same series (generate_latest)", lambda: generate_latest(theirs)),
    }  # fmt: skip
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for pair in range(args.pairs):
        order = list(runs)
        for name in order if pair % 2 == 0 else reversed(order):
            if name == "steady":
                refresh(state, args.fresh, now)
                exporter.render()  # the scrape before, so that only the share is new
            wall0, cpu0 = time.perf_counter(), time.process_time()
            runs[name][1]()
            times[name].append((time.perf_counter() - wall0, time.process_time() - cpu0))
            print(f"pair {pair + 1}: {name} {times[name][-1][0]:.2f} s", file=sys.stderr)
    families = list(text_string_to_metric_families(page.decode()))
    by_family = Counter(
        {f.name: len([s for s in f.samples if not s.name.endswith("_created")]) for f in families}
    )
    device_series = sum(n for name, n in by_family.items() if name.startswith(("esc_device", "esc_printer")))
    total = sum(by_family.values())
    gzip0 = time.perf_counter()
    zipped = gzip.compress(page, compresslevel=1)
    gzip_s = time.perf_counter() - gzip0

    def median(name: str, index: int) -> float:
        return statistics.median(t[index] for t in times[name])

    print(f"Run of {date.today().isoformat()} on {machine()}")
    print(f"Versions: prometheus-client {version('prometheus-client')}, msgspec {version('msgspec')}")
    print(f"{args.printers:,} printers ({len(RECORDINGS)} recordings in turn) on {args.printers // PER_SITE} sites, "
          f"one live agent per site: {total:,} series, {device_series / args.printers:.1f} per printer "
          f"({total / args.printers:.1f} with the agents' and the collector's own); page {len(page) / 1e6:.1f} MB, "
          f"{len(zipped) / 1e6:.1f} MB gzipped (level 1, {gzip_s:.2f} s, when Prometheus asks for gzip)")  # fmt: skip
    print(
        f"Load average (1 min) at the start {load_before:.2f}, at the end {os.getloadavg()[0]:.2f} "
        "(the machine is shared: above ~0.5 others were using it)"
    )
    print()
    print(f"| exporter | time (s), median of {args.pairs} | CPU (s) |")
    print("|---|---:|---:|")
    for name, (label, _run) in runs.items():
        print(f"| {label} | {median(name, 0):.2f} | {median(name, 1):.2f} |")
    print()
    print(f"Ratios (medians of {args.pairs} alternated rounds): ESC Fleet ÷ bare registry, time: steady "
          f"**{median('steady', 0) / median('theirs', 0):.2f}×**, first scrape {median('cold', 0) / median('theirs', 0):.2f}×. "
          f"Targets: ≤ 15 series per printer ({device_series / args.printers:.1f}), ≤ 1 s for 10,000 printers "
          f"(steady {median('steady', 0):.2f} s, first scrape {median('cold', 0):.2f} s)")  # fmt: skip
    print()
    print("Series per printer, by family:")
    print()
    print("| family | series per printer |")
    print("|---|---:|")
    for name, count in sorted(by_family.items(), key=lambda kv: -kv[1]):
        if name.startswith(("esc_device", "esc_printer")):
            print(f"| `{name}` | {count / args.printers:.2f} |")


if __name__ == "__main__":
    main()
