"""The reason table: every code any producer can emit is described, and every row is complete."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from agent.contract import french
from agent.contract.reasons import ALL, CAUSES, OTHER, PRINT, REASONS, SCAN, alert_rules, causes_of, describe
from agent.printers.state import ALERT_REASONS, ERROR_BIT_REASONS

REPO = Path(__file__).resolve().parent.parent
FIELDS = {"colour", "percent", "tray", "reference", "location", "part", "device", "of_device", "to_device"}


def _emitted_codes() -> set[str]:
    """Every reason code a producer can emit: literal codes passed to reason(...) or MemberNow(...)."""
    codes = set(ALERT_REASONS.values()) | set(ERROR_BIT_REASONS.values())
    for path in [*(REPO / "agent").rglob("*.py"), REPO / "collector" / "members.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "reason":
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    codes.add(first.value)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "MemberNow":
                for arg in node.args[1:]:
                    if isinstance(arg, ast.Tuple):
                        codes.update(e.value for e in arg.elts if isinstance(e, ast.Constant))
    return codes


def test_the_scan_finds_the_producers() -> None:
    emitted = _emitted_codes()
    assert {
        "jam",
        "no_paper",
        "unreachable",
        "adf_jam",
        "scanner_unit_down",
        "pc_off",
        "lockdown_broken",
    } <= emitted


@pytest.mark.parametrize("code", sorted(_emitted_codes()))
def test_every_emitted_code_has_a_label_a_cause_and_an_alert_decision(code: str) -> None:
    assert code in REASONS, f"{code} is emitted but not in agent/contract/reasons.py"
    row = REASONS[code]
    assert row.cause in CAUSES
    assert row.title
    assert row.action.endswith(".")
    assert (row.alert is None) != (row.no_alert is None), "an alert rule, or why there is none"


@pytest.mark.parametrize("row", list(REASONS.values()), ids=lambda r: r.code)
def test_rows_are_consistent(row: object) -> None:
    from agent.contract.reasons import ReasonDescription

    assert isinstance(row, ReasonDescription)
    assert row.functions
    assert row.functions <= {PRINT, SCAN, ALL}
    assert french.fields(row.title) | french.fields(row.action) <= FIELDS
    # Rendered with nothing known, a phrase keeps no placeholder and no bracket.
    for template in (row.title, row.action):
        text = french.render(
            template, {"device": "le copieur", "of_device": "du copieur", "to_device": "au copieur"}
        )
        assert "{" not in text
        assert "[" not in text
        assert "  " not in text


# The examples people read, written by hand (docs/design.md §5 "per function", docs/glossaire.md).
@pytest.mark.parametrize(
    ("code", "function", "affected"),
    [
        ("toner_empty", PRINT, True),
        ("toner_empty", SCAN, False),  # nobody needs toner to scan
        ("adf_jam", SCAN, True),
        ("adf_jam", PRINT, False),  # an ADF jam does not stop printing
        ("jam", PRINT, True),
        ("jam", SCAN, False),
        ("unreachable", PRINT, True),
        ("unreachable", SCAN, True),
        ("door_open", SCAN, True),
        ("device_error", SCAN, True),
        ("service_requested", PRINT, True),
        ("no_paper", SCAN, False),
        ("scanner_unit_down", PRINT, False),
        ("scanner_unit_down", SCAN, True),
    ],
)
def test_which_function_each_reason_affects(code: str, function: str, affected: bool) -> None:
    assert describe(code).affects(function) is affected


@pytest.mark.parametrize(
    ("code", "severity", "cause"),
    [
        ("unreachable", "down", "unreachable"), ("jam", "down", "jam"), ("adf_jam", "down", "jam"),
        ("toner_empty", "down", "toner"), ("toner_low", "degraded", "toner"), ("no_paper", "down", "paper"),
        ("tray_empty", "degraded", "paper"), ("paper_low", "degraded", "paper"), ("door_open", "down", "door"),
        ("waste_full", "down", "waste"), ("waste_almost_full", "degraded", "waste"),
        ("output_full", "down", "output"), ("pc_off", "down", "pc_off"), ("lockdown_broken", "down", "lockdown"),
        ("device_error", "down", "error"), ("service_requested", "degraded", "error"),
    ],
)  # fmt: skip
def test_severity_and_cause_of_each_code(code: str, severity: str, cause: str) -> None:
    assert (describe(code).severity, describe(code).cause) == (severity, cause)


def test_unknown_codes_are_kept_as_other() -> None:
    assert describe("laser_on_fire") is OTHER
    assert OTHER.cause == "other"
    assert CAUSES["other"].label == "autre problème"
    assert causes_of(["laser_on_fire", "jam"]) == ("jam", "other")  # down reasons first


def test_causes_prefer_down_reasons() -> None:
    assert causes_of(["toner_low", "jam"]) == ("jam", "toner")


def test_alert_rules_group_codes() -> None:
    rules = alert_rules()
    assert {r.code for r in rules["EscPaperJam"]} == {"jam", "adf_jam"}
    assert all(r.team == "technicien" for r in rules["EscLockdownBroken"])
