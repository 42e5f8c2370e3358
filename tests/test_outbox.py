"""The agent's durable outbox and persisted counters (real SQLite files)."""

from __future__ import annotations

from pathlib import Path

from agent.outbox import Outbox


def test_seq_and_session_survive_reopening(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3")
    assert [box.next_seq() for _ in range(3)] == [0, 1, 2]
    assert box.next_session() == 0
    box.close()
    box = Outbox(tmp_path / "o.sqlite3")
    assert box.next_seq() == 3
    assert box.next_session() == 1


def test_messages_stay_until_acknowledged(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3")
    first = box.put("t/a", b"1")
    second = box.put("t/b", b"2", retain=True)
    box.close()
    box = Outbox(tmp_path / "o.sqlite3")
    pending = box.pending()
    assert [(p.id, p.topic, p.payload, p.retain) for p in pending] == [
        (first, "t/a", b"1", False),
        (second, "t/b", b"2", True),
    ]
    box.ack(first)
    assert [p.id for p in box.pending()] == [second]
    assert box.pending(after=second) == []


def test_full_outbox_drops_oldest_first(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3", max_messages=100)
    for i in range(130):
        box.put("t", str(i).encode())
    assert len(box) == 100
    assert box.dropped == 30
    assert box.pending(limit=1)[0].payload == b"30"
