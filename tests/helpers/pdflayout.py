"""Read a rendered report back: the HTML's words with their table cells, the PDF's words with their boxes.

The checks the layout tests run on them: words that overlap, words running out of their cell,
table rows split across pages (``tests/test_report_layout.py`` says how the matching works).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

from helpers.processes import require_program

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
SPACES = re.compile(r"[\s\u00a0\u202f]+")


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
            if SPACES.fullmatch(item[0]):
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
            for piece in SPACES.split(unescape(found.group(5))):
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


def show_pairs(pairs: list[tuple[Word, Word]]) -> str:
    return "\n".join(f"page {a.page}: {a.text!r} ({a.x0:.1f}-{a.x1:.1f}, {a.y0:.1f}) and {b.text!r} "
                     f"({b.x0:.1f}-{b.x1:.1f}, {b.y0:.1f})" for a, b in pairs[:20])  # fmt: skip
