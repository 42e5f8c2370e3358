"""Issue 12 row 2: the history's disk full: nothing acknowledged before it is stored, and it resumes by itself.

The history lives on a 4 MiB tmpfs mounted for the test (the tests run as root, as CI does); a
file fills it; a raw agent sends readings until the collector says the storage fails (the first
few may still fit in pages SQLite already holds), then 10 more; the collector must stop
acknowledging, say so on ``/healthz`` and ``esc_collector_storage_ok``, and once the space is back
store every reading by itself.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.broker import Broker
from helpers.collector import CollectorProc, start_collector
from helpers.hostile import RawClient, envelope, host_body, payload, topic
from helpers.processes import require_program, stop_process, wait_for
from helpers.sites import member, site, sites_toml

READINGS = 10


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs, unmounted after the test."""
    mount = require_program("mount", "mount")
    folder = tmp_path / "disk"
    folder.mkdir()
    subprocess.run([mount, "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)], check=True)
    yield folder
    subprocess.run([require_program("umount", "mount"), "-l", str(folder)], check=False)


def _fill(disk: Path) -> Path:
    filler = disk / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    return filler


def _healthz(collector: CollectorProc) -> tuple[int, dict[str, object]]:
    status, text = collector.get("/healthz")
    return status, json.loads(text)


def test_row2_disk_full_stops_acknowledging_and_resumes_with_every_message_stored(
    tmp_path: Path, mosquitto: Broker, small_disk: Path
) -> None:
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "sites.toml").write_text(
        sites_toml(
            site(
                "maurepas",
                name="ESC Maurepas",
                opening_hours="24/7",
                agents={"accueil-pc1": member("le poste 1")},
            )
        )
    )
    history = small_disk / "history.sqlite3"
    extra = (
        f'[sites]\nfile = "sites.toml"\n[history]\npath = "{history}"\n[availability]\nevaluate_every = 1\n'
    )
    collector = start_collector(tmp_path / "c", mosquitto, extra=extra)
    agent = RawClient(mosquitto.port, client_id="disk-agent")
    try:
        filler = _fill(small_disk)
        sent = 0

        def send() -> None:
            nonlocal sent
            agent.publish(topic("maurepas", "accueil-pc1", "host"),
                          payload(envelope("host", "maurepas", "accueil-pc1", sent, host_body(user_sessions=sent))))  # fmt: skip
            sent += 1

        def failing() -> bool:
            send()
            return _healthz(collector)[0] == 503

        wait_for(failing, timeout=20, what="/healthz to say the storage fails", step=0.2)
        for _ in range(READINGS):
            send()
        status, health = _healthz(collector)
        assert status == 503
        assert health["storage_ok"] is False
        assert "full" in str(health["storage_error"]).lower()
        assert collector.value("esc_collector_storage_ok") == 0.0  # /metrics still answers
        assert "cannot write the history" in collector.log()
        stored = collector.value("esc_collector_messages_accepted_total", kind="host") or 0.0
        assert stored < sent
        # Space comes back: the collector notices by itself, reconnects, and the broker redelivers.
        filler.unlink()
        wait_for(lambda: _healthz(collector)[0] == 200, timeout=30, what="the collector to resume")
        wait_for(lambda: collector.value("esc_host_user_sessions", site="maurepas", agent="accueil-pc1")
                 == sent - 1, timeout=30, what="the last reading applied")  # fmt: skip
        assert collector.value("esc_collector_storage_ok") == 1.0
        db = sqlite3.connect(f"file:{history}?mode=ro", uri=True)
        try:
            seqs = db.execute(
                "SELECT seq FROM sequences WHERE site='maurepas' AND agent='accueil-pc1'"
            ).fetchall()
        finally:
            db.close()
        assert seqs == [(sent - 1,)]  # every reading was processed and its seq stored
        with urllib.request.urlopen(collector.url + "/metrics", timeout=5) as resp:
            assert resp.status == 200
    finally:
        agent.close()
        stop_process(collector.proc)
