"""Pinned by mutation testing (issue 17): the printer parser's guards, thresholds and MIB tables.

Each case states a value written by hand: boundaries on both sides (a cartridge exactly at its
capacity and one unit above, the waste box at 90 % and 89.9 %, a tray at 10 % and 9 %), the guards
that keep bad data from raising (a capacity of 0, a negative page counter), the privacy rule on
free-text alerts, and every entry of the RFC 3805 / RFC 2790 enumerations the parser reads,
copied from the RFCs (not from ``agent/printers/mib.py``).
"""

from __future__ import annotations

import datetime as dt

import pytest

from agent.contract.messages import (
    DeviceBody,
    DeviceMessage,
    PaperInput,
    PrinterAlert,
    PrinterStatus,
    Supply,
    decode,
    encode,
    topic_of,
)
from agent.printers.ipp import parse_ipp
from agent.printers.parse import (
    Thresholds,
    VendorLevel,
    clean_text,
    colour_from_description,
    level_precision,
    parse_printer,
)
from agent.printers.snmprec import parse_snmprec
from agent.printers.vendors import VendorOverride

from helpers.recordings import patch, recording, supply_level

SUPPLIES = "1.3.6.1.2.1.43.11.1.1"
INPUTS = "1.3.6.1.2.1.43.8.2.1"
ALERTS = "1.3.6.1.2.1.43.18.1.1"
LIFE_COUNT = "1.3.6.1.2.1.43.10.2.1.4.1.1"
HR_DEVICE = "1.3.6.1.2.1.25.3.2.1"
HR_PRINTER = "1.3.6.1.2.1.25.3.5.1"
PRINTER_TYPE = "1.3.6.1.2.1.25.3.1.5"
NOW = dt.datetime(2026, 11, 17, 10, 0, tzinfo=dt.UTC)


def supply_row(
    index: str = "1.1",
    *,
    type_: int | None = 3,
    class_: int | None = 3,
    unit: int | None = 19,
    level: int | None = 50,
    maximum: int | None = 100,
    description: str | bytes | None = "Black Toner",
    colorant: int | None = None,
) -> dict[str, int | bytes | str]:
    """The prtMarkerSuppliesTable cells of one supply (None: the cell is absent)."""
    cells: dict[str, int | bytes | str | None] = {
        f"{SUPPLIES}.5.{index}": type_,
        f"{SUPPLIES}.4.{index}": class_,
        f"{SUPPLIES}.7.{index}": unit,
        f"{SUPPLIES}.9.{index}": level,
        f"{SUPPLIES}.8.{index}": maximum,
        f"{SUPPLIES}.6.{index}": description.encode() if isinstance(description, str) else description,
        f"{SUPPLIES}.3.{index}": colorant,
    }
    return {k: v for k, v in cells.items() if v is not None}


def tray_row(
    index: str = "1.1",
    *,
    level: int | None = 250,
    maximum: int | None = 500,
    name: str | None = "Tray 1",
    type_: int | None = 3,
) -> dict[str, int | bytes | str]:
    cells: dict[str, int | bytes | str | None] = {
        f"{INPUTS}.10.{index}": level,
        f"{INPUTS}.9.{index}": maximum,
        f"{INPUTS}.13.{index}": name.encode() if name is not None else None,
        f"{INPUTS}.2.{index}": type_,
    }
    return {k: v for k, v in cells.items() if v is not None}


def alert_row(index: str = "1.1", *, code: int, severity: int = 3, group: int = 5, group_index: int = 1,
              location: int = 0, description: str = "text") -> dict[str, int | bytes | str]:  # fmt: skip
    return {
        f"{ALERTS}.2.{index}": severity,
        f"{ALERTS}.4.{index}": group,
        f"{ALERTS}.5.{index}": group_index,
        f"{ALERTS}.6.{index}": location,
        f"{ALERTS}.7.{index}": code,
        f"{ALERTS}.8.{index}": description.encode(),
    }


def one_supply(**row: object) -> Supply:
    status = parse_printer(supply_row(**row))  # type: ignore[arg-type]
    assert len(status.supplies) == 1
    return status.supplies[0]


def one_tray(thresholds: Thresholds | None = None, **row: object) -> PaperInput:
    status = parse_printer(tray_row(**row), thresholds=thresholds)  # type: ignore[arg-type]
    return status.inputs[0]


def one_alert(**row: object) -> PrinterAlert:
    status = parse_printer(alert_row(**row))  # type: ignore[arg-type]
    return status.alerts[0]


def round_trip(status: PrinterStatus) -> PrinterStatus:
    """Encode the status in a device message and decode it as the collector does (validation)."""
    body = DeviceBody(
        device="hp", kind="printer", reachable=True, state="ok", label="en service", printer=status
    )
    message = DeviceMessage(v=1, site="maurepas", agent="accueil-pc1", seq=1, ts=NOW, body=body)
    decoded = decode(str(topic_of(message)), encode(message), now=NOW.timestamp())
    assert isinstance(decoded, DeviceMessage)
    assert decoded.body.printer is not None
    return decoded.body.printer


# --------------------------------------------------------------------------- the two guards of the issue


def test_a_supply_with_capacity_zero_and_level_zero_does_not_raise() -> None:
    status = parse_printer(parse_snmprec(supply_level(recording("utax"), "1.1", 0, 0)))
    toner = next(s for s in status.supplies if s.index == "1.1")
    assert (toner.raw_level, toner.raw_max, toner.percent, toner.state) == (0, 0, None, "empty")
    assert round_trip(status).supplies == status.supplies


@pytest.mark.parametrize("counter", [-1, -2, -3])
def test_a_negative_page_counter_is_no_counter_and_the_message_stays_valid(counter: int) -> None:
    text = patch(recording("utax"), {LIFE_COUNT: ("2", str(counter))})
    status = parse_printer(parse_snmprec(text))
    assert status.page_count is None
    assert round_trip(status).page_count is None


def test_the_page_counter_of_the_recording_and_its_bounds() -> None:
    assert parse_printer(parse_snmprec(recording("utax"))).page_count == 427
    zero = parse_printer(parse_snmprec(patch(recording("utax"), {LIFE_COUNT: ("2", "0")})))
    assert zero.page_count == 0
    # Above 2**53 (beyond what the wire carries exactly) the counter is not believed.
    assert parse_printer({LIFE_COUNT: 2**53}).page_count == 2**53
    huge = parse_printer({LIFE_COUNT: 2**53 + 1})
    assert huge.page_count is None
    assert round_trip(huge).page_count is None


# --------------------------------------------------------------------------- levels and thresholds


@pytest.mark.parametrize(
    ("level", "maximum", "percent", "state", "problem"),
    [
        (100, 100, 100.0, "ok", False),  # a new cartridge exactly at capacity
        (101, 100, None, "invalid", True),  # one unit above: the device is wrong
        (6000, 6000, 100.0, "ok", False),
        (1, 3, 33.3, "ok", False),  # rounded to one decimal
        (2, 3, 66.7, "ok", False),
        (15, 100, 15.0, "ok", False),  # 15 % is not below 15 %
        (14, 100, 14.0, "low", False),
        (1, 100, 1.0, "low", False),
        (0, 100, 0.0, "empty", False),
        (57, None, None, "unknown", False),  # no maximum: no percentage, no "low"
        (57, -2, None, "unknown", False),
        (-1, 100, None, "other", False),
        (-2, 100, None, "unknown", False),
        (-3, 100, None, "some_remaining", False),
    ],
)
def test_toner_levels(
    level: int, maximum: int | None, percent: float | None, state: str, problem: bool
) -> None:
    status = parse_printer(supply_row(level=level, maximum=maximum))
    toner = status.supplies[0]
    assert (toner.percent, toner.state, toner.fill_percent) == (percent, state, None)
    assert any("above its max capacity" in p for p in status.problems) == problem


@pytest.mark.parametrize(
    ("level", "maximum", "fill", "state"),
    [
        (10, 100, 90.0, "almost_full"),  # 90 % full: the boundary is almost full
        (11, 100, 89.0, "ok"),
        (100, 1000, 90.0, "almost_full"),
        (101, 1000, 89.9, "ok"),
        (1, 100, 99.0, "almost_full"),
        (0, 100, 100.0, "full"),  # no space left
        (100, 100, 0.0, "ok"),
        (101, 100, None, "invalid"),
        (50, None, None, "unknown"),
        (-3, -2, None, "some_remaining"),
    ],
)
def test_waste_box_levels(level: int, maximum: int | None, fill: float | None, state: str) -> None:
    waste = one_supply(type_=4, class_=4, level=level, maximum=maximum, description="Waste Toner Box")
    assert (waste.receptacle, waste.marking, waste.fill_percent, waste.state) == (True, False, fill, state)
    assert waste.role == "waste"


@pytest.mark.parametrize(
    ("thresholds", "level", "state"),
    [
        (Thresholds(supply_low_percent=20), 19, "low"),
        (Thresholds(supply_low_percent=20), 20, "ok"),
        (Thresholds(receptacle_almost_full_percent=80), 21, "almost_full"),  # 79 % full... of space: 79 free
    ],
)
def test_thresholds_are_configurable(thresholds: Thresholds, level: int, state: str) -> None:
    if thresholds.receptacle_almost_full_percent != 90.0:
        item = parse_printer(supply_row(type_=4, class_=4, level=level), thresholds=thresholds).supplies[0]
        assert item.state == "ok"  # 21 free = 79 % full: below 80 %
        item = parse_printer(supply_row(type_=4, class_=4, level=20), thresholds=thresholds).supplies[0]
        assert item.state == "almost_full"
    else:
        assert parse_printer(supply_row(level=level), thresholds=thresholds).supplies[0].state == state


def test_default_thresholds() -> None:
    assert (Thresholds().supply_low_percent, Thresholds().receptacle_almost_full_percent,
            Thresholds().paper_low_percent) == (15.0, 90.0, 10.0)  # fmt: skip


@pytest.mark.parametrize(
    ("level", "maximum", "name", "type_", "manual", "percent", "state"),
    [
        (10, 100, "Tray 2", 3, False, 10.0, "ok"),  # 10 % is not below 10 %
        (9, 100, "Tray 2", 3, False, 9.0, "low"),
        (55, 550, "Tray 2", 3, False, 10.0, "ok"),
        (54, 550, "Tray 2", 3, False, 9.8, "low"),
        (0, 500, "Tray 2", 3, False, 0.0, "empty"),
        (500, 500, "Tray 2", 3, False, 100.0, "ok"),  # full tray, exactly at capacity
        (501, 500, "Tray 2", 3, False, None, "invalid"),
        (-3, 500, "Tray 2", 3, False, None, "some_remaining"),
        (-2, -2, "Tray 2", 3, False, None, "unknown"),
        (-1, 500, "Tray 2", 3, False, None, "other"),
        (20, None, "Tray 2", 3, False, None, "unknown"),
        (0, 100, "Tray 2", 5, True, 0.0, "empty"),  # sheetFeedManual
        (0, 100, "Bypass Tray", 3, True, 0.0, "empty"),
        (0, 100, "By-pass", 3, True, 0.0, "empty"),
        (0, 100, "Multi-Purpose Tray", 3, True, 0.0, "empty"),
        (0, 100, "MP Tray", 3, True, 0.0, "empty"),
        (0, 100, "MPT", 3, True, 0.0, "empty"),
        (0, 100, "Envelope Feeder", 3, True, 0.0, "empty"),
        (0, 100, "Manual Feed", 3, True, 0.0, "empty"),
        (0, 100, "Auto Select", 3, True, 0.0, "empty"),
        (0, 100, "Tray 1 auto", 3, False, 0.0, "empty"),  # "auto" only at the start names a virtual tray
        (0, 1, "Tray 3", 3, True, 0.0, "empty"),  # a maximum of 1: a presence switch
        (0, 0, "Tray 3", 3, True, None, "empty"),
        (0, 2, "Tray 3", 3, False, 0.0, "empty"),
    ],
)
def test_trays(
    level: int, maximum: int | None, name: str, type_: int, manual: bool, percent: float | None, state: str
) -> None:
    tray = one_tray(level=level, maximum=maximum, name=name, type_=type_)
    assert (tray.manual, tray.percent, tray.state) == (manual, percent, state)


def test_paper_threshold_is_configurable_and_a_nameless_tray_is_named_by_its_index() -> None:
    assert one_tray(Thresholds(paper_low_percent=25), level=24, maximum=100).state == "low"
    assert one_tray(Thresholds(paper_low_percent=25), level=25, maximum=100).state == "ok"
    tray = one_tray(index="1.7", name=None, type_=None, level=5, maximum=10)
    assert (tray.name, tray.type, tray.media) == ("Tray 7", None, None)


# --------------------------------------------------------------------------- supplies: what is what


@pytest.mark.parametrize(
    ("row", "marking", "receptacle", "supply_class", "colour"),
    [
        ({"type_": 3}, True, False, "consumed", "black"),  # toner; a single toner is black
        ({"type_": 21, "description": "Cartridge"}, True, False, "consumed", "black"),  # tonerCartridge
        (
            {"type_": 4, "class_": 3, "description": "Box"},
            False,
            True,
            "receptacle",
            None,
        ),  # wasteToner, whatever its class
        (
            {"type_": 9, "class_": 4, "description": "Unit"},
            False,
            True,
            "receptacle",
            None,
        ),  # class 4: receptacle
        ({"type_": 9, "class_": 1, "description": "Drum"}, False, False, "other", None),  # opc: a part
        (
            {"type_": 1, "class_": None, "description": "Cyan Toner"},
            True,
            False,
            "other",
            "cyan",
        ),  # other + name
        ({"type_": 2, "description": "Magenta Ink"}, True, False, "consumed", "magenta"),
        ({"type_": 1, "description": "Toner Collection Unit (waste)"}, False, True, "receptacle", None),
        ({"type_": 1, "description": "Résidu de toner"}, False, True, "receptacle", None),
        (
            {"type_": 1, "description": "Black Drum Toner Kit"},
            False,
            False,
            "consumed",
            "black",
        ),  # a drum: not marking
        ({"type_": None, "description": "Toner Noir"}, True, False, "consumed", "black"),  # no type: unknown
        ({"type_": 1, "description": "Fuser"}, False, False, "consumed", None),
    ],
)
def test_supply_roles(
    row: dict[str, object], marking: bool, receptacle: bool, supply_class: str, colour: str | None
) -> None:
    item = one_supply(**row)
    assert (item.marking, item.receptacle, item.supply_class, item.colour) == (
        marking,
        receptacle,
        supply_class,
        colour,
    )


def test_colour_from_the_colorant_table_then_from_the_description() -> None:
    raw = {
        **supply_row("1.1", colorant=2, description="Toner A"),
        **supply_row("1.2", colorant=0, description="Yellow Toner"),
        **supply_row("1.3", colorant=-1, description="Toner C"),
        **supply_row("1.4", colorant=3, description="Toner D"),
        "1.3.6.1.2.1.43.12.1.1.4.1.2": b"Cyan",
        "1.3.6.1.2.1.43.12.1.1.4.1.0": b"Red",  # a row 0 no colorant index may point at (0: none)
        "1.3.6.1.2.1.43.12.1.1.4.2.3": b"Magenta",  # device 2's colorant: not this device's
    }
    got = {s.index: s.colour for s in parse_printer(raw).supplies}
    assert got == {"1.1": "cyan", "1.2": "yellow", "1.3": None, "1.4": None}


@pytest.mark.parametrize(
    ("description", "colour"),
    [
        ("Noir", "black"), ("Schwarz", "black"), ("Nero", "black"), ("Negro", "black"), ("BLACK", "black"),
        ("Cyan", "cyan"), ("Magenta", "magenta"), ("Jaune", "yellow"), ("Gelb", "yellow"), ("Giallo", "yellow"),
        ("Amarillo", "yellow"), ("Yellow", "yellow"), ("Blackish", None), ("Cyan and Magenta", None), ("", None),
    ],
)  # fmt: skip
def test_colour_from_description(description: str, colour: str | None) -> None:
    assert colour_from_description(description) == colour


# RFC 3805 PrtMarkerSuppliesTypeTC, copied from the RFC.
SUPPLY_TYPE_NAMES = {
    1: "other", 2: "unknown", 3: "toner", 4: "wasteToner", 5: "ink", 6: "inkCartridge", 7: "inkRibbon",
    8: "wasteInk", 9: "opc", 10: "developer", 11: "fuserOil", 12: "solidWax", 13: "ribbonWax", 14: "wasteWax",
    15: "fuser", 16: "coronaWire", 17: "fuserOilWick", 18: "cleanerUnit", 19: "fuserCleaningPad",
    20: "transferUnit", 21: "tonerCartridge", 22: "fuserOiler", 23: "water", 24: "wasteWater",
    25: "glueWaterAdditive", 26: "wastePaper", 27: "bindingSupply", 28: "bandingSupply", 29: "stitchingWire",
    30: "shrinkWrap", 31: "paperWrap", 32: "staples", 33: "inserts", 34: "covers", 35: "matteToner", 36: "matteInk",
}  # fmt: skip
MARKING = {
    "toner",
    "tonerCartridge",
    "ink",
    "inkCartridge",
    "inkRibbon",
    "solidWax",
    "ribbonWax",
    "matteToner",
    "matteInk",
}
WASTE = {"wasteToner", "wasteInk", "wasteWax", "wasteWater", "wastePaper"}


@pytest.mark.parametrize(("code", "name"), sorted(SUPPLY_TYPE_NAMES.items()))
def test_every_supply_type(code: int, name: str) -> None:
    # A neutral description and class 1, so that only the type decides.
    item = one_supply(type_=code, class_=1, description="Part")
    assert item.type == name
    assert item.marking == (name in MARKING)
    assert item.receptacle == (name in WASTE)
    assert item.role == ("toner" if name in MARKING else "waste" if name in WASTE else "part")


def test_an_unlisted_or_absent_supply_type_is_unknown() -> None:
    assert one_supply(type_=99, description="Part").type == "unknown"
    assert one_supply(type_=None, description="Part").type == "unknown"
    assert one_supply(type_=None, description=None).description == "unknown"


# IPP marker-types keywords (RFC 8011 / PWG 5100.x, kebab case) as the IPP reader files them under
# the Printer-MIB types: the same table read the other way, so each name must keep its code.
@pytest.mark.parametrize(
    ("keyword", "name"),
    [
        ("toner", "toner"),
        ("toner-cartridge", "tonerCartridge"),
        ("waste-toner", "wasteToner"),
        ("ink-cartridge", "inkCartridge"),
        ("opc", "opc"),
        ("fuser", "fuser"),
        ("staples", "staples"),
        ("unknown", "unknown"),  # the MIB's unknown (2), not other (1)
        ("other", "other"),
        ("no-such-type", "other"),  # a keyword the MIB does not name: other
    ],
)
def test_ipp_marker_types_are_the_mib_types(keyword: str, name: str) -> None:
    status = parse_ipp({"marker-names": ["Part"], "marker-types": [keyword], "marker-levels": [50]})
    assert [s.type for s in status.supplies] == [name]


# RFC 3805 PrtMarkerSuppliesSupplyUnitTC.
SUPPLY_UNIT_NAMES = {
    1: "other", 2: "unknown", 3: "tenThousandthsOfInches", 4: "micrometers", 7: "impressions", 8: "sheets",
    11: "hours", 12: "thousandthsOfOunces", 13: "tenthsOfGrams", 14: "hundrethsOfFluidOunces",
    15: "tenthsOfMilliliters", 16: "feet", 17: "meters", 18: "items", 19: "percent",
}  # fmt: skip


@pytest.mark.parametrize(
    ("code", "name"), [*sorted(SUPPLY_UNIT_NAMES.items()), (5, "unknown"), (None, "unknown")]
)
def test_every_supply_unit(code: int | None, name: str) -> None:
    assert one_supply(unit=code).unit == name


# RFC 2790 hrPrinterStatus and hrDeviceStatus.
@pytest.mark.parametrize(
    ("code", "printer_status", "device_status"),
    [(1, "other", "unknown"), (2, "unknown", "running"), (3, "idle", "warning"), (4, "printing", "testing"),
     (5, "warmup", "down"), (6, None, None)],
)  # fmt: skip
def test_printer_and_device_status(code: int, printer_status: str | None, device_status: str | None) -> None:
    raw = {f"{HR_DEVICE}.2.1": PRINTER_TYPE, f"{HR_PRINTER}.1.1": code, f"{HR_DEVICE}.5.1": code}
    status = parse_printer(raw)
    assert (status.printer_status, status.device_status) == (printer_status, device_status)


# RFC 2790 hrPrinterDetectedErrorState, bit 0 first.
ERROR_BIT_NAMES = [
    "lowPaper", "noPaper", "lowToner", "noToner", "doorOpen", "jammed", "offline", "serviceRequested",
    "inputTrayMissing", "outputTrayMissing", "markerSupplyMissing", "outputNearFull", "outputFull",
    "inputTrayEmpty", "overduePreventMaint",
]  # fmt: skip


@pytest.mark.parametrize(("bit", "name"), list(enumerate(ERROR_BIT_NAMES)))
def test_every_error_bit(bit: int, name: str) -> None:
    value = (0x8000 >> bit).to_bytes(2, "big")
    status = parse_printer({f"{HR_DEVICE}.2.1": PRINTER_TYPE, f"{HR_PRINTER}.2.1": value})
    assert status.errors == (name,)


def test_bit_16_and_beyond_are_not_named() -> None:
    assert parse_printer({f"{HR_PRINTER}.2.1": b"\x00\x00\xff"}).errors == ()


# RFC 3805 PrtAlertCodeTC (the codes the MIB module lists).
ALERT_CODE_NAMES = {
    1: "other", 2: "unknown", 3: "coverOpen", 4: "coverClosed", 5: "interlockOpen", 6: "interlockClosed",
    7: "configurationChange", 8: "jam", 9: "subunitMissing", 10: "subunitLifeAlmostOver", 11: "subunitLifeOver",
    12: "subunitAlmostEmpty", 13: "subunitEmpty", 14: "subunitAlmostFull", 15: "subunitFull",
    16: "subunitNearLimit", 17: "subunitAtLimit", 18: "subunitOpened", 19: "subunitClosed",
    20: "subunitTurnedOn", 21: "subunitTurnedOff", 22: "subunitOffline", 23: "subunitPowerSaver",
    24: "subunitWarmingUp", 25: "subunitAdded", 26: "subunitRemoved", 27: "subunitResourceAdded",
    28: "subunitResourceRemoved", 29: "subunitRecoverableFailure", 30: "subunitUnrecoverableFailure",
    31: "subunitRecoverableStorageError", 32: "subunitUnrecoverableStorageError", 33: "subunitMotorFailure",
    34: "subunitMemoryExhausted", 35: "subunitUnderTemperature", 36: "subunitOverTemperature",
    37: "subunitTimingFailure", 38: "subunitThermistorFailure", 501: "doorOpen", 502: "doorClosed",
    503: "powerUp", 504: "powerDown", 505: "printerNMSReset", 506: "printerManualReset",
    507: "printerReadyToPrint", 801: "inputMediaTrayMissing", 802: "inputMediaSizeChanged",
    803: "inputMediaWeightChanged", 804: "inputMediaTypeChanged", 805: "inputMediaColorChanged",
    806: "inputMediaFormPartsChanged", 807: "inputMediaSupplyLow", 808: "inputMediaSupplyEmpty",
    809: "inputMediaChangeRequest", 810: "inputManualInputRequest", 811: "inputTrayPositionFailure",
    812: "inputTrayElevationFailure", 813: "inputCannotFeedSizeSelected", 901: "outputMediaTrayMissing",
    902: "outputMediaTrayAlmostFull", 903: "outputMediaTrayFull", 904: "outputMailboxSelectFailure",
    1001: "markerFuserUnderTemperature", 1002: "markerFuserOverTemperature", 1003: "markerFuserTimingFailure",
    1004: "markerFuserThermistorFailure", 1005: "markerAdjustingPrintQuality", 1101: "markerTonerEmpty",
    1102: "markerInkEmpty", 1103: "markerPrintRibbonEmpty", 1104: "markerTonerAlmostEmpty",
    1105: "markerInkAlmostEmpty", 1106: "markerPrintRibbonAlmostEmpty",
    1107: "markerWasteTonerReceptacleAlmostFull", 1108: "markerWasteInkReceptacleAlmostFull",
    1109: "markerWasteTonerReceptacleFull", 1110: "markerWasteInkReceptacleFull",
    1111: "markerOpcLifeAlmostOver", 1112: "markerOpcLifeOver", 1113: "markerDeveloperAlmostEmpty",
    1114: "markerDeveloperEmpty", 1115: "markerTonerCartridgeMissing", 1301: "mediaPathMediaTrayMissing",
    1302: "mediaPathMediaTrayAlmostFull", 1303: "mediaPathMediaTrayFull",
    1304: "mediaPathCannotDuplexMediaSelected",
}  # fmt: skip


@pytest.mark.parametrize(("code", "name"), sorted(ALERT_CODE_NAMES.items()))
def test_every_alert_code(code: int, name: str) -> None:
    assert one_alert(code=code).code_name == name


def test_an_unlisted_alert_code_is_named_by_its_number() -> None:
    assert one_alert(code=40).code_name == "code40"


# RFC 3805 PrtAlertSeverityLevelTC and PrtAlertGroupTC.
@pytest.mark.parametrize(
    ("code", "name"),
    [(1, "other"), (2, "other"), (3, "critical"), (4, "warning"), (5, "warningBinaryChangeEvent")],
)
def test_every_alert_severity(code: int, name: str) -> None:
    assert one_alert(code=8, severity=code).severity == name


ALERT_GROUP_NAMES = {
    1: "other", 3: "hostResourcesMIBStorageTable", 4: "hostResourcesMIBDeviceTable", 5: "generalPrinter",
    6: "cover", 7: "localization", 8: "input", 9: "output", 10: "marker", 11: "markerSupplies",
    12: "markerColorant", 13: "mediaPath", 14: "channel", 15: "interpreter", 16: "consoleDisplayBuffer",
    17: "consoleLights", 18: "alert", 30: "finDevice", 31: "finSupply", 32: "finSupplyMediaInput",
    33: "finAttribute",
}  # fmt: skip


@pytest.mark.parametrize(("code", "name"), [*sorted(ALERT_GROUP_NAMES.items()), (2, "other"), (19, "other")])
def test_every_alert_group(code: int, name: str) -> None:
    assert one_alert(code=8, group=code).group == name


# RFC 3805 prtInputType.
@pytest.mark.parametrize(
    ("code", "name"),
    [(1, "other"), (2, "unknown"), (3, "sheetFeedAutoRemovableTray"), (4, "sheetFeedAutoNonRemovableTray"),
     (5, "sheetFeedManual"), (6, "continuousRoll"), (7, "continuousFanFold"), (8, None)],
)  # fmt: skip
def test_every_input_type(code: int, name: str | None) -> None:
    assert one_tray(type_=code).type == name


# --------------------------------------------------------------------------- alerts and privacy


@pytest.mark.parametrize(
    ("code", "description"),
    [
        (1, None),  # other: free text that may carry a job or user name, dropped
        (2, None),  # unknown: the same
        (3, "Front cover open"),  # hardware alerts keep their text
        (8, "Front cover open"),
        (808, "Front cover open"),
    ],
)
def test_free_text_of_other_alerts_is_dropped(code: int, description: str | None) -> None:
    alert = one_alert(code=code, description="Front cover open")
    assert alert.description == description


def test_job_names_never_reach_the_message() -> None:
    raw = alert_row(code=1, description="Impression de « Avis d'imposition Jean Dupont.pdf »")
    status = round_trip(parse_printer(raw))
    assert "Dupont" not in encode(
        DeviceMessage(v=1, site="s", agent="a", seq=1, ts=NOW,
                      body=DeviceBody(device="d", kind="printer", reachable=True, state="ok", label="x", printer=status))
    ).decode()  # fmt: skip


def test_alert_fields_and_rows() -> None:
    raw = {
        **alert_row("1.2", code=8, severity=4, group=8, group_index=2, location=4, description="Jam"),
        **alert_row("1.10", code=3, severity=3, group=6, group_index=1, location=-1, description="Cover"),
        f"{ALERTS}.7.1.3": b"not a number",  # a code that is not a number: the row is skipped
    }
    alerts = parse_printer(raw).alerts
    assert [(a.index, a.code, a.group, a.group_index, a.location, a.severity) for a in alerts] == [
        ("1.2", 8, "input", 2, 4, "warning"),
        ("1.10", 3, "cover", 1, -1, "critical"),
    ]


# --------------------------------------------------------------------------- reading values


@pytest.mark.parametrize(
    ("level", "kept", "problem"),
    [
        (-3, -3, None),
        (-4, None, "supply 1.1 level: value -4 out of range"),
        (2**31 - 1, 2**31 - 1, "above its max capacity"),
        (2**31, None, "supply 1.1 level: value 2147483648 out of range"),
        (True, None, "supply 1.1 level: expected an integer, got bool"),
        (b"7", None, "supply 1.1 level: expected an integer, got bytes"),
    ],
)
def test_integers_are_bounded(level: object, kept: int | None, problem: str | None) -> None:
    status = parse_printer(supply_row(level=level))  # type: ignore[arg-type]
    assert status.supplies[0].raw_level == kept
    if problem is None:
        assert status.problems == ()
    else:
        assert any(problem in p for p in status.problems), status.problems


@pytest.mark.parametrize(
    ("ticks", "seconds"), [(0, 0.0), (12345, 123.45), (2**32 - 1, 42949672.95), (2**32, None), (-1, None)]
)
def test_uptime(ticks: int, seconds: float | None) -> None:
    assert parse_printer({"1.3.6.1.2.1.1.3.0": ticks}).sys_uptime_seconds == seconds


def test_identity_scalars() -> None:
    raw = {
        "1.3.6.1.2.1.1.1.0": b"HP ETHERNET MULTI-ENVIRONMENT",
        "1.3.6.1.2.1.1.2.0": "1.3.6.1.4.1.11.2.3.9.1",
        f"{HR_DEVICE}.2.1": "1.3.6.1.2.1.25.3.1.6",  # not a printer
        f"{HR_DEVICE}.2.2": PRINTER_TYPE,
        f"{HR_DEVICE}.3.2": b"HP LaserJet M880",
        f"{HR_DEVICE}.5.2": 2,
        f"{HR_PRINTER}.1.2": 3,
        "1.3.6.1.2.1.43.5.1.1.17.1": b"CNB1234567",
    }
    status = parse_printer(raw)
    assert (status.sys_descr, status.sys_object_id, status.model, status.serial) == (
        "HP ETHERNET MULTI-ENVIRONMENT", "1.3.6.1.4.1.11.2.3.9.1", "HP LaserJet M880", "CNB1234567")  # fmt: skip
    assert (status.printer_status, status.device_status) == ("idle", "running")
    assert parse_printer({"1.3.6.1.2.1.1.2.0": b"1.3.6"}).sys_object_id is None  # not an OID


def test_printer_device_found_from_its_status_rows_without_a_type() -> None:
    raw = {f"{HR_PRINTER}.1.7": 4, f"{HR_DEVICE}.3.7": b"Printer seven", f"{HR_DEVICE}.3.8": b"Other"}
    status = parse_printer(raw)
    assert (status.printer_status, status.model) == ("printing", "Printer seven")
    raw = {f"{HR_PRINTER}.2.9": b"\x80", f"{HR_DEVICE}.3.9": b"Printer nine"}
    assert parse_printer(raw).model == "Printer nine"
    assert parse_printer({f"{HR_DEVICE}.3.1": b"Printer one"}).model == "Printer one"


def test_scanner_units_of_an_mfp() -> None:
    raw = {
        f"{HR_DEVICE}.3.1": b"Printer",
        f"{HR_DEVICE}.3.2": b"Scanner Unit",
        f"{HR_DEVICE}.3.3": b"Document Feeder",
        f"{HR_DEVICE}.3.4": b"DADF",
        f"{HR_DEVICE}.3.5": b"Single Pass Feeder",
        f"{HR_DEVICE}.3.6": b"Cadfish",  # not a word "adf"
        f"{HR_DEVICE}.5.2": 5,
        f"{HR_DEVICE}.5.3": 2,
        f"{HR_DEVICE}.5.4": 9,
    }
    units = [(u.index, u.description, u.status) for u in parse_printer(raw).scanner_units]
    assert units == [
        ("2", "Scanner Unit", "down"),
        ("3", "Document Feeder", "running"),
        ("4", "DADF", "unknown"),
        ("5", "Single Pass Feeder", "unknown"),
    ]
    many = {f"{HR_DEVICE}.3.{i}": b"Scanner" for i in range(1, 30)}
    assert len(parse_printer(many).scanner_units) == 16


def test_row_indexes_sort_as_numbers_and_odd_indexes_are_not_read() -> None:
    raw = {
        **supply_row("1.10", description="Ten"),
        **supply_row("1.9", description="Nine"),
        **supply_row("1.x", description="Odd"),  # not a number: not a row
        **supply_row("1.2.3.4", description="Four arcs"),  # deeper than a table row
        **supply_row("1.2", description="Two"),
    }
    assert [s.index for s in parse_printer(raw).supplies] == ["1.2", "1.9", "1.10"]


def test_table_size_limits() -> None:
    raw: dict[str, int | bytes | str] = {}
    for i in range(1, 66):
        raw.update(supply_row(f"1.{i}", description=f"Part {i}", type_=9))
        raw.update(tray_row(f"1.{i}"))
        raw.update(alert_row(f"1.{i}", code=8))
    status = parse_printer(raw)
    assert (len(status.supplies), len(status.inputs), len(status.alerts)) == (64, 64, 64)
    assert "supplies: 65 rows, only the first 64 kept" in status.problems
    exactly = {k: v for k, v in raw.items() if not k.endswith(".1.65")}
    assert not any("rows" in p for p in parse_printer(exactly).problems)


def test_problems_are_cut_to_32_of_200_characters() -> None:
    raw = {f"{SUPPLIES}.9.1.{i}": b"x" for i in range(1, 41)}
    raw["1.3.6.1.2.1.1.1.0"] = 7  # type: ignore[assignment]
    problems = parse_printer(raw).problems
    assert len(problems) == 32
    assert problems[0] == "sysDescr: expected a string, got an integer"
    assert all(len(p) <= 200 for p in problems)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Toner\tNoir ", "Toner Noir"),
        (b"Toner \xc3\xa9", "Toner é"),  # UTF-8
        ("Cyan SN: AB-12", "Cyan"),
        ("Cyan, S/N#77", "Cyan"),
        ("0x00426C61636B00", "Black"),  # NUL bytes inside the hex dump
        ("0xZZ426C61636B", "0xZZ426C61636B"),  # not hex
        ("FF FE FD FC", "FF FE FD FC"),  # hex, but not ASCII text
        ("01 02 03 04", "01 02 03 04"),  # hex of control characters: kept as sent
        ("20 20 20 20", "20 20 20 20"),  # hex of spaces only: kept as sent
        ("x" * 300, "x" * 256),
    ],
)
def test_clean_text_more(raw: str | bytes, expected: str | None) -> None:
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    ("level", "maximum", "steps", "precision"),
    [
        (None, 100, False, None), (-1, 100, False, None), (-2, 100, False, None), (-3, 100, False, "presence"),
        (5, None, False, None), (5, 0, False, None), (5, -2, False, None), (11, 10, False, None),
        (1, 1, False, "presence"), (0, 1, True, "presence"), (10, 10, False, "coarse"), (5, 11, False, "exact"),
        (50, 100, True, "coarse"), (50, 100, False, "exact"), (2, 2, False, "coarse"),
    ],
)  # fmt: skip
def test_level_precision(level: int | None, maximum: int | None, steps: bool, precision: str | None) -> None:
    assert level_precision(level, maximum, steps=steps) == precision


@pytest.mark.parametrize(
    ("levels", "precision"),
    [
        ({"1.1": 100, "1.2": 10}, "coarse"),  # Canon's steps: 100 and 10
        ({"1.1": 0, "1.2": 1}, "coarse"),
        ({"1.1": 100, "1.2": 100}, "exact"),  # no 1 or 10 among them: real percentages
        ({"1.1": 10, "1.2": 50}, "exact"),  # 50 is not a step
        ({"1.1": 10, "1.2": -3}, "coarse"),  # sentinels are left out of the judgement
    ],
)
def test_three_staged_levels_by_hand(levels: dict[str, int], precision: str) -> None:
    raw: dict[str, int | bytes | str] = {}
    for index, level in levels.items():
        raw.update(
            supply_row(index, level=level, description=f"{'Cyan' if index == '1.1' else 'Magenta'} Toner")
        )
    status = parse_printer(raw)
    assert status.supplies[0].precision == precision


def test_vendor_levels_replace_the_standard_ones() -> None:
    def private(raw: object, rows: tuple[object, ...]) -> dict[str, VendorLevel]:
        return {"1.1": VendorLevel(level=-3, maximum=-2, almost_empty=True, precision="coarse"),
                "1.2": VendorLevel(level=30, maximum=100)}  # fmt: skip

    vendor = VendorOverride(name="test", supply_levels=private, level_steps=True)
    raw = {**supply_row("1.1", level=-3, description="Cyan Toner"), **supply_row("1.2", level=-3, description="Magenta Toner"),
           **supply_row("1.3", type_=4, class_=4, level=50, description="Waste")}  # fmt: skip
    cyan, magenta, waste = parse_printer(raw, vendor=vendor).supplies
    assert (cyan.state, cyan.precision, cyan.raw_level) == (
        "low",
        "coarse",
        -3,
    )  # the vendor's "almost empty"
    assert (magenta.state, magenta.percent, magenta.precision) == ("ok", 30.0, "coarse")  # steps: coarse
    assert (waste.percent, waste.precision) == (50.0, "exact")  # steps apply to marking supplies only


# --------------------------------------------------------------------------- each problem names its cell

TYPE_PROBLEMS = [
    (f"{SUPPLIES}.5.1.1", "supply 1.1 type"),
    (f"{SUPPLIES}.4.1.1", "supply 1.1 class"),
    (f"{SUPPLIES}.7.1.1", "supply 1.1 unit"),
    (f"{SUPPLIES}.9.1.1", "supply 1.1 level"),
    (f"{SUPPLIES}.8.1.1", "supply 1.1 max capacity"),
    (f"{SUPPLIES}.3.1.1", "supply 1.1 colorant index"),
    (f"{INPUTS}.10.1.2", "tray 1.2 level"),
    (f"{INPUTS}.9.1.2", "tray 1.2 max capacity"),
    (f"{INPUTS}.2.1.2", "tray 1.2 type"),
    (f"{ALERTS}.7.1.3", "alert 1.3 code"),
    (f"{ALERTS}.2.1.3", "alert 1.3 severity"),
    (f"{ALERTS}.4.1.3", "alert 1.3 group"),
    (f"{ALERTS}.5.1.3", "alert 1.3 group index"),
    (f"{ALERTS}.6.1.3", "alert 1.3 location"),
    (f"{HR_PRINTER}.1.1", "hrPrinterStatus"),
    (f"{HR_DEVICE}.5.1", "hrDeviceStatus"),
    ("1.3.6.1.2.1.1.3.0", "sysUpTime"),
    (LIFE_COUNT, "prtMarkerLifeCount"),
    (f"{HR_DEVICE}.5.4", "hrDeviceStatus 4"),
]
TEXT_PROBLEMS = [
    (f"{SUPPLIES}.6.1.1", "supply description"),
    (f"{INPUTS}.13.1.2", "tray 1.2 name"),
    (f"{INPUTS}.12.1.2", "tray 1.2 media"),
    (f"{ALERTS}.8.1.3", "alert 1.3 description"),
    ("1.3.6.1.2.1.1.1.0", "sysDescr"),
    (f"{HR_DEVICE}.3.1", "hrDeviceDescr"),
    ("1.3.6.1.2.1.43.5.1.1.17.1", "prtGeneralSerialNumber"),
    (f"{HR_DEVICE}.3.4", "hrDeviceDescr 4"),
    ("1.3.6.1.2.1.43.12.1.1.4.1.2", "colorant 2"),
]


def full_printer() -> dict[str, int | bytes | str]:
    """One printer with a cell of every kind the parser reads."""
    return {
        f"{HR_DEVICE}.2.1": PRINTER_TYPE, f"{HR_DEVICE}.3.1": b"Printer", f"{HR_DEVICE}.5.1": 2,
        f"{HR_PRINTER}.1.1": 3, f"{HR_DEVICE}.3.4": b"Scanner", f"{HR_DEVICE}.5.4": 2,
        "1.3.6.1.2.1.1.1.0": b"Printer", "1.3.6.1.2.1.1.3.0": 100, LIFE_COUNT: 5,
        "1.3.6.1.2.1.43.5.1.1.17.1": b"SN1", "1.3.6.1.2.1.43.12.1.1.4.1.2": b"cyan",
        **supply_row("1.1", colorant=2), **tray_row("1.2"), f"{INPUTS}.12.1.2": b"A4",
        **alert_row("1.3", code=8),
    }  # fmt: skip


@pytest.mark.parametrize(("oid", "what"), TYPE_PROBLEMS, ids=[w for _o, w in TYPE_PROBLEMS])
def test_each_integer_cell_names_itself_in_its_problem(oid: str, what: str) -> None:
    assert parse_printer(full_printer()).problems == ()
    assert parse_printer({**full_printer(), oid: b"x"}).problems == (
        f"{what}: expected an integer, got bytes",
    )
    assert parse_printer({**full_printer(), oid: 2**64}).problems == (f"{what}: value {2**64} out of range",)


@pytest.mark.parametrize(("oid", "what"), TEXT_PROBLEMS, ids=[w for _o, w in TEXT_PROBLEMS])
def test_each_text_cell_names_itself_in_its_problem(oid: str, what: str) -> None:
    expected = (f"{what}: expected a string, got an integer",)
    if what == "hrDeviceDescr":  # the printer's row is read as the model, then as a possible scanner unit
        expected += ("hrDeviceDescr 1: expected a string, got an integer",)
    assert parse_printer({**full_printer(), oid: 7}).problems == expected


def test_a_cut_walk_is_said_first_and_makes_the_reading_incomplete() -> None:
    status = parse_printer(
        {**full_printer(), "walk-truncated": b"prtAlertTable: 64 rows", "1.3.6.1.2.1.1.1.0": 7}
    )
    assert status.incomplete
    assert status.problems == (
        "SNMP walk incomplete: prtAlertTable: 64 rows",
        "sysDescr: expected a string, got an integer",
    )
    assert parse_printer({**full_printer(), "walk-truncated": "timeout"}).problems == (
        "SNMP walk incomplete: timeout",
    )
    assert not parse_printer(full_printer()).incomplete


@pytest.mark.parametrize(("table", "rows"), [("supplies", "supply"), ("trays", "tray"), ("alerts", "alert")])
def test_each_cut_table_is_said_first(table: str, rows: str) -> None:
    raw: dict[str, int | bytes | str] = {}
    for i in range(1, 66):
        row = {"supply": supply_row, "tray": tray_row}.get(rows)
        raw.update(row(f"1.{i}") if row else alert_row(f"1.{i}", code=8))
    status = parse_printer(raw)
    assert status.incomplete
    assert status.problems[0] == f"{table}: 65 rows, only the first 64 kept"
    exactly = {k: v for k, v in raw.items() if not k.endswith(".1.65")}
    assert not parse_printer(exactly).incomplete


def test_the_level_above_maximum_problems_name_the_numbers() -> None:
    status = parse_printer(
        {**supply_row("1.1", level=120, maximum=100), **tray_row("1.2", level=600, maximum=500)}
    )
    assert status.problems == (
        "supply 1.1 level 120 above its max capacity 100",
        "tray 1.2 level 600 above its max capacity 500",
    )


# --------------------------------------------------------------------------- more edges the mutants found


def test_a_cut_is_said_before_the_problems_read_earlier() -> None:
    raw: dict[str, int | bytes | str] = {f"{HR_PRINTER}.1.1": b"x"}
    for i in range(1, 66):
        raw.update(supply_row(f"1.{i}", type_=9, description=f"Part {i}"))
    assert parse_printer(raw).problems[:2] == (
        "supplies: 65 rows, only the first 64 kept",
        "hrPrinterStatus: expected an integer, got bytes",
    )


def test_hex_dumps_with_colons() -> None:
    assert clean_text("42:6C:61:63:6B:20:54:6F:6E:65:72") == "Black Toner"


def test_rows_without_a_level() -> None:
    toner = one_supply(level=None)
    assert (toner.raw_level, toner.percent, toner.state, toner.precision) == (None, None, "unknown", None)
    tray = one_tray(level=None)
    assert (tray.raw_level, tray.percent, tray.state) == (None, None, "unknown")


def test_rows_known_by_one_column_only() -> None:
    raw = {f"{SUPPLIES}.6.1.1": b"Drum Unit", f"{SUPPLIES}.5.1.2": 9, f"{SUPPLIES}.9.1.3": 40}
    assert [(s.index, s.description, s.state) for s in parse_printer(raw).supplies] == [
        ("1.1", "Drum Unit", "unknown"),
        ("1.2", "opc", "unknown"),
        ("1.3", "unknown", "unknown"),
    ]
    trays = {f"{INPUTS}.13.1.1": b"Tray 1", f"{INPUTS}.9.1.2": 500, f"{INPUTS}.10.1.3": 40}
    assert [(t.index, t.name) for t in parse_printer(trays).inputs] == [
        ("1.1", "Tray 1"),
        ("1.2", "Tray 2"),
        ("1.3", "Tray 3"),
    ]


def test_trays_sort_as_numbers() -> None:
    raw = {
        **tray_row("1.10", name="Tray 10"),
        **tray_row("1.2", name="Tray 2"),
        **tray_row("1.9", name="Tray 9"),
    }
    assert [t.index for t in parse_printer(raw).inputs] == ["1.2", "1.9", "1.10"]


@pytest.mark.parametrize(
    ("level", "maximum", "state", "problem"),
    [(5, 0, "unknown", False), (2, 1, "invalid", True), (1, 1, "ok", False), (0, 0, "empty", False)],
)
def test_levels_against_small_maxima(level: int, maximum: int, state: str, problem: bool) -> None:
    status = parse_printer(supply_row(level=level, maximum=maximum))
    assert status.supplies[0].state == state
    assert bool(status.problems) == problem


def test_level_precision_defaults_and_zero_maximum() -> None:
    assert level_precision(50, 100) == "exact"
    assert level_precision(0, 0) is None


def test_all_four_canon_steps_are_steps() -> None:
    raw: dict[str, int | bytes | str] = {}
    for i, (level, colour) in enumerate(
        zip((0, 1, 10, 100), ("Black", "Cyan", "Magenta", "Yellow"), strict=True), 1
    ):
        raw.update(supply_row(f"1.{i}", level=level, description=f"{colour} Toner"))
    assert {s.precision for s in parse_printer(raw).supplies} == {"coarse"}


def test_a_vendor_almost_empty_at_zero_is_empty() -> None:
    def private(raw: object, rows: tuple[object, ...]) -> dict[str, VendorLevel]:
        return {"1.1": VendorLevel(level=0, maximum=100, almost_empty=True)}

    vendor = VendorOverride(name="test", supply_levels=private)
    assert parse_printer(supply_row(level=-3), vendor=vendor).supplies[0].state == "empty"


def test_a_vendor_description_hook_is_not_called_without_a_description() -> None:
    hp = VendorOverride(name="hp", supply_description=lambda value: f"decoded {value!r}")
    assert parse_printer(supply_row(description=None), vendor=hp).supplies[0].description == "toner"
    assert parse_printer(supply_row(description="x"), vendor=hp).supplies[0].description == "decoded b'x'"


def test_a_receptacle_has_no_colour_from_its_description() -> None:
    assert one_supply(type_=4, class_=4, description="Black Waste Toner Box").colour is None


def test_colorant_rows_of_every_device_and_index() -> None:
    raw = {
        **supply_row("1.1", colorant=1, description="Toner A"),
        **supply_row("2.5", colorant=2, description="Toner B"),
        **supply_row("1.1.3", colorant=2, description="Toner C"),
        **supply_row("1.4", colorant=3, description="Toner D"),
        "1.3.6.1.2.1.43.12.1.1.4.1.1": b"Black",
        "1.3.6.1.2.1.43.12.1.1.4.1.2": b"Cyan",
        "1.3.6.1.2.1.43.12.1.1.4.2.2": b"Magenta",
        "1.3.6.1.2.1.43.12.1.1.4.1.3": b"A colour with a very long name indeed",
    }
    got = {s.index: s.colour for s in parse_printer(raw).supplies}
    assert got == {
        "1.1": "black",
        "2.5": "magenta",
        "1.1.3": "cyan",
        "1.4": "a colour with a very long name i",
    }


# --------------------------------------------------------------------------- rows chosen by number, cuts


def test_the_first_row_of_a_column_is_the_lowest_by_number() -> None:
    # prtMarkerLifeCount rows 1.10 and 1.2: the first marker is 1.2 (as text, "1.10" < "1.2").
    raw = {"1.3.6.1.2.1.43.10.2.1.4.1.10": 999, "1.3.6.1.2.1.43.10.2.1.4.1.2": 427}
    assert parse_printer(raw).page_count == 427


def test_the_printer_device_is_the_lowest_printer_row_by_number() -> None:
    raw = {
        f"{HR_DEVICE}.2.10": PRINTER_TYPE,
        f"{HR_DEVICE}.2.2": PRINTER_TYPE,
        f"{HR_DEVICE}.3.10": b"Printer ten",
        f"{HR_DEVICE}.3.2": b"Printer two",
    }
    assert parse_printer(raw).model == "Printer two"


def test_scanner_units_in_the_order_of_their_numbers() -> None:
    raw = {f"{HR_DEVICE}.3.1": b"Printer", f"{HR_DEVICE}.3.10": b"Scanner Unit", f"{HR_DEVICE}.3.2": b"DADF"}
    assert [u.index for u in parse_printer(raw).scanner_units] == ["2", "10"]


@pytest.mark.parametrize(
    ("level", "maximum", "state", "problem"),
    [
        (5, 0, "unknown", False),  # a maximum of 0 says nothing: no percentage, not "above" it
        (0, 0, "empty", False),
        (2, 1, "invalid", True),  # a presence switch reading 2: above its maximum
        (1, 1, "ok", False),
    ],
)
def test_trays_against_small_maxima(level: int, maximum: int, state: str, problem: bool) -> None:
    status = parse_printer(tray_row(level=level, maximum=maximum))
    assert status.inputs[0].state == state
    assert status.problems == (
        (f"tray 1.1 level {level} above its max capacity {maximum}",) if problem else ()
    )


def test_a_nameless_tray_with_a_three_arc_index_is_named_by_its_last_arc() -> None:
    assert one_tray(index="1.2.7", name=None).name == "Tray 7"


def test_identity_and_tray_texts_are_cut_to_the_contract_bounds() -> None:
    raw = {
        **tray_row(),
        f"{INPUTS}.12.1.1": ("M" * 200).encode(),
        "1.3.6.1.2.1.43.5.1.1.17.1": ("Z" * 200).encode(),
        "1.3.6.1.2.1.1.2.0": "1." * 150,
    }
    status = parse_printer(raw)
    assert status.inputs[0].media == "M" * 128
    assert status.serial == "Z" * 128
    assert status.sys_object_id == ("1." * 150)[:256]
    # A serial cell with nothing printable in it is no serial.
    assert parse_printer({"1.3.6.1.2.1.43.5.1.1.17.1": b"\x00\x00"}).serial is None


def test_a_cut_walk_of_bad_bytes_and_its_length() -> None:
    status = parse_printer({"walk-truncated": b"prtAlertTable \xff"})
    assert status.problems == ("SNMP walk incomplete: prtAlertTable \ufffd",)
    long = parse_printer({"walk-truncated": "x" * 300}).problems[0]
    assert long == ("SNMP walk incomplete: " + "x" * 300)[:200]


def test_an_error_state_that_is_not_an_octet_string_is_a_problem() -> None:
    raw = {f"{HR_DEVICE}.2.1": PRINTER_TYPE, f"{HR_PRINTER}.2.1": 5}
    status = parse_printer(raw)
    assert (status.errors, status.problems) == (
        (),
        ("hrPrinterDetectedErrorState: expected an octet string",),
    )


# --------------------------------------------------------------------------- supplies known by their names only


@pytest.mark.parametrize(
    ("description", "role"),
    [
        ("Toner usagé", "waste"),  # _WASTE_NAME: waste, usag, résidu, rebut
        ("Bac de rebut", "waste"),
        ("Résidus de toner", "waste"),
        ("Waste Box", "waste"),
        ("Black Toner", "toner"),  # _MARKING_NAME: toner, ink, encre, cartridge, cartouche
        ("Black Ink", "toner"),
        ("Encre noire", "toner"),
        ("Print Cartridge", "toner"),
        ("Cartouche cyan", "toner"),
        ("Inkwell", "part"),  # "ink" only as a word
        ("Toner drum", "part"),  # _NOT_MARKING_NAME: parts that carry a marking word
        ("Tambour toner", "part"),
        ("Toner developer", "part"),
        ("Toner fuser", "part"),
        ("Fusing unit toner", "part"),
        ("Toner roller", "part"),
        ("Toner kit", "part"),
        ("Toner belt", "part"),
        ("Toner transfer unit", "part"),
        ("Toner imaging unit", "part"),
        ("Staples", "part"),
    ],
)
def test_a_supply_without_type_or_class_is_known_by_its_name(description: str, role: str) -> None:
    for type_ in (None, 1, 2):  # absent, other, unknown: the name decides
        assert one_supply(type_=type_, class_=None, description=description).role == role
