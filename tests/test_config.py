"""Configuration: the samples load; broken files give one clear message and exit code 2."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agent.config import load_agent_config
from collector.config import load_collector_config

from helpers.processes import REPO, run_cli


def test_sample_configs_load() -> None:
    agent = load_agent_config(REPO / "agent" / "sample.toml")
    assert (agent.agent.site, agent.agent.id) == ("maurepas", "accueil-pc1")
    assert agent.broker.address.tls
    collector = load_collector_config(REPO / "collector" / "sample.toml")
    assert collector.broker.topics == ("esc/v1/#",)


def test_overrides_apply() -> None:
    agent = load_agent_config(REPO / "agent" / "sample.toml").with_broker("mqtt://10.0.0.5:1884")
    assert (agent.broker.address.host, agent.broker.address.port, agent.broker.address.tls) == (
        "10.0.0.5",
        1884,
        False,
    )
    collector = load_collector_config(REPO / "collector" / "sample.toml").with_overrides(
        listen="0.0.0.0:9999"
    )
    assert collector.collector.listen == "0.0.0.0:9999"


AGENT_OK = '[agent]\nsite = "maurepas"\nid = "pc1"\n'

BAD_AGENT = [
    ("unknown_key", AGENT_OK + 'colour = "blue"\n', "agent.colour: unknown key"),
    ("wrong_type", '[agent]\nsite = "maurepas"\nid = "pc1"\ninterval = "often"\n', "agent.interval"),
    ("out_of_range", '[agent]\nsite = "maurepas"\nid = "pc1"\ninterval = 0\n', "agent.interval"),
    ("bad_ident", '[agent]\nsite = "Maurepas Centre"\nid = "pc1"\n', "agent.site"),
    ("missing_id", '[agent]\nsite = "maurepas"\n', "agent.id: required key missing"),
    ("bad_broker", AGENT_OK + '[broker]\nurl = "http://x"\n', "broker.url"),
    ("not_toml", "[agent\nsite=", "not valid TOML"),
    ("unknown_section", AGENT_OK + "[weather]\n", "weather: unknown key"),
    ("printers_not_a_list", AGENT_OK + "[printers]\n", "printers: expected array, got object"),
    ("printer_without_community", AGENT_OK + '[[printers]]\nid = "p1"\nhost = "h"\n', "v2c needs"),
    ("duplicate_device", AGENT_OK + '[[scanners]]\nid = "s"\nurl = "http://x"\n' * 2, "repeated: s"),
]


@pytest.mark.parametrize(("name", "text", "expected"), BAD_AGENT, ids=[b[0] for b in BAD_AGENT])
@pytest.mark.parametrize("command", ["once", "run"])
def test_bad_agent_config_exits_2_with_clear_message(
    tmp_path: Path, command: str, name: str, text: str, expected: str
) -> None:
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    result = run_cli("esc-agent", command, "--config", str(path))
    assert result.returncode == 2, result.stderr
    assert str(path) in result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


BAD_COLLECTOR = [
    ("unknown_key", '[collector]\nlisten = "127.0.0.1:9780"\nfoo = 1\n', "collector.foo: unknown key"),
    ("bad_listen", '[collector]\nlisten = "nowhere"\n', "collector.listen"),
    ("bad_stale", "[collector]\nstale_after = -5\n", "collector.stale_after"),
    ("bad_topics", "[broker]\ntopics = []\n", "broker.topics"),
    ("bad_limit", "[limits]\nmax_payload_bytes = 12\n", "limits.max_payload_bytes"),
]


@pytest.mark.parametrize(("name", "text", "expected"), BAD_COLLECTOR, ids=[b[0] for b in BAD_COLLECTOR])
def test_bad_collector_config_exits_2_with_clear_message(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    result = run_cli("esc-collector", "run", "--config", str(path))
    assert result.returncode == 2, result.stderr
    assert str(path) in result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("esc-agent", "once", "--config", "/nonexistent/agent.toml"), "file not found"),
        (
            ("esc-agent", "once", "--config", str(REPO / "agent/sample.toml"), "--broker", "tcp://x:1"),
            "--broker",
        ),
        (
            ("esc-collector", "run", "--config", str(REPO / "collector/sample.toml"), "--listen", "x"),
            "--listen",
        ),
        (("esc-agent", "once"), "ESC_AGENT_CONFIG"),
    ],
)
def test_usage_errors_exit_2(args: tuple[str, ...], expected: str) -> None:
    result = run_cli(*args, env={"ESC_AGENT_CONFIG": ""})
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_config_from_environment_variable(tmp_path: Path) -> None:
    path = tmp_path / "a.toml"
    path.write_text(AGENT_OK + "interval = 0\n")
    result = run_cli("esc-agent", "once", env={"ESC_AGENT_CONFIG": str(path)})
    assert result.returncode == 2
    assert str(path) in result.stderr


def test_help_works() -> None:
    for command in ("esc-agent", "esc-collector"):
        result = run_cli(command, "--help")
        assert result.returncode == 0
        assert "run" in result.stdout


def _uncommented(text: str) -> str:
    """Turn every optional '# key = value' line and '# [section]' header of a sample into a real line."""
    return "\n".join(line[2:] if line.startswith("# ") else line for line in text.splitlines())


@pytest.mark.parametrize("sample", ["agent/sample.toml", "collector/sample.toml"])
def test_every_documented_setting_parses(tmp_path: Path, sample: str) -> None:
    """The defaults shown in the samples are valid, and every key they document exists."""
    path = tmp_path / "uncommented.toml"
    path.write_text(_uncommented((REPO / sample).read_text()))
    config = (load_agent_config if sample.startswith("agent") else load_collector_config)(path)
    if sample.startswith("agent"):
        assert [p.id for p in config.printers] == ["imprimante-accueil", "copieur-etage"]  # type: ignore[union-attr]
        assert config.printers[1].version == "3"  # type: ignore[union-attr]
        assert [s.id for s in config.scanners] == ["scanner-accueil"]  # type: ignore[union-attr]
        assert config.lockdown.interval == 60.0  # type: ignore[union-attr]


# Errors name the table by its id and the line of the file (the shared loader), whatever the command.
AGENT_TWO_PRINTERS = (
    AGENT_OK + '\n[[printers]]\nid = "hp-accueil"\nhost = "10.0.0.1"\ncommunity = "public"\n'
    '\n[[printers]]\nid = "sharp-etage"\nhost = "10.0.0.2"\n'
)
LINE_ERRORS_AGENT = [
    ("typo_in_second_printer", AGENT_TWO_PRINTERS + 'comunity = "public"\n',
     '{path}:13: printers[1] (id "sharp-etage").comunity: unknown key'),
    ("port_out_of_range", AGENT_TWO_PRINTERS + 'community = "public"\nport = 70000\n',
     '{path}:14: printers[1] (id "sharp-etage").port: expected int <= 65535'),
    ("scanner_wrong_type", AGENT_OK + '\n[[scanners]]\nid = "scan-accueil"\nurl = "http://10.0.0.3"\ntimeout = "fast"\n',
     '{path}:8: scanners[0] (id "scan-accueil").timeout: expected float, got str'),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "text", "expected"), LINE_ERRORS_AGENT, ids=[c[0] for c in LINE_ERRORS_AGENT]
)
@pytest.mark.parametrize("command", ["once", "run"])
def test_agent_errors_name_the_printer_and_the_line(
    tmp_path: Path, command: str, name: str, text: str, expected: str
) -> None:
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    result = run_cli("esc-agent", command, "--config", str(path))
    assert result.returncode == 2, result.stderr
    assert result.stderr == "esc-agent: error: " + expected.format(path=path) + "\n"


COLLECTOR_OK = '[collector]\nname = "x"\n'
LINE_ERRORS_COLLECTOR = [
    ("limit_too_small", COLLECTOR_OK + "\n[limits]\nmax_payload_bytes = 12\n",
     "{path}:5: limits.max_payload_bytes: expected int >= 1024"),
    ("typo_in_history", COLLECTOR_OK + '\n[history]\npath = "h.sqlite3"\nretention_day = 30\n',
     "{path}:6: history.retention_day: unknown key"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "text", "expected"), LINE_ERRORS_COLLECTOR, ids=[c[0] for c in LINE_ERRORS_COLLECTOR]
)
def test_collector_errors_name_the_key_and_the_line(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    for args in (("run",), ("alertmanager", "config", "--out", str(tmp_path / "am.yml"))):
        result = run_cli("esc-collector", *args, "--config", str(path))
        assert result.returncode == 2, result.stderr
        assert result.stderr == "esc-collector: error: " + expected.format(path=path) + "\n"


SITE_HEAD = '[sites.maurepas]\nname = "ESC Maurepas"\nopening_hours = "{hours}"\n'
LINE_ERRORS_SITES = [
    ("opening_hours", SITE_HEAD.format(hours="Mo-Fr 09:00-12:00; Sa 9h-12h"),
     r"{path}:3: sites\.maurepas\.opening_hours: invalid opening_hours 'Mo-Fr 09:00-12:00; Sa 9h-12h': "
     r"expected [^\n]+ at character 23 \('9h-12h'\)"),
    ("opening_hours_second_site", SITE_HEAD.format(hours="24/7")
     + '\n[sites.kleber]\nname = "ESC Kléber"\nopening_hours = "Lu-Ve 09:00-18:00"\n',
     r"{path}:7: sites\.kleber\.opening_hours: invalid opening_hours 'Lu-Ve 09:00-18:00': "
     r"expected [^\n]+ at character 1 \('Lu-Ve 09:00-18:00'\)"),
    ("device_function_typo", SITE_HEAD.format(hours="24/7")
     + '\n[sites.maurepas.devices.hp-accueil]\nname = "le copieur"\nfunctions = ["print", "scna"]\n',
     r"{path}:7: sites\.maurepas\.devices\.hp-accueil\.functions\[1\]: expected str matching regex [^\n]+"),
    ("typo_in_second_site", SITE_HEAD.format(hours="24/7")
     + '\n[sites.kleber]\nname = "ESC Kléber"\nopening_hours = "24/7"\ncontcat = "x@example.org"\n',
     r"{path}:8: sites\.kleber\.contcat: unknown key"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "text", "pattern"), LINE_ERRORS_SITES, ids=[c[0] for c in LINE_ERRORS_SITES]
)
def test_sites_errors_name_the_site_the_key_and_the_line(
    tmp_path: Path, name: str, text: str, pattern: str
) -> None:
    sites = tmp_path / "sites.toml"
    sites.write_text(text)
    config = tmp_path / "collector.toml"
    config.write_text(
        f'[collector]\nname = "x"\n[sites]\nfile = "{sites}"\n[history]\npath = "{tmp_path / "h.db"}"\n'
    )
    expected = re.compile("esc-collector: error: " + pattern.format(path=re.escape(str(sites))) + "\n")
    for args in (("sites", "validate", "--file", str(sites)), ("run", "--config", str(config)),
                 ("report", "--config", str(config), "--from", "2026-11-01", "--to", "2026-11-30",
                  "--out", str(tmp_path / "r.html"))):  # fmt: skip
        result = run_cli("esc-collector", *args)
        assert result.returncode == 2, result.stderr
        assert expected.fullmatch(result.stderr), result.stderr
