"""CUPS's ``ippeveprinter``: a real IPP Everywhere printer on a free port, with the attributes a test sets.

``ippeveprinter`` (Debian ``cups-ipp-utils``) refuses to start without DNS-SD: as root the helper
starts the system D-Bus and Avahi daemons once if they are not running (docs/stack-notes.md §10).
The printer's attributes come from ``-a file.conf`` (``ATTR type name value`` lines: marker
levels, trays, make and model). Its printer-state-reasons are computed by the printer itself:
a test changes them by printing a job whose print command writes ``STATE: +media-jam-error``
lines, as CUPS filters do (:meth:`IppPrinter.set_state`).
"""

from __future__ import annotations

import fcntl
import os
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers.processes import require_program, start_listening, wait_for

#: The document format the test printers accept (declared in their attributes).
DOCUMENT_FORMAT = "application/pdf"
PRINT_JOB_TEST = Path("/usr/share/cups/ipptool/print-job.test")


def system_bus_answers() -> bool:
    """Tell whether the system D-Bus socket accepts a connection."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect("/run/dbus/system_bus_socket")
        except OSError:
            return False
    return True


def ensure_dnssd() -> None:
    """Start the system D-Bus and Avahi daemons if they are not running (root only)."""
    require_program("dbus-daemon", "dbus")
    avahi = require_program("avahi-daemon", "avahi-daemon")
    if subprocess.run([avahi, "--check"], check=False, capture_output=True).returncode == 0:
        return
    if os.geteuid() != 0:
        pytest.fail("ippeveprinter needs Avahi (DNS-SD): start dbus and avahi-daemon as root", pytrace=False)
    # One test process at a time (pytest-xdist workers): the second would find them starting.
    with (Path(tempfile.gettempdir()) / "esc-fleet-dnssd.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if subprocess.run([avahi, "--check"], check=False, capture_output=True).returncode == 0:
            return
        if not system_bus_answers():
            # A socket left by a bus that died answers nothing: remove it and its pid file.
            Path("/run/dbus").mkdir(parents=True, exist_ok=True)
            for stale in ("/run/dbus/system_bus_socket", "/run/dbus/pid"):
                Path(stale).unlink(missing_ok=True)
            subprocess.run(["dbus-daemon", "--system", "--fork"], check=True)
        subprocess.run([avahi, "-D"], check=True)
        wait_for(lambda: subprocess.run([avahi, "--check"], check=False).returncode == 0, timeout=10,
                 what="avahi-daemon")  # fmt: skip


@dataclass
class IppPrinter:
    """A running ippeveprinter."""

    port: int
    proc: subprocess.Popen[bytes]
    folder: Path
    log_path: Path

    @property
    def uri(self) -> str:
        """Return its IPP URI."""
        return f"ipp://127.0.0.1:{self.port}/ipp/print"

    def log(self) -> str:
        """Return what the printer logged."""
        return self.log_path.read_text(errors="replace")

    def set_state(self, *lines: str) -> None:
        """Print a job whose print command writes ``lines`` (``STATE: +media-jam-error``…) and wait for it."""
        script = self.folder / "print-command.sh"
        body = "".join(f"echo '{line}' >&2\n" for line in lines)
        script.write_text(f"#!/bin/sh\ncat > /dev/null\n{body}")
        script.chmod(0o755)
        document = self.folder / "page.pdf"
        document.write_bytes(b"%PDF-1.4\n%%EOF\n")
        done = self.log().count("completed successfully")
        result = subprocess.run(
            [require_program("ipptool", "cups-ipp-utils"), "-t", "-f", str(document), "-d",
             f"filetype={DOCUMENT_FORMAT}", self.uri, str(PRINT_JOB_TEST)],
            capture_output=True, text=True, check=False, timeout=30,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        wait_for(lambda: self.log().count("completed successfully") > done, timeout=10, what="the job")


def start_ippeveprinter(folder: Path, attributes: str, name: str = "esc-test") -> IppPrinter:
    """Start ippeveprinter with ``attributes`` (``ATTR`` lines) on a free port; the caller stops it."""
    exe = require_program("ippeveprinter", "cups-ipp-utils")
    ensure_dnssd()
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "printer.conf"
    conf.write_text(f"ATTR mimeMediaType document-format-supported {DOCUMENT_FORMAT}\n{attributes}")
    script = folder / "print-command.sh"
    script.write_text("#!/bin/sh\ncat > /dev/null\n")
    script.chmod(0o755)
    log_path = folder / "ippeveprinter.log"

    def launch(port: int) -> subprocess.Popen[bytes]:
        with log_path.open("wb") as log:
            return subprocess.Popen(
                [exe, "-p", str(port), "-a", str(conf), "-c", str(script), "-d", str(folder), name],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip

    port, proc = start_listening(
        launch, None, what="ippeveprinter", log=lambda: log_path.read_text(errors="replace")
    )
    time.sleep(0.1)
    return IppPrinter(port, proc, folder, log_path)
