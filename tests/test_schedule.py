"""The parallel run's order (helpers/schedule.py): longest tests first, laid out for xdist's worksteal."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from xdist.scheduler.worksteal import WorkStealingScheduling

from helpers.schedule import block_sizes, known_durations, lay_out

IDS = [f"t{i}" for i in range(10)]


@pytest.mark.parametrize(
    ("known", "workers", "expected"),
    [
        # Serial, or nothing known to be long: pytest's order.
        ({"t3": 60.0}, 1, IDS),
        ({}, 3, IDS),
        ({"t3": 1.9}, 3, IDS),
        # One long test: first in the first block; the rest keeps its order.
        ({"t7": 30.0}, 2, ["t7", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t8", "t9"]),
        # Longest first, each to the least loaded block: 50 | 40 | 30 + 20 (30 < 40 < 50).
        (
            {"t9": 50.0, "t1": 40.0, "t5": 30.0, "t2": 20.0},
            3,
            ["t9", "t0", "t3", "t1", "t4", "t6", "t5", "t2", "t7", "t8"],
        ),
        # A block full of long tests passes the next one on: t0 outweighs t1-t6, but the second
        # block holds five tests, so t6 goes to the first.
        (
            {"t0": 1000.0, **{f"t{i}": 10.0 for i in range(1, 7)}},
            2,
            ["t0", "t6", "t7", "t8", "t9", "t1", "t2", "t3", "t4", "t5"],
        ),
    ],
    ids=["serial", "nothing-known", "under-threshold", "one-long", "lpt", "full-block"],
)
def test_lay_out(known: dict[str, float], workers: int, expected: list[str]) -> None:
    laid = lay_out(IDS, known, workers)
    assert laid == expected
    assert sorted(laid) == sorted(IDS)  # every test once


@pytest.mark.parametrize(
    ("known", "groups", "expected"),
    [
        # t4-t6 share a module fixture: they move together behind the long t5, as one 30 s unit.
        (
            {"t5": 30.0, "t9": 20.0},
            dict.fromkeys(["t4", "t5", "t6"], "m"),
            ["t4", "t5", "t6", "t0", "t1", "t9", "t2", "t3", "t7", "t8"],
        ),
        # Two 1.5 s tests of one group make a 3 s unit: long enough to go first.
        (
            {"t7": 1.5, "t8": 1.5},
            dict.fromkeys(["t7", "t8"], "m"),
            ["t7", "t8", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t9"],
        ),
        # A group larger than any block stays where it is.
        (
            {"t1": 30.0, "t9": 20.0},
            dict.fromkeys([f"t{i}" for i in range(1, 8)], "m"),
            ["t9", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8"],
        ),
    ],
    ids=["moves-together", "sum-counts", "too-big"],
)
def test_lay_out_keeps_groups_together(
    known: dict[str, float], groups: dict[str, str], expected: list[str]
) -> None:
    laid = lay_out(IDS, known, 2, groups)
    assert laid == expected
    assert sorted(laid) == sorted(IDS)


@pytest.mark.parametrize(("total", "workers"), [(10, 2), (10, 3), (2448, 4), (7, 4), (1001, 3)])
def test_blocks_are_the_ones_worksteal_deals_first(total: int, workers: int) -> None:
    """xdist's own scheduler, driven with stand-in workers, splits the list as block_sizes says."""
    sent: dict[int, list[int]] = {}

    class Worker:  # what the scheduler uses of xdist's WorkerController
        def __init__(self, k: int) -> None:
            self.k, self.gateway, self.shutting_down = k, SimpleNamespace(id=f"gw{k}"), False

        def send_runtest_some(self, indices: list[int]) -> None:
            sent.setdefault(self.k, []).extend(indices)

        def shutdown(self) -> None:
            self.shutting_down = True

    def node(k: int) -> Any:
        return Worker(k)

    scheduler = WorkStealingScheduling(SimpleNamespace(getvalue=lambda _name: [f"{workers}*popen"]))  # type: ignore[arg-type]
    nodes = [node(k) for k in range(workers)]
    collection = [f"t{i}" for i in range(total)]
    for n in nodes:
        scheduler.add_node(n)
    for n in nodes:
        scheduler.add_node_collection(n, collection)
    scheduler.schedule()
    sizes = block_sizes(total, workers)
    assert [len(sent.get(k, [])) for k in range(workers)] == sizes
    starts = [sum(sizes[:k]) for k in range(workers)]
    assert [sent[k][0] for k in range(workers) if sizes[k]] == [
        s for s, n in zip(starts, sizes, strict=True) if n
    ]


def test_the_durations_file_is_read_and_a_broken_one_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "durations.json"
    assert known_durations(path) == {}
    path.write_text(json.dumps({"tests/test_a.py::test_x": 12.5}))
    assert known_durations(path) == {"tests/test_a.py::test_x": 12.5}
    path.write_text("{not json")
    assert known_durations(path) == {}
    assert all(seconds >= 2.0 for seconds in known_durations().values())  # the shipped file
