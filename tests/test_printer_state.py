"""Pure state derivation on real recordings and modified copies of them."""

from __future__ import annotations

import pytest

from agent.contract.messages import PrinterStatus, ScannerStatus
from agent.devices import DeviceTracker, printer_status
from agent.printers.parse import Thresholds
from agent.printers.snmprec import parse_snmprec
from agent.printers.state import StateOptions, derive

from helpers.recordings import alert_rows, door_open, jammed, no_paper, patch, recording, supply_level

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
        ("ricoh_mpc3002", "degraded", ["tray_empty"]),  # Tray 4 0/550; the bypass is manual
        ("epson", "degraded", ["toner_low"] * 4),  # every ink at 1 %
        ("okilan_9450g", "ok", []),  # trays at -3 are not empty
        ("sharp_mxm266nv", "degraded", ["tray_empty"]),  # Tray 2 0/500, Tray 1 -3
        ("fujifilmprinter_c810", "ok", []),
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
    assert label == "hors service : plus de papier : tous les bacs sont vides"


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
    assert third.label == "hors service : appareil injoignable"
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


# --------------------------------------------------------------------------- second batch

MFP = "sharp_mxm266nv"
FEEDER_STATUS = "1.3.6.1.2.1.25.3.2.1.5.7"  # hrDeviceStatus of the "Reversing Single Pass Feeder"


def functions_of(text: str) -> dict[str, str]:
    result = derive(status_of(text), reachable=True, consecutive_failures=0, options=OPTIONS)
    return {f.function: f.state for f in result.functions}


def test_the_mono_mfp_offers_scanning() -> None:
    assert functions_of(recording(MFP)) == {"print": "degraded", "scan": "ok"}  # Tray 2 empty


@pytest.mark.parametrize(
    ("values", "print_state", "scan_state", "codes"),
    [
        # The feeder down (hrDeviceStatus 5): scanning is down, printing is not.
        ({FEEDER_STATUS: ("2", "5")}, "degraded", "down", ["tray_empty", "scanner_unit_down"]),
        # A jam alert on the feeder (group hostResourcesMIBDeviceTable, its hrDeviceIndex 7), with
        # the printer's jammed bit: the document feeder's, not a paper jam of the printer.
        ({**alert_rows(1, code=8, group=4, group_index=7, location=0, description="Original jam"),
          "1.3.6.1.2.1.25.3.5.1.2.1": ("4x", "0400")}, "degraded", "down", ["adf_jam", "tray_empty"]),
        # Its cover open: the scanner's cover.
        (alert_rows(1, code=3, group=4, group_index=7, location=0, description="Cover open"), "degraded", "down",
         ["adf_open", "tray_empty"]),
        # A jam in the printer's own tray 2 stops printing only.
        (alert_rows(1, code=8, group=8, group_index=2, location=4, description="Paper jam"), "down", "ok",
         ["jam", "tray_empty"]),
    ],
    ids=["feeder_down", "adf_jam", "adf_open", "printer_jam"],
)  # fmt: skip
def test_the_feeder_feeds_the_scan_function(
    values: dict[str, tuple[str, str]], print_state: str, scan_state: str, codes: list[str]
) -> None:
    text = patch(recording(MFP), values)
    assert functions_of(text) == {"print": print_state, "scan": scan_state}
    assert [c for c, _ in derived(text)[1]] == codes


def test_a_second_black_bottle_takes_over() -> None:
    # FUJIFILM: "Black Toner 2" empty while "Black Toner 1" is full: printing goes on, degraded.
    state, reasons, label = derived(supply_level(recording("fujifilmprinter_c810"), "1.31", 0))
    assert (state, reasons) == ("degraded", [("toner_empty_spare", "1.31")])
    assert "toner noir : une cartouche vide, la suivante prend le relais" in label
    # Both empty: printing stops.
    both = supply_level(supply_level(recording("fujifilmprinter_c810"), "1.31", 0), "1.30", 0)
    state, reasons, _ = derived(both)
    assert (state, sorted(reasons)) == ("down", [("toner_empty", "1.30"), ("toner_empty", "1.31")])
    # The only yellow toner empty: down, whatever the black bottles hold.
    assert derived(supply_level(recording("fujifilmprinter_c810"), "1.2", 0))[:2] == (
        "down",
        [("toner_empty", "1.2")],
    )


def test_ricoh_almost_empty_is_low_without_a_percentage() -> None:
    ricoh = "1.3.6.1.4.1.367.3.2.1.2.24.1.1"
    text = patch(recording("ricoh_mpc3002"), {"1.3.6.1.2.1.43.11.1.1.9.1.5": ("2", "-3"),
                 f"{ricoh}.2.4": ("4", "Yellow Toner"), f"{ricoh}.5.4": ("2", "-100")})  # fmt: skip
    state, reasons, label = derived(text)
    assert (state, reasons) == ("degraded", [("toner_low", "1.5"), ("tray_empty", "1.4")])
    assert "toner jaune presque vide;" in label + ";"  # no « (… %) » the device did not give


def test_asleep_is_reachable_and_keeps_the_last_reading() -> None:
    """No SNMP or IPP answer but the raw print port answers: asleep, not unreachable (docs/decisions.md)."""
    tracker = DeviceTracker("hp", "printer", None, StateOptions(unreachable_after=1))
    never_read = tracker.observe(None, error="asleep: port 9100 answers", seconds=0.5, asleep=True)
    assert (never_read.reachable, never_read.state, never_read.label) == (
        True,
        "unknown",
        "état inconnu (en veille)",
    )
    tracker.observe(status_of(supply_level(recording("utax"), "1.1", 8, 100)), error=None, seconds=0.1)
    body = tracker.observe(None, error="asleep: port 9100 answers", seconds=0.5, asleep=True)
    assert (body.reachable, body.consecutive_failures, body.state, body.printer) == (
        True,
        0,
        "degraded",
        None,
    )
    assert body.label == "en service, à surveiller : toner noir presque vide (8\u202f%) (en veille)"
    assert [r.code for r in body.reasons] == ["toner_low"]
    off = tracker.observe(None, error="timeout", seconds=2.0)  # the raw port is silent too
    assert (off.reachable, off.state, [r.code for r in off.reasons]) == (False, "down", ["unreachable"])
