"""Alert rules and Alertmanager configuration as artefacts: generated, unit-tested, checked."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from collector.alerting import rules

from helpers.processes import REPO, require_program, run_cli
from helpers.sites import site, sites_toml


def test_rules_file_equals_a_fresh_build(tmp_path: Path) -> None:
    built = run_cli("esc-collector", "alerts", "build", "--out", str(tmp_path))
    assert built.returncode == 0, built.stderr
    fresh = (tmp_path / "esc.rules.yml").read_text(encoding="utf-8")
    assert (REPO / "alerts" / "esc.rules.yml").read_text(encoding="utf-8") == fresh == rules.render()


def test_promtool_check_and_unit_tests() -> None:
    promtool = require_program("promtool", "prometheus")
    check = subprocess.run([promtool, "check", "rules", str(REPO / "alerts" / "esc.rules.yml")], capture_output=True,
                           text=True, check=False)  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    tests = subprocess.run([promtool, "test", "rules", str(REPO / "alerts" / "tests" / "esc.rules.test.yml")],
                           capture_output=True, text=True, check=False)  # fmt: skip
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "SUCCESS" in tests.stdout + tests.stderr


def test_every_rule_has_a_unit_test_and_french_texts() -> None:
    rules = [
        r
        for g in yaml.safe_load((REPO / "alerts" / "esc.rules.yml").read_text())["groups"]
        for r in g["rules"]
    ]
    tested = (REPO / "alerts" / "tests" / "esc.rules.test.yml").read_text()
    for rule in rules:
        assert f"alertname: {rule['alert']}\n" in tested, f"{rule['alert']} has no promtool test"
        assert rule["labels"]["team"] in ("secretariat", "technicien")
        assert rule["labels"]["severity"] in ("critical", "warning", "info")
        assert set(rule["annotations"]) == {"summary", "action"}
        if rule["labels"]["team"] == "secretariat":
            assert "esc_site_open == 1" in rule["expr"], f"{rule['alert']} would page a closed site"


def test_generated_alertmanager_config(tmp_path: Path) -> None:
    amtool = require_program("amtool", "prometheus-alertmanager")
    sites = tmp_path / "sites.toml"
    sites.write_text(
        sites_toml(
            site("maurepas", name="ESC Maurepas", opening_hours="24/7", contact="a@example.org"),
            site("kleber", name="ESC Kléber", opening_hours="24/7"),  # no contact: falls to the technicians
        )
    )
    config = tmp_path / "collector.toml"
    config.write_text(f'[sites]\nfile = "sites.toml"\n[alerting]\ntemplates = "{REPO}/alerts/templates/*.tmpl"\n'
                      'technicians = ["t1@example.org", "t2@example.org"]\n')  # fmt: skip
    out = tmp_path / "alertmanager.yml"
    result = run_cli("esc-collector", "alertmanager", "config", "--config", str(config), "--out", str(out))
    assert result.returncode == 0, result.stderr
    check = subprocess.run([amtool, "check-config", str(out)], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    data = yaml.safe_load(out.read_text())
    routes = data["route"]["routes"]
    assert [r["receiver"] for r in routes] == ["technicien", "secretariat-maurepas"]
    assert routes[1]["matchers"] == ['team="secretariat"', 'site="maurepas"']
    assert routes[1]["group_by"] == ["site"]  # one digest per site
    receivers = {r["name"]: r for r in data["receivers"]}
    assert receivers["secretariat-maurepas"]["email_configs"][0]["to"] == "a@example.org"
    assert receivers["technicien"]["email_configs"][0]["to"] == "t1@example.org, t2@example.org"
    assert data["inhibit_rules"][0]["equal"] == ["site", "device"]
    # A route test with amtool: a Maurepas toner alert goes to its secretariat, a lockdown break to technicians.
    for labels, receiver in [
        (["team=secretariat", "site=maurepas", "alertname=EscTonerLow"], "secretariat-maurepas"),
        (["team=secretariat", "site=kleber", "alertname=EscTonerLow"], "technicien"),
        (["team=technicien", "site=maurepas", "alertname=EscLockdownBroken"], "technicien"),
    ]:
        routed = subprocess.run([amtool, "config", "routes", "test", f"--config.file={out}", *labels],
                                capture_output=True, text=True, check=False)  # fmt: skip
        assert routed.stdout.strip() == receiver, routed.stdout + routed.stderr
