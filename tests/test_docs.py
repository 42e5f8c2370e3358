"""References to the project's documents point at files and sections that exist, inside the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from helpers.processes import REPO

_SUFFIXES = {".py", ".md", ".sh", ".toml", ".j2", ".tmpl", ".yml"}


def _tracked() -> list[Path]:
    """Return the repository's own files (git's index: no virtualenv, no node_modules, no artefacts)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    return [REPO / name for name in listed.decode().split("\0") if name]


SOURCES = sorted(
    path
    for path in _tracked()
    if path.suffix in _SUFFIXES and path.is_file() and path != Path(__file__).resolve()
)
REFERENCE = re.compile(r"docs/([a-z0-9_-]+\.md)(?:\s*§\s*(\d+))?")
SECTION = re.compile(r"^## (\d+)\. ", re.M)


def _references() -> list[tuple[str, str, str | None]]:
    found = []
    for path in SOURCES:
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in REFERENCE.finditer(text):
            found.append((str(path.relative_to(REPO)), match.group(1), match.group(2)))
    return found


REFERENCES = _references()


def test_the_code_cites_the_design_notes() -> None:
    cited = {(doc, section) for _where, doc, section in REFERENCES}
    assert {("design.md", "3"), ("design.md", "5"), ("design.md", "9"), ("stack-notes.md", "2")} <= cited


@pytest.mark.parametrize(
    ("where", "doc", "section"), REFERENCES, ids=[f"{w}:{d}§{s}" for w, d, s in REFERENCES]
)
def test_a_reference_points_at_an_existing_document_and_section(
    where: str, doc: str, section: str | None
) -> None:
    path = REPO / "docs" / doc
    assert path.is_file(), f"{where} cites docs/{doc}, which does not exist"
    if section is not None:
        sections = SECTION.findall(path.read_text(encoding="utf-8"))
        assert section in sections, f"{where} cites docs/{doc} §{section}; its sections are {sections}"


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(REPO)) for p in SOURCES])
def test_nothing_cites_notes_outside_the_repository(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    assert not re.search(r"\.\./shared/|/work/shared|STACK-NOTES|GLOSSAIRE\.md|DESIGN\.md", text), path


def test_the_readme_links_the_coordinators_notes() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "(docs/rapport-coordinateur.md)" in readme
    notes = (REPO / "docs" / "rapport-coordinateur.md").read_text(encoding="utf-8")
    assert "## « Non mesuré »" in notes
    assert "`since`" in notes
    assert "`until`" in notes
