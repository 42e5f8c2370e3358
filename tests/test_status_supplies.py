"""The status page's supplies: « encore ~12 jours », and « Commander maintenant » while the notice is out.

The view is built from a real history fed with printer readings (``collector.supplies``); the page
is rendered by the status page's own templates and read in headless Chromium at 360 px (layout,
axe-core), with a screenshot in ``test-artifacts/status-supplies-phone.png``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest

from agent.contract.messages import PrinterStatus, Supply
from collector.forecast import DAY, Settings
from collector.history import History
from collector.sites import SitesFile
from collector.state import FleetState
from collector.supplies import SupplyBook, SupplySettings
from collector.web.status import StatusPages, site_view

from helpers.accessibility import browser_page, describe, run_axe, serious
from helpers.periods import t
from helpers.processes import REPO

NBSP = "\u00a0"
PCT = "\u202f%"  # a narrow no-break space before « % »
SITES = msgspec.convert(
    {
        "sites": {
            "maurepas": {
                "name": "ESC Maurepas",
                "opening_hours": "24/7",
                "order_lead_days": 10,
                "devices": {
                    "hp": {"name": "l'imprimante de l'accueil"},
                    "canon": {"name": "le copieur du 1er étage"},
                },
            }
        }
    },
    SitesFile,
)


def supply(index: str, description: str, level: float | None, *, role: str = "toner", colour: str | None = None,
           precision: str = "exact") -> Supply:  # fmt: skip
    return Supply(
        index=index, description=description, type="wasteToner" if role == "waste" else "toner",
        supply_class="receptacle" if role == "waste" else "consumed", unit="percent", colour=colour,
        raw_level=-3 if level is None else round(level), raw_max=100, percent=level,
        state="ok" if level is not None else "some_remaining", marking=role == "toner",
        receptacle=role == "waste", precision=precision,  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.fixture
def pages(tmp_path: Path):  # type: ignore[no-untyped-def]
    history = History(tmp_path / "history.sqlite3")
    book = SupplyBook(history, SITES, settings=SupplySettings(forecast=Settings(min_span=DAY)))
    start = t("2026-11-02 00:00")
    # Twelve days, one reading an hour: the HP's black drops 1 point a day from 32 (20 days left, then
    # ordered at 10); its cyan has not moved; its waste box fills; the Canon only says « some remaining ».
    for hour in range(12 * 24 + 1):
        moment = start + hour * 3600
        black = float(round(32 - hour / 24))
        hp = PrinterStatus(serial="CN1", page_count=1000 + hour * 10, supplies=(
            supply("1.1", "Black Cartridge HP CF410A", black, colour="black"),
            supply("1.2", "Cyan Cartridge HP CF411A", 80.0, colour="cyan"),
            supply("1.9", "Waste Toner Box", float(round(90 - hour / 12)), role="waste"),
        ))  # fmt: skip
        canon = PrinterStatus(serial="CA1", supplies=(supply("1.1", "Canon Black", None, colour="black",
                                                             precision="presence"),))  # fmt: skip
        with history.batch():
            book.observe("maurepas", "hp", hp, moment)
            book.observe("maurepas", "canon", canon, moment)
    now = start + 12 * DAY
    status = StatusPages(SITES, FleetState(), history, service_states=dict, stale_after=60.0, clock=lambda: now,
                         supplies=book)  # fmt: skip
    yield status, book, now
    history.close()


def test_supply_lines_and_the_order_to_do(pages: tuple[StatusPages, SupplyBook, float]) -> None:
    _status, book, now = pages
    view = site_view("maurepas", SITES, FleetState(), None, service_states={}, now=now, stale_after=60.0,
                     figures=False, supplies=book)  # fmt: skip
    lines = [(line.device, line.supply, line.level, line.remaining) for line in view.supplies]
    assert lines == [
        ("le copieur du 1er étage", "toner noir", "niveau non chiffré", "l'appareil ne donne pas de niveau"),
        ("l'imprimante de l'accueil", "toner noir (CF410A)", f"20{PCT}", f"encore ~20{NBSP}jours"),
        ("l'imprimante de l'accueil", "toner cyan (CF411A)", f"80{PCT}",
         "pas encore assez d'historique pour prévoir"),
        ("l'imprimante de l'accueil", "bac de toner usagé", f"34{PCT} plein", f"plein dans ~5{NBSP}semaines"),
    ]  # fmt: skip
    assert view.now == []  # 20 days left: more than the lead time
    # Ten days later (no reading since: no readings is not no use), the notice goes out.
    later = now + 10 * DAY
    book.tick(later)
    view = site_view("maurepas", SITES, FleetState(), None, service_states={}, now=later, stale_after=60.0,
                     figures=False, supplies=book)  # fmt: skip
    (todo,) = view.now
    assert todo.title == (
        f"Commander maintenant : toner noir CF410A pour l'imprimante de l'accueil (vide dans ~10{NBSP}jours)"
    )
    assert todo.where == "l'imprimante de l'accueil"
    assert todo.action == (
        "Passer la commande dès aujourd'hui pour recevoir la cartouche avant que le toner noir de l'imprimante "
        f"de l'accueil ne soit vide (au rythme actuel, dans ~10{NBSP}jours)."
    )
    assert view.summary.startswith("1 chose à faire")
    assert "encore ~10" in next(line.remaining for line in view.supplies if "CF410A" in line.supply)
    # The notice lasts a day at most (a site open around the clock); the forecast stays.
    view = site_view("maurepas", SITES, FleetState(), None, service_states={}, now=later + 2 * DAY, stale_after=60.0,
                     figures=False, supplies=book)  # fmt: skip
    assert view.now == []


def test_the_page_on_a_phone(pages: tuple[StatusPages, SupplyBook, float], tmp_path: Path) -> None:
    status, book, now = pages
    book.tick(now + 10 * DAY)
    status.clock = lambda: now + 10 * DAY + 3600
    html = status.site("maurepas")
    assert html is not None
    page_file = tmp_path / "page.html"
    page_file.write_text(html, encoding="utf-8")
    with browser_page(width=360, height=900) as page:
        page.goto(page_file.as_uri())
        rows = [" ".join(r.split()) for r in page.locator("#supplies tbody tr").all_inner_texts()]
        assert rows[1].startswith("L'imprimante de l'accueil : toner noir (CF410A)")
        assert "encore ~10 jours" in rows[1]
        todo = " ".join(page.locator("#todo li").first.inner_text().split())
        assert todo.startswith("Commander maintenant : toner noir CF410A")
        layout: dict[str, Any] = page.evaluate(
            "() => { const w = document.documentElement.clientWidth;"
            " const c = [...document.querySelectorAll('#supplies td, #supplies th, #supplies caption')]"
            "   .map(e => e.getBoundingClientRect());"
            " return {width: w, scroll: document.documentElement.scrollWidth,"
            "         over: c.filter(r => r.right > w + 0.5 || r.left < -0.5).length, cells: c.length}; }"
        )
        assert layout == {"width": 360, "scroll": 360, "over": 0, "cells": layout["cells"]}
        found = run_axe(page)
        assert not serious(found), describe(found)
        shot = REPO / "test-artifacts" / "status-supplies-phone.png"
        shot.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(shot), full_page=True)
