"""The poller's column walk: exact, bounded and frugal, on an emulated agent and through snmpsim.

:class:`ColumnWalk` is pure (it plans GETBULK requests and takes answers), so most tests drive it
with :class:`Agent`, a few lines answering GETBULK from a recording as RFC 3416 says, with the
limits and misbehaviours a test asks for. The last tests go through snmpsim with the real
session.
"""

from __future__ import annotations

import asyncio
import bisect
import re
from pathlib import Path
from typing import Any

import pytest

from agent.printers import mib
from agent.printers.parse import RawValue
from agent.printers.poller import END, BulkRequest, ColumnWalk, SnmpSession, SnmpTarget, Value, poll
from agent.printers.snmprec import parse_snmprec

from helpers.recordings import RECORDINGS, recording
from helpers.snmp import Simulator

PARSE = Path(__file__).resolve().parent.parent / "agent" / "printers" / "parse.py"
SUPPLY_LEVEL = mib.PRT_SUPPLY_LEVEL


def _key(oid: str) -> tuple[int, ...]:
    return tuple(int(arc) for arc in oid.split("."))


class Agent:
    """Answers GETBULK from a recording (RFC 3416 §4.2.3), like pysnmp's responder by default.

    Args:
        raw: the device's varbinds.
        cap: most repetitions in one answer, all repeaters together (pysnmp and snmpsim: 64).
        truncate: cut every answer to this many varbinds (what agents do when it would not fit).
        too_big: answer tooBig to requests that could hold more varbinds than this.
    """

    def __init__(
        self,
        raw: dict[str, RawValue],
        *,
        cap: int = 64,
        truncate: int | None = None,
        too_big: int | None = None,
    ) -> None:
        self.raw = raw
        self.keys = sorted(_key(o) for o in raw)
        self.cap, self.truncate, self.too_big = cap, truncate, too_big
        self.requests = 0
        self.too_bigs = 0

    def next(self, oid: str) -> tuple[str, Value]:
        index = bisect.bisect_right(self.keys, _key(oid))
        if index >= len(self.keys):
            return oid, END  # endOfMibView carries the requested OID again
        found = ".".join(map(str, self.keys[index]))
        return found, self.raw[found]

    def bulk(self, request: BulkRequest) -> list[tuple[str, Value]] | None:
        """Return the answer, or None for tooBig."""
        self.requests += 1
        if self.too_big is not None and request.size() > self.too_big:
            self.too_bigs += 1
            return None
        oids = request.oids()
        count = len(request.non_repeaters)
        out = [self.next(o) for o in oids[:count]]
        cursors = oids[count:]
        if cursors:
            for _ in range(min(request.max_repetitions, self.cap // len(cursors))):
                row = [self.next(o) for o in cursors]
                out += row
                cursors = [o for o, _ in row]
        return out[: self.truncate] if self.truncate is not None else out


def run(walk: ColumnWalk, agent: Agent) -> ColumnWalk:
    while walk.pending:
        for request in walk.plan():
            answer = agent.bulk(request)
            assert answer is not None
            walk.feed(request, answer)
        assert agent.requests < 1_000, "the walk does not end"
    return walk


def under_walked(raw: dict[str, RawValue]) -> dict[str, RawValue]:
    """What a poll must return: the device's varbinds under the scalars and columns we read."""
    return {o: v for o, v in raw.items() if any(o.startswith(s + ".") for s in mib.WALK_SUBTREES)}


def new_walk(**options: Any) -> ColumnWalk:
    return ColumnWalk(mib.POLL_COLUMNS, mib.POLL_SCALARS, **options)


def test_the_poller_walks_every_column_the_parser_reads() -> None:
    source = PARSE.read_text()
    used = [getattr(mib, name) for name in set(re.findall(r"mib\.([A-Z][A-Z0-9_]+)", source))]
    oids = {
        v for v in used if isinstance(v, str) and v.startswith("1.3.6.") and v != mib.HR_DEVICE_TYPE_PRINTER
    }
    assert oids
    missing = {o for o in oids if not any(o == s or o.startswith(s + ".") for s in mib.WALK_SUBTREES)}
    assert not missing, f"add these to mib.POLL_COLUMNS or POLL_SCALARS: {sorted(missing)}"


@pytest.mark.parametrize("name", RECORDINGS)
def test_walk_is_exact_first_time_and_with_what_it_learnt(name: str) -> None:
    raw = parse_snmprec(recording(name))
    first = run(new_walk(), Agent(raw))
    assert first.raw == under_walked(raw)
    again = run(new_walk(expected=first.rows()), Agent(raw))
    assert again.raw == under_walked(raw)
    assert again.requests <= first.requests
    # What it learnt costs at most one varbind past the end of each chain, plus some grouping.
    assert again.varbinds <= len(under_walked(raw)) + 2 * len(again.rows()) + 16


def test_walk_is_frugal_over_all_recordings() -> None:
    """The PDUs and varbinds of the benchmark's printers, pinned (the old walk: 10.6 and 266)."""
    requests = varbinds = learnt_requests = learnt_varbinds = kept = 0
    for name in RECORDINGS:
        raw = parse_snmprec(recording(name))
        first = run(new_walk(), Agent(raw))
        again = run(new_walk(expected=first.rows()), Agent(raw))
        requests += first.requests
        varbinds += first.varbinds
        learnt_requests += again.requests
        learnt_varbinds += again.varbinds
        kept += len(first.raw)
    count = len(RECORDINGS)
    assert requests / count <= 5.5
    assert varbinds / count <= 100
    assert learnt_requests / count <= 3.5
    assert learnt_varbinds <= kept * 1.5


def test_learnt_sizes_that_grew_still_read_everything() -> None:
    raw = parse_snmprec(recording("brother"))
    learnt = run(new_walk(), Agent(raw)).rows()
    grown = dict(raw)
    for index in range(3, 40):  # the device now has 38 more supplies than last time
        grown[f"{SUPPLY_LEVEL}.1.{index}"] = 50
    walk = run(new_walk(expected=learnt), Agent(grown))
    assert walk.raw == under_walked(grown)


@pytest.mark.parametrize("column", [mib.PRT_SUPPLY_DESCRIPTION, mib.PRT_SUPPLY_LEVEL])
def test_an_endless_column_is_bounded(column: str) -> None:
    raw = parse_snmprec(recording("utax"))
    hostile = dict(raw)
    for index in range(1, 5_001):
        hostile[f"{column}.1.{index}"] = b"x" if column == mib.PRT_SUPPLY_DESCRIPTION else index
    walk = run(new_walk(max_rows=100), agent := Agent(hostile))
    rows = [o for o in walk.raw if o.startswith(column + ".")]
    assert rows == [f"{column}.1.{i}" for i in range(1, 101)]  # the first rows, in order
    assert walk.truncated == [column]
    assert agent.requests < 20
    # The columns after it in the same chain are read all the same.
    assert walk.raw == {o: v for o, v in under_walked(hostile).items() if not o.startswith(column + ".")} | {
        o: hostile[o] for o in rows
    }


def test_a_device_looping_on_one_oid_is_cut() -> None:
    raw = parse_snmprec(recording("utax"))
    stuck = f"{SUPPLY_LEVEL}.1.1"

    class Looping(Agent):
        def next(self, oid: str) -> tuple[str, Value]:
            if oid.startswith(SUPPLY_LEVEL + "."):
                return stuck, 7  # never moves on
            return super().next(oid)

    walk = run(new_walk(), agent := Looping(raw))
    assert walk.raw[stuck] == raw[stuck]  # the real answer, before the device started looping
    assert not [o for o in walk.raw if o.startswith(SUPPLY_LEVEL + ".") and o != stuck]
    assert agent.requests < 10


def test_end_of_mib_view_keeps_the_last_real_value() -> None:
    raw = parse_snmprec(recording("brother"))
    last_level = max((o for o in raw if o.startswith(SUPPLY_LEVEL + ".")), key=_key)
    ends_there = {o: v for o, v in raw.items() if _key(o) <= _key(last_level)}  # nothing after it
    walk = run(new_walk(), Agent(ends_there))
    assert walk.raw == under_walked(ends_there)
    assert walk.raw[last_level] == raw[last_level]


def test_nothing_outside_the_columns_is_kept() -> None:
    raw = parse_snmprec(recording("jetdirect_m880"))
    walk = run(new_walk(), Agent(raw))
    assert set(walk.raw) <= set(under_walked(raw))
    # The recording has columns of these tables that the parser does not read (prtInputStatus…).
    assert any(o.startswith(mib.PRT_INPUT_STATUS + ".") for o in raw)
    assert not any(o.startswith(mib.PRT_INPUT_STATUS + ".") for o in walk.raw)


@pytest.mark.parametrize("truncate", [1, 5, 17])
def test_truncated_answers_still_read_everything(truncate: int) -> None:
    raw = parse_snmprec(recording("sharp"))
    walk = run(new_walk(), Agent(raw, truncate=truncate))
    assert walk.raw == under_walked(raw)


@pytest.mark.parametrize("cap", [1, 10, 1_000])
def test_agents_answering_fewer_or_more_repetitions(cap: int) -> None:
    raw = parse_snmprec(recording("jetdirect_m880"))
    walk = run(new_walk(max_varbinds=max(cap, 1)), Agent(raw, cap=cap))
    assert walk.raw == under_walked(raw)


class FakeSession(SnmpSession):
    """The real session with its network replaced by an emulated agent."""

    def __init__(self, agent: Agent) -> None:
        super().__init__()
        self.agent = agent

    async def _peer(self, target: SnmpTarget) -> Any:
        return None

    async def _send(self, peer: Any, request: BulkRequest) -> tuple[Any, Any, list[tuple[str, Value]]]:
        self.requests += 1
        answer = self.agent.bulk(request)
        if answer is None:
            return None, _TooBig(), []
        self.varbinds += len(answer)
        return None, 0, answer


class _TooBig:
    def __int__(self) -> int:
        return 1

    def __bool__(self) -> bool:
        return True

    def prettyPrint(self) -> str:  # noqa: N802 (pysnmp's name)
        return "tooBig"


def test_a_device_answering_too_big_is_asked_for_less() -> None:
    raw = parse_snmprec(recording("sharp"))
    session = FakeSession(Agent(raw, too_big=20))
    target = SnmpTarget(host="printer.example")
    try:
        result = asyncio.run(poll(session, target))
        assert result.raw == under_walked(raw)
        assert session.agent.too_bigs > 0
        too_bigs = session.agent.too_bigs
        assert asyncio.run(poll(session, target)).raw == under_walked(raw)
        assert session.agent.too_bigs == too_bigs  # it remembers: no tooBig any more
    finally:
        session.close()


def test_request_budget_per_poll() -> None:
    raw = parse_snmprec(recording("sharp"))
    session = FakeSession(Agent(raw, cap=1))
    session.max_requests = 5
    try:
        result = asyncio.run(poll(session, SnmpTarget(host="printer.example")))
        assert session.requests == 5
        assert result.raw  # what it read until then
    finally:
        session.close()


def test_through_snmpsim_first_poll_and_steady_state(snmpsim: Simulator) -> None:
    async def twice() -> tuple[list[Any], list[Any], int, int]:
        session = SnmpSession(max_in_flight=8)
        targets = [
            SnmpTarget(host="127.0.0.1", port=snmpsim.port, community=n, timeout=2) for n in RECORDINGS
        ]
        try:
            first = await asyncio.gather(*[poll(session, t) for t in targets])
            cold = session.requests
            again = await asyncio.gather(*[poll(session, t) for t in targets])
            return first, again, cold, session.requests - cold
        finally:
            session.close()

    first, again, cold, warm = asyncio.run(twice())
    for name, a, b in zip(RECORDINGS, first, again, strict=True):
        assert a.error is None, name
        assert b.error is None, name
        assert a.raw == b.raw, name
    assert warm <= cold
    assert warm <= 3.5 * len(RECORDINGS)
