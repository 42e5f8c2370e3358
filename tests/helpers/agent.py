"""Agent configs (with printer entries for the test snmpsim) and a real ``esc-agent run``."""

from __future__ import annotations

import subprocess
from pathlib import Path

from helpers.broker import Broker
from helpers.processes import cli


def write_agent_config(
    folder: Path,
    *,
    site: str = "maurepas",
    agent: str = "accueil-pc1",
    extra: str = "",
    interval: float = 60.0,
    keepalive: int = 30,
) -> Path:
    """Write an agent config with its own state folder and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "agent.toml"
    path.write_text(
        f'[agent]\nsite = "{site}"\nid = "{agent}"\nstate_dir = "{folder / "state"}"\ninterval = {interval}\n'
        f'[broker]\nurl = "mqtt://127.0.0.1:1"\nkeepalive = {keepalive}\nconnect_timeout = 5.0\n{extra}'
    )
    return path


def start_agent(config: Path, broker: Broker, log: Path) -> subprocess.Popen[bytes]:
    """Start ``esc-agent run`` against ``broker``; the caller stops it."""
    with log.open("wb") as out:
        return subprocess.Popen([cli("esc-agent"), "run", "--config", str(config), "--broker", broker.url],
                                stdout=out, stderr=subprocess.STDOUT)  # fmt: skip


def printer_block(device: str, port: int, community: str, name: str | None = None) -> str:
    """An agent config's ``[[printers]]`` entry for a device served by the test snmpsim."""
    label = f'name = "{name}"\n' if name else ""
    return (f'[[printers]]\nid = "{device}"\n{label}host = "127.0.0.1"\nport = {port}\ncommunity = "{community}"\n'
            "timeout = 2.0\nretries = 0\n")  # fmt: skip
