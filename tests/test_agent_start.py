"""``esc-agent run`` starts without typer, click, rich or pydantic, and says the same things as before.

The installed ``esc-agent`` is ``agent.main:main``: it reads ``run``/``once`` options itself and
hands every other command line to the typer application (``agent.cli``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.main import parse_fast

from helpers.agent import write_agent_config
from helpers.broker import Broker
from helpers.processes import REPO

P = Path
FAST = [
    (["run"], ("run", None, None, False)),
    (["once"], ("once", None, None, False)),
    (["run", "-c", "a.toml"], ("run", P("a.toml"), None, False)),
    (["run", "--config", "a.toml"], ("run", P("a.toml"), None, False)),
    (["run", "--config=a.toml"], ("run", P("a.toml"), None, False)),
    (["once", "--broker", "mqtt://h:1", "-v"], ("once", None, "mqtt://h:1", True)),
    (["run", "--verbose", "--broker=mqtts://h:8883", "--config", "x"], ("run", P("x"), "mqtts://h:8883", True)),
    # Everything else goes to typer, which prints help or its one-line usage errors.
    ([], None),
    (["schema"], None),
    (["outbox", "recover"], None),
    (["run", "--help"], None),
    (["run", "-h"], None),
    (["run", "--nope"], None),
    (["run", "-c"], None),  # missing value
    (["run", "-c", "--verbose"], None),  # an option where the value should be
    (["run", "--config="], None),  # empty value
    (["run", "-c=a.toml"], None),  # click reads "=a.toml" as the value: let it
    (["run", "-ca.toml"], None),
    (["run", "-vc", "a.toml"], None),
    (["run", "-c", "a", "-c", "b"], None),  # repeated
    (["run", "extra"], None),
    (["runner"], None),
]  # fmt: skip


@pytest.mark.parametrize(("args", "expected"), FAST, ids=[" ".join(a) or "(nothing)" for a, _ in FAST])
def test_parse_fast(args: list[str], expected: tuple[str, Path | None, str | None, bool] | None) -> None:
    assert parse_fast(args) == expected


HEAVY = ("typer", "click", "rich", "pydantic", "pydantic_core", "agent.cli")
PROBE = """
import os, sys, threading
def report():
    print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r} or m == 'agent.cli'), flush=True)
    os._exit(0)
threading.Timer(3.0, report).start()
from agent.main import main
main(["run", "--config", {config!r}, "--broker", {broker!r}])
"""


def test_run_loads_no_command_line_library(tmp_path: Path, mosquitto: Broker) -> None:
    config = write_agent_config(tmp_path, interval=1.0)
    code = PROBE.format(heavy=set(HEAVY), config=str(config), broker=mosquitto.url)
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert "started: broker" in result.stderr, result.stderr  # it did run
    assert result.stdout.strip() == "[]", result.stdout


def _both(*args: str, env: dict[str, str] | None = None) -> list[subprocess.CompletedProcess[str]]:
    """Run a command line through agent.main (installed entry) and through agent.cli (typer)."""
    out = []
    for module in ("agent.main", "agent.cli"):
        code = f"import sys; from {module} import main; sys.argv[0] = 'esc-agent'; main()"
        out.append(subprocess.run([sys.executable, "-c", code, *args], check=False, capture_output=True, text=True,
                                  timeout=60, cwd=REPO, env=env))  # fmt: skip
    return out


@pytest.mark.parametrize(
    ("args", "code", "stderr"),
    [
        (("run", "--config", "/nonexistent/agent.toml"), 2, "esc-agent: error: /nonexistent/agent.toml: "),
        (("once", "-c", "/nonexistent/agent.toml"), 2, "esc-agent: error: /nonexistent/agent.toml: "),
        (("run",), 2, "esc-agent: error: no configuration: pass --config PATH or set ESC_AGENT_CONFIG"),
        (("once", "--nope"), 2, "esc-agent: error: No such option: --nope (see: esc-agent once --help)"),
    ],
)
def test_same_errors_through_both_entries(args: tuple[str, ...], code: int, stderr: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ESC_AGENT_CONFIG"}
    fast, full = _both(*args, env=env)
    assert (fast.returncode, fast.stderr, fast.stdout) == (full.returncode, full.stderr, full.stdout)
    assert fast.returncode == code
    assert fast.stderr.startswith(stderr), fast.stderr
    assert len(fast.stderr.splitlines()) == 1


def test_once_through_the_fast_entry_publishes(tmp_path: Path, mosquitto: Broker) -> None:
    config = write_agent_config(tmp_path)
    fast, _full = _both("once", "--config", str(config), "--broker", mosquitto.url)
    assert fast.returncode == 0, fast.stderr
    assert fast.stdout == f"published 1 message(s) to {mosquitto.url}\n"


def test_help_still_comes_from_typer() -> None:
    fast, full = _both("run", "--help")
    assert fast.returncode == 0
    assert fast.stdout == full.stdout
    assert "--config" in fast.stdout
