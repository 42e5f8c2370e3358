"""A real Mosquitto broker on a free port, with a temporary config and its own log."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from helpers.processes import require_program, start_listening


@dataclass
class Broker:
    """A running Mosquitto."""

    port: int
    folder: Path
    proc: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        """Return the broker URL for ``--broker``."""
        return f"mqtt://127.0.0.1:{self.port}"

    def log(self) -> str:
        """Return what Mosquitto logged so far."""
        return (self.folder / "mosquitto.log").read_text(errors="replace")


def start_mosquitto(folder: Path, extra_conf: str = "", *, port: int | None = None) -> Broker:
    """Start Mosquitto with a temporary config (on a free port unless told); the caller stops it."""
    exe = require_program("mosquitto", "mosquitto")
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "mosquitto.conf"

    def launch(port: int) -> subprocess.Popen[bytes]:
        conf.write_text(
            f"listener {port} 127.0.0.1\n"
            # As root, Mosquitto drops to the 'mosquitto' user unless told to stay.
            + ("user root\n" if os.geteuid() == 0 else "")
            + f"persistence false\nlog_dest file {folder / 'mosquitto.log'}\nlog_type all\n"
            + (extra_conf or "allow_anonymous true\n")
        )
        return subprocess.Popen([exe, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    log = folder / "mosquitto.log"
    port, proc = start_listening(
        launch, port, what="mosquitto", log=lambda: log.read_text(errors="replace") if log.exists() else ""
    )
    return Broker(port, folder, proc)
