"""Every counted second happened (issue 11): per function, at the instant observed, for members that exist.

Pure tests on the history → figures path with hand computations written beside each case. The
site is open Mo-Fr 09:00-12:00,14:00-18:00 (Paris), November 2026 (helpers/periods.py).
"""

from __future__ import annotations

import msgspec
import pytest

from collector.availability import INF, Transition, observed_timeline
from collector.figures import member_figures, member_timeline, service_figures
from collector.history import History
from collector.intervals import Measure
from collector.sites import Calendar, Site

from helpers.periods import HOURS, t

MONDAY = t("2026-11-02 00:00")
TUESDAY = t("2026-11-03 00:00")


def copier_site(**devices: object) -> Site:
    """A site with one MFP (prints and scans) in both services, plus extra declarations."""
    return msgspec.convert(
        {
            "name": "ESC Test",
            "opening_hours": HOURS,
            "devices": {"mfp": {"name": "le copieur", "functions": ["print", "scan"]}, **devices},
            "services": {
                "impression": {"devices": ["mfp"]},
                "numerisation": {"devices": ["mfp"]},
            },
        },
        Site,
    )


# --------------------------------------------------------------------------- per function


def test_toner_empty_stops_printing_not_scanning() -> None:
    # Monday: toner empty from 10:00 to 11:00 (1 h of open time), judged per function.
    timelines = {
        ("device", "mfp", "print"): [
            Transition(MONDAY, "ok"),
            Transition(t("2026-11-02 10:00"), "down", ("toner_empty",)),
            Transition(t("2026-11-02 11:00"), "ok"),
        ],
        ("device", "mfp", "scan"): [Transition(MONDAY, "ok")],
    }
    site = copier_site()
    printing = service_figures(site, "impression", timelines, MONDAY, TUESDAY)
    scanning = service_figures(site, "numerisation", timelines, MONDAY, TUESDAY)
    # Open Monday: 7 h = 25,200 s. Printing lost 3,600 s; scanning nothing.
    assert printing.open_seconds == scanning.open_seconds == 25_200
    assert printing.down_seconds == 3_600
    assert printing.causes == [("toner", 3_600, 1)]
    assert scanning.down_seconds == 0
    assert scanning.availability == 1.0


def test_an_adf_jam_stops_scanning_not_printing() -> None:
    # Monday 15:00-15:30 an ADF jam: 1,800 s lost by scanning only.
    timelines = {
        ("device", "mfp", "print"): [Transition(MONDAY, "ok")],
        ("device", "mfp", "scan"): [
            Transition(MONDAY, "ok"),
            Transition(t("2026-11-02 15:00"), "down", ("adf_jam",)),
            Transition(t("2026-11-02 15:30"), "ok"),
        ],
    }
    site = copier_site()
    assert service_figures(site, "impression", timelines, MONDAY, TUESDAY).down_seconds == 0
    scanning = service_figures(site, "numerisation", timelines, MONDAY, TUESDAY)
    assert scanning.down_seconds == 1_800
    assert scanning.causes == [("jam", 1_800, 1)]


def test_a_history_without_functions_falls_back_on_the_device_as_a_whole() -> None:
    # Written before per-function states: the whole device's timeline judges both services.
    timelines = {("device", "mfp", ""): [Transition(MONDAY, "ok"), Transition(t("2026-11-02 10:00"), "down")]}
    site = copier_site()
    # 10:00-12:00 + 14:00-18:00 = 6 h down for both.
    assert service_figures(site, "numerisation", timelines, MONDAY, TUESDAY).down_seconds == 21_600


def test_a_scan_service_needs_a_device_that_scans() -> None:
    with pytest.raises(msgspec.ValidationError, match="offers print, not 'scan'"):
        msgspec.convert(
            {"name": "x", "opening_hours": "24/7", "devices": {"p": {"functions": ["print"]}},
             "services": {"numerisation": {"devices": ["p"]}}},
            Site,
        )  # fmt: skip


# --------------------------------------------------------------------------- coverage: "non mesuré"


def test_time_nobody_observed_is_unknown_even_if_the_last_state_was_ok() -> None:
    # Bug 4 of the issue: ok recorded at 09:00, then the collector (and everyone) silent until the
    # next day. Observed runs: only 09:00-09:03 (stale_after 180 s). The rest of Monday is unknown.
    timeline = [Transition(t("2026-11-02 09:00"), "ok")]
    runs = [(t("2026-11-02 09:00"), t("2026-11-02 09:03"))]
    effective = observed_timeline(timeline, runs, start=MONDAY, end=TUESDAY)
    assert [(x.ts, x.state) for x in effective] == [
        (MONDAY, "absent"),  # before its first state the member did not exist
        (t("2026-11-02 09:00"), "ok"),
        (t("2026-11-02 09:03"), "unknown"),
    ]
    calendar = Calendar(copier_site())
    figures = member_figures(
        effective, MONDAY, TUESDAY, opened=Measure(calendar.open_intervals(MONDAY, TUESDAY))
    )
    # Open from 09:00 (its life): 25,200 s; observed 180 s of it; the rest, 25,020 s, unknown — never up.
    assert figures.open_seconds == 25_200
    assert figures.up_seconds == 180
    assert figures.unknown_seconds == 25_020


def test_late_readings_cover_the_time_they_observed() -> None:
    # An agent observed all morning but its readings arrived at 14:00 (broker down): the history
    # holds them at their own instants and the runs they extended. Nothing of the morning is unknown.
    history = History(":memory:")
    stale = 180.0
    for minute in range(0, 181, 1):  # 09:00 .. 12:00, one reading a minute
        at = t("2026-11-02 09:00") + 60 * minute
        state = "down" if t("2026-11-02 10:00") <= at < t("2026-11-02 10:20") else "ok"
        reasons = ("jam",) if state == "down" else ()
        history.record("s", "device", "mfp", at, state, reasons, function="print")
        history.observed("s", "device", "mfp", at, at + stale)
    site = copier_site()
    figures = service_figures(
        site, "impression", history.timelines("s", MONDAY, TUESDAY), MONDAY, TUESDAY,
        coverage=history.coverage("s", MONDAY, TUESDAY),
    )  # fmt: skip
    # Morning 09:00-12:00: 10,800 s observed (the last run ends 12:03, after closing): jam 10:00-10:20.
    # Afternoon 14:00-18:00 nobody observed: 14,400 s unknown.
    assert figures.down_seconds == 1_200
    assert figures.unknown_seconds == 14_400
    assert figures.up_seconds == 10_800 - 1_200
    assert [(o.start, o.open_seconds) for o in figures.outages] == [(t("2026-11-02 10:00"), 1_200)]


def test_coverage_runs_merge_touching_and_late_observations() -> None:
    history = History(":memory:")
    history.observed("s", "pc", "p", 100.0, 280.0)
    history.observed("s", "pc", "p", 200.0, 380.0)  # extends the open run
    history.observed("s", "pc", "p", 1_000.0, 1_180.0)  # a gap: a new run
    history.observed("s", "pc", "p", 500.0, 680.0)  # late data in the gap: its own run
    history.observed("s", "pc", "p", 350.0, 520.0)  # bridges the first two runs
    assert history.coverage("s", 0, 2_000) == {("pc", "p"): [(100.0, 680.0), (1_000.0, 1_180.0)]}
    history.close_run("s", "pc", "p", 1_100.0)
    assert history.coverage("s", 0, 2_000)[("pc", "p")][-1] == (1_000.0, 1_100.0)


def test_transitions_never_go_back_in_time() -> None:
    history = History(":memory:")
    assert history.record("s", "device", "d", 100.0, "ok", function="print")
    assert history.record("s", "device", "d", 200.0, "down", ("jam",), function="print")
    assert not history.record("s", "device", "d", 150.0, "ok", function="print")  # earlier: not written
    assert history.record("s", "device", "d", 300.0, "ok", function="print")
    assert [x.state for x in history.timelines("s", 0, 1_000)[("device", "d", "print")]] == [
        "ok",
        "down",
        "ok",
    ]


# --------------------------------------------------------------------------- members enter and leave


def pcs_site(**agents: object) -> Site:
    return msgspec.convert(
        {"name": "x", "opening_hours": HOURS, "agents": agents,
         "services": {"postes": {"pcs": list(agents), "min_usable": 2}}},
        Site,
    )  # fmt: skip


def test_a_retired_member_no_longer_exists() -> None:
    # Two PCs, 2 of 2 needed. pc2 retired Monday 14:00 (until). From then on the service can count
    # only pc1: one usable PC < 2 → down (not unknown, not up), 4 h of open time.
    site = pcs_site(pc1={"name": "le poste 1"}, pc2={"name": "le poste 2", "until": "2026-11-02T14:00"})
    timelines = {("pc", "pc1", ""): [Transition(MONDAY, "ok")], ("pc", "pc2", ""): [Transition(MONDAY, "ok")]}
    figures = service_figures(site, "postes", timelines, MONDAY, TUESDAY)
    assert figures.up_seconds == 10_800  # the morning, both PCs
    assert figures.down_seconds == 14_400  # the afternoon, one PC left of the two needed
    assert figures.unknown_seconds == 0


def test_a_replacement_counts_from_its_own_start() -> None:
    # pc2 retired Monday 14:00; pc3 replaces it from 16:00 (since). 14:00-16:00: one PC → down;
    # 16:00-18:00: pc1 and pc3 → up. k = 2.
    site = pcs_site(
        pc1={"name": "le poste 1"},
        pc2={"name": "le poste 2", "until": "2026-11-02T14:00"},
        pc3={"name": "le poste 3", "since": "2026-11-02T16:00"},
    )
    timelines = {
        ("pc", "pc1", ""): [Transition(MONDAY, "ok")],
        ("pc", "pc2", ""): [Transition(MONDAY, "ok")],
        ("pc", "pc3", ""): [Transition(t("2026-11-02 16:00"), "ok")],
    }
    figures = service_figures(site, "postes", timelines, MONDAY, TUESDAY)
    assert figures.up_seconds == 10_800 + 7_200
    assert figures.down_seconds == 7_200


def test_a_member_with_a_start_but_no_news_is_unknown_not_absent() -> None:
    # pc3 exists from Monday 09:00 (since) but never reported: it counts as unknown, so a 2-of-2
    # service with pc1 ok is unknown, not up and not down.
    site = pcs_site(pc1={"name": "le poste 1"}, pc3={"name": "le poste 3", "since": "2026-11-02T09:00"})
    timelines = {("pc", "pc1", ""): [Transition(MONDAY, "ok")]}
    figures = service_figures(site, "postes", timelines, MONDAY, TUESDAY)
    assert figures.unknown_seconds == 25_200
    assert figures.availability is None  # sans objet: nothing measured


def test_a_members_own_figures_cover_its_life_only() -> None:
    site = pcs_site(pc1={"name": "le poste 1"}, pc2={"name": "le poste 2", "until": "2026-11-02T14:00"})
    timelines = {("pc", "pc2", ""): [Transition(MONDAY, "ok")]}
    effective = member_timeline(site, "postes", "pc", "pc2", timelines, None, MONDAY, TUESDAY)
    calendar = Calendar(site)
    own = member_figures(effective, MONDAY, TUESDAY, opened=Measure(calendar.open_intervals(MONDAY, TUESDAY)))
    assert own.open_seconds == 10_800  # 09:00-12:00 only: retired at 14:00
    assert own.up_seconds == 10_800


def test_life_bounds_are_local_dates_and_times() -> None:
    site = pcs_site(pc1={"since": "2026-11-02", "until": "2026-11-03T12:00"}, pc2={})
    born, retired = site.agent("pc1").life(site.tz)
    assert (born, retired) == (MONDAY, t("2026-11-03 12:00"))
    assert site.agent("unknown").life(site.tz) == (-INF, INF)


def test_a_declared_member_that_never_reported_is_not_measured_not_absent() -> None:
    # pcs = [pc1, pc2], 2 of 2 needed; pc1 ok all day, pc2 declared (no since) but never heard.
    # pc2 exists and is unknown: the service is unknown all day (« non mesuré »), never down.
    site = pcs_site(pc1={"name": "le poste 1"}, pc2={"name": "le poste 2"})
    timelines = {("pc", "pc1", ""): [Transition(MONDAY, "ok")]}
    figures = service_figures(site, "postes", timelines, MONDAY, TUESDAY)
    assert (figures.down_seconds, figures.unknown_seconds) == (0, 25_200)
    assert figures.outages == []
