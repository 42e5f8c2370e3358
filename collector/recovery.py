"""A damaged history: one line and exit 3 at start, and ``esc-collector history recover``.

``esc-collector run`` checks ``history.sqlite3`` before using it (:func:`open_history`); a damaged
or unreadable file stops it with one line naming the file and the command below, and exit code
:data:`~agent.shared.salvage.EXIT_CORRUPT` (3), which ``deploy/systemd/esc-collector.service``
lists in ``RestartPreventExitStatus=``: no crash loop. The recovery command
(:func:`recover_history`) saves what can be read into a new ``history.sqlite3`` and keeps the
damaged file beside it (``history.sqlite3.broken-<UTC time>``); nothing is deleted.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from agent.shared.salvage import (
    CorruptDatabase,
    SalvageReport,
    check,
    is_corruption,
    is_unreadable,
    salvage,
)
from collector.history import History

COMMAND = "esc-collector history recover"


def open_history(path: Path) -> History:
    """Open the history after checking it.

    Raises:
        CorruptDatabase: the file is damaged, not a database, or cannot be opened.
    """
    if str(path) == ":memory:":
        return History(path)
    check(path, COMMAND)
    try:
        return History(path)
    except sqlite3.DatabaseError as err:
        if is_corruption(err) or is_unreadable(err):
            raise CorruptDatabase(path, str(err), COMMAND, unreadable=is_unreadable(err)) from None
        raise


def _create_schema(path: Path) -> None:
    History(path).close()


def recover_history(path: Path) -> SalvageReport:
    """Save what can be read of a damaged history into a new file at ``path`` (the collector stopped).

    The transitions' label numbers are then given anew from their texts (the ``labels`` table
    may be lost while the transitions are not).
    """
    report = salvage(path, create_schema=_create_schema)
    history = History(path)
    try:
        history.relabel()
    finally:
        history.close()
    return report
