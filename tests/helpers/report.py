"""A seeded report for the report's layout and accessibility tests: three sites, October and November 2026.

Maurepas has five printers (one retired and one added on 16 November, one with a very long name),
four PCs and a planned maintenance; Carrefour 18 has its own 95 % target; Kléber is closed all
November. The transitions are seeded like the demo's (``collector.demo.seed_history``), so
there are outages, causes and time not measured in both months; so are the page counters, toner
levels, cartridges and session counts (``collector.demo.seed_maintenance``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from collector.demo import DEMO_SUPPLIES, seed_history, seed_maintenance
from collector.history import History
from collector.report.build import Report, build_report
from collector.sites import Calendar, load_sites

from helpers.periods import t
from helpers.sites import maintenance, member, service, site, sites_toml

HOURS = "Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00; PH off"
PRINTERS = {
    "hp-accueil": member("le copieur de l'accueil", functions=["print", "scan"]),
    "sharp-etage": member("le copieur du 1er étage", functions=["print", "scan"]),
    "brother-salle": member("l'imprimante multifonction couleur de la salle informatique du deuxième étage"),
    "konica-bureau": member("le copieur du bureau", functions=["print", "scan"], since="2026-11-16"),
    "epson-ancien": member("l'ancienne imprimante jet d'encre", until="2026-11-16"),
}
PCS = {f"pc{n}": member(f"le poste {n} de l'accueil") for n in range(1, 5)}
MAUREPAS = site(
    "maurepas",
    name="ESC Maurepas",
    opening_hours=HOURS,
    devices=PRINTERS,
    agents=PCS,
    maintenance=[maintenance("impression", "2026-11-17T09:00", "2026-11-17T11:00", "visite du technicien")],
    services={
        "impression": service(devices=list(PRINTERS), min_usable=2),
        "numerisation": service(devices=["hp-accueil", "sharp-etage", "konica-bureau"]),
        "postes": service(pcs=list(PCS), min_usable=3),
    },
)
CARREFOUR = site(
    "carrefour-18",
    name="ESC Carrefour 18",
    opening_hours="Tu-Sa 10:00-18:00; PH off",
    target=0.95,
    devices={"brother": member("l'imprimante de la salle")},
    agents={"borne": member("la borne CAF")},
    services={"impression": service(devices=["brother"]), "postes": service(pcs=["borne"])},
)
KLEBER = site(
    "kleber", name="ESC Kléber", opening_hours="Mo-Fr 09:00-18:00; Nov off",
    devices={"canon": member("la borne d'impression")}, services={"impression": service(devices=["canon"])},
)  # fmt: skip


def seeded_report(folder: Path) -> Report:
    """Write the sites and two seeded months into ``folder``; return November's report (October before it)."""
    (folder / "sites.toml").write_text(sites_toml(MAUREPAS, CARREFOUR, KLEBER))
    sites = load_sites(folder / "sites.toml")
    history = History(folder / "history.sqlite3")
    start, end = t("2026-10-01 00:00"), t("2026-12-01 00:00")
    for site_id, declared in sites.sites.items():
        members = [("device", d) for d in declared.declared_devices()] + [
            ("pc", a) for a in declared.declared_agents()
        ]
        functions = {d: declared.device(d).functions for d in declared.declared_devices()}
        seed_history(history, site_id, members, start, end, functions=functions)
        # Pages, toners, cartridges and sessions (the maintenance sections), like the demo's.
        printers = {
            d: DEMO_SUPPLIES.get(d, DEMO_SUPPLIES["sharp-etage"]) for d in declared.declared_devices()
        }
        seed_maintenance(history, site_id, start, end, calendar=Calendar(declared), supplies=printers,
                         pcs=declared.declared_agents())  # fmt: skip
    generated = dt.datetime(2026, 12, 1, 18, 38, tzinfo=dt.UTC)
    report = build_report(history, sites, dt.date(2026, 11, 1), dt.date(2026, 11, 30), blip_seconds=120,
                          generated=generated)  # fmt: skip
    history.close()
    return report
