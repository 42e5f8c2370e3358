"""The command lines: every error in one line, impossible dates named, and the README lists every command."""

from __future__ import annotations

import re

import pytest
import typer

from agent.cli import app as agent_app
from collector import cli as collector_cli
from collector.cli import date_problem

from helpers.processes import REPO, run_cli

DATES = [
    ("2026-11-30", None),
    ("2028-02-29", None),
    ("2026-11-31", "November 2026 has 30 days"),
    ("2026-04-31", "April 2026 has 30 days"),
    ("2026-02-29", "February 2026 has 28 days"),
    ("2028-02-30", "February 2028 has 29 days"),
    ("2026-13-01", "there is no month 13 (months go from 01 to 12)"),
    ("2026-00-10", "there is no month 0 (months go from 01 to 12)"),
    ("2026-11-00", "days start at 01"),
    ("2026-11-1", "expected a date YYYY-MM-DD, e.g. 2026-11-01"),
    ("01/11/2026", "expected a date YYYY-MM-DD, e.g. 2026-11-01"),
    ("novembre", "expected a date YYYY-MM-DD, e.g. 2026-11-01"),
    ("0000-01-01", "the year must be 0001 or later"),
]


@pytest.mark.parametrize(("value", "expected"), DATES)
def test_date_problem(value: str, expected: str | None) -> None:
    assert date_problem(value) == expected


REPORT = ("esc-collector", "report", "--out", "/nonexistent/r.html")
ONE_LINE_ERRORS = [
    ((*REPORT, "--from", "2026-11-31", "--to", "2026-11-30"),
     "esc-collector: error: --from 2026-11-31: November 2026 has 30 days"),
    ((*REPORT, "--from", "2026-02-01", "--to", "2026-02-29"),
     "esc-collector: error: --to 2026-02-29: February 2026 has 28 days"),
    ((*REPORT, "--from", "2026-11-30", "--to", "2026-11-01"),
     "esc-collector: error: --to 2026-11-01 is before --from 2026-11-30"),
    ((*REPORT, "--from", "2026-11-01", "--to", "2026-11-30", "--format", "docx"),
     "esc-collector: error: --format docx: choose html, pdf, csv or json"),
    ((*REPORT, "--from", "2026-11-01"),
     "esc-collector: error: Missing option '--to' (see: esc-collector report --help)"),
    (("esc-collector", "raport"), "esc-collector: error: No such command 'raport'. Did you mean 'report'? (see: esc-collector --help)"),
    (("esc-collector", "sites", "validate", "--fiel", "x"),
     "esc-collector: error: No such option: --fiel (Possible options: --file, --help) "
     "(see: esc-collector sites validate --help)"),
    (("esc-agent", "lockdown", "check"),
     "esc-agent: error: Missing option '--policy' / '-p' (see: esc-agent lockdown check --help)"),
    (("esc-agent", "once", "--nope"), "esc-agent: error: No such option: --nope (see: esc-agent once --help)"),
    (("esc-agent", "printer", "probe", "127.0.0.1", "--community", "public", "--timeout", "0"),
     re.compile(r"esc-agent: error: Invalid value for '--timeout': .*0\.1 \(see: esc-agent printer probe --help\)")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "expected"), ONE_LINE_ERRORS, ids=[" ".join(a[1:4]) for a, _ in ONE_LINE_ERRORS]
)
def test_usage_errors_take_one_line(args: tuple[str, ...], expected: str | re.Pattern[str]) -> None:
    result = run_cli(*args)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr  # not Typer's five-line box
    if isinstance(expected, str):
        assert lines[0] == expected
    else:
        assert expected.fullmatch(lines[0]), lines[0]
    assert result.stdout == ""


@pytest.mark.parametrize("program", ["esc-agent", "esc-collector"])
def test_a_bare_command_shows_its_help(program: str) -> None:
    result = run_cli(program)
    assert result.returncode == 2
    assert "Usage:" in result.stdout
    assert "run" in result.stdout
    assert result.stderr.strip() == ""


def _command_paths(group: typer.Typer, prog: str) -> set[str]:
    """Return every runnable command of a Typer application, as typed (``esc-agent printer probe``)."""
    paths: set[str] = set()

    def walk(command: object, path: str) -> None:
        children = getattr(command, "commands", None)
        if children is None:
            paths.add(path)
            return
        for name, child in children.items():
            walk(child, f"{path} {name}")

    walk(typer.main.get_command(group), prog)
    return paths


def _readme_commands() -> list[str]:
    section = (
        REPO.joinpath("README.md").read_text(encoding="utf-8").split("## Commands", 1)[1].split("\n## ", 1)[0]
    )
    return re.findall(r"^\| `([^`]+)`", section, flags=re.M)


def test_the_readme_command_table_lists_every_command() -> None:
    collector_cli._plugins()  # the dashboards commands come through the entry point
    commands = _command_paths(agent_app, "esc-agent") | _command_paths(collector_cli.app, "esc-collector")
    assert {
        "esc-agent lockdown check",
        "esc-collector alerts build",
        "esc-collector dashboards build",
    } <= commands
    rows = _readme_commands()
    listed = {c for c in commands if any(row == c or row.startswith(c + " ") for row in rows)}
    assert listed == commands, f"missing from the README's command table: {sorted(commands - listed)}"
    stale = [row for row in rows if not any(row == c or row.startswith(c + " ") for c in commands)]
    assert not stale, f"the README lists commands that do not exist: {stale}"
