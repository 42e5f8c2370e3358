"""The report's maintenance half (collector/report/maintenance.py), on a history written by hand.

November 2026 at a site open around the clock (open time is calendar time), October before it:

* pages: the HP prints 500 pages in October and 500 in November, across a counter reset on
  12 November (200 before, 300 after); the old printer, retired on 16 November, 600 pages between
  its readings of 15 October and 16 November, cut in proportion at 1 November; the new one,
  arrived on 16 November (another serial), 300 — and nothing the month before it existed;
* sessions: the first PC 40 in October, 30 + 30 in November across an agent restart (a new
  ``since``: a new segment); the second PC never sent a count;
* the HP's black toner: its second cartridge (its whole life seen: 5,800 pages in 36 days, nominal
  6,000) is replaced on 10 November; the third is ordered on 25 November and read every day,
  2 points a day from 100: 60 on 30 November, empty on 30 December;
* the old printer's toner « replaced » after it left: not its site's any more, not listed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from html import unescape
from pathlib import Path

import pytest

from collector.history import Cartridge, History
from collector.report.build import build_report
from collector.report.maintenance import count_fr, yield_fr
from collector.report.render import render_csv, render_html, render_json
from collector.sites import load_sites

from helpers.periods import t
from helpers.sites import member, service, site, sites_toml

NNBSP = "\u202f"
NBSP = "\u00a0"
BLACK = "Black Cartridge HP CF410A"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("maintenance")
    (folder / "sites.toml").write_text(
        sites_toml(
            site("maurepas", name="ESC Maurepas", opening_hours="24/7",
                 devices={"hp": member("l'imprimante de l'accueil"), "old": member("l'ancien copieur", until="2026-11-16"),
                          "new": member("le nouveau copieur", since="2026-11-16")},
                 agents={"pc1": member("le poste 1"), "pc2": member("le poste 2")},
                 services={"impression": service(devices=["hp", "old", "new"]), "postes": service(pcs=["pc1", "pc2"])})
        )
    )  # fmt: skip
    sites = load_sites(folder / "sites.toml")
    history = History(folder / "history.sqlite3")
    pages = [
        ("hp", "2026-10-01 00:00", 1000, "CN1"), ("hp", "2026-11-01 00:00", 1500, "CN1"),
        ("hp", "2026-11-10 00:00", 1700, "CN1"), ("hp", "2026-11-12 00:00", 100, "CN1"),  # a new main board
        ("hp", "2026-12-01 00:00", 400, "CN1"),
        ("old", "2026-10-15 00:00", 50_000, "OLD"), ("old", "2026-11-16 00:00", 50_600, "OLD"),
        ("new", "2026-11-16 00:00", 10, "NEW"), ("new", "2026-11-30 00:00", 310, "NEW"),
    ]  # fmt: skip
    sessions = [("2026-10-20 00:00", 0, "A"), ("2026-11-01 00:00", 40, "A"), ("2026-11-15 00:00", 70, "A"),
                ("2026-11-15 12:00", 3, "B"), ("2026-11-30 00:00", 33, "B")]  # fmt: skip
    history.record_counters(
        [("maurepas", "device", d, "pages", t(at), float(v), src) for d, at, v, src in pages]
        + [("maurepas", "pc", "pc1", "session_starts", t(at), float(v), src) for at, v, src in sessions]
    )
    toner = {
        "role": "toner",
        "colour": "black",
        "description": BLACK,
        "precision": "exact",
        "printer_serial": "CN1",
    }
    for cartridge in (
        Cartridge("maurepas", "hp", "1.1", 1, t("2026-09-01 09:00"), "first", start_pages=0,
                  ended=t("2026-10-05 09:00"), end_pages=5000, **toner),  # type: ignore[arg-type]
        Cartridge("maurepas", "hp", "1.1", 2, t("2026-10-05 09:00"), "level", start_pages=5000, nominal_pages=6000,
                  ended=t("2026-11-10 09:00"), end_pages=10_800, order_at=t("2026-10-28 10:00"), **toner),  # type: ignore[arg-type]
        Cartridge("maurepas", "hp", "1.1", 3, t("2026-11-10 09:00"), "level", start_pages=10_800, nominal_pages=6000,
                  order_at=t("2026-11-25 10:00"), order_until=t("2026-11-25 18:00"), order_days=9.6, **toner),  # type: ignore[arg-type]
        Cartridge("maurepas", "old", "1.1", 1, t("2026-10-01 09:00"), "first", role="toner", colour="black",
                  description="Black Toner", ended=t("2026-11-20 09:00")),
        Cartridge("maurepas", "old", "1.1", 2, t("2026-11-20 09:00"), "level", role="toner", colour="black",
                  description="Black Toner"),
    ):  # fmt: skip
        history.start_cartridge(cartridge)
    history.record_supplies(
        ("maurepas", "hp", "1.1", 3, t(f"2026-11-{10 + d:02d} 00:00"), 100.0 - 2 * d, "ok", None)
        for d in range(21)
    )
    built = build_report(history, sites, dt.date(2026, 11, 1), dt.date(2026, 11, 30),
                         generated=dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC))  # fmt: skip
    history.close()
    return built


def test_usage_over_each_member_life_and_across_resets(report) -> None:  # type: ignore[no-untyped-def]
    usage = report.sites[0].maintenance.usage
    old_share = (t("2026-11-16 00:00") - t("2026-11-01 00:00")) / (
        t("2026-11-16 00:00") - t("2026-10-15 00:00")
    )
    by_member = {m.member: (m.count, m.previous) for m in usage.printers}
    assert by_member["hp"] == (pytest.approx(500), pytest.approx(500))
    assert by_member["old"] == (pytest.approx(600 * old_share), pytest.approx(600 * (1 - old_share)))
    assert by_member["new"] == (pytest.approx(300), None)  # it did not exist in October
    assert usage.pages == pytest.approx(800 + 600 * old_share)
    assert usage.previous_pages == pytest.approx(500 + 600 * (1 - old_share))
    assert [(m.member, m.count, m.previous) for m in usage.pcs] == [
        ("pc1", 60.0, 40.0)
    ]  # pc2 counted nothing
    assert (usage.sessions, usage.previous_sessions) == (60.0, 40.0)


def test_replacements_orders_and_outlook(report) -> None:  # type: ignore[no-untyped-def]
    found = report.sites[0].maintenance
    (replaced,) = found.replacements  # the old printer's, after it left, is not listed
    assert (replaced.name, replaced.supply, replaced.at) == ("l'imprimante de l'accueil", "toner noir (CF410A)",
                                                             t("2026-11-10 09:00"))  # fmt: skip
    # 5 October to 10 November: 36 days and the hour daylight saving time gave back.
    assert (replaced.pages, replaced.nominal_pages, replaced.days) == (5800, 6000, pytest.approx(36 + 1 / 24))
    assert (
        yield_fr(replaced)
        == f"5{NNBSP}800{NBSP}pages en 36{NBSP}jours (nominal{NBSP}: 6{NNBSP}000{NBSP}pages, soit 97{NNBSP}%)"
    )
    (order,) = found.orders  # October's order is the month before's
    assert (order.at, order.supply, order.empty_in) == (
        t("2026-11-25 10:00"),
        "toner noir (CF410A)",
        f"~10{NBSP}jours",
    )
    (toner,) = found.outlook  # the old printer left before the end
    assert toner.as_of == t("2026-12-01 00:00")
    assert (toner.level, toner.forecast.basis) == (60.0, "level")
    # The last step (62 → 60) is at 29 November 12:00, at 61: 30.5 days more, 30 December 00:00.
    assert toner.forecast.empty_at == pytest.approx(t("2026-12-30 00:00"), abs=60)
    assert toner.remaining == f"encore ~4{NBSP}semaines"


def test_csv_and_json_carry_the_usage(report) -> None:  # type: ignore[no-untyped-def]
    rows = list(csv.DictReader(io.StringIO(render_csv(report).lstrip("\ufeff")), delimiter=";"))
    service_row = next(
        r for r in rows if r["niveau"] == "service" and r["identifiant service"] == "impression"
    )
    assert (service_row["pages imprimées"], service_row["pages imprimées, période précédente"]) == (
        "1081",
        "819",
    )
    assert service_row["consommables remplacés"] == "1"
    assert service_row["sessions ouvertes"] == ""
    new = next(r for r in rows if r["identifiant appareil ou poste"] == "new")
    assert (new["pages imprimées"], new["pages imprimées, période précédente"]) == ("300", "non mesuré")
    pc1 = next(r for r in rows if r["identifiant appareil ou poste"] == "pc1")
    assert (pc1["sessions ouvertes"], pc1["sessions ouvertes, période précédente"], pc1["pages imprimées"]) == (
        "60", "40", "")  # fmt: skip
    pc2 = next(r for r in rows if r["identifiant appareil ou poste"] == "pc2")
    assert pc2["sessions ouvertes"] == "non mesuré"
    data = json.loads(render_json(report))["sites"][0]["maintenance"]
    assert data["pages"] == pytest.approx(1081.25, abs=0.5)
    assert data["previous_sessions"] == 40.0
    assert data["replacements"][0] | {"at": 0} == {
        "device": "hp", "name": "l'imprimante de l'accueil", "supply": "toner noir (CF410A)", "at": 0,
        "detected": "level", "replaced_pages": 5800, "replaced_nominal_pages": 6000,
        "replaced_days": pytest.approx(36 + 1 / 24),
    }  # fmt: skip
    assert data["orders"] == [{"device": "hp", "name": "l'imprimante de l'accueil", "supply": "toner noir (CF410A)",
                               "at": t("2026-11-25 10:00"), "days_left": 9.6}]  # fmt: skip
    (supply,) = data["supplies"]
    assert (supply["status"], supply["basis"], supply["precision"]) == ("ok", "level", "exact")
    assert supply["days_left"] == pytest.approx(29, abs=0.01)


def test_html_sections(report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    html = unescape(render_html(report))
    assert "Usage : pages imprimées et sessions ouvertes" in html
    assert f'<span class="value">{count_fr(1081.25)}</span><span class="prev">octobre : 819</span>' in html
    assert f"1{NNBSP}081" == count_fr(1081.25)
    assert "Tous les postes" in html
    assert "Consommables" in html
    assert "5\u202f800\u00a0pages en 36\u00a0jours" in html
    assert "Commandes conseillées pendant novembre 2026" in html
    assert (
        "le 25/11/2026 à 10:00, toner noir (CF410A) pour l'imprimante de l'accueil (vide dans ~10\u00a0jours)"
        in html
    )
    assert "encore ~4\u00a0semaines" in html
    assert "l'ancien copieur" not in html.split("Consommables", 1)[1]  # gone before the end


def test_the_demo_month_shows_usage_replacements_and_forecasts(tmp_path: Path) -> None:
    """The demo seeds what ``esc-collector demo`` seeds; its report month has all three, in the PDF too."""
    import subprocess

    from collector.demo import (
        DEMO_PRINTERS,
        DEMO_SITES,
        report_month,
        seed_history,
        seed_maintenance,
        seed_start,
    )
    from collector.report.render import render_pdf
    from collector.sites import Calendar

    from helpers.processes import REPO, require_program

    (tmp_path / "sites.toml").write_text(DEMO_SITES)
    sites = load_sites(tmp_path / "sites.toml")
    maurepas = sites.sites["maurepas"]
    now = t("2026-12-01 18:00")
    start = seed_start(now, maurepas.tz)
    history = History(tmp_path / "history.sqlite3")
    members = [("device", d) for d, _r, _n in DEMO_PRINTERS] + [("pc", "accueil-pc1")]
    functions = {device: entry.functions for device, entry in maurepas.devices.items()}
    seed_history(history, "maurepas", members, start, now - 60, functions=functions)
    seed_maintenance(history, "maurepas", start, now - 60, calendar=Calendar(maurepas))
    first, last = report_month(now, maurepas.tz)
    built = build_report(
        history, sites, first, last, generated=dt.datetime(2026, 12, 1, 17, 0, tzinfo=dt.UTC)
    )
    history.close()
    found = built.sites[0].maintenance
    assert found is not None
    assert found.usage.pages
    assert found.usage.previous_pages
    assert len(found.usage.printers) == 4
    assert found.usage.sessions
    assert found.usage.previous_sessions
    assert found.replacements
    assert any(r.pages for r in found.replacements)  # a real yield beside a nominal one
    assert found.orders
    assert sum(o.forecast.ok for o in found.outlook) >= 3
    brother = next(o for o in found.outlook if o.device == "brother-salle")  # « some remaining » only
    assert (brother.forecast.basis, brother.forecast.precision) == ("pages", "presence")
    html = unescape(render_html(built))
    for words in (
        "Usage : pages imprimées et sessions ouvertes",
        "Consommables",
        "Commandes conseillées",
        "encore ~",
    ):
        assert words in html, words
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render_pdf(built))
    text = subprocess.run([require_program("pdftotext", "poppler-utils"), str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    assert "Pages imprimées" in text
    assert "Le précédent a imprimé" in text
    page = next(i for i, chunk in enumerate(text.split("\f"), start=1) if "Consommables" in chunk)
    prefix = REPO / "test-artifacts" / "report-maintenance"
    subprocess.run([require_program("pdftoppm", "poppler-utils"), "-f", str(page), "-l", str(page), "-r", "80",
                    "-png", str(pdf), str(prefix)], check=True)  # fmt: skip
