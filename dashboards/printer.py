"""Vue d'une imprimante: state and functions now and over time, supplies, pages, reasons and alerts."""

from __future__ import annotations

from collector import descriptions as d
from dashboards import promql as q
from dashboards import words
from dashboards.common import (
    COUNT_STEPS,
    DAYS_LEFT_LEGEND,
    DAYS_LEFT_STEPS,
    DAYS_UNIT,
    LEVEL_STEPS,
    PREVIOUS_LEGEND,
    Column,
    assemble,
    bars,
    named_variable,
    pos,
    series,
    site_variable,
    stat,
    table,
    target,
    timeline,
)

S = 'site="$site", device="$device"'
STATE = q.state_code(d.DEVICE_STATE, d.DEVICE_STATES, S, ("site", "device"))
FUNCTIONS = q.function(
    q.state_code(d.DEVICE_FUNCTION_STATE, d.DEVICE_STATES, S, ("site", "device", "function"))
)

dashboard = assemble(
    "printer",
    title="ESC — une imprimante",
    description="État, fonctions, consommables, pages imprimées et incidents d'une imprimante ou d'un copieur.",
    time="now-7d",
    variables=[
        site_variable(),
        named_variable("device", "Appareil", d.DEVICE_INFO, 'site="$site", kind="printer"'),
    ],
    panels=[
        stat(
            "État",
            STATE,
            pos(0, 0, 6, 4),
            description="En service, en service à surveiller, hors service, ou état inconnu (aucune nouvelle fraîche).",
            mappings=words.DEVICE_STATE_CODE,
        ),
        stat(
            "Fonctions",
            FUNCTIONS,
            pos(6, 0, 10, 4),
            description="Chaque fonction de l'appareil : un copieur sans toner peut encore scanner.",
            mappings=words.DEVICE_STATE_CODE,
            legend="{{fonction}}",
        ),
        stat(
            "Réseau",
            f"{d.DEVICE_UP.key}{{{S}}}",
            pos(16, 0, 4, 4),
            description="Joignable : l'appareil a répondu à la dernière interrogation ; injoignable : il ne répond plus.",
            mappings=words.DEVICE_UP,
        ),
        stat(
            "Pages sur la période",
            q.over_range(d.PRINTER_PAGES, S, ("site", "device")),
            pos(20, 0, 4, 4),
            description="Pages imprimées pendant la période choisie (compteur de l'imprimante ; une remise à zéro "
            f"ou un appareil remplacé n'y retranche rien). {PREVIOUS_LEGEND}",
            thresholds=COUNT_STEPS,
            decimals=0,
            previous=q.over_range(d.PRINTER_PAGES, S, ("site", "device"), previous=True),
        ),
        timeline(
            "État dans le temps",
            [target(STATE, "appareil", ref="A"), target(FUNCTIONS, "{{fonction}}", ref="B")],
            pos(0, 4, 24, 6),
            description="L'appareil dans son ensemble, puis chacune de ses fonctions, sur la période choisie.",
            mappings=words.DEVICE_STATE_CODE,
        ),
        series(
            "Consommables",
            [target(q.supply_label(q.level(d.SUPPLY_LEVEL, S)), "{{consommable}}")],
            pos(0, 10, 16, 9),
            description="Niveau de chaque consommable dans le temps (bac de toner usagé : la place qui reste).",
            unit="percentunit",
            thresholds=LEVEL_STEPS,
        ),
        bars(
            "Bacs à papier",
            q.tray(q.level(d.INPUT_LEVEL, S)),
            "{{bac}}",
            pos(16, 10, 8, 9),
            description="Papier restant dans chaque bac.",
        ),
        table(
            "Jours restants",
            q.supply_label(f"{d.SUPPLY_DAYS_LEFT.key}{{{S}}}"),
            pos(0, 19, 12, 8),
            description="Jours avant que chaque consommable soit vide, prévus d'après son propre historique sur les "
            "horaires d'ouverture du site, les plus urgents en premier (un bac de récupération : avant qu'il soit "
            "plein). Un consommable sans assez d'historique n'apparaît pas encore. "
            f"{DAYS_LEFT_LEGEND}",
            columns=[
                Column("consommable"),
                Column("Value", "Jours restants", unit=DAYS_UNIT, thresholds=DAYS_LEFT_STEPS),
                Column("precision", mappings=words.PRECISION),
                Column("basis", mappings=words.BASIS),
                Column("cartridge"),
            ],
            metrics=[d.SUPPLY_DAYS_LEFT],
            extra_labels=["couleur"],
            sort="Jours restants",
        ),
        series(
            "Pages par jour",
            [target(f"increase({d.PRINTER_PAGES.series}{{{S}}}[1d])", "pages sur 24 h")],
            pos(12, 19, 12, 8),
            description="Pages imprimées sur 24 heures glissantes.",
        ),
        table(
            "Raisons",
            q.colour(f"{d.DEVICE_REASON.key}{{{S}}}"),
            pos(0, 27, 12, 8),
            description="Pourquoi l'imprimante n'est pas simplement en service, avec la couleur, la référence ou le bac.",
            columns=[
                Column("reason", mappings=words.REASON),
                Column("couleur"),
                Column("reference"),
                Column("place"),
            ],
            metrics=[d.DEVICE_REASON],
        ),
        table(
            "Alertes de l'imprimante",
            f"{d.PRINTER_ALERT.key}{{{S}}}",
            pos(12, 27, 12, 8),
            description="Entrées actives de la table d'alertes de l'imprimante (RFC 3805), telles qu'elle les donne "
            "(un bourrage : alerte « jam », avec son emplacement).",
            columns=[
                Column("alert"),
                Column("location"),
                Column("severity", mappings=words.SEVERITY, coloured=True),
            ],
            metrics=[d.PRINTER_ALERT],
        ),
    ],
)
