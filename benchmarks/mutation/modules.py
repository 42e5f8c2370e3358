"""The one table of the mutation campaign: which module is mutated, and which fast tests judge it.

Each module is judged by its OWN fast tests only (pure, no broker, no subprocess): a mutant of
``parse.py`` killed by a status-page test would say nothing about the parser's tests. Keep the
lists short and fast; a module's tests run once per mutant.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """A module under mutation and the tests that must notice a change in it."""

    path: str
    tests: tuple[str, ...]
    #: Mutate function bodies with mutmut (a module of tables only has none worth mutating).
    bodies: bool = True
    #: Mutate module-level tables and schema bounds with the AST mutator (``tables.py``).
    tables: bool = True
    #: Score goal (percent), or ``None`` when the module is measured without a goal.
    body_goal: float | None = 90.0
    table_goal: float | None = 80.0
    #: Functions whose mutants are also scored apart (the contract's decode/validate path).
    focus: tuple[str, ...] = ()
    #: Run each mutant's tests in a process that has run no test before (mutmut's fork server, which
    #: only collects the tests). For modules with process-wide tables filled on first sight
    #: (``LABELS``): forked from mutmut's main process, which ran the whole selection to collect
    #: coverage, a mutant would find them filled and its code would never run. What runs at import
    #: (``Labels()`` of ``LABELS``) still runs unmutated: tests build their own ``Labels()``.
    fresh_process: bool = False


_AVAILABILITY_TESTS = (
    "tests/test_availability.py",
    "tests/test_every_counted_second.py",
    "tests/test_attribution.py",
    "tests/test_pinned_availability.py",
    "tests/test_pinned_columns.py",
    "tests/test_properties_core.py",
    # The columnar engine against the row-by-row one it replaced (seeded random histories, exact floats).
    "tests/test_engine_columns.py",
)

#: Smallest first: a campaign that has to stop early has measured the most modules.
TARGETS: tuple[Target, ...] = (
    # Interval arithmetic: its own properties, and the availability ground truth built on it.
    Target("collector/intervals.py", _AVAILABILITY_TESTS, tables=False),
    Target("collector/availability.py", _AVAILABILITY_TESTS, fresh_process=True),
    Target(
        "agent/contract/reasons.py",
        ("tests/test_reasons.py", "tests/test_pinned_reasons.py"),
        body_goal=None,
    ),
    # The enumerations' own tests first: with -x a mutant dies at the first failing test.
    Target(
        "agent/printers/mib.py",
        ("tests/test_pinned_parse.py", "tests/test_printer_parse.py"),
        bodies=False,
    ),
    Target(
        "agent/printers/state.py",
        ("tests/test_printer_state.py", "tests/test_pinned_state.py"),
    ),
    Target(
        "agent/contract/messages.py",
        ("tests/test_messages.py", "tests/test_pinned_contract.py"),
        focus=(
            "check_ident",
            "Topic",
            "topic_of",
            "encode",
            "_strip_controls",
            "_version_of",
            "_describe",
            "decode",
        ),
    ),
    Target(
        "agent/printers/parse.py",
        ("tests/test_printer_parse.py", "tests/test_pinned_parse.py"),
    ),
)


#: The tests issue 17 added: ``--before`` leaves them out, to measure what the suite caught before them.
ADDED_BY_ISSUE_17 = frozenset(
    {
        "tests/test_pinned_availability.py",
        "tests/test_pinned_columns.py",
        "tests/test_pinned_contract.py",
        "tests/test_pinned_parse.py",
        "tests/test_pinned_reasons.py",
        "tests/test_pinned_state.py",
        "tests/test_properties_core.py",
    }
)


def target(path: str) -> Target:
    """Return the target of a module path (``agent/printers/parse.py``) or of its short name (``parse``)."""
    for item in TARGETS:
        if path in (item.path, item.path.rsplit("/", 1)[-1].removesuffix(".py")):
            return item
    known = ", ".join(t.path for t in TARGETS)
    msg = f"unknown module {path!r} (known: {known})"
    raise SystemExit(msg)
