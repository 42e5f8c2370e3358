"""Incidents: firing alerts, devices and services down, now."""

from __future__ import annotations

from grafanalib.core import Dashboard, Time

from collector import descriptions as d
from dashboards.common import pos, table, templating

dashboard = Dashboard(
    title="ESC — incidents en cours",
    uid="esc-incidents",
    description="Alertes actives et tout ce qui est hors service maintenant, tous sites confondus.",
    tags=["esc-fleet"],
    timezone="browser",
    time=Time("now-6h", "now"),
    templating=templating(),
    panels=[
        table(
            "Alertes actives",
            'ALERTS{alertstate="firing"}',
            pos(0, 0, 24, 10),
            description="Alertes Prometheus en cours (équipe, gravité, site).",
        ),
        table(
            "Fonctions hors service",
            f'{d.DEVICE_FUNCTION_STATE.key}{{state="down"}} == 1',
            pos(0, 10, 12, 9),
            description="Impression ou numérisation hors service, par appareil (un copieur peut encore scanner sans toner).",
        ),
        table(
            "Services indisponibles",
            f"{d.SERVICE_UP.key} == 0",
            pos(12, 10, 12, 9),
            description="Services promis non assurés en ce moment.",
        ),
    ],
).auto_panel_ids()
