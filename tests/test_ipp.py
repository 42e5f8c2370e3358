"""IPP as a second source: the codec, the translation onto the normalised status, and a real printer.

The real printer is CUPS's ``ippeveprinter`` with attributes each test sets (marker levels,
trays) and state reasons it sets by printing a job (``STATE: +media-jam-error``).
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.contract.messages import PrinterStatus
from agent.printers.ipp import (
    REQUESTED,
    IppError,
    IppTarget,
    decode_response,
    encode_request,
    fetch_attributes,
    fetch_ipp_status,
    ipp_to_raw,
    parse_ipp,
    port_answers,
)
from agent.printers.state import StateOptions, derive

from helpers.ipp import IppPrinter, start_ippeveprinter
from helpers.processes import free_port, stop_process

# --------------------------------------------------------------------------- a small answer builder


def _attr(tag: int, name: str, value: bytes) -> bytes:
    return struct.pack(">BH", tag, len(name)) + name.encode() + struct.pack(">H", len(value)) + value


def answer(attributes: list[tuple[int, str, list[bytes]]], status: int = 0, group: int = 0x04) -> bytes:
    """An IPP answer: operation group (charset, language), then one group of attributes."""
    body = struct.pack(">BBHI", 1, 1, status, 7) + b"\x01"
    body += _attr(0x47, "attributes-charset", b"utf-8") + _attr(0x48, "attributes-natural-language", b"en")
    body += bytes([group])
    for tag, name, values in attributes:
        for position, value in enumerate(values):
            body += _attr(tag, name if position == 0 else "", value)
    return body + b"\x03"


def integer(value: int) -> bytes:
    return struct.pack(">i", value)


# --------------------------------------------------------------------------- codec


def test_request_is_a_get_printer_attributes() -> None:
    body = encode_request("ipp://192.0.2.20/ipp/print", 1)
    assert body[:8] == bytes.fromhex("0101000b00000001")  # IPP/1.1, Get-Printer-Attributes, id 1
    assert body[8] == 0x01
    assert body[-1] == 0x03
    assert b"\x45\x00\x0bprinter-uri\x00\x1aipp://192.0.2.20/ipp/print" in body
    assert b"\x44\x00\x14requested-attributes\x00\x0dprinter-state" in body
    assert b"\x44\x00\x00\x00\x15printer-state-reasons" in body  # an additional value
    assert not any("job" in name or "user" in name for name in REQUESTED)  # privacy


def test_decode_values_and_collections() -> None:
    collection = (
        _attr(0x34, "media-col-ready", b"") + _attr(0x4A, "", b"media-source") + _attr(0x44, "", b"tray-1")
        + _attr(0x4A, "", b"media-size") + _attr(0x34, "", b"") + _attr(0x4A, "", b"x-dimension")
        + _attr(0x21, "", integer(21000)) + _attr(0x37, "", b"") + _attr(0x37, "", b"")
    )  # fmt: skip
    data = answer([(0x23, "printer-state", [integer(5)]), (0x44, "printer-state-reasons", [b"media-jam-error", b"toner-low-report"]),
                   (0x21, "marker-levels", [integer(-3), integer(80)]), (0x22, "color-supported", [b"\x01"]),
                   (0x13, "printer-serial-number", [b""])])[:-1] + collection + b"\x03"  # fmt: skip
    response = decode_response(data)
    assert (response.version, response.status, response.request_id) == ((1, 1), 0, 7)
    assert response.attributes == {
        "printer-state": [5],
        "printer-state-reasons": ["media-jam-error", "toner-low-report"],
        "marker-levels": [-3, 80],
        "color-supported": [True],
        "printer-serial-number": [None],  # out-of-band no-value
        "media-col-ready": [{"media-source": ["tray-1"], "media-size": [{"x-dimension": [21000]}]}],
    }
    # Operation attributes are not the printer's.
    assert "attributes-charset" not in response.attributes


HOSTILE = [
    ("empty", b""),
    ("truncated_header", b"\x01\x01\x00"),
    ("no_end_tag", answer([(0x23, "printer-state", [integer(3)])])[:-1]),
    ("value_longer_than_the_answer", answer([])[:-1] + b"\x44\x00\x01a\xff\xff" + b"x" * 10 + b"\x03"),
    ("integer_of_two_bytes", answer([(0x21, "marker-levels", [b"\x00\x01"])])),
    ("member_value_without_name", answer([])[:-1] + _attr(0x34, "c", b"") + _attr(0x21, "", integer(1)) + b"\x03"),
    ("collections_nested_too_deep", answer([])[:-1] + _attr(0x34, "c", b"") + (_attr(0x4A, "", b"m") + _attr(0x34, "", b"")) * 10 + b"\x03"),
    ("additional_value_first", answer([])[:-1] + _attr(0x44, "", b"x") + b"\x03" + b"\x00" * 0),
    ("oversized", b"\x01\x01\x00\x00" + b"\x00" * (300 * 1024)),
]  # fmt: skip


@pytest.mark.parametrize(("name", "data"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_answers_are_ipp_errors(name: str, data: bytes) -> None:
    if name == "additional_value_first":  # an additional value with nothing before it is dropped
        assert decode_response(data).attributes == {}
        return
    with pytest.raises(IppError):
        decode_response(data)


def test_many_values_are_bounded() -> None:
    data = answer([(0x44, "printer-state-reasons", [b"none"] * 5000)])
    with pytest.raises(IppError, match="too many"):
        decode_response(data)
    data = answer([(0x44, "printer-state-reasons", [b"none"] * 900)])
    assert len(decode_response(data).attributes["printer-state-reasons"]) == 256


# --------------------------------------------------------------------------- translation (pure)

BASE: dict[str, list[Any]] = {
    "printer-make-and-model": ["ESC Test Printer"],
    "printer-state": [3],
    "printer-state-reasons": ["none"],
    "marker-names": ["Black Toner", "Cyan Toner", "Waste Toner Box"],
    "marker-types": ["toner", "toner", "waste-toner"],
    "marker-levels": [80, 50, 60],
    "marker-colors": ["#000000", "#00FFFF", "none"],
    "printer-input-tray": [
        b"type=sheetFeedAutoRemovableTray;mediafeed=0;mediaxfeed=0;maxcapacity=250;level=200;status=0;name=Tray 1;",
        b"type=sheetFeedManual;mediafeed=0;mediaxfeed=0;maxcapacity=50;level=0;status=0;name=Bypass;",
    ],
}


def judged(**changes: list[Any]) -> tuple[str, list[str], dict[str, str]]:
    status = parse_ipp({**BASE, **changes})
    result = derive(status, reachable=True, consecutive_failures=0, options=StateOptions())
    return result.state, [r.code for r in result.reasons], {f.function: f.state for f in result.functions}


def test_attributes_map_onto_the_printer_mib_status() -> None:
    status = parse_ipp(BASE)
    assert (status.model, status.printer_status, status.device_status, status.errors) == (
        "ESC Test Printer", "idle", "running", ())  # fmt: skip
    assert [(s.description, s.type, s.colour, s.raw_level, s.raw_max, s.percent, s.state, s.precision)
            for s in status.supplies] == [
        ("Black Toner", "toner", "black", 80, 100, 80.0, "ok", "exact"),
        ("Cyan Toner", "toner", "cyan", 50, 100, 50.0, "ok", "exact"),
        ("Waste Toner Box", "wasteToner", None, 60, 100, 60.0, "ok", "exact"),
    ]  # fmt: skip
    assert [
        (t.name, t.type, t.raw_level, t.raw_max, t.percent, t.manual, t.state) for t in status.inputs
    ] == [
        ("Tray 1", "sheetFeedAutoRemovableTray", 200, 250, 80.0, False, "ok"),
        ("Bypass", "sheetFeedManual", 0, 50, 0.0, True, "empty"),
    ]
    assert status.problems == ()


@pytest.mark.parametrize(
    ("changes", "state", "codes", "functions"),
    [
        ({}, "ok", [], {"print": "ok"}),
        ({"printer-state-reasons": ["media-jam-error"], "printer-state": [5]}, "down", ["jam"], {"print": "down"}),
        ({"printer-state-reasons": ["door-open-error"]}, "down", ["door_open"], {"print": "down"}),
        ({"printer-state-reasons": ["toner-low-report"]}, "degraded", ["toner_low"], {"print": "degraded"}),
        # The levels say it better than the reason: the empty cyan toner is named.
        ({"marker-levels": [80, 0, 60], "printer-state-reasons": ["toner-empty-error"]}, "down",
         ["toner_empty"], {"print": "down"}),
        ({"printer-state-reasons": ["marker-waste-full-error"]}, "down", ["waste_full"], {"print": "down"}),
        ({"printer-state-reasons": ["marker-waste-almost-full-warning"]}, "degraded", ["waste_almost_full"],
         {"print": "degraded"}),
        # With a tray table, paper is judged from the trays (the reason is a hint)…
        ({"printer-state-reasons": ["media-empty-warning"]}, "ok", [], {"print": "ok"}),
        ({"printer-input-tray": [BASE["printer-input-tray"][0].replace(b"level=200", b"level=0")],
          "printer-state-reasons": ["media-empty-error"]}, "down", ["no_paper"], {"print": "down"}),
        # … and without one, from the reason.
        ({"printer-input-tray": [], "printer-state-reasons": ["media-empty-error"]}, "down", ["no_paper"],
         {"print": "down"}),
        ({"printer-state-reasons": ["paused"], "printer-state": [5]}, "down", ["offline"], {"print": "down"}),
        # Stopped for a reason nobody knows: the device is in error.
        ({"printer-state-reasons": ["other-error"], "printer-state": [5]}, "down", ["device_error"],
         {"print": "down"}),
    ],
    ids=["ok", "jam", "door", "toner_low", "toner_empty", "waste_full", "waste_almost_full", "media_empty_hint",
         "no_paper_from_trays", "no_paper_from_reason", "paused", "stopped_unknown"],
)  # fmt: skip
def test_state_reasons_map_onto_reason_codes(
    changes: dict[str, list[Any]], state: str, codes: list[str], functions: dict[str, str]
) -> None:
    assert judged(**changes) == (state, codes, functions)


def test_missing_and_odd_attributes_never_raise() -> None:
    status = parse_ipp({})
    assert (status.supplies, status.inputs, status.model) == ((), (), None)
    odd = parse_ipp({"marker-names": ["Black", "Cyan"], "marker-levels": [50], "marker-types": ["no-such-type"],
                     "marker-colors": ["#123456"], "printer-input-tray": [b"garbage", b"level=abc;maxcapacity=-7;"],
                     "printer-state": [99], "printer-up-time": [-5]})  # fmt: skip
    assert [(s.description, s.type, s.raw_level, s.colour) for s in odd.supplies] == [
        ("Black", "other", 50, "black"), ("Cyan", "unknown", None, "cyan")]  # fmt: skip
    assert odd.printer_status == "unknown"
    assert any("out of range" in p for p in odd.problems)  # maxcapacity -7


def test_raw_cells_are_the_printer_mib_ones() -> None:
    raw = ipp_to_raw({**BASE, "printer-state-reasons": ["media-jam-error", "toner-low-report"]})
    assert raw["1.3.6.1.2.1.25.3.5.1.2.1"] == bytes.fromhex("2400")  # lowToner (bit 2), jammed (bit 5)
    assert raw["1.3.6.1.2.1.43.8.2.1.13.1.1"] == b"Tray 1"


# --------------------------------------------------------------------------- a real IPP printer

ATTRIBUTES = """\
ATTR text printer-make-and-model "ESC Test Printer"
ATTR text printer-serial-number "ESC0001"
ATTR name marker-names "Black Toner","Cyan Toner","Magenta Toner","Waste Toner Box"
ATTR keyword marker-types toner,toner,toner,waste-toner
ATTR name marker-colors "#000000","#00FFFF","#FF00FF","none"
ATTR integer marker-levels 80,5,40,-3
ATTR integer marker-low-levels 10,10,10,90
ATTR integer marker-high-levels 100,100,100,100
ATTR octetString printer-input-tray "type=sheetFeedAutoRemovableTray;mediafeed=0;mediaxfeed=0;maxcapacity=250;level=0;status=0;name=Tray 1;","type=sheetFeedManual;mediafeed=0;mediaxfeed=0;maxcapacity=50;level=-2;status=0;name=Bypass;"
ATTR collection media-col-ready {MEMBER keyword media-size-name iso_a4_210x297mm MEMBER keyword media-source tray-1}
"""


@pytest.fixture
def ipp_printer(tmp_path: Path) -> Iterator[IppPrinter]:
    """ippeveprinter with four markers (cyan at 5 %, waste at -3) and an empty tray 1."""
    printer = start_ippeveprinter(tmp_path / "ipp", ATTRIBUTES)
    yield printer
    stop_process(printer.proc)


def read(printer: IppPrinter) -> PrinterStatus:
    return asyncio.run(fetch_ipp_status(IppTarget(printer.uri, timeout=5)))


def test_a_real_ipp_printer(ipp_printer: IppPrinter) -> None:
    status = read(ipp_printer)
    assert (status.model, status.serial, status.printer_status, status.errors) == (
        "ESC Test Printer", "ESC0001", "idle", ())  # fmt: skip
    assert [(s.description, s.colour, s.raw_level, s.state, s.precision) for s in status.supplies] == [
        ("Black Toner", "black", 80, "ok", "exact"),
        ("Cyan Toner", "cyan", 5, "low", "exact"),
        ("Magenta Toner", "magenta", 40, "ok", "exact"),
        ("Waste Toner Box", None, -3, "some_remaining", "presence"),
    ]
    assert [(t.name, t.media, t.raw_level, t.raw_max, t.manual, t.state) for t in status.inputs] == [
        ("Tray 1", "iso_a4_210x297mm", 0, 250, False, "empty"),
        ("Bypass", None, -2, 50, True, "unknown"),
    ]
    result = derive(status, reachable=True, consecutive_failures=0, options=StateOptions())
    # The only usable tray is empty: no paper; cyan is low.
    assert (result.state, [(r.code, r.subject) for r in result.reasons]) == (
        "down", [("toner_low", "1.2"), ("no_paper", None)])  # fmt: skip
    assert result.label.startswith("hors service : plus de papier")


@pytest.mark.parametrize(
    ("lines", "errors", "codes"),
    [
        (["STATE: +media-jam-error"], ("jammed",), ["jam"]),
        (["STATE: +cover-open-error"], ("doorOpen",), ["door_open"]),  # ippeveprinter says cover-open
        (["STATE: +toner-low-report", "ATTR: marker-levels=80,60,40,-3"], ("lowToner",), ["toner_low"]),
        (["STATE: +marker-waste-full-error"], (), ["waste_full"]),
    ],
    ids=["media_jam", "cover_open", "toner_low_reason", "waste_full"],
)
def test_state_reasons_the_printer_reports(
    ipp_printer: IppPrinter, lines: list[str], errors: tuple[str, ...], codes: list[str]
) -> None:
    ipp_printer.set_state(*lines)
    status = read(ipp_printer)
    assert status.errors == errors
    result = derive(status, reachable=True, consecutive_failures=0, options=StateOptions())
    got = [r.code for r in result.reasons if r.code not in ("no_paper", "toner_low") or r.code in codes]
    assert [c for c in got if c != "no_paper"] == codes
    ipp_printer.set_state(*(line.replace("+", "-", 1) for line in lines if line.startswith("STATE")))
    assert read(ipp_printer).errors == ()


def test_attributes_answered_are_the_ones_asked(ipp_printer: IppPrinter) -> None:
    attributes = asyncio.run(fetch_attributes(IppTarget(ipp_printer.uri, timeout=5)))
    assert set(attributes) <= set(REQUESTED)
    assert {"printer-state", "printer-state-reasons", "marker-levels", "printer-input-tray"} <= set(
        attributes
    )


def test_a_printer_that_does_not_answer() -> None:
    dead = free_port()
    with pytest.raises(IppError, match="refused"):
        asyncio.run(fetch_attributes(IppTarget(f"ipp://127.0.0.1:{dead}/ipp/print", timeout=1)))
    with pytest.raises(IppError, match="not an ipp"):
        IppTarget("http://127.0.0.1/ipp/print").http_url()
    assert IppTarget("ipp://printer.local/ipp/print").http_url() == "http://printer.local:631/ipp/print"
    assert IppTarget("ipps://192.0.2.1:8631/x").http_url() == "https://192.0.2.1:8631/x"


def test_raw_port_probe() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        assert asyncio.run(port_answers("127.0.0.1", port, 1.0)) is True
    assert asyncio.run(port_answers("127.0.0.1", free_port(), 1.0)) is False


# --------------------------------------------------------------------------- configuration


def _printer(text: str, tmp_path: Path) -> Any:
    from agent.config import load_agent_config

    path = tmp_path / "agent.toml"
    path.write_text(f'[agent]\nsite = "s"\nid = "a"\n[[printers]]\nid = "p"\nhost = "192.0.2.20"\n{text}')
    return load_agent_config(path).printers[0]


def test_a_printer_read_over_ipp_only_needs_no_community(tmp_path: Path) -> None:
    only_ipp = _printer('ipp = "ipp://192.0.2.20/ipp/print"\n', tmp_path)
    assert (only_ipp.snmp, only_ipp.ipp, only_ipp.raw_port) == (False, "ipp://192.0.2.20/ipp/print", 9100)
    both = _printer('community = "c"\nipp = "ipps://192.0.2.20:631/ipp/print"\nraw_port = 0\n', tmp_path)
    assert (both.snmp, both.raw_port) == (True, 0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "SNMP v2c needs 'community'"),  # neither SNMP credentials nor IPP
        ('ipp = "http://192.0.2.20/ipp/print"\n', "ipp"),
        ('ipp = "ipp://192.0.2.20/ipp/print"\nraw_port = 70000\n', "raw_port"),
    ],
)
def test_printer_entry_errors(tmp_path: Path, text: str, message: str) -> None:
    from agent.config import ConfigError

    with pytest.raises(ConfigError, match=message):
        _printer(text, tmp_path)
