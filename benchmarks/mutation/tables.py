"""A small AST mutator for what mutmut leaves alone: module-level tables, constants and schema bounds.

mutmut mutates function bodies. The facts this project keeps in tables (reason rows, alert codes,
MIB enumerations, thresholds, ``msgspec.Meta`` bounds of the wire contract) live at module level
or in class bodies, where a wrong entry changes behaviour just as much. Operators, applied one at
a time outside function bodies:

* ``drop``: a dict entry deleted; a member removed from a set, frozenset, tuple or list literal
  (a row of ``REASONS``, a code of ``dict.fromkeys((…), "door_open")``, a bit of ``ERROR_BITS``);
  a member removed from a ``Literal[…]`` of a wire field (when the target asks for it);
* ``value``: a dict value or a table row's field changed (``"down"`` ↔ ``"degraded"``,
  ``_P`` → ``_S``, other strings wrapped in ``XX…XX``, numbers +1);
* ``±1``: a numeric constant (``MAX_PAYLOAD_BYTES``, a dataclass default threshold) or a
  ``Meta(ge=…, le=…, max_length=…)`` bound moved by one either way; booleans flipped;
* ``flip``: a comparison in a module-level expression (a lambda in a table) flipped.

Each mutant is compiled from the mutated tree (line numbers kept) and executed over the imported
module in a forked child, where the names other project modules imported from it are pointed at the
mutated objects: nothing is written to the tree.
The child runs the module's own fast tests with ``-x``; a failure (or a collection error: the
module no longer imports) kills the mutant.
"""

from __future__ import annotations

import ast
import importlib
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType

ROOT = Path(__file__).resolve().parents[2]

#: String values swapped for another meaningful one rather than wrapped in XX…XX.
_SWAPS = {
    "down": "degraded",
    "degraded": "down",
    "critical": "warning",
    "warning": "critical",
    "secretariat": "technicien",
    "technicien": "secretariat",
    "supply": "tray",
    "tray": "unit",
    "unit": "supply",
}
#: Function sets of a reason row, each replaced by the next.
_NAME_CYCLES = {"_P": "_S", "_S": "_ALL", "_ALL": "_P"}
_BOUNDS = ("ge", "le", "gt", "lt", "min_length", "max_length")
_FLIPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}


@dataclass(frozen=True)
class TableOptions:
    """What the mutator touches in one module."""

    #: Module-level names left alone (with why, in docs/testing.md).
    skip: frozenset[str] = frozenset()
    #: Calls whose keyword arguments are table fields to mutate: ``{"ReasonDescription": {"severity", …}}``.
    rows: dict[str, frozenset[str]] = field(default_factory=dict)
    #: Remove members of ``Literal[…]`` annotations (wire fields: each member is a bound).
    literals: bool = False
    #: Modules that build tables of their own from this one when imported (executed again after it).
    rebuild: tuple[str, ...] = ()


#: Per-module options; modules not listed get the defaults.
OPTIONS: dict[str, TableOptions] = {
    "agent/contract/reasons.py": TableOptions(
        rows={
            "ReasonDescription": frozenset(
                {
                    "severity",
                    "functions",
                    "cause",
                    "title",
                    "team",
                    "alert",
                    "alert_for",
                    "alert_severity",
                    "subject",
                }
            ),
            "Cause": frozenset({"key", "label", "external"}),
        },
    ),
    # The walk lists are the poller's (judged by tests/test_snmp_poller.py against snmpsim).
    # ipp.py turns SUPPLY_TYPES and INPUT_TYPES round into keyword → code tables when imported.
    "agent/printers/mib.py": TableOptions(
        skip=frozenset({"POLL_SCALARS", "POLL_COLUMNS", "WALK_SUBTREES"}), rebuild=("agent.printers.ipp",)
    ),
    "agent/contract/messages.py": TableOptions(literals=True),
}


@dataclass(frozen=True)
class Mutant:
    """One mutated module: a stable id (what changed, where) and the compiled code."""

    id: str
    line: int
    code: CodeType


# --------------------------------------------------------------------------- generation


def _scope_nodes(tree: ast.Module) -> Iterator[tuple[ast.AST, str]]:
    """Yield every node outside function bodies, with the module-level name it belongs to."""

    def visit(node: ast.AST, context: str) -> Iterator[tuple[ast.AST, str]]:
        yield node, context
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                continue  # mutmut's ground
            yield from visit(child, context)

    for statement in tree.body:
        context = _statement_name(statement)
        if isinstance(statement, ast.ClassDef):
            for item in statement.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                yield from visit(item, f"{statement.name}.{_statement_name(item)}")
            continue
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.Import | ast.ImportFrom):
            continue
        yield from visit(statement, context)


def _statement_name(statement: ast.stmt) -> str:
    if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name):
        return statement.targets[0].id
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id
    if isinstance(statement, ast.ClassDef):
        return statement.name
    return f"line{getattr(statement, 'lineno', 0)}"


def _is_docstring_or_annotation_string(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _short(node: ast.AST, limit: int = 40) -> str:
    text = ast.unparse(node)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plus_one(node: ast.expr, delta: int) -> ast.expr:
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    ):
        return ast.Constant(node.value + delta)
    return ast.BinOp(left=node, op=ast.Add(), right=ast.Constant(delta))


def _changed_string(value: str) -> str:
    return _SWAPS.get(value, f"XX{value}XX")


def _numeric_expr(node: ast.AST) -> bool:
    """Whether a node is a number, or arithmetic over numbers (``256 * 1024``, ``2**31 - 1``)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, int | float) and not isinstance(node.value, bool)
    if isinstance(node, ast.BinOp):
        return _numeric_expr(node.left) and _numeric_expr(node.right)
    if isinstance(node, ast.UnaryOp):
        return _numeric_expr(node.operand)
    return False


# A site is (locator, id, apply): apply(tree_node) mutates the node found again by locator in a copy.
Site = tuple[int, str, Callable[[ast.AST], None]]


def _sites(tree: ast.Module, options: TableOptions) -> list[Site]:
    sites: list[Site] = []
    nodes = list(_scope_nodes(tree))
    in_meta: set[int] = set()
    in_literal_skip: set[int] = set()
    for node, _context in nodes:
        if isinstance(node, ast.Call) and _call_name(node).rsplit(".", 1)[-1] == "Meta":
            in_meta.update(id(n) for n in ast.walk(node))
        if isinstance(node, ast.Subscript):  # annotations: tuple[Supply, ...], dict[str, int], Literal[…]
            in_literal_skip.update(id(n) for n in ast.walk(node.slice))
        if isinstance(node, ast.Call) and _call_name(node) in ("compile", "re.compile"):
            in_literal_skip.update(id(n) for n in ast.walk(node))
        if isinstance(node, ast.GeneratorExp | ast.ListComp | ast.SetComp):
            in_literal_skip.add(id(node.elt))  # an element's constructor, not a table
        if isinstance(node, ast.DictComp):
            in_literal_skip.update((id(node.key), id(node.value)))
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            # Rows of a table of pairs (pattern, colour): the row is dropped whole, never half of it.
            in_literal_skip.update(id(e) for e in node.elts if isinstance(e, ast.Tuple))

    for index, (node, context) in enumerate(nodes):
        if context.split(".")[0] in options.skip or context in options.skip:
            continue

        def add(
            op: str, apply: Callable[[ast.AST], None], index: int = index, context: str = context
        ) -> None:
            sites.append((index, f"{context}: {op}", apply))

        # Module constants and class defaults: NAME = 256 * 1024, threshold: float = 15.0, flag = True.
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            value = node.value
            if _numeric_expr(value):
                for delta in (1, -1):
                    add(f"{_short(value)} {delta:+d}", _set_value(delta))
            elif isinstance(value, ast.Constant) and isinstance(value.value, bool):
                add(f"{value.value} -> {not value.value}", _flip_bool)

        # Meta(ge=…, le=…, max_length=…) bounds, moved by one either way.
        if isinstance(node, ast.Call) and _call_name(node).rsplit(".", 1)[-1] == "Meta":
            for k, keyword in enumerate(node.keywords):
                if keyword.arg in _BOUNDS:
                    for delta in (1, -1):
                        add(f"Meta {keyword.arg}={_short(keyword.value)} {delta:+d}", _move_bound(k, delta))

        # Literal["a", "b"] members of wire fields.
        if options.literals and isinstance(node, ast.Subscript) and _call_name(node.value) == "Literal":
            members = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            if len(members) > 1:
                for m, member in enumerate(members):
                    add(f"Literal drop {_short(member)}", _drop_literal(m))

        # Dict entries: deleted, value changed.
        if isinstance(node, ast.Dict) and id(node) not in in_meta:
            for k, (key, value) in enumerate(zip(node.keys, node.values, strict=True)):
                label = _short(key) if key is not None else f"**{_short(value)}"
                add(f"drop [{label}]", _drop_dict_entry(k))
                if key is not None and isinstance(value, ast.Constant) and not isinstance(value.value, bool):
                    if isinstance(value.value, str):
                        add(f"[{label}] = {_changed_string(value.value)!r}", _dict_value_string(k))
                    elif isinstance(value.value, int | float):
                        add(f"[{label}] {value.value} +1", _dict_value_number(k))

        # Members of set/frozenset/tuple/list literals (not inside Meta, Literal, re.compile, Annotated).
        if (
            isinstance(node, ast.Set | ast.Tuple | ast.List)
            and id(node) not in in_meta
            and id(node) not in in_literal_skip
            and len(node.elts) >= 1
            and not any(isinstance(e, ast.Starred) for e in node.elts)
            and not isinstance(getattr(node, "ctx", None), ast.Store)
        ):
            for m, member in enumerate(node.elts):
                what = _row_label(member) if isinstance(member, ast.Call) else _short(member)
                add(f"drop {what} from {_short(node, 30)}", _drop_member(m))

        # String arguments of dict.fromkeys((…), "door_open") and similar table calls.
        if isinstance(node, ast.Call) and _call_name(node) == "dict.fromkeys" and len(node.args) == 2:
            value = node.args[1]
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                add(
                    f"fromkeys({_short(node.args[0], 24)}) = {_changed_string(value.value)!r}",
                    _fromkeys_value,
                )

        # Fields of table rows: ReasonDescription(severity="down", functions=_P, cause="jam", …).
        if isinstance(node, ast.Call) and _call_name(node) in options.rows:
            fields = options.rows[_call_name(node)]
            row = _row_label(node)
            for k, keyword in enumerate(node.keywords):
                if keyword.arg not in fields:
                    continue
                kv = keyword.value
                if isinstance(kv, ast.Constant) and isinstance(kv.value, bool):
                    sites.append((index, f"{row}.{keyword.arg}: {kv.value} -> {not kv.value}", _row_bool(k)))
                elif isinstance(kv, ast.Constant) and isinstance(kv.value, str):
                    new = _changed_string(kv.value)
                    sites.append((index, f"{row}.{keyword.arg}: {kv.value!r} -> {new!r}", _row_string(k)))
                elif isinstance(kv, ast.Name) and kv.id in _NAME_CYCLES:
                    sites.append(
                        (index, f"{row}.{keyword.arg}: {kv.id} -> {_NAME_CYCLES[kv.id]}", _row_name(k))
                    )

        # Comparisons in module-level expressions (lambdas of table-driven rules).
        if isinstance(node, ast.Compare):
            for c, op in enumerate(node.ops):
                if type(op) in _FLIPS:
                    add(f"flip {type(op).__name__} in {_short(node)}", _flip_compare(c))
    return sites


def _call_name(node: ast.AST) -> str:
    func = node.func if isinstance(node, ast.Call) else node
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        base = _call_name(func.value)
        return f"{base}.{func.attr}" if base else func.attr
    return ""


def _row_label(node: ast.Call) -> str:
    for keyword in node.keywords:
        if keyword.arg in ("code", "key") and isinstance(keyword.value, ast.Constant):
            return f"{_call_name(node)}({keyword.value.value})"
    return _call_name(node)


# Appliers: each receives the node found again in a fresh copy of the tree.


def _set_value(delta: int) -> Callable[[ast.AST], None]:
    def apply(node: ast.AST) -> None:
        assert isinstance(node, ast.Assign | ast.AnnAssign)
        assert node.value is not None
        node.value = _plus_one(node.value, delta)

    return apply


def _flip_bool(node: ast.AST) -> None:
    assert isinstance(node, ast.Assign | ast.AnnAssign)
    assert isinstance(node.value, ast.Constant)
    node.value = ast.Constant(not node.value.value)


def _move_bound(k: int, delta: int) -> Callable[[ast.AST], None]:
    def apply(node: ast.AST) -> None:
        assert isinstance(node, ast.Call)
        node.keywords[k].value = _plus_one(node.keywords[k].value, delta)

    return apply


def _drop_literal(m: int) -> Callable[[ast.AST], None]:
    def apply(node: ast.AST) -> None:
        assert isinstance(node, ast.Subscript)
        assert isinstance(node.slice, ast.Tuple)
        del node.slice.elts[m]

    return apply


def _drop_dict_entry(k: int) -> Callable[[ast.AST], None]:
    def apply(node: ast.AST) -> None:
        assert isinstance(node, ast.Dict)
        del node.keys[k]
        del node.values[k]

    return apply


def _dict_value_string(k: int) -> Callable[[ast.AST], None]:
    def apply(node: ast.AST) -> None:
        assert isinstance(node, ast.Dict)
        value = node.values[k]
        assert isinstance(value, ast.Constant)
        node.values[k] = ast.Constant(_changed_string(value.value))

    return apply


def _dict_value_number(k: int) -> Callable[[ast.AST], None]:
    def apply(node: ast.AST) -> None:
        assert isinstance(node, ast.Dict)
        node.values[k] = _plus_one(node.values[k], 1)

    return apply


def _drop_member(m: int) -> Callable[[ast.AST], None]:
    def apply(node: ast.AST) -> None:
        assert isinstance(node, ast.Set | ast.Tuple | ast.List)
        del node.elts[m]

    return apply


def _fromkeys_value(node: ast.AST) -> None:
    assert isinstance(node, ast.Call)
    value = node.args[1]
    assert isinstance(value, ast.Constant)
    node.args[1] = ast.Constant(_changed_string(value.value))


def _row_bool(k: int) -> Callable[[ast.AST], None]:
    def apply(node: ast.AST) -> None:
        assert isinstance(node, ast.Call)
        value = node.keywords[k].value
        assert isinstance(value, ast.Constant)
        node.keywords[k].value = ast.Constant(not value.value)

    return apply


def _row_string(k: int) -> Callable[[ast.AST], None]:
    def apply(node: ast.AST) -> None:
        assert isinstance(node, ast.Call)
        value = node.keywords[k].value
        assert isinstance(value, ast.Constant)
        node.keywords[k].value = ast.Constant(_changed_string(value.value))

    return apply


def _row_name(k: int) -> Callable[[ast.AST], None]:
    def apply(node: ast.AST) -> None:
        assert isinstance(node, ast.Call)
        value = node.keywords[k].value
        assert isinstance(value, ast.Name)
        node.keywords[k].value = ast.Name(_NAME_CYCLES[value.id], ast.Load())

    return apply


def _flip_compare(c: int) -> Callable[[ast.AST], None]:
    def apply(node: ast.AST) -> None:
        assert isinstance(node, ast.Compare)
        node.ops[c] = _FLIPS[type(node.ops[c])]()

    return apply


def generate(path: str) -> list[Mutant]:
    """Return every module-level mutant of one module (``agent/printers/state.py``)."""
    source = (ROOT / path).read_text()
    options = OPTIONS.get(path, TableOptions())
    template = ast.parse(source, filename=path)
    mutants: list[Mutant] = []
    seen: dict[str, int] = {}
    for index, label, apply in _sites(template, options):
        tree = ast.parse(source, filename=path)
        node = list(_scope_nodes(tree))[index][0]
        apply(node)
        ast.fix_missing_locations(tree)
        line = getattr(node, "lineno", 0)
        count = seen.get(label, 0)
        seen[label] = count + 1
        mutant_id = label if count == 0 else f"{label} #{count + 1}"
        try:
            code = compile(tree, str(ROOT / path), "exec")
        except (SyntaxError, ValueError):
            continue  # e.g. an empty Literal[]: not a program
        mutants.append(Mutant(mutant_id, line, code))
    return mutants


# --------------------------------------------------------------------------- running


def preload(tests: list[str]) -> None:
    """Import the project and its tests once, before forking, then forget the test modules.

    A child then executes the mutated module over the already imported one (its functions and
    every ``from module import X`` made after that see the mutated tables) and imports the test
    modules afresh, so that they bind the mutated names. Collection happens once, not per mutant.
    """
    import pytest

    os.chdir(ROOT)
    with open(os.devnull, "w") as quiet:
        saved = os.dup(1), os.dup(2)
        os.dup2(quiet.fileno(), 1)
        os.dup2(quiet.fileno(), 2)
        try:
            pytest.main([*tests, "--collect-only", "-q", "-p", "no:cacheprovider"])
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
    tests_folder = str(ROOT / "tests")
    for name, module in list(sys.modules.items()):
        if (getattr(module, "__file__", None) or "").startswith(tests_folder):
            del sys.modules[name]


def _rebind(module: str, clean: dict[str, object]) -> None:
    """Point the project's ``from module import name`` at the objects the mutated module defines.

    Modules imported before the mutant (``collector.history`` imports ``LABELS`` from
    ``collector.availability``) would otherwise keep the clean objects: a process-wide table in
    two versions, or a clean function called where the mutated one should be.
    """
    new = sys.modules[module].__dict__
    for name, other in list(sys.modules.items()):
        if name == module or not name.startswith(("agent.", "collector.")):
            continue
        for key, value in list(vars(other).items()):
            if key in clean and clean[key] is value and key in new and new[key] is not value:
                setattr(other, key, new[key])


def run_one(path: str, code: CodeType, tests: list[str], *, timeout: float, log: Path | None = None) -> str:
    """Run ``tests`` against the module compiled as ``code``; return killed, survived or timeout.

    :func:`preload` must have imported the module first.
    """
    module = path.removesuffix(".py").replace("/", ".")
    pid = os.fork()
    if pid == 0:  # child
        try:
            fd = os.open(str(log) if log else os.devnull, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            import pytest

            clean = dict(sys.modules[module].__dict__)
            exec(code, sys.modules[module].__dict__)
            _rebind(module, clean)
            for name in OPTIONS.get(path, TableOptions()).rebuild:
                if name in sys.modules:
                    importlib.reload(sys.modules[name])

            os.chdir(ROOT)
            args = [
                *tests,
                "-x",
                "-q",
                "-p",
                "no:cacheprovider",
                "--no-header",
                "-o",
                "console_output_style=classic",
            ]
            status = int(pytest.main(args))
        except BaseException:
            status = 3
        sys.stdout.flush()
        os._exit(status)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code_ = os.waitstatus_to_exitcode(status)
            if code_ == 0:
                return "survived"
            if code_ in (4, 5):
                return f"error (pytest exit {code_})"
            return "killed"
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout"
        time.sleep(0.05)


def clean_source(path: str) -> CodeType:
    """Return the unmutated module compiled the same way as its mutants (the clean run's baseline)."""
    return compile(ast.parse((ROOT / path).read_text(), filename=path), str(ROOT / path), "exec")
