"""A damaged outbox: one line and exit 3 at start, and ``esc-agent outbox recover``.

The outbox file (``outbox.sqlite3`` in the state folder) holds the messages not yet acknowledged
by the broker, the message counters and the agent's *epoch*. ``esc-agent run``/``once`` check it
before use (:func:`check_outbox`); a damaged or unreadable file stops the agent with one line
naming the file and the command below, and exit code 3, which ``deploy/systemd/esc-agent.service``
lists in ``RestartPreventExitStatus=``. :func:`recover_outbox` saves what can be read into a new
file and keeps the damaged one beside it (``outbox.sqlite3.broken-<UTC time>``).

After a recovery the agent starts a new epoch: its ``seq`` counter may not have survived, and the
collector de-duplicates on ``(agent, epoch, seq)``, so the same epoch with a lower ``seq`` would be
taken for replays. The recovered messages keep the epoch and ``seq`` they were stamped with. The
session counter (which orders an agent's ``online``/``offline`` messages) is kept when it was read;
when it was lost it restarts from the current Unix time, above any count of connections before.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from agent.outbox import Outbox
from agent.shared.salvage import SalvageReport, check, salvage

COMMAND = "esc-agent outbox recover"


def check_outbox(path: Path) -> None:
    """Raise :class:`~agent.shared.salvage.CorruptDatabase` when the outbox file is damaged or unreadable."""
    check(path, COMMAND)


def _create_schema(path: Path) -> None:
    Outbox(path).close()


def recover_outbox(path: Path) -> SalvageReport:
    """Save what can be read of a damaged outbox into a new file at ``path`` (the agent stopped)."""
    report = salvage(path, create_schema=_create_schema)
    db = sqlite3.connect(str(path), isolation_level=None)
    try:
        db.execute("DELETE FROM identity WHERE name = 'epoch'")  # a new one is drawn at the next start
        row = db.execute("SELECT value FROM counters WHERE name = 'session'").fetchone()
        if row is None:
            db.execute("INSERT INTO counters(name, value) VALUES ('session', ?)", (int(time.time()),))
    finally:
        db.close()
    return report
