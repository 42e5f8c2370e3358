"""The PDF report's layout, read back from the PDF: no two words overlap, no table row splits across pages.

A month seeded like the demo's (several printers and PCs, long names, a member replaced, a
closed site) is rendered to HTML and, through WeasyPrint, to PDF. Poppler's ``pdftotext -raw
-bbox`` gives every word of the PDF with its page and box, in the order WeasyPrint drew them
(the document's order). Each word of the HTML is matched to the PDF's words in that order
(a word hyphenated at a line end is two PDF words), tagged with its table row and cell, then:

* no two words of a page have boxes that overlap (« DisponibilitéNon » is two overlapping words);
* words of two different cells side by side keep a gap (a word running out of its column);
* every word of a table row is on one page;
* every HTML word is found in the PDF (a word missing or glued to its neighbour is a collision).

The pages are turned into PNG files in ``test-artifacts/`` (report-page-*.png) to be looked at.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from collector.report.render import render_html

from helpers.processes import require_program
from helpers.report import seeded_report

ARTEFACTS = Path(__file__).parent.parent / "test-artifacts"


# --------------------------------------------------------------------------- the HTML's words


@dataclass(frozen=True)
class Token:
    """A word of the HTML and where it sits: its table, row and cell (``-1``: outside any)."""

    text: str
    table: int
    row: int
    cell: int


#: Inline tags: a word may run across them (« <strong>01/11/2026</strong>, »).
_INLINE = {"strong", "em", "b", "i", "code", "a", "abbr"}
_SKIPPED = {"head", "style", "title", "svg", "script"}
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


class _Words(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chars: list[tuple[str, int, int, int]] = []
        self.skipping = 0
        self.table = self.row = self.cell = -1
        self.counts = {"table": -1, "tr": -1, "cell": -1}

    def _boundary(self) -> None:
        self.chars.append((" ", -1, -1, -1))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        if tag == "table":
            self.counts["table"] += 1
            self.table = self.counts["table"]
        elif tag == "tr":
            self.counts["tr"] += 1
            self.row = self.counts["tr"]
        elif tag in ("td", "th"):
            self.counts["cell"] += 1
            self.cell = self.counts["cell"]
        if tag not in _INLINE:
            self._boundary()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping -= 1
        if tag == "table":
            self.table = -1
        elif tag == "tr":
            self.row = -1
        elif tag in ("td", "th"):
            self.cell = -1
        if tag not in _INLINE:
            self._boundary()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.chars.extend((c, self.table, self.row, self.cell) for c in data)

    def tokens(self) -> list[Token]:
        out: list[Token] = []
        current: list[tuple[str, int, int, int]] = []
        for item in [*self.chars, (" ", -1, -1, -1)]:
            if _SPACES.fullmatch(item[0]):
                if current:
                    places = {c[1:] for c in current}
                    assert len(places) == 1, f"a word across two cells in the HTML: {current}"
                    table, row, cell = places.pop()
                    out.append(Token("".join(c[0] for c in current), table, row, cell))
                current = []
            else:
                current.append(item)
        return out


def html_tokens(html: str) -> list[Token]:
    """Return the words of the HTML's body in document order, tagged with their table cell."""
    parser = _Words()
    parser.feed(html)
    return parser.tokens()


# --------------------------------------------------------------------------- the PDF's words


@dataclass(frozen=True)
class Word:
    """A word of the PDF: its page (from 1), text and box in points."""

    page: int
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


def pdf_words(pdf: Path) -> list[Word]:
    """Return the PDF's words in drawing order (``pdftotext -raw``) with their boxes."""
    pdftotext = require_program("pdftotext", "poppler-utils")
    xhtml = subprocess.run([pdftotext, "-raw", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout  # fmt: skip
    words: list[Word] = []
    page = 0
    for line in xhtml.splitlines():
        if "<page " in line:
            page += 1
        found = _WORD.search(line)
        if found:
            x0, y0, x1, y1 = (float(v) for v in found.groups()[:4])
            for piece in _SPACES.split(unescape(found.group(5))):
                if piece:
                    words.append(Word(page, piece, x0, y0, x1, y1))
    return words


def match(
    tokens: list[Token], words: list[Word], window: int = 250
) -> tuple[dict[int, list[Word]], list[Token]]:
    """Match each HTML word to the PDF's words, in order; return the matches and the words not found.

    A PDF word may be the start of an HTML word hyphenated at a line end (« Disponi- » « bilité »,
    « libre- » « service »). PDF words matching no HTML word (repeated table headers, page
    footers) are skipped, ``window`` words at most.
    """
    found: dict[int, list[Word]] = {}
    missing: list[Token] = []
    position = 0
    for index, token in enumerate(tokens):
        for start in range(position, min(position + window, len(words))):
            taken = _take(token.text, words, start)
            if taken is not None:
                found[index] = words[start:taken]
                position = taken
                break
        else:
            missing.append(token)
    return found, missing


#: What a line-end hyphenation leaves at the end of a PDF word (WeasyPrint writes U+2010).
_HYPHENS = {"-", "\u2010", "\u00ad"}


def _take(text: str, words: list[Word], start: int) -> int | None:
    built = ""
    index = start
    while index < len(words) and len(built) < len(text):
        piece = words[index].text
        if text.startswith(built + piece):
            built += piece
        elif piece[-1:] in _HYPHENS and text.startswith(built + piece[:-1]):
            built += piece[:-1]
        else:
            return None
        index += 1
    return index if built == text else None


def overlaps(words: list[Word], tolerance: float = 0.5) -> list[tuple[Word, Word]]:
    """Return the pairs of words of a page whose boxes overlap by more than ``tolerance`` points both ways."""
    out = []
    for page in {w.page for w in words}:
        on_page = sorted((w for w in words if w.page == page), key=lambda w: w.x0)
        for i, a in enumerate(on_page):
            for b in on_page[i + 1 :]:
                if b.x0 >= a.x1 - tolerance:
                    break
                wide = min(a.x1, b.x1) - max(a.x0, b.x0)
                high = min(a.y1, b.y1) - max(a.y0, b.y0)
                if wide > tolerance and high > tolerance:
                    out.append((a, b))
    return out


def crowded_cells(
    tokens: list[Token], found: dict[int, list[Word]], gap: float = 2.0
) -> list[tuple[Word, Word]]:
    """Return words of two different cells of a row, on one line, closer than ``gap`` points."""
    by_row: dict[int, list[tuple[int, Word]]] = {}
    for index, words in found.items():
        token = tokens[index]
        if token.row >= 0:
            by_row.setdefault(token.row, []).extend((token.cell, w) for w in words)
    out = []
    for placed in by_row.values():
        for i, (cell_a, a) in enumerate(placed):
            for cell_b, b in placed[i + 1 :]:
                same_line = min(a.y1, b.y1) - max(a.y0, b.y0) > 1 and a.page == b.page
                apart = max(b.x0 - a.x1, a.x0 - b.x1)
                if cell_a != cell_b and same_line and apart < gap:
                    out.append((a, b))
    return out


def split_rows(tokens: list[Token], found: dict[int, list[Word]]) -> dict[int, set[int]]:
    """Return the table rows whose words sit on more than one page, with those pages."""
    pages: dict[int, set[int]] = {}
    for index, words in found.items():
        if tokens[index].row >= 0:
            pages.setdefault(tokens[index].row, set()).update(w.page for w in words)
    return {row: on for row, on in pages.items() if len(on) > 1}


def tables_across_pages(tokens: list[Token], found: dict[int, list[Word]]) -> set[int]:
    """Return the tables that continue on a following page."""
    pages: dict[int, set[int]] = {}
    for index, words in found.items():
        if tokens[index].table >= 0:
            pages.setdefault(tokens[index].table, set()).update(w.page for w in words)
    return {table for table, on in pages.items() if len(on) > 1}


def _show(pairs: list[tuple[Word, Word]]) -> str:
    return "\n".join(f"page {a.page}: {a.text!r} ({a.x0:.1f}-{a.x1:.1f}, {a.y0:.1f}) and {b.text!r} "
                     f"({b.x0:.1f}-{b.x1:.1f}, {b.y0:.1f})" for a, b in pairs[:20])  # fmt: skip


# --------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The seeded report as HTML and PDF, the PDF from that very HTML."""
    from weasyprint import HTML

    folder = tmp_path_factory.mktemp("layout")
    html = render_html(seeded_report(folder))
    pdf = folder / "report.pdf"
    pdf.write_bytes(HTML(string=html).write_pdf())
    return html, pdf


def test_pages_are_rendered_for_people_to_look_at(rendered: tuple[str, Path]) -> None:
    _html, pdf = rendered
    pdftoppm = require_program("pdftoppm", "poppler-utils")
    ARTEFACTS.mkdir(exist_ok=True)
    for old in ARTEFACTS.glob("report-page-*.png"):
        old.unlink()
    subprocess.run([pdftoppm, "-png", "-r", "80", str(pdf), str(ARTEFACTS / "report-page")], check=True)
    pages = sorted(ARTEFACTS.glob("report-page-*.png"))
    assert len(pages) >= 4  # overview, then one page or more per site
    assert all(page.stat().st_size > 20_000 for page in pages)  # drawn pages, not blank ones


def test_no_two_words_overlap(rendered: tuple[str, Path]) -> None:
    _html, pdf = rendered
    words = pdf_words(pdf)
    assert len(words) > 1_000
    found = overlaps(words)
    assert not found, "overlapping words:\n" + _show(found)


def test_every_word_is_in_its_cell_and_no_row_splits(rendered: tuple[str, Path]) -> None:
    html, pdf = rendered
    tokens = html_tokens(html)
    found, missing = match(tokens, pdf_words(pdf))
    assert not missing, (
        f"{len(missing)} HTML words not found in the PDF, first: {[m.text for m in missing[:15]]}"
    )
    crowded = crowded_cells(tokens, found)
    assert not crowded, "words of neighbouring cells touch:\n" + _show(crowded)
    assert split_rows(tokens, found) == {}
    # The check is not vacuous: some tables do continue on the next page.
    assert len(tables_across_pages(tokens, found)) >= 1


def test_the_checks_catch_a_collision_and_a_split_row(tmp_path: Path) -> None:
    """The same checks on a page made to fail: columns narrower than their words, a row left to split."""
    from weasyprint import HTML

    cells = "".join(f"<td>{'Disponibilité' if n % 2 else 'Interruptions'}</td>" for n in range(8))
    lines = "<br>".join(f"ligne {n}" for n in range(30))
    html = (
        '<html lang="fr"><body><div style="height: 200mm">haut de page</div>'
        '<table style="table-layout: fixed; width: 80mm; border-collapse: collapse; font-size: 9pt">'
        f"<tr>{cells}</tr><tr><td>un</td><td>{lines}</td></tr></table></body></html>"
    )
    pdf = tmp_path / "bad.pdf"
    pdf.write_bytes(HTML(string=html).write_pdf())
    words = pdf_words(pdf)
    tokens = html_tokens(html)
    found, missing = match(tokens, words)
    assert overlaps(words)
    assert crowded_cells(tokens, found) or missing
    assert split_rows(tokens, found) == {1: {1, 2}}


def test_the_timeline_has_real_dates(rendered: tuple[str, Path]) -> None:
    html, _pdf = rendered
    timeline = html[html.index('id="chart-outages-maurepas"') :]
    timeline = timeline[: timeline.index("</figure>")]
    # The tick labels are text (svg.fonttype none): the Mondays of November 2026.
    assert re.findall(r">(\d\d/\d\d)</text>", timeline) == ["02/11", "09/11", "16/11", "23/11", "30/11"]
    assert "jours depuis" not in html


def test_the_first_page_reads_as_pasted(rendered: tuple[str, Path]) -> None:
    _html, pdf = rendered
    pdftotext = require_program("pdftotext", "poppler-utils")
    first = subprocess.run([pdftotext, "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout  # fmt: skip
    flat = " ".join(_SPACES.split(first))
    assert "Rapport produit le 01/12/2026 à 19:38 (heure de Paris)." in flat
    assert "En novembre 2026, à l'ESC Maurepas, les postes en libre-service ont été disponibles" in flat
    assert "UTC" not in flat
