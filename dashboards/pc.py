"""Vue d'un poste: online, uptime, sessions, lockdown and its checks, clock, load, memory, disk, outbox."""

from __future__ import annotations

from collector import descriptions as d
from collector.config import CollectorSection
from dashboards import words
from dashboards.common import (
    Column,
    assemble,
    named_variable,
    pos,
    series,
    site_variable,
    stat,
    steps,
    table,
    target,
    timeline,
)

S = 'site="$site", agent="$agent"'
#: Beyond this offset the collector dates the PC's readings on arrival (``[collector] clock_tolerance``).
TOLERANCE = CollectorSection().clock_tolerance
CLOCK_STEPS = steps((words.RED, None), (words.GREEN, -TOLERANCE), (words.RED, TOLERANCE))

dashboard = assemble(
    "pc",
    title="ESC — un poste",
    description="Santé d'un poste public et de son verrouillage.",
    time="now-24h",
    variables=[site_variable(), named_variable("agent", "Poste", d.AGENT_INFO, 'site="$site"')],
    panels=[
        stat(
            "Poste",
            f"{d.AGENT_UP.key}{{{S}}}",
            pos(0, 0, 4, 4),
            description="En ligne : le poste donne des nouvelles ; éteint ou hors ligne : plus rien depuis un moment.",
            mappings=words.AGENT_UP,
        ),
        stat(
            "Verrouillage",
            f"{d.LOCKDOWN_OK.key}{{{S}}}",
            pos(4, 0, 4, 4),
            description="Intact : aucun contrôle n'échoue ; rompu : le poste n'est plus limité (sécurité). "
            "« non mesuré » : poste non verrouillé ou silencieux.",
            mappings=words.LOCKDOWN_OK,
        ),
        stat(
            "Depuis le démarrage",
            f"{d.HOST_UPTIME.key}{{{S}}}",
            pos(8, 0, 4, 4),
            description="Temps écoulé depuis le démarrage du poste.",
            unit="s",
        ),
        stat(
            "Sessions ouvertes",
            f"{d.HOST_USER_SESSIONS.key}{{{S}}}",
            pos(12, 0, 4, 4),
            description="Nombre de sessions (jamais les noms).",
        ),
        stat(
            "Horloge",
            f"{d.AGENT_CLOCK_OFFSET.key}{{{S}}}",
            pos(16, 0, 4, 4),
            description=f"Avance (+) ou retard (−) de l'horloge du poste sur celle du collecteur. Au-delà de "
            f"{TOLERANCE:.0f} s, ses mesures sont datées à leur arrivée (rouge).",
            unit="s",
            thresholds=CLOCK_STEPS,
        ),
        stat(
            "En attente d'envoi",
            f"{d.AGENT_OUTBOX.key}{{{S}}}",
            pos(20, 0, 4, 4),
            description="Messages que le poste n'a pas encore pu envoyer (coupure réseau ou broker injoignable).",
        ),
        timeline(
            "En ligne et verrouillage dans le temps",
            [
                target(f"{d.AGENT_UP.key}{{{S}}}", "poste", ref="A"),
                target(f"{d.LOCKDOWN_OK.key}{{{S}}}", "verrouillage", ref="B"),
            ],
            pos(0, 4, 24, 5),
            description="Quand le poste donnait des nouvelles, et quand son verrouillage était intact ou rompu.",
            mappings=words.AGENT_UP,
            by_series={"verrouillage": words.LOCKDOWN_OK},
        ),
        table(
            "Contrôles de verrouillage",
            f"{d.LOCKDOWN_CHECK.key}{{{S}}} == 1",
            pos(0, 9, 16, 9),
            description="Résultat de chaque contrôle du verrouillage : conforme, non conforme ou non vérifié.",
            columns=[
                Column("check", mappings=words.CHECK),
                Column("severity", mappings=words.SEVERITY),
                Column("result", mappings=words.CHECK_RESULT, coloured=True),
            ],
            metrics=[d.LOCKDOWN_CHECK],
        ),
        series(
            "File d'attente de l'agent",
            [
                target(f"{d.AGENT_OUTBOX.key}{{{S}}}", "en attente", ref="A"),
                target(
                    f"increase({d.AGENT_OUTBOX_DROPPED.series}{{{S}}}[$__rate_interval])",
                    "perdus (file pleine)",
                    ref="B",
                ),
            ],
            pos(16, 9, 8, 9),
            description="Messages en attente d'envoi, et messages perdus parce que la file était pleine.",
        ),
        series(
            "Charge et processeur",
            [
                target(f"{d.HOST_LOAD1.key}{{{S}}}", "charge 1 min", ref="A"),
                target(f"{d.HOST_CPU_USAGE.key}{{{S}}}", "processeur", ref="B"),
            ],
            pos(0, 18, 12, 8),
            description="Charge moyenne sur une minute et part du processeur occupée.",
        ),
        series(
            "Mémoire et disque libres",
            [
                target(
                    f"{d.HOST_MEMORY_AVAILABLE.key}{{{S}}} / {d.HOST_MEMORY_TOTAL.key}{{{S}}}",
                    "mémoire",
                    ref="A",
                ),
                target(
                    f"{d.HOST_DISK_FREE.key}{{{S}}} / {d.HOST_DISK_TOTAL.key}{{{S}}}",
                    "disque {{mount}}",
                    ref="B",
                ),
            ],
            pos(12, 18, 12, 8),
            description="Part libre de la mémoire et de chaque disque surveillé.",
            unit="percentunit",
        ),
    ],
)
