"""Paths, our console scripts, free ports, waiting for things, and stopping processes.

A missing program makes the test fail with the command that installs it; it never skips.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
INSTALL_HINT = "run the README test command (scripts/test.sh), or: sudo apt-get install {package}"


def require_program(name: str, package: str) -> str:
    """Return the path of ``name``, or fail the test with an install hint."""
    path = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)
    if path is None:
        pytest.fail(f"{name} is not installed: {INSTALL_HINT.format(package=package)}", pytrace=False)
    return path


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate: Callable[[], object], *, timeout: float, what: str, step: float = 0.05) -> object:
    """Poll ``predicate`` until it returns something truthy; fail with ``what`` on time-out."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = predicate()
        except Exception as err:
            last_error = err
        else:
            if result:
                return result
        time.sleep(step)
    pytest.fail(f"timed out after {timeout} s waiting for {what} (last error: {last_error})")


def wait_port(port: int, timeout: float = 10.0) -> None:
    """Wait until something accepts TCP connections on 127.0.0.1:``port``."""

    def _open() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True

    wait_for(_open, timeout=timeout, what=f"port {port}")


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """Terminate a process, then kill it if it does not stop in time."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)


def cli(name: str) -> str:
    """Return the path of one of our console scripts in the test environment."""
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not installed in {BIN}: run pip install -e '.[test]'", pytrace=False)
    return str(path)


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run one of our commands to completion and capture its output."""
    return subprocess.run(
        [cli(args[0]), *args[1:]],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )
