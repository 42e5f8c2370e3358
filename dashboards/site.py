"""Vue d'un site: devices and their states, supplies and trays, PCs, lockdown."""

from __future__ import annotations

from grafanalib.core import Dashboard, Time

from collector import descriptions as d
from dashboards.common import bars, pos, site_variable, stat, table, templating

S = 'site="$site"'

dashboard = Dashboard(
    title="ESC — un site",
    uid="esc-site",
    description="Les appareils, les consommables, les postes et leur verrouillage pour un site.",
    tags=["esc-fleet"],
    timezone="browser",
    time=Time("now-24h", "now"),
    templating=templating(site_variable()),
    panels=[
        stat(
            "Site ouvert", f"{d.SITE_OPEN.key}{{{S}}}", pos(0, 0, 6, 4), description="1 : ouvert ; 0 : fermé."
        ),
        table(
            "Services",
            f"{d.SERVICE_STATE.key}{{{S}}} == 1",
            pos(6, 0, 18, 4),
            description="État de chaque service promis par le site.",
        ),
        table(
            "Appareils",
            f"{d.DEVICE_STATE.key}{{{S}}} == 1",
            pos(0, 4, 12, 8),
            description="État de chaque imprimante ou scanner (ok, degraded, down, unknown).",
        ),
        table(
            "Ce qui ne va pas",
            f"{d.DEVICE_REASON.key}{{{S}}} == 1",
            pos(12, 4, 12, 8),
            description="Raisons des états dégradés ou hors service (bourrage, toner, papier…).",
        ),
        bars(
            "Toner et encre",
            f'{d.SUPPLY_LEVEL.key}{{{S}, role="toner"}}',
            "{{device}} {{colour}}",
            pos(0, 12, 12, 10),
            description="Niveau restant de chaque cartouche (les valeurs « reste un peu » ou inconnues n'apparaissent pas).",
        ),
        bars(
            "Bacs à papier",
            f"{d.INPUT_LEVEL.key}{{{S}}}",
            "{{device}} {{name}}",
            pos(12, 12, 12, 10),
            description="Papier restant dans chaque bac.",
        ),
        table(
            "Postes",
            f"{d.AGENT_UP.key}{{{S}}}",
            pos(0, 22, 12, 8),
            description="1 : le poste donne des nouvelles ; 0 : éteint ou silencieux.",
        ),
        table(
            "Verrouillage des postes",
            f"{d.LOCKDOWN_OK.key}{{{S}}}",
            pos(12, 22, 12, 8),
            description="1 : verrouillage intact ; 0 : rompu.",
        ),
    ],
).auto_panel_ids()
