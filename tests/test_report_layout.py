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
from pathlib import Path

import pytest

from collector.report.render import render_html

from helpers.pdflayout import (
    SPACES,
    crowded_cells,
    html_tokens,
    match,
    overlaps,
    pdf_words,
    show_pairs,
    split_rows,
    tables_across_pages,
)
from helpers.processes import require_program
from helpers.report import seeded_report

ARTEFACTS = Path(__file__).parent.parent / "test-artifacts"


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
    assert not found, "overlapping words:\n" + show_pairs(found)


def test_every_word_is_in_its_cell_and_no_row_splits(rendered: tuple[str, Path]) -> None:
    html, pdf = rendered
    tokens = html_tokens(html)
    found, missing = match(tokens, pdf_words(pdf))
    assert not missing, (
        f"{len(missing)} HTML words not found in the PDF, first: {[m.text for m in missing[:15]]}"
    )
    crowded = crowded_cells(tokens, found)
    assert not crowded, "words of neighbouring cells touch:\n" + show_pairs(crowded)
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
    flat = " ".join(SPACES.split(first))
    assert "Rapport produit le 01/12/2026 à 19:38 (heure de Paris)." in flat
    assert "En novembre 2026, à l'ESC Maurepas, les postes en libre-service ont été disponibles" in flat
    assert "UTC" not in flat
