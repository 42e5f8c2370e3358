"""Vue d'un poste: uptime, load, memory, disk, sessions, lockdown checks."""

from __future__ import annotations

from grafanalib.core import Dashboard, Time

from collector import descriptions as d
from dashboards.common import pos, series, site_variable, stat, table, target, templating, variable

S = 'site="$site", agent="$agent"'

dashboard = Dashboard(
    title="ESC — un poste",
    uid="esc-pc",
    description="Santé d'un poste public et de son verrouillage.",
    tags=["esc-fleet"],
    timezone="browser",
    time=Time("now-24h", "now"),
    templating=templating(
        site_variable(), variable("agent", "Poste", f'label_values({d.AGENT_UP.key}{{site="$site"}}, agent)')
    ),
    panels=[
        stat(
            "Poste en ligne",
            f"{d.AGENT_UP.key}{{{S}}}",
            pos(0, 0, 6, 4),
            description="1 : en ligne ; 0 : silencieux.",
        ),
        stat(
            "Depuis le démarrage",
            f"{d.HOST_UPTIME.key}{{{S}}}",
            pos(6, 0, 6, 4),
            description="Temps écoulé depuis le démarrage du poste.",
            unit="s",
        ),
        stat(
            "Sessions ouvertes",
            f"{d.HOST_USER_SESSIONS.key}{{{S}}}",
            pos(12, 0, 6, 4),
            description="Nombre de sessions (jamais les noms).",
        ),
        stat(
            "Verrouillage intact",
            f"{d.LOCKDOWN_OK.key}{{{S}}}",
            pos(18, 0, 6, 4),
            description="1 : intact ; 0 : rompu (sécurité).",
        ),
        series(
            "Charge et processeur",
            [
                target(f"{d.HOST_LOAD1.key}{{{S}}}", "charge 1 min", ref="A"),
                target(f"{d.HOST_CPU_USAGE.key}{{{S}}}", "processeur", ref="B"),
            ],
            pos(0, 4, 12, 8),
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
            pos(12, 4, 12, 8),
            description="Part libre de la mémoire et de chaque disque surveillé.",
            unit="percentunit",
        ),
        table(
            "Contrôles de verrouillage",
            f"{d.LOCKDOWN_CHECK.key}{{{S}}} == 1",
            pos(0, 12, 16, 9),
            description="Résultat de chaque contrôle (pass, fail, unknown).",
        ),
        series(
            "File d'attente de l'agent",
            [target(f"{d.AGENT_OUTBOX.key}{{{S}}}", "en attente")],
            pos(16, 12, 8, 9),
            description="Messages que le poste n'a pas encore pu envoyer (coupure réseau ou broker injoignable).",
        ),
    ],
).auto_panel_ids()
