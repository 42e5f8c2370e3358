"""The floors of docs/architecture.md, enforced on the import graph (static imports, AST)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("agent", "collector", "dashboards")


def _modules(package: str) -> dict[str, set[str]]:
    """Return ``{module: imported first-party modules}`` for every module of a package."""
    out: dict[str, set[str]] = {}
    for path in sorted((REPO / package).rglob("*.py")):
        module = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module)
                imported.update(f"{node.module}.{alias.name}" for alias in node.names)
        out[module] = {name for name in imported if name.split(".")[0] in PACKAGES}
    return out


GRAPH = {module: deps for package in PACKAGES for module, deps in _modules(package).items()}


def test_the_graph_sees_every_package() -> None:
    assert any(m.startswith("agent.contract") for m in GRAPH)
    assert any(m.startswith("collector.") for m in GRAPH)
    assert any(m.startswith("dashboards.") for m in GRAPH)


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if m.startswith("agent")))
def test_agent_never_imports_the_upper_floors(module: str) -> None:
    assert not {d for d in GRAPH[module] if d.split(".")[0] in ("collector", "dashboards")}


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if m.startswith("collector")))
def test_collector_imports_only_the_contract_and_shared_helpers_of_the_agent(module: str) -> None:
    from_agent = {d for d in GRAPH[module] if d.split(".")[0] == "agent"}
    allowed = ("agent.contract", "agent.shared")
    assert all(d.startswith(allowed) for d in from_agent), from_agent
    assert not {d for d in GRAPH[module] if d.split(".")[0] == "dashboards"}


@pytest.mark.parametrize(
    "module", sorted(m for m in GRAPH if m.startswith(("agent.contract", "agent.shared")))
)
def test_contract_and_shared_helpers_stand_alone(module: str) -> None:
    # The contract is what the collector may import: it must not drag the agent's machinery along.
    allowed = ("agent.contract", "agent.shared")
    assert all(d.startswith(allowed) or d == "agent" for d in GRAPH[module]), GRAPH[module]


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if m.startswith("agent.printers")))
def test_printers_compose_themselves(module: str) -> None:
    assert not {d for d in GRAPH[module] if d.startswith("agent.devices")}


def _package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else parts[0]


def test_no_import_cycle_between_subpackages() -> None:
    edges: dict[str, set[str]] = {}
    for module, deps in GRAPH.items():
        source = _package_of(module)
        for dep in deps:
            target = _package_of(dep)
            if target != source and target in {_package_of(m) for m in GRAPH}:
                edges.setdefault(source, set()).add(target)
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in done:
            return
        assert node not in visiting, f"import cycle: {' -> '.join([*path, node])}"
        visiting.add(node)
        for nxt in sorted(edges.get(node, ())):
            visit(nxt, [*path, node])
        visiting.discard(node)
        done.add(node)

    for node in sorted(edges):
        visit(node, [])


def test_no_test_file_imports_another() -> None:
    """What tests share lives in ``tests/helpers/``; a test module is never imported by another."""
    tests = REPO / "tests"
    names = {path.stem for path in tests.glob("test_*.py")}
    found = []
    for path in sorted(tests.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            found += [f"{path.relative_to(REPO)} imports {m}" for m in modules if m.split(".")[-1] in names]
    assert not found
