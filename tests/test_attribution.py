"""Who is at fault (issue 14, point 3): outages caused by the internet link or an administrative site.

Pure tests on the history → figures path, every figure computed by hand beside its case. The
site is open Mo-Fr 09:00-12:00,14:00-18:00 (Paris); the day is Monday 2 November 2026 (7 h open).

The site: a link device ``internet`` (functions ``internet``, ``site_caf``, ``site_ameli``), two
public PCs in ``postes`` that need ``internet``, a kiosk ``borne`` (both sites) and a kiosk
``borne-caf`` (the CAF only) in ``bornes``, and a printer that needs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import pytest

from collector.availability import Figures, Transition, is_external, with_needs
from collector.figures import Timelines, cause_text, member_figures, member_timeline, service_figures
from collector.intervals import Measure
from collector.sites import Calendar, Site, SitesFile

from helpers.periods import HOURS, t

MONDAY = t("2026-11-02 00:00")
TUESDAY = t("2026-11-03 00:00")
LINK = ("internet", "site_caf", "site_ameli")
CUT = ("internet_unreachable",)


def the_site(*, postes_min: int = 1) -> Site:
    """The site of every case."""
    return msgspec.convert(
        {
            "name": "ESC Test",
            "opening_hours": HOURS,
            "devices": {
                "internet": {"name": "l'accès internet", "functions": list(LINK)},
                "hp": {"name": "l'imprimante"},
            },
            "agents": {
                "pc1": {"name": "le poste 1"},
                "pc2": {"name": "le poste 2"},
                "borne": {"name": "la borne", "needs": ["site_caf", "site_ameli"]},
                "borne-caf": {"name": "la borne CAF", "needs": ["site_caf"]},
            },
            "services": {
                "postes": {"pcs": ["pc1", "pc2"], "min_usable": postes_min, "needs": ["internet"]},
                "bornes": {"pcs": ["borne", "borne-caf"], "min_usable": 1, "needs": ["internet"]},
                "internet": {"devices": ["internet"]},
                "impression": {"devices": ["hp"]},
            },
        },
        Site,
    )


def ok(*members: str) -> dict[tuple[str, str, str], list[Transition]]:
    """Timelines of members ok all day."""
    out: dict[tuple[str, str, str], list[Transition]] = {}
    for member in members:
        if member == "internet":
            out.update({("device", "internet", f): [Transition(MONDAY, "ok")] for f in LINK})
        elif member == "hp":
            out[("device", "hp", "print")] = [Transition(MONDAY, "ok")]
        else:
            out[("pc", member, "")] = [Transition(MONDAY, "ok")]
    return out


def link_cut(
    start: str, end: str, reasons: tuple[str, ...] = CUT
) -> dict[tuple[str, str, str], list[Transition]]:
    """The link down from ``start`` to ``end`` (every link function down, as the agent's judge says)."""
    return {
        ("device", "internet", f): [
            Transition(MONDAY, "ok"),
            Transition(t(f"2026-11-02 {start}"), "down", reasons),
            Transition(t(f"2026-11-02 {end}"), "ok"),
        ]
        for f in LINK
    }


def down(kind: str, member: str, function: str, start: str, end: str, reasons: Sequence[str]) -> dict[tuple[str, str, str], list[Transition]]:  # fmt: skip
    """One member (or function) down from ``start`` to ``end``, ok before and after."""
    return {
        (kind, member, function): [
            Transition(MONDAY, "ok"),
            Transition(t(f"2026-11-02 {start}"), "down", tuple(reasons)),
            Transition(t(f"2026-11-02 {end}"), "ok"),
        ]
    }


def figures(site: Site, service: str, timelines: Timelines, blip: float = 0.0) -> Figures:
    return service_figures(site, service, timelines, MONDAY, TUESDAY, blip_seconds=blip)


# --------------------------------------------------------------------------- the table

# (case, timelines, service, down seconds, external seconds, causes as (cause, seconds, outages))
CASES = [
    (
        # 10:00-11:00 the link is cut, both PCs are on: 3,600 s lost, all of it external.
        "link cut, PCs on",
        {**ok("pc1", "pc2", "borne", "borne-caf", "hp"), **link_cut("10:00", "11:00")},
        "postes", 3_600, 3_600, [("internet", 3_600, 1)],
    ),
    (
        # The printer needs nothing: the cut does not touch it.
        "link cut, printing",
        {**ok("pc1", "pc2", "borne", "borne-caf", "hp"), **link_cut("10:00", "11:00")},
        "impression", 0, 0, [],
    ),
    (
        # The link itself: its own outage is external.
        "link cut, the internet service",
        {**ok("pc1", "pc2", "borne", "borne-caf", "hp"), **link_cut("10:00", "11:00")},
        "internet", 3_600, 3_600, [("internet", 3_600, 1)],
    ),
    (
        # PC 1 off 10:00-12:00, PC 2 on; the link cut 10:30-11:00. One PC suffices: postes is down
        # only while the link is cut (PC 2 cannot work without it): 1,800 s, external.
        "one PC off, link cut inside",
        {**ok("pc2", "borne", "borne-caf", "hp"), **down("pc", "pc1", "", "10:00", "12:00", ["pc_off"]),
         **link_cut("10:30", "11:00")},
        "postes", 1_800, 1_800, [("internet", 1_800, 1)],
    ),
    (
        # Both PCs off 10:00-11:00, the link cut 10:30-11:30: one outage 10:00-11:30 (5,400 s).
        # 10:00-10:30 the structure's (pc_off, 1,800 s); 10:30-11:30 the link's: turning the PCs
        # on would not have helped (3,600 s external).
        "PCs off, then the link",
        {**ok("borne", "borne-caf", "hp"), **down("pc", "pc1", "", "10:00", "11:00", ["pc_off"]),
         **down("pc", "pc2", "", "10:00", "11:00", ["pc_off"]), **link_cut("10:30", "11:30")},
        "postes", 5_400, 3_600, [("internet", 3_600, 1), ("pc_off", 1_800, 1)],
    ),
    (
        # Two PCs needed. PC 1 off all morning (09:00-12:00, 10,800 s down); the link cut
        # 10:00-11:00: then fixing PC 1 would not help (3,600 s external); 7,200 s internal.
        "2 of 2, one off all morning, link cut",
        {**ok("pc2", "borne", "borne-caf", "hp"), **down("pc", "pc1", "", "08:00", "12:00", ["pc_off"]),
         **link_cut("10:00", "11:00")},
        "postes2", 10_800, 3_600, [("pc_off", 7_200, 1), ("internet", 3_600, 1)],
    ),
    (
        # The CAF's site down 14:00-15:00 while the link works. The kiosk « borne » still reaches
        # Ameli; « borne-caf » is useless, but one kiosk suffices: bornes stays up.
        "CAF down, one kiosk suffices",
        {**ok("internet", "pc1", "pc2", "borne", "borne-caf", "hp"),
         **down("device", "internet", "site_caf", "14:00", "15:00", ["site_unreachable"])},
        "bornes", 0, 0, [],
    ),
    (
        # Both administrative sites down 14:00-15:00, the link working: no kiosk is usable,
        # 3,600 s external, each site named (the first one takes the seconds).
        "both sites down",
        {**ok("internet", "pc1", "pc2", "borne", "borne-caf", "hp"),
         **down("device", "internet", "site_caf", "14:00", "15:00", ["site_unreachable"]),
         **down("device", "internet", "site_ameli", "14:00", "15:00", ["site_http_error"])},
        "bornes", 3_600, 3_600, [("site:caf", 3_600, 1), ("site:ameli", 0, 1)],
    ),
    (
        # A kiosk's lockdown broken 16:00-17:00 and the other kiosk's CAF down at the same time:
        # fixing the lockdown would give a usable kiosk, so the hour is the structure's.
        "lockdown broken while the CAF is down",
        {**ok("internet", "pc1", "pc2", "borne", "hp"),
         **down("pc", "borne", "", "16:00", "17:00", ["lockdown_broken"]),
         **down("pc", "borne-caf", "", "08:00", "08:30", ["pc_off"]),
         **down("device", "internet", "site_caf", "16:00", "17:00", ["site_unreachable"])},
        "bornes", 3_600, 0, [("lockdown", 3_600, 1), ("site:caf", 0, 1)],
    ),
    (
        # The link cut over lunch (12:00-14:00): the site is closed, nothing counts.
        "link cut while closed",
        {**ok("pc1", "pc2", "borne", "borne-caf", "hp"), **link_cut("12:00", "14:00")},
        "postes", 0, 0, [],
    ),
    (
        # A one-minute cut with a 120 s blip threshold: a blip, nothing external either.
        "a one-minute cut is a blip",
        {**ok("pc1", "pc2", "borne", "borne-caf", "hp"), **link_cut("10:00", "10:01")},
        "postes-blip", 0, 0, [],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("case", "timelines", "service", "down_s", "external_s", "causes"), CASES,
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_attribution(case: str, timelines: dict, service: str, down_s: float, external_s: float,  # type: ignore[type-arg]
                     causes: list[tuple[str, float, int]]) -> None:  # fmt: skip
    site = the_site(postes_min=2 if service == "postes2" else 1)
    name = service.removesuffix("2").removesuffix("-blip")
    found = figures(site, name, timelines, blip=120 if service.endswith("-blip") else 0)
    assert found.open_seconds == 25_200, case
    assert found.down_seconds == down_s, case
    assert found.external_seconds == external_s, case
    assert found.internal_seconds == down_s - external_s, case
    assert found.causes == causes, case
    # The external causes' seconds are exactly the external time.
    assert sum(s for c, s, _n in found.causes if is_external(c)) == external_s, case


def test_a_pc_is_down_with_the_link_on_its_own_figures() -> None:
    # PC 1 on all day, the link cut 10:00-11:00: the PC's own figures show one external hour.
    site = the_site()
    timelines = {**ok("pc1", "pc2", "borne", "borne-caf", "hp"), **link_cut("10:00", "11:00")}
    own = member_timeline(site, "postes", "pc", "pc1", timelines, None, MONDAY, TUESDAY)
    assert [(x.ts, x.state, x.causes) for x in own] == [
        (MONDAY, "ok", ()),
        (t("2026-11-02 10:00"), "down", ("internet",)),
        (t("2026-11-02 11:00"), "ok", ()),
    ]
    opened = Measure(Calendar(site).open_intervals(MONDAY, TUESDAY))
    mine = member_figures(own, MONDAY, TUESDAY, opened=opened)
    assert (mine.down_seconds, mine.external_seconds, len(mine.outages)) == (3_600, 3_600, 1)
    assert mine.outages[0].causes == ("internet",)


def test_an_unmeasured_link_changes_nothing() -> None:
    # Nobody observed the link after 10:00 (coverage ends): the PCs keep their own state, so
    # postes is up all day; the link's own service is « non mesuré » from 10:00.
    site = the_site()
    timelines = ok("internet", "pc1", "pc2", "borne", "borne-caf", "hp")
    coverage = {("device", "internet"): [(MONDAY, t("2026-11-02 10:00"))],
                **{("pc", p): [(MONDAY, TUESDAY)] for p in ("pc1", "pc2", "borne", "borne-caf")},
                ("device", "hp"): [(MONDAY, TUESDAY)]}  # fmt: skip
    postes = service_figures(site, "postes", timelines, MONDAY, TUESDAY, coverage=coverage)
    assert (postes.availability, postes.unknown_seconds) == (1.0, 0)
    link = service_figures(site, "internet", timelines, MONDAY, TUESDAY, coverage=coverage)
    assert (link.up_seconds, link.unknown_seconds) == (3_600, 21_600)


def test_a_pc_unmeasured_during_a_cut_is_down() -> None:
    # Nobody heard PC 1 and PC 2 between 10:00 and 11:00 (unknown), but the link was known to be
    # cut 10:15-10:45: whatever the PCs did, they could not be used then (1,800 s, external);
    # the rest of that hour stays « non mesuré » (1,800 s).
    site = the_site()
    timelines = {**ok("pc1", "pc2", "borne", "borne-caf", "hp"), **link_cut("10:15", "10:45")}
    pcs = [(MONDAY, t("2026-11-02 10:00")), (t("2026-11-02 11:00"), TUESDAY)]
    coverage = {("pc", "pc1"): pcs, ("pc", "pc2"): pcs, ("device", "internet"): [(MONDAY, TUESDAY)]}
    postes = service_figures(site, "postes", timelines, MONDAY, TUESDAY, coverage=coverage)
    assert (postes.down_seconds, postes.external_seconds, postes.unknown_seconds) == (1_800, 1_800, 1_800)


@pytest.mark.parametrize(
    ("cause", "text"),
    [
        ("internet", "accès internet"),
        ("site:caf", "site de la CAF injoignable"),
        ("site:ants", "site de l'ANTS injoignable"),
        ("site:impots", "site d'impots.gouv.fr injoignable"),
        ("site:france_travail", "site de France Travail injoignable"),
        ("site:mairie", "site de mairie injoignable"),
        ("pc_off", "poste éteint ou hors ligne"),
    ],
)
def test_cause_text(cause: str, text: str) -> None:
    assert cause_text(cause) == text


def test_cause_text_reads_the_sites_file_names() -> None:
    sites = msgspec.convert({"administrative_sites": {"mairie": "la mairie de Rennes"}}, SitesFile)
    assert cause_text("site:mairie", sites.administrative_site) == "site de la mairie de Rennes injoignable"
    assert cause_text("site:caf", sites.administrative_site) == "site de la CAF injoignable"


def test_with_needs_alternatives() -> None:
    # A requirement of two alternatives: down only while both are; unknown or absent ones
    # change nothing; the member's own absence wins.
    own = [Transition(0, "ok"), Transition(50, "absent")]
    a = [Transition(0, "ok"), Transition(10, "down", ("site_unreachable",)), Transition(30, "ok")]
    b = [Transition(0, "ok"), Transition(20, "down", ("site_http_error",)), Transition(40, "unknown")]
    out = with_needs(own, [[a, b]])
    assert [(x.ts, x.state, x.reasons) for x in out] == [
        (0, "ok", ()),
        (20, "down", ("site_unreachable", "site_http_error")),
        (30, "ok", ()),
        (50, "absent", ()),
    ]


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        ({"agents": {"k": {"needs": ["site_caf"]}}}, "agents.k: needs 'site_caf', which no device of the site offers"),
        ({"devices": {"internet": {"functions": ["internet"], "needs": ["internet"]}}},
         "devices.internet: offers 'internet', which others need, so it cannot need anything"),
    ],
)  # fmt: skip
def test_needs_are_checked(declaration: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(msgspec.ValidationError, match=message):
        msgspec.convert({"name": "S", "opening_hours": "24/7", **declaration}, Site)
