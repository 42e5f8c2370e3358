"""Benchmark: the coordinator report over a year of history for 1,000 devices, one incident a day each.

Run on demand (about two minutes to seed, then the timings)::

    .venv/bin/python benchmarks/bench_report.py [--devices 1000] [--rate 1.0] [--pairs 3] [--db PATH]

``--db PATH`` keeps the seeded history in ``PATH`` and reuses it on the next run with the same
``--devices`` and ``--rate`` (the seeding takes longer than the timings).

The history is what the collector writes now: transitions per function at event time and coverage
runs. ``--devices`` ÷ 20 sites of 20 members each (``--devices`` in all): 8 printers (« impression »,
function print, at least 1 usable), 4 multifunction copiers (print and scan: in « impression »
and « numerisation »), 8 PCs (« postes », at least 2 usable), every member declared in the site's
``devices``/``agents`` with its name and functions. Each member has on average ``--rate``
incidents a day over the year (a fault then the return to ``ok`` 1 to 120 minutes later; a
copier's incident hits print, scan or both; 10 % are unknown gaps); the coverage has a hole of a
few hours every month or so (« non mesuré »).

Timed: ``build_report`` for the year (the report of the whole year and the year before it, as
``esc-collector report`` computes it: history read, every service's and member's figures,
outages, causes, maintenance; charts and PDF apart), for one month, and the CSV rendering.
CPU is that of the benchmark and of the processes the report forks (its sites are shared among
the cores). There is no peer: the target is ≤ 2 s for the year; ``--pairs`` repeats, medians.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

import msgspec
from machine import machine  # benchmarks/machine.py, beside this script

from collector.history import History
from collector.report.build import build_report
from collector.report.render import render_csv
from collector.sites import SitesFile

PRINTERS, COPIERS, PCS = 8, 4, 8
EVENTS = {
    "printer": (("jam", "down"), ("toner_empty", "down"), ("unreachable", "down"), ("toner_low", "degraded")),
    "pc": (("pc_off", "down"), ("lockdown_broken", "down")),
}
HOURS = "Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00; PH off"


def make_sites(count: int) -> SitesFile:
    """Return ``count`` sites of 20 declared members each."""
    sites = {}
    for i in range(count):
        printers = [f"imp-{j:02d}" for j in range(PRINTERS)]
        copiers = [f"mfp-{j:02d}" for j in range(COPIERS)]
        pcs = [f"pc-{j:02d}" for j in range(PCS)]
        devices = {p: {"name": f"l'imprimante {p}"} for p in printers} | {
            c: {"name": f"le copieur {c}", "functions": ["print", "scan"]} for c in copiers
        }
        sites[f"site{i:03d}"] = {
            "name": f"ESC {i}",
            "opening_hours": HOURS,
            "devices": devices,
            "agents": {p: {"name": f"le poste {p}"} for p in pcs},
            "services": {
                "impression": {"devices": printers + copiers, "min_usable": 1},
                "numerisation": {"devices": copiers},
                "postes": {"pcs": pcs, "min_usable": 2},
            },
        }
    return msgspec.convert({"sites": sites}, SitesFile)


def seed(history: History, sites: SitesFile, start: float, end: float, rate: float) -> tuple[int, int]:
    """Write the year's transitions and coverage; return how many of each."""
    rng = random.Random(7)
    rows: list[tuple[str, str, str, float, str, tuple[str, ...], str]] = []
    runs = 0
    with history.batch():
        for site_id, site in sites.sites.items():
            members = [("device", d, site.devices[d].functions) for d in site.devices] + [
                ("pc", p, ("",)) for p in site.agents
            ]
            for kind, member, functions in members:
                for function in functions:
                    rows.append((site_id, kind, member, start, "ok", (), function))
                moment = start
                while True:
                    moment += rng.expovariate(rate / 86_400)  # ``rate`` incidents a day, on average
                    if moment >= end:
                        break
                    hit = [f for f in functions if len(functions) == 1 or rng.random() < 0.6] or [
                        functions[0]
                    ]
                    reasons: tuple[str, ...]
                    if rng.random() < 0.1:
                        state, reasons = "unknown", ()
                    else:
                        reason, state = rng.choice(EVENTS["pc" if kind == "pc" else "printer"])
                        reasons = (reason,)
                    back = moment + rng.uniform(60, 7_200)
                    for function in hit:
                        rows.append((site_id, kind, member, moment, state, reasons, function))
                        if back < end:
                            rows.append((site_id, kind, member, back, "ok", (), function))
                    moment = back
                # Coverage: observed all year but a few hours about once a month.
                run_start = start
                while run_start < end:
                    run_end = min(end, run_start + rng.uniform(20, 40) * 86_400)
                    history.observed(site_id, kind, member, run_start, run_end)
                    runs += 1
                    run_start = run_end + rng.uniform(1, 6) * 3600
    rows.sort(key=lambda row: row[3])
    return history.record_many(rows), runs


def open_seeded(
    path: Path, sites: SitesFile, start: float, end: float, rate: float
) -> tuple[History, int, int, float]:
    """Open the seeded history at ``path``, seeding it unless it holds this very seed; return it, its counts, the seeding time."""
    stamp = f"{len(sites.sites)} sites, rate {rate:g}, {start:.0f}-{end:.0f}"
    history = History(path)
    if history.get_meta("bench_report_seed") == stamp:
        transitions = history.count()
        runs = int(history.get_meta("bench_report_runs") or 0)
        return history, transitions, runs, float(history.get_meta("bench_report_seconds") or 0)
    if history.count():
        history.close()
        path.unlink()
        Path(f"{path}-wal").unlink(missing_ok=True)
        Path(f"{path}-shm").unlink(missing_ok=True)
        history = History(path)
    seeded = time.perf_counter()
    transitions, runs = seed(history, sites, start, end, rate)
    seeded = time.perf_counter() - seeded
    history.set_meta("bench_report_seed", stamp)
    history.set_meta("bench_report_seconds", f"{seeded:.1f}")
    history.set_meta("bench_report_runs", str(runs))
    return history, transitions, runs, seeded


def cpu() -> tuple[float, float]:
    """Return the CPU time of this process and of its children that have ended (the report's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def since(before: tuple[float, float]) -> tuple[float, float]:
    """Return the CPU time of this process and of its ended children since ``before``."""
    now = cpu()
    return now[0] - before[0], now[1] - before[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=1000, help="members in all (20 a site)")
    parser.add_argument("--rate", type=float, default=1.0, help="incidents per member per day")
    parser.add_argument("--pairs", type=int, default=3, help="timed repetitions")
    parser.add_argument(
        "--db", type=Path, help="keep the seeded history here and reuse it (same --devices, --rate)"
    )
    args = parser.parse_args()
    count = args.devices // (PRINTERS + COPIERS + PCS)
    sites = make_sites(count)
    first, last = dt.date(2025, 12, 1), dt.date(2026, 11, 30)
    start = dt.datetime(2024, 12, 1, tzinfo=dt.UTC).timestamp()  # the year before is compared too
    end = dt.datetime(2026, 12, 1, tzinfo=dt.UTC).timestamp()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        history, transitions, runs, seeded = open_seeded(args.db or Path(folder) / "history.sqlite3", sites,
                                                          start, end, args.rate)  # fmt: skip
        year_rows = sum(
            len(v) for s in sites.sites for v in history.timelines(s, end - 365 * 86_400, end).values()
        )
        timings: dict[str, list[tuple[float, float, float]]] = {"year": [], "month": [], "csv": []}
        for _ in range(args.pairs):
            for label, first_day in (("year", first), ("month", dt.date(2026, 11, 1))):
                wall0, cpu0 = time.perf_counter(), cpu()
                report = build_report(history, sites, first_day, last, blip_seconds=120)
                timings[label].append((time.perf_counter() - wall0, *since(cpu0)))
                if label == "year":
                    csv0, csvc = time.perf_counter(), cpu()
                    render_csv(report)
                    timings["csv"].append((time.perf_counter() - csv0, *since(csvc)))
        history.close()
    members = count * (PRINTERS + COPIERS + PCS)
    print(f"Run of {dt.date.today().isoformat()} on {machine()}")
    print(f"{members:,} members ({count} sites: {PRINTERS} printers, {COPIERS} copiers print+scan, {PCS} PCs each), "
          f"{args.rate:g} incident/member/day over two years (the year and the one before): {transitions:,} "
          f"transitions ({year_rows:,} in the reported year), {runs:,} coverage runs, seeded in {seeded:.0f} s")  # fmt: skip
    print(
        f"Load average (1 min) at the start {load_before:.2f}, at the end {os.getloadavg()[0]:.2f} "
        "(the machine is shared: above ~0.5 others were using it)"
    )
    print()
    print(
        f"| report | wall (s), median of {args.pairs} | CPU (s), all processes | CPU of this process / of the others |"
    )
    print("|---|---:|---:|---:|")
    names = {"year": "a year (2025-12-01 → 2026-11-30) and the year before", "month": "November 2026 and October",
             "csv": "CSV of the year's report"}  # fmt: skip
    for label, runs_ in timings.items():
        print(f"| {names[label]} | **{statistics.median(w for w, _, _ in runs_):.2f}** | "
              f"{statistics.median(c + o for _, c, o in runs_):.2f} | "
              f"{statistics.median(c for _, c, _ in runs_):.2f} / {statistics.median(o for _, _, o in runs_):.2f} |")  # fmt: skip
    print()
    print(f"Target: ≤ 2 s for the year ({statistics.median(w for w, _, _ in timings['year']):.2f} s)")


if __name__ == "__main__":
    main()
