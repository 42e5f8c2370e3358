"""The coordinator report: HTML parsed, PDF rendered to an image, CSV numbers equal the engine's."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from collector.availability import compute, service_segments
from collector.history import History
from collector.sites import Calendar, load_sites

from helpers.periods import HOURS, MONTH, NOV_END, NOV_START, t
from helpers.processes import require_program, run_cli
from helpers.sites import service, site, sites_toml

IMPRESSION = service(devices=["hp", "sharp"], min_usable=1)
MAUREPAS = site(
    "maurepas",
    name="ESC Maurepas",
    opening_hours=HOURS,
    services={"impression": IMPRESSION, "postes": service(pcs=["pc1"])},
)
KLEBER = site(
    "kleber",
    name="ESC Kléber",
    opening_hours="Mo-Fr 09:00-18:00; Nov off",
    services={"impression": service(devices=["canon"])},
)
SITES = sites_toml(MAUREPAS, KLEBER)


@pytest.fixture
def reporting(tmp_path: Path) -> Path:
    """A collector config whose history holds a known month."""
    (tmp_path / "sites.toml").write_text(SITES)
    config = tmp_path / "collector.toml"
    config.write_text(
        '[sites]\nfile = "sites.toml"\n[history]\npath = "history.sqlite3"\n[availability]\nblip_seconds = 0\n'
    )
    history = History(tmp_path / "history.sqlite3")
    for item in MONTH:
        history.record("maurepas", "device", "hp", item.ts, item.state, item.reasons)
    # The second printer is down on 10 November 11:30-12:00 too: only that half hour is a service outage.
    history.record("maurepas", "device", "sharp", NOV_START, "ok")
    history.record("maurepas", "device", "sharp", t("2026-11-10 11:30"), "down", ("toner_empty",))
    history.record("maurepas", "device", "sharp", t("2026-11-10 12:00"), "ok")
    history.record("maurepas", "pc", "pc1", NOV_START, "ok")
    history.record("kleber", "device", "canon", NOV_START, "ok")
    history.close()
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


def test_csv_numbers_equal_the_engine(reporting: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.csv"
    report(reporting, out, "csv")
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    service = next(
        r
        for r in rows
        if r["site"] == "maurepas" and r["service"] == "impression" and r["level"] == "service"
    )
    expected = engine(reporting)["figures"]
    assert float(service["open_seconds"]) == expected.open_seconds == 504_000  # type: ignore[attr-defined]
    assert float(service["up_seconds"]) == expected.up_seconds  # type: ignore[attr-defined]
    assert float(service["availability"]) == pytest.approx(expected.availability, abs=1e-6)  # type: ignore[attr-defined]
    # Only the half hour when both printers were down is a service outage.
    assert int(service["outages"]) == 1
    assert float(service["outage_seconds"]) == 1_800
    assert service["main_causes"] == "toner"
    hp = next(r for r in rows if r["member"] == "hp")
    assert (hp["level"], int(hp["outages"]), float(hp["outage_seconds"])) == ("device", 3, 12_600)
    kleber = next(r for r in rows if r["site"] == "kleber")
    assert (kleber["open_seconds"], kleber["availability"]) == ("0", "")  # sans objet, not 0 % or 100 %


def test_json_report(reporting: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    report(reporting, out, "json", "--site", "maurepas")
    data = json.loads(out.read_text())
    assert [s["site"] for s in data["sites"]] == ["maurepas"]
    impression = next(s for s in data["sites"][0]["services"] if s["service"] == "impression")
    assert impression["outages"][0]["start"] == "10/11/2026 11:30"
    assert impression["outages"][0]["causes"] == ["toner"]
    assert [d["member"] for d in impression["devices"]] == ["hp", "sharp"]


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
    html = out.read_text()
    parser = _Collect()
    parser.feed(html)
    assert {"socle", "chart-availability", "chart-outages", "site-maurepas", "site-kleber"} <= parser.ids
    assert parser.svg >= 2  # both charts embedded
    expected = engine(reporting)["figures"]
    availability = f"{expected.availability * 100:.1f}".replace(".", ",") + "\u202f%"  # type: ignore[attr-defined]
    assert availability in parser.text["availability"]
    assert "sans objet" in html  # Kléber was closed all month
    assert "bourrage papier" in html or "toner ou encre vide" in html
    assert "10/11/2026 11:30" in html
    assert "non proposé" in html  # numérisation is not offered
    assert 'lang="fr"' in html


def test_pdf_report_renders(reporting: Path, tmp_path: Path) -> None:
    pdftoppm = require_program("pdftoppm", "poppler-utils")
    out = tmp_path / "report.pdf"
    report(reporting, out, "pdf")
    assert out.read_bytes().startswith(b"%PDF")
    subprocess.run(
        [pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "1", str(out), str(tmp_path / "page")], check=True
    )
    page = next(tmp_path.glob("page*.png"))
    assert page.stat().st_size > 10_000  # a rendered page, not a blank one
    artefacts = Path(__file__).parent.parent / "test-artifacts"
    artefacts.mkdir(exist_ok=True)
    page.replace(artefacts / "report-page-1.png")


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
    ]:
        bad = tmp_path / "bad.toml"
        bad.write_text(text)
        result = run_cli("esc-collector", "sites", "validate", "--file", str(bad))
        assert result.returncode == 2, text
        assert message in result.stderr
        assert "Traceback" not in result.stderr
