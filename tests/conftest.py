"""Pytest fixtures: real services, each on a free port in a temporary folder, stopped after.

The code that starts and drives them lives in :mod:`helpers`; test files import it from there,
never from this file. A missing program makes the test fail with the command that installs it;
it never skips.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.alerting import SmtpSink
from helpers.broker import Broker, start_mosquitto
from helpers.collector import CollectorProc, start_collector
from helpers.escl import EsclServer
from helpers.processes import stop_process
from helpers.recordings import RECORDINGS, recording
from helpers.snmp import Simulator, start_snmpsim


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[Broker]:
    """A real Mosquitto broker on a free port, anonymous access."""
    broker = start_mosquitto(tmp_path / "mosquitto")
    yield broker
    stop_process(broker.proc)


@pytest.fixture
def collector(tmp_path: Path, mosquitto: Broker) -> Iterator[CollectorProc]:
    """A real collector process subscribed to the test broker."""
    proc = start_collector(tmp_path / "collector", mosquitto)
    yield proc
    stop_process(proc.proc)


@pytest.fixture(scope="session")
def snmpsim() -> Iterator[Simulator]:
    """snmpsim serving the nine real recordings (plus whatever tests ``put``)."""
    folder = Path(tempfile.mkdtemp(prefix="esc-snmpsim-"))
    sim = start_snmpsim(folder, {name: recording(name) for name in RECORDINGS})
    yield sim
    stop_process(sim.proc)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def escl_server() -> Iterator[EsclServer]:
    """A real eSCL HTTP server on a free port."""
    server = EsclServer()
    yield server
    server.close()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A real SMTP server on a free port."""
    sink = SmtpSink()
    yield sink
    sink.close()
