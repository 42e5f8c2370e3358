"""The HTML report is accessible (RGAA): axe-core in headless Chromium finds nothing serious or critical.

The seeded report (three sites, tables, charts, colours) is opened as a file at a phone's width
and at a desktop's; its structure is also checked directly: language, landmarks, headings, and
tables with captions and headers that say what they head.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from collector.report.render import render_html

from helpers.accessibility import browser_page, describe, run_axe, serious
from helpers.report import seeded_report

ARTEFACTS = Path(__file__).parent.parent / "test-artifacts"


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("accessible")
    path = folder / "rapport.html"
    path.write_text(render_html(seeded_report(folder)), encoding="utf-8")
    return path


@pytest.mark.parametrize("width", [360, 1280])
def test_axe_finds_nothing_serious(page_file: Path, width: int) -> None:
    with browser_page(width) as page:
        page.goto(page_file.as_uri(), wait_until="load")
        found = run_axe(page)
        if width == 360:
            ARTEFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTEFACTS / "report-html-phone.png"), full_page=False)
    assert not serious(found), describe(found)
    assert not found, describe(found)  # nothing moderate or minor either, as it stands


class _Structure(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.open: list[str] = []
        self.tables: list[dict[str, object]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "table":
            self.tables.append({"caption": False, "col": [], "row": []})
        elif tag == "caption" and self.tables:
            self.tables[-1]["caption"] = True
        elif tag == "th" and self.tables:
            where = "col" if "thead" in self.open else "row"
            self.tables[-1][where].append(attributes.get("scope"))  # type: ignore[union-attr]
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag)]


def test_language_landmarks_and_table_headers(page_file: Path) -> None:
    parser = _Structure()
    parser.feed(page_file.read_text(encoding="utf-8"))
    tags = [tag for tag, _attributes in parser.tags]
    assert parser.tags[0] == ("html", {"lang": "fr"})
    assert (tags.count("main"), tags.count("header"), tags.count("h1")) == (1, 1, 1)
    assert tags.count("section") >= 5  # summary, reading, socle, chart, one per site
    assert len(parser.tables) >= 7  # the socle, then services, interruptions and members per open site
    for table in parser.tables:
        assert table["caption"], table
        assert set(table["col"]) == {"col"}, table  # type: ignore[arg-type]
        assert set(table["row"]) <= {"row"}, table  # type: ignore[arg-type]
        assert table["row"], table  # each row says what it is about
    svgs = [attributes for tag, attributes in parser.tags if tag == "svg"]
    assert svgs
    assert all(a.get("aria-hidden") == "true" for a in svgs)  # charts repeat the tables
    assert all(a.get("aria-label") for tag, a in parser.tags if a.get("role") == "img")
