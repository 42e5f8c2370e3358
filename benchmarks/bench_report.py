"""Benchmark: the coordinator report over a year of transitions for 1,000 devices.

Run on demand::

    .venv/bin/python benchmarks/bench_report.py [--devices 1000] [--sites 50]

Builds a history in a temporary SQLite file: every device changes state about twice per open
day for a year (jams, toner, unreachable, unknown gaps), spread over ``--sites`` sites of 20
devices each (impression: 10 printers, at least 1 usable; numerisation: 5 scanners; postes: 5 PCs).
Then times ``build_report`` (the availability computation, charts and PDF excluded) for the year
and for one month, and the CSV rendering.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from pathlib import Path

from collector.history import History
from collector.report.build import build_report
from collector.report.render import render_csv
from collector.sites import SitesFile

EVENTS = (("jam", "down"), ("toner_empty", "down"), ("unreachable", "down"), ("toner_low", "degraded"))


def make_sites(count: int, per_site: int) -> SitesFile:
    sites = {}
    for i in range(count):
        devices = [f"p{i:03d}-{j:02d}" for j in range(per_site)]
        third = per_site // 4
        sites[f"site{i:03d}"] = {
            "name": f"ESC {i}",
            "opening_hours": "Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00; PH off",
            "services": {
                "impression": {"devices": devices[: per_site - 2 * third], "min_usable": 1},
                "numerisation": {"devices": devices[per_site - 2 * third : per_site - third]},
                "postes": {"pcs": devices[per_site - third :], "min_usable": 2},
            },
        }
    return SitesFile.model_validate({"sites": sites})


def seed(history: History, sites: SitesFile, start: float, end: float, rate: float) -> int:
    rng = random.Random(7)
    rows = []
    for site_id, site in sites.sites.items():
        for service in site.services.values():
            for kind, member in service.members:
                rows.append((site_id, kind, member, start, "ok", ()))
                moment = start
                while True:
                    moment += rng.expovariate(rate / 86_400)  # ``rate`` incidents a day, on average
                    if moment >= end:
                        break
                    if rng.random() < 0.1:
                        rows.append((site_id, kind, member, moment, "unknown", ()))
                    else:
                        reason, state = rng.choice(EVENTS)
                        rows.append((site_id, kind, member, moment, state, (reason,)))
                    moment += rng.uniform(60, 7_200)
                    if moment < end:
                        rows.append((site_id, kind, member, moment, "ok", ()))
    return history.record_many(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--sites", type=int, default=50)
    parser.add_argument(
        "--rate", type=float, default=0.5, help="incidents per device per day (each is two transitions)"
    )
    args = parser.parse_args()
    per_site = args.devices // args.sites
    sites = make_sites(args.sites, per_site)
    first, last = dt.date(2025, 12, 1), dt.date(2026, 11, 30)
    with tempfile.TemporaryDirectory() as folder:
        history = History(Path(folder) / "history.sqlite3")
        started = time.perf_counter()
        count = seed(history, sites, dt.datetime(2025, 12, 1, tzinfo=dt.UTC).timestamp(),
                     dt.datetime(2026, 12, 1, tzinfo=dt.UTC).timestamp(), args.rate)  # fmt: skip
        seeding = time.perf_counter() - started
        print(f"{args.devices} devices on {args.sites} sites, {args.rate} incidents/device/day: "
              f"{count} transitions seeded in {seeding:.1f} s")  # fmt: skip
        print("| period | devices | transitions read | build_report (s) | CPU (s) | CSV render (s) |")
        print("|---|---:|---:|---:|---:|---:|")
        for label, start_day in (("one year", first), ("one month", dt.date(2026, 11, 1))):
            wall0, cpu0 = time.perf_counter(), time.process_time()
            report = build_report(history, sites, start_day, last, blip_seconds=120)
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            csv0 = time.perf_counter()
            render_csv(report)
            csv_time = time.perf_counter() - csv0
            read = (
                sum(len(v) for s in sites.sites for v in history.timelines(s, 0, 1e12).values())
                if label == "one year"
                else "—"
            )
            print(f"| {label} | {args.devices} | {read} | {wall:.2f} | {cpu:.2f} | {csv_time:.2f} |")
        history.close()


if __name__ == "__main__":
    main()
