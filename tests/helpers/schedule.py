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
moves short tests; the tests of a module with module-scoped fixtures of its own move together.
Serial runs keep pytest's order.

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


def lay_out(
    ids: list[str], known: dict[str, float], workers: int, groups: dict[str, str] | None = None
) -> list[str]:
    """Return ``ids`` reordered so that each worker's first block starts with its share of the long tests.

    ``groups`` maps some tests to a key (their module, when it has fixtures of its own shared by its
    tests): the tests of one group move together, in their order, as one unit as long as its known
    tests together, so that a module's fixture is set up once.
    """
    groups = groups or {}
    units: dict[str, list[str]] = {}  # in the order of each unit's first test
    for test in ids:
        units.setdefault(groups.get(test, test), []).append(test)
    seconds = {key: sum(known.get(t, 0.0) for t in unit) for key, unit in units.items()}
    slow = sorted((key for key in units if seconds[key] >= SLOW), key=lambda key: -seconds[key])
    if workers < 2 or not slow:
        return ids
    sizes = block_sizes(len(ids), workers)
    shares: list[list[str]] = [[] for _ in range(workers)]
    work = [0.0] * workers
    moved: set[str] = set()
    for key in slow:  # LPT: to the least loaded worker whose block still has room
        room = [k for k in range(workers) if len(shares[k]) + len(units[key]) <= sizes[k]]
        if not room:
            continue  # too big for any block: it stays where it is
        k = min(room, key=lambda k: (work[k], k))
        shares[k] += units[key]
        work[k] += seconds[key]
        moved.add(key)
    rest = iter([t for key, unit in units.items() if key not in moved for t in unit])
    out: list[str] = []
    for k in range(workers):
        out += shares[k]
        out += [next(rest) for _ in range(sizes[k] - len(shares[k]))]
    out += list(rest)
    return out


def _shared_fixture_group(item: pytest.Item) -> str | None:
    """Return the module of a test that uses a module- or class-scoped fixture defined in that module."""
    info = getattr(item, "_fixtureinfo", None)
    module = item.nodeid.split("::", 1)[0]
    for name in getattr(item, "fixturenames", ()):
        defs = info.name2fixturedefs.get(name, ()) if info is not None else ()
        if defs and defs[-1].scope in ("module", "class") and defs[-1].baseid.startswith(module):
            return module
    return None


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
    groups = {item.nodeid: group for item in items if (group := _shared_fixture_group(item))}
    laid = lay_out([item.nodeid for item in items], known_durations(), workers, groups)
    items[:] = [by_id[i] for i in laid]


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
