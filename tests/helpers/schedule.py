"""Longest tests first on pytest-xdist workers (a pytest plugin, loaded by ``tests/conftest.py``).

A parallel run lasts at least as long as its longest test plus whatever its worker ran before
it: a 60 s test that starts in the last minute makes the run a minute longer. So, on xdist
workers, the tests known to be long (``tests/durations.json``: setup + call + teardown of every
test of :data:`SLOW` seconds or more, as last measured) are dealt out first, longest first, each
to the worker with the least known work (LPT), and every other test keeps its place.

The order is laid out for ``--dist worksteal`` (what ``scripts/test.sh`` uses): that scheduler
first splits the collected list into one contiguous block per worker, then lets an idle worker
steal the end of the longest queue. Each block starts with its worker's long tests, then a run of
the remaining tests in their usual order (module fixtures stay shared), so stealing only ever
moves short tests. Serial runs keep pytest's order.

``pytest --store-durations`` (with or without ``-n``) writes what it measured back into the file:
tests that took :data:`SLOW` s or more are added or updated, the others removed. Only the order
depends on the file: a test missing from it, or a stale entry, changes no result.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

DURATIONS = Path(__file__).resolve().parent.parent / "durations.json"
#: Tests at least this long (seconds) are scheduled first and kept in the file.
SLOW = 2.0


def known_durations(path: Path = DURATIONS) -> dict[str, float]:
    """Return ``{node id: seconds}`` from the durations file (empty when there is none)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in data.items()} if isinstance(data, dict) else {}


def block_sizes(total: int, workers: int) -> list[int]:
    """Return the sizes of the blocks ``--dist worksteal`` first gives each of ``workers`` workers."""
    sizes, remaining = [], total
    for k in range(workers):
        size = remaining // (workers - k)
        sizes.append(size)
        remaining -= size
    return sizes


def lay_out(ids: list[str], known: dict[str, float], workers: int) -> list[str]:
    """Return ``ids`` reordered so that each worker's first block starts with its share of the long tests."""
    slow = sorted((i for i in ids if known.get(i, 0.0) >= SLOW), key=lambda i: -known[i])
    if workers < 2 or not slow:
        return ids
    sizes = block_sizes(len(ids), workers)
    shares: list[list[str]] = [[] for _ in range(workers)]
    work = [0.0] * workers
    for test in slow:  # LPT: to the least loaded worker whose block still has room
        k = min((k for k in range(workers) if len(shares[k]) < sizes[k]), key=lambda k: (work[k], k))
        shares[k].append(test)
        work[k] += known[test]
    chosen = set(slow)
    rest = iter([i for i in ids if i not in chosen])
    out: list[str] = []
    for k in range(workers):
        out += shares[k]
        out += [next(rest) for _ in range(sizes[k] - len(shares[k]))]
    out += list(rest)
    return out


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--store-durations``."""
    parser.addoption(
        "--store-durations",
        action="store_true",
        help=f"write the tests of {SLOW:g} s or more into {DURATIONS.name} (the order of parallel runs)",
    )


@pytest.hookimpl(trylast=True)  # after -k/-m deselection: the blocks are counted on what runs
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On an xdist worker, lay the tests out longest first (every worker computes the same order)."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    if workers < 2:
        return
    by_id = {item.nodeid: item for item in items}
    if len(by_id) != len(items):  # duplicate ids (a test file given twice): leave pytest's order
        return
    items[:] = [by_id[i] for i in lay_out([item.nodeid for item in items], known_durations(), workers)]


class _Recorder:
    """Sums each test's phases as the reports arrive (on the controller, under xdist)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.seconds[report.nodeid] = self.seconds.get(report.nodeid, 0.0) + report.duration

    def pytest_sessionfinish(self) -> None:
        stored = known_durations()
        for test, seconds in self.seconds.items():
            if seconds >= SLOW:
                stored[test] = round(seconds, 1)
            else:
                stored.pop(test, None)
        DURATIONS.write_text(json.dumps(dict(sorted(stored.items())), indent=0, ensure_ascii=False) + "\n")


def pytest_configure(config: pytest.Config) -> None:
    """With ``--store-durations``, record durations on the process that sees every report."""
    if config.getoption("--store-durations") and not hasattr(config, "workerinput"):
        config.pluginmanager.register(_Recorder(), "esc-store-durations")
