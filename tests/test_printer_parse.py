"""Pure parsing of the nine real recordings, plus tables of edge cases and hostile answers."""

from __future__ import annotations

import pytest

from agent.contract.messages import PrinterStatus
from agent.devices import printer_status
from agent.printers.parse import Thresholds, clean_text, decode_error_state, parse_printer
from agent.printers.snmprec import parse_snmprec
from agent.printers.vendors import hp_supply_description, override_for

from helpers.recordings import RECORDINGS, patch, recording

SUPPLIES = "1.3.6.1.2.1.43.11.1.1"
INPUTS = "1.3.6.1.2.1.43.8.2.1"


def parsed(name: str, text: str | None = None) -> PrinterStatus:
    return printer_status(parse_snmprec(text or recording(name)), Thresholds())


def column(text: str, oid: str) -> dict[str, int]:
    """Read one integer column straight from the recording text (independent of the parser)."""
    out = {}
    for line in text.splitlines():
        key, _, rest = line.partition("|")
        if key.startswith(oid + "."):
            out[key[len(oid) + 1 :]] = int(rest.split("|")[1])
    return out


@pytest.mark.parametrize("name", RECORDINGS)
def test_supply_levels_equal_the_recording(name: str) -> None:
    text = recording(name)
    levels, maxima = column(text, SUPPLIES + ".9"), column(text, SUPPLIES + ".8")
    status = parsed(name)
    assert {s.index for s in status.supplies} == set(levels)
    for supply in status.supplies:
        level, maximum = levels[supply.index], maxima.get(supply.index)
        assert supply.raw_level == level
        assert supply.raw_max == maximum
        if level >= 0 and maximum is not None and maximum > 0:
            assert supply.percent == pytest.approx(round(level * 100 / maximum, 1))
        else:
            assert supply.percent is None  # sentinels are states, never percentages
        if level < 0:
            assert supply.state == {-1: "other", -2: "unknown", -3: "some_remaining"}[level]


@pytest.mark.parametrize("name", RECORDINGS)
def test_tray_levels_equal_the_recording(name: str) -> None:
    text = recording(name)
    levels, maxima = column(text, INPUTS + ".10"), column(text, INPUTS + ".9")
    status = parsed(name)
    assert {i.index for i in status.inputs} == set(levels) | set(maxima)
    for tray in status.inputs:
        level, maximum = levels.get(tray.index), maxima.get(tray.index)
        assert (tray.raw_level, tray.raw_max) == (level, maximum)
        if level is not None and level >= 0 and maximum and maximum > 0:
            assert tray.percent == pytest.approx(round(level * 100 / maximum, 1))
        else:
            assert tray.percent is None


@pytest.mark.parametrize("name", RECORDINGS)
def test_real_recordings_parse_without_problems(name: str) -> None:
    assert parsed(name).problems == ()


def supply(status: PrinterStatus, index: str):  # type: ignore[no-untyped-def]
    return next(s for s in status.supplies if s.index == index)


def tray(status: PrinterStatus, index: str):  # type: ignore[no-untyped-def]
    return next(i for i in status.inputs if i.index == index)


@pytest.mark.parametrize(
    ("name", "index", "description", "colour", "state", "receptacle", "marking"),
    [
        # HP: hex-dump descriptions decoded by the vendor override; class column present.
        ("jetdirect_m880", "1.1", "Black Cartridge 827A HP CF300A", "black", "ok", False, True),
        ("jetdirect_m880", "1.2", "Cyan Cartridge 827A HP CF301A", "cyan", "ok", False, True),
        ("jetdirect_m880", "1.13", "Stapler 1 HP C8091A", None, "some_remaining", False, False),
        # Brother: toner max -2 / level -3 is "some remaining", not 50 % and not "low".
        ("brother", "1.1", "Black Toner Cartridge", "black", "some_remaining", False, True),
        # Xerox: no type or class columns; the serial suffix is stripped; the waste container
        # at level 5 of 100 has 5 % space left: almost full, not "low".
        ("xerox", "1.1", "Black Toner, PN 006R01509", "black", "ok", False, True),
        ("xerox", "1.10", "Waste Toner Container, PN 008R13061", None, "almost_full", True, False),
        # Canon: waste ink 6030/6700 of space left.
        ("canonprinter_tm", "1.6", "CANON Waste Ink Tank", None, "ok", True, False),
        ("konica_c250i", "1.13", "Waste Toner Box", None, "some_remaining", True, False),
        ("sharp", "1.5", "Waste Toner", None, "unknown", True, False),
        ("sharp", "1.14", "Fusing Unit", None, "unknown", False, False),
        ("konica_c250i", "1.1", "Toner (Cyan)", "cyan", "ok", False, True),
    ],
)
def test_supplies_identified_by_type_class_and_colour(
    name: str, index: str, description: str, colour: str | None, state: str, receptacle: bool, marking: bool
) -> None:
    item = supply(parsed(name), index)
    assert (item.description, item.colour, item.state, item.receptacle, item.marking) == (
        description, colour, state, receptacle, marking)  # fmt: skip


def test_receptacle_fill_is_read_the_right_way_round() -> None:
    waste = supply(parsed("canonprinter_tm"), "1.6")
    assert waste.percent == 90.0  # space left, as the device reports (RFC 3805)
    assert waste.fill_percent == 10.0


@pytest.mark.parametrize(
    ("name", "index", "manual", "state"),
    [
        ("brother", "1.1", True, "some_remaining"),  # "AUTO" is a virtual tray
        ("brother", "1.2", True, "some_remaining"),  # MANUAL TRAY
        ("brother", "1.3", False, "some_remaining"),
        ("dell-laser_s5830dn", "1.2", True, "some_remaining"),  # max capacity 1
        ("dell-laser_s5830dn", "1.4", True, "empty"),  # MP Tray
        ("sharp", "1.1", True, "empty"),  # Bypass Tray
        ("sharp", "1.31", True, "unknown"),  # Auto Select -2/-2
        ("samsungprinter_m4080fx", "1.1", False, "ok"),  # 55/550 = 10 %, not below 10 %
        ("jetdirect_m880", "1.2", False, "ok"),
        ("canonprinter_tm", "1.1", True, "empty"),  # Multi-Purpose Tray 0/1
    ],
)
def test_trays(name: str, index: str, manual: bool, state: str) -> None:
    item = tray(parsed(name), index)
    assert (item.manual, item.state) == (manual, state)


@pytest.mark.parametrize(
    ("name", "errors", "device_status"),
    [
        ("sharp", ("lowToner",), "warning"),
        ("konica_c250i", ("serviceRequested",), "warning"),
        ("samsungprinter_m4080fx", ("lowPaper",), "warning"),
        ("brother", (), "running"),
        ("xerox", (), None),
    ],
)
def test_error_state_and_device_status(name: str, errors: tuple[str, ...], device_status: str | None) -> None:
    status = parsed(name)
    assert status.errors == errors
    assert status.device_status == device_status


def test_identity_and_counters() -> None:
    sharp = parsed("sharp")
    assert (sharp.model, sharp.serial, sharp.page_count) == ("SHARP MX-3570N", "6509415X00", 121104)
    assert [u.description for u in sharp.scanner_units] == [
        "Scanner Unit",
        "Network Scanner",
        "Duplex Single Pass Feeder",
    ]
    samsung = parsed("samsungprinter_m4080fx")
    assert samsung.sys_uptime_seconds == pytest.approx(37219800.54)  # TimeTicks above 2^31 are valid


@pytest.mark.parametrize(
    ("octets", "expected"),
    [
        ("00", []),
        ("", []),
        ("80", ["lowPaper"]),
        ("8000", ["lowPaper"]),
        ("04", ["jammed"]),
        ("0100", ["serviceRequested"]),
        ("0080", ["inputTrayMissing"]),
        ("0002", ["overduePreventMaint"]),
        ("C0", ["lowPaper", "noPaper"]),
        ("FFFF", ["lowPaper", "noPaper", "lowToner", "noToner", "doorOpen", "jammed", "offline",
                  "serviceRequested", "inputTrayMissing", "outputTrayMissing", "markerSupplyMissing",
                  "outputNearFull", "outputFull", "inputTrayEmpty", "overduePreventMaint"]),
    ],
)  # fmt: skip
def test_error_state_bits(octets: str, expected: list[str]) -> None:
    assert decode_error_state(bytes.fromhex(octets)) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"Black Toner\x00\x00", "Black Toner"),
        (b"Cyan Toner S/N:12345", "Cyan Toner"),
        (b"Black Toner, PN 006R01509;SN48178080E0000481", "Black Toner, PN 006R01509"),
        ("0x426C61636B20546F6E6572", "Black Toner"),
        ("42 6C 61 63 6B 20 54 6F 6E 65 72", "Black Toner"),
        (b"  Toner   (Black) ", "Toner (Black)"),
        (b"\xe9\xe8 latin-1", "éè latin-1"),
        (b"", None),
        (b"\x00\x00", None),
        ("CAFE", "CAFE"),  # too short to be a hex dump
    ],
)
def test_clean_text(raw: bytes | str, expected: str | None) -> None:
    assert clean_text(raw) == expected


def test_vendor_override_chosen_by_sys_object_id() -> None:
    hp = override_for("1.3.6.1.4.1.11.2.3.9.1")
    assert hp is not None
    assert hp.name == "hp"
    assert override_for("1.3.6.1.4.1.2435.2.3.9.1") is None
    assert override_for(None) is None
    # Without the override the HP description would keep its hex dump.
    raw = parse_snmprec(recording("jetdirect_m880"))
    generic = parse_printer(raw)
    assert "38 32 37" in supply(generic, "1.1").description
    assert hp_supply_description(b"Black Cartridge \n38 32 37 41 00 ") == "Black Cartridge 827A"


# --------------------------------------------------------------------------- hostile answers

HOSTILE = [
    ("level_is_a_string", {SUPPLIES + ".9.1.1": ("4", "lots")}, "supply 1.1 level: expected an integer"),
    ("level_below_sentinels", {SUPPLIES + ".9.1.1": ("2", "-7")}, "supply 1.1 level: value -7 out of range"),
    ("max_overflows", {SUPPLIES + ".8.1.2": ("66", "4294967295")}, "supply 1.2 max capacity: value"),
    ("level_above_max", {SUPPLIES + ".9.1.2": ("2", "250000")}, "above its max capacity"),
    ("empty_description", {SUPPLIES + ".6.1.1": ("4", "")}, None),
    ("oid_as_level", {SUPPLIES + ".9.1.1": ("6", "1.3.6.1")}, "expected an integer"),
    ("tray_name_integer", {INPUTS + ".13.1.1": ("2", "5")}, "tray 1.1 name: expected a string"),
    ("error_state_integer", {"1.3.6.1.2.1.25.3.5.1.2.1": ("2", "4")}, "hrPrinterDetectedErrorState"),
]


@pytest.mark.parametrize(("name", "values", "problem"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_answers_become_problems_not_crashes(
    name: str, values: dict[str, tuple[str, str]], problem: str | None
) -> None:
    status = parsed("brother", patch(recording("brother"), values))
    if problem is None:
        assert status.problems == ()
    else:
        assert any(problem in p for p in status.problems), status.problems
    assert status.supplies  # the rest of the device is still read


def test_huge_tables_are_cut() -> None:
    rows = {f"{SUPPLIES}.9.1.{i}": ("2", "50") for i in range(1, 5001)}
    status = parsed("brother", patch(recording("brother"), rows))
    assert len(status.supplies) == 64
    assert any("5000 rows" in p for p in status.problems)


def test_missing_columns() -> None:
    # Only levels: no description, type, class or max.
    text = patch(recording("brother"), {}, drop_prefixes=(SUPPLIES + ".6", SUPPLIES + ".5", SUPPLIES + ".8"))
    status = parsed("brother", text)
    drum = supply(status, "1.2")
    assert (drum.description, drum.type, drum.raw_max, drum.percent, drum.state) == (
        "unknown", "unknown", None, None, "unknown")  # fmt: skip


def test_nothing_at_all() -> None:
    status = parse_printer({})
    assert (status.supplies, status.inputs, status.model, status.problems) == ((), (), None, ())
