"""IPP as a second source: Get-Printer-Attributes read into the same normalised printer status.

Many recent printers ship with SNMP off while IPP (RFC 8011, the protocol of AirPrint and IPP
Everywhere) answers. One request, ``Get-Printer-Attributes``, gives what the agent needs:

=========================== ==============================================================
IPP attribute               Printer-MIB cell it stands for (then read by ``parse.py``)
=========================== ==============================================================
printer-make-and-model      hrDeviceDescr of the printer row (hrDeviceType printer)
printer-state               hrPrinterStatus (idle 3, processing → printing 4, stopped → other 1)
                            and hrDeviceStatus (running; ``down`` when stopped for no known
                            reason)
printer-state-reasons       hrPrinterDetectedErrorState bits (media-jam → jammed, media-empty →
                            noPaper, toner-low → lowToner, door-open → doorOpen, …, see
                            :data:`REASON_BITS`) and prtAlertTable rows for the waste box
                            (:data:`REASON_ALERTS`); the -report/-warning/-error suffix is dropped
marker-names/-types/-levels prtMarkerSupplies description, type, level of a maximum of 100
                            (levels are percentages; -1/-2/-3 are RFC 3805's sentinels)
marker-colors               prtMarkerColorant value (#000000 black, #00FFFF cyan, …)
printer-input-tray          prtInputTable rows: PWG 5100.13 defines it as that table's columns,
                            ``type=…;maxcapacity=…;level=…;status=…;name=…;``
media-col-ready             prtInputMediaName of the tray its media-source names ("tray-1" ↔
                            "Tray 1")
printer-serial-number       prtGeneralSerialNumber
printer-up-time             sysUpTime
=========================== ==============================================================

so that one parser (``agent/printers/parse.py``) and one set of state rules judge both
sources. Nothing about jobs is asked for (no job names, no user names).

The wire format (RFC 8010) is small: an HTTP POST of ``application/ipp``, a version, an
operation or status code, a request id, attribute groups of ``tag, name, value`` triples each
prefixed by its length, and an end tag. This module encodes the one request and decodes answers
defensively (bounded size and counts, any malformed answer is an :class:`IppError`, never
another exception). docs/decisions.md says why this is not the ``pyipp`` package.

A worked example of the request (``ipp://192.0.2.20/ipp/print``, request id 1)::

    01 01  00 0b  00 00 00 01           version 1.1, Get-Printer-Attributes, request-id 1
    01                                   operation-attributes-tag
    47 0012 attributes-charset 0005 utf-8
    48 001b attributes-natural-language 0002 en
    45 000b printer-uri 001d ipp://192.0.2.20/ipp/print
    44 0014 requested-attributes 000d printer-state
    44 0000 0015 printer-state-reasons        (an additional value: empty name)
    …
    03                                   end-of-attributes-tag
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import struct
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from agent.contract.messages import PrinterStatus
from agent.exceptions import AgentError
from agent.printers import mib
from agent.printers.parse import RawValue, Thresholds, parse_printer

#: An answer larger than this is refused unread (a printer's attributes are a few kB).
MAX_RESPONSE_BYTES = 256 * 1024
MAX_ATTRIBUTES = 1024
MAX_VALUES = 256
MAX_DEPTH = 4

GET_PRINTER_ATTRIBUTES = 0x000B
#: Attributes asked for: the printer's condition only, nothing about jobs or users.
REQUESTED = (
    "printer-state",
    "printer-state-reasons",
    "printer-make-and-model",
    "printer-serial-number",
    "printer-up-time",
    "marker-names",
    "marker-types",
    "marker-levels",
    "marker-colors",
    "printer-input-tray",
    "media-col-ready",
)

# Delimiter and value tags (RFC 8010 §3.5).
TAG_OPERATION = 0x01
TAG_END = 0x03
TAG_PRINTER = 0x04
_GROUP_TAGS = frozenset(range(0x00, 0x10))
_INTEGER_TAGS = frozenset({0x21, 0x23})  # integer, enum
TAG_BOOLEAN = 0x22
TAG_OCTET_STRING = 0x30
TAG_BEGIN_COLLECTION = 0x34
TAG_END_COLLECTION = 0x37
TAG_MEMBER_NAME = 0x4A
_TEXT_TAGS = frozenset(range(0x41, 0x4A)) | {0x35, 0x36}  # text, name, keyword, uri, …, withLanguage
TAG_CHARSET = 0x47
TAG_LANGUAGE = 0x48
TAG_URI = 0x45
TAG_KEYWORD = 0x44

#: printer-state enum → hrPrinterStatus (RFC 2790).
PRINTER_STATES = {3: 3, 4: 4, 5: 1}  # idle, processing → printing, stopped → other
STOPPED = 5
#: printer-state-reasons keyword (without its -report/-warning/-error suffix) → hrPrinterDetectedErrorState bit.
REASON_BITS: dict[str, str] = {
    "media-low": "lowPaper",
    "media-empty": "noPaper",
    "media-needed": "noPaper",
    "toner-low": "lowToner",
    "marker-supply-low": "lowToner",
    "toner-empty": "noToner",
    "marker-supply-empty": "noToner",
    "door-open": "doorOpen",
    "cover-open": "doorOpen",
    "interlock-open": "doorOpen",
    "media-jam": "jammed",
    "offline": "offline",
    "paused": "offline",
    "shutdown": "offline",
    "marker-supply-missing": "markerSupplyMissing",
    "toner-missing": "markerSupplyMissing",
    "input-tray-missing": "inputTrayMissing",
    "output-tray-missing": "outputTrayMissing",
    "output-area-almost-full": "outputNearFull",
    "output-area-full": "outputFull",
}
#: printer-state-reasons keywords with no error bit → prtAlertCode (RFC 3805).
REASON_ALERTS: dict[str, int] = {
    "marker-waste-almost-full": 1107,
    "marker-waste-full": 1109,
}
_SUFFIX = re.compile(r"-(?:report|warning|error)$")
#: marker-colors values → colorant names (the parser reads colour words).
COLOURS = {"#000000": "black", "#00ffff": "cyan", "#ff00ff": "magenta", "#ffff00": "yellow"}
#: marker-types keywords → prtMarkerSuppliesType codes (the Printer-MIB names, in kebab case).
SUPPLY_TYPE_CODES = {
    re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower(): code for code, name in mib.SUPPLY_TYPES.items()
}
INPUT_TYPE_CODES = {name: code for code, name in mib.INPUT_TYPES.items()}


class IppError(AgentError):
    """A printer that does not answer IPP, or answers something that is not IPP."""


# --------------------------------------------------------------------------- encoding


def _attribute(tag: int, name: str, value: bytes) -> bytes:
    encoded = name.encode("ascii")
    return struct.pack(">BH", tag, len(encoded)) + encoded + struct.pack(">H", len(value)) + value


def encode_request(printer_uri: str, request_id: int = 1, requested: tuple[str, ...] = REQUESTED) -> bytes:
    """Return a Get-Printer-Attributes request (IPP/1.1) asking for ``requested``."""
    body = struct.pack(">BBHI", 1, 1, GET_PRINTER_ATTRIBUTES, request_id) + bytes([TAG_OPERATION])
    body += _attribute(TAG_CHARSET, "attributes-charset", b"utf-8")
    body += _attribute(TAG_LANGUAGE, "attributes-natural-language", b"en")
    body += _attribute(TAG_URI, "printer-uri", printer_uri.encode("utf-8"))
    for position, keyword in enumerate(requested):
        body += _attribute(
            TAG_KEYWORD, "requested-attributes" if position == 0 else "", keyword.encode("ascii")
        )
    return body + bytes([TAG_END])


# --------------------------------------------------------------------------- decoding


@dataclass
class IppResponse:
    """A decoded answer: status code, request id and the printer group's attributes."""

    version: tuple[int, int]
    status: int
    request_id: int
    attributes: dict[str, list[Any]] = field(default_factory=dict)


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0
        self.count = 0

    def take(self, size: int) -> bytes:
        if size < 0 or self.at + size > len(self.data):
            raise IppError(f"IPP answer truncated at byte {self.at}")
        chunk = self.data[self.at : self.at + size]
        self.at += size
        return chunk

    def byte(self) -> int:
        return self.take(1)[0]

    def short(self) -> int:
        value: int = struct.unpack(">H", self.take(2))[0]
        return value

    def triple(self) -> tuple[int, str, bytes]:
        """Read ``name-length name value-length value`` after a value tag."""
        self.count += 1
        if self.count > MAX_ATTRIBUTES * 4:
            raise IppError("IPP answer holds too many values")
        name = self.take(self.short()).decode("utf-8", errors="replace")
        return self.count, name, self.take(self.short())


def _value(tag: int, raw: bytes) -> Any:
    if tag in _INTEGER_TAGS:
        if len(raw) != 4:
            raise IppError(f"IPP integer of {len(raw)} bytes")
        return struct.unpack(">i", raw)[0]
    if tag == TAG_BOOLEAN:
        return raw != b"\x00"
    if tag in _TEXT_TAGS:
        if tag in (0x35, 0x36) and len(raw) >= 2:  # textWithLanguage: language, then text
            skip = struct.unpack(">H", raw[:2])[0] + 2
            text_length = raw[skip : skip + 2]
            raw = (
                raw[skip + 2 : skip + 2 + struct.unpack(">H", text_length)[0]]
                if len(text_length) == 2
                else b""
            )
        return raw.decode("utf-8", errors="replace")
    if tag == TAG_OCTET_STRING:
        return raw
    if tag < 0x20:  # out-of-band: unsupported, unknown, no-value
        return None
    return raw  # dateTime, resolution, range…: kept raw, not read


def _collection(cursor: _Cursor, depth: int) -> dict[str, list[Any]]:
    if depth > MAX_DEPTH:
        raise IppError("IPP collections nested too deep")
    members: dict[str, list[Any]] = {}
    current: str | None = None
    while True:
        tag = cursor.byte()
        _, _name, raw = cursor.triple()
        if tag == TAG_END_COLLECTION:
            return members
        if tag == TAG_MEMBER_NAME:
            current = raw.decode("utf-8", errors="replace")
            members.setdefault(current, [])
            continue
        value = _collection(cursor, depth + 1) if tag == TAG_BEGIN_COLLECTION else _value(tag, raw)
        if current is None:
            raise IppError("IPP collection value without a member name")
        if len(members[current]) < MAX_VALUES:
            members[current].append(value)


def decode_response(data: bytes) -> IppResponse:
    """Decode an IPP answer; keep the printer-attributes group.

    Raises:
        IppError: for anything that is not a well-formed IPP answer.
    """
    if len(data) > MAX_RESPONSE_BYTES:
        raise IppError(f"IPP answer of {len(data)} bytes refused")
    cursor = _Cursor(data)
    try:
        major, minor, status, request_id = struct.unpack(">BBHI", cursor.take(8))
        response = IppResponse((major, minor), status, request_id)
        group = None
        name: str | None = None
        while True:
            tag = cursor.byte()
            if tag == TAG_END:
                return response
            if tag in _GROUP_TAGS:
                group, name = tag, None
                continue
            _, attribute, raw = cursor.triple()
            value = _collection(cursor, 1) if tag == TAG_BEGIN_COLLECTION else _value(tag, raw)
            if attribute:
                name = attribute
            if group != TAG_PRINTER or name is None:
                continue
            values = response.attributes.setdefault(name, []) if attribute else response.attributes[name]
            if len(response.attributes) > MAX_ATTRIBUTES:
                raise IppError("IPP answer holds too many attributes")
            if len(values) < MAX_VALUES:
                values.append(value)
    except (struct.error, KeyError) as err:
        raise IppError(f"malformed IPP answer: {err}") from None


# --------------------------------------------------------------------------- translation


def _keys(value: bytes | str) -> dict[str, str]:
    r"""Split a PWG 5100.13 ``key=value;`` string (``\;`` and ``\\`` escape).

    >>> _keys(b"type=sheetFeedManual;maxcapacity=50;level=-2;name=By\\;pass;")["name"]
    'By;pass'
    """
    text = value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value
    out: dict[str, str] = {}
    for part in re.split(r"(?<!\\);", text):
        key, sep, item = part.partition("=")
        if sep:
            out[key.strip()] = re.sub(r"\\(.)", r"\1", item)
    return out


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _texts(attributes: Mapping[str, list[Any]], name: str) -> list[str]:
    return [v for v in attributes.get(name, []) if isinstance(v, str)]


def _ints(attributes: Mapping[str, list[Any]], name: str) -> list[int]:
    return [v for v in attributes.get(name, []) if isinstance(v, int) and not isinstance(v, bool)]


def _error_state(bits: set[str]) -> bytes:
    octets = bytearray(2)
    for position, name in enumerate(mib.ERROR_BITS):
        if name in bits:
            octets[position // 8] |= 0x80 >> (position % 8)
    return bytes(octets)


def _source(name: str) -> str:
    """Return the PWG media-source keyword a tray name stands for ("Tray 1" → "tray-1")."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def ipp_to_raw(attributes: Mapping[str, list[Any]]) -> dict[str, RawValue]:
    """Translate printer attributes into the Printer-MIB cells they stand for (see the module table)."""
    raw: dict[str, RawValue] = {f"{mib.HR_DEVICE_TYPE}.1": mib.HR_DEVICE_TYPE_PRINTER}
    model = _texts(attributes, "printer-make-and-model")
    if model:
        raw[f"{mib.HR_DEVICE_DESCR}.1"] = model[0].encode("utf-8")
    serial = _texts(attributes, "printer-serial-number")
    if serial:
        raw[f"{mib.PRT_GENERAL_SERIAL}.1"] = serial[0].encode("utf-8")
    uptime = _ints(attributes, "printer-up-time")
    if uptime and 0 <= uptime[0] < 2**32 // 100:
        raw[mib.SYS_UPTIME] = uptime[0] * 100
    bits: set[str] = set()
    alerts: list[int] = []
    for keyword in _texts(attributes, "printer-state-reasons"):
        base = _SUFFIX.sub("", keyword)
        if base in REASON_BITS:
            bits.add(REASON_BITS[base])
        elif base in REASON_ALERTS:
            alerts.append(REASON_ALERTS[base])
    state = _ints(attributes, "printer-state")
    if state:
        raw[f"{mib.HR_PRINTER_STATUS}.1"] = PRINTER_STATES.get(state[0], 2)
        # Stopped with a reason the rules know: that reason says it; stopped for nothing known: down.
        raw[f"{mib.HR_DEVICE_STATUS}.1"] = 5 if state[0] == STOPPED and not bits and not alerts else 2
    raw[f"{mib.HR_PRINTER_ERROR_STATE}.1"] = _error_state(bits)
    for number, code in enumerate(alerts, start=1):
        raw[f"{mib.PRT_ALERT_CODE}.1.{number}"] = code
        raw[f"{mib.PRT_ALERT_SEVERITY}.1.{number}"] = 3
        raw[f"{mib.PRT_ALERT_GROUP}.1.{number}"] = 11  # markerSupplies
    names = _texts(attributes, "marker-names")
    types = _texts(attributes, "marker-types")
    levels = _ints(attributes, "marker-levels")
    colours = _texts(attributes, "marker-colors")
    for position, name in enumerate(names[:64]):
        row = f"1.{position + 1}"
        raw[f"{mib.PRT_SUPPLY_DESCRIPTION}.{row}"] = name.encode("utf-8")
        raw[f"{mib.PRT_SUPPLY_MAX}.{row}"] = 100
        raw[f"{mib.PRT_SUPPLY_UNIT}.{row}"] = 19  # percent
        if position < len(types):
            raw[f"{mib.PRT_SUPPLY_TYPE}.{row}"] = SUPPLY_TYPE_CODES.get(types[position], 1)
        if position < len(levels):
            raw[f"{mib.PRT_SUPPLY_LEVEL}.{row}"] = levels[position]
        colour = COLOURS.get(colours[position].lower()) if position < len(colours) else None
        if colour is not None:
            raw[f"{mib.PRT_SUPPLY_COLORANT_INDEX}.{row}"] = position + 1
            raw[f"{mib.PRT_COLORANT_VALUE}.{row}"] = colour.encode("ascii")
    media: dict[str, str] = {}
    for item in attributes.get("media-col-ready", []):
        if isinstance(item, dict):
            sources = [v for v in item.get("media-source", []) if isinstance(v, str)]
            sizes = [v for v in item.get("media-size-name", []) if isinstance(v, str)]
            if sources and sizes:
                media[sources[0]] = sizes[0]
    trays = [_keys(v) for v in attributes.get("printer-input-tray", []) if isinstance(v, bytes | str)]
    for position, tray in enumerate(trays[:64]):
        row = f"1.{position + 1}"
        for column, value in (
            (mib.PRT_INPUT_TYPE, INPUT_TYPE_CODES.get(tray.get("type", ""))),
            (mib.PRT_INPUT_MAX, _int(tray.get("maxcapacity"))),
            (mib.PRT_INPUT_LEVEL, _int(tray.get("level"))),
        ):
            if value is not None:
                raw[f"{column}.{row}"] = value
        tray_name = tray.get("name")
        if tray_name:
            raw[f"{mib.PRT_INPUT_NAME}.{row}"] = tray_name.encode("utf-8")
            if _source(tray_name) in media:
                raw[f"{mib.PRT_INPUT_MEDIA_NAME}.{row}"] = media[_source(tray_name)].encode("utf-8")
    return raw


def parse_ipp(attributes: Mapping[str, list[Any]], thresholds: Thresholds | None = None) -> PrinterStatus:
    """Return the normalised status of a printer from its IPP attributes (pure)."""
    return parse_printer(ipp_to_raw(attributes), thresholds=thresholds)


# --------------------------------------------------------------------------- HTTP shell


@dataclass(frozen=True)
class IppTarget:
    """A printer's IPP address, e.g. ``ipp://192.0.2.20/ipp/print`` (``ipps://`` over TLS)."""

    uri: str
    timeout: float = 3.0

    def http_url(self) -> str:
        """Return the HTTP URL the IPP URI is posted to (port 631 unless given)."""
        parts = urlsplit(self.uri)
        if parts.scheme not in ("ipp", "ipps") or not parts.hostname:
            raise IppError(f"not an ipp:// or ipps:// URI: {self.uri}")
        netloc = parts.netloc if parts.port else f"{parts.netloc}:631"
        return urlunsplit(("https" if parts.scheme == "ipps" else "http", netloc, parts.path or "/", "", ""))


def _post(target: IppTarget, body: bytes) -> bytes:
    request = urllib.request.Request(  # noqa: S310 - the scheme is http(s), built by http_url()
        target.http_url(), data=body, method="POST", headers={"Content-Type": "application/ipp"}
    )
    try:
        with urllib.request.urlopen(request, timeout=target.timeout) as response:  # noqa: S310
            data: bytes = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as err:
        err.close()
        raise IppError(f"{target.uri}: HTTP {err.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as err:
        raise IppError(f"{target.uri}: {getattr(err, 'reason', err)}") from None
    return data


async def fetch_attributes(target: IppTarget) -> dict[str, list[Any]]:
    """Ask one printer for its attributes (in a thread: never blocks the polling loop).

    Raises:
        IppError: when the printer does not answer, or its answer is not a successful IPP answer.
    """
    answer = decode_response(await asyncio.to_thread(_post, target, encode_request(target.uri)))
    if answer.status >= 0x0100:  # client-error or server-error
        raise IppError(f"{target.uri}: IPP status 0x{answer.status:04x}")
    return answer.attributes


async def fetch_ipp_status(target: IppTarget, thresholds: Thresholds | None = None) -> PrinterStatus:
    """Read one printer over IPP and return its normalised status."""
    return parse_ipp(await fetch_attributes(target), thresholds)


async def port_answers(host: str, port: int, timeout: float) -> bool:
    """Return whether ``host:port`` accepts a TCP connection (closed at once, nothing sent).

    Used on a printer's raw print port (9100) to tell a printer asleep from one switched off:
    nothing is written, so nothing is printed.
    """
    try:
        _reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (OSError, TimeoutError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True
