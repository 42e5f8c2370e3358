"""The secretariat's status page on real processes, in headless Chromium at a phone's width.

Mosquitto, ``esc-collector run``, ``esc-agent run`` and snmpsim serving a real printer recording
(an HP LaserJet M880 with a paper jam in tray 2 and its black cartridge nearly empty). The page
is read as a phone shows it (360 CSS pixels): its texts, its layout (no cell wider than the
screen), a screenshot kept in ``test-artifacts/status-phone.png``, and axe-core on every page.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from agent.contract import french

from helpers.accessibility import browser_page, describe, run_axe, serious
from helpers.agent import printer_block, start_agent, write_agent_config
from helpers.broker import Broker
from helpers.collector import start_collector
from helpers.processes import REPO, stop_process, wait_for
from helpers.recordings import jammed, recording, supply_level
from helpers.sites import member, service, site, sites_toml
from helpers.snmp import Simulator

TECH = "Jean Dupont (APRAS), 02 99 11 22 33"
SITES = sites_toml(
    site(
        "maurepas",
        name="ESC Maurepas",
        opening_hours="24/7",
        contact="secretariat.maurepas@example.org",
        contacts={"technicien": TECH},
        devices={"imprimante-accueil": member("l'imprimante de l'accueil")},
        agents={"accueil-pc1": member("le poste 1 de l'accueil")},
        services={
            "impression": service(devices=["imprimante-accueil"]),
            "postes": service(pcs=["accueil-pc1"]),
        },
    ),
    site("kleber", name="ESC Kléber", opening_hours="off"),
    contacts={"accessibilite": "Mission numérique des ESC, accessibilite@example.org"},
)
#: Every cell's right edge and the page's scroll width, against the viewport's width.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const cells = [...document.querySelectorAll('td, th, caption')].map(c => c.getBoundingClientRect());
  return {width, scroll: document.documentElement.scrollWidth, cells: cells.length,
          over: cells.filter(r => r.right > width + 0.5 || r.left < -0.5).length};
}"""


def contrast(foreground: str, background: str) -> float:
    """Return the WCAG contrast ratio of two CSS ``rgb(r, g, b)`` colours."""

    def luminance(css: str) -> float:
        channels = [int(v) / 255 for v in css[css.index("(") + 1 : css.index(")")].split(",")[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def texts(page: Any, selector: str) -> list[str]:
    """Return the visible text of every element matching ``selector``."""
    return [" ".join(t.split()) for t in page.locator(selector).all_inner_texts()]


def test_status_page_on_a_phone(tmp_path: Path, mosquitto: Broker, snmpsim: Simulator) -> None:
    printer = supply_level(jammed(recording("jetdirect_m880")), "1.1", 5, 100)
    slot = snmpsim.claim(printer)
    collector = start_collector(tmp_path / "collector", mosquitto, sites=SITES)
    # The agent's own name for the printer loses to sites.toml's.
    extra = (
        printer_block("imprimante-accueil", snmpsim.port, slot, "HP M880 (nom de l'agent)")
        + "[devices]\ninterval = 5\n"
    )
    config = write_agent_config(tmp_path / "agent", extra=extra, interval=5)
    agent = start_agent(config, mosquitto, tmp_path / "agent.log")
    artefacts = REPO / "test-artifacts"
    artefacts.mkdir(exist_ok=True)
    try:
        wait_for(lambda: collector.value("esc_device_up", site="maurepas", device="imprimante-accueil") == 1.0,
                 timeout=30, what="the printer")  # fmt: skip
        wait_for(
            lambda: "Bourrage" in collector.get("/site/maurepas")[1], timeout=15, what="the jam on the page"
        )
        with browser_page(width=360, height=800) as page:
            page.goto(f"{collector.url}/site/maurepas")
            assert page.locator("html").get_attribute("lang") == "fr"
            assert texts(page, "#open-state") == ["ouvert"]
            colours = page.evaluate(
                "() => { const s = getComputedStyle(document.querySelector('#open-state'));"
                " return [s.color, s.backgroundColor]; }"
            )
            assert contrast(*colours) >= 4.5, colours  # AA (it was white on light green, 1.3:1)
            updated = texts(page, "#updated")[0]
            now = time.time()
            assert updated in {f"mis à jour à {french.time_of_day(now - d, 'Europe/Paris')}" for d in (0, 60)}
            summary = texts(page, "#summary")[0]
            cards = texts(page, "#todo li")
            assert summary == "3 choses à faire ; impression : indisponible.", "\n".join(cards)
            assert "Tout fonctionne" not in summary
            jam = next(c for c in cards if "Bourrage papier dans le bac 2" in c)
            assert "L'imprimante de l'accueil" in jam
            assert "nom de l'agent" not in jam
            assert any(
                "Remettre du papier dans le bac 1 de l'imprimante de l'accueil" in c for c in cards
            )  # recorded
            toner = next(c for c in cards if "Toner noir" in c)
            assert (
                "Toner noir presque vide (5 %)" in toner
            )  # texts() turns the narrow no-break space into a space
            assert "Prévoir une cartouche de toner noir (CF300A) pour l'imprimante de l'accueil" in toner
            assert texts(page, "#services caption") == ["Services pendant les horaires d'ouverture"]
            rows = {r.split(" ", 1)[0]: r for r in texts(page, "#services tbody tr")}
            assert "indisponible" in rows["impression"]  # one printer, jammed
            assert page.locator("#services th[scope=col]").count() == 3
            assert page.locator("#services th[scope=row]").count() == 2
            assert page.locator("header").count() == 1
            assert page.locator("main").count() == 1
            assert page.locator("nav").count() == 1
            assert page.locator("footer a[href='/accessibilite']").count() == 1
            assert "<script" not in page.content().lower()
            # 360 px: nothing wider than the screen; the « Ce mois » column is on it.
            layout = page.evaluate(OVERFLOW)
            assert layout["cells"] > 10
            assert layout == {**layout, "width": 360, "scroll": 360, "over": 0}
            month = page.locator("#services thead th").nth(2)
            assert month.inner_text() == "Ce mois"
            box = month.bounding_box()
            assert box is not None
            assert box["x"] + box["width"] <= 360
            shot = artefacts / "status-phone.png"
            shot.unlink(missing_ok=True)
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 20_000
            # Focus is visible: the skip link shows itself and has an outline when tabbed to.
            page.keyboard.press("Tab")
            focused = page.evaluate(
                "() => { const e = document.activeElement; const s = getComputedStyle(e);"
                " return [e.textContent, s.outlineStyle, parseFloat(s.outlineWidth), e.getBoundingClientRect().left]; }"
            )
            assert focused[0] == "Aller au contenu"
            assert focused[1] != "none"
            assert focused[2] >= 2
            assert focused[3] >= 0
            # axe-core on every page.
            for path in ("/site/maurepas", "/", "/site/kleber", "/accessibilite", "/site/nowhere"):
                page.goto(f"{collector.url}{path}")
                found = run_axe(page)
                assert not serious(found), f"{path}:\n{describe(found)}"
                assert page.locator("footer a[href='/accessibilite']").count() == 1, path
            assert "Page introuvable" in texts(page, "h1")
            page.goto(f"{collector.url}/")
            sites = texts(page, "#sites li")
            assert any(s.startswith("ESC Kléber fermé") for s in sites), sites
            closed = page.evaluate(
                "() => { const s = getComputedStyle(document.querySelector('.badge.closed'));"
                " return [s.color, s.backgroundColor]; }"
            )
            assert contrast(*closed) >= 4.5, closed
            assert any(s.startswith("ESC Maurepas ouvert") and "3 choses à faire" in s for s in sites), sites
            page.goto(f"{collector.url}/accessibilite")
            assert texts(page, "h1") == ["Déclaration d'accessibilité"]
            statement = page.locator("main").inner_text()
            assert "Les pages d'état d'ESC Fleet sont non conformes" in statement
            assert "RGAA" in statement
            assert "Mission numérique des ESC, accessibilite@example.org" in statement
            assert "Défenseur des droits" in statement
            # The agent stops: the printer keeps its name and says since when there is no news.
            stop_process(agent)
            wait_for(lambda: "pas de nouvelles" in collector.get("/site/maurepas")[1], timeout=20,
                     what="the printer without news")  # fmt: skip
            page.goto(f"{collector.url}/site/maurepas")
            silent = texts(page, "#silent li")
            assert any(s.startswith("L'imprimante de l'accueil : pas de nouvelles depuis") for s in silent), (
                silent
            )
            assert "Le poste 1 de l'accueil" in " ".join(texts(page, "#members tbody tr"))
            assert "Tout fonctionne" not in texts(page, "#summary")[0]
            page.screenshot(path=str(artefacts / "status-phone-agent-stopped.png"), full_page=True)
    finally:
        stop_process(agent)
        stop_process(collector.proc)
