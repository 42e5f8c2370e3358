"""The report says what the structure could not act on (issue 14, point 3): « dont indisponibilités extérieures ».

A hand-computed November 2026 at a site open Mo-Fr 09:00-12:00,14:00-18:00 (11 November off):

* Monday 2, 10:00-11:10: the internet link is cut (1 h 10 = 4,200 s of open time);
* Tuesday 3, 14:00-16:00: the CAF's site does not answer, the link works (2 h = 7,200 s);
* Wednesday 4, 09:00-10:00: both public PCs are off (1 h = 3,600 s, the structure's).

``postes`` (two PCs, one suffices, both need ``internet``): down 4,200 + 3,600 = 7,800 s, of which
4,200 s external (« accès internet »). ``bornes`` (one kiosk that needs the link and the CAF's
site only): down 4,200 + 7,200 = 11,400 s, all external (« accès internet », « site de la CAF
injoignable »). ``impression`` needs nothing: untouched.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

from collector.history import History
from collector.report.build import Report, build_report
from collector.report.render import render_csv, render_html, render_json
from collector.sites import load_sites

from helpers.periods import HOURS, t
from helpers.sites import member, service, site, sites_toml

LINK = ("internet", "site_caf", "site_ameli")
SITES = sites_toml(
    site(
        "maurepas",
        name="ESC Maurepas",
        opening_hours=HOURS,
        devices={
            "internet": member("l'accès internet", functions=LINK),
            "hp": member("l'imprimante de l'accueil"),
        },
        agents={
            "pc1": member("le poste 1"),
            "pc2": member("le poste 2"),
            "borne-caf": member("la borne CAF", needs=["site_caf"]),
        },
        services={
            "postes": service(pcs=["pc1", "pc2"], needs=["internet"]),
            "bornes": service(pcs=["borne-caf"], needs=["internet"]),
            "impression": service(devices=["hp"]),
            "internet": service(devices=["internet"]),
        },
    )
)
START = t("2026-10-01 00:00")


def rows() -> list[tuple[str, str, str, float, str, tuple[str, ...], str]]:
    """The month's transitions (every member ok from 1 October, then the three events)."""
    out = [("maurepas", "device", "internet", START, "ok", (), f) for f in LINK]
    out += [("maurepas", "device", "hp", START, "ok", (), "print")]
    out += [("maurepas", "pc", p, START, "ok", (), "") for p in ("pc1", "pc2", "borne-caf")]
    for f in LINK:  # the agent's judge: the link first, every function down with it
        out += [("maurepas", "device", "internet", t("2026-11-02 10:00"), "down", ("internet_unreachable",), f),
                ("maurepas", "device", "internet", t("2026-11-02 11:10"), "ok", (), f)]  # fmt: skip
    out += [
        ("maurepas", "device", "internet", t("2026-11-03 14:00"), "down", ("site_unreachable",), "site_caf"),
        ("maurepas", "device", "internet", t("2026-11-03 16:00"), "ok", (), "site_caf"),
    ]
    for pc in ("pc1", "pc2"):
        out += [("maurepas", "pc", pc, t("2026-11-04 09:00"), "down", ("pc_off",), ""),
                ("maurepas", "pc", pc, t("2026-11-04 10:00"), "ok", (), "")]  # fmt: skip
    return out


def report_of(tmp_path: Path) -> Report:
    (tmp_path / "sites.toml").write_text(SITES)
    history = History(tmp_path / "history.sqlite3")
    history.record_many(rows())
    generated = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    report = build_report(history, load_sites(tmp_path / "sites.toml"), dt.date(2026, 11, 1), dt.date(2026, 11, 30),
                          generated=generated)  # fmt: skip
    history.close()
    return report


def test_figures_split(tmp_path: Path) -> None:
    report = report_of(tmp_path)
    (maurepas,) = report.sites
    postes, bornes, printing, link = (
        maurepas.service(n) for n in ("postes", "bornes", "impression", "internet")
    )
    assert None not in (postes, bornes, printing, link)
    assert [s.name for s in maurepas.services] == ["postes", "impression", "bornes", "internet"]
    assert (postes.figures.down_seconds, postes.figures.external_seconds) == (7_800, 4_200)
    assert postes.figures.causes == [("internet", 4_200, 1), ("pc_off", 3_600, 1)]
    assert (bornes.figures.down_seconds, bornes.figures.external_seconds) == (11_400, 11_400)
    assert bornes.figures.causes == [("site:caf", 7_200, 1), ("internet", 4_200, 1)]
    assert (printing.figures.down_seconds, printing.figures.external_seconds) == (0, 0)
    assert (link.figures.down_seconds, link.figures.external_seconds) == (4_200, 4_200)
    # Availability stays the real one; « hors causes extérieures » adds the external time back.
    measured = postes.figures.measured_seconds
    assert postes.figures.availability == (measured - 7_800) / measured
    assert postes.figures.availability_without_external == (measured - 3_600) / measured
    # The kiosk's own figures say the same.
    (kiosk,) = bornes.members
    assert (kiosk.figures.down_seconds, kiosk.figures.external_seconds) == (11_400, 11_400)


def test_html_says_it_apart(tmp_path: Path) -> None:
    html = render_html(report_of(tmp_path))
    (tmp_path / "rapport.html").write_text(html)
    assert "dont indisponibilités extérieures (accès internet, sites administratifs)" in html
    # The row « dont indisponibilités extérieures »: one duration per service (postes, impression, bornes, internet).
    row = html.split("dont indisponibilités extérieures (accès internet, sites administratifs)</th>", 1)[1]
    row = row.split("</tr>", 1)[0].replace("\u00a0", " ")
    assert re.findall(r'<span class="value">([^<]*)</span>', row) == ["1 h 10", "aucune", "3 h 10", "1 h 10"]
    assert (
        "site de la CAF injoignable : 1\u00a0fois, 2\u00a0h ; accès internet : 1\u00a0fois, 1\u00a0h\u00a010"
        in html
    )
    assert "Disponibilité hors causes extérieures" in html
    sentence = next(line for line in html.splitlines() if 'class="sentence"' in line).replace("\u00a0", " ")
    assert "indisponibilités extérieures (accès internet, site de la CAF injoignable) :" in sentence
    assert (
        "1 h 10 pour les postes en libre-service et 3 h 10 pour les bornes et sites administratifs"
        in sentence
    )
    # The outages table gives each outage's external part.
    assert "dont extérieure : 1\u00a0h\u00a010" in html or "dont extérieure : 1 h 10" in html


def test_csv_and_json(tmp_path: Path) -> None:
    report = report_of(tmp_path)
    table = list(csv.DictReader(io.StringIO(render_csv(report).lstrip("\ufeff")), delimiter=";"))
    line = next(r for r in table if r["identifiant service"] == "bornes" and r["niveau"] == "service")
    assert line["dont indisponibilités extérieures (h)"] == "3,1667"
    assert line["causes principales"] == "site de la CAF injoignable, accès internet"
    data = json.loads(render_json(report))
    postes = next(s for s in data["sites"][0]["services"] if s["service"] == "postes")
    assert postes["external_seconds"] == 4_200
    assert [(c["cause"], c["label"], c["external"]) for c in postes["causes"]] == [
        ("internet", "accès internet", True),
        ("pc_off", "poste éteint ou hors ligne", False),
    ]
    assert [o["external_seconds"] for o in postes["outages"]] == [4_200, 0]


def test_the_pdf_keeps_the_external_rows_in_their_cells(tmp_path: Path) -> None:
    """The layout checks of test_report_layout on this report: no word overlaps, none out of its cell."""
    from weasyprint import HTML

    from helpers.pdflayout import crowded_cells, html_tokens, match, overlaps, pdf_words, split_rows

    html = render_html(report_of(tmp_path))
    pdf = tmp_path / "rapport.pdf"
    pdf.write_bytes(HTML(string=html).write_pdf())
    words = pdf_words(pdf)
    assert not overlaps(words)
    tokens = html_tokens(html)
    found, missing = match(tokens, words)
    assert not missing, [m.text for m in missing[:15]]
    assert not crowded_cells(tokens, found)
    assert split_rows(tokens, found) == {}
