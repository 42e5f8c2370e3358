"""The status page's view model: pure, time injected, tables of cases.

The fleet is built by hand (agents heard at given instants, devices observed with given bodies);
the service states are injected as the tracker would give them. Reason wording belongs to
``agent/contract/reasons.py``: the tests check the fields it is filled with (names with their
article, colour, reference, tray) and fragments that must be there, not its whole sentences.
"""

from __future__ import annotations

import datetime as dt
from html import unescape as html_unescape
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults
from zoneinfo import ZoneInfo

import msgspec
import pytest
from prometheus_client import CollectorRegistry

from agent.contract import french
from agent.contract.messages import (
    DeviceBody,
    LockdownBody,
    LockdownCheck,
    PaperInput,
    PrinterStatus,
    Reason,
    Supply,
)
from agent.contract.reasons import REASONS, describe
from agent.printers.state import reason
from collector.history import History
from collector.sites import Contacts, SitesFile
from collector.state import FleetState, Observation
from collector.web.app import make_app
from collector.web.status import Cell, Silent, SiteView, StatusPages, Todo, site_view, todo

from helpers import accessibility
from helpers.accessibility import PHONE_WIDTH, browser_page, run_axe, serious
from helpers.processes import REPO
from helpers.sites import member, service, site, sites_toml

PARIS = ZoneInfo("Europe/Paris")
STALE = 180.0
TECH = "Jean Dupont (APRAS), 02 99 11 22 33"
ARTEFACTS = REPO / "test-artifacts"
#: Every cell's right edge and the page's scroll width, against the viewport's width.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const cells = [...document.querySelectorAll('td, th, caption')].map(c => c.getBoundingClientRect());
  return {width, scroll: document.documentElement.scrollWidth, cells: cells.length,
          over: cells.filter(r => r.right > width + 0.5 || r.left < -0.5).length};
}"""


def at(text: str) -> float:
    """Return a Paris wall-clock time as epoch seconds."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=PARIS).timestamp()


OPEN = at("2026-12-01T14:07")  # a Tuesday afternoon: open
CLOSED = at("2026-12-01T19:30")  # the same evening: closed, reopens Wednesday 09:00

SITES = msgspec.toml.decode(
    sites_toml(
        site(
            "maurepas",
            name="ESC Maurepas",
            opening_hours="Mo-Fr 09:00-12:00,14:00-18:00",
            contacts={"technicien": TECH},
            devices={
                "hp": member("l'imprimante de l'accueil"),
                "sharp": member("le copieur du 1er étage", functions=["print", "scan"]),
                "old": member("la vieille imprimante", until="2026-11-01"),
                "anon": member(),
            },
            agents={"pc1": member("le poste 1"), "borne": member("la borne CAF")},
            services={
                "impression": service(devices=["hp", "sharp"]),
                "postes": service(pcs=["pc1", "borne"]),
            },
        ),
        contacts={"technicien": "Assistance, 02 99 00 00 00"},
    ).encode(),
    type=SitesFile,
)
ALL_UP = {("maurepas", "impression"): "up", ("maurepas", "postes"): "up"}

BLACK = Supply(index="1.1", description="Black Cartridge HP CF410A", type="toner", supply_class="consumed",
               unit="percent", colour="black", raw_level=8, raw_max=100, percent=8.0, marking=True, state="low")  # fmt: skip
WASTE = Supply(index="1.5", description="Toner Collection Unit", type="wasteToner", supply_class="receptacle",
               unit="percent", raw_level=10, raw_max=100, percent=10.0, fill_percent=90.0, receptacle=True,
               state="almost_full")  # fmt: skip
TRAY2 = PaperInput(index="1.2", name="Tray 2", raw_level=0, raw_max=500, percent=0.0, state="empty")
PRINTER = PrinterStatus(supplies=(BLACK, WASTE), inputs=(TRAY2,))


def body(device: str, *reasons: Reason, name: str | None = None) -> DeviceBody:
    """Return an observation body of a printer with these reasons."""
    state = "down" if any(r.severity == "down" for r in reasons) else "degraded" if reasons else "ok"
    return DeviceBody(device=device, kind="printer", name=name, reachable=True, state=state, label="",
                      reasons=reasons, printer=PRINTER)  # fmt: skip


class Fleet:
    """A fleet state built by hand."""

    def __init__(self) -> None:
        self.state = FleetState()

    def pc(self, agent: str, *, heard: float, offline: bool = False, broken: bool = False) -> Fleet:
        record = self.state.agent("maurepas", agent)
        record.last_seen = record.data_at = heard
        if offline:
            record.status, record.status_at = "offline", heard
        if broken:
            check = LockdownCheck(id="browser", label="navigateur", severity="critical", result="fail")
            record.lockdown = LockdownBody(profile="kiosk", intact=False, checks=(check,))
        return self

    def device(self, device_body: DeviceBody, *, seen: float, by: str = "pc1") -> Fleet:
        self.state.device("maurepas", device_body.device).observations[by] = Observation(
            by, device_body, seen, seen
        )
        return self

    def view(self, now: float, services: dict[tuple[str, str], str] | None = None,
             history: History | None = None) -> SiteView:  # fmt: skip
        return site_view("maurepas", SITES, self.state, history, service_states=services or ALL_UP, now=now,
                         stale_after=STALE)  # fmt: skip


def healthy(now: float, observer: str = "pc1") -> Fleet:
    """Every member heard a minute ago, nothing to do; the devices watched by ``observer``."""
    fleet = Fleet().pc("pc1", heard=now - 60).pc("borne", heard=now - 60)
    for device in ("hp", "sharp", "anon"):
        fleet.device(body(device), seen=now - 60, by=observer)
    return fleet


# --------------------------------------------------------------------------- the summary


def test_all_up_and_measured_says_everything_works() -> None:
    view = healthy(OPEN).view(OPEN)
    assert view.summary == "Tout fonctionne."
    assert view.all_good
    assert (view.now, view.later, view.silent) == ([], [], [])
    assert view.updated == "14:07"
    assert view.is_open
    assert "l'appareil anon" in [m.name for m in view.members]  # no name anywhere: never a bare id
    assert view.reopens is None


@pytest.mark.parametrize(
    ("services", "expected"),
    [
        (
            {("maurepas", "impression"): "unknown", ("maurepas", "postes"): "up"},
            "Impression\u00a0: non mesuré.",
        ),
        (
            {("maurepas", "impression"): "up", ("maurepas", "postes"): "down"},
            "Postes en libre-service\u00a0: indisponible.",
        ),
        ({("maurepas", "impression"): "up"}, "Postes en libre-service\u00a0: non mesuré."),  # no state yet
    ],
    ids=["unknown", "down", "missing"],
)
def test_a_service_not_up_is_never_everything_works(
    services: dict[tuple[str, str], str], expected: str
) -> None:
    view = healthy(OPEN).view(OPEN, services)
    assert not view.all_good
    assert view.summary == expected


def test_one_member_without_news_is_named_with_since_when() -> None:
    fleet = healthy(OPEN)
    fleet.device(body("hp"), seen=at("2026-12-01T14:02"))  # 5 min ago, stale after 3
    view = fleet.view(OPEN)
    assert view.silent == [Silent("l'imprimante de l'accueil", "pas de nouvelles depuis 14:02", "appareil")]
    assert view.summary == "1 appareil sans nouvelles."
    assert not view.all_good
    states = {m.name: m.state for m in view.members}
    assert states["l'imprimante de l'accueil"] == "état inconnu"


def test_a_silent_pc_since_yesterday_and_a_device_never_heard() -> None:
    fleet = healthy(OPEN).pc("borne", heard=at("2026-11-30T17:55"))
    del fleet.state.devices[("maurepas", "anon")]
    view = fleet.view(OPEN)
    assert Silent("la borne CAF", "pas de nouvelles depuis hier à 17:55", "poste") in view.silent
    assert Silent("l'appareil anon", "pas encore de nouvelles", "appareil") in view.silent
    assert view.summary == "1 appareil sans nouvelles\u00a0; 1 poste sans nouvelles."


def test_after_a_restart_the_history_says_since_when_it_is_not_measured() -> None:
    history = History(":memory:")
    history.observed("maurepas", "device", "hp", at("2026-12-01T13:50"), at("2026-12-01T13:58"))
    fleet = healthy(OPEN)
    del fleet.state.devices[("maurepas", "hp")]  # the collector restarted: nothing in memory
    view = fleet.view(OPEN, history=history)
    assert Silent("l'imprimante de l'accueil", "non mesuré depuis 13:58", "appareil") in view.silent


@pytest.mark.parametrize(
    ("reasons", "expected"),
    [
        ((), "Tout fonctionne."),
        (("paper_low",), "1 chose à faire."),
        (("paper_low", "toner_low"), "2 choses à faire."),
        (("paper_low", "toner_low", "waste_almost_full", "door_open"), "4 choses à faire."),
    ],
    ids=["0", "1", "2", "4"],
)
def test_singular_and_plural(reasons: tuple[str, ...], expected: str) -> None:
    subjects = {"paper_low": "1.2", "toner_low": "1.1", "waste_almost_full": "1.5"}
    fleet = healthy(OPEN).device(body("hp", *(reason(c, subjects.get(c)) for c in reasons)), seen=OPEN - 10)
    view = fleet.view(OPEN)
    assert view.summary == expected
    assert view.todo_count == len(reasons)
    assert "(s)" not in view.summary


# --------------------------------------------------------------------------- closed


def test_closed_site_waits_for_the_reopening() -> None:
    fleet = healthy(CLOSED, "borne").pc("pc1", heard=at("2026-12-01T18:02"), offline=True)  # off at closing
    fleet.device(body("hp", reason("toner_low", "1.1")), seen=CLOSED - 30, by="borne")
    view = fleet.view(CLOSED)
    assert not view.is_open
    assert view.now == []
    assert [t.code for t in view.later] == ["pc_off", "toner_low"]
    assert view.reopens == "demain à 09:00"
    assert view.summary == "2 choses à faire à la réouverture."


def test_security_stays_urgent_while_closed() -> None:
    fleet = healthy(CLOSED).pc("borne", heard=CLOSED - 20, broken=True)
    fleet.device(body("hp", reason("toner_low", "1.1")), seen=CLOSED - 30)
    view = fleet.view(CLOSED)
    assert [t.code for t in view.now] == ["lockdown_broken"]
    (security,) = view.now
    assert security.urgent
    assert security.where == "la borne CAF"
    assert security.call == TECH
    assert "la borne CAF" in security.action
    assert [t.code for t in view.later] == ["toner_low"]
    assert view.summary == "1 chose à faire maintenant\u00a0; 1 chose à faire à la réouverture."


def test_security_comes_first_while_open() -> None:
    fleet = healthy(OPEN).pc("borne", heard=OPEN - 20, broken=True)
    fleet.device(body("hp", reason("door_open")), seen=OPEN - 30)
    view = fleet.view(OPEN)
    assert [t.code for t in view.now] == ["lockdown_broken", "door_open"]
    assert view.later == []


def test_a_site_closed_for_weeks_has_no_reopening_date() -> None:
    closed = msgspec.structs.replace(SITES.sites["maurepas"], opening_hours="off")
    sites = msgspec.structs.replace(SITES, sites={"maurepas": closed})
    view = site_view("maurepas", sites, healthy(CLOSED).state, None, service_states=ALL_UP, now=CLOSED,
                     stale_after=STALE)  # fmt: skip
    assert (view.is_open, view.reopens) == (False, None)


# --------------------------------------------------------------------------- names


def test_names_come_from_sites_toml_and_survive_a_stale_agent() -> None:
    fleet = healthy(OPEN)
    fleet.device(body("hp", reason("jam", "1.2"), name="HP LaserJet M880 (agent)"), seen=OPEN - 3600)
    fleet.device(body("anon", name="la Brother du fond"), seen=OPEN - 3600)
    fleet.pc("pc1", heard=OPEN - 3600)  # the agent that watched them went silent
    fleet.device(body("sharp"), seen=OPEN - 30, by="borne")  # another one still watches the copier
    view = fleet.view(OPEN)
    names = [m.name for m in view.members]
    assert names == ["l'imprimante de l'accueil", "la Brother du fond", "le copieur du 1er étage",
                     "la borne CAF", "le poste 1"]  # fmt: skip
    silent = {s.name for s in view.silent}
    assert silent == {"l'imprimante de l'accueil", "la Brother du fond", "le poste 1"}
    assert view.now == []  # the jam is no longer known: no to-do from a stale observation
    assert all("hp" not in m.name and "anon" not in m.name for m in view.members)


def test_a_retired_member_is_not_listed() -> None:
    view = healthy(OPEN).view(OPEN)
    assert "la vieille imprimante" not in [m.name for m in view.members]


# --------------------------------------------------------------------------- each to-do


def _expected(code: str, **fields: str | None) -> str:
    named = {"device": "l'imprimante de l'accueil", "of_device": "de l'imprimante de l'accueil",
             "to_device": "à l'imprimante de l'accueil"}  # fmt: skip
    return french.capitalise(french.render(REASONS[code].action, {**named, **fields}))


@pytest.mark.parametrize(
    ("item", "fields", "fragments"),
    [
        (reason("toner_low", "1.1"), {"colour": "noir", "reference": "CF410A", "percent": "8\u202f%"},
         ["toner noir", "CF410A", "l'imprimante de l'accueil"]),
        (reason("toner_empty", "1.1"), {"colour": "noir", "reference": "CF410A", "percent": "8\u202f%"},
         ["toner noir", "CF410A", "de l'imprimante de l'accueil"]),
        (reason("waste_almost_full", "1.5"), {"percent": "90\u202f%"}, ["l'imprimante de l'accueil"]),
        (reason("tray_empty", "1.2"), {"tray": "bac 2", "percent": "0\u202f%"}, ["bac 2", "de l'imprimante"]),
        (reason("jam", "1.2"), {"tray": "bac 2", "percent": "0\u202f%"}, ["l'imprimante de l'accueil"]),
        (reason("jam", "location:4"), {"location": "4"}, ["l'imprimante de l'accueil"]),
        (reason("door_open"), {}, ["de l'imprimante de l'accueil"]),
    ],
    ids=["toner_low", "toner_empty", "waste", "tray", "jam-tray", "jam-location", "door"],
)  # fmt: skip
def test_each_to_do_says_what_to_do_with_the_parts_named(item: Reason, fields: dict[str, str],
                                                          fragments: list[str]) -> None:  # fmt: skip
    made = todo(item, body("hp", item), "l'imprimante de l'accueil", technician=TECH)
    assert made.action == _expected(item.code, **fields)
    for fragment in fragments:
        assert fragment in made.action
    assert "{" not in made.action
    assert "[" not in made.action
    assert made.where == "l'imprimante de l'accueil"
    assert made.severity == describe(item.code).severity


def test_the_title_names_the_colour_and_the_percentage() -> None:
    made = todo(reason("toner_low", "1.1"), body("hp"), "imprimante de l'accueil", technician=None)
    assert "noir" in made.title
    assert "8\u202f%" in made.title
    assert made.where == "l'imprimante de l'accueil"  # the article added to a name written without one


@pytest.mark.parametrize(
    ("code", "calls"),
    [("service_requested", True), ("lockdown_broken", True), ("device_error", True), ("toner_low", False),
     ("tray_empty", False)],
)  # fmt: skip
def test_technical_calls_say_whom_to_call(code: str, calls: bool) -> None:
    made = todo(
        reason(code, "1.1" if code == "toner_low" else None), body("hp"), "le copieur", technician=TECH
    )
    assert (made.call == TECH) is calls
    assert ("technicien" in made.action) is calls


def test_whom_to_call_falls_back_on_the_default_contact() -> None:
    sites = msgspec.structs.replace(
        SITES,
        sites={"maurepas": msgspec.structs.replace(SITES.sites["maurepas"], contacts=type(SITES.contacts)())},
    )
    fleet = healthy(OPEN).device(body("hp", reason("service_requested")), seen=OPEN - 10)
    view = site_view("maurepas", sites, fleet.state, None, service_states=ALL_UP, now=OPEN, stale_after=STALE)
    assert [t.call for t in view.now] == ["Assistance, 02 99 00 00 00"]


def test_a_code_this_version_does_not_know_keeps_the_agents_words() -> None:
    novel = Reason(code="fuser_hot", label="Unité de fusion trop chaude", severity="down")
    made = todo(novel, body("hp", novel), "le copieur de l'accueil", technician=TECH)
    assert made.title == "Unité de fusion trop chaude"
    assert made.severity == "down"
    assert "du copieur de l'accueil" in made.action


@pytest.mark.parametrize(
    ("name", "device", "of_device"),
    [
        ("le copieur de l'accueil", "le copieur de l'accueil", "du copieur de l'accueil"),
        ("la borne CAF", "la borne CAF", "de la borne CAF"),
        ("l'imprimante du 1er étage", "l'imprimante du 1er étage", "de l'imprimante du 1er étage"),
    ],
    ids=["masculine", "feminine", "elided"],
)
def test_names_carry_their_article_in_every_action(name: str, device: str, of_device: str) -> None:
    for code, row in REASONS.items():
        if row.subject is not None:
            continue
        made = todo(reason(code), body("x"), name, technician=None)
        if "{device}" in row.action:
            assert device in made.action, code
        if "{of_device}" in row.action:
            assert of_device in made.action, code
        assert " de le " not in made.action, code
        assert " de les " not in made.action, code


# --------------------------------------------------------------------------- figures


def test_figures_say_not_measured_or_not_applicable_never_zero() -> None:
    early = at("2026-12-01T08:00")  # before the first opening of the 1st: nothing open yet
    history = History(":memory:")
    view = healthy(early).view(early, history=history)
    assert [(s.today, s.month) for s in view.services] == [(Cell("sans objet"), Cell("sans objet"))] * 2
    view = healthy(OPEN).view(OPEN, history=history)  # open since 09:00, nothing observed in the history
    assert [(s.today.text, s.month.text) for s in view.services] == [("non mesuré", "non mesuré")] * 2


def test_figures_with_part_of_the_time_not_measured() -> None:
    history = History(":memory:")
    for device in ("hp", "sharp"):
        history.record("maurepas", "device", device, at("2026-12-01T09:00"), "ok", (), function="print")
        history.observed("maurepas", "device", device, at("2026-12-01T10:30"), OPEN)
    view = healthy(OPEN).view(OPEN, history=history)
    printing = next(s for s in view.services if s.label == "impression")
    assert printing.today.text == "100,0\u202f%"
    # open 09:00-12:00 and 14:00-14:07 (3 h 07); observed from 10:30: 1 h 30 not measured (48 %)
    assert printing.today.note == "48\u202f% non mesuré"
    assert printing.state == "disponible"


# --------------------------------------------------------------------------- French times


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-12-01T14:05", "14:05"),
        ("2026-11-30T17:55", "hier à 17:55"),
        ("2026-12-02T09:00", "demain à 09:00"),
        ("2026-12-07T09:00", "lundi à 09:00"),
        ("2026-11-26T10:00", "jeudi à 10:00"),
        ("2026-11-20T10:00", "le 20/11/2026 à 10:00"),
        ("2026-12-24T10:00", "le 24/12/2026 à 10:00"),
    ],
)
def test_moments_in_the_sites_zone(moment: str, expected: str) -> None:
    assert french.moment(at(moment), "Europe/Paris", now=OPEN) == expected


def test_the_update_time_is_the_sites_not_the_servers() -> None:
    # 13:07 UTC is 14:07 in Paris whatever the process's zone.
    assert healthy(OPEN).view(OPEN).updated == "14:07"
    assert dt.datetime.fromtimestamp(OPEN, dt.UTC).strftime("%H:%M") == "13:07"


def test_to_dos_are_dataclasses_of_plain_text() -> None:
    made = todo(reason("door_open"), body("hp"), "le copieur", technician=None)
    assert isinstance(made, Todo)
    assert all(isinstance(getattr(made, f), str) for f in ("title", "where", "action", "severity", "code"))


# --------------------------------------------------------------------------- routes and rendering


def _pages(fleet: Fleet, now: float) -> StatusPages:
    return StatusPages(
        SITES, fleet.state, None, service_states=lambda: ALL_UP, stale_after=STALE, clock=lambda: now
    )


def _get(app: Any, path: str, query: str = "") -> tuple[str, str]:
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ["PATH_INFO"], environ["QUERY_STRING"] = path, query
    answer: list[str] = []
    body = b"".join(app(environ, lambda status, _headers: answer.append(status)))
    return answer[0], body.decode()


def test_routes_refresh_on_request_and_a_french_404() -> None:
    app = make_app(FleetState(), CollectorRegistry(), _pages(healthy(OPEN), OPEN))
    for path in ("/", "/site/maurepas", "/accessibilite"):
        status, html = _get(app, path)
        assert status == "200 OK", path
        assert '<html lang="fr">' in html
        assert 'http-equiv="refresh"' not in html  # no reload the reader did not ask for (RGAA 13.1)
        assert 'href="/accessibilite"' in html
    status, html = _get(app, "/site/maurepas", "actualiser=1")
    assert 'http-equiv="refresh" content="60"' in html
    assert "Arrêter la mise à jour automatique" in html
    status, html = _get(app, "/site/nowhere")
    assert status.startswith("404")
    assert "Page introuvable" in html
    assert '<html lang="fr">' in html
    assert _get(app, "/metrics")[0] == "200 OK"
    page = _pages(healthy(CLOSED, "borne"), CLOSED).site("maurepas")
    assert page is not None
    closed = html_unescape(page)
    assert "Rien d'urgent pendant la fermeture." in closed
    assert "À la réouverture (demain à 09:00)" in closed
    assert "Rien à faire à la réouverture." in closed


def test_the_statement_names_its_contact_or_the_secretariats() -> None:
    html = _pages(healthy(OPEN), OPEN).statement()
    assert "Déclaration d'accessibilité" in html
    assert "non conformes" in html
    assert "Défenseur des droits" in html
    assert "adressez-vous au secrétariat de votre ESC" in html  # no [contacts] accessibilite, no site contact
    with_contact = msgspec.structs.replace(SITES, contacts=Contacts(accessibilite="a11y@example.org"))
    pages = StatusPages(
        with_contact, FleetState(), None, service_states=dict, stale_after=STALE, clock=lambda: OPEN
    )
    assert "a11y@example.org" in pages.statement()


@pytest.mark.parametrize(
    ("case", "now"),
    [("all-good", OPEN), ("open-with-to-dos", OPEN), ("closed-with-security", CLOSED), ("silent", OPEN)],
)
def test_each_state_renders_accessibly_on_a_phone(tmp_path: Path, case: str, now: float) -> None:
    fleet = healthy(now, "borne")
    if case == "open-with-to-dos":
        fleet.device(body("hp", reason("jam", "1.2"), reason("toner_low", "1.1"), reason("service_requested")),
                     seen=now - 10, by="borne")  # fmt: skip
    if case == "closed-with-security":
        fleet.pc("borne", heard=now - 20, broken=True).pc("pc1", heard=at("2026-12-01T18:02"), offline=True)
        fleet.device(
            body("hp", reason("toner_low", "1.1"), reason("tray_empty", "1.2")), seen=now - 10, by="borne"
        )
    if case == "silent":
        fleet.device(body("hp"), seen=at("2026-12-01T11:58"), by="borne")
    services = {**ALL_UP, ("maurepas", "impression"): "unknown"} if case == "silent" else ALL_UP
    pages = StatusPages(SITES, fleet.state, History(":memory:"), service_states=lambda: services,
                        stale_after=STALE, clock=lambda: now)  # fmt: skip
    page_file = tmp_path / f"{case}.html"
    html = pages.site("maurepas")
    assert html is not None
    page_file.write_text(html, encoding="utf-8")
    with browser_page() as page:
        page.goto(page_file.as_uri())
        found = run_axe(page)
        assert not serious(found), accessibility.describe(found)
        layout = page.evaluate(OVERFLOW)
        assert layout == {**layout, "width": PHONE_WIDTH, "scroll": PHONE_WIDTH, "over": 0}
        headings = page.locator("h2").all_inner_texts()
        if case == "closed-with-security":
            assert headings[:2] == ["À faire maintenant", "À la réouverture (demain à 09:00)"]
            assert "sécurité" in page.locator("#todo").inner_text()
            assert page.locator("#later li").count() == 3  # toner, tray, the PC switched off
            page.screenshot(path=str(ARTEFACTS / "status-phone-closed.png"), full_page=True)
        if case == "all-good":
            assert page.locator("#summary").inner_text() == "Tout fonctionne."
        if case == "silent":
            assert "pas de nouvelles depuis 11:58" in page.locator("#silent").inner_text()
