"""The mutants issue 17 names, applied one at a time: each must make its pinned test fail.

The campaign (``__main__``) scores thousands of generated mutants; this table is the short list the
issue wrote out by hand ("a test that fails when its mutant is applied"), each with the exact code
change and the tests meant to catch it. A change is a text replacement in the module's source, found
exactly once (when the code moved, the check says so instead of passing). The mutated module is
compiled and run against the tests in a forked child (``tables.run_one``, which points the names other
project modules imported from it at the mutated objects): nothing is written to the tree.
First the tests run on the clean module (they must pass), then on each mutant (they must fail).

Run it with ``scripts/mutation.sh --examples`` (about 30 s).
"""

from __future__ import annotations

import ast
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import CodeType

from benchmarks.mutation import tables

PARSE = "tests/test_pinned_parse.py"
STATE = "tests/test_pinned_state.py"
CONTRACT = "tests/test_pinned_contract.py"
REASONS = "tests/test_pinned_reasons.py"
AVAILABILITY = "tests/test_pinned_availability.py"
CORE = "tests/test_properties_core.py"


@dataclass(frozen=True)
class Example:
    """One named mutant: where, the change (old text → new text), and the tests that must catch it."""

    what: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


EXAMPLES: tuple[Example, ...] = (
    Example(
        "_percent guard `maximum <= 0` → `< 0` (a zero-capacity supply at level 0)",
        "agent/printers/parse.py",
        "level < 0 or maximum <= 0 or level > maximum:",
        "level < 0 or maximum < 0 or level > maximum:",
        (f"{PARSE}::test_a_supply_with_capacity_zero_and_level_zero_does_not_raise",),
    ),
    Example(
        "page-counter guard `page_count >= 0` dropped (counters -1, -2, -3)",
        "agent/printers/parse.py",
        "page_count=page_count if page_count is not None and page_count >= 0 else None,",
        "page_count=page_count,",
        (f"{PARSE}::test_a_negative_page_counter_is_no_counter_and_the_message_stays_valid",),
    ),
    Example(
        "a new cartridge exactly at capacity: `level > maximum` → `>=` in _percent",
        "agent/printers/parse.py",
        "level < 0 or maximum <= 0 or level > maximum:",
        "level < 0 or maximum <= 0 or level >= maximum:",
        (f"{PARSE}::test_toner_levels",),
    ),
    Example(
        "a new cartridge exactly at capacity: `level > maximum` → `>=` in the supply state",
        "agent/printers/parse.py",
        'if maximum is not None and maximum > 0 and level > maximum:\n        return "invalid"',
        'if maximum is not None and maximum > 0 and level >= maximum:\n        return "invalid"',
        (f"{PARSE}::test_toner_levels",),
    ),
    Example(
        "waste box 90 % boundary: `>=` → `>`",
        "agent/printers/parse.py",
        "100.0 - percent >= t.receptacle_almost_full_percent",
        "100.0 - percent > t.receptacle_almost_full_percent",
        (f"{PARSE}::test_waste_box_levels",),
    ),
    Example(
        "waste box threshold 90 → 91",
        "agent/printers/parse.py",
        "receptacle_almost_full_percent: float = 90.0",
        "receptacle_almost_full_percent: float = 91.0",
        (f"{PARSE}::test_waste_box_levels", f"{PARSE}::test_default_thresholds"),
    ),
    Example(
        "waste box threshold 90 → 89",
        "agent/printers/parse.py",
        "receptacle_almost_full_percent: float = 90.0",
        "receptacle_almost_full_percent: float = 89.0",
        (f"{PARSE}::test_waste_box_levels", f"{PARSE}::test_default_thresholds"),
    ),
    Example(
        "paper-low 10 % threshold: `<` → `<=`",
        "agent/printers/parse.py",
        "percent < t.paper_low_percent",
        "percent <= t.paper_low_percent",
        (f"{PARSE}::test_trays",),
    ),
    Example(
        "paper-low threshold 10 → 11",
        "agent/printers/parse.py",
        "paper_low_percent: float = 10.0",
        "paper_low_percent: float = 11.0",
        (f"{PARSE}::test_trays", f"{PARSE}::test_default_thresholds"),
    ),
    Example(
        "paper-low threshold 10 → 9",
        "agent/printers/parse.py",
        "paper_low_percent: float = 10.0",
        "paper_low_percent: float = 9.0",
        (f"{PARSE}::test_trays", f"{PARSE}::test_default_thresholds"),
    ),
    Example(
        "the paper-low reason branch never taken",
        "agent/printers/state.py",
        'elif tray.state == "low" and tray.percent is not None:',
        'elif tray.state == "XXlowXX" and tray.percent is not None:',
        (f"{STATE}::test_paper_low_and_no_paper",),
    ),
    Example(
        "privacy: the free text of 'other'/'unknown' alerts kept (`code > 2` → `code >= 2`)",
        "agent/printers/parse.py",
        'f"alert {index} description") if code > 2 else None',
        'f"alert {index} description") if code >= 2 else None',
        (f"{PARSE}::test_free_text_of_other_alerts_is_dropped",),
    ),
    Example(
        "privacy: the free text of every alert kept (the rule switched off)",
        "agent/printers/parse.py",
        'f"alert {index} description") if code > 2 else None',
        'f"alert {index} description") if code > 0 else None',
        (
            f"{PARSE}::test_free_text_of_other_alerts_is_dropped",
            f"{PARSE}::test_job_names_never_reach_the_message",
        ),
    ),
    Example(
        "printer alert code 807 (paper low) deleted from its table",
        "agent/printers/state.py",
        '    807: "paper_low",\n',
        "",
        (f"{STATE}::test_every_printer_alert_code",),
    ),
    Example(
        "printer alert code 1101 (toner empty) deleted from its table",
        "agent/printers/state.py",
        "(1101, 1102, 1103)",
        "(1102, 1103)",
        (f"{STATE}::test_every_printer_alert_code",),
    ),
    Example(
        "printer alert code 808 (tray empty) deleted",
        "agent/printers/state.py",
        "PAPER_EMPTY_CODES = frozenset({808})",
        "PAPER_EMPTY_CODES = frozenset({})",
        (f"{STATE}::test_every_printer_alert_code",),
    ),
    Example(
        "alert code 808 renamed in the MIB table",
        "agent/printers/mib.py",
        '808: "inputMediaSupplyEmpty"',
        '808: "XXinputMediaSupplyEmptyXX"',
        (f"{PARSE}::test_every_alert_code",),
    ),
    Example(
        "Reason.severity default flipped (degraded → down)",
        "agent/contract/messages.py",
        'severity: Literal["down", "degraded"] = "degraded"',
        'severity: Literal["down", "degraded"] = "down"',
        (f"{CONTRACT}::test_reason_severity_defaults_to_degraded",),
    ),
    Example(
        "a reason row's severity flipped (jam: down → degraded)",
        "agent/contract/reasons.py",
        'code="jam", subject="tray", severity="down"',
        'code="jam", subject="tray", severity="degraded"',
        (f"{REASONS}::test_every_reason_row",),
    ),
    Example(
        "MQTT wildcards allowed in identifiers (device ids)",
        "agent/contract/messages.py",
        'IDENT_PATTERN: Final = r"^[a-z0-9][a-z0-9_.-]{0,62}(?!\\n)$"',
        'IDENT_PATTERN: Final = r"^[a-z0-9][a-z0-9_.+#-]{0,62}(?!\\n)$"',
        (f"{CONTRACT}::test_device_identifiers_never_carry_mqtt_wildcards",),
    ),
    Example(
        "lockdown message bound: 64 checks → 65",
        "agent/contract/messages.py",
        "checks: Annotated[tuple[LockdownCheck, ...], msgspec.Meta(max_length=64)]",
        "checks: Annotated[tuple[LockdownCheck, ...], msgspec.Meta(max_length=65)]",
        (f"{CONTRACT}::test_bounds_on_both_sides",),
    ),
    Example(
        "exact payload size limit: `>` → `>=`",
        "agent/contract/messages.py",
        "if len(payload) > max_bytes:",
        "if len(payload) >= max_bytes:",
        (f"{CONTRACT}::test_the_payload_size_limit_exactly",),
    ),
    Example(
        "exact payload size limit: 256 KiB + 1",
        "agent/contract/messages.py",
        "MAX_PAYLOAD_BYTES: Final = 256 * 1024",
        "MAX_PAYLOAD_BYTES: Final = 256 * 1024 + 1",
        (f"{CONTRACT}::test_the_payload_size_limit_exactly",),
    ),
    Example(
        "live k-of-n service_state: `usable >= min_usable` → `>`",
        "collector/availability.py",
        "if usable >= min_usable:",
        "if usable > min_usable:",
        (f"{AVAILABILITY}::test_service_state",),
    ),
    Example(
        "live k-of-n service_state: unknown members no longer keep a service unknown",
        "collector/availability.py",
        'return "down" if usable + unknown < min_usable else "unknown"',
        'return "down" if usable < min_usable else "unknown"',
        (f"{AVAILABILITY}::test_service_state",),
    ),
    Example(
        "a closure starting inside an open period: the open piece before it dropped",
        "collector/intervals.py",
        "if r_start > cursor:\n                out.append((cursor, r_start))",
        "if r_start > cursor:\n                pass",
        (f"{AVAILABILITY}::test_a_closure_that_starts_inside_an_open_period",),
    ),
    Example(
        "maintenance starting inside an open period counted with the closed time around it",
        "collector/availability.py",
        "in_maintenance = intersect(opened, windows)",
        "in_maintenance = windows",
        (f"{AVAILABILITY}::test_maintenance_that_starts_inside_an_open_period",),
    ),
    Example(
        "closures read in UTC instead of the site's time zone",
        "collector/sites.py",
        "closed = [w.interval(self.tz) for w in self.site.closures]",
        "closed = [w.interval(dt.timezone.utc) for w in self.site.closures]",
        (f"{AVAILABILITY}::test_closures_are_read_in_the_site_time_zone",),
    ),
    Example(
        "maintenance read in UTC instead of the site's time zone",
        "collector/sites.py",
        "merge(m.interval(self.tz) for m in self.site.maintenance",
        "merge(m.interval(dt.timezone.utc) for m in self.site.maintenance",
        (f"{AVAILABILITY}::test_closures_are_read_in_the_site_time_zone",),
    ),
    Example(
        "reason → cause entry changed (jam → other)",
        "agent/contract/reasons.py",
        'code="jam", subject="tray", severity="down", functions=_P, cause="jam"',
        'code="jam", subject="tray", severity="down", functions=_P, cause="other"',
        (f"{REASONS}::test_every_reason_row",),
    ),
    Example(
        "supply class: consumed read from class 4 instead of 3",
        "agent/printers/parse.py",
        '("consumed" if class_code == 3 else "other")',
        '("consumed" if class_code == 4 else "other")',
        (f"{PARSE}::test_supply_roles",),
    ),
    Example(
        "colorant table: a supply's colour read from another row of the colorant table",
        "agent/printers/parse.py",
        'names.get(f"{device}.{colorant}")',
        'names.get(f"{device}.{colorant + 1}")',
        (f"{PARSE}::test_colour_from_the_colorant_table_then_from_the_description",),
    ),
    Example(
        "colour names: 'noir' no longer black",
        "agent/printers/parse.py",
        r'(r"\b(?:black|noir|schwarz|nero|negro)\b", "black")',
        r'(r"\b(?:black|schwarz|nero|negro)\b", "black")',
        (f"{PARSE}::test_colour_from_description",),
    ),
)


def _compiled(path: str, source: str) -> CodeType:
    return compile(ast.parse(source, filename=path), str(tables.ROOT / path), "exec")


def _run(path: str, code: CodeType, args: list[str], log: Path) -> str:
    return tables.run_one(path, code, args, timeout=300, log=log)


def _first_failure(log: Path) -> str:
    """Return the first failing test named in a pytest log (``-rf`` summary), shortened."""
    text = log.read_text(errors="replace")
    found = re.search(r"^FAILED (tests/\S+?::.+?)(?: - .*)?$", text, re.M)
    if found:
        return found.group(1).split("::", 1)[-1][:90]
    found = re.search(r"^E +(.*)$", text, re.M)
    return (found.group(1)[:90] if found else "(no failure named)").strip()


def check(examples: tuple[Example, ...] = EXAMPLES) -> bool:
    """Apply each example and run its tests; print one line each; return whether every one was caught."""
    every = True
    clean_done: set[tuple[str, tuple[str, ...]]] = set()
    by_module: dict[str, list[Example]] = {}
    for example in examples:
        by_module.setdefault(example.path, []).append(example)
    print("| named mutant | module | test that fails | verdict |\n|---|---|---|---|")
    for path, group in by_module.items():
        files = sorted({t.split("::")[0] for e in group for t in e.tests})
        tables.preload(files)
        source = (tables.ROOT / path).read_text()
        for example in group:
            found = source.count(example.old)
            if found != 1:
                every = False
                print(
                    f"| {example.what} | `{path}` | — | the code changed ({found} matches): update the example |"
                )
                continue
            args = [*example.tests, "-rf"]
            with tempfile.TemporaryDirectory() as folder:
                log = Path(folder) / "log"
                if (path, example.tests) not in clean_done:
                    clean = _run(path, _compiled(path, source), args, log)
                    if clean != "survived":
                        every = False
                        print(
                            f"| {example.what} | `{path}` | — | its tests fail on the clean code ({clean}) |"
                        )
                        continue
                    clean_done.add((path, example.tests))
                    log.write_text("")
                mutated = source.replace(example.old, example.new)
                verdict = _run(path, _compiled(path, mutated), args, log)
                failing = _first_failure(log) if verdict == "killed" else "—"
            every &= verdict == "killed"
            print(f"| {example.what} | `{path}` | `{failing}` | {verdict} |", flush=True)
    return every
