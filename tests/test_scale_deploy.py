"""The scale-out files of deploy/ checked by the tools they are written for (the running tests use them too).

``tests/test_scale_ha.py`` runs the HA Prometheus pair and the Alertmanager cluster from these files,
``tests/test_scale_longterm.py`` the remote write to VictoriaMetrics; here: the generated replica
rules are current, each file passes its program's own check, the two Prometheus of a pair differ by
their own label alone, every flag exists in the packaged program, the template unit verifies.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from collector.descriptions import ALL_METRICS

from helpers.processes import BIN, REPO, require_program
from helpers.scale import ALERTMANAGER_DEFAULT, HA, VICTORIA_DEFAULT, default_args

DEPLOY = REPO / "deploy"


def test_replica_rules_are_current() -> None:
    fresh = subprocess.run([sys.executable, str(HA / "replica-rules.py")], capture_output=True, text=True,
                           check=True, cwd=REPO).stdout  # fmt: skip
    assert (HA / "replica.rules.yml").read_text() == fresh, (
        "regenerate: .venv/bin/python deploy/prometheus/ha/replica-rules.py > deploy/prometheus/ha/replica.rules.yml"
    )


def test_replica_rules_merge_the_fleet_and_keep_each_collector() -> None:
    rules = yaml.safe_load((HA / "replica.rules.yml").read_text())["groups"][0]["rules"]
    by_name = {r["record"]: r["expr"] for r in rules}
    assert set(by_name) == {d.series for d in ALL_METRICS}
    assert by_name["esc_device_reason"] == "max without(instance, replica) (ha:esc_device_reason)"
    assert (
        by_name["esc_service_open_seconds_total"]
        == "max without(instance, replica) (ha:esc_service_open_seconds_total)"
    )
    assert by_name["esc_collector_mqtt_connected"] == "ha:esc_collector_mqtt_connected"


@pytest.mark.parametrize("name", ["a", "b"])
def test_ha_prometheus_config_checks(tmp_path: Path, name: str) -> None:
    promtool = require_program("promtool", "prometheus")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "esc.rules.yml").write_text((REPO / "alerts" / "esc.rules.yml").read_text())
    (tmp_path / "rules" / "replica.rules.yml").write_text((HA / "replica.rules.yml").read_text())
    config = tmp_path / "prometheus.yml"
    config.write_text((HA / f"prometheus-{name}.yml").read_text())
    result = subprocess.run(
        [promtool, "check", "config", str(config)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 rule files found" in result.stdout


def test_the_two_prometheus_of_a_pair_differ_by_their_own_label_alone() -> None:
    a, b = (yaml.safe_load((HA / f"prometheus-{n}.yml").read_text()) for n in "ab")
    assert a["global"]["external_labels"].pop("prometheus") == "a"
    assert b["global"]["external_labels"].pop("prometheus") == "b"
    assert a == b
    # Both scrape both collectors, and send to both Alertmanagers.
    jobs = {job["job_name"]: job for job in a["scrape_configs"]}
    assert [g["labels"]["replica"] for g in jobs["esc-collector"]["static_configs"]] == ["a", "b"]
    assert len(a["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]) == 2


def test_shipped_flags_exist_in_the_packaged_programs() -> None:
    alertmanager = require_program("prometheus-alertmanager", "prometheus-alertmanager")
    victoria = require_program("victoria-metrics", "victoria-metrics")
    known = subprocess.run([alertmanager, "--help-long"], capture_output=True, text=True, check=False)
    for arg in default_args(ALERTMANAGER_DEFAULT):
        assert f"{arg.split('=')[0]}=" in known.stdout + known.stderr, arg
    known = subprocess.run([victoria, "--help"], capture_output=True, text=True, check=False)
    for arg in default_args(VICTORIA_DEFAULT):
        assert f"  {arg.split('=')[0]} " in known.stdout + known.stderr, arg
    cluster = [a for a in default_args(ALERTMANAGER_DEFAULT) if a.startswith("--cluster.peer=")]
    assert len(cluster) == 2  # the same file on both servers: each lists both


def test_compose_runs_a_cluster_of_one_until_told_its_peer() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yml").read_text())
    command = compose["services"]["alertmanager"]["command"]
    assert "--cluster.listen-address=0.0.0.0:9094" in command
    assert "--cluster.peer=${ESC_ALERTMANAGER_PEER:-alertmanager:9094}" in command
    mounts = [m.split(":")[0] for m in compose["services"]["prometheus"]["volumes"]]
    assert "./prometheus/ha/replica.rules.yml" in mounts
    for config in ("prometheus.yml", "ha/prometheus-a.yml", "ha/prometheus-b.yml"):
        assert (DEPLOY / "prometheus" / config).is_file()


def test_collector_template_unit_verifies(tmp_path: Path) -> None:
    analyze = require_program("systemd-analyze", "systemd")
    text = (DEPLOY / "systemd" / "esc-collector@.service").read_text()
    assert "--config /etc/esc-collector/%i.toml" in text
    assert "StateDirectory=esc-collector/%i" in text
    assert "ESC_COLLECTOR_STATE_DIR=/var/lib/esc-collector/%i" in text
    # The hardening of the single unit, line for line.
    single = (DEPLOY / "systemd" / "esc-collector.service").read_text()
    hardening = single[single.index("NoNewPrivileges") :]
    assert hardening in text
    unit = tmp_path / "esc-collector@nord.service"
    unit.write_text(text.replace("/opt/esc-fleet/venv/bin", str(BIN)))
    result = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stderr.lower(), result.stderr
