"""Function-body mutation with mutmut 3, one module at a time, each judged by its own tests.

mutmut reads ``[tool.mutmut]`` from the ``pyproject.toml`` of the folder it runs in and copies the
tree into ``mutants/``. To give each module its own tests, every module gets a work folder
``mutants/<module>/`` holding a copy of ``agent/``, ``collector/`` and ``tests/`` and a
``pyproject.toml`` whose ``[tool.mutmut]`` is the repository's, with ``only_mutate`` and the test
selection set for that module. mutmut keeps its results there (``mutants/<module>/mutants/*.meta``);
``mutmut show NAME`` run in that folder prints a mutant's diff.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "mutants"

#: mutmut 3.8's exit codes (mutmut/stats.py), folded into what the score counts. 255 is a worker that
#: raised before its tests ran (mutmut calls it a timeout): not a kill, so "suspicious" here.
_STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped", 37: "killed",
           36: "timeout", -24: "timeout", 24: "timeout", 152: "timeout", 255: "suspicious", -11: "killed", -9: "killed"}  # fmt: skip


@dataclass
class BodyResult:
    """mutmut's verdict on every mutant of one module."""

    module: str
    status: dict[str, str] = field(default_factory=dict)  # mutant name -> killed/survived/…

    def counts(self) -> Counter[str]:
        """Return how many mutants ended in each status."""
        return Counter(self.status.values())


def slug(path: str) -> str:
    """Return the work folder name of a module (``agent/printers/parse.py`` → ``agent.printers.parse``)."""
    return path.removesuffix(".py").replace("/", ".")


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def _pyproject(module: str, tests: list[str], *, fresh_process: bool = False) -> str:
    """Return the repository's pyproject.toml with ``[tool.mutmut]`` set for one module.

    With ``fresh_process``, each mutant runs in a process forked from mutmut's fork server, which
    collected the tests (imported the project and the test modules) but ran none of them.
    """
    text = (ROOT / "pyproject.toml").read_text()
    base = tomllib.loads(text).get("tool", {}).get("mutmut", {})
    # Drop the repository's own [tool.mutmut] table (up to the next table header).
    text = re.sub(r"(?ms)^\[tool\.mutmut\]\n.*?(?=^\[|\Z)", "", text)
    settings = dict(base)
    settings["only_mutate"] = [module]
    settings["pytest_add_cli_args_test_selection"] = tests
    if fresh_process:
        settings["process_isolation"] = "forkserver"
        settings["forkserver_warmup"] = "collect"
    lines = ["", "[tool.mutmut]"]
    for key, value in settings.items():
        if isinstance(value, list):
            lines.append(f"{key} = {_toml_list([str(v) for v in value])}")
        elif isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, int | float):
            lines.append(f"{key} = {value}")
        else:
            lines.append(f"{key} = {json.dumps(str(value))}")
    return text.rstrip() + "\n" + "\n".join(lines) + "\n"


def _ignore(folder: str, names: list[str]) -> set[str]:
    return {n for n in names if n in ("__pycache__", "node_modules", ".hypothesis") or n.endswith(".pyc")}


def prepare(module: str, tests: list[str], *, fresh: bool, fresh_process: bool = False) -> Path:
    """Lay out the module's work folder (a fresh copy of the tree unless ``fresh`` is false and it exists).

    ``fresh_process``: mutants run in processes that have run no test before (``Target.fresh_process``).
    """
    folder = WORK / slug(module)
    if fresh and folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("agent", "collector", "tests"):
        if not (folder / name).exists():
            shutil.copytree(ROOT / name, folder / name, ignore=_ignore)
    (folder / "pyproject.toml").write_text(_pyproject(module, tests, fresh_process=fresh_process))
    return folder


def run(
    module: str,
    tests: list[str],
    *,
    fresh: bool = True,
    children: int = 1,
    log: Path,
    only: list[str] | None = None,
    fresh_process: bool = False,
) -> BodyResult:
    """Run mutmut on one module's function bodies with its tests; return every mutant's status.

    With ``only`` (mutant names), run just those again against the current tests (the source
    copied by the first run is kept, so the names still point at the same mutants).
    """
    folder = prepare(module, tests, fresh=fresh and only is None, fresh_process=fresh_process)
    if only is not None:
        shutil.rmtree(folder / "tests")
        shutil.copytree(ROOT / "tests", folder / "tests", ignore=_ignore)
        shutil.rmtree(folder / "mutants" / "tests", ignore_errors=True)
        shutil.copytree(ROOT / "tests", folder / "mutants" / "tests", ignore=_ignore)
        if not only:
            return load(module)
    mutmut = Path(sys.executable).with_name("mutmut")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    with log.open("a" if only else "w") as out:
        subprocess.run(
            [str(mutmut), "run", "--max-children", str(children), *(only or [])],
            cwd=folder,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            check=False,
        )
    return load(module)


def load(module: str) -> BodyResult:  # reads WORK at call time: __main__ may point it elsewhere
    """Read the verdicts mutmut left in the module's work folder."""
    meta = WORK / slug(module) / "mutants" / f"{module}.meta"
    result = BodyResult(module)
    if not meta.exists():
        return result
    data = json.loads(meta.read_text())
    for name, code in data.get("exit_code_by_key", {}).items():
        result.status[name] = "not checked" if code is None else _STATUS.get(code, "suspicious")
    return result


def diffs(module: str, names: list[str]) -> str:
    """Return the diffs of some mutants (mutmut's own rendering), read in the module's work folder."""
    if not names:
        return ""
    script = (
        "import sys\n"
        "from mutmut.__main__ import get_diff_for_mutant, find_mutant\n"
        "for name in sys.argv[1:]:\n"
        "    print('#', name)\n"
        "    try:\n"
        "        print(get_diff_for_mutant(name, path=find_mutant(name).path))\n"
        "    except Exception as err:\n"
        "        print('  (no diff:', type(err).__name__, err, ')')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *names],
        cwd=WORK / slug(module),
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout + done.stderr
