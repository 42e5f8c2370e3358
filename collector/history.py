"""Durable history: every member state transition, and the persisted availability counters.

SQLite in WAL mode, one transaction per transition, written from the MQTT thread before the
message is acknowledged: a ``kill -9`` of the collector loses nothing it acknowledged.

Tables::

    transitions(site, kind, member, ts, state, reasons)   kind: device | pc | service
    counters(site, service, name, value)                  Prometheus *_seconds_total
    meta(key, value)
"""

from __future__ import annotations

import functools
import json
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from collector.availability import MemberState, Transition

_SCHEMA = """
CREATE TABLE IF NOT EXISTS transitions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site TEXT NOT NULL,
    kind TEXT NOT NULL,
    member TEXT NOT NULL,
    ts REAL NOT NULL,
    state TEXT NOT NULL,
    reasons TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS transitions_member ON transitions(site, kind, member, ts);
CREATE INDEX IF NOT EXISTS transitions_ts ON transitions(ts);
CREATE TABLE IF NOT EXISTS counters (
    site TEXT NOT NULL, service TEXT NOT NULL, name TEXT NOT NULL, value REAL NOT NULL,
    PRIMARY KEY (site, service, name)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sequences (
    site TEXT NOT NULL, agent TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (site, agent)
);
"""

Key = tuple[str, str, str]  # (site, kind, member)


class History:
    """Thread-safe access to the history database."""

    def __init__(self, path: Path | str) -> None:
        """Open (or create) the database and load every member's last state."""
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # durable against a process crash
        self._db.executescript(_SCHEMA)
        self._last: dict[Key, tuple[str, tuple[str, ...]]] = {}
        rows = self._db.execute(
            "SELECT site, kind, member, state, reasons FROM transitions WHERE id IN "
            "(SELECT MAX(id) FROM transitions GROUP BY site, kind, member)"
        ).fetchall()
        for site, kind, member, state, reasons in rows:
            self._last[(site, kind, member)] = (state, tuple(json.loads(reasons)))

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def last_state(self, site: str, kind: str, member: str) -> str | None:
        """Return a member's last recorded state."""
        last = self._last.get((site, kind, member))
        return last[0] if last else None

    def record(
        self, site: str, kind: str, member: str, ts: float, state: str, reasons: Iterable[str] = ()
    ) -> bool:
        """Record a transition if the state or its reasons changed; return whether one was written."""
        key = (site, kind, member)
        value = (state, tuple(sorted(set(reasons))))
        with self._lock:
            if self._last.get(key) == value:
                return False
            self._db.execute(
                "INSERT INTO transitions(site, kind, member, ts, state, reasons) VALUES (?, ?, ?, ?, ?, ?)",
                (site, kind, member, ts, value[0], json.dumps(list(value[1]))),
            )
            self._last[key] = value
            return True

    def record_many(self, rows: Iterable[tuple[str, str, str, float, str, tuple[str, ...]]]) -> int:
        """Insert transitions in one transaction (seeding, imports); return how many."""
        rows = list(rows)
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT INTO transitions(site, kind, member, ts, state, reasons) VALUES (?, ?, ?, ?, ?, ?)",
                [(s, k, m, ts, st, json.dumps(list(r))) for s, k, m, ts, st, r in rows],
            )
            self._db.execute("COMMIT")
            for s, k, m, _ts, st, r in sorted(rows, key=lambda row: row[3]):
                self._last[(s, k, m)] = (st, tuple(sorted(set(r))))
        return len(rows)

    def timeline(self, site: str, kind: str, member: str, start: float, end: float) -> list[Transition]:
        """Return a member's transitions in [start, end), preceded by the one in force at ``start``."""
        with self._lock:
            before = self._db.execute(
                "SELECT ts, state, reasons FROM transitions WHERE site=? AND kind=? AND member=? AND ts<=? "
                "ORDER BY ts DESC, id DESC LIMIT 1",
                (site, kind, member, start),
            ).fetchall()
            inside = self._db.execute(
                "SELECT ts, state, reasons FROM transitions "
                "WHERE site=? AND kind=? AND member=? AND ts>? AND ts<? "
                "ORDER BY ts, id",
                (site, kind, member, start, end),
            ).fetchall()
        return [_transition(row) for row in (*before, *inside)]

    def timelines(self, site: str, start: float, end: float) -> dict[tuple[str, str], list[Transition]]:
        """Return every member's timeline of one site, keyed by (kind, member), in two queries.

        Each member's list starts with the transition in force at ``start`` (a member's rows are
        written in time order, so the highest id at or before ``start`` is that one).
        """
        with self._lock:
            before = self._db.execute(
                "SELECT kind, member, ts, state, reasons FROM transitions WHERE id IN ("
                "  SELECT MAX(id) FROM transitions WHERE site=? AND ts<=? GROUP BY kind, member)",
                (site, start),
            ).fetchall()
            inside = self._db.execute(
                "SELECT kind, member, ts, state, reasons FROM transitions "
                "WHERE site=? AND ts>? AND ts<? ORDER BY kind, member, ts, id",
                (site, start, end),
            ).fetchall()
        out: dict[tuple[str, str], list[Transition]] = {}
        for kind, member, ts, state, reasons in (*before, *inside):
            out.setdefault((kind, member), []).append(_transition((ts, state, reasons)))
        return out

    def sites(self) -> list[str]:
        """Return the sites with history."""
        with self._lock:
            return [row[0] for row in self._db.execute("SELECT DISTINCT site FROM transitions ORDER BY site")]

    def count(self) -> int:
        """Return how many transitions are stored."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM transitions").fetchone()[0])

    def prune(self, before: float) -> int:
        """Delete transitions older than ``before``, keeping each member's state in force then."""
        with self._lock:
            cur = self._db.execute(
                "DELETE FROM transitions WHERE ts < ? AND id NOT IN ("
                "  SELECT MAX(id) FROM transitions WHERE ts < ? GROUP BY site, kind, member)",
                (before, before),
            )
            return int(cur.rowcount)

    # ------------------------------------------------------------------ sequences
    def load_sequences(self) -> dict[tuple[str, str], int]:
        """Return the highest data ``seq`` processed per agent (for idempotence across restarts)."""
        with self._lock:
            rows = self._db.execute("SELECT site, agent, seq FROM sequences").fetchall()
        return {(site, agent): int(seq) for site, agent, seq in rows}

    def save_sequence(self, site: str, agent: str, seq: int) -> None:
        """Remember that an agent's data message ``seq`` was processed."""
        with self._lock:
            self._db.execute(
                "INSERT INTO sequences(site, agent, seq) VALUES (?, ?, ?) "
                "ON CONFLICT(site, agent) DO UPDATE SET seq = MAX(seq, excluded.seq)",
                (site, agent, seq),
            )

    # ------------------------------------------------------------------ counters
    def load_counters(self) -> dict[tuple[str, str, str], float]:
        """Return every persisted counter."""
        with self._lock:
            rows = self._db.execute("SELECT site, service, name, value FROM counters").fetchall()
        return {(site, service, name): float(value) for site, service, name, value in rows}

    def save_counters(self, counters: dict[tuple[str, str, str], float]) -> None:
        """Persist counters (one transaction)."""
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT INTO counters(site, service, name, value) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(site, service, name) DO UPDATE SET value = excluded.value",
                [(s, v, n, value) for (s, v, n), value in counters.items()],
            )
            self._db.execute("COMMIT")

    def get_meta(self, key: str) -> str | None:
        """Return a metadata value."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Store a metadata value."""
        with self._lock:
            self._db.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (key, value),
            )


_KNOWN_STATES = frozenset({"ok", "degraded", "down", "unknown"})


@functools.lru_cache(maxsize=4096)
def _reasons(text: str) -> tuple[str, ...]:
    # Few distinct reason lists exist: parse each once.
    return tuple(json.loads(text))


def _transition(row: tuple[float, str, str]) -> Transition:
    ts, state, reasons = row
    parsed: MemberState = state if state in _KNOWN_STATES else "unknown"  # type: ignore[assignment]
    return Transition(float(ts), parsed, _reasons(reasons))
