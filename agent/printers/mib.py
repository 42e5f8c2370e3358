"""OIDs and enumerations of the Printer-MIB (RFC 3805) and Host-Resources-MIB (RFC 2790).

Numeric OIDs only: pysnmp does not bundle these MIBs, and ``lookupMib=False`` is faster.
Only the table columns the parser reads are walked; a column OID plus the row index gives a cell, e.g.
``1.3.6.1.2.1.43.11.1.1.9`` (prtMarkerSuppliesLevel) + ``.1.3`` → level of supply 3 of device 1.
"""

from __future__ import annotations

# ---------------------------------------------------------------- scalars (system group)
SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"

# ---------------------------------------------------------------- Host-Resources-MIB
HR_DEVICE_TYPE = "1.3.6.1.2.1.25.3.2.1.2"
HR_DEVICE_DESCR = "1.3.6.1.2.1.25.3.2.1.3"
HR_DEVICE_STATUS = "1.3.6.1.2.1.25.3.2.1.5"
HR_PRINTER_STATUS = "1.3.6.1.2.1.25.3.5.1.1"
HR_PRINTER_ERROR_STATE = "1.3.6.1.2.1.25.3.5.1.2"
HR_DEVICE_TYPE_PRINTER = "1.3.6.1.2.1.25.3.1.5"

# ---------------------------------------------------------------- Printer-MIB
PRT_GENERAL_SERIAL = "1.3.6.1.2.1.43.5.1.1.17"
PRT_INPUT = "1.3.6.1.2.1.43.8.2.1"
PRT_INPUT_TYPE = PRT_INPUT + ".2"
PRT_INPUT_CAPACITY_UNIT = PRT_INPUT + ".8"
PRT_INPUT_MAX = PRT_INPUT + ".9"
PRT_INPUT_LEVEL = PRT_INPUT + ".10"
PRT_INPUT_STATUS = PRT_INPUT + ".11"
PRT_INPUT_MEDIA_NAME = PRT_INPUT + ".12"
PRT_INPUT_NAME = PRT_INPUT + ".13"
PRT_INPUT_DESCRIPTION = PRT_INPUT + ".18"
PRT_MARKER_LIFE_COUNT = "1.3.6.1.2.1.43.10.2.1.4"
PRT_SUPPLIES = "1.3.6.1.2.1.43.11.1.1"
PRT_SUPPLY_COLORANT_INDEX = PRT_SUPPLIES + ".3"
PRT_SUPPLY_CLASS = PRT_SUPPLIES + ".4"
PRT_SUPPLY_TYPE = PRT_SUPPLIES + ".5"
PRT_SUPPLY_DESCRIPTION = PRT_SUPPLIES + ".6"
PRT_SUPPLY_UNIT = PRT_SUPPLIES + ".7"
PRT_SUPPLY_MAX = PRT_SUPPLIES + ".8"
PRT_SUPPLY_LEVEL = PRT_SUPPLIES + ".9"
PRT_COLORANT_VALUE = "1.3.6.1.2.1.43.12.1.1.4"
PRT_ALERT = "1.3.6.1.2.1.43.18.1.1"
PRT_ALERT_SEVERITY = PRT_ALERT + ".2"
PRT_ALERT_GROUP = PRT_ALERT + ".4"
PRT_ALERT_GROUP_INDEX = PRT_ALERT + ".5"
PRT_ALERT_LOCATION = PRT_ALERT + ".6"
PRT_ALERT_CODE = PRT_ALERT + ".7"
PRT_ALERT_DESCRIPTION = PRT_ALERT + ".8"

#: Scalars one poll reads (object OIDs: a GETNEXT on each gives its ``.0`` instance).
POLL_SCALARS: tuple[str, ...] = (
    SYS_DESCR.removesuffix(".0"),
    SYS_OBJECT_ID.removesuffix(".0"),
    SYS_UPTIME.removesuffix(".0"),
)
#: Table columns one poll walks: exactly the columns the parser reads (``agent/printers/parse.py``),
#: each walked on its own and bounded to it. A column the parser starts to read must be added here
#: (``tests/test_snmp_poller.py`` checks it).
POLL_COLUMNS: tuple[str, ...] = (
    HR_DEVICE_TYPE,
    HR_DEVICE_DESCR,
    HR_DEVICE_STATUS,
    HR_PRINTER_STATUS,
    HR_PRINTER_ERROR_STATE,
    PRT_GENERAL_SERIAL,
    PRT_INPUT_TYPE,
    PRT_INPUT_MAX,
    PRT_INPUT_LEVEL,
    PRT_INPUT_MEDIA_NAME,
    PRT_INPUT_NAME,
    PRT_MARKER_LIFE_COUNT,
    PRT_SUPPLY_COLORANT_INDEX,
    PRT_SUPPLY_CLASS,
    PRT_SUPPLY_TYPE,
    PRT_SUPPLY_DESCRIPTION,
    PRT_SUPPLY_UNIT,
    PRT_SUPPLY_MAX,
    PRT_SUPPLY_LEVEL,
    PRT_COLORANT_VALUE,
    PRT_ALERT_SEVERITY,
    PRT_ALERT_GROUP,
    PRT_ALERT_GROUP_INDEX,
    PRT_ALERT_LOCATION,
    PRT_ALERT_CODE,
    PRT_ALERT_DESCRIPTION,
)
#: Every OID prefix one poll reads (scalars and columns): a poll returns exactly the device's
#: varbinds under these.
WALK_SUBTREES: tuple[str, ...] = POLL_SCALARS + POLL_COLUMNS
#: Key the poller adds to a device's varbinds when its walk was cut (a column past the row bound,
#: the request bound, a timeout midway): not an OID; its value says what was cut. The parser
#: then marks the reading incomplete and the state rules make the device's state unknown.
WALK_TRUNCATED = "walk-truncated"

# ---------------------------------------------------------------- vendor columns
# Walked only for the devices whose vendor override lists them (``VendorOverride.columns`` in
# ``agent/printers/vendors.py``, chosen from sysObjectID): never part of ``POLL_COLUMNS``.
#: Ricoh's private toner table (ricohEngTonerTable): the toner's name and its level in percent
#: (-100 "almost empty", -2 unknown, -3 some remaining). LibreNMS issue 4177.
RICOH_TONER = "1.3.6.1.4.1.367.3.2.1.2.24.1.1"
RICOH_TONER_NAME = RICOH_TONER + ".2"
RICOH_TONER_LEVEL = RICOH_TONER + ".5"

# ---------------------------------------------------------------- enumerations
#: prtMarkerSuppliesType (PrtMarkerSuppliesTypeTC).
SUPPLY_TYPES: dict[int, str] = {
    1: "other", 2: "unknown", 3: "toner", 4: "wasteToner", 5: "ink", 6: "inkCartridge", 7: "inkRibbon",
    8: "wasteInk", 9: "opc", 10: "developer", 11: "fuserOil", 12: "solidWax", 13: "ribbonWax",
    14: "wasteWax", 15: "fuser", 16: "coronaWire", 17: "fuserOilWick", 18: "cleanerUnit",
    19: "fuserCleaningPad", 20: "transferUnit", 21: "tonerCartridge", 22: "fuserOiler", 23: "water",
    24: "wasteWater", 25: "glueWaterAdditive", 26: "wastePaper", 27: "bindingSupply",
    28: "bandingSupply", 29: "stitchingWire", 30: "shrinkWrap", 31: "paperWrap", 32: "staples",
    33: "inserts", 34: "covers", 35: "matteToner", 36: "matteInk",
}  # fmt: skip
#: Supply types whose emptiness stops printing (the "toner" family).
MARKING_TYPES = frozenset(
    {
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
)
#: Receptacles that fill up, whatever their class says.
WASTE_TYPES = frozenset({"wasteToner", "wasteInk", "wasteWax", "wasteWater", "wastePaper"})

#: prtMarkerSuppliesSupplyUnit (PrtMarkerSuppliesSupplyUnitTC).
SUPPLY_UNITS: dict[int, str] = {
    1: "other", 2: "unknown", 3: "tenThousandthsOfInches", 4: "micrometers", 7: "impressions",
    8: "sheets", 11: "hours", 12: "thousandthsOfOunces", 13: "tenthsOfGrams",
    14: "hundrethsOfFluidOunces", 15: "tenthsOfMilliliters", 16: "feet", 17: "meters", 18: "items",
    19: "percent",
}  # fmt: skip

#: hrPrinterStatus.
PRINTER_STATUS: dict[int, str] = {1: "other", 2: "unknown", 3: "idle", 4: "printing", 5: "warmup"}
#: hrDeviceStatus.
DEVICE_STATUS: dict[int, str] = {1: "unknown", 2: "running", 3: "warning", 4: "testing", 5: "down"}

#: hrPrinterDetectedErrorState bits, bit 0 being the high bit of the first octet (RFC 2790).
ERROR_BITS: tuple[str, ...] = (
    "lowPaper", "noPaper", "lowToner", "noToner", "doorOpen", "jammed", "offline", "serviceRequested",
    "inputTrayMissing", "outputTrayMissing", "markerSupplyMissing", "outputNearFull", "outputFull",
    "inputTrayEmpty", "overduePreventMaint",
)  # fmt: skip

#: prtAlertSeverityLevel.
ALERT_SEVERITIES: dict[int, str] = {1: "other", 3: "critical", 4: "warning", 5: "warningBinaryChangeEvent"}

#: prtAlertGroup (PrtAlertGroupTC): which sub-unit the alert is about.
ALERT_GROUPS: dict[int, str] = {
    1: "other", 3: "hostResourcesMIBStorageTable", 4: "hostResourcesMIBDeviceTable", 5: "generalPrinter",
    6: "cover", 7: "localization", 8: "input", 9: "output", 10: "marker", 11: "markerSupplies",
    12: "markerColorant", 13: "mediaPath", 14: "channel", 15: "interpreter", 16: "consoleDisplayBuffer",
    17: "consoleLights", 18: "alert", 30: "finDevice", 31: "finSupply", 32: "finSupplyMediaInput",
    33: "finAttribute",
}  # fmt: skip

#: prtAlertCode (PrtAlertCodeTC), the codes this project acts on and the common others.
ALERT_CODES: dict[int, str] = {
    1: "other", 2: "unknown", 3: "coverOpen", 4: "coverClosed", 5: "interlockOpen", 6: "interlockClosed",
    7: "configurationChange", 8: "jam", 9: "subunitMissing", 10: "subunitLifeAlmostOver",
    11: "subunitLifeOver", 12: "subunitAlmostEmpty", 13: "subunitEmpty", 14: "subunitAlmostFull",
    15: "subunitFull", 16: "subunitNearLimit", 17: "subunitAtLimit", 18: "subunitOpened",
    19: "subunitClosed", 20: "subunitTurnedOn", 21: "subunitTurnedOff", 22: "subunitOffline",
    23: "subunitPowerSaver", 24: "subunitWarmingUp", 25: "subunitAdded", 26: "subunitRemoved",
    27: "subunitResourceAdded", 28: "subunitResourceRemoved", 29: "subunitRecoverableFailure",
    30: "subunitUnrecoverableFailure", 31: "subunitRecoverableStorageError",
    32: "subunitUnrecoverableStorageError", 33: "subunitMotorFailure", 34: "subunitMemoryExhausted",
    35: "subunitUnderTemperature", 36: "subunitOverTemperature", 37: "subunitTimingFailure",
    38: "subunitThermistorFailure", 501: "doorOpen", 502: "doorClosed", 503: "powerUp", 504: "powerDown",
    505: "printerNMSReset", 506: "printerManualReset", 507: "printerReadyToPrint",
    801: "inputMediaTrayMissing", 802: "inputMediaSizeChanged", 803: "inputMediaWeightChanged",
    804: "inputMediaTypeChanged", 805: "inputMediaColorChanged", 806: "inputMediaFormPartsChanged",
    807: "inputMediaSupplyLow", 808: "inputMediaSupplyEmpty", 809: "inputMediaChangeRequest",
    810: "inputManualInputRequest", 811: "inputTrayPositionFailure", 812: "inputTrayElevationFailure",
    813: "inputCannotFeedSizeSelected", 901: "outputMediaTrayMissing", 902: "outputMediaTrayAlmostFull",
    903: "outputMediaTrayFull", 904: "outputMailboxSelectFailure", 1001: "markerFuserUnderTemperature",
    1002: "markerFuserOverTemperature", 1003: "markerFuserTimingFailure",
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

#: prtInputType.
INPUT_TYPES: dict[int, str] = {
    1: "other", 2: "unknown", 3: "sheetFeedAutoRemovableTray", 4: "sheetFeedAutoNonRemovableTray",
    5: "sheetFeedManual", 6: "continuousRoll", 7: "continuousFanFold",
}  # fmt: skip
