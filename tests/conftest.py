"""Pytest fixtures: real services, each on a free port in a temporary folder, stopped after.

The code that starts and drives them lives in :mod:`helpers`; test files import it from there,
never from this file. A missing program makes the test fail with the command that installs it;
it never skips.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from helpers.accessibility import close_browser
from helpers.alerting import SmtpSink
from helpers.broker import Broker, start_mosquitto
from helpers.collector import CollectorProc, start_collector
from helpers.escl import EsclServer
from helpers.processes import stop_process
from helpers.recordings import RECORDINGS, recording
from helpers.snmp import Simulator, start_snmpsim

# Parallel runs (pytest-xdist) deal the longest tests out first: see helpers/schedule.py.
pytest_plugins = ["helpers.schedule"]

# Hypothesis profiles. "ci" (the default): 500 examples per property that does not set its own
# count (the boundary properties check 20 cases per example: 10,000), the same on every run, no
# example database. "dev": 50 random examples, for quick runs (ESC_HYPOTHESIS_PROFILE=dev);
# "deep": 20 times "ci", random, for a night's run.
hypothesis_settings.register_profile("ci", max_examples=500, deadline=None, derandomize=True, database=None)
hypothesis_settings.register_profile("dev", max_examples=50, deadline=None)
hypothesis_settings.register_profile("deep", max_examples=10_000, deadline=None)
hypothesis_settings.load_profile(os.environ.get("ESC_HYPOTHESIS_PROFILE", "ci"))


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


@pytest.fixture(autouse=True, scope="module")
def _shared_browser_per_module() -> Iterator[None]:
    """Close the headless Chromium a module's tests shared (helpers.accessibility), if they started one."""
    yield
    close_browser()
