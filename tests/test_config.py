"""Configuration: the samples load; broken files give one clear message and exit code 2."""

from __future__ import annotations

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
