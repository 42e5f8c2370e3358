"""Pure state derivation on real recordings and modified copies of them."""

from __future__ import annotations

import pytest

from agent.contract.messages import PrinterStatus, ScannerStatus
from agent.devices import DeviceTracker, printer_status
from agent.printers.parse import Thresholds
from agent.printers.snmprec import parse_snmprec
from agent.printers.state import StateOptions, derive

from helpers.recordings import door_open, jammed, no_paper, patch, recording, supply_level

OPTIONS = StateOptions()


def status_of(text: str) -> PrinterStatus:
    return printer_status(parse_snmprec(text), Thresholds())


def derived(text: str, options: StateOptions = OPTIONS) -> tuple[str, list[tuple[str, str | None]], str]:
    result = derive(status_of(text), reachable=True, consecutive_failures=0, options=options)
    return result.state, [(r.code, r.subject) for r in result.reasons], result.label


@pytest.mark.parametrize(
    ("name", "state", "codes"),
    [
        ("brother", "ok", []),  # toner -3: some remaining, never "low"
        ("utax", "ok", []),
        ("dell-laser_s5830dn", "ok", []),  # the empty MP tray is manual: not a paper problem
        ("canonprinter_tm", "ok", []),
        ("sharp", "degraded", ["toner_low"]),  # the printer's own lowToner bit
        ("konica_c250i", "degraded", ["tray_empty", "service_requested"]),
        ("samsungprinter_m4080fx", "ok", []),  # lowPaper bit ignored: its tray table is 10 %, not below
        ("jetdirect_m880", "degraded", ["tray_empty"]),  # Tray 1 at 0 of 100
        ("xerox", "degraded", ["waste_almost_full"]),
    ],
)
def test_states_of_the_real_recordings(name: str, state: str, codes: list[str]) -> None:
    got_state, reasons, _ = derived(recording(name))
    assert got_state == state
    assert [code for code, _ in reasons] == codes


def test_jam_with_location_is_down() -> None:
    state, reasons, label = derived(jammed(recording("jetdirect_m880")))
    assert state == "down"
    assert ("jam", "1.2") in reasons
    assert label.startswith("hors service : bourrage papier dans le bac 2")
    assert [c for c, _ in reasons].count("jam") == 1  # the jammed bit does not add a second one


def test_jam_from_error_bit_only() -> None:
    state, reasons, _ = derived(patch(recording("utax"), {"1.3.6.1.2.1.25.3.5.1.2.1": ("4x", "04")}))
    assert (state, reasons) == ("down", [("jam", None)])


def test_door_open_is_down() -> None:
    state, reasons, label = derived(door_open(recording("brother")))
    assert state == "down"
    assert [c for c, _ in reasons] == ["door_open"]
    assert "capot ouvert" in label


def test_no_paper_in_any_usable_tray_is_down() -> None:
    state, reasons, label = derived(no_paper(recording("jetdirect_m880"), ["1.2", "1.3", "1.5"]))
    assert state == "down"
    assert reasons == [("no_paper", None)]
    assert label == "hors service : plus de papier dans aucun bac"


def test_paper_alerts_can_be_switched_off() -> None:
    text = no_paper(recording("jetdirect_m880"), ["1.2", "1.3", "1.5"])
    assert derived(text, StateOptions(paper_alerts=False))[0] == "ok"


def test_empty_manual_trays_never_mean_no_paper() -> None:
    # Sharp: bypass empty, trays 1-4 have paper.
    assert "no_paper" not in [c for c, _ in derived(recording("sharp"))[1]]


@pytest.mark.parametrize(
    ("level", "state", "code", "label"),
    [
        (0, "down", "toner_empty", "hors service : toner noir vide"),
        (8, "degraded", "toner_low", "en service, à surveiller : toner noir presque vide (8\u202f%)"),
        (15, "ok", None, "en service"),
    ],
)
def test_toner_levels(level: int, state: str, code: str | None, label: str) -> None:
    got_state, reasons, got_label = derived(supply_level(recording("utax"), "1.1", level, 100))
    assert got_state == state
    assert [c for c, _ in reasons] == ([code] if code else [])
    assert got_label == label


def test_cyan_toner_low_names_the_colour() -> None:
    _, reasons, label = derived(supply_level(recording("jetdirect_m880"), "1.2", 5))
    assert ("toner_low", "1.2") in reasons
    assert "toner cyan presque vide (5\u202f%)" in label


@pytest.mark.parametrize(
    ("level", "state", "code"),
    [(0, "down", "waste_full"), (300, "degraded", "waste_almost_full"), (6700, "ok", None)],
)
def test_waste_receptacle(level: int, state: str, code: str | None) -> None:
    got_state, reasons, _ = derived(supply_level(recording("canonprinter_tm"), "1.6", level))
    assert got_state == state
    assert [c for c, _ in reasons] == ([code] if code else [])


def test_unreachable_only_after_n_failures_then_recovery() -> None:
    tracker = DeviceTracker("hp", "printer", "imprimante de l'accueil", StateOptions(unreachable_after=3))
    good = status_of(recording("brother"))
    assert tracker.observe(good, error=None, seconds=0.1).state == "ok"
    first = tracker.observe(None, error="timeout", seconds=2.0)
    assert (first.state, first.reachable, first.consecutive_failures) == (
        "ok",
        False,
        1,
    )  # one miss is no outage
    assert tracker.observe(None, error="timeout", seconds=2.0).state == "ok"
    third = tracker.observe(None, error="timeout", seconds=2.0)
    assert (third.state, [r.code for r in third.reasons]) == ("down", ["unreachable"])
    assert third.label == "hors service : injoignable : l'appareil ne répond plus"
    back = tracker.observe(good, error=None, seconds=0.1)
    assert (back.state, back.consecutive_failures) == ("ok", 0)


def test_never_seen_device_is_unknown() -> None:
    tracker = DeviceTracker("hp", "printer", None, StateOptions(unreachable_after=3))
    body = tracker.observe(None, error="timeout", seconds=2.0)
    assert (body.state, body.label) == ("unknown", "état inconnu")


@pytest.mark.parametrize(
    ("scanner_state", "adf", "state", "codes"),
    [
        ("Idle", "ScannerAdfLoaded", "ok", []),
        ("Processing", "ScannerAdfProcessing", "ok", []),
        ("Idle", "ScannerAdfJam", "down", ["adf_jam"]),
        ("Idle", "ScannerAdfHatchOpen", "down", ["adf_open"]),
        ("Stopped", None, "down", ["scanner_down"]),
        ("Down", "ScannerAdfEmpty", "down", ["scanner_down"]),
    ],
)
def test_scanner_states(scanner_state: str, adf: str | None, state: str, codes: list[str]) -> None:
    result = derive(ScannerStatus(scanner_state=scanner_state, adf_state=adf), reachable=True,
                    consecutive_failures=0, options=OPTIONS)  # fmt: skip
    assert result.state == state
    assert [r.code for r in result.reasons] == codes


def test_jam_outside_a_tray_names_the_location() -> None:
    from helpers.recordings import alert_rows, patch

    cells = alert_rows(1, code=8, group=13, group_index=1, location=7, description="Paper jam")  # media path
    state, reasons, label = derived(patch(recording("utax"), cells))
    assert (state, reasons) == ("down", [("jam", "location:7")])
    assert label == "hors service : bourrage papier (emplacement 7)"
