"""Vue d'un site: services, devices and their functions, what is wrong, supplies and trays, PCs, lockdown."""

from __future__ import annotations

from collector import descriptions as d
from dashboards import promql as q
from dashboards import words
from dashboards.common import (
    COUNT_STEPS,
    DAYS_LEFT_LEGEND,
    DAYS_LEFT_STEPS,
    DAYS_UNIT,
    ORDER_LEAD_DAYS,
    PREVIOUS_LEGEND,
    Column,
    assemble,
    bars,
    data_link,
    pos,
    site_variable,
    stat,
    table,
    target,
    timeline,
)

S = 'site="$site"'
#: A device's name, a click away from its printer dashboard.
DEVICE = Column(
    "appareil",
    links=[
        data_link(
            "Ouvrir ${__value.text}", "printer", {"site": "${site}", "device": "${__data.fields.device}"}
        )
    ],
)
PC = Column(
    "poste",
    links=[data_link("Ouvrir ${__value.text}", "pc", {"site": "${site}", "agent": "${__data.fields.agent}"})],
)
TO_PRINTER = data_link("Ouvrir ${__field.labels.appareil}", "printer",
                       {"site": "${site}", "device": "${__field.labels.device}"})  # fmt: skip
#: Toner and ink cartridges' days left (waste boxes and parts are on each printer's dashboard).
TONER_DAYS = f'{d.SUPPLY_DAYS_LEFT.key}{{{S}, role="toner"}}'
TO_PC = data_link(
    "Ouvrir ${__field.labels.poste}", "pc", {"site": "${site}", "agent": "${__field.labels.agent}"}
)


def pages_by_device(*, previous: bool = False) -> str:
    """Return the pages each printer printed over the period (or the one before), most first."""
    pages = q.over_range(d.PRINTER_PAGES, S, ("site", "device"), previous=previous)
    return f"sort_desc({q.named_devices(pages)})"


def sessions_by_pc(*, previous: bool = False) -> str:
    """Return the sessions opened on each PC over the period (or the one before), most first."""
    sessions = q.over_range(d.HOST_SESSION_STARTS, S, ("site", "agent"), previous=previous)
    return f"sort_desc({q.named_agents(sessions)})"


dashboard = assemble(
    "site",
    title="ESC — un site",
    description="Les services, les appareils et leurs fonctions, les consommables, les postes et leur verrouillage pour un site.",
    time="now-24h",
    variables=[site_variable()],
    panels=[
        stat(
            "Site",
            f"{d.SITE_OPEN.key}{{{S}}}",
            pos(0, 0, 4, 5),
            description="Ouvert ou fermé maintenant (horaires, jours fériés, fermetures exceptionnelles).",
            mappings=words.SITE_OPEN,
        ),
        table(
            "Services",
            q.service(f"{d.SERVICE_STATE.key}{{{S}}} == 1"),
            pos(4, 0, 20, 5),
            description="État de chaque service promis par le site : disponible, indisponible ou non mesuré.",
            columns=[Column("service_fr"), Column("state", mappings=words.SERVICE_STATE, coloured=True)],
            metrics=[d.SERVICE_STATE],
        ),
        table(
            "Appareils",
            q.named_devices(f"{d.DEVICE_STATE.key}{{{S}}} == 1"),
            pos(0, 5, 12, 8),
            description="Chaque imprimante, copieur ou scanner : en service, à surveiller, hors service ou état "
            "inconnu (aucune nouvelle fraîche). Un clic sur un nom ouvre sa vue.",
            columns=[DEVICE, Column("device"), Column("state", mappings=words.DEVICE_STATE, coloured=True)],
            metrics=[d.DEVICE_STATE],
        ),
        table(
            "Fonctions des appareils",
            q.function(q.named_devices(f"{d.DEVICE_FUNCTION_STATE.key}{{{S}}} == 1")),
            pos(12, 5, 12, 8),
            description="Impression et numérisation, appareil par appareil : un copieur sans toner peut encore scanner.",
            columns=[
                DEVICE,
                Column("fonction"),
                Column("state", mappings=words.DEVICE_STATE, coloured=True),
                Column("device"),
            ],
            metrics=[d.DEVICE_FUNCTION_STATE],
        ),
        table(
            "Ce qui ne va pas",
            q.colour(q.named_devices(f"{d.DEVICE_REASON.key}{{{S}}}")),
            pos(0, 13, 24, 8),
            description="Pourquoi un appareil n'est pas simplement en service : bourrage, toner, papier… avec la "
            "couleur, la référence de la cartouche ou le bac concerné.",
            columns=[
                DEVICE,
                Column("reason", mappings=words.REASON),
                Column("couleur"),
                Column("reference"),
                Column("place"),
                Column("device"),
            ],
            metrics=[d.DEVICE_REASON],
        ),
        timeline(
            "Fonctions dans le temps",
            [
                target(
                    q.function(
                        q.named_devices(
                            q.state_code(
                                d.DEVICE_FUNCTION_STATE, d.DEVICE_STATES, S, ("site", "device", "function")
                            )
                        )
                    ),
                    "{{appareil}} — {{fonction}}",
                )
            ],
            pos(0, 21, 24, 8),
            description="État de chaque fonction de chaque appareil sur la période choisie : ce qui a lâché, et quand.",
            mappings=words.DEVICE_STATE_CODE,
            links=[TO_PRINTER],
        ),
        bars(
            "Toner et encre",
            q.supply_label(q.named_devices(q.level(d.SUPPLY_LEVEL, f'{S}, role="toner"'))),
            "{{consommable}} — {{appareil}}",
            pos(0, 29, 12, 10),
            description="Niveau restant de chaque cartouche (les niveaux « reste un peu » ou inconnus n'apparaissent "
            "pas). Rouge : presque vide ; orange : à prévoir.",
            links=[TO_PRINTER],
        ),
        bars(
            "Bacs à papier",
            q.tray(q.named_devices(q.level(d.INPUT_LEVEL, S))),
            "{{bac}} — {{appareil}}",
            pos(12, 29, 12, 10),
            description="Papier restant dans chaque bac.",
            links=[TO_PRINTER],
        ),
        table(
            "Postes",
            q.named_agents(f"{d.AGENT_UP.key}{{{S}}}"),
            pos(0, 39, 12, 8),
            description="En ligne : le poste donne des nouvelles ; éteint ou hors ligne : plus rien depuis un moment.",
            columns=[PC, Column("agent"), Column("Value", "État", mappings=words.AGENT_UP, coloured=True)],
            metrics=[d.AGENT_UP],
        ),
        table(
            "Verrouillage des postes",
            q.named_agents(f"{d.LOCKDOWN_OK.key}{{{S}}}"),
            pos(12, 39, 12, 8),
            description="Intact : aucun contrôle du verrouillage n'échoue ; rompu : le poste n'est plus limité "
            "(sécurité, à traiter même site fermé).",
            columns=[
                PC,
                Column("profile"),
                Column("Value", "Verrouillage", mappings=words.LOCKDOWN_OK, coloured=True),
                Column("agent"),
            ],
            metrics=[d.LOCKDOWN_OK],
        ),
        bars(
            "Toner et encre : jours restants",
            f"sort({q.supply_label(q.named_devices(TONER_DAYS))})",
            "{{consommable}} — {{appareil}}",
            pos(0, 47, 12, 10),
            description="Jours avant que chaque cartouche soit vide, prévus d'après son historique sur les horaires "
            "d'ouverture, les plus urgentes en haut (sans assez d'historique, une cartouche n'apparaît pas encore). "
            f"{DAYS_LEFT_LEGEND}",
            unit=DAYS_UNIT,
            thresholds=DAYS_LEFT_STEPS,
            maximum=3 * ORDER_LEAD_DAYS,
            links=[TO_PRINTER],
        ),
        bars(
            "Pages imprimées par appareil (période choisie)",
            pages_by_device(),
            "{{appareil}}",
            pos(12, 47, 12, 10),
            description="Pages imprimées par chaque imprimante ou copieur pendant la période choisie, d'après son "
            f"compteur (une remise à zéro ou un appareil remplacé n'y retranche rien). {PREVIOUS_LEGEND}",
            unit="none",
            thresholds=COUNT_STEPS,
            maximum=None,
            decimals=0,
            links=[TO_PRINTER],
            previous=pages_by_device(previous=True),
        ),
        stat(
            "Sessions ouvertes sur la période",
            q.over_range(d.HOST_SESSION_STARTS, S, ("site",)),
            pos(0, 57, 6, 8),
            description="Sessions ouvertes sur les postes du site pendant la période choisie (les postes comptent les "
            f"ouvertures de session, jamais qui). {PREVIOUS_LEGEND}",
            thresholds=COUNT_STEPS,
            decimals=0,
            previous=q.over_range(d.HOST_SESSION_STARTS, S, ("site",), previous=True),
        ),
        bars(
            "Sessions ouvertes par poste (période choisie)",
            sessions_by_pc(),
            "{{poste}}",
            pos(6, 57, 18, 8),
            description="Sessions ouvertes sur chaque poste pendant la période choisie (un nombre, jamais qui). "
            f"{PREVIOUS_LEGEND}",
            unit="none",
            thresholds=COUNT_STEPS,
            maximum=None,
            decimals=0,
            links=[TO_PC],
            previous=sessions_by_pc(previous=True),
        ),
    ],
)
