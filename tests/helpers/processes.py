"""Paths, our console scripts, free ports, waiting for things, and stopping processes.

A missing program makes the test fail with the command that installs it; it never skips.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
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


def _port_range() -> range:
    """The ports :func:`free_port` hands out in this process (see there)."""
    low_ephemeral = 32768
    with contextlib.suppress(OSError, ValueError, IndexError):
        low_ephemeral = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    low, high = 20000, min(low_ephemeral, 32768)
    if high - low < 1000:  # an unusual ephemeral range: leave the choice to the kernel
        return range(0)
    workers = max(1, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0) % workers
    span = (high - low) // workers
    return range(low + worker * span, low + (worker + 1) * span)


@functools.cache
def _ports() -> tuple[range, Iterator[int]]:
    ports = _port_range()
    # Start at a place of its own, so that two runs at once on this machine seldom meet.
    return ports, itertools.count(os.getpid() % max(1, len(ports)))


def free_port(kind: socket.SocketKind = socket.SOCK_STREAM) -> int:
    """Return a TCP port that is free on 127.0.0.1 right now, and that no other test will get.

    Parallel-safe (pytest-xdist): each worker hands out ports from its own slice of 20000-32767,
    below the kernel's ephemeral range, so that neither another worker nor an outgoing connection
    (whose local port comes from the ephemeral range) takes the port between now and the moment
    the test's server binds it; a worker goes round its slice before giving a port again (a
    "dead" port stays dead, a restarted server finds its port free). A port something else holds
    is skipped. The helpers' servers still check that they got their port (:func:`start_listening`).
    ``kind=socket.SOCK_DGRAM`` returns a UDP port instead.
    """
    ports, counter = _ports()
    for _ in range(len(ports)):
        port = ports[next(counter) % len(ports)]
        with socket.socket(socket.AF_INET, kind) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    with socket.socket(socket.AF_INET, kind) as sock:  # no slice, or all of it busy: the kernel's choice
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listens(pid: int, port: int) -> bool:
    """Return whether the process ``pid`` holds a TCP socket listening on ``port``."""
    try:
        connections = psutil.Process(pid).net_connections(kind="tcp")
    except psutil.Error:
        return False
    return any(c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port for c in connections)


def start_listening(
    launch: Callable[[int], subprocess.Popen[bytes]],
    port: int | None,
    *,
    what: str,
    log: Callable[[], str] = lambda: "",
    timeout: float = 30.0,
    attempts: int = 3,
) -> tuple[int, subprocess.Popen[bytes]]:
    """Start a server with ``launch(port)``; return its port and process once that process listens there.

    ``port=None`` picks a free port, and a start whose process exits (typically: the port was
    taken between the choice and the bind) is retried on another one, ``attempts`` times in all;
    a given port is tried once. Checking which process listens, not only that something answers,
    keeps a test from ever talking to another test's server.
    """
    tries = attempts if port is None else 1
    for attempt in range(1, tries + 1):
        chosen = free_port() if port is None else port
        proc = launch(chosen)
        deadline = time.monotonic() + timeout
        while proc.poll() is None and time.monotonic() < deadline:
            if listens(proc.pid, chosen):
                return chosen, proc
            time.sleep(0.05)
        if proc.poll() is None:
            stop_process(proc)
            pytest.fail(f"timed out after {timeout} s waiting for {what} to listen on port {chosen}:\n"
                        f"{log()[-2000:]}")  # fmt: skip
        if attempt == tries:
            pytest.fail(f"{what} exited at start (port {chosen}, exit {proc.returncode}):\n{log()[-2000:]}")
    raise AssertionError("unreachable")


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
