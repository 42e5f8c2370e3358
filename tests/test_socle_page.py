"""The socle serviciel per site, in the open (issue 14, point 4): a page and its JSON, on a real collector.

The history is seeded for last month (relative to today: the page always shows the month
before), then ``esc-collector run`` serves ``/site/<id>/socle`` and ``/site/<id>/socle.json``;
headless Chromium reads the page at a phone's width, axe-core checks it, a screenshot is kept.

The site is open Mo-Fr 09:00-17:00 (8 h a weekday, public holidays included: no ``PH off``).
On the first weekday of last month: the link is cut 10:00-11:00 (the public Wi-Fi, the PC and
the kiosk lose that hour, all of it external); the CAF's site does not answer 14:00-15:00 (the
kiosk, which reaches Ameli too, stays usable); the Wi-Fi's connection logging fails 15:00-17:00.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest

from collector.history import History
from collector.sites import load_sites
from collector.web.socle import last_month

from helpers.accessibility import browser_page, describe, run_axe, serious
from helpers.broker import Broker
from helpers.collector import start_collector
from helpers.processes import REPO, stop_process
from helpers.sites import member, service, site, sites_toml

LINK = ("internet", "site_caf", "site_ameli", "wifi_logging")
SITES = sites_toml(
    site(
        "maurepas",
        name="ESC Maurepas",
        opening_hours="Mo-Fr 09:00-17:00",
        devices={
            "internet": member("l'accès internet", functions=LINK),
            "borne-wifi": member("la borne wifi de la salle", functions=["wifi"]),
            "hp": member("l'imprimante de l'accueil"),
        },
        agents={"pc1": member("le poste 1"), "borne": member("la borne", needs=["site_caf", "site_ameli"])},
        services={
            "wifi": service(devices=["borne-wifi"], needs=["internet"]),
            "postes": service(pcs=["pc1"], needs=["internet"]),
            "impression": service(devices=["hp"]),
            "bornes": service(pcs=["borne"], needs=["internet"]),
            "internet": service(devices=["internet"]),
        },
    )
)


def seed(folder: Path) -> tuple[dt.date, int]:
    """Seed the history; return the first weekday of last month and last month's weekdays."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sites.toml").write_text(SITES)
    declared = load_sites(folder / "sites.toml").sites["maurepas"]
    first, last = last_month(time.time(), declared)
    day = first
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    weekdays = sum((first + dt.timedelta(days=n)).weekday() < 5 for n in range((last - first).days + 1))
    tz = declared.tz
    start = dt.datetime.combine((first - dt.timedelta(days=1)).replace(day=1), dt.time(), tz).timestamp()

    def at(hour: int) -> float:
        return dt.datetime.combine(day, dt.time(hour), tz).timestamp()

    rows = [("maurepas", "device", "internet", start, "ok", (), f) for f in LINK]
    rows += [
        ("maurepas", "device", "borne-wifi", start, "ok", (), "wifi"),
        ("maurepas", "device", "hp", start, "ok", (), "print"),
    ]
    rows += [("maurepas", "pc", p, start, "ok", (), "") for p in ("pc1", "borne")]
    for f in ("internet", "site_caf", "site_ameli"):
        rows += [
            ("maurepas", "device", "internet", at(10), "down", ("internet_unreachable",), f),
            ("maurepas", "device", "internet", at(11), "ok", (), f),
        ]
    rows += [("maurepas", "device", "internet", at(14), "down", ("site_unreachable",), "site_caf"),
             ("maurepas", "device", "internet", at(15), "ok", (), "site_caf"),
             ("maurepas", "device", "internet", at(15), "down", ("wifi_logging_failed",), "wifi_logging"),
             ("maurepas", "device", "internet", at(17), "ok", (), "wifi_logging")]  # fmt: skip
    history = History(folder / "history.sqlite3")
    history.record_many(rows)
    history.close()
    return day, weekdays


def test_socle_page_and_json(tmp_path: Path, mosquitto: Broker) -> None:
    folder = tmp_path / "collector"
    _day, weekdays = seed(folder)
    collector = start_collector(folder, mosquitto, sites=SITES)
    try:
        status, body = collector.get("/site/maurepas/socle.json")
        assert status == 200
        data = json.loads(body)
        promises = {p["key"]: p for p in data["promises"]}
        assert list(promises) == ["wifi", "postes", "impression", "numerisation", "bornes"]
        assert [p["offered"] for p in data["promises"]] == [True, True, True, False, True]
        assert promises["numerisation"]["last_month"] is None
        open_seconds = weekdays * 8 * 3600  # 09:00-17:00 every weekday
        for key in ("wifi", "postes", "bornes"):  # the link's hour, all of it external
            month = promises[key]["last_month"]
            assert month["open_seconds"] == open_seconds, key
            assert (month["outage_seconds"], month["external_seconds"]) == (3600, 3600), key
            assert month["availability"] == pytest.approx(1 - 3600 / open_seconds), key
            assert month["external_causes"] == ["accès internet"], key
        assert promises["impression"]["last_month"]["availability"] == 1.0
        # The details: the Wi-Fi's logging (2 h of failure) and each administrative site.
        (logging,) = promises["wifi"]["details"]
        assert logging["key"] == "wifi_logging"
        assert logging["last_month"]["outage_seconds"] == 7200
        assert logging["last_month"]["availability"] == pytest.approx(1 - 7200 / open_seconds)
        sites = {d["key"]: d for d in promises["bornes"]["details"]}
        assert list(sites) == ["site_ameli", "site_caf"]
        assert sites["site_caf"]["label"] == "Site de la CAF"
        assert sites["site_caf"]["last_month"]["outage_seconds"] == 7200  # its own hour and the link's
        assert sites["site_caf"]["last_month"]["external_causes"] == [
            "accès internet",
            "site de la CAF injoignable",
        ]  # tied: by name
        assert data["internet"]["last_month"]["external_seconds"] == 3600
        assert collector.get("/site/nulle-part/socle")[0] == 404
        assert collector.get("/site/nulle-part/socle.json")[0] == 404

        artefacts = REPO / "test-artifacts"
        artefacts.mkdir(exist_ok=True)
        with browser_page(width=360, height=800) as page:
            page.goto(f"{collector.url}/site/maurepas/socle")
            page.screenshot(path=str(artefacts / "socle-phone.png"), full_page=True)
            text = " ".join(page.locator("main").inner_text().split())
            assert "Wifi aux normes RGPD" in text
            assert "Service de scanner Non proposé dans cet ESC." in text
            assert "Journal des connexions (obligation légale)" in text
            assert "Site de la CAF" in text
            assert "dont indisponibilités extérieures : 1 h (accès internet)" in text.replace("\u00a0", " ")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360  # nothing wider than a phone
            found = run_axe(page)
            assert not serious(found), describe(found)
            page.goto(f"{collector.url}/site/maurepas/socle.json")  # the link on the page works
            assert json.loads(page.locator("body").inner_text())["site"] == "maurepas"
    finally:
        stop_process(collector.proc)
