"""Pure parsing of the fourteen real recordings, plus tables of edge cases and hostile answers."""

from __future__ import annotations

import pytest

from agent.contract.messages import PrinterStatus
from agent.devices import printer_status
from agent.printers.parse import Thresholds, clean_text, decode_error_state, parse_printer
from agent.printers.snmprec import parse_snmprec
from agent.printers.vendors import hp_supply_description, override_for

from helpers.recordings import RECORDINGS, patch, recording, supply_level

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


#: The second batch's supplies, (raw level, raw max) per index, copied by hand from the .snmprec files
#: (prtMarkerSuppliesLevel 43.11.1.1.9 / prtMarkerSuppliesMaxCapacity 43.11.1.1.8).
BATCH2_SUPPLIES: dict[str, dict[str, tuple[int, int]]] = {
    "ricoh_mpc3002": {"1.1": (40, 100), "1.2": (100, 100), "1.3": (20, 100), "1.4": (50, 100), "1.5": (50, 100)},
    "epson": {"1.1": (1, 100), "1.2": (1, 100), "1.3": (1, 100), "1.4": (1, 100)},
    "okilan_9450g": {
        "1.1": (59, 100), "1.2": (69, 100), "1.3": (69, 100), "1.4": (69, 100), "1.5": (28407, 30000),
        "1.6": (28771, 30000), "1.7": (28771, 30000), "1.8": (28771, 30000), "1.9": (78392, 80000),
        "1.10": (98842, 100000),
    },
    "sharp_mxm266nv": {"1.1": (75, 100), "1.2": (100, -2), "1.3": (9, -2), "1.4": (9, -2), "1.5": (-2, -2)},
    "fujifilmprinter_c810": {
        "1.2": (25000, 25000), "1.3": (25000, 25000), "1.4": (25000, 25000), "1.5": (-3, -2),
        "1.6": (161370, 163000), "1.7": (161370, 163000), "1.8": (161370, 163000), "1.9": (161370, 163000),
        "1.30": (23000, 23000), "1.31": (20700, 23000),
    },
}  # fmt: skip
#: Their trays, (raw level, raw max) per index (prtInputCurrentLevel 43.8.2.1.10 / MaxCapacity .9).
BATCH2_TRAYS: dict[str, dict[str, tuple[int, int]]] = {
    "ricoh_mpc3002": {"1.1": (55, 550), "1.2": (55, 550), "1.3": (55, 550), "1.4": (0, 550), "1.5": (0, 100)},
    "epson": {"1.1": (-2, 80), "1.2": (-2, 250)},
    "okilan_9450g": {"1.1": (-3, 300), "1.2": (-3, 100), "1.3": (-3, 530)},
    "sharp_mxm266nv": {"1.1": (0, 100), "1.2": (-3, 500), "1.3": (0, 500), "1.4": (-2, -2)},
    "fujifilmprinter_c810": {
        "1.1": (270, 540), "1.2": (540, 540), "1.3": (222, 890), "1.4": (640, 1280), "1.5": (-3, 250),
    },
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(BATCH2_SUPPLIES))
def test_second_batch_equals_the_hand_copied_truth(name: str) -> None:
    assert set(BATCH2_SUPPLIES) <= set(RECORDINGS)
    status = parsed(name)
    assert {s.index: (s.raw_level, s.raw_max) for s in status.supplies} == BATCH2_SUPPLIES[name]
    assert {t.index: (t.raw_level, t.raw_max) for t in status.inputs} == BATCH2_TRAYS[name]
    for item in status.supplies:
        level, maximum = BATCH2_SUPPLIES[name][item.index]
        expected = round(level * 100 / maximum, 1) if level >= 0 and maximum > 0 else None
        assert item.percent == expected, item.index


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
        # Ricoh: real percentages in the standard table; index 2 is the waste toner, not cyan.
        ("ricoh_mpc3002", "1.2", "Waste Toner", None, "ok", True, False),
        ("ricoh_mpc3002", "1.3", "Cyan Toner", "cyan", "ok", False, True),
        # Epson: ink (type 5) at 1 of 100 is low, as published.
        ("epson", "1.1", "Black Ink Supply Unit T9441/T9451/T9461", "black", "low", False, True),
        # OKI: drums (type 9) are parts, not marking supplies, even when their description names a colour.
        ("okilan_9450g", "1.4", "Yellow Toner Cartridge OKI DATA CORP", "yellow", "ok", False, True),
        ("okilan_9450g", "1.5", "Black Image Drum Unit OKI DATA CORP", "black", "ok", False, False),
        ("okilan_9450g", "1.9", "Belt Unit OKI DATA CORP", None, "ok", False, False),
        # Sharp MX-M266NV: waste toner level 100 with an unknown (-2) max says nothing.
        ("sharp_mxm266nv", "1.1", "Black Toner", "black", "ok", False, True),
        ("sharp_mxm266nv", "1.2", "Waste Toner", None, "unknown", True, False),
        ("sharp_mxm266nv", "1.5", "Fusing Unit", None, "unknown", False, False),
        # FUJIFILM: two black bottles, a waste container at -3, rows from index 2.
        ("fujifilmprinter_c810", "1.30", "Black Toner 1", "black", "ok", False, True),
        ("fujifilmprinter_c810", "1.31", "Black Toner 2", "black", "ok", False, True),
        ("fujifilmprinter_c810", "1.5", "Waste Toner Container", None, "some_remaining", True, False),
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
        ("ricoh_mpc3002", "1.4", False, "empty"),  # Tray 4 0/550
        ("ricoh_mpc3002", "1.5", True, "empty"),  # Bypass Tray
        ("epson", "1.1", False, "unknown"),  # Rear Auto Sheet Feeder -2/80
        ("epson", "1.2", False, "unknown"),
        ("okilan_9450g", "1.1", False, "some_remaining"),  # every OKI tray is -3
        ("okilan_9450g", "1.2", True, "some_remaining"),  # MPTRAY
        ("sharp_mxm266nv", "1.2", False, "some_remaining"),  # Tray 1 -3/500
        ("sharp_mxm266nv", "1.3", False, "empty"),  # Tray 2 0/500
        ("sharp_mxm266nv", "1.4", True, "unknown"),  # Auto Select -2/-2
        ("fujifilmprinter_c810", "1.3", False, "ok"),  # 222/890, no prtInputName
        ("fujifilmprinter_c810", "1.5", False, "some_remaining"),
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
        ("ricoh_mpc3002", (), "warning"),  # warning with no error bit set
        ("epson", (), "warning"),  # an empty hrPrinterDetectedErrorState: no bit, no problem
        ("okilan_9450g", (), "running"),
        ("sharp_mxm266nv", (), "running"),
        ("fujifilmprinter_c810", (), None),  # no hrDeviceTable at all
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


def test_identity_of_the_second_batch() -> None:
    mfp = parsed("sharp_mxm266nv")
    assert (mfp.model, mfp.serial, mfp.page_count) == ("SHARP MX-M266NV", "0505571100", 90474)
    # The scanner, its reversing feeder (status 1: unknown) and the network scanner; not the copier.
    assert [(u.index, u.description, u.status) for u in mfp.scanner_units] == [
        ("6", "Scanner Unit", "running"),
        ("7", "Reversing Single Pass Feeder", "unknown"),
        ("8", "Network Scanner", "running"),
    ]
    ricoh = parsed("ricoh_mpc3002")
    assert (ricoh.model, ricoh.serial, ricoh.page_count) == ("RICOH Aficio MP C3002", "W492KB03439", 271871)
    assert ricoh.scanner_units == ()  # its hrDeviceTable names no scanner
    epson = parsed("epson")
    assert (epson.model, epson.serial, epson.sys_descr) == (
        "EPSON WF-C5790BA",
        "X3B8022793",
        "EPSON Built-in",
    )
    oki = parsed("okilan_9450g")
    assert (oki.model, oki.serial, oki.page_count) == (None, None, None)  # no hrDeviceDescr, no prtGeneral
    fuji = parsed("fujifilmprinter_c810")
    assert (fuji.serial, fuji.sys_uptime_seconds, fuji.printer_status) == ("TC101630131338", None, None)
    # No prtInputName: trays are named from their index.
    assert [t.name for t in fuji.inputs] == ["Tray 1", "Tray 2", "Tray 3", "Tray 4", "Tray 5"]


def test_oki_is_not_taken_for_hp() -> None:
    """OKI answers HP's IEEE-1284 device-id OID, but its sysObjectID is OKI's: no HP override."""
    raw = parse_snmprec(recording("okilan_9450g"))
    assert raw["1.3.6.1.4.1.11.2.3.9.1.1.7.0"].startswith(b"MANUFACTURE:OKI")  # type: ignore[union-attr]
    assert override_for(raw["1.3.6.1.2.1.1.2.0"]) is None
    assert supply(parsed("okilan_9450g"), "1.1").description == "Black Toner Cartridge OKI DATA CORP"


def test_recordings_with_values_their_tag_cannot_hold() -> None:
    """OKI's non-numeric Counter32 and Sharp's Null values are left out, the rest is read."""
    oki = parse_snmprec(recording("okilan_9450g"))
    assert "1.3.6.1.2.1.2.2.1.17.1" not in oki  # `65|6git3159`
    assert oki["1.3.6.1.2.1.2.2.1.16.1"] is not None
    sharp = parse_snmprec(recording("sharp_mxm266nv"))
    assert "1.3.6.1.2.1.4.22.1.2" not in sharp  # `5|` (Null)


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


# --------------------------------------------------------------------------- Ricoh private levels

RICOH_NAME, RICOH_LEVEL = "1.3.6.1.4.1.367.3.2.1.2.24.1.1.2", "1.3.6.1.4.1.367.3.2.1.2.24.1.1.5"


def ricoh_answering_minus_3(private: dict[str, tuple[str, int]]) -> str:
    """The Ricoh recording as the models of LibreNMS issue 4177 answer: -3 in the standard table,
    real levels in ricohEngTonerTable (private index -> (name, level); the private table counts
    toners only, so its indexes are not the standard ones)."""
    values = {f"{SUPPLIES}.9.1.{i}": ("2", "-3") for i in ("1", "3", "4", "5")}  # the toners
    for index, (name, level) in private.items():
        values[f"{RICOH_NAME}.{index}"] = ("4", name)
        values[f"{RICOH_LEVEL}.{index}"] = ("2", str(level))
    return patch(recording("ricoh_mpc3002"), values)


RICOH_PRIVATE = {"1": ("Black Toner", 30), "2": ("Cyan Toner", 20), "3": ("Magenta Toner", 90),
                 "4": ("Yellow Toner", -100)}  # fmt: skip


def test_ricoh_private_levels_replace_minus_3() -> None:
    status = parsed("ricoh_mpc3002", ricoh_answering_minus_3(RICOH_PRIVATE))
    got = {
        s.index: (s.description, s.raw_level, s.raw_max, s.percent, s.state, s.precision)
        for s in status.supplies
    }
    assert got == {
        "1.1": ("Black Toner", 30, 100, 30.0, "ok", "exact"),
        "1.2": ("Waste Toner", 100, 100, 100.0, "ok", "exact"),  # the standard number is kept
        "1.3": ("Cyan Toner", 20, 100, 20.0, "ok", "exact"),
        "1.4": ("Magenta Toner", 90, 100, 90.0, "ok", "exact"),
        # -100 is Ricoh's "almost empty": low, with no invented percentage.
        "1.5": ("Yellow Toner", -3, 100, None, "low", "coarse"),
    }
    assert status.problems == ()


def test_without_the_override_the_same_device_says_only_some_remaining() -> None:
    status = parse_printer(parse_snmprec(ricoh_answering_minus_3(RICOH_PRIVATE)))
    assert [(s.raw_level, s.state, s.precision) for s in status.supplies if s.marking] == [
        (-3, "some_remaining", "presence")] * 4  # fmt: skip


def test_ricoh_private_rows_matched_by_colour_never_by_index() -> None:
    # Private names in another wording, in another order: matched by the colour they name.
    private = {
        "1": ("Toner Yellow", 60),
        "2": ("Toner Black", 10),
        "3": ("Toner Cyan", 70),
        "4": ("Toner Magenta", 80),
    }
    status = parsed("ricoh_mpc3002", ricoh_answering_minus_3(private))
    assert {s.description: s.raw_level for s in status.supplies if s.marking} == {
        "Black Toner": 10, "Cyan Toner": 70, "Magenta Toner": 80, "Yellow Toner": 60}  # fmt: skip
    # A private row naming no toner of the device, or a sentinel there, leaves the standard -3.
    odd = parsed("ricoh_mpc3002", ricoh_answering_minus_3({"1": ("Toner", 50), "2": ("Cyan Toner", -2)}))
    assert {s.description: s.raw_level for s in odd.supplies if s.marking} == {
        "Black Toner": -3, "Cyan Toner": -3, "Magenta Toner": -3, "Yellow Toner": -3}  # fmt: skip


def test_ricoh_real_standard_levels_are_kept() -> None:
    # The shared recording reports real percentages and has no private table: nothing changes.
    assert parsed("ricoh_mpc3002") == parse_printer(parse_snmprec(recording("ricoh_mpc3002")))
    text = patch(
        recording("ricoh_mpc3002"), {f"{RICOH_NAME}.1": ("4", "Black Toner"), f"{RICOH_LEVEL}.1": ("2", "90")}
    )
    assert supply(parsed("ricoh_mpc3002", text), "1.1").raw_level == 40


def test_ricoh_hostile_private_values() -> None:
    text = ricoh_answering_minus_3({"1": ("Black Toner", 30)})
    text = patch(text, {f"{RICOH_LEVEL}.2": ("4", "lots"), f"{RICOH_NAME}.2": ("4", "Cyan Toner"),
                        f"{RICOH_LEVEL}.3": ("2", "250"), f"{RICOH_NAME}.3": ("4", "Magenta Toner")})  # fmt: skip
    status = parsed("ricoh_mpc3002", text)
    assert {s.description: s.raw_level for s in status.supplies if s.marking} == {
        "Black Toner": 30, "Cyan Toner": -3, "Magenta Toner": -3, "Yellow Toner": -3}  # fmt: skip


# --------------------------------------------------------------------------- precision on the wire


@pytest.mark.parametrize(
    ("name", "index", "precision"),
    [
        ("jetdirect_m880", "1.1", "exact"),  # 92 of 100
        ("brother", "1.1", "presence"),  # -3: only "some remaining"
        ("brother", "1.2", "exact"),  # drum 11501 of 12000
        ("sharp_mxm266nv", "1.2", None),  # 100 of an unknown (-2) max: no scale to judge
        ("sharp_mxm266nv", "1.5", None),  # -2
        ("okilan_9450g", "1.1", "exact"),
        ("canonprinter_tm", "1.1", "coarse"),  # Canon: steps (2400 of 3000, i.e. 10 % steps)
        ("canonprinter_tm", "1.6", "exact"),  # its waste tank is not a toner or ink
        ("epson", "1.1", "coarse"),  # every ink at 1 of 100: Canon-style three-staged values
        ("fujifilmprinter_c810", "1.31", "exact"),
        ("fujifilmprinter_c810", "1.5", "presence"),
    ],
)
def test_precision_of_the_recordings(name: str, index: str, precision: str | None) -> None:
    assert supply(parsed(name), index).precision == precision


@pytest.mark.parametrize(
    ("levels", "precision"),
    [
        ({"1.1": 100}, "exact"),  # a single new cartridge at 100 says nothing about steps
        ({"1.1": 10}, "coarse"),
        ({"1.1": 100, "1.2": 1, "1.3": 10, "1.4": 100}, "coarse"),
        ({"1.1": 100, "1.2": 1, "1.3": 11, "1.4": 100}, "exact"),  # 11: a real percentage
        ({"1.1": 0}, "exact"),
    ],
)
def test_three_staged_levels(levels: dict[str, int], precision: str) -> None:
    values: dict[str, tuple[str, str]] = {}
    for index, level in levels.items():
        values |= {f"{SUPPLIES}.5.{index}": ("2", "3"), f"{SUPPLIES}.6.{index}": ("4", f"Toner {index}"),
                   f"{SUPPLIES}.8.{index}": ("2", "100"), f"{SUPPLIES}.9.{index}": ("2", str(level))}  # fmt: skip
    text = patch(recording("utax"), values, drop_prefixes=(SUPPLIES,))
    assert {s.precision for s in parsed("utax", text).supplies} == {precision}


def test_small_maxima_are_coarse_and_a_maximum_of_one_is_presence() -> None:
    text = supply_level(supply_level(recording("utax"), "1.1", 3, 4), "1.2", 1, 1)
    status = parsed("utax", text)
    assert (supply(status, "1.1").precision, supply(status, "1.2").precision) == ("coarse", "presence")
