"""Santé du collecteur: broker, history, messages set aside or refused, agents' clocks and outboxes."""

from __future__ import annotations

from typing import Any

from collector import descriptions as d
from collector.alerting.rules import DROPPED, REJECTED
from dashboards import promql as q
from dashboards import words
from dashboards.common import Column, assemble, data_link, pos, series, stat, table, target
from dashboards.pc import CLOCK_STEPS, TOLERANCE

PC = Column("poste", links=[data_link("Ouvrir ${__value.text}", "pc",
                                      {"site": "${__data.fields.site}", "agent": "${__data.fields.agent}"})])  # fmt: skip
SITE = Column(
    "site", links=[data_link("Ouvrir le site ${__value.text}", "site", {"site": "${__data.fields.site}"})]
)
TO_PC = data_link("Ouvrir ${__field.labels.poste}", "pc",
                  {"site": "${__field.labels.site}", "agent": "${__field.labels.agent}"})  # fmt: skip


def by_reason(counter: d.MetricDescription[Any], words_: dict[str, str]) -> str:
    """Return the messages counted per reason over each step, the reason in French (``raison``)."""
    return q.translate(
        f"sum by (reason) (increase({counter.series}[$__rate_interval]))", "reason", "raison", words_
    )


dashboard = assemble(
    "health",
    title="ESC — santé du collecteur",
    description="Ce qui peut fausser les chiffres sans se voir : broker, historique, messages écartés ou refusés, "
    "horloges et files d'attente des postes.",
    time="now-24h",
    panels=[
        stat(
            "Broker MQTT",
            f"{d.MQTT_CONNECTED.key}",
            pos(0, 0, 5, 4),
            description="Connecté : le collecteur reçoit les messages des postes ; déconnecté : il n'entend plus rien.",
            mappings=words.CONNECTED,
        ),
        stat(
            "Historique enregistré",
            f"{d.STORAGE_OK.key}",
            pos(5, 0, 5, 4),
            description="Oui : l'historique s'écrit ; non : il ne peut plus s'écrire (disque plein ou en erreur) et le "
            "collecteur cesse d'acquitter les messages, que les postes gardent.",
            mappings=words.YES_NO,
        ),
        stat(
            "Postes connus",
            f"{d.AGENTS_KNOWN.key}",
            pos(10, 0, 4, 4),
            description="Postes dont le collecteur a reçu au moins un message depuis son démarrage.",
        ),
        stat(
            "Codes de panne inconnus",
            f"sum(increase({d.UNKNOWN_REASON_CODES.series}[$__range]))",
            pos(14, 0, 5, 4),
            description="Raisons envoyées par des agents plus récents que ce collecteur, sur la période "
            "(affichées « autre problème ») : mettre le collecteur à jour.",
            red_from=1,
        ),
        stat(
            "Séries non exportées",
            f"sum(increase({d.EXPORT_ERRORS.series}[$__range])) or vector(0)",
            pos(19, 0, 5, 4),
            description="Valeurs que le collecteur n'a pas pu calculer pendant la période (voir son journal).",
            red_from=1,
        ),
        series(
            "Messages écartés, par raison",
            [target(by_reason(d.MESSAGES_DROPPED, dict(DROPPED)), "{{raison}}")],
            pos(0, 4, 12, 8),
            description="Messages valides non pris en compte : poste ou appareil non déclaré dans sites.toml, site "
            "inconnu, trop d'appareils ou de messages pour un poste.",
            bars_=True,
        ),
        series(
            "Messages refusés, par raison",
            [target(by_reason(d.MESSAGES_REJECTED, {str(k): v for k, v in REJECTED.items()}), "{{raison}}")],
            pos(12, 4, 12, 8),
            description="Messages qui ne respectent pas le contrat (trop gros, JSON illisible, date impossible…).",
            bars_=True,
        ),
        table(
            "Horloges des postes",
            q.named_agents(f"{d.AGENT_CLOCK_OFFSET.key}"),
            pos(0, 12, 12, 9),
            description=f"Avance (+) ou retard (−) de chaque poste sur le collecteur. Au-delà de {TOLERANCE:.0f} s "
            "(rouge), ses mesures sont datées à leur arrivée.",
            columns=[
                SITE,
                PC,
                Column("Value", "Décalage", unit="s", thresholds=CLOCK_STEPS),
                Column("agent"),
            ],
            metrics=[d.AGENT_CLOCK_OFFSET],
            sort="Décalage",
        ),
        series(
            "Décalage des horloges",
            [target(q.named_agents(f"{d.AGENT_CLOCK_OFFSET.key}"), "{{poste}} ({{site}})")],
            pos(12, 12, 12, 9),
            description="Avance (+) ou retard (−) de chaque poste sur le collecteur, dans le temps.",
            unit="s",
            thresholds=CLOCK_STEPS,
            links=[TO_PC],
        ),
        series(
            "Messages datés à l'arrivée",
            [
                target(
                    q.named_agents(f"increase({d.AGENT_UNTRUSTED_TIMES.series}[$__rate_interval])"),
                    "{{poste}} ({{site}})",
                )
            ],
            pos(0, 21, 8, 8),
            description="Messages d'un poste dont l'horloge n'était pas fiable : datés à leur arrivée au collecteur.",
            links=[TO_PC],
        ),
        series(
            "Files d'attente des postes",
            [target(q.named_agents(f"{d.AGENT_OUTBOX.key}"), "{{poste}} ({{site}})")],
            pos(8, 21, 8, 8),
            description="Messages en attente d'envoi sur chaque poste (un broker difficile à joindre).",
            links=[TO_PC],
        ),
        series(
            "Mesures perdues par les postes",
            [
                target(
                    q.named_agents(f"increase({d.AGENT_OUTBOX_DROPPED.series}[$__rate_interval])"),
                    "{{poste}} ({{site}})",
                )
            ],
            pos(16, 21, 8, 8),
            description="Messages qu'un poste a jetés parce que sa file d'attente était pleine.",
            links=[TO_PC],
        ),
        series(
            "Messages acceptés, rejoués, périmés",
            [
                target(
                    f"sum by (kind) (increase({d.MESSAGES_ACCEPTED.series}[$__rate_interval]))",
                    "acceptés : {{kind}}",
                    ref="A",
                ),
                target(
                    f"increase({d.MESSAGES_DUPLICATE.series}[$__rate_interval])",
                    "doublons (rejoués)",
                    ref="B",
                ),
                target(
                    f"increase({d.STATUS_STALE.series}[$__rate_interval])",
                    "états d'une session ancienne",
                    ref="C",
                ),
                target(
                    f"increase({d.UNTRUSTED_TIMES.series}[$__rate_interval])", "datés à l'arrivée", ref="D"
                ),
            ],
            pos(0, 29, 24, 8),
            description="Le trafic reçu, par type de message, et les messages écartés sans être des erreurs.",
        ),
    ],
)
