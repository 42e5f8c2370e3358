"""Pure parsing: SNMP varbinds of one printer → :class:`~agent.contract.messages.PrinterStatus`.

Input is a plain mapping ``{numeric OID: value}`` where a value is an ``int`` (INTEGER,
Counter, Gauge, TimeTicks), ``bytes`` (OCTET STRING) or ``str`` (OBJECT IDENTIFIER, IpAddress).
The poller produces it from pysnmp; tests produce it from ``.snmprec`` recordings.

Lessons applied (docs/design.md §9): sentinels -1/-2/-3 stay states, never percentages; supplies are
identified by type, class and colorant, never by index; receptacles that fill up read the other
way round; descriptions are cleaned (NULs, "S/N:" suffixes, hex dumps); an answer of the wrong
type or out of range becomes a ``problem`` entry, never an exception.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from agent.contract.messages import (
    InputState,
    PaperInput,
    PrinterAlert,
    PrinterStatus,
    SubUnit,
    Supply,
    SupplyState,
    replace,
)
from agent.printers import mib

if TYPE_CHECKING:
    from agent.printers.vendors import VendorOverride

RawValue = int | bytes | str
Raw = Mapping[str, RawValue]
Precision = Literal["exact", "coarse", "presence"]

#: Largest sane capacity or level; beyond it a device is lying (or hostile).
MAX_SANE = 2**31 - 1
MAX_ROWS = 64
_ROW_INDEX = re.compile(r"\d{1,10}(?:\.\d{1,10}){0,2}")

_SERIAL_SUFFIX = re.compile(r"[\s;,]*(?:S/N|SN)\s*[:#]?\s*[\w-]*\s*$")
_HEX_TEXT = re.compile(r"^(?:0x)?(?:[0-9A-Fa-f]{2}[ :]?){4,}$")
_MANUAL_NAME = re.compile(
    r"manual|bypass|by-pass|multi[- ]?purpose|\bmp\s*tray|\bmpt\b|envelope", re.IGNORECASE
)
_AUTO_NAME = re.compile(r"^\s*auto", re.IGNORECASE)
#: hrDeviceTable rows that are the scanner of an MFP: its scanner unit(s) and document feeder.
_SCANNER_NAME = re.compile(r"scan|document feeder|single pass feeder|\badf\b|\bdadf\b", re.IGNORECASE)
# Fallbacks for devices that leave type, class or colorant out (most of the recordings do).
_WASTE_NAME = re.compile(r"waste|usag|résidu|rebut", re.IGNORECASE)
_MARKING_NAME = re.compile(r"toner|\bink\b|encre|cartridge|cartouche", re.IGNORECASE)
_NOT_MARKING_NAME = re.compile(
    r"drum|tambour|developer|fuser|fusing|roller|kit|belt|transfer|imaging", re.IGNORECASE
)
_COLOUR_NAMES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), colour)
    for pattern, colour in (
        (r"\b(?:black|noir|schwarz|nero|negro)\b", "black"),
        (r"\bcyan\b", "cyan"),
        (r"\bmagenta\b", "magenta"),
        (r"\b(?:yellow|jaune|gelb|giallo|amarillo)\b", "yellow"),
    )
)


def colour_from_description(description: str) -> str | None:
    """Return the colour a supply description names, if exactly one.

    >>> colour_from_description("Toner (Cyan)")
    'cyan'
    >>> colour_from_description("Waste Toner Box") is None
    True
    """
    found = {colour for pattern, colour in _COLOUR_NAMES if pattern.search(description)}
    return found.pop() if len(found) == 1 else None


@dataclass(frozen=True, slots=True)
class SupplyRow:
    """One supply as read from prtMarkerSuppliesTable, before it is judged (what a vendor override sees)."""

    index: str
    description: str
    colour: str | None
    marking: bool
    receptacle: bool
    level: int | None
    maximum: int | None


@dataclass(frozen=True, slots=True)
class VendorLevel:
    """A supply level a vendor keeps outside prtMarkerSuppliesLevel (``agent/printers/vendors.py``).

    ``level`` and ``maximum`` mean what RFC 3805 says (sentinels included); ``almost_empty`` is a
    vendor's own "nearly out" without a number (the supply is then ``low``); ``precision``, when
    given, replaces the one the parser would judge from the numbers.
    """

    level: int | None
    maximum: int | None
    almost_empty: bool = False
    precision: Precision | None = None


#: Canon's "three-staged" prtMarkerSuppliesLevel (its MIB documents: other 100, tonerLow 10,
#: tonerNearlyOut 1), plus 0. A device whose marking levels (of 100) all lie here, one of them
#: 1 or 10, reports steps, not percentages.
THREE_STAGED = frozenset({0, 1, 10, 100})


@dataclass
class Thresholds:
    """Percentages below which a supply or tray is 'low' (configurable per agent)."""

    supply_low_percent: float = 15.0
    receptacle_almost_full_percent: float = 90.0
    paper_low_percent: float = 10.0


@dataclass
class _Reader:
    raw: Raw
    problems: list[str] = field(default_factory=list)
    incomplete: bool = False  # a table cut: the status cannot be judged whole

    def cut(self, problem: str) -> None:
        """Note that part of the device's tables is missing (the state becomes unknown)."""
        self.problems.insert(0, problem)
        self.incomplete = True

    def column(self, oid: str) -> dict[str, RawValue]:
        """Return ``{row index: value}`` of one table column."""
        prefix = oid + "."
        # Only numeric row indexes of at most 3 arcs (they become bounded fields on the wire).
        return {
            k[len(prefix) :]: v
            for k, v in self.raw.items()
            if k.startswith(prefix) and _ROW_INDEX.fullmatch(k[len(prefix) :])
        }

    def integer(self, value: RawValue | None, what: str, *, upper: int = MAX_SANE) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problems.append(f"{what}: expected an integer, got {type(value).__name__}")
            return None
        if not -3 <= value <= upper:
            self.problems.append(f"{what}: value {value} out of range")
            return None
        return value

    def text(self, value: RawValue | None, what: str) -> str | None:
        if value is None:
            return None
        if isinstance(value, int):
            self.problems.append(f"{what}: expected a string, got an integer")
            return None
        return clean_text(value)


def clean_text(value: bytes | str) -> str | None:
    """Decode and tidy a device string: NULs, whitespace, hex-encoded text, serial suffixes.

    >>> clean_text(b"Black Toner, PN 006R01509;SN48178080E0000481")
    'Black Toner, PN 006R01509'
    >>> clean_text("0x426C61636B20546F6E6572")
    'Black Toner'
    """
    if isinstance(value, bytes):
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            text = value.decode("latin-1")
    else:
        text = value
    text = text.replace("\x00", "").strip()
    if _HEX_TEXT.fullmatch(text):
        decoded = _decode_hex(text)
        if decoded is not None:
            text = decoded
    text = _SERIAL_SUFFIX.sub("", text).strip()
    text = " ".join(text.split())[:256]
    return text or None


def _decode_hex(text: str) -> str | None:
    digits = re.sub(r"[ :]", "", text.removeprefix("0x"))
    try:
        decoded = bytes.fromhex(digits).replace(b"\x00", b"").decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None
    return decoded.strip() if decoded.isprintable() and decoded.strip() else None


def _percent(level: int | None, maximum: int | None) -> float | None:
    if level is None or maximum is None or level < 0 or maximum <= 0 or level > maximum:
        return None
    return round(level * 100.0 / maximum, 1)


_SENTINELS: dict[int, Literal["other", "unknown", "some_remaining"]] = {
    -1: "other",
    -2: "unknown",
    -3: "some_remaining",
}


def _sentinel_state(level: int | None) -> Literal["other", "unknown", "some_remaining"] | None:
    return _SENTINELS.get(level) if level is not None else "unknown"


def _supply_state(
    level: int | None,
    maximum: int | None,
    percent: float | None,
    *,
    receptacle: bool,
    t: Thresholds,
    almost_empty: bool = False,
) -> SupplyState:
    if almost_empty and not receptacle and level != 0:
        return "low"  # the vendor's own "nearly out" (lesson 1: from the printer, not from -3)
    sentinel = _sentinel_state(level)
    if sentinel is not None:
        return sentinel
    assert level is not None
    if maximum is not None and maximum > 0 and level > maximum:
        return "invalid"
    if receptacle:
        # RFC 3805: for a receptacle the level is the space that remains.
        if level == 0:
            return "full"
        if percent is not None and 100.0 - percent >= t.receptacle_almost_full_percent:
            return "almost_full"
        return "ok" if percent is not None else "unknown"
    if level == 0:
        return "empty"
    if percent is None:
        return "unknown"  # a level without a known maximum says nothing about "low"
    return "low" if percent < t.supply_low_percent else "ok"


def level_precision(level: int | None, maximum: int | None, *, steps: bool = False) -> Precision | None:
    """Return how finely a level is reported: from its sentinel, its maximum, or known steps.

    >>> level_precision(-3, 100), level_precision(1, 1), level_precision(3, 5), level_precision(57, 100)
    ('presence', 'presence', 'coarse', 'exact')
    >>> level_precision(-2, 100) is None, level_precision(9, -2) is None
    (True, True)
    """
    if level is None or level in (-1, -2):
        return None
    if level == -3:
        return "presence"
    if maximum is None or maximum <= 0 or level > maximum:
        return None
    if maximum == 1:
        return "presence"
    return "coarse" if steps or maximum <= 10 else "exact"


def _three_staged(rows: list[SupplyRow]) -> bool:
    """Whether the device's marking levels (of 100) are all Canon-style steps, one of them 1 or 10."""
    levels = [
        row.level
        for row in rows
        if row.marking and row.maximum == 100 and row.level is not None and row.level >= 0
    ]
    return bool(levels) and set(levels) <= THREE_STAGED and bool(set(levels) & {1, 10})


def _supplies(
    r: _Reader, t: Thresholds, describe: Callable[[RawValue], str | None], vendor: VendorOverride | None
) -> list[Supply]:
    descriptions = r.column(mib.PRT_SUPPLY_DESCRIPTION)
    types = r.column(mib.PRT_SUPPLY_TYPE)
    classes = r.column(mib.PRT_SUPPLY_CLASS)
    units = r.column(mib.PRT_SUPPLY_UNIT)
    maxima = r.column(mib.PRT_SUPPLY_MAX)
    levels = r.column(mib.PRT_SUPPLY_LEVEL)
    colorants = r.column(mib.PRT_SUPPLY_COLORANT_INDEX)
    colour_names = r.column(mib.PRT_COLORANT_VALUE)
    indexes = sorted(set(levels) | set(descriptions) | set(types), key=_index_key)
    if len(indexes) > MAX_ROWS:
        r.cut(f"supplies: {len(indexes)} rows, only the first {MAX_ROWS} kept")
    rows: list[SupplyRow] = []
    extra: dict[str, tuple[str, int | None, int | None]] = {}  # index -> type name, class, unit
    for index in indexes[:MAX_ROWS]:
        type_code = r.integer(types.get(index), f"supply {index} type")
        class_code = r.integer(classes.get(index), f"supply {index} class")
        unit_code = r.integer(units.get(index), f"supply {index} unit")
        level = r.integer(levels.get(index), f"supply {index} level")
        maximum = r.integer(maxima.get(index), f"supply {index} max capacity")
        type_name = mib.SUPPLY_TYPES.get(type_code or 2, "unknown")
        raw_description = descriptions.get(index)
        description = (describe(raw_description) if raw_description is not None else None) or type_name
        generic = type_name in ("unknown", "other")
        receptacle = (
            class_code == 4
            or type_name in mib.WASTE_TYPES
            or (generic and bool(_WASTE_NAME.search(description)))
        )
        marking = not receptacle and (
            type_name in mib.MARKING_TYPES
            or (
                generic
                and bool(_MARKING_NAME.search(description))
                and not _NOT_MARKING_NAME.search(description)
            )
        )
        colour = _colour(r, index, colorants, colour_names) or (
            colour_from_description(description) if marking or not receptacle else None
        )
        rows.append(SupplyRow(index, description, colour, marking, receptacle, level, maximum))
        extra[index] = (type_name, class_code, unit_code)
    toners = [i for i, item in enumerate(rows) if item.marking]
    if len(toners) == 1 and rows[toners[0]].colour is None:
        # A printer with a single toner or ink is a mono printer: its toner is black.
        rows[toners[0]] = dataclasses.replace(rows[toners[0]], colour="black")
    # The one place a vendor's private levels replace the standard ones (agent/printers/vendors.py).
    private = vendor.supply_levels(r.raw, tuple(rows)) if vendor and vendor.supply_levels else {}
    steps = (vendor is not None and vendor.level_steps) or _three_staged(rows)
    out = []
    for row in rows:
        reading = private.get(row.index)
        level, maximum = (reading.level, reading.maximum) if reading else (row.level, row.maximum)
        type_name, class_code, unit_code = extra[row.index]
        percent = _percent(level, maximum)
        if level is not None and maximum is not None and maximum > 0 and level > maximum:
            r.problems.append(f"supply {row.index} level {level} above its max capacity {maximum}")
        precision = level_precision(level, maximum, steps=steps and row.marking)
        out.append(
            Supply(
                index=row.index,
                description=row.description,
                type=type_name,
                supply_class="receptacle" if row.receptacle else ("consumed" if class_code == 3 else "other"),
                unit=mib.SUPPLY_UNITS.get(unit_code or 2, "unknown"),
                colour=row.colour,
                raw_level=level,
                raw_max=maximum,
                percent=percent,
                fill_percent=round(100.0 - percent, 1) if row.receptacle and percent is not None else None,
                receptacle=row.receptacle,
                marking=row.marking,
                state=_supply_state(
                    level,
                    maximum,
                    percent,
                    receptacle=row.receptacle,
                    t=t,
                    almost_empty=reading is not None and reading.almost_empty,
                ),
                precision=reading.precision if reading and reading.precision else precision,
            )
        )
    return out


def _colour(r: _Reader, index: str, colorants: dict[str, RawValue], names: dict[str, RawValue]) -> str | None:
    colorant = r.integer(colorants.get(index), f"supply {index} colorant index")
    if not colorant or colorant <= 0:
        return None
    device = index.split(".", maxsplit=1)[0]
    name = r.text(names.get(f"{device}.{colorant}"), f"colorant {colorant}")
    return name.lower()[:32] if name else None


def _inputs(r: _Reader, t: Thresholds) -> list[PaperInput]:
    names = r.column(mib.PRT_INPUT_NAME)
    maxima = r.column(mib.PRT_INPUT_MAX)
    levels = r.column(mib.PRT_INPUT_LEVEL)
    types = r.column(mib.PRT_INPUT_TYPE)
    media = r.column(mib.PRT_INPUT_MEDIA_NAME)
    indexes = sorted(set(levels) | set(names) | set(maxima), key=_index_key)
    if len(indexes) > MAX_ROWS:
        r.cut(f"trays: {len(indexes)} rows, only the first {MAX_ROWS} kept")
        indexes = indexes[:MAX_ROWS]
    out = []
    for index in indexes:
        level = r.integer(levels.get(index), f"tray {index} level")
        maximum = r.integer(maxima.get(index), f"tray {index} max capacity")
        type_code = r.integer(types.get(index), f"tray {index} type")
        name = r.text(names.get(index), f"tray {index} name") or f"Tray {index.split('.')[-1]}"
        type_name = mib.INPUT_TYPES.get(type_code) if type_code is not None else None
        manual = (
            type_code == 5
            or bool(_MANUAL_NAME.search(name))
            or bool(_AUTO_NAME.match(name))  # "AUTO"/"Auto Select" are virtual trays
            or (maximum is not None and 0 <= maximum <= 1)
        )
        percent = _percent(level, maximum)
        if level is not None and maximum is not None and maximum > 0 and level > maximum:
            r.problems.append(f"tray {index} level {level} above its max capacity {maximum}")
        state: InputState
        sentinel = _sentinel_state(level)
        if sentinel is not None:
            state = sentinel
        elif maximum is not None and maximum > 0 and level is not None and level > maximum:
            state = "invalid"
        elif level == 0:
            state = "empty"
        elif percent is None:
            state = "unknown"
        else:
            state = "low" if percent < t.paper_low_percent else "ok"
        out.append(
            PaperInput(
                index=index,
                name=name,
                media=(r.text(media.get(index), f"tray {index} media") or "")[:128] or None,
                type=type_name,
                raw_level=level,
                raw_max=maximum,
                percent=percent,
                manual=manual,
                state=state,
            )
        )
    return out


def _alerts(r: _Reader) -> list[PrinterAlert]:
    codes = r.column(mib.PRT_ALERT_CODE)
    severities = r.column(mib.PRT_ALERT_SEVERITY)
    groups = r.column(mib.PRT_ALERT_GROUP)
    group_indexes = r.column(mib.PRT_ALERT_GROUP_INDEX)
    locations = r.column(mib.PRT_ALERT_LOCATION)
    descriptions = r.column(mib.PRT_ALERT_DESCRIPTION)
    out = []
    if len(codes) > MAX_ROWS:
        r.cut(f"alerts: {len(codes)} rows, only the first {MAX_ROWS} kept")
    for index in sorted(codes, key=_index_key)[:MAX_ROWS]:
        code = r.integer(codes[index], f"alert {index} code")
        if code is None:
            continue
        severity = r.integer(severities.get(index), f"alert {index} severity")
        group = r.integer(groups.get(index), f"alert {index} group")
        code_name = mib.ALERT_CODES.get(code, f"code{code}")
        # Free-text descriptions of 'other' alerts may carry job names: keep only hardware alerts' text.
        description = r.text(descriptions.get(index), f"alert {index} description") if code > 2 else None
        out.append(
            PrinterAlert(
                index=index,
                code=code,
                code_name=code_name,
                severity=mib.ALERT_SEVERITIES.get(severity or 1, "other"),
                group=mib.ALERT_GROUPS.get(group or 1, "other"),
                group_index=r.integer(group_indexes.get(index), f"alert {index} group index"),
                location=r.integer(locations.get(index), f"alert {index} location"),
                description=description,
            )
        )
    return out


def decode_error_state(value: bytes) -> list[str]:
    """Decode hrPrinterDetectedErrorState: bit 0 is the high bit of the first octet.

    >>> decode_error_state(bytes.fromhex("2000"))  # 0x20 = bit 2
    ['lowToner']
    >>> decode_error_state(bytes.fromhex("0100"))  # 0x01 in the first octet = bit 7
    ['serviceRequested']
    """
    names = []
    for bit, name in enumerate(mib.ERROR_BITS):
        octet, shift = divmod(bit, 8)
        if octet < len(value) and value[octet] & (0x80 >> shift):
            names.append(name)
    return names


def _index_key(index: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in index.split("."))
    except ValueError:
        return (MAX_SANE,)


def _first_row(r: _Reader, oid: str) -> tuple[str, RawValue] | None:
    column = r.column(oid)
    if not column:
        return None
    index = min(column, key=_index_key)
    return index, column[index]


def parse_printer(
    raw: Raw,
    *,
    thresholds: Thresholds | None = None,
    vendor: VendorOverride | None = None,
) -> PrinterStatus:
    """Turn one device's varbinds into a :class:`PrinterStatus`; never raises on bad data.

    Args:
        raw: ``{numeric OID: value}`` as described in the module docstring.
        thresholds: low/full thresholds.
        vendor: the device family's override (``agent.printers.vendors``), applied here only.
    """
    t = thresholds or Thresholds()
    r = _Reader(raw)
    walk_cut = raw.get(mib.WALK_TRUNCATED)
    if walk_cut is not None:
        text = walk_cut.decode(errors="replace") if isinstance(walk_cut, bytes) else str(walk_cut)
        r.cut(f"SNMP walk incomplete: {text}")
    describe_fn: Callable[[RawValue], str | None] = (
        vendor.supply_description
        if vendor is not None and vendor.supply_description is not None
        else (lambda v: r.text(v, "supply description"))
    )
    printer_device = _printer_device_index(r)
    status_code = r.integer(raw.get(f"{mib.HR_PRINTER_STATUS}.{printer_device}"), "hrPrinterStatus")
    device_code = r.integer(raw.get(f"{mib.HR_DEVICE_STATUS}.{printer_device}"), "hrDeviceStatus")
    error_raw = raw.get(f"{mib.HR_PRINTER_ERROR_STATE}.{printer_device}")
    errors: list[str] = []
    if isinstance(error_raw, bytes):
        errors = decode_error_state(error_raw)
    elif error_raw is not None:
        r.problems.append("hrPrinterDetectedErrorState: expected an octet string")
    uptime = r.integer(raw.get(mib.SYS_UPTIME), "sysUpTime", upper=2**32 - 1)
    life = _first_row(r, mib.PRT_MARKER_LIFE_COUNT)
    # The wire carries counters up to 2**53 (exact in JSON): a larger one is a problem, not a count.
    page_count = r.integer(life[1], "prtMarkerLifeCount", upper=2**53) if life else None
    serial = _first_row(r, mib.PRT_GENERAL_SERIAL)
    sys_object_id = raw.get(mib.SYS_OBJECT_ID)
    status = PrinterStatus(
        sys_descr=r.text(raw.get(mib.SYS_DESCR), "sysDescr"),
        sys_object_id=sys_object_id[:256] if isinstance(sys_object_id, str) else None,
        sys_uptime_seconds=uptime / 100.0 if uptime is not None and uptime >= 0 else None,
        model=r.text(raw.get(f"{mib.HR_DEVICE_DESCR}.{printer_device}"), "hrDeviceDescr"),
        serial=(r.text(serial[1], "prtGeneralSerialNumber") or "")[:128] or None if serial else None,
        printer_status=mib.PRINTER_STATUS.get(status_code) if status_code is not None else None,
        device_status=mib.DEVICE_STATUS.get(device_code) if device_code is not None else None,
        errors=tuple(errors),
        supplies=tuple(_supplies(r, t, describe_fn, vendor)),
        inputs=tuple(_inputs(r, t)),
        alerts=tuple(_alerts(r)),
        scanner_units=tuple(_scanner_units(r)),
        page_count=page_count if page_count is not None and page_count >= 0 else None,
        problems=(),
    )
    result: PrinterStatus = replace(
        status, problems=tuple(p[:200] for p in r.problems[:32]), incomplete=r.incomplete
    )
    return result


def _printer_device_index(r: _Reader) -> str:
    """Return the hrDeviceIndex of the printer (the row typed hrDevicePrinter, else the first)."""
    for index, value in sorted(r.column(mib.HR_DEVICE_TYPE).items(), key=lambda kv: _index_key(kv[0])):
        if value == mib.HR_DEVICE_TYPE_PRINTER:
            return index
    first = _first_row(r, mib.HR_PRINTER_STATUS) or _first_row(r, mib.HR_PRINTER_ERROR_STATE)
    return first[0] if first else "1"


def _scanner_units(r: _Reader) -> list[SubUnit]:
    statuses = r.column(mib.HR_DEVICE_STATUS)
    out = []
    for index, value in sorted(r.column(mib.HR_DEVICE_DESCR).items(), key=lambda kv: _index_key(kv[0])):
        description = r.text(value, f"hrDeviceDescr {index}")
        if description and _SCANNER_NAME.search(description):
            code = r.integer(statuses.get(index), f"hrDeviceStatus {index}")
            status = mib.DEVICE_STATUS.get(code, "unknown") if code is not None else "unknown"
            out.append(SubUnit(index=index, description=description, status=status))
    return out[:16]
