"""Vue d'une imprimante: supply levels over time, pages per day, jams and alerts."""

from __future__ import annotations

from grafanalib.core import Dashboard, Time

from collector import descriptions as d
from dashboards.common import pos, series, site_variable, table, target, templating, variable

S = 'site="$site", device="$device"'

dashboard = Dashboard(
    title="ESC — une imprimante",
    uid="esc-printer",
    description="Consommables, pages imprimées et incidents d'une imprimante.",
    tags=["esc-fleet"],
    timezone="browser",
    time=Time("now-7d", "now"),
    templating=templating(
        site_variable(),
        variable(
            "device", "Appareil", f'label_values({d.DEVICE_INFO.key}{{site="$site", kind="printer"}}, device)'
        ),
    ),
    panels=[
        series(
            "Consommables",
            [target(f"{d.SUPPLY_LEVEL.key}{{{S}}}", "{{supply}} {{type}} {{colour}}")],
            pos(0, 0, 24, 9),
            description="Niveau de chaque consommable dans le temps.",
            unit="percentunit",
        ),
        series(
            "Pages par jour",
            [target(f"increase({d.PRINTER_PAGES.series}{{{S}}}[1d])", "pages")],
            pos(0, 9, 12, 8),
            description="Pages imprimées sur 24 heures glissantes.",
        ),
        series(
            "État",
            [target(f'{d.DEVICE_STATE.key}{{{S}, state=~"down|degraded"}}', "{{state}}")],
            pos(12, 9, 12, 8),
            description="1 quand l'imprimante est hors service (down) ou à surveiller (degraded).",
        ),
        table(
            "Alertes de l'imprimante",
            f"{d.PRINTER_ALERT.key}{{{S}}}",
            pos(0, 17, 12, 8),
            description="Entrées actives de la table d'alertes (un bourrage : alert=jam, avec son emplacement).",
        ),
        table(
            "Raisons",
            f"{d.DEVICE_REASON.key}{{{S}}}",
            pos(12, 17, 12, 8),
            description="Pourquoi l'imprimante n'est pas simplement en service.",
        ),
    ],
).auto_panel_ids()
