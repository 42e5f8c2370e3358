"""What `run` says about the broker: one clear line when it is unreachable or refuses, one when it is back.

The pure story (:class:`agent.shared.broker.ConnectionLog`) with a table of events, then both
programs (`esc-agent run`, `esc-collector run`) against a real Mosquitto started late, stopped
and restarted, and one that refuses a wrong password until its password file is fixed.
"""

from __future__ import annotations

import logging
import re
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from agent.shared.broker import BrokerAddress, ConnectionLog

from helpers.agent import write_agent_config
from helpers.broker import start_mosquitto
from helpers.processes import cli, free_port, require_program, stop_process, wait_for

ADDRESS = BrokerAddress("broker.example", 8883, tls=True)
URL = "mqtts://broker.example:8883"


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.getMessage()}")


# (events, expected log lines). An event is (seconds since the previous one, call, argument).
REFUSED = "Not authorized"
STORIES = [
    (
        "unreachable_then_back",
        [(0, "unreachable", ConnectionRefusedError(111, "Connection refused")), (1, "unreachable", None),
         (2, "unreachable", None), (39, "connected", "session 3")],
        [f"ERROR broker {URL} unreachable (Connection refused); retrying in the background",
         f"INFO connected to broker {URL} after 42 s without a connection (session 3)"],
    ),
    (
        "refused_once_then_back",
        [(0, "refused", REFUSED), (1, "refused", REFUSED), (2, "refused", REFUSED), (120, "connected", "")],
        [f"ERROR broker {URL} refused the connection: Not authorized (check the username and "
         "password_file); retrying in the background",
         f"INFO connected to broker {URL} after 2 min 03 s without a connection"],
    ),
    (
        "lost_then_unreachable_then_back",
        [(0, "connected", "session 1"), (5, "lost", "Unspecified error"),
         (1, "unreachable", TimeoutError("timed out")), (2, "unreachable", None), (3600, "connected", "session 2")],
        [f"INFO connected to broker {URL} (session 1)",
         f"WARNING lost the connection to broker {URL} (the broker or the network closed it); reconnecting",
         f"ERROR broker {URL} unreachable (timed out); retrying in the background",
         f"INFO connected to broker {URL} after 1 h 00 min without a connection (session 2)"],
    ),
    (
        "refused_after_a_restart_is_said",
        [(0, "connected", ""), (5, "lost", "Unspecified error"), (1, "refused", REFUSED)],
        [f"INFO connected to broker {URL}",
         f"WARNING lost the connection to broker {URL} (the broker or the network closed it); reconnecting",
         f"ERROR broker {URL} refused the connection: Not authorized (check the username and "
         "password_file); retrying in the background"],
    ),
    (
        "a_long_outage_is_recalled",
        [(0, "unreachable", None), (600, "unreachable", None), (301, "unreachable", None),
         (10, "unreachable", None), (900, "unreachable", None)],
        [f"ERROR broker {URL} unreachable (no connection); retrying in the background",
         f"WARNING broker {URL} still unreachable after 15 min 01 s",
         f"WARNING broker {URL} still unreachable after 30 min 11 s"],
    ),
    (
        "a_deliberate_stop_is_not_a_loss",
        [(0, "connected", ""), (5, "stopping", None), (0, "lost", "Unspecified error")],
        [f"INFO connected to broker {URL}"],
    ),
    (
        "a_failed_connack_is_not_a_loss",  # paho calls on_disconnect after a refused CONNACK
        [(0, "refused", REFUSED), (0, "lost", "Unspecified error"), (1, "refused", REFUSED)],
        [f"ERROR broker {URL} refused the connection: Not authorized (check the username and "
         "password_file); retrying in the background"],
    ),
    (
        "a_new_refusal_reason_is_said",
        [(0, "refused", REFUSED), (1, "refused", "Bad user name or password")],
        [f"ERROR broker {URL} refused the connection: Not authorized (check the username and "
         "password_file); retrying in the background",
         f"ERROR broker {URL} refused the connection: Bad user name or password (check the username "
         "and password_file); retrying in the background"],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("events", "expected"), [s[1:] for s in STORIES], ids=[s[0] for s in STORIES])
def test_connection_story(events: list[tuple[float, str, object]], expected: list[str]) -> None:
    logger = logging.getLogger(f"test.connection.{id(events)}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    handler = _Lines()
    logger.addHandler(handler)
    clock = _Clock()
    story = ConnectionLog(logger, ADDRESS, clock=clock)
    for delay, call, argument in events:
        clock.now += delay
        method = getattr(story, call)
        method() if argument is None else method(argument)
    assert handler.lines == expected


# --------------------------------------------------------------------------- real programs

TIME = r"^\S+ \S+ "  # the asctime of our log format


def _count(log: Path, pattern: str) -> int:
    return len(re.findall(TIME + r"\S+ \S+: " + pattern, log.read_text(errors="replace"), flags=re.M))


@contextmanager
def _programs(tmp_path: Path, port: int, *, password_file: Path | None = None) -> Iterator[tuple[Path, Path]]:
    """Run `esc-agent run` and `esc-collector run` against mqtt://127.0.0.1:port; yield their logs."""
    secret = f'password_file = "{password_file}"\n' if password_file else ""
    agent_config = write_agent_config(tmp_path / "agent", interval=2, extra=secret)
    collector_config = tmp_path / "collector.toml"
    user = 'username = "collector"\n' if password_file else ""
    collector_config.write_text(
        f'[collector]\nname = "logs"\nlisten = "127.0.0.1:{free_port()}"\n'
        f'[broker]\nurl = "mqtt://127.0.0.1:{port}"\nkeepalive = 5\n{user}{secret}'
    )
    logs = tmp_path / "agent.log", tmp_path / "collector.log"
    url = f"mqtt://127.0.0.1:{port}"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for log, command in zip(
            logs, (("esc-agent", agent_config), ("esc-collector", collector_config)), strict=True
        ):
            with log.open("wb") as out:
                procs.append(subprocess.Popen([cli(command[0]), "run", "--config", str(command[1]), "--broker", url],
                                              stdout=out, stderr=subprocess.STDOUT))  # fmt: skip
        yield logs
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(15) == 0
    finally:
        for proc in procs:
            stop_process(proc)


def test_run_says_when_the_broker_is_unreachable_and_when_it_is_back(tmp_path: Path) -> None:
    port = free_port()
    url = re.escape(f"mqtt://127.0.0.1:{port}")
    with _programs(tmp_path, port) as logs:
        for log in logs:  # started before the broker
            wait_for(lambda log=log: _count(log, rf"broker {url} unreachable \(Connection refused\); retrying"),
                     timeout=15, what=f"the unreachable line in {log.name}")  # fmt: skip
        broker = start_mosquitto(tmp_path / "mq", port=port)
        try:
            for log in logs:
                wait_for(lambda log=log: _count(log, rf"connected to broker {url} after \d+ s without a connection"),
                         timeout=20, what=f"the connected line in {log.name}")  # fmt: skip
        finally:
            stop_process(broker.proc)
        for log in logs:
            wait_for(lambda log=log: _count(log, rf"lost the connection to broker {url} \(the broker or the "
                                                 r"network closed it\); reconnecting"),
                     timeout=15, what=f"the lost line in {log.name}")  # fmt: skip
            wait_for(lambda log=log: _count(log, rf"broker {url} unreachable") == 2,
                     timeout=15, what=f"the second unreachable line in {log.name}")  # fmt: skip
        broker = start_mosquitto(tmp_path / "mq2", port=port)
        try:
            for log in logs:
                wait_for(lambda log=log: _count(log, rf"connected to broker {url} after") == 2,
                         timeout=30, what=f"the second connected line in {log.name}")  # fmt: skip
        except BaseException:
            stop_process(broker.proc)
            raise
    stop_process(broker.proc)  # after the programs stopped cleanly
    for log in logs:
        text = log.read_text()
        # Retries are not logged one by one: one line per trouble, one per return.
        assert _count(log, rf"broker {url} unreachable") == 2, text
        assert _count(log, "lost the connection") == 1, text
        assert "Traceback" not in text


def test_run_says_when_the_broker_refuses_and_when_it_accepts_again(tmp_path: Path) -> None:
    passwd_tool = require_program("mosquitto_passwd", "mosquitto")
    folder = tmp_path / "mq"
    folder.mkdir()
    passwords = folder / "passwd"
    subprocess.run([passwd_tool, "-c", "-b", str(passwords), "accueil-pc1@maurepas", "right"], check=True)
    subprocess.run([passwd_tool, "-b", str(passwords), "collector", "right"], check=True)
    broker = start_mosquitto(folder, f"allow_anonymous false\npassword_file {passwords}\n")
    url = re.escape(broker.url)
    ours = tmp_path / "ours"
    ours.write_text("not-the-right-one\n")
    try:
        with _programs(tmp_path, broker.port, password_file=ours) as logs:
            refused = (rf"broker {url} refused the connection: Not authorized \(check the username and "
                       r"password_file\); retrying in the background")  # fmt: skip
            for log in logs:
                wait_for(
                    lambda log=log: _count(log, refused), timeout=15, what=f"the refused line in {log.name}"
                )
            # paho retries after 1, 2 and 4 s: wait for the broker to have refused three attempts.
            wait_for(
                lambda: broker.log().count("not authorised") >= 6, timeout=20, what="three refusals each"
            )
            # The administrator gives both programs the password they use and reloads Mosquitto.
            for user in ("accueil-pc1@maurepas", "collector"):
                subprocess.run([passwd_tool, "-b", str(passwords), user, "not-the-right-one"], check=True)
            broker.proc.send_signal(signal.SIGHUP)
            for log in logs:
                wait_for(lambda log=log: _count(log, rf"connected to broker {url} after \d+ s without a connection"),
                         timeout=40, what=f"the connected line in {log.name}")  # fmt: skip
        for log in logs:
            text = log.read_text()
            assert _count(log, "broker .* refused") == 1, text  # said once, not at every retry
            assert "not-the-right-one" not in text  # secrets are never logged
            assert "lost the connection" not in text  # a refused CONNACK is not a lost connection
    finally:
        stop_process(broker.proc)
