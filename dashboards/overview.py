"""Vue d'ensemble: availability of every service at every site during opening hours, worst first."""

from __future__ import annotations

from typing import Any

from collector import descriptions as d
from dashboards import promql as q
from dashboards import words
from dashboards.common import (
    AVAILABILITY_LEGEND,
    AVAILABILITY_STEPS,
    COUNT_STEPS,
    PREVIOUS_LEGEND,
    Column,
    assemble,
    bars,
    data_link,
    pos,
    series,
    stat,
    table,
    target,
    timeline,
)

OPEN, AVAILABLE = d.SERVICE_OPEN_SECONDS.series, d.SERVICE_AVAILABLE_SECONDS.series
UNKNOWN, MAINTENANCE = d.SERVICE_UNKNOWN_SECONDS.series, d.SERVICE_MAINTENANCE_SECONDS.series

#: Availability over the selected range, exactly: counters of seconds, never an average of ratios.
AVAILABILITY = (
    f"sum by (site, service) (increase({AVAILABLE}[$__range])) / "
    f"(sum by (site, service) (increase({OPEN}[$__range])) - sum by (site, service) (increase({UNKNOWN}[$__range])) "
    f"- sum by (site, service) (increase({MAINTENANCE}[$__range])) > 0)"
)
UNKNOWN_SHARE = (
    f"sum by (site) (increase({UNKNOWN}[$__range])) / (sum by (site) (increase({OPEN}[$__range])) > 0)"
)


def per_site(counter: d.MetricDescription[Any], *, previous: bool = False) -> str:
    """Return a counter's growth over the period (or the one before), per site, largest first."""
    return f"sort_desc({q.over_range(counter, '', ('site',), previous=previous)})"


TO_SITE = data_link("Ouvrir le site", "site", {"site": "${__field.labels.site}"})
SITE_COLUMN = Column(
    "site", links=[data_link("Ouvrir le site ${__value.text}", "site", {"site": "${__data.fields.site}"})]
)

dashboard = assemble(
    "overview",
    title="ESC — vue d'ensemble",
    description="Disponibilité réelle de chaque service de chaque ESC pendant les horaires d'ouverture.",
    time="now-30d",
    panels=[
        stat(
            "Sites ouverts",
            f"sum({d.SITE_OPEN.key})",
            pos(0, 0, 4, 4),
            description="Nombre de sites ouverts maintenant (horaires, jours fériés, fermetures).",
        ),
        stat(
            "Services indisponibles",
            f"count({d.SERVICE_UP.key} == 0) or vector(0)",
            pos(4, 0, 4, 4),
            description="Services promis qui ne sont pas assurés en ce moment.",
            red_from=1,
        ),
        stat(
            "Appareils hors service",
            f'count(max by (site, device) ({d.DEVICE_FUNCTION_STATE.key}{{state="down"}}) == 1) or vector(0)',
            pos(8, 0, 4, 4),
            description="Imprimantes et scanners dont l'impression ou la numérisation est hors service en ce moment.",
            red_from=1,
        ),
        stat(
            "Postes éteints ou hors ligne",
            f"count({d.AGENT_UP.key} == 0) or vector(0)",
            pos(12, 0, 4, 4),
            description="Postes qui ne donnent plus de nouvelles (éteints, débranchés ou sans réseau).",
            red_from=1,
        ),
        stat(
            "Verrouillages rompus",
            f"count({d.LOCKDOWN_OK.key} == 0) or vector(0)",
            pos(16, 0, 4, 4),
            description="Postes verrouillés dont le verrouillage est rompu (sécurité).",
            red_from=1,
        ),
        stat(
            "Historique enregistré",
            f"{d.STORAGE_OK.key}",
            pos(20, 0, 4, 4),
            description="oui : le collecteur écrit l'historique ; non : il ne peut plus l'écrire (voir « Santé du collecteur »).",
            mappings=words.YES_NO,
            links=[data_link("Santé du collecteur", "health", {})],
        ),
        bars(
            "Disponibilité pendant les horaires d'ouverture (période choisie)",
            f"sort({q.service(AVAILABILITY)})",
            "{{site}} — {{service_fr}}",
            pos(0, 4, 24, 12),
            description="Temps disponible ÷ (temps d'ouverture − temps non mesuré − maintenance), les moins bons en "
            f"premier. {AVAILABILITY_LEGEND}",
            thresholds=AVAILABILITY_STEPS,
            links=[TO_SITE],
        ),
        timeline(
            "Services dans le temps",
            [
                target(
                    q.service(q.state_code(d.SERVICE_STATE, d.SERVICE_STATES, "", ("site", "service"))),
                    "{{site}} — {{service_fr}}",
                )
            ],
            pos(0, 16, 24, 8),
            description="Disponible, indisponible ou non mesuré, service par service, sur la période choisie.",
            mappings=words.SERVICE_STATE_CODE,
            links=[TO_SITE],
        ),
        series(
            "Part non mesurée du temps d'ouverture",
            [target(UNKNOWN_SHARE, "{{site}}")],
            pos(0, 24, 12, 8),
            description="Temps d'ouverture sans observation fraîche : ni disponible ni indisponible.",
            unit="percentunit",
            links=[TO_SITE],
        ),
        table(
            "État des services maintenant",
            q.service(f"{d.SERVICE_STATE.key} == 1"),
            pos(12, 24, 8, 8),
            description="Chaque service promis de chaque site : disponible, indisponible ou non mesuré.",
            columns=[
                SITE_COLUMN,
                Column("service_fr"),
                Column("state", mappings=words.SERVICE_STATE, coloured=True),
            ],
            metrics=[d.SERVICE_STATE],
        ),
        table(
            "Sites",
            f"{d.SITE_OPEN.key}",
            pos(20, 24, 4, 8),
            description="Chaque site, ouvert ou fermé maintenant ; un clic ouvre sa vue.",
            columns=[SITE_COLUMN, Column("Value", "Maintenant", mappings=words.SITE_OPEN, coloured=True)],
            metrics=[d.SITE_OPEN],
        ),
        bars(
            "Pages imprimées par site (période choisie)",
            per_site(d.PRINTER_PAGES),
            "{{site}}",
            pos(0, 32, 12, 8),
            description="Pages imprimées par les imprimantes et copieurs de chaque site pendant la période choisie, "
            "d'après leurs compteurs (une remise à zéro ou un appareil remplacé n'y retranche rien). "
            f"{PREVIOUS_LEGEND}",
            unit="none",
            thresholds=COUNT_STEPS,
            maximum=None,
            decimals=0,
            links=[TO_SITE],
            previous=per_site(d.PRINTER_PAGES, previous=True),
        ),
        bars(
            "Sessions ouvertes par site (période choisie)",
            per_site(d.HOST_SESSION_STARTS),
            "{{site}}",
            pos(12, 32, 12, 8),
            description="Sessions ouvertes sur les postes de chaque site pendant la période choisie (les postes "
            "comptent les ouvertures de session, jamais qui). "
            f"{PREVIOUS_LEGEND}",
            unit="none",
            thresholds=COUNT_STEPS,
            maximum=None,
            decimals=0,
            links=[TO_SITE],
            previous=per_site(d.HOST_SESSION_STARTS, previous=True),
        ),
    ],
)
