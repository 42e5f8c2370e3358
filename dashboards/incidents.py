"""Incidents: firing alerts, functions and services down, PCs silent and lockdowns broken, now."""

from __future__ import annotations

from collector import descriptions as d
from dashboards import promql as q
from dashboards import words
from dashboards.common import Column, assemble, data_link, pos, stat, table

SITE = Column(
    "site", links=[data_link("Ouvrir le site ${__value.text}", "site", {"site": "${__data.fields.site}"})]
)
DEVICE = Column("appareil", links=[data_link("Ouvrir ${__value.text}", "printer",
                                             {"site": "${__data.fields.site}", "device": "${__data.fields.device}"})])  # fmt: skip

dashboard = assemble(
    "incidents",
    title="ESC — incidents en cours",
    description="Alertes actives et tout ce qui est hors service maintenant, tous sites confondus.",
    time="now-6h",
    panels=[
        table(
            "Alertes actives",
            q.service('ALERTS{alertstate="firing"}'),
            pos(0, 0, 24, 10),
            description="Alertes Prometheus en cours : ce qui est arrivé, où, et à qui elle est adressée.",
            columns=[
                SITE,
                Column("alertname", mappings=words.ALERT),
                Column("name", "Concerne"),
                Column("service_fr"),
                Column("reason", mappings=words.REASON),
                Column("severity", mappings=words.ALERT_SEVERITY, coloured=True),
            ],
            only_shown=True,
        ),
        table(
            "Fonctions hors service",
            q.function(q.named_devices(f'{d.DEVICE_FUNCTION_STATE.key}{{state="down"}} == 1')),
            pos(0, 10, 12, 9),
            description="Impression ou numérisation hors service, par appareil (un copieur peut encore scanner sans toner).",
            columns=[
                SITE,
                DEVICE,
                Column("fonction"),
                Column("state", mappings=words.DEVICE_STATE, coloured=True),
                Column("device"),
            ],
            metrics=[d.DEVICE_FUNCTION_STATE],
        ),
        table(
            "Services indisponibles",
            q.service(f'{d.SERVICE_STATE.key}{{state="down"}} == 1'),
            pos(12, 10, 12, 9),
            description="Services promis non assurés en ce moment.",
            columns=[
                SITE,
                Column("service_fr"),
                Column("state", mappings=words.SERVICE_STATE, coloured=True),
            ],
            metrics=[d.SERVICE_STATE],
        ),
        stat(
            "Postes éteints ou hors ligne",
            f"count({d.AGENT_UP.key} == 0) or vector(0)",
            pos(0, 19, 12, 4),
            description="Postes qui ne donnent plus de nouvelles, tous sites confondus (le détail : vue d'un site).",
            red_from=1,
        ),
        stat(
            "Verrouillages rompus",
            f"count({d.LOCKDOWN_OK.key} == 0) or vector(0)",
            pos(12, 19, 12, 4),
            description="Postes verrouillés dont le verrouillage est rompu (sécurité, à traiter même site fermé).",
            red_from=1,
        ),
    ],
)
