"""Mutation campaign over the pure core: how many wrong numbers would the tests notice?

Run on demand, never in CI (most of an hour on two shared cores)::

    scripts/mutation.sh                       # every module, smallest first, bodies then tables
    scripts/mutation.sh state intervals       # some modules (short names or paths)
    scripts/mutation.sh --only tables mib     # one kind of mutation
    scripts/mutation.sh --report              # print the last results again, run nothing
    scripts/mutation.sh --examples            # the mutants issue 17 names: each must be caught

For each module of ``benchmarks/mutation/modules.py`` (one table: module → its own fast tests),
mutmut mutates function bodies and the AST mutator (``tables.py``) mutates module-level tables
and schema bounds; both run the module's tests once per mutant. The score is killed ÷ (total −
equivalent); equivalent mutants are listed in ``equivalent.py`` with why. Surviving mutants are
written to ``mutants/<module>/survivors-bodies.txt`` (with diffs) and ``survivors-tables.txt``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.mutation import bodies, equivalent, examples, tables
from benchmarks.mutation.modules import ADDED_BY_ISSUE_17, TARGETS, Target, target


@dataclass
class Score:
    """Killed ÷ (total − equivalent), with the counts behind it."""

    killed: int
    total: int
    equivalent: int
    timeout: int = 0
    no_tests: int = 0

    @property
    def percent(self) -> float | None:
        """Return the score in percent, or ``None`` without countable mutants."""
        counted = self.total - self.equivalent
        return 100.0 * self.killed / counted if counted else None

    def text(self) -> str:
        """Return « 412/450 = 91.6 % (equivalent 3, no test 2) »."""
        counted = self.total - self.equivalent
        percent = f"{self.percent:.1f} %" if self.percent is not None else "n/a"
        extra = [f"equivalent {self.equivalent}"] if self.equivalent else []
        extra += [f"timeout {self.timeout}"] if self.timeout else []
        extra += [f"no test {self.no_tests}"] if self.no_tests else []
        return f"{self.killed}/{counted} = {percent}" + (f" ({', '.join(extra)})" if extra else "")


def _existing(tests: tuple[str, ...], *, before: bool = False) -> list[str]:
    return [t for t in tests if (bodies.ROOT / t).exists() and not (before and t in ADDED_BY_ISSUE_17)]


def _function_of(mutant: str) -> str:
    """Return the function (or Class.method) a mutmut mutant name points at."""
    name = mutant.rsplit(".", 1)[-1]
    name = re.sub(r"__mutmut_\d+$", "", name)
    name = name.removeprefix("x_").removeprefix("x")
    return ".".join(p for p in name.split("ǁ") if p)


def body_score(item: Target, status: dict[str, str], *, focus: bool = False) -> Score:
    """Score mutmut's verdicts (only the focus functions when asked)."""
    if focus:
        status = {k: v for k, v in status.items() if _function_of(k).split(".")[0] in item.focus}
    equivalents = {k for k in status if k in equivalent.BODIES and status[k] != "killed"}
    killed = sum(1 for k, v in status.items() if v in ("killed", "timeout"))
    return Score(
        killed=killed,
        total=len(status),
        equivalent=len(equivalents),
        timeout=sum(1 for v in status.values() if v == "timeout"),
        no_tests=sum(1 for v in status.values() if v == "no tests"),
    )


def table_score(item: Target, status: dict[str, str]) -> Score:
    """Score the AST mutator's verdicts."""
    known = equivalent.TABLES.get(item.path, {})
    equivalents = {k for k in status if k in known and status[k] != "killed"}
    return Score(
        killed=sum(1 for v in status.values() if v in ("killed", "timeout")),
        total=len(status),
        equivalent=len(equivalents),
        timeout=sum(1 for v in status.values() if v == "timeout"),
    )


def run_tables(item: Target, tests: list[str], log: Path, *, survivors: bool = False) -> dict[str, str]:
    """Run every table mutant of one module (or the last survivors); return ``{mutant id: status}``."""
    mutants = tables.generate(item.path)
    status, _lines = load_tables(item) if survivors else ({}, {})
    if survivors:
        mutants = [m for m in mutants if status.get(m.id) not in ("killed", "timeout")]
    folder = bodies.WORK / bodies.slug(item.path)
    folder.mkdir(parents=True, exist_ok=True)
    log.write_text("")
    tables.preload(tests)
    started = time.monotonic()
    clean = tables.run_one(item.path, tables.clean_source(item.path), tests, timeout=900, log=log)
    clean_seconds = time.monotonic() - started
    if clean != "survived":
        print(f"  the clean run of {item.path}'s tests failed ({clean}): see {log}", flush=True)
        return {}
    timeout = max(60.0, 10 * clean_seconds)
    for number, mutant in enumerate(mutants, 1):
        status[mutant.id] = tables.run_one(item.path, mutant.code, tests, timeout=timeout)
        if number % 25 == 0:
            print(f"    tables {number}/{len(mutants)}", flush=True)
    lines = {m.id: m.line for m in tables.generate(item.path)}
    status = {k: v for k, v in status.items() if k in lines}
    (folder / "tables.json").write_text(
        json.dumps({"status": status, "lines": lines}, indent=1, ensure_ascii=False)
    )
    return status


def load_tables(item: Target) -> tuple[dict[str, str], dict[str, int]]:
    """Return the last table verdicts of one module and the line of each mutant."""
    path = bodies.WORK / bodies.slug(item.path) / "tables.json"
    if not path.exists():
        return {}, {}
    data = json.loads(path.read_text())
    return data["status"], data.get("lines", {})


def write_survivors(
    item: Target, body_status: dict[str, str], table_status: dict[str, str], lines: dict[str, int]
) -> None:
    """Write the surviving mutants of one module (equivalent ones marked) next to its results."""
    folder = bodies.WORK / bodies.slug(item.path)
    folder.mkdir(parents=True, exist_ok=True)
    survivors = sorted(k for k, v in body_status.items() if v not in ("killed", "timeout"))
    if body_status:
        text = [f"# {item.path}: {len(survivors)} surviving function-body mutants\n"]
        for name in survivors:
            why = equivalent.BODIES.get(name)
            text.append(f"{name}: {body_status[name]}" + (f"  [equivalent: {why}]" if why else ""))
        text.append("\n" + bodies.diffs(item.path, [s for s in survivors if s not in equivalent.BODIES]))
        (folder / "survivors-bodies.txt").write_text("\n".join(text))
    if table_status:
        known = equivalent.TABLES.get(item.path, {})
        rows = [
            f"line {lines.get(k, 0)}: {k}: {v}" + (f"  [equivalent: {known[k]}]" if k in known else "")
            for k, v in sorted(table_status.items(), key=lambda kv: lines.get(kv[0], 0))
            if v not in ("killed", "timeout")
        ]
        (folder / "survivors-tables.txt").write_text(
            f"# {item.path}: {len(rows)} surviving table mutants\n" + "\n".join(rows) + "\n"
        )


def _scores(item: Target, results: str) -> tuple[str, str]:
    """Return the (bodies, tables) score texts of one module in one results folder."""
    saved = bodies.WORK
    bodies.WORK = bodies.ROOT / "mutants" / results
    try:
        body_status = bodies.load(item.path).status if item.bodies else {}
        table_status, _lines = load_tables(item) if item.tables else ({}, {})
    finally:
        bodies.WORK = saved
    body = body_score(item, body_status).text() if body_status else "—"
    if item.focus and body_status:
        body += f"; decode/validate path {body_score(item, body_status, focus=True).text()}"
    table = table_score(item, table_status).text() if table_status else "—"
    return body, table


def report(items: list[Target], results: list[str]) -> None:
    """Print the score table (Markdown) of each module, one column per results folder."""
    print(
        f"\nMutation scores, {dt.date.today().isoformat()} (killed / counted; equivalent mutants not counted)\n"
    )
    head = (
        " | ".join(f"function bodies, {r}" for r in results)
        + " | "
        + " | ".join(f"tables and bounds, {r}" for r in results)
    )
    print(f"| module | {head} | goals |")
    print("|---|" + "---|" * (2 * len(results) + 1))
    for item in items:
        pairs = [_scores(item, r) for r in results]
        goals = (
            (f"{item.body_goal:.0f} %" if item.bodies and item.body_goal else "—")
            + " / "
            + (f"{item.table_goal:.0f} %" if item.tables and item.table_goal else "—")
        )
        cells = [p[0] for p in pairs] + [p[1] for p in pairs]
        print(f"| `{item.path}` | " + " | ".join(cells) + f" | {goals} |")


def main() -> None:
    """Run the campaign (or print the last results) and print the scores."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "modules", nargs="*", help="module paths or short names (default: all, smallest first)"
    )
    parser.add_argument("--only", choices=("bodies", "tables"), help="run one kind of mutation only")
    parser.add_argument(
        "--children", type=int, default=1, help="mutmut workers (default 1: the machine is shared)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="reuse mutmut's earlier results for unchanged code"
    )
    parser.add_argument("--report", action="store_true", help="print the last results, run nothing")
    parser.add_argument(
        "--examples",
        action="store_true",
        help="apply the mutants issue 17 names (examples.py), each against its pinned tests; run nothing else",
    )
    parser.add_argument(
        "--before", action="store_true", help="leave out the tests issue 17 added (the 'before' score)"
    )
    parser.add_argument(
        "--survivors",
        action="store_true",
        help="run only the last run's surviving mutants, against the current tests",
    )
    parser.add_argument(
        "--results", default="", help="results folder under mutants/ (default: before or after)"
    )
    args = parser.parse_args()
    if args.examples:
        sys.exit(0 if examples.check() else 1)
    items = [target(m) for m in args.modules] if args.modules else list(TARGETS)
    bodies.WORK = bodies.ROOT / "mutants" / (args.results or ("before" if args.before else "after"))
    if not args.report:
        for item in items:
            tests = _existing(item.tests, before=args.before)
            left_out = sorted(t for t in item.tests if args.before and t in ADDED_BY_ISSUE_17)
            missing = sorted(set(item.tests) - set(tests) - set(left_out))
            notes = [f"left out: {', '.join(left_out)}"] if left_out else []
            notes += [f"missing: {', '.join(missing)}"] if missing else []
            print(
                f"{item.path}: tests {', '.join(tests)}" + (f" ({'; '.join(notes)})" if notes else ""),
                flush=True,
            )
            folder = bodies.WORK / bodies.slug(item.path)
            folder.mkdir(parents=True, exist_ok=True)
            if item.bodies and args.only in (None, "bodies"):
                started = time.monotonic()
                previous = bodies.load(item.path).status if args.survivors else {}
                result = bodies.run(
                    item.path,
                    tests,
                    fresh=not args.keep,
                    children=args.children,
                    log=folder / "mutmut.log",
                    only=[k for k, v in previous.items() if v not in ("killed", "timeout")]
                    if args.survivors
                    else None,
                    fresh_process=item.fresh_process,
                )
                print(
                    f"  bodies: {body_score(item, result.status).text()} in {time.monotonic() - started:.0f} s",
                    flush=True,
                )
            if item.tables and args.only in (None, "tables"):
                started = time.monotonic()
                status = run_tables(item, tests, folder / "tables.log", survivors=args.survivors)
                print(
                    f"  tables: {table_score(item, status).text()} in {time.monotonic() - started:.0f} s",
                    flush=True,
                )
            body_status = bodies.load(item.path).status if item.bodies else {}
            table_status, lines = load_tables(item) if item.tables else ({}, {})
            write_survivors(item, body_status, table_status, lines)
    done = [r for r in ("before", "after") if (bodies.ROOT / "mutants" / r).exists()]
    report(items, done if args.report else [bodies.WORK.name])
    sys.stdout.flush()


if __name__ == "__main__":
    main()
