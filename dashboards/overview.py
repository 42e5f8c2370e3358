"""Vue d'ensemble: availability of every service at every site during opening hours, worst first."""

from __future__ import annotations

from grafanalib.core import Dashboard, Time

from collector import descriptions as d
from dashboards.common import bars, pos, series, stat, table, target, templating

OPEN, AVAILABLE = d.SERVICE_OPEN_SECONDS.series, d.SERVICE_AVAILABLE_SECONDS.series
UNKNOWN, MAINTENANCE = d.SERVICE_UNKNOWN_SECONDS.series, d.SERVICE_MAINTENANCE_SECONDS.series

#: Availability over the selected range, exactly: counters of seconds, never an average of ratios.
AVAILABILITY = (
    f"sort(sum by (site, service) (increase({AVAILABLE}[$__range])) / "
    f"(sum by (site, service) (increase({OPEN}[$__range])) - sum by (site, service) (increase({UNKNOWN}[$__range])) "
    f"- sum by (site, service) (increase({MAINTENANCE}[$__range])) > 0))"
)
UNKNOWN_SHARE = (
    f"sum by (site) (increase({UNKNOWN}[$__range])) / (sum by (site) (increase({OPEN}[$__range])) > 0)"
)

dashboard = Dashboard(
    title="ESC — vue d'ensemble",
    uid="esc-overview",
    description="Disponibilité réelle de chaque service de chaque ESC pendant les horaires d'ouverture.",
    tags=["esc-fleet"],
    timezone="browser",
    time=Time("now-30d", "now"),
    templating=templating(),
    panels=[
        stat(
            "Sites ouverts",
            f"sum({d.SITE_OPEN.key})",
            pos(0, 0, 6, 4),
            description="Nombre de sites ouverts maintenant (horaires, jours fériés, fermetures).",
        ),
        stat(
            "Services indisponibles",
            f"count({d.SERVICE_UP.key} == 0) or vector(0)",
            pos(6, 0, 6, 4),
            description="Services promis qui ne sont pas assurés en ce moment.",
            red_above=1,
        ),
        stat(
            "Appareils hors service",
            f'count(max by (site, device) ({d.DEVICE_FUNCTION_STATE.key}{{state="down"}}) == 1) or vector(0)',
            pos(12, 0, 6, 4),
            description="Imprimantes et scanners dont l'impression ou la numérisation est hors service en ce moment.",
            red_above=1,
        ),
        stat(
            "Verrouillages rompus",
            f"count({d.LOCKDOWN_OK.key} == 0) or vector(0)",
            pos(18, 0, 6, 4),
            description="Postes verrouillés dont le verrouillage est rompu (sécurité).",
            red_above=1,
        ),
        bars(
            "Disponibilité pendant les horaires d'ouverture (période choisie)",
            AVAILABILITY,
            "{{site}} — {{service}}",
            pos(0, 4, 24, 12),
            description="Temps disponible ÷ (temps d'ouverture − temps non mesuré − maintenance), les moins bons en premier.",
        ),
        series(
            "Part non mesurée du temps d'ouverture",
            [target(UNKNOWN_SHARE, "{{site}}")],
            pos(0, 16, 12, 8),
            description="Temps d'ouverture sans observation fraîche : ni disponible ni indisponible.",
            unit="percentunit",
        ),
        table(
            "État des services maintenant",
            f"{d.SERVICE_STATE.key} == 1",
            pos(12, 16, 12, 8),
            description="up : disponible ; down : indisponible ; unknown : non mesuré.",
        ),
    ],
).auto_panel_ids()
