"""The availability ground truth's calendar: Paris local times and a hand-computed November 2026.

``MONTH`` is one printer's timeline over November 2026 whose figures were computed by hand
for a site open ``HOURS`` (see ``test_availability.py``); the report tests reuse it.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from collector.availability import Transition

PARIS = ZoneInfo("Europe/Paris")
HOURS = "Mo-Fr 09:00-12:00,14:00-18:00; PH off"


def t(text: str) -> float:
    """Epoch seconds of a Paris local time '2026-11-06 17:30'."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=PARIS).timestamp()


NOV_START, NOV_END = t("2026-11-01 00:00"), t("2026-12-01 00:00")

MONTH = [
    Transition(t("2026-11-01 00:00"), "ok"),
    Transition(t("2026-11-06 17:30"), "down", ("jam",)),  # Friday, 30 min before closing
    Transition(t("2026-11-09 10:00"), "ok"),  # Monday: 1 h of open time
    Transition(t("2026-11-10 11:00"), "down", ("toner_empty",)),
    Transition(t("2026-11-10 12:30"), "degraded", ("toner_low",)),  # repaired during lunch
    Transition(t("2026-11-10 15:00"), "down", ("jam",)),  # second outage the same day
    Transition(t("2026-11-10 16:00"), "ok"),
    Transition(t("2026-11-11 08:00"), "down", ("unreachable",)),  # public holiday: not open
    Transition(t("2026-11-11 20:00"), "ok"),
    Transition(t("2026-11-12 09:00"), "unknown"),  # no fresh observation for an hour
    Transition(t("2026-11-12 10:00"), "ok"),
]
