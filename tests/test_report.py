"""The coordinator report through the CLI: CSV for French Excel, JSON for machines, HTML for people.

The history holds a November 2026 whose figures were computed by hand (``helpers/periods.py``)
and an October written here with its own hand computation, so that every figure has its
previous period's beside it. The PDF's layout and the accessibility of the HTML have their own
test modules (``test_report_layout.py``, ``test_report_accessibility.py``).
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from collector.availability import compute, service_segments
from collector.history import History
from collector.sites import Calendar, load_sites

from helpers.periods import HOURS, MONTH, NOV_END, NOV_START, t
from helpers.processes import require_program, run_cli
from helpers.sites import member, service, site, sites_toml

IMPRESSION = service(devices=["hp", "sharp"], min_usable=1)
MAUREPAS = site(
    "maurepas",
    name="ESC Maurepas",
    opening_hours=HOURS,
    devices={"hp": member("le copieur de l'accueil"), "sharp": member("l'imprimante du 1er étage")},
    agents={"pc1": member("le poste 1", since="2026-11-01")},  # installed in November
    services={"impression": IMPRESSION, "postes": service(pcs=["pc1"])},
)
KLEBER = site(
    "kleber",
    name="ESC Kléber",
    opening_hours="Mo-Fr 09:00-18:00; Nov off",
    devices={"canon": member("la borne CAF")},
    services={"impression": service(devices=["canon"])},
)
SITES = sites_toml(MAUREPAS, KLEBER)

# October 2026, open Mo-Fr 09:00-12:00 and 14:00-18:00, no public holiday: 22 weekdays x 7 h.
OCT_OPEN = 22 * 7 * 3600  # 554,400 s
NOV_OPEN = 20 * 7 * 3600  # 504,000 s: 21 weekdays minus Wednesday 11 November


def write_history(path: Path) -> None:
    """October by hand, then November (``MONTH`` for the copier), each member in time order."""
    history = History(path)
    # October: the copier jams 10:00-11:00 on Thursday 15, the printer is out of toner 10:00-10:30
    # the same morning; the service (1 of 2) is down only while both are: 30 min.
    history.record("maurepas", "device", "hp", t("2026-10-01 00:00"), "ok")
    history.record("maurepas", "device", "hp", t("2026-10-15 10:00"), "down", ("jam",))
    history.record("maurepas", "device", "hp", t("2026-10-15 11:00"), "ok")
    for item in MONTH:
        history.record("maurepas", "device", "hp", item.ts, item.state, item.reasons)
    history.record("maurepas", "device", "sharp", t("2026-10-01 00:00"), "ok")
    history.record("maurepas", "device", "sharp", t("2026-10-15 10:00"), "down", ("toner_empty",))
    history.record("maurepas", "device", "sharp", t("2026-10-15 10:30"), "ok")
    # November: the printer is down 10 November 11:30-12:00 too: only that half hour is a service outage.
    history.record("maurepas", "device", "sharp", t("2026-11-10 11:30"), "down", ("toner_empty",))
    history.record("maurepas", "device", "sharp", t("2026-11-10 12:00"), "ok")
    # The PC reports from 1 November on: in October it did not exist yet, « postes » is not measured.
    history.record("maurepas", "pc", "pc1", NOV_START, "ok")
    history.record("kleber", "device", "canon", NOV_START, "ok")
    history.close()


@pytest.fixture
def reporting(tmp_path: Path) -> Path:
    """A collector config whose history holds a known October and November."""
    (tmp_path / "sites.toml").write_text(SITES)
    config = tmp_path / "collector.toml"
    config.write_text(
        '[sites]\nfile = "sites.toml"\n[history]\npath = "history.sqlite3"\n[availability]\nblip_seconds = 0\n'
    )
    write_history(tmp_path / "history.sqlite3")
    return config


def report(config: Path, out: Path, fmt: str, *extra: str) -> None:
    result = run_cli("esc-collector", "report", "--config", str(config), "--from", "2026-11-01", "--to", "2026-11-30",
                     "--format", fmt, "--out", str(out), *extra)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def engine(config: Path) -> dict[str, object]:
    sites = load_sites(config.parent / "sites.toml")
    history = History(config.parent / "history.sqlite3")
    site = sites.sites["maurepas"]
    calendar = Calendar(site)
    timelines = history.timelines("maurepas", NOV_START, NOV_END)
    members = {f"device:{m}": timelines[("device", m, "")] for m in ("hp", "sharp")}
    figures = compute(service_segments(members, 1, NOV_START, NOV_END), calendar.open_intervals(NOV_START, NOV_END),
                      start=NOV_START, end=NOV_END)  # fmt: skip
    history.close()
    return {"figures": figures}


def french_number(text: str) -> float:
    """Read a number as French Excel does: decimal comma, no thousands separator here."""
    assert "." not in text, text
    return float(text.replace(",", "."))


def test_csv_for_french_excel(reporting: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.csv"
    report(reporting, out, "csv")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the accents right
    text = raw.decode("utf-8-sig")
    assert "\r\n" in text
    header = text.splitlines()[0]
    assert header.startswith(
        "période;ESC;niveau;service;appareil ou poste;règle;objectif (%);temps d'ouverture (h)"
    )
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    printing = next(r for r in rows if r["ESC"] == "ESC Maurepas" and r["service"] == "impression"
                    and r["niveau"] == "service")  # fmt: skip
    expected = engine(reporting)["figures"]
    # Hours with a decimal comma: 504,000 s = 140 h; up = 504,000 - 1,800 = 502,200 s = 139,5 h.
    assert french_number(printing["temps d'ouverture (h)"]) == expected.open_seconds / 3600 == 140  # type: ignore[attr-defined]
    assert printing["disponible (h)"] == "139,5"
    # 502,200 / 504,000 = 99.642857... %, written with three decimals at most.
    assert printing["disponibilité (%)"] == "99,643"
    assert french_number(printing["disponibilité (%)"]) == pytest.approx(
        expected.availability * 100, abs=1e-3
    )  # type: ignore[attr-defined]
    # October: 30 min down out of 554,400 s open: 552,600 / 554,400 = 99.675 %.
    assert printing["disponibilité, période précédente (%)"] == "99,675"
    assert (printing["interruptions"], printing["interruptions, période précédente"]) == ("1", "1")
    assert printing["durée des interruptions (h)"] == "0,5"
    assert printing["causes principales"] == "toner ou encre vide"
    assert (printing["règle"], printing["objectif (%)"], printing["période"]) == (
        "au moins 1 des 2 imprimantes", "98", "novembre 2026",
    )  # fmt: skip
    hp = next(r for r in rows if r["identifiant appareil ou poste"] == "hp")
    assert (hp["niveau"], hp["appareil ou poste"]) == ("appareil", "Le copieur de l'accueil")
    # 3 outages, 12,600 s = 3,5 h; 3,600 s not measured out of 504,000 = 0.714 %.
    assert (hp["interruptions"], hp["durée des interruptions (h)"], hp["non mesuré (h)"]) == ("3", "3,5", "1")
    assert hp["non mesuré (% du temps d'ouverture)"] == "0,714"
    postes = next(r for r in rows if r["service"] == "postes en libre-service" and r["niveau"] == "service")
    assert (postes["disponibilité (%)"], postes["disponibilité, période précédente (%)"]) == (
        "100",
        "non mesuré",
    )
    kleber = next(r for r in rows if r["ESC"] == "ESC Kléber")
    assert (kleber["temps d'ouverture (h)"], kleber["disponibilité (%)"]) == ("0", "sans objet")


def test_json_report(reporting: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    report(reporting, out, "json", "--site", "maurepas")
    data = json.loads(out.read_text())
    assert [s["site"] for s in data["sites"]] == ["maurepas"]
    assert (data["previous_from"], data["previous_to"]) == ("2026-10-01", "2026-10-31")
    maurepas = data["sites"][0]
    assert (maurepas["target"], maurepas["open_seconds"], maurepas["previous_open_seconds"]) == (
        0.98, NOV_OPEN, OCT_OPEN,
    )  # fmt: skip
    impression = next(s for s in maurepas["services"] if s["service"] == "impression")
    assert impression["outages"][0]["start"] == "10/11/2026 11:30"
    assert impression["outages"][0]["causes"] == ["toner"]
    assert impression["availability"] == pytest.approx((NOV_OPEN - 1_800) / NOV_OPEN)
    assert impression["previous"]["availability"] == pytest.approx((OCT_OPEN - 1_800) / OCT_OPEN)
    assert [(d["member"], d["name"]) for d in impression["devices"]] == [
        ("hp", "le copieur de l'accueil"), ("sharp", "l'imprimante du 1er étage"),
    ]  # fmt: skip
    # The copier's October: 1 h down out of 554,400 s.
    assert impression["devices"][0]["previous"]["down_seconds"] == 3_600
    postes = next(s for s in maurepas["services"] if s["service"] == "postes")
    assert (postes["previous"]["availability"], postes["previous"]["unknown_seconds"]) == (None, OCT_OPEN)
    assert postes["devices"][0]["previous"] is None  # the PC did not exist in October


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[dict[str, str | None]] = []
        self.text: dict[str, list[str]] = {}
        self.ids: set[str] = set()
        self.svg = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(str(attributes["id"]))
        if tag == "svg":
            self.svg += 1
        self.stack.append(attributes)

    def handle_endtag(self, tag: str) -> None:
        if self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        for attributes in self.stack:
            for cls in str(attributes.get("class") or "").split():
                self.text.setdefault(cls, []).append(data.strip())


def test_html_report(reporting: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    report(reporting, out, "html")
    html = unescape(out.read_text())
    parser = _Collect()
    parser.feed(html)
    assert {
        "socle",
        "chart-availability",
        "chart-outages-maurepas",
        "site-maurepas",
        "site-kleber",
    } <= parser.ids
    assert parser.svg >= 2  # the availability chart and Maurepas's timeline
    expected = engine(reporting)["figures"]
    availability = f"{expected.availability * 100:.1f}".replace(".", ",") + "\u202f%"  # type: ignore[attr-defined]
    assert availability in parser.text["value"]
    # The summary sentence, first thing under « En bref ». By hand: postes 504,000 / 504,000 up,
    # October not measured (the PC did not exist); impression 502,200 / 504,000 = 99,6 %,
    # October 552,600 / 554,400 = 99,7 %; both at or above the default 98 % target.
    assert (
        "En novembre 2026, à l'ESC Maurepas, les postes en libre-service ont été disponibles 100,0\u202f% du "
        "temps d'ouverture (octobre\u00a0: non mesuré) et l'impression 99,6\u202f% (octobre\u00a0: 99,7\u202f%)\u202f; "
        "objectif de 98\u202f% atteint."
    ) in html
    assert (
        "En novembre 2026, l'ESC Kléber n'a eu aucune heure d'ouverture\u00a0: disponibilité sans objet "
        "(octobre\u00a0: impression non mesuré)." in html
    )
    assert "toner ou encre vide : 1\u00a0fois, 30\u00a0min" in html
    assert "10/11/2026 à 11:30" in html
    assert "non proposé" in html  # numérisation is not offered
    assert 'lang="fr"' in html
    # Names, never ids.
    assert "Le copieur de l'accueil" in html
    assert "L'imprimante du 1er étage" in html
    assert not re.search(r">\s*(hp|sharp|pc1|canon)\s*<", html)
    assert "au moins 1 des 2 imprimantes" in html
    assert "UTC" not in html
    assert re.search(r"Rapport produit le \d\d/\d\d/\d{4} à \d\d:\d\d \(heure de Paris\)", html)


def test_pdf_through_the_cli(reporting: Path, tmp_path: Path) -> None:
    pdftotext = require_program("pdftotext", "poppler-utils")
    out = tmp_path / "rapport.pdf"
    report(reporting, out, "pdf")
    assert out.read_bytes().startswith(b"%PDF")
    text = subprocess.run([pdftotext, "-f", "1", "-l", "1", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    flat = " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())
    assert (
        "En novembre 2026, à l'ESC Maurepas, les postes en libre-service ont été disponibles 100,0 %" in flat
    )
    assert "(heure de Paris)" in flat


def test_report_usage_errors(reporting: Path, tmp_path: Path) -> None:
    bad = run_cli("esc-collector", "report", "--config", str(reporting), "--from", "2026-11-31", "--to", "2026-11-30",
                  "--out", str(tmp_path / "x.html"))  # fmt: skip
    assert (bad.returncode, "--from" in bad.stderr) == (2, True)
    reversed_period = run_cli("esc-collector", "report", "--config", str(reporting), "--from", "2026-11-30",
                              "--to", "2026-11-01", "--out", str(tmp_path / "x.html"))  # fmt: skip
    assert reversed_period.returncode == 2
    unknown = run_cli("esc-collector", "report", "--config", str(reporting), "--from", "2026-11-01", "--to",
                      "2026-11-30", "--site", "nowhere", "--out", str(tmp_path / "x.html"))  # fmt: skip
    assert (unknown.returncode, "nowhere" in unknown.stderr) == (2, True)


def test_sites_validate(tmp_path: Path) -> None:
    good = tmp_path / "sites.toml"
    good.write_text(SITES)
    result = run_cli("esc-collector", "sites", "validate", "--file", str(good))
    assert result.returncode == 0, result.stderr
    assert "2 site(s), valid" in result.stdout
    postes = MAUREPAS.services["postes"]
    for text, message in [
        (
            sites_toml(MAUREPAS.replace(opening_hours="Lundi 9h,14:00-18:00; PH off"), KLEBER),
            "invalid opening_hours",
        ),
        (
            sites_toml(
                MAUREPAS.replace(
                    services={"impression": service(devices=["hp"], min_usable=2), "postes": postes}
                ),
                KLEBER,
            ),
            "min_usable = 2",
        ),
        (
            sites_toml(MAUREPAS, KLEBER, site("x", name="X", opening_hours="24/7", timezone="Mars/Olympus")),
            "unknown time zone",
        ),
        (
            sites_toml(
                MAUREPAS, KLEBER, site("y", name="Y", opening_hours="24/7", holidays_subdivision="99")
            ),
            "subdivision",
        ),
        (
            sites_toml(MAUREPAS.replace(services={"impression": IMPRESSION, "cafe": postes}), KLEBER),
            "services.cafe",
        ),
        (sites_toml(MAUREPAS.replace(target=98), KLEBER), "sites.maurepas.target: expected float <= 1.0"),
    ]:
        bad = tmp_path / "bad.toml"
        bad.write_text(text)
        result = run_cli("esc-collector", "sites", "validate", "--file", str(bad))
        assert result.returncode == 2, text
        assert message in result.stderr
        assert "Traceback" not in result.stderr
