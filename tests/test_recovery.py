"""Issue 12 row 9: damaged state files stop the programs with one line and exit 3; recovery saves what reads.

Files are damaged for real (pages overwritten with noise, the header zeroed, a folder where the
file should be); ``esc-collector run``, ``esc-agent once`` and the recovery commands run as
processes; the systemd units are read for the exit code they must not restart on.
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import subprocess
from pathlib import Path

import pytest

from agent.outbox import Outbox
from collector.history import History

from helpers.agent import write_agent_config
from helpers.broker import Broker
from helpers.collector import CollectorProc
from helpers.processes import REPO, cli, free_port, run_cli, stop_process, wait_for
from helpers.sites import member, site, sites_toml

TRANSITIONS = 6000


def _leaf_pages(path: Path, table: str) -> list[int]:
    db = sqlite3.connect(path)
    try:
        pages = db.execute(
            "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno", (table,)
        ).fetchall()
    finally:
        db.close()
    return [int(p[0]) for p in pages]


def _damage(path: Path, how: str, table: str) -> None:
    """Overwrite three leaf pages of ``table`` in the middle with noise, or zero the header."""
    rng = random.Random(12)
    with path.open("r+b") as file:
        if how == "header":
            file.write(b"\0" * 100)
            return
        leaves = _leaf_pages(path, table)
        middle = len(leaves) // 2
        for page in leaves[middle : middle + 3]:
            file.seek((page - 1) * 4096)
            file.write(bytes(rng.randrange(256) for _ in range(4096)))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _collector_folder(tmp_path: Path) -> tuple[Path, Path]:
    """A collector config with sites and history; the history filled with 6,000 transitions."""
    folder = tmp_path / "collector"
    folder.mkdir()
    (folder / "sites.toml").write_text(
        sites_toml(
            site(
                "maurepas",
                name="ESC Maurepas",
                opening_hours="24/7",
                devices={f"dev{i}": member(f"l'imprimante {i}") for i in range(40)},
            )
        )
    )
    config = folder / "collector.toml"
    config.write_text(
        '[collector]\nname = "recovery"\n[broker]\nurl = "mqtt://127.0.0.1:1"\nkeepalive = 5\n'
        '[sites]\nfile = "sites.toml"\n[history]\npath = "history.sqlite3"\n'
    )
    history = History(folder / "history.sqlite3")
    rows = [("maurepas", "device", f"dev{i % 40}", 1.7e9 + i * 60, ("ok", "down")[i % 2],
             ("jam",) if i % 2 else (), "print") for i in range(TRANSITIONS)]  # fmt: skip
    history.record_many(rows)
    history.close()
    return config, folder / "history.sqlite3"


def _run_collector(
    config: Path, broker: Broker, port: int, *, capture: bool = True
) -> subprocess.Popen[bytes]:
    out = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen(
        [
            cli("esc-collector"),
            "run",
            "--config",
            str(config),
            "--broker",
            broker.url,
            "--listen",
            f"127.0.0.1:{port}",
        ],
        stdout=out,
        stderr=out,
    )


@pytest.mark.parametrize("how", ["pages", "header", "folder"])
def test_a_damaged_history_stops_the_collector_with_one_line_and_exit_3(
    tmp_path: Path, mosquitto: Broker, how: str
) -> None:
    config, history = _collector_folder(tmp_path)
    if how == "folder":
        history.unlink()
        history.mkdir()
    else:
        _damage(history, how, "transitions")
    proc = _run_collector(config, mosquitto, free_port())
    try:
        _, err = proc.communicate(timeout=30)
    finally:
        stop_process(proc)
    assert proc.returncode == 3
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"esc-collector: error: {'cannot open ' if how == 'folder' else ''}{history}")
    if how == "folder":
        assert "check the file's owner and permissions" in lines[0]
    else:
        assert "stop the service and run: esc-collector history recover" in lines[0]


@pytest.mark.parametrize("unit", ["esc-collector.service", "esc-agent.service"])
def test_systemd_does_not_restart_on_a_damaged_file(unit: str) -> None:
    text = (REPO / "deploy" / "systemd" / unit).read_text()
    settings = [line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#")]
    prevent = [value.split() for key, value in settings if key == "RestartPreventExitStatus"]
    assert prevent == [["2", "3"]]
    assert ("Restart", "always") in [(k, v) for k, v in settings]
    command = {
        "esc-collector.service": "esc-collector history recover",
        "esc-agent.service": "esc-agent outbox recover",
    }
    assert command[unit] in text  # the comment says how to get out


@pytest.mark.parametrize("how", ["pages", "header"])
def test_history_recover_saves_what_reads_keeps_the_damaged_file_and_the_collector_starts(
    tmp_path: Path, mosquitto: Broker, how: str
) -> None:
    config, history = _collector_folder(tmp_path)
    _damage(history, how, "transitions")
    damaged = _sha(history)
    result = run_cli("esc-collector", "history", "recover", "--config", str(config))
    assert result.returncode == 0, result.stderr
    kept = sorted(history.parent.glob("history.sqlite3.broken-*"))
    assert [p.name for p in kept if not p.name.endswith(("-wal", "-shm"))] == [kept[0].name]
    assert _sha(kept[0]) == damaged  # the damaged file is kept as it was, renamed
    assert f"the damaged file is kept as {kept[0]}" in result.stdout
    db = sqlite3.connect(history)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        count, first, last = db.execute("SELECT COUNT(*), MIN(id), MAX(id) FROM transitions").fetchone()
    finally:
        db.close()
    if how == "header":  # every page was sound: all rows back, through a rebuilt header
        assert count == TRANSITIONS
        assert "read through a rebuilt header" in result.stdout
    else:  # three pages lost (a few dozen rows each), the rows on both sides of them kept
        assert TRANSITIONS * 0.9 < count < TRANSITIONS
        assert (first, last) == (1, TRANSITIONS)
        assert f"transitions: {count} row(s) (1 unreadable range(s) skipped)" in result.stdout
    port = free_port()
    proc = _run_collector(config, mosquitto, port, capture=False)
    collector = CollectorProc(port, proc, tmp_path / "unused.log")
    try:
        wait_for(
            lambda: collector.get("/healthz")[0] == 200,
            timeout=20,
            what="the collector on the recovered history",
        )
    finally:
        stop_process(proc)


def _outbox(folder: Path, messages: int) -> str:
    outbox = Outbox(folder / "state" / "outbox.sqlite3")
    for seq in range(messages):
        outbox.next_seq()
        body = {"v": 1, "seq": seq, "padding": "x" * 700}
        outbox.put(f"esc/v1/maurepas/accueil-pc1/host/{seq}", json.dumps(body).encode())
    for _ in range(7):
        outbox.next_session()
    epoch = outbox.epoch
    outbox.close()
    return epoch


def test_a_damaged_outbox_stops_the_agent_and_recover_keeps_the_readable_messages(
    tmp_path: Path, mosquitto: Broker
) -> None:
    config = write_agent_config(tmp_path / "agent")
    path = tmp_path / "agent" / "state" / "outbox.sqlite3"
    old_epoch = _outbox(tmp_path / "agent", 300)
    _damage(path, "pages", "outbox")
    damaged = _sha(path)
    once = run_cli("esc-agent", "once", "--config", str(config), "--broker", mosquitto.url)
    assert once.returncode == 3
    lines = once.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"esc-agent: error: {path} is damaged")
    assert lines[0].endswith("stop the service and run: esc-agent outbox recover")

    result = run_cli("esc-agent", "outbox", "recover", "--config", str(config))
    assert result.returncode == 0, result.stderr
    kept = [p for p in path.parent.glob("outbox.sqlite3.broken-*") if not p.name.endswith(("-wal", "-shm"))]
    assert len(kept) == 1
    assert _sha(kept[0]) == damaged
    outbox = Outbox(path)
    try:
        pending = outbox.pending(limit=10_000)
        assert 250 < len(pending) < 300
        assert all(json.loads(p.payload)["seq"] == int(p.topic.rsplit("/", 1)[1]) for p in pending)
        assert outbox.epoch != old_epoch  # a new epoch: the collector takes seq from 0 again
        assert outbox.next_session() == 7  # sessions 0..6 were used: the counter was read back
    finally:
        outbox.close()
    # The agent runs again on the recovered outbox (its ~290 old messages are published too: give it time).
    config.write_text(config.read_text().replace("connect_timeout = 5.0", "connect_timeout = 60.0"))
    again = run_cli("esc-agent", "once", "--config", str(config), "--broker", mosquitto.url)
    assert again.returncode == 0, again.stderr


def test_recover_without_a_file_says_so(tmp_path: Path) -> None:
    config = write_agent_config(tmp_path / "agent")
    result = run_cli("esc-agent", "outbox", "recover", "--config", str(config))
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f"esc-agent: error: no outbox at {tmp_path / 'agent' / 'state' / 'outbox.sqlite3'}"
    )
