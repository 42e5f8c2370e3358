"""Lockdown end to end: a kiosk tree → agent (real checks) → Mosquitto → collector → /metrics."""

from __future__ import annotations

import json
from pathlib import Path

from helpers.agent import start_agent, write_agent_config
from helpers.broker import Broker
from helpers.collector import CollectorProc
from helpers.kiosk import CHROMIUM_POLICY, build_kiosk, write_policy
from helpers.processes import run_cli, stop_process, wait_for

KIOSK = {"site": "maurepas", "agent": "accueil-pc1"}


def test_break_and_repair_reach_the_collector(
    tmp_path: Path, mosquitto: Broker, collector: CollectorProc
) -> None:
    root = tmp_path / "root"
    build_kiosk(root)
    policy = write_policy(tmp_path, processes="")
    baseline = tmp_path / "baseline.json"
    made = run_cli("esc-agent", "lockdown", "baseline", "--policy", str(policy), "--root", str(root),
                   "--out", str(baseline))  # fmt: skip
    assert made.returncode == 0, made.stderr
    extra = (f'[lockdown]\npolicy = "{policy}"\nbaseline = "{baseline}"\nroot = "{root}"\n'
             "interval = 5\npublish_every = 60\n")  # fmt: skip
    config = write_agent_config(tmp_path / "agent", extra=extra, interval=5)
    agent = start_agent(config, mosquitto, tmp_path / "agent.log")
    ok = {**KIOSK, "profile": "borne-caf"}
    try:
        wait_for(lambda: collector.value("esc_lockdown_ok", **ok) == 1.0, timeout=15, what="lockdown intact")
        assert collector.value("esc_lockdown_security_events_total", **KIOSK) == 0.0
        managed = root / "etc/chromium/policies/managed/kiosk.json"
        managed.write_text(json.dumps({**CHROMIUM_POLICY, "URLBlocklist": []}))
        wait_for(lambda: collector.value("esc_lockdown_ok", **ok) == 0.0, timeout=12, what="lockdown broken")
        fail = {**KIOSK, "check": "file_integrity", "severity": "critical", "result": "fail"}
        assert collector.value("esc_lockdown_check", **fail) == 1.0
        assert collector.value("esc_lockdown_security_events_total", **KIOSK) == 1.0
        managed.write_text(json.dumps(CHROMIUM_POLICY))
        wait_for(
            lambda: collector.value("esc_lockdown_ok", **ok) == 1.0, timeout=12, what="lockdown repaired"
        )
        assert collector.value("esc_lockdown_security_events_total", **KIOSK) == 1.0
        assert "security event" in collector.log()
    finally:
        stop_process(agent)


def test_broken_lockdown_policy_stops_the_agent_with_code_2(tmp_path: Path, mosquitto: Broker) -> None:
    policy = tmp_path / "bad.toml"
    policy.write_text("[policy]\nprofile = 'Not Valid'\n")
    config = write_agent_config(tmp_path / "agent", extra=f'[lockdown]\npolicy = "{policy}"\n')
    for command in ("once", "run"):
        result = run_cli("esc-agent", command, "--config", str(config), "--broker", mosquitto.url, timeout=30)
        assert result.returncode == 2, result.stderr
        assert "policy.profile" in result.stderr
        assert "Traceback" not in result.stderr
