"""The README's main command: the demo site comes up, its printed commands work as printed, its state stays."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shlex
import signal
import sqlite3
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from prometheus_client.parser import text_string_to_metric_families

from collector.demo import report_month, seed_start

from helpers.collector import CollectorProc
from helpers.processes import REPO, cli, free_port, stop_process, wait_for

PARIS = ZoneInfo("Europe/Paris")


def _values(collector: CollectorProc, metric: str) -> dict[frozenset[tuple[str, str]], float]:
    _, text = collector.get("/metrics")
    return {
        frozenset(s.labels.items()): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == metric
    }


def _at(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=PARIS).timestamp()


MONTHS = [
    # (now, site time), report month, seeding starts at
    ("2026-12-01 21:30", ("2026-11-01", "2026-11-30"), "2026-10-01 00:00"),
    ("2026-12-31 23:59", ("2026-11-01", "2026-11-30"), "2026-10-01 00:00"),
    ("2027-01-01 00:30", ("2026-12-01", "2026-12-31"), "2026-11-01 00:00"),
    ("2027-03-15 10:00", ("2027-02-01", "2027-02-28"), "2027-01-01 00:00"),
    ("2028-03-01 00:00", ("2028-02-01", "2028-02-29"), "2028-01-01 00:00"),
]


@pytest.mark.parametrize(("now", "month", "start"), MONTHS)
def test_the_demo_reports_the_last_whole_month_and_seeds_the_one_before(
    now: str, month: tuple[str, str], start: str
) -> None:
    first, last = report_month(_at(now), PARIS)
    assert (first.isoformat(), last.isoformat()) == month
    assert seed_start(_at(now), PARIS) == _at(start)


def test_the_readme_report_command_is_the_one_the_demo_prints_in_december_2026() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    first, last = report_month(_at("2026-12-01 12:00"), PARIS)
    assert f"--from {first} --to {last}" in readme
    assert "--from 2026-11-01 --to 2026-11-30" in readme


def _printed_commands(output: str, heading: str) -> list[list[str]]:
    """Return the ``$ command`` lines printed under ``heading`` (up to the next heading)."""
    block = output.split(heading, 1)[1]
    commands = []
    for line in block.splitlines()[1:]:
        if not line.startswith("  $ "):
            break
        commands.append(shlex.split(line[4:]))
    return commands


def _start_demo(cwd: Path, port: int, log: Path, *extra: str) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([cli("esc-collector"), "demo", "--listen", f"127.0.0.1:{port}", *extra],
                                cwd=cwd, stdout=out, stderr=subprocess.STDOUT)  # fmt: skip


def _run_printed(command: list[str], cwd: Path) -> None:
    """Run a printed command as a person would paste it: from elsewhere, with a bare PATH."""
    env = {**os.environ, "PATH": "/usr/bin:/bin"}  # the venv is not activated
    result = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert result.returncode == 0, f"{shlex.join(command)}\n{result.stdout}\n{result.stderr}"


def _transitions(history: Path) -> int:
    with sqlite3.connect(history) as db:
        return int(db.execute("SELECT count(*) FROM transitions").fetchone()[0])


@pytest.mark.parametrize("embedded", [False, True], ids=["mosquitto", "embedded-broker"])
def test_demo_site(tmp_path: Path, embedded: bool) -> None:
    port = free_port()
    log = tmp_path / "demo.log"
    proc = _start_demo(tmp_path, port, log, *(["--embedded-broker"] if embedded else []))
    collector = CollectorProc(port, proc, log)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    try:
        wait_for(lambda: collector.value("esc_agent_up", site="maurepas", agent="accueil-pc1") == 1.0,
                 timeout=30, what="the demo agent")  # fmt: skip
        wait_for(lambda: sum(_values(collector, "esc_device_up").values()) == 6, timeout=60,
                 what="the four simulated printers, the access point and the link")  # fmt: skip
        states = {
            dict(k)["device"]: dict(k)["state"]
            for k, v in _values(collector, "esc_device_state").items()
            if v
        }
        assert states == {"hp-accueil": "degraded", "sharp-etage": "degraded", "brother-salle": "ok",
                          "konica-bureau": "degraded", "borne-wifi": "ok", "internet": "ok"}  # fmt: skip
        output = log.read_text()
        assert ("amqtt" in output) == embedded
        assert f"http://127.0.0.1:{port}/metrics" in output
        assert f"http://127.0.0.1:{port}/site/maurepas" in output
        status, page = collector.get("/site/maurepas")
        assert status == 200
        assert "À faire maintenant" in page
        # The state folder: ./demo-state where the demo started, said to be kept.
        state = tmp_path / "demo-state"
        assert f"state      : {state}  (history, configurations, agent log; kept after Ctrl-C" in output
        while_running = _printed_commands(output, "While the demo runs:")
        afterwards = _printed_commands(output, "Now or after Ctrl-C (the state folder stays):")
        assert [c[1:3] for c in while_running] == [["printer", "probe"]]
        assert [c[1:3] for c in afterwards] == [
            ["report", "--config"],
            ["sites", "validate"],
            ["sites", "export"],
        ]
        for command in while_running + afterwards:
            assert Path(command[0]).is_absolute()
            assert Path(command[0]).exists()
        for command in while_running:
            _run_printed(command, elsewhere)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0
        text = log.read_text()
        assert "Traceback" not in text
        assert "lost the connection" not in text  # stopped in order
        assert f"stopping… (the state stays in {state})" in text
        # After Ctrl-C, the printed commands still work, as printed.
        for command in afterwards:
            _run_printed(command, elsewhere)
        report = afterwards[0]
        first, last = report_month(dt.datetime.now(PARIS).timestamp(), PARIS)
        assert report[report.index("--from") + 1 :][:3] == [first.isoformat(), "--to", last.isoformat()]
        assert Path(report[report.index("--out") + 1]).read_bytes().startswith(b"%PDF")
        for kept in ("history.sqlite3", "collector.toml", "sites.toml", "agent.log", "seeded.json"):
            assert (state / kept).is_file(), kept
    finally:
        stop_process(proc)


def test_a_second_run_keeps_the_history_and_fresh_says_it_starts_over(tmp_path: Path) -> None:
    state = tmp_path / "demo-state"
    runs = []
    for number, extra in enumerate([(), (), ("--fresh",)]):
        log = tmp_path / f"demo-{number}.log"
        proc = _start_demo(tmp_path, free_port(), log, "--embedded-broker", *extra)
        try:
            wait_for(lambda log=log: "Ctrl-C stops everything." in log.read_text(), timeout=60,
                     what=f"demo run {number}")  # fmt: skip
            proc.send_signal(signal.SIGINT)
            assert proc.wait(30) == 0
        finally:
            stop_process(proc)
        runs.append((log.read_text(), _transitions(state / "history.sqlite3")))
    (first, after_first), (second, after_second), (third, _) = runs
    seeded = re.search(r"history    : (\d+) transitions seeded from \d{4}-\d{2}-01 to now, then live", first)
    assert seeded is not None, first
    assert "removing" not in first + second
    assert re.search(
        r"history    : kept from an earlier run \(seeded from \d{4}-\d{2}-01 to [\d: -]+\)", second
    )
    assert after_second >= after_first >= int(seeded.group(1))  # nothing deleted; live ones added
    report = re.compile(r"^  \$ .* report .*$", re.M)
    assert report.findall(second) == report.findall(first)  # the same month to report on
    assert f"removing the earlier demo state in {state} (--fresh)" in third
    reseeded = re.search(r"history    : (\d+) transitions seeded from", third)
    assert reseeded is not None, third
    assert reseeded.group(1) == seeded.group(1)  # seeded again from scratch (reproducible)


def test_the_demo_link_can_be_cut_and_its_report_says_it_apart(tmp_path: Path) -> None:
    """Issue 14's « done when »: a Wi-Fi access point from a recording, a link the demo cuts, the report's split.

    The real agent probes the demo's own DNS server and HTTPS « administrative sites » (127.0.0.1);
    the printed ``touch`` cuts the link: the probes say ``dns_failure`` within a round and every
    service that needs the link (postes, wifi, bornes) goes down with it; ``rm`` brings it back.
    Last month's report shows « wifi public » measured and the seeded link cut counted apart.
    """
    port = free_port()
    log = tmp_path / "demo.log"
    proc = _start_demo(tmp_path, port, log)
    collector = CollectorProc(port, proc, log)

    def up(service: str) -> float | None:
        return collector.value("esc_service_up", site="maurepas", service=service)

    try:
        wait_for(
            lambda: up("internet") == 1.0 and up("wifi") == 1.0, timeout=90, what="the link and the Wi-Fi up"
        )
        output = log.read_text()
        assert (
            "wifi       : la borne wifi de la salle, simulated from a real UniFi recording (snmpsim)"
            in output
        )
        assert f"socle      : http://127.0.0.1:{port}/site/maurepas/socle" in output
        switches = _printed_commands(output, "To cut the demo's internet link")
        assert [Path(c[1]).name for c in switches] == ["cut-internet", "caf-down", "wifi-logging-down"]
        cut = switches[0]
        _run_printed(cut, tmp_path)
        wait_for(lambda: up("internet") == 0.0, timeout=90, what="the cut seen by the probes")
        assert collector.value("esc_device_reason", site="maurepas", device="internet", reason="dns_failure",
                               colour="", place="", reference="", subject="") == 1.0  # fmt: skip
        wait_for(lambda: (up("postes"), up("wifi"), up("bornes"), up("impression")) == (0.0, 0.0, 0.0, 1.0),
                 timeout=10, what="the services that need the link down with it")  # fmt: skip
        Path(cut[1]).unlink()
        wait_for(lambda: up("internet") == 1.0 and up("postes") == 1.0, timeout=90, what="the link back")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0
    finally:
        stop_process(proc)
    state = tmp_path / "demo-state"
    first, last = report_month(dt.datetime.now(PARIS).timestamp(), PARIS)
    report = tmp_path / "rapport.json"
    done = subprocess.run([cli("esc-collector"), "report", "--config", str(state / "collector.toml"), "--from",
                           first.isoformat(), "--to", last.isoformat(), "--format", "json", "--out", str(report)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    services = {s["service"]: s for s in json.loads(report.read_text())["sites"][0]["services"]}
    assert services["wifi"]["label"] == "wifi public"
    assert services["wifi"]["availability"] is not None  # measured
    # The seeded cut (10:00-11:30 on the month's first opening): 1 h 30 external for what needs the link.
    for name in ("postes", "wifi", "bornes", "internet"):
        assert services[name]["external_seconds"] >= 5_400, name
        assert any(c["cause"] == "internet" and c["external"] for c in services[name]["causes"]), name
    assert services["impression"]["external_seconds"] == 0
