"""Corrupt or unreadable SQLite files: say so in one line, stop for good, and save what can be read.

Both programs keep their durable state in SQLite (the collector's history, the agent's outbox).
When such a file is damaged (a disk error, a power cut on a cheap SD card, a copy cut short), a
restart cannot help: the program names the file and the recovery command in one line and exits
with :data:`EXIT_CORRUPT`, which the shipped systemd units list in ``RestartPreventExitStatus=``,
so it does not crash-loop.

The recovery (:func:`salvage`) never deletes anything: it copies what can be read into a new file,
checks the new file, then renames the broken one aside (``<name>.broken-<UTC time>``, with its
``-wal``/``-shm``) and puts the new one in its place. The copy goes table by table through the
standard library: rows are read in ``rowid`` order, and a read that fails makes the copy jump
ahead (1, 2, 4 ... rowids, then back by halves to the first row that reads), so a broken page
costs the rows it held, not the table. A file whose first page (header and schema) is lost gives
an empty new file; the damaged one stays for a specialist.

Why not the SQLite tool's ``.recover``: Debian 12's ``sqlite3`` (3.40.1) is built without
``SQLITE_ENABLE_DBPAGE_VTAB``, which ``.recover`` needs: it prints a header, no rows, and
"sql error: SQL logic error", even on a sound file (tried). A step that cannot work where we
install is left out rather than shipped untested.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

#: Exit code of a program that stopped on a damaged file (systemd: ``RestartPreventExitStatus=3``).
EXIT_CORRUPT: Final = 3
_BATCH = 256
_MAX_JUMP = 2**62


class CorruptDatabase(Exception):
    """A state file that cannot be used as it is; the message is the one line to show."""

    def __init__(self, path: Path, detail: str, command: str, *, unreadable: bool = False) -> None:
        """Keep the file, what SQLite said and the command that repairs it."""
        self.path = path
        detail = " ".join(detail.split())  # always one line
        self.detail = detail
        self.command = command
        self.unreadable = unreadable
        if unreadable:
            text = f"cannot open {path}: {detail}; check the file's owner and permissions"
        else:
            text = f"{path} is damaged ({detail}); stop the service and run: {command}"
        super().__init__(text)


def is_corruption(err: BaseException) -> bool:
    """Return whether a SQLite error says the file is damaged or not a database at all."""
    name = getattr(err, "sqlite_errorname", "") or ""
    if name.startswith("SQLITE_CORRUPT") or name == "SQLITE_NOTADB":
        return True
    text = str(err)
    return "malformed" in text or "not a database" in text


def is_unreadable(err: BaseException) -> bool:
    """Return whether a SQLite error says the file cannot be opened (permissions, a folder)."""
    name = getattr(err, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH", "SQLITE_IOERR"))


def check(path: Path, command: str) -> None:
    """Raise :class:`CorruptDatabase` when ``path`` exists and is not a sound SQLite database.

    ``PRAGMA quick_check`` reads every page (about 1 s per GB): run once at start.
    """
    if not path.exists():
        return
    if not path.is_file():
        raise CorruptDatabase(path, "not a regular file (a folder?)", command, unreadable=True)
    if not os.access(path, os.R_OK | os.W_OK):
        raise CorruptDatabase(path, "permission denied", command, unreadable=True)
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as err:
        raise CorruptDatabase(path, str(err), command, unreadable=is_unreadable(err)) from None
    try:
        result = db.execute("PRAGMA quick_check(1)").fetchone()
    except sqlite3.Error as err:
        if is_corruption(err) or is_unreadable(err):
            raise CorruptDatabase(path, str(err), command, unreadable=is_unreadable(err)) from None
        raise
    finally:
        db.close()
    if result is None or result[0] != "ok":
        # e.g. "*** in database main ***\nPage 45: btreeInitPage() returns error code 11": one line.
        text = " ".join(
            p for p in str(result[0] if result else "no answer").splitlines() if not p.startswith("***")
        )
        raise CorruptDatabase(path, f"integrity check: {text[:200]}", command)


@dataclass
class SalvageReport:
    """What a recovery did."""

    path: Path
    broken: Path
    rows: dict[str, int] = field(default_factory=dict)
    #: Rowid ranges the copy could not read, per table.
    skipped: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    #: Tables whose rows could not be read at all (e.g. the schema page was lost).
    lost_tables: list[str] = field(default_factory=list)
    #: The file's header was unreadable and was rebuilt (on a copy) to read the rest.
    header_rebuilt: bool = False

    def summary(self) -> str:
        """Return the lines to print."""
        lines = [f"recovered {self.path}; the damaged file is kept as {self.broken}"]
        for table, count in sorted(self.rows.items()):
            gaps = self.skipped.get(table, [])
            suffix = f" ({len(gaps)} unreadable range(s) skipped)" if gaps else ""
            lines.append(f"  {table}: {count} row(s){suffix}")
        if self.header_rebuilt:
            lines.append("  the file's header was unreadable: read through a rebuilt header")
        if self.lost_tables:
            lines.append(f"  unreadable, empty in the new file: {', '.join(sorted(self.lost_tables))}")
        return "\n".join(lines)


def _companions(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def _columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [str(row[1]) for row in db.execute(f'PRAGMA table_info("{table}")')]


def _read_after(
    db: sqlite3.Connection, table: str, columns: str, after: int, limit: int
) -> list[tuple[object, ...]]:
    return db.execute(
        f'SELECT rowid, {columns} FROM "{table}" WHERE rowid > ? ORDER BY rowid LIMIT ?', (after, limit)
    ).fetchall()


def _jump(read: Callable[[int], object]) -> int | None:
    """Return the smallest offset (found by doubling, then halving) at which ``read`` stops failing."""

    def works(offset: int) -> bool:
        try:
            read(offset)
        except sqlite3.DatabaseError:
            return False
        return True

    failing, jump = 0, 1
    while not works(jump):
        failing, jump = jump, jump * 2
        if jump >= _MAX_JUMP:
            return None
    while jump - failing > 1:
        middle = (failing + jump) // 2
        if works(middle):
            jump = middle
        else:
            failing = middle
    return jump


def _copy_table(
    source: sqlite3.Connection, target: sqlite3.Connection, table: str, report: SalvageReport
) -> None:
    wanted = set(_columns(target, table))
    try:
        columns = [c for c in _columns(source, table) if c in wanted]
    except sqlite3.DatabaseError:
        columns = []
    if not columns:
        report.lost_tables.append(table)
        return
    names = ", ".join(f'"{c}"' for c in columns)
    insert = f'INSERT OR IGNORE INTO "{table}" ({names}) VALUES ({", ".join("?" for _ in columns)})'
    after = 0  # the rowids of our tables start at 1
    copied = 0
    gaps: list[tuple[int, int]] = []
    while True:
        try:
            rows = _read_after(source, table, names, after, _BATCH)
        except sqlite3.DatabaseError:
            rows = []
            try:  # one row at a time, to keep every row before the broken place
                rows = _read_after(source, table, names, after, 1)
            except sqlite3.DatabaseError:
                # The next row sits on a page that cannot be read: jump ahead until rows read again,
                # then back to the first place they do (reads past a broken page succeed, before it fail).
                base = after

                def read(offset: int) -> object:
                    return _read_after(source, table, names, base + offset, 1)  # noqa: B023 - called at once

                jump = _jump(read)
                if jump is None:  # nothing past this point reads (e.g. the table's root page is lost)
                    if copied == 0:
                        report.lost_tables.append(table)
                        return
                    gaps.append((after + 1, _MAX_JUMP))
                    break
                gaps.append((after + 1, after + jump))
                rows = _read_after(source, table, names, after + jump, 1)
        if not rows:
            break
        target.executemany(insert, [row[1:] for row in rows])
        copied += len(rows)
        after = int(str(rows[-1][0]))
    report.rows[table] = copied
    if gaps:
        report.skipped[table] = gaps


_MAGIC = b"SQLite format 3\x00"


def _header(page_size: int) -> bytes:
    """Return a plain database header: rollback journal, UTF-8, schema format 4, size from the file."""
    header = bytearray(100)
    header[0:16] = _MAGIC
    header[16:18] = (1 if page_size == 65536 else page_size).to_bytes(2, "big")
    header[18], header[19] = 1, 1  # legacy (rollback journal) read/write versions
    header[21], header[22], header[23] = 64, 32, 32  # payload fractions, fixed by the format
    header[44:48] = (4).to_bytes(4, "big")  # schema format number
    header[56:60] = (1).to_bytes(4, "big")  # UTF-8
    return bytes(header)


def _with_new_header(source: Path, scratch: Path) -> sqlite3.Connection | None:
    """Copy ``source`` with a rebuilt header (its first 100 bytes lost); open it if a page size fits."""
    data = source.read_bytes()
    if len(data) < 512:
        return None
    for page_size in (4096, 1024, 2048, 8192, 16384, 32768, 65536, 512):
        if len(data) % page_size:
            continue
        scratch.write_bytes(_header(page_size) + data[100:])
        db = sqlite3.connect(str(scratch))
        try:
            db.execute("SELECT name, rootpage FROM sqlite_master").fetchall()
        except sqlite3.DatabaseError:
            db.close()
            continue
        return db
    scratch.unlink(missing_ok=True)
    return None


def _open_source(source: Path, report: SalvageReport) -> sqlite3.Connection | None:
    for uri in (f"file:{source}?mode=ro", str(source)):
        try:
            src = sqlite3.connect(uri, uri=uri.startswith("file:"))
            src.execute("SELECT name FROM sqlite_master").fetchall()
        except sqlite3.DatabaseError:
            continue
        return src
    # The header may be what is lost (zeroed, overwritten): rebuild it on a copy, never on the file.
    rebuilt = _with_new_header(source, source.with_name(source.name + ".header-rebuilt"))
    report.header_rebuilt = rebuilt is not None
    return rebuilt


def _recover_with_python(source: Path, target: Path, report: SalvageReport) -> None:
    src = _open_source(source, report)
    if src is None:  # not even the schema can be read: the new file starts empty
        dst = sqlite3.connect(str(target))
        report.lost_tables = [
            str(r[0])
            for r in dst.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        dst.close()
        return
    dst = sqlite3.connect(str(target), isolation_level=None)
    try:
        dst.execute("BEGIN")
        tables = [
            str(r[0])
            for r in dst.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in tables:
            _copy_table(src, dst, table, report)
        dst.execute("COMMIT")
    finally:
        src.close()
        dst.close()


def salvage(
    path: Path, *, create_schema: Callable[[Path], None], now: dt.datetime | None = None
) -> SalvageReport:
    """Copy what can be read of ``path`` into a new file at ``path``; keep the damaged one aside.

    Args:
        path: the damaged database (the program using it must be stopped).
        create_schema: creates the program's schema in a new database file (the copy fills it).
        now: the instant in the damaged file's new name.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        RuntimeError: the new file does not pass the integrity check (nothing was renamed then).
    """
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist")
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    broken = path.with_name(f"{path.name}.broken-{stamp}")
    scratch = path.with_name(f"{path.name}.recovering")
    for leftover in (scratch, *_companions(scratch), path.with_name(path.name + ".header-rebuilt")):
        leftover.unlink(missing_ok=True)  # an earlier recovery cut short: only ever our own scratch file
    report = SalvageReport(path, broken)
    create_schema(scratch)
    _recover_with_python(path, scratch, report)
    db = sqlite3.connect(str(scratch))
    try:
        verdict = db.execute("PRAGMA integrity_check(1)").fetchone()[0]
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    if verdict != "ok":
        raise RuntimeError(f"the recovered file {scratch} does not pass the integrity check: {verdict}")
    path.rename(broken)
    for companion in _companions(path):
        if companion.exists():
            companion.rename(broken.with_name(broken.name + companion.name[len(path.name) :]))
    for companion in _companions(scratch):
        companion.unlink(missing_ok=True)  # checkpointed above: empty
    scratch.rename(path)
    path.with_name(path.name + ".header-rebuilt").unlink(missing_ok=True)  # our own copy
    return report
