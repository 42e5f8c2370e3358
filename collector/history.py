"""Durable history: member state transitions, the time each member was observed, the counters.

SQLite in WAL mode. Written from the ingestion thread before the MQTT message is acknowledged,
so a ``kill -9`` of the collector loses nothing it acknowledged.

Tables::

    transitions(site, kind, member, function, ts, state, reasons, label)
        kind: device | pc; function: "print", "scan" ... or "" (the member as a whole);
        ts: the instant the agent observed the change (event time, guarded);
        label: the number of its (state, reasons) in ``labels``, derived from them, so that the
        member index ``transitions_track`` (site, kind, member, function, ts, label) holds all a
        report reads: a report never reads the table itself.
    labels(id, state, reasons)                each distinct (state, reasons) once (a handful)
    coverage(site, kind, member, start, end)
        runs of time some observation covered (``docs/design.md``, "non mesuré"): a member's
        state counts only inside them; outside, it is unknown.
    counters(site, service, name, value)      Prometheus *_seconds_total, persisted
    sequences(site, agent, epoch, seq)        the highest data seq processed per agent install
    meta(key, value)
    supply_levels(site, device, supply, cartridge, ts, level, state, pages)
        a supply's readings, downsampled (one an hour, or on change: ``collector.supplies``),
        numbered by cartridge; what ``collector.forecast`` reads.
    cartridges(site, device, supply, seq, started, detected, description, ..., ended, end_pages,
               order_at, order_until, order_days)
        each cartridge seen, from its start (``detected``: first | level | description | printer
        | refill) to its replacement, with the page counter at both ends (its real yield) and the
        order notice given for it (at most one: ``order_at``).
    counter_readings(site, kind, member, name, ts, value, source)
        counters people count (``pages`` of a printer, ``session_starts`` of a PC), downsampled;
        ``source`` changes when the counter starts over (another printer, an agent restarted).

Version 3 added the last three tables; opening an older file creates them (nothing else changes).
Version 4 added ``labels``, the ``label`` column and the index ``transitions_track`` (replacing
``transitions_member``, the same without the label); opening an older file fills them, in one
transaction (about 7 s for 1.5 million transitions, logged).

A worked example: the printer ``hp`` observed ok at 09:00:00, 09:01:00, jammed at 09:02:00, ok at
09:05:00, every minute until 09:30:00, then silent (``stale_after`` 180 s)::

    transitions  hp print 09:00:00 ok ; hp print 09:02:00 down [jam] ; hp print 09:05:00 ok
    coverage     hp 09:00:00 → 09:33:00
"""

from __future__ import annotations

import functools
import json
import logging
import math
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from collector.availability import LABELS, MemberState, Track, Transition
from collector.intervals import Interval

_LOGGER = logging.getLogger(__name__)

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

SCHEMA_VERSION = 4
_SCHEMA = """
CREATE TABLE IF NOT EXISTS transitions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site TEXT NOT NULL,
    kind TEXT NOT NULL,
    member TEXT NOT NULL,
    ts REAL NOT NULL,
    state TEXT NOT NULL,
    reasons TEXT NOT NULL DEFAULT '[]',
    function TEXT NOT NULL DEFAULT '',
    label INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS transitions_ts ON transitions(ts);
CREATE TABLE IF NOT EXISTS labels (
    id INTEGER PRIMARY KEY,
    state TEXT NOT NULL,
    reasons TEXT NOT NULL,
    UNIQUE(state, reasons)
);
CREATE TABLE IF NOT EXISTS coverage (
    site TEXT NOT NULL, kind TEXT NOT NULL, member TEXT NOT NULL, start REAL NOT NULL, end REAL NOT NULL,
    PRIMARY KEY (site, kind, member, start)
);
CREATE INDEX IF NOT EXISTS coverage_end ON coverage(site, end);
CREATE TABLE IF NOT EXISTS counters (
    site TEXT NOT NULL, service TEXT NOT NULL, name TEXT NOT NULL, value REAL NOT NULL,
    PRIMARY KEY (site, service, name)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sequences (
    site TEXT NOT NULL, agent TEXT NOT NULL, epoch TEXT NOT NULL DEFAULT '', seq INTEGER NOT NULL,
    PRIMARY KEY (site, agent, epoch)
);
CREATE TABLE IF NOT EXISTS supply_levels (
    site TEXT NOT NULL, device TEXT NOT NULL, supply TEXT NOT NULL, cartridge INTEGER NOT NULL,
    ts REAL NOT NULL, level REAL, state TEXT NOT NULL DEFAULT '', pages INTEGER
);
CREATE INDEX IF NOT EXISTS supply_levels_key ON supply_levels(site, device, supply, cartridge, ts);
CREATE INDEX IF NOT EXISTS supply_levels_ts ON supply_levels(ts);
CREATE TABLE IF NOT EXISTS cartridges (
    site TEXT NOT NULL, device TEXT NOT NULL, supply TEXT NOT NULL, seq INTEGER NOT NULL,
    started REAL NOT NULL, detected TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL DEFAULT '', colour TEXT NOT NULL DEFAULT '', precision TEXT NOT NULL DEFAULT '',
    start_level REAL, start_pages INTEGER, nominal_pages INTEGER, printer_serial TEXT NOT NULL DEFAULT '',
    ended REAL, end_pages INTEGER, order_at REAL, order_until REAL, order_days REAL,
    PRIMARY KEY (site, device, supply, seq)
);
CREATE TABLE IF NOT EXISTS counter_readings (
    site TEXT NOT NULL, kind TEXT NOT NULL, member TEXT NOT NULL, name TEXT NOT NULL,
    ts REAL NOT NULL, value REAL NOT NULL, source TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS counter_readings_key ON counter_readings(site, name, kind, member, ts);
CREATE INDEX IF NOT EXISTS counter_readings_ts ON counter_readings(ts);
"""
_MIGRATIONS = (
    # Version 1 had no function column and a sequences table without epoch.
    "ALTER TABLE transitions ADD COLUMN function TEXT NOT NULL DEFAULT ''",
    # Version 3 had no label (then ``relabel``).
    "ALTER TABLE transitions ADD COLUMN label INTEGER NOT NULL DEFAULT 0",
)
#: The member index: every column a report reads, in the order it reads them.
_TRACK_INDEX = (
    "CREATE INDEX IF NOT EXISTS transitions_track ON transitions(site, kind, member, function, ts, label)"
)

Key = tuple[str, str, str, str]  # (site, kind, member, function)
SupplyKey = tuple[str, str, str]  # (site, device, supply index)
TimelineKey = tuple[str, str, str]  # (kind, member, function)
TransitionRow = tuple[
    str, str, str, float, str, tuple[str, ...], str
]  # site, kind, member, ts, state, reasons, function


class Cartridge(NamedTuple):
    """One cartridge of a supply, as the ``cartridges`` table keeps it."""

    site: str
    device: str
    supply: str
    seq: int
    started: float
    detected: str  # first | level | description | printer | refill
    description: str = ""
    role: str = ""
    colour: str = ""
    precision: str = ""
    start_level: float | None = None
    start_pages: int | None = None
    nominal_pages: int | None = None
    printer_serial: str = ""
    ended: float | None = None
    end_pages: int | None = None
    order_at: float | None = None
    order_until: float | None = None
    order_days: float | None = None

    @property
    def key(self) -> SupplyKey:
        """Return ``(site, device, supply)``."""
        return self.site, self.device, self.supply

    @property
    def pages(self) -> int | None:
        """Return the pages printed with it (its real yield once it is replaced), if the counter says."""
        if self.start_pages is None or self.end_pages is None or self.end_pages < self.start_pages:
            return None
        return self.end_pages - self.start_pages


class CounterReading(NamedTuple):
    """One kept reading of a counter people count (pages printed, sessions opened)."""

    kind: str
    member: str
    ts: float
    value: float
    source: str


_CARTRIDGE_COLUMNS = ", ".join(Cartridge._fields)


class History:
    """Thread-safe access to the history database."""

    def __init__(self, path: Path | str) -> None:
        """Open (or create, or migrate) the database and load every member's last state.

        Raises:
            sqlite3.DatabaseError: when the file is not a readable SQLite database
                (``collector/recovery.py`` explains the way out).
        """
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # durable against a process crash
        self._migrate()
        self._last: dict[Key, tuple[float, str, tuple[str, ...]]] = {}
        # The open coverage run of every member: (start, end).
        self._runs: dict[tuple[str, str, str], tuple[float, float]] = {}
        self._in_batch = 0
        # Inside a batch, the end of an open run that only grows and the processed seq of an agent
        # are kept here and written once when the batch ends (a batch of many messages extends the
        # same runs again and again): run key -> (start, end); (site, agent, epoch) -> seq.
        self._pending_ends: dict[tuple[str, str, str], tuple[float, float]] = {}
        self._pending_seqs: dict[tuple[str, str, str], int] = {}
        self._reload_cache()

    def _migrate(self) -> None:
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        unlabelled = False
        if "transitions" in tables:
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(transitions)")}
            if "function" not in columns:
                self._db.execute(_MIGRATIONS[0])
            unlabelled = "label" not in columns
        if "sequences" in tables:
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(sequences)")}
            if "epoch" not in columns:
                self._db.execute("ALTER TABLE sequences RENAME TO sequences_v1")
        self._db.executescript(_SCHEMA)
        if "sequences" in tables and "sequences_v1" in {
            row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }:
            self._db.execute(
                "INSERT INTO sequences(site, agent, epoch, seq) SELECT site, agent, '', seq FROM sequences_v1"
            )
            self._db.execute("DROP TABLE sequences_v1")
        if unlabelled:  # the column and its values in one transaction: a crash leaves version 3
            _LOGGER.info("history %s: numbering the transitions' states for schema %d (a few seconds a million)",
                         self.path, SCHEMA_VERSION)  # fmt: skip
            began = time.monotonic()
            self._db.execute("BEGIN")
            self._db.execute(_MIGRATIONS[1])
            self.relabel()
            self._db.execute("COMMIT")
            _LOGGER.info(
                "history %s: schema %d in %.1f s", self.path, SCHEMA_VERSION, time.monotonic() - began
            )
        self._db.execute(_TRACK_INDEX)
        self._db.execute("DROP INDEX IF EXISTS transitions_member")  # version 3's, without the label
        self._db.execute(
            "INSERT INTO meta(key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (str(SCHEMA_VERSION),),
        )

    def relabel(self) -> None:
        """Number every transition's (state, reasons) anew from the texts, in one transaction.

        Run when a version 3 file is opened, and after a recovery (the labels may then be lost
        while the transitions, which hold the texts, are not).
        """
        with self._lock:
            opened = not self._db.in_transaction
            if opened:
                self._db.execute("BEGIN")
            try:
                self._db.execute("DELETE FROM labels")
                self._db.execute(
                    "INSERT INTO labels(state, reasons) SELECT DISTINCT state, reasons FROM transitions"
                )
                self._db.execute(
                    "UPDATE transitions SET label = (SELECT id FROM labels "
                    "WHERE labels.state = transitions.state AND labels.reasons = transitions.reasons)"
                )
            except BaseException:
                if opened:
                    self._db.execute("ROLLBACK")
                raise
            if opened:
                self._db.execute("COMMIT")
            self._load_labels()

    def _load_labels(self) -> None:
        self._labels: dict[tuple[str, str], int] = {
            (state, reasons): int(number)
            for number, state, reasons in self._db.execute("SELECT id, state, reasons FROM labels")
        }

    def _label(self, state: str, reasons: str) -> int:
        """Return the number of a (state, reasons) text, adding it to ``labels`` the first time (caller holds the lock)."""
        found = self._labels.get((state, reasons))
        if found is None:
            self._db.execute("INSERT OR IGNORE INTO labels(state, reasons) VALUES (?, ?)", (state, reasons))
            (found,) = self._db.execute(
                "SELECT id FROM labels WHERE state=? AND reasons=?", (state, reasons)
            ).fetchone()
            self._labels[(state, reasons)] = found = int(found)
        return found

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    # ------------------------------------------------------------------ batches
    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group writes in one transaction (committed on exit; rolled back and re-raised on error)."""
        with self._lock:
            outer = self._in_batch == 0
            if outer:
                self._db.execute("BEGIN")
            self._in_batch += 1
            try:
                yield
                if outer:
                    self._flush()
            except BaseException:
                self._in_batch -= 1
                if outer:
                    self._db.execute("ROLLBACK")
                    self._reload_cache()
                raise
            self._in_batch -= 1
            if outer:
                self._db.execute("COMMIT")

    def _flush(self) -> None:
        """Write what a batch kept back: the grown ends of open runs, the processed seqs."""
        if self._pending_ends:
            self._db.executemany(
                "UPDATE coverage SET end=? WHERE site=? AND kind=? AND member=? AND start=?",
                [(end, *key, start) for key, (start, end) in self._pending_ends.items()],
            )
            self._pending_ends.clear()
        if self._pending_seqs:
            self._db.executemany(
                "INSERT INTO sequences(site, agent, epoch, seq) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(site, agent, epoch) DO UPDATE SET seq = MAX(seq, excluded.seq)",
                [(*key, seq) for key, seq in self._pending_seqs.items()],
            )
            self._pending_seqs.clear()

    def _reload_cache(self) -> None:
        # Every member's last state and open run, from the file: at start, and after a rollback
        # (the in-memory ones may then be ahead of the file).
        self._pending_ends.clear()
        self._pending_seqs.clear()
        self._load_labels()
        self._last.clear()
        rows = self._db.execute(
            "SELECT site, kind, member, function, ts, state, reasons FROM transitions WHERE id IN "
            "(SELECT MAX(id) FROM transitions GROUP BY site, kind, member, function)"
        ).fetchall()
        for site, kind, member, function, ts, state, reasons in rows:
            self._last[(site, kind, member, function)] = (float(ts), state, tuple(json.loads(reasons)))
        self._runs.clear()
        for site, kind, member, start, end in self._db.execute(
            "SELECT site, kind, member, MAX(start), end FROM coverage GROUP BY site, kind, member"
        ):
            self._runs[(site, kind, member)] = (float(start), float(end))

    def check_writable(self) -> None:
        """Raise ``sqlite3.Error`` (or ``OSError``) when the database cannot be written now."""
        with self._lock:
            self._db.execute(
                "INSERT INTO meta(key, value) VALUES ('probe', '1') ON CONFLICT(key) DO UPDATE SET value=excluded.value"
            )

    # ------------------------------------------------------------------ transitions
    def last(
        self, site: str, kind: str, member: str, function: str = ""
    ) -> tuple[float, str, tuple[str, ...]] | None:
        """Return a member's last recorded ``(ts, state, reasons)`` for one function."""
        return self._last.get((site, kind, member, function))

    def last_state(self, site: str, kind: str, member: str, function: str = "") -> str | None:
        """Return a member's last recorded state."""
        last = self._last.get((site, kind, member, function))
        return last[1] if last else None

    def record(
        self,
        site: str,
        kind: str,
        member: str,
        ts: float,
        state: str,
        reasons: Iterable[str] = (),
        *,
        function: str = "",
    ) -> bool:
        """Record a transition if the state or its reasons changed; return whether one was written.

        An instant earlier than the member's last transition is not written (it would reorder
        the past): the caller decides what time to trust.
        """
        key = (site, kind, member, function)
        value = (state, tuple(sorted(set(reasons))))
        with self._lock:
            last = self._last.get(key)
            if last is not None and (last[1], last[2]) == value:
                return False
            if last is not None and ts < last[0]:
                return False
            text = json.dumps(list(value[1]))
            self._db.execute(
                "INSERT INTO transitions(site, kind, member, function, ts, state, reasons, label) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (site, kind, member, function, ts, value[0], text, self._label(value[0], text)),
            )
            self._last[key] = (ts, *value)
            return True

    def record_many(
        self, rows: Iterable[TransitionRow] | Iterable[tuple[str, str, str, float, str, tuple[str, ...]]]
    ) -> int:
        """Insert transitions in one transaction (seeding, imports); return how many.

        Rows are ``(site, kind, member, ts, state, reasons[, function])``.
        """
        full = [(*row, "")[:7] for row in rows]
        with self._lock:
            self._db.execute("BEGIN")
            try:
                texts = [json.dumps(list(r)) for _s, _k, _m, _ts, _st, r, _f in full]
                self._db.executemany(
                    "INSERT INTO transitions(site, kind, member, ts, state, reasons, function, label) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (s, k, m, ts, st, text, f, self._label(st, text))
                        for (s, k, m, ts, st, _r, f), text in zip(full, texts, strict=True)
                    ],
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                self._load_labels()  # those added in the transaction are gone
                raise
            self._db.execute("COMMIT")
            for s, k, m, ts, st, r, f in sorted(full, key=lambda row: row[3]):
                self._last[(s, k, m, f)] = (ts, st, tuple(sorted(set(r))))
        return len(full)

    def timelines(self, site: str, start: float, end: float) -> dict[TimelineKey, list[Transition]]:
        """Return every member's timeline of one site, keyed by (kind, member, function), in two queries.

        Each member's list starts with the transition in force at ``start`` (a member's rows are
        written in time order, so the highest id at or before ``start`` is that one).
        """
        with self._lock:
            before = self._db.execute(
                "SELECT kind, member, function, ts, state, reasons FROM transitions WHERE id IN ("
                "  SELECT MAX(id) FROM transitions WHERE site=? AND ts<=? GROUP BY kind, member, function)",
                (site, start),
            ).fetchall()
            inside = self._db.execute(
                "SELECT kind, member, function, ts, state, reasons FROM transitions "
                "WHERE site=? AND ts>? AND ts<? ORDER BY kind, member, function, ts, id",
                (site, start, end),
            ).fetchall()
        out: dict[TimelineKey, list[Transition]] = {}
        for kind, member, function, ts, state, reasons in (*before, *inside):
            out.setdefault((kind, member, function), []).append(_transition((ts, state, reasons)))
        return out

    def timeline(
        self, site: str, kind: str, member: str, start: float, end: float, function: str = ""
    ) -> list[Transition]:
        """Return one member's transitions in [start, end), preceded by the one in force at ``start``."""
        return self.timelines(site, start, end).get((kind, member, function), [])

    def tracks(self, spans: dict[str, list[Interval]]) -> dict[str, list[dict[TimelineKey, Track]]]:
        """Return every member's track of each site over each of its periods, in one reading (:func:`read_tracks`)."""
        with self._lock:
            self._flush()
            return read_tracks(self._db, spans)

    # ------------------------------------------------------------------ coverage
    def observed(self, site: str, kind: str, member: str, start: float, end: float) -> None:
        """Record that an observation covers [start, end) for a member.

        Runs merge when they touch or overlap; the open run of each member is kept in memory so
        the usual case (the next observation of a live member) is one UPDATE.
        """
        if end <= start:
            return
        key = (site, kind, member)
        with self._lock:
            run = self._runs.get(key)
            if run is not None and start <= run[1] and end >= run[0]:
                if run[0] <= start and end <= run[1]:
                    return  # already covered
                if start >= run[0]:
                    if end > run[1]:
                        if self._in_batch:  # written once when the batch ends
                            self._pending_ends[key] = (run[0], end)
                        else:
                            self._db.execute(
                                "UPDATE coverage SET end=? WHERE site=? AND kind=? AND member=? AND start=?",
                                (end, site, kind, member, run[0]),
                            )
                        self._runs[key] = (run[0], end)
                    return
            self._flush()
            if run is not None and start > run[1]:
                self._db.execute(
                    "INSERT INTO coverage(site, kind, member, start, end) VALUES (?, ?, ?, ?, ?)",
                    (site, kind, member, start, end),
                )
                self._runs[key] = (start, end)
                return
            self._merge_run(site, kind, member, start, end)

    def _merge_run(self, site: str, kind: str, member: str, start: float, end: float) -> None:
        """General case: merge [start, end) with every stored run it touches (late or old data)."""
        rows = self._db.execute(
            "SELECT start, end FROM coverage WHERE site=? AND kind=? AND member=? AND end>=? AND start<=?",
            (site, kind, member, start, end),
        ).fetchall()
        new_start = min([start, *(r[0] for r in rows)])
        new_end = max([end, *(r[1] for r in rows)])
        self._db.execute(
            "DELETE FROM coverage WHERE site=? AND kind=? AND member=? AND end>=? AND start<=?",
            (site, kind, member, start, end),
        )
        self._db.execute(
            "INSERT INTO coverage(site, kind, member, start, end) VALUES (?, ?, ?, ?, ?)",
            (site, kind, member, new_start, new_end),
        )
        current = self._runs.get((site, kind, member))
        if current is None or new_start >= current[0]:
            self._runs[(site, kind, member)] = (new_start, new_end)

    def close_run(self, site: str, kind: str, member: str, at: float) -> None:
        """End a member's open run at ``at`` (its observer said it went away)."""
        key = (site, kind, member)
        with self._lock:
            run = self._runs.get(key)
            if run is None or not run[0] <= at < run[1]:
                return
            self._pending_ends.pop(key, None)
            self._db.execute(
                "UPDATE coverage SET end=? WHERE site=? AND kind=? AND member=? AND start=?",
                (at, site, kind, member, run[0]),
            )
            self._runs[key] = (run[0], at)

    def run_end(self, site: str, kind: str, member: str) -> float | None:
        """Return the end of a member's latest run of observed time."""
        run = self._runs.get((site, kind, member))
        return run[1] if run else None

    def coverage(self, site: str, start: float, end: float) -> dict[tuple[str, str], list[Interval]]:
        """Return the observed runs of every member of a site within [start, end), keyed by (kind, member)."""
        with self._lock:
            self._flush()
            return read_coverage(self._db, site, start, end)

    def covered_members(self, site: str) -> set[tuple[str, str]]:
        """Return the (kind, member) pairs of a site whose observation time is recorded at all."""
        with self._lock:
            self._flush()
            rows = self._db.execute(
                "SELECT DISTINCT kind, member FROM coverage WHERE site=?", (site,)
            ).fetchall()
        return {(kind, member) for kind, member in rows}

    # ------------------------------------------------------------------ housekeeping
    def sites(self) -> list[str]:
        """Return the sites with history."""
        with self._lock:
            return [row[0] for row in self._db.execute("SELECT DISTINCT site FROM transitions ORDER BY site")]

    def count(self) -> int:
        """Return how many transitions are stored."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM transitions").fetchone()[0])

    def prune(self, before: float) -> int:
        """Delete transitions and runs older than ``before``, keeping each member's state in force then.

        Supply readings, replaced cartridges and counter readings older than ``before`` go too
        (the last reading of each counter before ``before`` stays: the next increment needs it).
        """
        with self._lock:
            self._flush()
            cur = self._db.execute(
                "DELETE FROM transitions WHERE ts < ? AND id NOT IN ("
                "  SELECT MAX(id) FROM transitions WHERE ts < ? GROUP BY site, kind, member, function)",
                (before, before),
            )
            self._db.execute("DELETE FROM coverage WHERE end < ?", (before,))
            self._db.execute("DELETE FROM supply_levels WHERE ts < ?", (before,))
            self._db.execute("DELETE FROM cartridges WHERE ended IS NOT NULL AND ended < ?", (before,))
            self._db.execute(
                "DELETE FROM counter_readings WHERE ts < ? AND rowid NOT IN ("
                "  SELECT MAX(rowid) FROM counter_readings WHERE ts < ? GROUP BY site, kind, member, name)",
                (before, before),
            )
            return int(cur.rowcount)

    # ------------------------------------------------------------------ sequences
    def load_sequences(self) -> dict[tuple[str, str, str], int]:
        """Return the highest data ``seq`` processed per agent install ``(site, agent, epoch)``."""
        with self._lock:
            self._flush()
            rows = self._db.execute("SELECT site, agent, epoch, seq FROM sequences").fetchall()
        return {(site, agent, epoch): int(seq) for site, agent, epoch, seq in rows}

    def save_sequence(self, site: str, agent: str, seq: int, epoch: str = "") -> None:
        """Remember that an agent install's data message ``seq`` was processed (once per batch)."""
        with self._lock:
            if self._in_batch:
                key = (site, agent, epoch)
                self._pending_seqs[key] = max(seq, self._pending_seqs.get(key, seq))
                return
            self._db.execute(
                "INSERT INTO sequences(site, agent, epoch, seq) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(site, agent, epoch) DO UPDATE SET seq = MAX(seq, excluded.seq)",
                (site, agent, epoch, seq),
            )

    # ------------------------------------------------------------------ counters
    def load_counters(self) -> dict[tuple[str, str, str], float]:
        """Return every persisted counter."""
        with self._lock:
            rows = self._db.execute("SELECT site, service, name, value FROM counters").fetchall()
        return {(site, service, name): float(value) for site, service, name, value in rows}

    def save_counters(self, counters: dict[tuple[str, str, str], float]) -> None:
        """Persist counters (one transaction)."""
        with self.batch():
            self._db.executemany(
                "INSERT INTO counters(site, service, name, value) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(site, service, name) DO UPDATE SET value = excluded.value",
                [(s, v, n, value) for (s, v, n), value in counters.items()],
            )

    def get_meta(self, key: str) -> str | None:
        """Return a metadata value."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Store a metadata value."""
        with self._lock:
            self._db.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (key, value),
            )

    # ------------------------------------------------------------------ supplies and cartridges
    def record_supply(
        self, key: SupplyKey, cartridge: int, ts: float, level: float | None, state: str, pages: int | None
    ) -> None:
        """Keep one reading of a supply (the caller downsamples: ``collector.supplies``)."""
        site, device, supply = key
        with self._lock:
            self._db.execute(
                "INSERT INTO supply_levels(site, device, supply, cartridge, ts, level, state, pages) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (site, device, supply, cartridge, ts, level, state, pages),
            )

    def record_supplies(
        self, rows: Iterable[tuple[str, str, str, int, float, float | None, str, int | None]]
    ) -> int:
        """Insert supply readings in one go (seeding, imports); return how many."""
        rows = list(rows)
        with self.batch():
            self._db.executemany(
                "INSERT INTO supply_levels(site, device, supply, cartridge, ts, level, state, pages) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        return len(rows)

    def supply_readings(
        self, key: SupplyKey, cartridge: int, since: float | None = None
    ) -> list[tuple[float, float | None, str, int | None]]:
        """Return ``(ts, level, state, pages)`` of one cartridge, oldest first (from ``since`` on, plus its first)."""
        site, device, supply = key
        with self._lock:
            rows = self._db.execute(
                "SELECT ts, level, state, pages FROM supply_levels WHERE site=? AND device=? AND supply=? "
                "AND cartridge=? AND (ts >= ? OR ts = (SELECT MIN(ts) FROM supply_levels WHERE site=? AND "
                "device=? AND supply=? AND cartridge=?)) ORDER BY ts",
                (site, device, supply, cartridge, since if since is not None else float("-inf"),
                 site, device, supply, cartridge),
            ).fetchall()  # fmt: skip
        return [
            (float(ts), None if level is None else float(level), state, pages)
            for ts, level, state, pages in rows
        ]

    def last_supply_readings(self) -> dict[SupplyKey, tuple[int, float, float | None, str, int | None]]:
        """Return the last kept reading of every supply: ``(cartridge, ts, level, state, pages)``."""
        with self._lock:
            rows = self._db.execute(
                "SELECT site, device, supply, cartridge, ts, level, state, pages FROM supply_levels WHERE rowid IN "
                "(SELECT MAX(rowid) FROM supply_levels GROUP BY site, device, supply)"
            ).fetchall()
        return {(s, d, u): (int(c), float(ts), lv, st, pg) for s, d, u, c, ts, lv, st, pg in rows}

    def start_cartridge(self, cartridge: Cartridge) -> None:
        """Record a cartridge seen for the first time (a new one, or the first of a supply)."""
        with self._lock:
            self._db.execute(
                f"INSERT OR REPLACE INTO cartridges({_CARTRIDGE_COLUMNS}) "
                f"VALUES ({', '.join('?' * len(Cartridge._fields))})",
                tuple(cartridge),
            )

    def end_cartridge(self, key: SupplyKey, seq: int, ended: float, end_pages: int | None) -> None:
        """Record that a cartridge was replaced at ``ended``, with the page counter then."""
        with self._lock:
            self._db.execute(
                "UPDATE cartridges SET ended=?, end_pages=? WHERE site=? AND device=? AND supply=? AND seq=?",
                (ended, end_pages, *key, seq),
            )

    def set_order(self, key: SupplyKey, seq: int, at: float, until: float, days: float) -> None:
        """Record the order notice of a cartridge (sent from ``at`` to ``until``, ``days`` left then)."""
        with self._lock:
            self._db.execute(
                "UPDATE cartridges SET order_at=?, order_until=?, order_days=? "
                "WHERE site=? AND device=? AND supply=? AND seq=? AND order_at IS NULL",
                (at, until, days, *key, seq),
            )

    def current_cartridges(self) -> dict[SupplyKey, Cartridge]:
        """Return the newest cartridge of every supply."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_CARTRIDGE_COLUMNS} FROM cartridges WHERE (site, device, supply, seq) IN "
                "(SELECT site, device, supply, MAX(seq) FROM cartridges GROUP BY site, device, supply)"
            ).fetchall()
        out = {}
        for row in rows:
            cartridge = Cartridge(*row)
            out[cartridge.key] = cartridge
        return out

    def cartridges(
        self, site: str, *, device: str | None = None, supply: str | None = None
    ) -> list[Cartridge]:
        """Return a site's cartridges (of one device, one supply), by device, supply and sequence."""
        query = f"SELECT {_CARTRIDGE_COLUMNS} FROM cartridges WHERE site=?"
        params: list[object] = [site]
        if device is not None:
            query += " AND device=?"
            params.append(device)
        if supply is not None:
            query += " AND supply=?"
            params.append(supply)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY device, supply, seq", params).fetchall()
        return [Cartridge(*row) for row in rows]

    # ------------------------------------------------------------------ counters people count
    def record_counter(
        self, site: str, kind: str, member: str, name: str, ts: float, value: float, source: str = ""
    ) -> None:
        """Keep one reading of a counter (the caller downsamples: ``collector.usage``)."""
        with self._lock:
            self._db.execute(
                "INSERT INTO counter_readings(site, kind, member, name, ts, value, source) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (site, kind, member, name, ts, value, source),
            )

    def record_counters(self, rows: Iterable[tuple[str, str, str, str, float, float, str]]) -> int:
        """Insert counter readings in one go (seeding, imports); return how many."""
        rows = list(rows)
        with self.batch():
            self._db.executemany(
                "INSERT INTO counter_readings(site, kind, member, name, ts, value, source) VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        return len(rows)

    def last_counters(self) -> dict[tuple[str, str, str, str], tuple[float, float, str]]:
        """Return the last kept reading of every counter: ``(ts, value, source)``."""
        with self._lock:
            rows = self._db.execute(
                "SELECT site, kind, member, name, ts, value, source FROM counter_readings WHERE rowid IN "
                "(SELECT MAX(rowid) FROM counter_readings GROUP BY site, kind, member, name)"
            ).fetchall()
        return {(s, k, m, n): (float(ts), float(v), src) for s, k, m, n, ts, v, src in rows}

    def counter_readings(self, site: str, name: str, start: float, end: float) -> list[CounterReading]:
        """Return a site's readings of one counter within [start, end], plus each member's last one before.

        Ordered by member and time, so that increments can be cut at ``start``.
        """
        with self._lock:
            before = self._db.execute(
                "SELECT kind, member, ts, value, source FROM counter_readings WHERE rowid IN ("
                "  SELECT MAX(rowid) FROM counter_readings WHERE site=? AND name=? AND ts<? GROUP BY kind, member)",
                (site, name, start),
            ).fetchall()
            inside = self._db.execute(
                "SELECT kind, member, ts, value, source FROM counter_readings "
                "WHERE site=? AND name=? AND ts>=? AND ts<=?",
                (site, name, start, end),
            ).fetchall()
        rows = [CounterReading(k, m, float(ts), float(v), src) for k, m, ts, v, src in (*before, *inside)]
        return sorted(rows, key=lambda r: (r.kind, r.member, r.ts))


_KNOWN_STATES = frozenset({"ok", "degraded", "down", "unknown"})


@functools.lru_cache(maxsize=4096)
def _reasons(text: str) -> tuple[str, ...]:
    # Few distinct reason lists exist: parse each once.
    return tuple(json.loads(text))


def _transition(row: tuple[float, str, str]) -> Transition:
    ts, state, reasons = row
    parsed: MemberState = state if state in _KNOWN_STATES else "unknown"  # type: ignore[assignment]
    return Transition(float(ts), parsed, _reasons(reasons))


# --------------------------------------------------------------------------- reading for reports
#
# A report reads every transition of a year or two: hundreds of thousands of rows. The member
# index ``transitions_track`` holds every column it needs (each row's id, time and label number),
# so the rows are read from the index alone, site by site, member after member in time order,
# three columns concatenated by SQLite per member (ids, times as exact integers, labels) and
# turned into arrays at once; the table itself is never read.

#: Times go through SQLite as integers of 2**-22 s: exact for every time from 2**30 s (2004) to 2**40 s.
_TIME_SCALE = 4_194_304.0
_EXACT_TIMES = (2.0**30, 2.0**40)
#: Up to this many rows before a report's periods are read with them rather than looked up.
_FEW_OLDER = 10_000


def open_reader(path: Path | str) -> sqlite3.Connection:
    """Open a history file for reading only (a report computed in another process), mapped in memory."""
    db = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    db.execute("PRAGMA mmap_size=1073741824")  # pages read in place rather than copied, up to 1 GiB
    return db


def read_coverage(
    db: sqlite3.Connection, site: str, start: float, end: float
) -> dict[tuple[str, str], list[Interval]]:
    """Return the observed runs of every member of a site within [start, end), keyed by (kind, member)."""
    rows = db.execute(
        "SELECT kind, member, start, end FROM coverage WHERE site=? AND end>? AND start<? ORDER BY kind, member, start",
        (site, start, end),
    ).fetchall()
    out: dict[tuple[str, str], list[Interval]] = {}
    for kind, member, run_start, run_end in rows:
        out.setdefault((kind, member), []).append((max(float(run_start), start), min(float(run_end), end)))
    return out


def read_tracks(
    db: sqlite3.Connection, spans: dict[str, list[Interval]]
) -> dict[str, list[dict[TimelineKey, Track]]]:
    """Return every member's track of each site over each of its periods, as :meth:`History.timelines` would.

    Args:
        db: the history (a connection of its own, or the :class:`History`'s under its lock).
        spans: for each site, its periods [start, end) (each site's own, in its time zone).

    Returns:
        For each site, one ``{(kind, member, function): track}`` per period: the transition in
        force at the period's start (the highest id at or before it), then those inside it, in
        time order.

    Raises:
        sqlite3.DatabaseError: a transition's label is not in ``labels`` (a file written by
            something else than :class:`History`; ``esc-collector history recover`` renumbers them).
    """
    if not spans:
        return {}
    low = min(start for periods in spans.values() for start, _ in periods)
    high = max(end for periods in spans.values() for _, end in periods)
    opened = not db.in_transaction
    if opened:
        db.execute("BEGIN")  # one snapshot for every reading
    try:
        engine = _engine_labels(db)
        # The rows before ``low``, when there are few (a history kept for the report's two periods),
        # are read with the others and the one in force found among them; else looked up per member.
        (older,) = db.execute(
            "SELECT count(*) FROM (SELECT 1 FROM transitions WHERE ts<=? LIMIT ?)", (low, _FEW_OLDER + 1)
        ).fetchone()
        floor = -math.inf if older <= _FEW_OLDER else low
        out: dict[str, list[dict[TimelineKey, Track]]] = {}
        for site, periods in spans.items():
            before = _in_force(db, engine, site, low) if floor == low else {}
            members = _member_rows(db, engine, site, floor, high)
            out[site] = [{} for _ in periods]
            for key in before.keys() | members.keys():
                first, rows = before.get(key), members.get(key)
                for period, (start, end) in enumerate(periods):
                    track = _period(first, rows, start, end)
                    if track is not None:
                        out[site][period][key] = track
        return out
    finally:
        if opened:
            db.execute("COMMIT")


_Rows = tuple["NDArray[np.int64]", "NDArray[np.float64]", "NDArray[np.int64]"]  # ids, times, labels


def _in_force(
    db: sqlite3.Connection, engine: NDArray[np.int64], site: str, low: float
) -> dict[TimelineKey, tuple[int, float, int]]:
    """Return each member's row in force at ``low`` (its highest id at or before it): (id, time, label)."""
    found = db.execute(
        "SELECT kind, member, function, id, ts, label FROM transitions WHERE id IN ("
        "  SELECT MAX(id) FROM transitions WHERE site=? AND ts<=? GROUP BY kind, member, function)",
        (site, low),
    ).fetchall()
    labels = _labelled(engine, [row[5] for row in found])
    return {
        (kind, member, function): (int(row_id), float(ts), int(label))
        for (kind, member, function, row_id, ts, _stored), label in zip(found, labels.tolist(), strict=True)
    }


def _member_rows(
    db: sqlite3.Connection, engine: NDArray[np.int64], site: str, floor: float, high: float
) -> dict[TimelineKey, _Rows]:
    """Return each member's rows of one site in (floor, high), in time order (then id), from the member index alone."""
    import numpy as np  # noqa: PLC0415 - reports only

    out: dict[TimelineKey, _Rows] = {}
    for kind, member, function, ids_text, times_text, labels_text in db.execute(
        "SELECT kind, member, function, group_concat(id), group_concat(CAST(ts * 4194304 AS INTEGER)), "
        "group_concat(label) FROM transitions INDEXED BY transitions_track "
        "WHERE site=? AND ts>? AND ts<? GROUP BY kind, member, function",
        (site, floor, high),
    ):
        ids, times = _integers(ids_text), _integers(times_text) / _TIME_SCALE
        stored = _integers(labels_text)
        if not bool(((times >= _EXACT_TIMES[0]) & (times < _EXACT_TIMES[1])).all()):
            # times outside the exact range (tests from the epoch): read as they are
            found = db.execute(
                "SELECT id, ts, label FROM transitions INDEXED BY transitions_track "
                "WHERE site=? AND kind=? AND member=? AND function=? AND ts>? AND ts<?",
                (site, kind, member, function, floor, high),
            ).fetchall()
            ids = np.array([row[0] for row in found], dtype=np.int64)
            times = np.array([row[1] for row in found], dtype=np.float64)
            stored = np.array([row[2] for row in found], dtype=np.int64)
        labels = _labelled(engine, stored)
        # The index orders a member's rows by time, then label: rows at the same instant by id.
        step = np.diff(times)
        if not bool(((step > 0) | ((step == 0) & (np.diff(ids) > 0))).all()):
            order = np.lexsort((ids, times))
            ids, times, labels = ids[order], times[order], labels[order]
        out[(kind, member, function)] = (ids, times, labels)
    return out


def _period(
    first: tuple[int, float, int] | None, rows: _Rows | None, start: float, end: float
) -> Track | None:
    """Return one member's track over [start, end) from its rows (sorted by time, id) and the row in force before them."""
    import numpy as np  # noqa: PLC0415

    if rows is None:
        rows = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64), np.zeros(0, dtype=np.int64))
    rows_ids, rows_ts, rows_labels = rows
    upto = int(np.searchsorted(rows_ts, start, side="right"))
    stop = int(np.searchsorted(rows_ts, end, side="left"))
    # In force at the start: the highest id at or before it.
    best = first
    if upto:
        at = int(np.argmax(rows_ids[:upto]))
        if best is None or int(rows_ids[at]) > best[0]:
            best = (int(rows_ids[at]), float(rows_ts[at]), int(rows_labels[at]))
    inside = slice(upto, max(upto, stop))
    if best is None and stop <= upto:
        return None
    head_ts = [best[1]] if best is not None else []
    head_label = [best[2]] if best is not None else []
    return Track(
        np.concatenate((np.array(head_ts, dtype=np.float64), rows_ts[inside])),
        np.concatenate((np.array(head_label, dtype=np.int64), rows_labels[inside])),
    )


def _engine_labels(db: sqlite3.Connection) -> NDArray[np.int64]:
    """Return the engine's label of each stored label number (-1 where the number is not in ``labels``)."""
    import numpy as np  # noqa: PLC0415

    rows = db.execute("SELECT id, state, reasons FROM labels").fetchall()
    out = np.full(max((int(row[0]) for row in rows), default=0) + 1, -1, dtype=np.int64)
    for number, state, reasons in rows:
        item = _transition((0.0, state, reasons))
        out[int(number)] = LABELS.label(item.state, item.reasons)
    return out


def _labelled(engine: NDArray[np.int64], stored: NDArray[np.int64] | list[int]) -> NDArray[np.int64]:
    """Return the engine's labels of stored label numbers."""
    import numpy as np  # noqa: PLC0415

    numbers = np.asarray(stored, dtype=np.int64)
    if len(numbers) and (
        int(numbers.min()) < 0 or int(numbers.max()) >= len(engine) or bool((engine[numbers] < 0).any())
    ):
        raise sqlite3.DatabaseError(
            "a transition's label is not in the history's labels: `esc-collector history recover` numbers them again"
        )
    return engine[numbers]


def _integers(text: str | None) -> NDArray[np.int64]:
    """Return SQLite's comma-separated integers as an array."""
    import numpy as np  # noqa: PLC0415

    if not text:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(text, dtype=np.int64, sep=",")
