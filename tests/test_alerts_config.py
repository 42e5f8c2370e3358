"""Alert rules and Alertmanager configuration as artefacts: generated from the tables, unit-tested, checked."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from agent.contract import french
from agent.contract.reasons import ReasonDescription, alert_rules
from collector import descriptions as d
from collector.alerting import mail, routing, rules

from helpers.processes import REPO, require_program, run_cli
from helpers.sites import site, sites_toml

RULES = REPO / "alerts" / "esc.rules.yml"
RULE_TESTS = REPO / "alerts" / "tests" / "esc.rules.test.yml"


def _rules() -> dict[str, dict[str, Any]]:
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return {r["alert"]: r for g in groups for r in g["rules"]}


def _minutes(duration: str) -> int:
    number, unit = int(duration[:-1]), duration[-1]
    return {"s": number // 60, "m": number, "h": number * 60}[unit]


def _promtool_test(path: Path) -> subprocess.CompletedProcess[str]:
    promtool = require_program("promtool", "prometheus")
    return subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True, check=False)


# --------------------------------------------------------------------------- the generated files


def test_generated_files_equal_a_fresh_build(tmp_path: Path) -> None:
    built = run_cli("esc-collector", "alerts", "build", "--out", str(tmp_path))
    assert built.returncode == 0, built.stderr
    fresh = (tmp_path / "esc.rules.yml").read_text(encoding="utf-8")
    assert RULES.read_text(encoding="utf-8") == fresh == rules.render()
    time_table = (tmp_path / "templates" / mail.TIME_FILE_NAME).read_text(encoding="utf-8")
    assert (REPO / "alerts" / "templates" / mail.TIME_FILE_NAME).read_text(encoding="utf-8") == time_table


def test_promtool_check_and_unit_tests() -> None:
    promtool = require_program("promtool", "prometheus")
    check = subprocess.run(
        [promtool, "check", "rules", str(RULES)], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"{len(_rules())} rules found" in check.stdout
    tests = _promtool_test(RULE_TESTS)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "SUCCESS" in tests.stdout + tests.stderr


def _series(text: str) -> tuple[str, dict[str, str]]:
    match = re.fullmatch(r"\s*(\w+)\s*(?:\{(.*)\})?\s*", text)
    assert match, text
    return match.group(1), dict(re.findall(r'(\w+)\s*=\s*"((?:[^"\\]|\\.)*)"', match.group(2) or ""))


def test_every_rule_is_tested_firing_not_firing_and_silent_while_closed() -> None:
    """The hand-written promtool tests cover every rule, both ways, and the closed site for the secretariat."""
    by_name = _rules()
    fired: set[str] = set()
    quiet: set[str] = set()
    silent_closed: set[str] = set()
    paged_closed: set[str] = set()
    for group in yaml.safe_load(RULE_TESTS.read_text(encoding="utf-8"))["tests"]:
        series = [(*_series(s["series"]), s["values"]) for s in group["input_series"]]
        closed = {labels["site"] for name, labels, values in series
                  if name == d.SITE_OPEN.key and re.fullmatch(r"0x\d+", values)}  # fmt: skip
        for case in group["alert_rule_test"]:
            alert = case["alertname"]
            assert alert in by_name, f"the tests name an alert that does not exist: {alert}"
            if not case["exp_alerts"]:
                quiet.add(alert)
                continue
            fired.add(alert)
            rule = by_name[alert]
            metric = re.search(r"\b(esc_\w+)", rule["expr"])
            sites = {a["exp_labels"].get("site") for a in case["exp_alerts"]}
            fed_closed = metric is not None and any(
                name == metric.group(1) and labels.get("site") in closed for name, labels, _ in series
            )
            if fed_closed and not sites & closed:
                silent_closed.add(alert)
            if sites & closed:
                paged_closed.add(alert)
    assert fired == set(by_name), f"never seen firing: {sorted(set(by_name) - fired)}"
    assert quiet == set(by_name), f"never seen quiet: {sorted(set(by_name) - quiet)}"
    secretariat = {name for name, r in by_name.items() if r["labels"]["team"] == "secretariat"}
    assert secretariat <= silent_closed, (
        f"not shown silent on a closed site: {sorted(secretariat - silent_closed)}"
    )
    assert not secretariat & paged_closed
    # Security pages on a closed site too.
    assert "EscLockdownBroken" in paged_closed


def test_rules_are_generated_from_the_tables() -> None:
    by_name = _rules()
    source = (REPO / "collector" / "alerting" / "rules.py").read_text(encoding="utf-8")
    assert not re.search(r"[\"']esc_", source), "metric names come from collector/descriptions.py"
    described = {m.series for m in d.ALL_METRICS} | {m.key for m in d.ALL_METRICS}
    for rule in by_name.values():
        assert set(re.findall(r"\b(esc_\w+)", rule["expr"])) <= described, rule["expr"]
        assert rule["labels"]["team"] in ("secretariat", "technicien")
        assert rule["labels"]["severity"] in ("critical", "warning", "info")
        assert set(rule["annotations"]) == {"summary", "action"}
        opened = f"and on(site) {d.SITE_OPEN.key} == 1" in rule["expr"]
        assert opened is (rule["labels"]["team"] == "secretariat"), f"{rule['alert']}: silent while closed?"
    for alert, rows in alert_rules().items():
        rule = by_name[alert]
        assert rule["labels"]["team"] == rows[0].team
        assert rule["for"] == rows[0].alert_for
        assert rule["labels"]["severity"] == rows[0].alert_severity
        for row in rows:
            assert row.code in rule["expr"] or row.code in rules.PC_CONDITIONS
    assert by_name["EscLockdownBroken"]["labels"]["security"] == "true"
    assert rules.CLOCK_TOLERANCE == 120.0
    assert "> 120)" in by_name["EscAgentClockSkew"]["expr"]


# --------------------------------------------------------------------------- phrase templates → Go


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Capot ouvert", "Capot ouvert"),
        ("Toner[ ({percent})] bas", "Toner bas"),  # a field no alert has: its segment drops at build time
        ("[{percent}|un bac]", "un bac"),
        ("[le bac|{tray}]", "le bac"),  # a first alternative with no field is always taken
        ("Pour {device}.", "Pour {{ $labels.name }}."),
        ("[ dans le {tray}]", "{{ if $labels.place }} dans le {{ $labels.place }}{{ end }}"),
        ("[{tray} {reference}|x]",
         "{{ if and $labels.place $labels.reference }}{{ $labels.place }} {{ $labels.reference }}{{ else }}x{{ end }}"),
        ("a {{ b", 'a {{ "{{" }} b'),  # never opens a Go action
    ],
)  # fmt: skip
def test_go_phrase(template: str, expected: str) -> None:
    assert rules.go_phrase(template, rules.device_fields()) == expected


def test_go_phrase_refuses_a_field_it_cannot_write() -> None:
    with pytest.raises(ValueError, match="volume"):
        rules.go_phrase("Son {volume}", rules.device_fields())
    with pytest.raises(ValueError, match="volume"):
        rules.go_phrase("Son[ {volume}]", rules.device_fields())


def _row(code: str, **changes: Any) -> ReasonDescription:
    fields: dict[str, Any] = {"code": code, "severity": "down", "functions": frozenset({"print"}), "cause": "error",
                              "title": "T", "action": "A.", "alert": "EscX"}  # fmt: skip
    return ReasonDescription(**{**fields, **changes})


def test_rows_of_one_alert_must_agree() -> None:
    with pytest.raises(ValueError, match="team"):
        rules.reason_rule("EscX", [_row("a"), _row("b", team="technicien")])
    with pytest.raises(ValueError, match="alert_for"):
        rules.reason_rule("EscX", [_row("a"), _row("b", alert_for="1h")])
    with pytest.raises(ValueError, match="mixes PC and device"):
        rules.reason_rule("EscX", [_row("jam"), _row("pc_off")])


# --------------------------------------------------------------------------- Go and Python say the same

#: The three kinds of names: masculine, feminine, elided.
NAMES = ("le copieur de l'accueil", "la borne CAF", "l'imprimante du 1er étage")
#: What a device reason may say of the part concerned: nothing; everything; an unusual colour.
PARTS: tuple[dict[str, str], ...] = (
    {},
    {"subject": "1.2", "colour": "black", "place": "bac 2", "reference": "CF410A"},
    {"subject": "1.3", "colour": "lightCyan"},
)
#: How the test feeds each PC reason (rules.PC_CONDITIONS says what the rule reads).
PC_FEED: dict[str, tuple[d.MetricDescription[Any], dict[str, str]]] = {
    "pc_off": (d.AGENT_UP, {}),
    "lockdown_broken": (d.LOCKDOWN_OK, {"profile": "kiosque"}),
}


def _selector(metric: str, labels: dict[str, str]) -> str:
    return (
        metric + "{" + ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in labels.items()) + "}"
    )


def python_annotations(row: ReasonDescription, name: str, parts: dict[str, str]) -> dict[str, str]:
    """What the status page's renderer says: ``french.render`` of the row's phrases."""
    values = {
        "colour": french.colour(parts.get("colour")),
        "tray": parts.get("place"),
        "reference": parts.get("reference"),
        "device": name,
        "of_device": french.of(name),
        "to_device": french.to(name),
    }
    return {
        "summary": f"{french.render(row.title, values)} — {name}",
        "action": french.render(row.action, values),
    }


def test_go_and_python_renderers_agree(tmp_path: Path) -> None:
    """Every reason rule, for three kinds of names: Prometheus renders what the Python side renders."""
    assert set(PC_FEED) == set(rules.PC_CONDITIONS)
    site_ = "maurepas"
    series = [{"series": _selector(d.SITE_OPEN.key, {"site": site_}), "values": "1x200"}]
    cases = []
    longest = 0
    count = 0
    for alert, rows in alert_rules().items():
        expected = []
        for row in rows:
            longest = max(longest, _minutes(row.alert_for))
            feed = PC_FEED.get(row.code)
            for name in NAMES:
                for parts in PARTS if feed is None else ({},):
                    count += 1
                    if feed is None:
                        ident = {"site": site_, "device": f"d{count}"}
                        reason = {**ident, "reason": row.code, **parts}
                        series.append({"series": _selector(d.DEVICE_REASON.key, reason), "values": "1x200"})
                        info = {**ident, "kind": "printer", "name": name}
                        series.append({"series": _selector(d.DEVICE_INFO.key, info), "values": "1x200"})
                        labels = {**reason, "name": name}
                    else:
                        metric, extra = feed
                        ident = {"site": site_, "agent": f"a{count}"}
                        series.append(
                            {"series": _selector(metric.key, {**ident, **extra}), "values": "0x200"}
                        )
                        info = {**ident, "name": name}
                        series.append({"series": _selector(d.AGENT_INFO.key, info), "values": "1x200"})
                        labels = {**ident, **extra, "name": name}
                    labels |= {"team": row.team, "severity": row.alert_severity}
                    if row.cause == "lockdown":
                        labels["security"] = "true"
                    expected.append(
                        {"exp_labels": labels, "exp_annotations": python_annotations(row, name, parts)}
                    )
        cases.append({"alertname": alert, "exp_alerts": expected})
    for case in cases:
        case["eval_time"] = f"{longest + 1}m"
    test_file = {
        "rule_files": [str(RULES)],
        "evaluation_interval": "1m",
        "tests": [{"interval": "1m", "input_series": series, "alert_rule_test": cases}],
    }
    path = tmp_path / "agreement.test.yml"
    path.write_text(yaml.safe_dump(test_file, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert count >= 3 * len(alert_rules())
    # The French reads right whatever the name's gender: no uncontracted article, no leftover
    # placeholder, no participle agreeing with a name it cannot know.
    for case in cases:
        for alert in case["exp_alerts"]:
            name = alert["exp_labels"]["name"]
            for text in alert["exp_annotations"].values():
                assert not re.search(r"\b(de|à) (le|les) ", text), text
                assert not re.search(r"[{}\[\]]|  | [.,]", text), text
                assert not re.search(rf"{re.escape(name)} (est|reste|soit) \w+(é|ée|és)\b", text), text
    # The French the test expects reads right for each kind of name (spot checks by hand).
    jam = python_annotations(alert_rules()["EscPaperJam"][0], "la borne CAF", PARTS[1])
    assert jam == {"summary": "Bourrage papier dans le bac 2 — la borne CAF",
                   "action": "Ouvrir la borne CAF en suivant les indications de son écran et retirer doucement "
                             "la feuille coincée."}  # fmt: skip
    door = alert_rules()["EscDoorOpen"][0]
    assert python_annotations(door, NAMES[0], {})["action"] == "Refermer le capot du copieur de l'accueil."
    assert (
        python_annotations(door, NAMES[2], {})["action"] == "Refermer le capot de l'imprimante du 1er étage."
    )
    result = _promtool_test(path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


# --------------------------------------------------------------------------- the e-mails' local time


def test_the_time_table_gives_paris_time() -> None:
    """The offsets ``esc.time`` chooses between (read back from the generated file) are Paris's at every instant."""
    text = (REPO / "alerts" / "templates" / mail.TIME_FILE_NAME).read_text(encoding="utf-8")
    bounds = [int(x) for x in re.findall(r"lt \$u (\d+)", text)]
    offsets = [int(x) // 1_000_000_000 for x in re.findall(r"\.UTC\.Add (\d+)\)", text)]
    assert len(bounds) == len(offsets) > 100
    assert bounds == sorted(bounds)
    paris = ZoneInfo("Europe/Paris")

    def chosen(ts: int) -> int | None:
        for bound, offset in zip(bounds, offsets, strict=True):
            if ts < bound:
                return offset
        return None  # past the table: the template says « UTC »

    start = int(dt.datetime(2020, 1, 1, tzinfo=dt.UTC).timestamp())
    for ts in range(start, bounds[-1], 3 * 3600 + 17):  # every ~3 h for 50 years, and every transition ±1 s
        assert chosen(ts) == dt.datetime.fromtimestamp(ts, paris).utcoffset().total_seconds(), ts  # type: ignore[union-attr]
    for bound in bounds[:-1]:
        for ts in (bound - 1, bound):
            assert chosen(ts) == dt.datetime.fromtimestamp(ts, paris).utcoffset().total_seconds(), ts  # type: ignore[union-attr]
    assert dt.datetime.fromtimestamp(bounds[-1], dt.UTC).year == mail.LAST_YEAR + 1


# --------------------------------------------------------------------------- Alertmanager


def test_generated_alertmanager_config(tmp_path: Path) -> None:
    amtool = require_program("amtool", "prometheus-alertmanager")
    sites = tmp_path / "sites.toml"
    sites.write_text(
        sites_toml(
            site("maurepas", name="ESC Maurepas", opening_hours="24/7", contact="a@example.org"),
            site(
                "kleber", name="ESC Kléber", opening_hours="24/7"
            ),  # no contact: its digest goes to the technicians
        )
    )
    config = tmp_path / "collector.toml"
    config.write_text(f'[sites]\nfile = "sites.toml"\n[alerting]\ntemplates = "{REPO}/alerts/templates/*.tmpl"\n'
                      'technicians = ["t1@example.org", "t2@example.org"]\n'
                      'status_url = "https://supervision.example.org/esc/"\n')  # fmt: skip
    out = tmp_path / "alertmanager.yml"
    result = run_cli("esc-collector", "alertmanager", "config", "--config", str(config), "--out", str(out))
    assert result.returncode == 0, result.stderr
    check = subprocess.run([amtool, "check-config", str(out)], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    data = yaml.safe_load(out.read_text())
    routes = data["route"]["routes"]
    assert [(r["receiver"], r["matchers"]) for r in routes] == [
        ("technicien-maurepas", ['site="maurepas"']),
        ("technicien-kleber", ['site="kleber"']),
    ]
    assert routes[0]["routes"] == [
        # The order notice first: one group per cartridge, never repeated, no « réglé » (receiver below).
        {"receiver": "commande-maurepas", "matchers": ['alertname="EscSupplyOrder"'],
         "group_by": ["site", "device", "supply", "cartridge"], "repeat_interval": "30d"},
        {"receiver": "secretariat-maurepas", "matchers": ['team="secretariat"'], "group_by": ["site"],
         "repeat_interval": "24h"},
    ]  # fmt: skip
    assert routes[1]["routes"][1]["receiver"] == "technicien-kleber"
    receivers = {r["name"]: r["email_configs"][0] for r in data["receivers"]}
    assert set(receivers) == {
        "technicien",
        "technicien-maurepas",
        "secretariat-maurepas",
        "commande-maurepas",
        "technicien-kleber",
        "commande-kleber",
    }
    assert receivers["commande-maurepas"]["to"] == "a@example.org"
    assert receivers["commande-maurepas"]["send_resolved"] is False
    assert receivers["secretariat-maurepas"]["send_resolved"] is True
    assert receivers["commande-kleber"]["to"] == "t1@example.org, t2@example.org"  # no contact
    assert receivers["secretariat-maurepas"]["to"] == "a@example.org"
    assert receivers["technicien-kleber"]["to"] == "t1@example.org, t2@example.org"
    subject = receivers["secretariat-maurepas"]["headers"]["Subject"]
    assert subject == '{{ template "esc.count" . }} à l\'ESC Maurepas : {{ template "esc.titles" . }}'
    assert receivers["technicien-kleber"]["headers"]["Subject"].startswith("[ESC Fleet] ")
    assert "à l'ESC Kléber : " in receivers["technicien-kleber"]["headers"]["Subject"]
    assert "à l'ESC" not in receivers["technicien"]["headers"]["Subject"]  # alerts of no site
    link = "https://supervision.example.org/esc/site/maurepas"
    assert link in receivers["secretariat-maurepas"]["text"]
    assert f'href="{link}"' in receivers["secretariat-maurepas"]["html"]
    assert "https://" not in receivers["technicien"]["text"]
    # An unreachable device inhibits the other alerts of the same device (a real Alertmanager shows
    # it in test_alerting_end_to_end.py); PC and collector alerts carry no device label.
    (inhibit,) = data["inhibit_rules"]
    assert inhibit == {"source_matchers": ['alertname="EscDeviceUnreachable"'],
                       "target_matchers": ['alertname!="EscDeviceUnreachable"'], "equal": ["site", "device"]}  # fmt: skip
    assert rules.unreachable_alert() == "EscDeviceUnreachable"
    for labels, receiver in [
        (["team=secretariat", "site=maurepas", "alertname=EscTonerLow"], "secretariat-maurepas"),
        (["team=secretariat", "site=kleber", "alertname=EscTonerLow"], "technicien-kleber"),
        (["team=technicien", "site=maurepas", "alertname=EscLockdownBroken"], "technicien-maurepas"),
        (["team=technicien", "alertname=EscCollectorStorageFailing"], "technicien"),
        (
            ["team=secretariat", "site=maurepas", "alertname=EscSupplyOrder", "cartridge=3"],
            "commande-maurepas",
        ),
        (["team=secretariat", "site=kleber", "alertname=EscSupplyOrder"], "commande-kleber"),
    ]:
        routed = subprocess.run([amtool, "config", "routes", "test", f"--config.file={out}", *labels],
                                capture_output=True, text=True, check=False)  # fmt: skip
        assert routed.stdout.strip() == receiver, routed.stdout + routed.stderr


@pytest.mark.parametrize(
    ("place", "expected"),
    [("ESC Maurepas", "à l'ESC Maurepas"), ("ESC Carrefour 18", "à l'ESC Carrefour 18"),
     ("Centre social Kléber", "au Centre social Kléber"), ("la Maison des familles", "à la Maison des familles"),
     ("Maurepas", "à Maurepas"), ("Espace social Aimé Césaire", "à l'Espace social Aimé Césaire")],
)  # fmt: skip
def test_subject_names_the_site_in_french(place: str, expected: str) -> None:
    assert french.at(place) == expected
    assert routing.subject(french.at(place)).split(" : ")[0].endswith(f" {expected}")
