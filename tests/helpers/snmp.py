"""snmpsim serving printer recordings on a free UDP port (SNMP v2c, and v3 with the constants below).

The community of a recording is its file stem; spare "slot" recordings let a test serve and
change its own content while the simulator runs (see :meth:`Simulator.claim`).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers.processes import BIN, free_port, stop_process, wait_for

V3_USER = "probe"
V3_AUTH_KEY = "auth-key-for-tests"
V3_PRIV_KEY = "priv-key-for-tests"


@dataclass
class Simulator:
    """A running snmpsim serving recordings; community = file stem."""

    port: int
    data_dir: Path
    proc: subprocess.Popen[bytes]
    log_path: Path
    free_slots: list[str]

    def claim(self, text: str) -> str:
        """Serve ``text`` under a fresh community and return it.

        snmpsim learns its recordings' names when it starts, so spare "slot" recordings are
        created then; a test claims one and may :meth:`put` new content into it later.
        """
        if not self.free_slots:
            pytest.fail("no spare snmpsim slot left: raise SLOTS in tests/helpers/snmp.py")
        name = self.free_slots.pop()
        self.put(name, text)
        return name

    def put(self, name: str, text: str) -> None:
        """Replace the recording ``name``, forcing snmpsim to re-index it."""
        path = self.data_dir / f"{name}.snmprec"
        existed = path.exists()
        old_mtime = path.stat().st_mtime if existed else 0.0
        path.write_text(text)
        path.chmod(0o644)
        # snmpsim re-indexes a recording whose mtime moved; make sure it moves by whole seconds.
        new_mtime = max(time.time(), old_mtime + 2)
        os.utime(path, (new_mtime, new_mtime))

    def log(self) -> str:
        """Return what the simulator logged."""
        return self.log_path.read_text(errors="replace")


SLOTS = 40


def start_snmpsim(folder: Path, recordings: dict[str, str]) -> Simulator:
    """Start snmpsim-command-responder on a free UDP port; the caller stops it."""
    exe = BIN / "snmpsim-command-responder"
    if not exe.exists():
        pytest.fail(f"snmpsim is not installed in {BIN}: pip install -e '.[test]'", pytrace=False)
    # As root, snmpsim drops to 'nobody': its folders must be open to that user.
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o777)
    data_dir, cache_dir = folder / "data", folder / "cache"
    for sub in (data_dir, cache_dir):
        sub.mkdir(exist_ok=True)
        sub.chmod(0o777)
    slots = [f"slot{i:02d}" for i in range(SLOTS)]
    spare = next(iter(recordings.values()), "")
    for name, text in {**recordings, **dict.fromkeys(slots, spare)}.items():
        (data_dir / f"{name}.snmprec").write_text(text)
        (data_dir / f"{name}.snmprec").chmod(0o644)
    log_path = folder / "snmpsim.log"
    for attempt in range(1, 4):  # the free port may be taken before snmpsim binds it: another one
        port = free_port(socket.SOCK_DGRAM)
        args = [
            str(exe), f"--data-dir={data_dir}", f"--cache-dir={cache_dir}",
            f"--agent-udpv4-endpoint=127.0.0.1:{port}",
            f"--v3-user={V3_USER}", f"--v3-auth-key={V3_AUTH_KEY}", "--v3-auth-proto=SHA",
            f"--v3-priv-key={V3_PRIV_KEY}", "--v3-priv-proto=AES",
        ]  # fmt: skip
        if os.geteuid() == 0:
            args += ["--process-user=nobody", "--process-group=nogroup"]
        with log_path.open("wb") as log:
            proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        sim = Simulator(port, data_dir, proc, log_path, slots)

        def _ready(sim: Simulator = sim) -> bool:
            return sim.proc.poll() is not None or "Listening at" in sim.log()

        try:
            wait_for(_ready, timeout=30, what="snmpsim to listen")
        except BaseException:
            stop_process(proc)
            raise
        if proc.poll() is None:
            return sim
        if attempt == 3:
            pytest.fail(f"snmpsim exited at start:\n{sim.log()[-2000:]}")
    raise AssertionError("unreachable")
