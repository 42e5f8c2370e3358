"""What keeps the suite right on several pytest-xdist workers at once (docs/testing.md, "Suite speed")."""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from _pytest.outcomes import Failed

from helpers import processes
from helpers.accessibility import browser_page, close_browser
from helpers.broker import start_mosquitto
from helpers.processes import listens, stop_process


@pytest.mark.parametrize(
    ("env", "ephemeral", "expected"),
    [
        ({}, "32768\t60999", range(20000, 32768)),
        (
            {"PYTEST_XDIST_WORKER": "gw0", "PYTEST_XDIST_WORKER_COUNT": "4"},
            "32768\t60999",
            range(20000, 23192),
        ),
        (
            {"PYTEST_XDIST_WORKER": "gw3", "PYTEST_XDIST_WORKER_COUNT": "4"},
            "32768\t60999",
            range(29576, 32768),
        ),
        # A lower ephemeral range: the slices shrink under it.
        (
            {"PYTEST_XDIST_WORKER": "gw1", "PYTEST_XDIST_WORKER_COUNT": "2"},
            "30000\t60999",
            range(25000, 30000),
        ),
        # No room below it: the kernel chooses.
        ({}, "1024\t65535", range(0)),
    ],
    ids=["serial", "first-of-4", "last-of-4", "low-ephemeral", "no-room"],
)
def test_each_worker_has_its_own_ports_below_the_ephemeral_range(
    env: dict[str, str], ephemeral: str, expected: range, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    sysctl = tmp_path / "ip_local_port_range"
    sysctl.write_text(ephemeral + "\n")
    real_path = processes.Path
    monkeypatch.setattr(
        processes, "Path", lambda p: sysctl if p == "/proc/sys/net/ipv4/ip_local_port_range" else real_path(p)
    )
    assert processes._port_range() == expected


def test_free_port_never_gives_the_same_port_twice_nor_a_busy_one() -> None:
    with socket.socket() as busy:
        ports = [processes.free_port() for _ in range(50)]
        busy.bind(("127.0.0.1", ports[-1] + 1))  # the next one in line is taken meanwhile
        busy.listen()
        ports += [processes.free_port() for _ in range(50)]
        assert busy.getsockname()[1] not in ports
    assert len(set(ports)) == len(ports)


@pytest.fixture
def held_port() -> Iterator[int]:
    """A port something else (this test) listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_a_server_that_lost_its_free_port_starts_again_on_another(
    tmp_path: Path, held_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    ports = itertools.chain([held_port], iter(processes.free_port, None))
    monkeypatch.setattr(processes, "free_port", lambda *_args: next(ports))
    broker = start_mosquitto(tmp_path / "mosquitto")
    try:
        assert broker.port != held_port
        assert listens(broker.proc.pid, broker.port)
    finally:
        stop_process(broker.proc)


def test_a_server_never_takes_another_process_listening_for_itself(tmp_path: Path, held_port: int) -> None:
    # Something answers on the port, but not our Mosquitto: the start fails instead of going on.
    with pytest.raises(Failed, match="mosquitto exited at start"):
        start_mosquitto(tmp_path / "mosquitto", port=held_port)


def test_asyncio_runs_again_once_the_shared_browser_is_closed() -> None:
    with browser_page() as page:
        page.set_content('<html lang="fr"><title>t</title><p>ok</p></html>')
        assert page.inner_text("p") == "ok"
    close_browser()  # what tests/conftest.py does after each module

    async def answer() -> int:
        return 42

    assert asyncio.run(answer()) == 42
