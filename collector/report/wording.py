"""The report's French: figures as people read them, the service rule, the target, the summary sentence.

Pure functions over :mod:`collector.report.build` data, shared by the HTML/PDF template and the
CSV, so a figure is written the same way everywhere:

* availability: « 97,4 % »; « sans objet » when the site was not open at all; « non mesuré »
  when it was open but nobody observed the service (never 0 % or 100 %); a figure that rounds
  to 100,0 % or 0,0 % without being it gets one more digit (« 99,96 % »);
* time not measured: always a duration and its share of open time (« 2 h 10 (1,4 %) »), « aucun »
  when there is none, « sans objet » without open time — never « 0 % »;
* the k-of-n rule: « au moins 1 des 3 imprimantes »;
* the target: green when reached, orange up to :data:`WARN_MARGIN` below, red further below,
  grey when not measured; each level also has a symbol, so the colour is never the only sign;
* outages the structure cannot act on: « dont indisponibilités extérieures : 3 h 10 » in the
  services table, with the causes named in the summary sentence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from agent.contract import french
from collector.availability import Figures
from collector.report.build import ServiceReport, SiteReport

Level = Literal["good", "warn", "bad", "na"]

#: Below the target by less than this (0–1) is « un peu sous l'objectif » (orange), more is red.
WARN_MARGIN: Final = 0.05


@dataclass(frozen=True)
class LevelStyle:
    """How a level is shown: a symbol beside the figure, and what it says."""

    symbol: str
    meaning: str


LEVELS: Final[dict[Level, LevelStyle]] = {
    "good": LevelStyle("✓", "objectif atteint"),
    "warn": LevelStyle("▽", "un peu sous l'objectif"),
    "bad": LevelStyle("▼", "nettement sous l'objectif"),
    "na": LevelStyle("", "non mesuré ou sans objet"),
}

#: How a service is the subject of a sentence: (subject, grammatical form).
Form = Literal["m", "f", "mp", "fp"]
SUBJECTS: Final[dict[str, tuple[str, Form]]] = {
    "postes": ("les postes en libre-service", "mp"),
    "impression": ("l'impression", "f"),
    "numerisation": ("la numérisation", "f"),
    "wifi": ("le wifi public", "m"),
    "bornes": ("les bornes et sites administratifs", "fp"),
    "internet": ("l'accès internet", "m"),
}
#: What a service's members are called (singular, plural), for « au moins 1 des 3 imprimantes ».
MEMBER_NOUNS: Final[dict[str, tuple[str, str]]] = {
    "postes": ("poste", "postes"),
    "impression": ("imprimante", "imprimantes"),
    "numerisation": ("appareil de numérisation", "appareils de numérisation"),
    "wifi": ("borne wifi", "bornes wifi"),
    "bornes": ("borne", "bornes"),
    "internet": ("accès internet", "accès internet"),
}
_ENDINGS: Final[dict[Form, str]] = {"m": "", "f": "e", "mp": "s", "fp": "es"}
#: French punctuation: a no-break space before « : » and a narrow one before « ; », so that a line
#: never starts with either (the sentence is pasted into documents as it is).
COLON: Final = "\u00a0: "
SEMICOLON: Final = "\u202f; "


def precise_ratio(value: float) -> str:
    """Return a 0–1 ratio as « 97,4 % », with one more digit rather than a false 100,0 % or 0,0 %.

    >>> precise_ratio(0.99996)
    '99,996\u202f%'
    >>> precise_ratio(0.999999)
    '> 99,99\u202f%'
    """
    for digits in (1, 2, 3):
        text = french.ratio(value, digits)
        if not (value < 1 and text.startswith("100,")) and not (value > 0 and text.strip("0,\u202f%") == ""):
            return text
    return f"> 99,99{french.NARROW_NBSP}%" if value > 0.5 else f"< 0,001{french.NARROW_NBSP}%"


def availability(figures: Figures | None) -> str:
    """Return « 97,4 % », « sans objet » (no open time) or « non mesuré » (open, never observed)."""
    if figures is None:
        return "—"
    if figures.open_seconds <= 1e-9:
        return "sans objet"
    value = figures.availability
    if value is None:
        return "non mesuré" if figures.unknown_seconds > 0 else "maintenance programmée"
    return precise_ratio(value)


def share(part: float, whole: float) -> str:
    """Return ``part`` as a share of ``whole``: « 1,4 % », « < 0,1 % » (never 0 % for some time)."""
    value = part / whole
    if 0 < value < 0.0005:
        return f"< 0,1{french.NARROW_NBSP}%"
    return precise_ratio(value)


def unmeasured(figures: Figures | None) -> str:
    """Return the time not measured: « 2 h 10 (1,4 %) », « aucun », or « sans objet »."""
    if figures is None:
        return "—"
    if figures.open_seconds <= 1e-9:
        return "sans objet"
    if figures.unknown_seconds <= 0:
        return "aucun"
    return (
        f"{french.duration(figures.unknown_seconds)} ({share(figures.unknown_seconds, figures.open_seconds)})"
    )


def level(figures: Figures | None, target: float) -> Level:
    """Return how a figure stands against the site's target."""
    value = None if figures is None else figures.availability
    if value is None:
        return "na"
    if value >= target:
        return "good"
    return "warn" if value >= target - WARN_MARGIN else "bad"


def subject(service: ServiceReport) -> tuple[str, Form]:
    """Return the service as the subject of a sentence (« l'impression », feminine)."""
    if service.label != _default_label(service.name) or service.name not in SUBJECTS:
        return f"le service « {service.label} »", "m"
    return SUBJECTS[service.name]


def _default_label(name: str) -> str:
    from collector.sites import SERVICE_LABELS  # noqa: PLC0415 - tiny

    return SERVICE_LABELS.get(name, name)


def member_noun(service: ServiceReport) -> tuple[str, str]:
    """Return what the service's members are called (singular, plural)."""
    if service.kinds == "pc":
        return MEMBER_NOUNS["postes"]
    if service.kinds == "mixed":
        return "appareil ou poste", "appareils ou postes"
    return MEMBER_NOUNS.get(service.name, ("appareil", "appareils"))


def rule(service: ServiceReport) -> str:
    """Return the k-of-n rule as people say it: « au moins 1 des 3 imprimantes ».

    The members counted are those that exist at the end of the period.
    """
    singular, plural = member_noun(service)
    count, needed = service.member_count, service.min_usable
    if needed > count:
        return f"{needed} {plural} requis, {count} en place"
    if count == 1:
        return f"1 {singular}"
    if needed == count:
        return f"les {count} {plural} ensemble"
    return f"au moins {needed} des {count} {plural}"


def site_subject(name: str) -> str:
    """Return a site as a subject: « l'ESC Kléber » (names start with « ESC » or carry their article)."""
    if name.upper().startswith("ESC"):
        return f"l'{name}"
    return french.with_article(name, default="le site")


def site_at(name: str) -> str:
    """Return « à l'ESC Maurepas », « au centre social… »."""
    if name.upper().startswith("ESC"):
        return f"à l'{name}"
    return french.to(site_subject(name))


def _join(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " et " + parts[-1]


def _percent_of(target: float) -> str:
    return french.percent(target * 100, 1)


def summary(site: SiteReport, first: dt.date, last: dt.date, previous_label: str) -> str:
    """Return the site's one-sentence summary, every figure beside the previous period's.

    « En novembre 2026, à l'ESC Maurepas, l'impression a été disponible 99,2 % du temps
    d'ouverture (octobre : 97,5 %) et la numérisation 99,4 % (octobre : 98,0 %) ; objectif de
    98 % atteint. »
    """
    when = french.capitalise(french.during(first, last))
    if site.open_seconds <= 1e-9:
        earlier = [f"{s.label} {availability(s.previous)}" for s in site.services if s.previous is not None]
        tail = f" ({previous_label}{COLON}{', '.join(earlier)})" if earlier else ""
        return f"{when}, {site_subject(site.name)} n'a eu aucune heure d'ouverture{COLON}disponibilité sans objet{tail}."
    if not site.services:
        return f"{when}, {site_subject(site.name)} ne déclare aucun service."
    measured = [s for s in site.services if s.figures.availability is not None]
    unknown = [s for s in site.services if s.figures.availability is None]
    clauses: list[str] = []
    if measured:
        partial = any(s.figures.unknown_seconds > 0 for s in measured)
        maintenance = any(s.figures.maintenance_seconds > 0 for s in measured)
        of_time = "du temps d'ouverture" + (" mesuré" if partial else "")
        of_time += " hors maintenance programmée" if maintenance else ""
        parts = []
        for index, service in enumerate(measured):
            name, form = subject(service)
            before = f"({previous_label}{COLON}{availability(service.previous)})"
            if index == 0:
                verb = "ont été disponibles" if form in ("mp", "fp") else "a été disponible"
                parts.append(f"{name} {verb} {availability(service.figures)} {of_time} {before}")
            else:
                parts.append(f"{name} {availability(service.figures)} {before}")
        clauses.append(_join(parts))
    for service in unknown:
        name, form = subject(service)
        verb = "n'ont pas été mesuré" if form in ("mp", "fp") else "n'a pas été mesuré"
        clauses.append(
            f"{name} {verb}{_ENDINGS[form]} ({previous_label}{COLON}{availability(service.previous)})"
        )
    if measured:
        target = f"objectif de {_percent_of(site.target)}"
        missed = [subject(s)[0] for s in measured if level(s.figures, site.target) != "good"]
        if not missed:
            clauses.append(f"{target} atteint")
        elif len(missed) == len(measured):
            clauses.append(f"{target} non atteint")
        else:
            clauses.append(f"{target} atteint, sauf pour {_join(missed)}")
        gaps = [
            f"{unmeasured(s.figures)} pour {subject(s)[0]}" for s in measured if s.figures.unknown_seconds > 0
        ]
        if gaps:
            clauses.append(f"temps non mesuré{COLON}" + _join(gaps))
        hit = [s for s in measured if s.figures.external_seconds > 0 and s.name != "internet"]
        if hit:
            causes = dict.fromkeys(site.cause_text(c) for s in hit for c, _s, _n in s.figures.external_causes)
            outside = [f"{french.duration(s.figures.external_seconds)} pour {subject(s)[0]}" for s in hit]
            clauses.append(f"indisponibilités extérieures ({', '.join(causes)}){COLON}" + _join(outside))
    return f"{when}, {site_at(site.name)}, " + SEMICOLON.join(clauses) + "."
