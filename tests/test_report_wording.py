"""The report's French, case by case: periods, figures, the target's levels, the k-of-n rule, the summary sentence.

Figures are built by hand (seconds of open time) so that each expected text can be checked
with a pencil: the computation is written beside each case.
"""

from __future__ import annotations

import datetime as dt

import pytest

from agent.contract import french
from collector.availability import Figures
from collector.report import render, wording
from collector.report.build import Report, ServiceReport, SiteReport, previous_period
from collector.sites import SERVICE_LABELS

D = dt.date
NNBSP = "\u202f"
NOV, OCT = 504_000.0, 554_400.0  # open seconds of November and October 2026 at 7 h a weekday


def fig(open_s: float = NOV, down: float = 0.0, unknown: float = 0.0, maintenance: float = 0.0) -> Figures:
    """Figures of a period: what is neither down, unknown nor maintenance is up."""
    return Figures(0.0, 1.0, open_seconds=open_s, up_seconds=open_s - down - unknown - maintenance,
                   down_seconds=down, unknown_seconds=unknown, maintenance_seconds=maintenance)  # fmt: skip


def svc(name: str, now: Figures, before: Figures | None = None, *, k: int = 1, n: int = 1,
        kinds: str = "device", label: str | None = None) -> ServiceReport:  # fmt: skip
    return ServiceReport(name, label or SERVICE_LABELS[name], k, n, now, previous=before or fig(OCT),
                         kinds=kinds)  # type: ignore[arg-type]  # fmt: skip


def place(
    *services: ServiceReport, name: str = "ESC Maurepas", target: float = 0.98, open_s: float = NOV
) -> SiteReport:
    return SiteReport("maurepas", name, "Europe/Paris", 0.0, 1.0, open_s, list(services), target=target)


@pytest.mark.parametrize(
    ("first", "last", "months", "label", "during", "previous"),
    [
        (D(2026, 11, 1), D(2026, 11, 30), 1, "novembre 2026", "en novembre 2026", (D(2026, 10, 1), D(2026, 10, 31))),
        (D(2027, 1, 1), D(2027, 1, 31), 1, "janvier 2027", "en janvier 2027", (D(2026, 12, 1), D(2026, 12, 31))),
        (D(2026, 3, 1), D(2026, 3, 31), 1, "mars 2026", "en mars 2026", (D(2026, 2, 1), D(2026, 2, 28))),
        (D(2026, 10, 1), D(2026, 12, 31), 3, "octobre à décembre 2026", "d'octobre à décembre 2026",
         (D(2026, 7, 1), D(2026, 9, 30))),
        (D(2025, 11, 1), D(2026, 1, 31), 3, "novembre 2025 à janvier 2026", "de novembre 2025 à janvier 2026",
         (D(2025, 8, 1), D(2025, 10, 31))),
        # Not whole months: the same number of days just before (14 days: 19 October - 1 November).
        (D(2026, 11, 2), D(2026, 11, 15), None, "du 02/11/2026 au 15/11/2026", "du 02/11/2026 au 15/11/2026",
         (D(2026, 10, 19), D(2026, 11, 1))),
    ],
)  # fmt: skip
def test_periods(
    first: D, last: D, months: int | None, label: str, during: str, previous: tuple[D, D]
) -> None:
    assert french.whole_months(first, last) == months
    assert french.period(first, last) == label
    assert french.during(first, last) == during
    assert previous_period(first, last) == previous


def test_previous_period_named_beside_the_current_one() -> None:
    assert french.period(D(2026, 10, 1), D(2026, 10, 31), year=2026) == "octobre"
    assert french.period(D(2025, 12, 1), D(2025, 12, 31), year=2026) == "décembre 2025"
    assert french.period(D(2026, 8, 1), D(2026, 10, 31), year=2026) == "août à octobre"


@pytest.mark.parametrize(
    ("zone", "name"),
    [("Europe/Paris", "heure de Paris"), ("Indian/Reunion", "heure de La Réunion"),
     ("America/Cayenne", "heure de Cayenne"), ("America/Port_of_Spain", "heure de Port of Spain")],
)  # fmt: skip
def test_zone_names(zone: str, name: str) -> None:
    assert french.zone_name(zone) == name


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.974, "97,4"),
        (1.0, "100,0"),
        (0.0, "0,0"),
        (0.99996, "99,996"),  # 100,0 and 100,00 would hide a loss: one more digit each time
        (0.999999, "> 99,99"),
        (0.0004, "0,04"),  # 0,0 would say nothing was up
    ],
)
def test_ratios_never_round_to_a_false_100_or_0(value: float, text: str) -> None:
    assert wording.precise_ratio(value) == f"{text}{NNBSP}%"


@pytest.mark.parametrize(
    ("figures", "availability", "unmeasured"),
    [
        (fig(down=4_032), f"99,2{NNBSP}%", "aucun"),  # 499,968 / 504,000
        (fig(unknown=3_600), f"100,0{NNBSP}%", f"1 h (0,7{NNBSP}%)"),  # 3,600 / 504,000 = 0,71 %
        (
            fig(unknown=7_800, down=5_000),
            f"99,0{NNBSP}%",
            f"2 h 10 (1,5{NNBSP}%)",
        ),  # 491,200 / 496,200; 1,55 %
        (fig(unknown=10), f"100,0{NNBSP}%", f"10 s (< 0,1{NNBSP}%)"),  # never « 0 % » for some time
        (fig(unknown=NOV), "non mesuré", f"140 h (100,0{NNBSP}%)"),
        (fig(maintenance=NOV), "maintenance programmée", "aucun"),
        (fig(open_s=0), "sans objet", "sans objet"),
        (None, "—", "—"),
    ],
)
def test_figures_in_words(figures: Figures | None, availability: str, unmeasured: str) -> None:
    assert wording.availability(figures) == availability
    assert wording.unmeasured(figures) == unmeasured


@pytest.mark.parametrize(
    ("target", "down", "level"),
    [
        (0.98, 0, "good"),
        (0.98, 10_080, "good"),  # 493,920 / 504,000 = 98,0 % exactly: reached
        (0.98, 10_081, "warn"),  # one second more: under by less than 5 points
        (0.98, 35_280, "warn"),  # 468,720 / 504,000 = 93,0 %: the warn band's floor, included
        (0.98, 35_300, "bad"),  # 92,996 %: more than 5 points under
        (0.95, 25_200, "good"),  # 95,0 % with a 95 % target
        (0.95, 50_400, "warn"),  # 90,0 %
        (0.95, 50_500, "bad"),  # 89,98 %
    ],
)
def test_colours_follow_the_site_target(target: float, down: float, level: str) -> None:
    assert wording.level(fig(down=down), target) == level


def test_nothing_measured_has_no_colour() -> None:
    assert wording.level(fig(unknown=NOV), 0.98) == "na"
    assert wording.level(fig(open_s=0), 0.98) == "na"
    assert {level: style.symbol for level, style in wording.LEVELS.items()} == {
        "good": "✓", "warn": "▽", "bad": "▼", "na": "",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("service", "rule"),
    [
        (svc("impression", fig(), k=1, n=3), "au moins 1 des 3 imprimantes"),
        (svc("postes", fig(), k=3, n=4, kinds="pc"), "au moins 3 des 4 postes"),
        (svc("postes", fig(), k=2, n=2, kinds="pc"), "les 2 postes ensemble"),
        (svc("numerisation", fig(), k=1, n=1), "1 appareil de numérisation"),
        (svc("postes", fig(), k=2, n=1, kinds="pc"), "2 postes requis, 1 en place"),
        (svc("wifi", fig(), k=1, n=2, kinds="mixed"), "au moins 1 des 2 appareils ou postes"),
    ],
)
def test_the_k_of_n_rule_in_words(service: ServiceReport, rule: str) -> None:
    assert wording.rule(service) == rule


@pytest.mark.parametrize(
    ("name", "subject", "at"),
    [
        ("ESC Maurepas", "l'ESC Maurepas", "à l'ESC Maurepas"),
        ("la Maison des services", "la Maison des services", "à la Maison des services"),
        ("Le Relais", "le Relais", "au Relais"),
    ],
)
def test_site_names_in_sentences(name: str, subject: str, at: str) -> None:
    assert (wording.site_subject(name), wording.site_at(name)) == (subject, at)


NOVEMBER = (D(2026, 11, 1), D(2026, 11, 30), "octobre")


@pytest.mark.parametrize(
    ("site", "sentence"),
    [
        # The example: 499,968 / 504,000 = 99,2 %; October 540,540 / 554,400 = 97,5 %.
        (place(svc("impression", fig(down=4_032), fig(OCT, down=13_860))),
         "En novembre 2026, à l'ESC Maurepas, l'impression a été disponible 99,2 % du temps d'ouverture "
         "(octobre : 97,5 %) ; objectif de 98 % atteint."),
        # A plural subject first; PCs 480,000 / 504,000 = 95,2 % (under 98 %); scanning 100 %; October
        # PCs 554,400 - 27,720 = 526,680 / 554,400 = 95,0 %.
        (place(svc("postes", fig(down=24_000), fig(OCT, down=27_720), kinds="pc"),
               svc("numerisation", fig())),
         "En novembre 2026, à l'ESC Maurepas, les postes en libre-service ont été disponibles 95,2 % du temps "
         "d'ouverture (octobre : 95,0 %) et la numérisation 100,0 % (octobre : 100,0 %) ; objectif de 98 % "
         "atteint, sauf pour les postes en libre-service."),
        # Some time not measured: the figure is of measured time, and the sentence says how much was not:
        # 496,200 - 5,000 = 491,200 / 496,200 = 99,0 %; 7,800 / 504,000 = 1,5 %.
        (place(svc("impression", fig(down=5_000, unknown=7_800)), target=0.995),
         "En novembre 2026, à l'ESC Maurepas, l'impression a été disponible 99,0 % du temps d'ouverture mesuré "
         "(octobre : 100,0 %) ; objectif de 99,5 % non atteint ; temps non mesuré : 2 h 10 (1,5 %) pour "
         "l'impression."),
        # A service nobody observed, agreement included; a label of the site's own; maintenance left out.
        (place(svc("impression", fig(maintenance=7_200), label="imprimantes du 1er"),
               svc("numerisation", fig(unknown=NOV), fig(OCT, unknown=OCT))),
         "En novembre 2026, à l'ESC Maurepas, le service « imprimantes du 1er » a été disponible 100,0 % du "
         "temps d'ouverture hors maintenance programmée (octobre : 100,0 %) ; la numérisation n'a pas été "
         "mesurée (octobre : non mesuré) ; objectif de 98 % atteint."),
        (place(svc("postes", fig(unknown=NOV), kinds="pc")),
         "En novembre 2026, à l'ESC Maurepas, les postes en libre-service n'ont pas été mesurés (octobre : "
         "100,0 %)."),
        (place(svc("impression", fig(open_s=0)), name="ESC Kléber", open_s=0),
         "En novembre 2026, l'ESC Kléber n'a eu aucune heure d'ouverture : disponibilité sans objet "
         "(octobre : impression 100,0 %)."),
        (place(name="ESC Kléber"), "En novembre 2026, l'ESC Kléber ne déclare aucun service."),
    ],
)  # fmt: skip
def test_the_summary_sentence(site: SiteReport, sentence: str) -> None:
    first, last, previous = NOVEMBER
    text = wording.summary(site, first, last, previous)
    assert text.count("\u00a0:") == sentence.count(" :")  # no line starts with « : »
    assert text.replace(NNBSP, " ").replace("\u00a0", " ") == sentence


def test_production_time_in_each_site_zone_never_utc() -> None:
    # 19:38 in Paris (UTC+1), 22:38 in La Réunion (UTC+4).
    moment = dt.datetime(2026, 12, 1, 18, 38, tzinfo=dt.UTC)
    paris = place()
    reunion = SiteReport("st-denis", "ESC Saint-Denis", "Indian/Reunion", 0.0, 1.0, NOV, [])
    assert render.generated_fr(Report(D(2026, 11, 1), D(2026, 11, 30), moment, 0, [paris])) == (
        "le 01/12/2026 à 19:38 (heure de Paris)"
    )
    assert render.generated_fr(Report(D(2026, 11, 1), D(2026, 11, 30), moment, 0, [paris, reunion])) == (
        "le 01/12/2026 à 19:38 (heure de Paris), soit 01/12/2026 à 22:38 (heure de La Réunion)"
    )
