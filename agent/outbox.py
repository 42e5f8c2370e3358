"""Durable outbox and counters of the agent (SQLite).

paho-mqtt holds unacknowledged QoS 1 messages in memory only: they are lost when the
process exits. Every message therefore goes through this table first and leaves it only
when the broker has acknowledged it (PUBACK). The same file keeps the per-agent ``seq``,
the session counter and the *epoch* — an identifier drawn when the file is created — so all
three survive restarts, and a reinstalled agent (new file: new epoch, ``seq`` from 0) is told
apart from a replay by the collector. On a kiosk with a write filter, the
state folder must be on a persistent volume.
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from agent.exceptions import OutboxError

_LOGGER = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS identity (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL,
    retain INTEGER NOT NULL DEFAULT 0
);
"""


@dataclass(frozen=True, slots=True)
class Pending:
    """A message waiting for the broker's acknowledgement."""

    id: int
    topic: str
    payload: bytes
    retain: bool


class Outbox:
    """Thread-safe durable queue plus persisted counters."""

    def __init__(self, path: Path, *, max_messages: int = 20_000) -> None:
        """Open (or create) the outbox file at ``path``."""
        self.path = path
        self.max_messages = max_messages
        self.dropped = 0
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self.epoch = self._epoch()
        except (OSError, sqlite3.Error) as err:
            msg = f"cannot open the outbox {path}: {err}"
            raise OutboxError(msg) from err

    def _epoch(self) -> str:
        row = self._db.execute("SELECT value FROM identity WHERE name = 'epoch'").fetchone()
        if row is not None:
            return str(row[0])
        # 10 base-36 characters from the OS's randomness: a new one per state folder.
        alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
        epoch = "".join(secrets.choice(alphabet) for _ in range(10))
        self._db.execute("INSERT INTO identity(name, value) VALUES ('epoch', ?)", (epoch,))
        return epoch

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def _bump(self, name: str) -> int:
        row = self._db.execute(
            "INSERT INTO counters(name, value) VALUES (?, 0) "
            "ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value",
            (name,),
        ).fetchone()
        return int(row[0])

    def next_seq(self) -> int:
        """Return the next message sequence number (0, 1, 2, ... across restarts)."""
        with self._lock:
            return self._bump("seq")

    def next_session(self) -> int:
        """Return the next MQTT session counter (one per connection attempt)."""
        with self._lock:
            return self._bump("session")

    def put(self, topic: str, payload: bytes, *, retain: bool = False) -> int:
        """Store a message durably and return its id.

        When the outbox is full the oldest non-retained messages are dropped first
        (a long broker outage must not fill the PC's disk); ``dropped`` counts them.
        """
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO outbox(topic, payload, retain) VALUES (?, ?, ?)",
                (topic, payload, int(retain)),
            )
            excess = self._count() - self.max_messages
            if excess > 0:
                self._db.execute(
                    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY retain, id LIMIT ?)",
                    (excess,),
                )
                self.dropped += excess
                _LOGGER.warning("outbox full: dropped %d oldest message(s)", excess)
            return int(cur.lastrowid or 0)

    def _count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])

    def __len__(self) -> int:
        """Return how many messages wait for an acknowledgement."""
        with self._lock:
            return self._count()

    def pending(self, *, after: int = 0, limit: int = 500) -> list[Pending]:
        """Return waiting messages in publication order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, topic, payload, retain FROM outbox WHERE id > ? ORDER BY id LIMIT ?",
                (after, limit),
            ).fetchall()
        return [Pending(int(r[0]), str(r[1]), bytes(r[2]), bool(r[3])) for r in rows]

    def ack(self, message_id: int) -> None:
        """Forget a message the broker has acknowledged."""
        with self._lock:
            self._db.execute("DELETE FROM outbox WHERE id = ?", (message_id,))
