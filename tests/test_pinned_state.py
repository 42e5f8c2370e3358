"""Pinned by mutation testing (issue 17): every printer alert code and error bit, and the state rules.

Statuses are built from explicit varbinds (``parse_printer``), so that each case names the one
alert, bit, supply or tray it is about. Expected reason codes, severities and French labels are
written by hand.
"""

from __future__ import annotations

import pytest

from agent.contract.messages import FunctionState, PrinterStatus, Reason, ScannerStatus, Supply, replace
from agent.printers.parse import parse_printer
from agent.printers.state import (
    StateOptions,
    combine,
    default_functions,
    derive,
    function_label,
    function_states,
    label_fr,
    overall,
    printer_reasons,
    reason,
)

SUPPLIES = "1.3.6.1.2.1.43.11.1.1"
INPUTS = "1.3.6.1.2.1.43.8.2.1"
ALERTS = "1.3.6.1.2.1.43.18.1.1"
HR_DEVICE = "1.3.6.1.2.1.25.3.2.1"
ERROR_STATE = "1.3.6.1.2.1.25.3.5.1.2.1"
PRINTER = {f"{HR_DEVICE}.2.1": "1.3.6.1.2.1.25.3.1.5", f"{HR_DEVICE}.3.1": b"Printer"}
TRAY_2 = {
    f"{INPUTS}.10.1.2": 250,
    f"{INPUTS}.9.1.2": 500,
    f"{INPUTS}.13.1.2": b"Tray 2",
    f"{INPUTS}.2.1.2": 3,
}
OPTIONS = StateOptions()


def alert(
    code: int, *, group: int = 5, group_index: int = 1, location: int = 0, row: str = "1.1"
) -> dict[str, object]:
    return {
        f"{ALERTS}.2.{row}": 3,
        f"{ALERTS}.4.{row}": group,
        f"{ALERTS}.5.{row}": group_index,
        f"{ALERTS}.6.{row}": location,
        f"{ALERTS}.7.{row}": code,
        f"{ALERTS}.8.{row}": b"text",
    }


def status(*parts: dict[str, object]) -> PrinterStatus:
    raw: dict[str, object] = {**PRINTER}
    for part in parts:
        raw.update(part)
    return parse_printer(raw)  # type: ignore[arg-type]


def codes(s: PrinterStatus, options: StateOptions = OPTIONS) -> list[tuple[str, str | None]]:
    return [(r.code, r.subject) for r in printer_reasons(s, options)]


# --------------------------------------------------------------------------- every alert code

ALERT_CASES = [
    (3, "door_open"), (5, "door_open"), (501, "door_open"),  # coverOpen, interlockOpen, doorOpen
    (1101, "toner_empty"), (1102, "toner_empty"), (1103, "toner_empty"),
    (1104, "toner_low"), (1105, "toner_low"), (1106, "toner_low"),
    (1107, "waste_almost_full"), (1108, "waste_almost_full"),
    (1109, "waste_full"), (1110, "waste_full"),
    (1115, "supply_missing"),
    (903, "output_full"), (1303, "output_full"),
    (902, "output_almost_full"), (1302, "output_almost_full"),
    (807, "paper_low"),
    (8, "jam"),
    (808, "tray_empty"),
]  # fmt: skip


@pytest.mark.parametrize(("code", "reason_code"), ALERT_CASES)
def test_every_printer_alert_code(code: int, reason_code: str) -> None:
    assert [c for c, _ in codes(status(TRAY_2, alert(code)))] == [reason_code]


@pytest.mark.parametrize("code", [1, 2, 4, 6, 7, 9, 502, 801, 809, 901, 1111, 1112, 1301, 1304])
def test_other_alert_codes_make_no_reason(code: int) -> None:
    assert codes(status(TRAY_2, alert(code))) == []


def test_a_paper_low_alert_names_no_tray() -> None:
    reasons = printer_reasons(status(TRAY_2, alert(807)), OPTIONS)
    assert [(r.code, r.subject, r.label, r.severity) for r in reasons] == [
        ("paper_low", None, "Peu de papier dans un bac", "degraded")
    ]


def test_tray_empty_alert_names_its_tray() -> None:
    got = printer_reasons(status(TRAY_2, alert(808, group=8, group_index=2)), OPTIONS)
    assert [(r.code, r.subject, r.label) for r in got] == [
        ("tray_empty", "1.2", "Plus de papier dans le bac 2")
    ]
    got = printer_reasons(status(TRAY_2, alert(808, group=8, group_index=9)), OPTIONS)  # no tray 9
    assert [(r.code, r.subject, r.label) for r in got] == [("tray_empty", None, "Plus de papier dans un bac")]


@pytest.mark.parametrize(
    ("group", "group_index", "location", "subject", "label"),
    [
        (8, 2, 4, "1.2", "Bourrage papier dans le bac 2"),  # the tray named by the alert
        (13, 1, 7, "location:7", "Bourrage papier (emplacement 7)"),  # the media path: a location
        (13, 1, 0, "location:0", "Bourrage papier"),  # location 0 is not a place to name
        (13, 1, -1, "location:-1", "Bourrage papier"),
        (8, None, 5, "location:5", "Bourrage papier (emplacement 5)"),  # an input without its index
        (13, 2, 1, "location:1", "Bourrage papier (emplacement 1)"),  # not an input: index 2 is no tray
        (5, 2, 3, "location:3", "Bourrage papier (emplacement 3)"),
    ],
)
def test_jam_subject_and_label(
    group: int, group_index: int | None, location: int, subject: str, label: str
) -> None:
    cells = alert(8, group=group, group_index=group_index or 0, location=location)
    if group_index is None:
        del cells[f"{ALERTS}.5.1.1"]
    got = printer_reasons(status(TRAY_2, cells), OPTIONS)
    assert [(r.code, r.subject, r.label, r.severity, r.functions) for r in got] == [
        ("jam", subject, label, "down", ("print",))
    ]


def test_a_jam_in_a_feeder_tray_is_the_scanner_s() -> None:
    feeder = {f"{INPUTS}.10.1.3": 10, f"{INPUTS}.9.1.3": 50, f"{INPUTS}.13.1.3": b"Document Feeder"}
    got = printer_reasons(status(TRAY_2, feeder, alert(8, group=8, group_index=3)), OPTIONS)
    assert [(r.code, r.subject, r.functions) for r in got] == [("adf_jam", "1.3", ("scan",))]


SCANNER = {f"{HR_DEVICE}.3.4": b"Scanner Unit", f"{HR_DEVICE}.5.4": 2}


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (8, ["adf_jam"]),
        (3, ["adf_open"]),
        (5, ["adf_open"]),
        (501, ["adf_open"]),
        (1101, []),
        (808, []),
        (807, []),
    ],
)
def test_alerts_on_the_scanner_unit(code: int, expected: list[str]) -> None:
    got = codes(status(TRAY_2, SCANNER, alert(code, group=4, group_index=4)))
    assert [c for c, _ in got] == expected
    # The same alert on another hrDeviceTable row (not a scanner unit) is the printer's.
    other = [c for c, _ in codes(status(TRAY_2, SCANNER, alert(code, group=4, group_index=9)))]
    assert other == [c for c, _ in codes(status(TRAY_2, alert(code)))]


# --------------------------------------------------------------------------- every error bit

BIT_CASES = [
    ("80", "paper_low"), ("40", "no_paper"), ("20", "toner_low"), ("10", "toner_empty"), ("08", "door_open"),
    ("04", "jam"), ("02", "offline"), ("01", "service_requested"), ("0080", "tray_missing"),
    ("0020", "supply_missing"), ("0010", "output_almost_full"), ("0008", "output_full"),
]  # fmt: skip


@pytest.mark.parametrize(("octets", "reason_code"), BIT_CASES)
def test_every_error_bit_without_a_tray_table(octets: str, reason_code: str) -> None:
    assert codes(status({ERROR_STATE: bytes.fromhex(octets)})) == [(reason_code, None)]


@pytest.mark.parametrize(
    "octets", ["0040", "0004", "0002"]
)  # outputTrayMissing, inputTrayEmpty, overduePreventMaint
def test_error_bits_that_make_no_reason(octets: str) -> None:
    assert codes(status({ERROR_STATE: bytes.fromhex(octets)})) == []


@pytest.mark.parametrize(("octets", "kept"), [("80", False), ("40", False), ("0080", True), ("04", True)])
def test_paper_bits_are_ignored_when_trays_say_more(octets: str, kept: bool) -> None:
    got = codes(status(TRAY_2, {ERROR_STATE: bytes.fromhex(octets)}))
    assert bool(got) == kept
    # A manual tray alone is no tray table: the bits count again.
    manual = {
        f"{INPUTS}.10.1.1": 0,
        f"{INPUTS}.9.1.1": 100,
        f"{INPUTS}.13.1.1": b"Bypass",
        f"{INPUTS}.2.1.1": 5,
    }
    assert len(codes(status(manual, {ERROR_STATE: bytes.fromhex(octets)}))) == 1


def test_a_bit_is_not_repeated_when_an_alert_says_the_same() -> None:
    # jammed bit + jam alert on tray 2: one jam, the alert's (with its tray).
    assert codes(status(TRAY_2, alert(8, group=8, group_index=2), {ERROR_STATE: b"\x04"})) == [("jam", "1.2")]
    # Two bits of the same code: one reason.
    assert codes(status({ERROR_STATE: b"\x30"})) == [("toner_low", None), ("toner_empty", None)]


def test_device_status_down_is_a_device_error_once() -> None:
    assert codes(status({f"{HR_DEVICE}.5.1": 5})) == [("device_error", None)]
    assert codes(status({f"{HR_DEVICE}.5.1": 3})) == []  # warning


# --------------------------------------------------------------------------- supplies, paper, options


def toner(
    index: str, level: int, *, colorant_name: str | None = None, description: str = "Black Toner"
) -> dict[str, object]:
    return {f"{SUPPLIES}.5.{index}": 3, f"{SUPPLIES}.4.{index}": 3, f"{SUPPLIES}.9.{index}": level,
            f"{SUPPLIES}.8.{index}": 100, f"{SUPPLIES}.6.{index}": description.encode()}  # fmt: skip


def waste(level: int) -> dict[str, object]:
    return {f"{SUPPLIES}.5.1.9": 4, f"{SUPPLIES}.4.1.9": 4, f"{SUPPLIES}.9.1.9": level,
            f"{SUPPLIES}.8.1.9": 100, f"{SUPPLIES}.6.1.9": b"Waste Toner Box"}  # fmt: skip


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (0, [("waste_full", "1.9", "Bac de toner usagé plein", "down")]),
        (5, [("waste_almost_full", "1.9", "Bac de toner usagé presque plein (95\u202f%)", "degraded")]),
        (10, [("waste_almost_full", "1.9", "Bac de toner usagé presque plein (90\u202f%)", "degraded")]),
        (11, []),  # 89 % full
    ],
)
def test_waste_box_reasons(level: int, expected: list[tuple[str, str, str, str]]) -> None:
    got = printer_reasons(status(TRAY_2, waste(level)), OPTIONS)
    assert [(r.code, r.subject, r.label, r.severity) for r in got] == expected


@pytest.mark.parametrize(
    ("other_level", "code", "severity"),
    [
        (50, "toner_empty_spare", "degraded"),  # the other black bottle is ok: it takes over
        (5, "toner_empty_spare", "degraded"),  # low still gives toner
        (-3, "toner_empty_spare", "degraded"),  # some remaining
        (0, "toner_empty", "down"),  # both empty
        (-2, "toner_empty", "down"),  # unknown: not counted on
        (-1, "toner_empty", "down"),
    ],
)
def test_a_spare_cartridge_of_the_same_colour(other_level: int, code: str, severity: str) -> None:
    got = printer_reasons(status(TRAY_2, toner("1.1", 0, description="Black Toner 1"),
                                 toner("1.2", other_level, description="Black Toner 2")), OPTIONS)  # fmt: skip
    first = got[0]
    assert (first.code, first.subject, first.severity) == (code, "1.1", severity)


def test_an_empty_toner_of_another_colour_has_no_spare() -> None:
    got = printer_reasons(
        status(TRAY_2, toner("1.1", 0, description="Cyan Toner"), toner("1.2", 80)), OPTIONS
    )
    assert [(r.code, r.subject, r.label) for r in got] == [("toner_empty", "1.1", "Toner cyan vide")]


def test_a_spare_does_not_bring_back_the_empty_bit() -> None:
    # noToner bit while a spare prints: the spare's reason explains it, no toner_empty added.
    got = codes(status(TRAY_2, toner("1.1", 0, description="Black Toner 1"), toner("1.2", 50, description="Black Toner 2"),
                       {ERROR_STATE: b"\x10"}))  # fmt: skip
    assert got == [("toner_empty_spare", "1.1")]


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (9, [("paper_low", "1.2", "Peu de papier dans le bac 2 (9\u202f%)", "degraded")]),  # 45/500
        (10, []),  # 50/500 = 10 %: not below
        (0, [("no_paper", None, "Plus de papier : tous les bacs sont vides", "down")]),
    ],
)
def test_paper_low_and_no_paper(level: int, expected: list[tuple[str, str | None, str, str]]) -> None:
    tray = {**TRAY_2, f"{INPUTS}.10.1.2": level * 5}
    got = printer_reasons(status(tray), OPTIONS)
    assert [(r.code, r.subject, r.label, r.severity) for r in got] == expected


def test_one_empty_tray_among_others_is_tray_empty() -> None:
    trays = {**TRAY_2, f"{INPUTS}.10.1.3": 0, f"{INPUTS}.9.1.3": 500, f"{INPUTS}.13.1.3": b"Tray 3"}
    got = printer_reasons(status(trays), OPTIONS)
    assert [(r.code, r.subject, r.label) for r in got] == [
        ("tray_empty", "1.3", "Plus de papier dans le bac 3")
    ]


@pytest.mark.parametrize("state_level", [-3, -2, -1])
def test_trays_in_other_states_still_have_paper(state_level: int) -> None:
    tray = {**TRAY_2, f"{INPUTS}.10.1.2": state_level}
    assert codes(status(tray)) == []


def test_paper_alerts_switched_off_drop_paper_reasons_only() -> None:
    quiet = StateOptions(paper_alerts=False)
    empty = {**TRAY_2, f"{INPUTS}.10.1.2": 0}
    assert codes(status(empty), quiet) == []
    assert codes(status(TRAY_2, alert(807)), quiet) == []
    assert codes(status(TRAY_2, alert(808)), quiet) == []
    assert codes(status(TRAY_2, alert(8, group=8, group_index=2)), quiet) == [("jam", "1.2")]
    assert codes(status(empty), StateOptions()) == [("no_paper", None)]


def test_default_options() -> None:
    assert (OPTIONS.paper_alerts, OPTIONS.unreachable_after) == (True, 3)
    last = status(TRAY_2)
    assert derive(last, reachable=False, consecutive_failures=2, options=OPTIONS).state == "ok"
    down = derive(last, reachable=False, consecutive_failures=3, options=OPTIONS)
    assert (down.state, down.label) == ("down", "hors service : appareil injoignable")


# --------------------------------------------------------------------------- severities, functions, labels


@pytest.mark.parametrize(
    ("code", "severity", "functions"),
    [
        ("unreachable", "down", ()), ("device_error", "down", ()), ("offline", "down", ("print",)),
        ("service_requested", "degraded", ()), ("door_open", "down", ()), ("toner_empty", "down", ("print",)),
        ("toner_low", "degraded", ("print",)), ("toner_empty_spare", "degraded", ("print",)),
        ("jam", "down", ("print",)), ("adf_jam", "down", ("scan",)), ("adf_open", "down", ("scan",)),
        ("paper_low", "degraded", ("print",)), ("no_paper", "down", ("print",)),
        ("scanner_unit_down", "down", ("scan",)), ("no_such_code", "degraded", ()),
    ],
)  # fmt: skip
def test_reason_severity_and_functions(code: str, severity: str, functions: tuple[str, ...]) -> None:
    item = reason(code)
    assert (item.code, item.severity, item.functions) == (code, severity, functions)


def r(code: str, severity: str, functions: tuple[str, ...] = (), label: str = "Détail") -> Reason:
    return Reason(code=code, label=label, severity=severity, functions=functions)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("reasons", "expected"),
    [
        ([], {"print": "ok", "scan": "ok"}),
        ([r("a", "degraded")], {"print": "degraded", "scan": "degraded"}),
        ([r("a", "degraded"), r("b", "down")], {"print": "down", "scan": "down"}),
        ([r("b", "down"), r("a", "degraded")], {"print": "down", "scan": "down"}),
        ([r("a", "down", ("print",))], {"print": "down", "scan": "ok"}),
        ([r("a", "down", ("scan",)), r("b", "degraded", ("print",))], {"print": "degraded", "scan": "down"}),
    ],
)
def test_function_states_take_the_worst_severity(reasons: list[Reason], expected: dict[str, str]) -> None:
    assert {f.function: f.state for f in function_states(reasons, ("print", "scan"))} == expected


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        (["ok", "ok"], "ok"),
        (["down", "down"], "down"),
        (["down", "ok"], "degraded"),
        (["degraded", "ok"], "degraded"),
        (["unknown", "unknown"], "unknown"),
        (["unknown", "ok"], "ok"),
        (["unknown", "down"], "degraded"),
    ],
)
def test_overall_state_from_functions(states: list[str], expected: str) -> None:
    functions = [FunctionState(function=f"f{i}", state=s) for i, s in enumerate(states)]  # type: ignore[arg-type]
    assert overall(functions, []) == expected


def test_overall_without_functions_is_the_worst_reason() -> None:
    assert overall([], []) == "ok"
    assert overall([], [r("a", "degraded"), r("b", "down"), r("c", "degraded")]) == "down"
    assert overall([], [r("a", "degraded")]) == "degraded"


def test_labels_name_the_functions_that_stopped() -> None:
    scan_down = combine([r("adf_jam", "down", ("scan",), "Bourrage dans le chargeur")], ("print", "scan"))
    assert (scan_down.state, scan_down.label) == (
        "degraded",
        "numérisation hors service : bourrage dans le chargeur",
    )
    print_down = combine([r("jam", "down", ("print",), "Bourrage papier")], ("print", "scan"))
    assert print_down.label == "impression hors service : bourrage papier"
    both = combine(
        [r("x", "down", ("print",), "A"), r("y", "down", ("scan",), "B")], ("print", "scan", "fax")
    )
    assert both.label == "impression et numérisation hors service : a; b"


def test_labels_keep_the_three_worst_details() -> None:
    reasons = [r("a", "degraded", label="Un"), r("b", "down", label="Deux"), r("c", "down", label="Trois"),
               r("d", "down", label="Quatre"), r("e", "down", label="Cinq")]  # fmt: skip
    assert label_fr("down", reasons) == "hors service : deux; trois; quatre"
    assert (
        label_fr("degraded", [r("a", "degraded", label="Toner bas")])
        == "en service, à surveiller : toner bas"
    )
    assert label_fr("ok", []) == "en service"
    assert label_fr("unknown", [r("a", "down", label="Xyz")]) == "état inconnu : xyz"


def test_default_functions() -> None:
    assert default_functions(None) == ("print",)
    assert default_functions(status(TRAY_2)) == ("print",)
    assert default_functions(status(TRAY_2, SCANNER)) == ("print", "scan")
    never = derive(None, reachable=True, consecutive_failures=0, options=OPTIONS, offered=("print", "scan"))
    assert [(f.function, f.state) for f in never.functions] == [("print", "unknown"), ("scan", "unknown")]


# --------------------------------------------------------------------------- more edges the mutants found


def test_a_jam_alert_without_location_or_tray_has_no_subject() -> None:
    cells = alert(8, group=13)
    del cells[f"{ALERTS}.6.1.1"]
    got = printer_reasons(status(TRAY_2, cells), OPTIONS)
    assert [(r.code, r.subject, r.label) for r in got] == [("jam", None, "Bourrage papier")]


def test_a_tray_with_a_three_arc_index_is_found_by_its_last_arc() -> None:
    tray = {f"{INPUTS}.10.1.1.3": 100, f"{INPUTS}.9.1.1.3": 500, f"{INPUTS}.13.1.1.3": b"Tray 3"}
    got = printer_reasons(status(tray, alert(8, group=8, group_index=3)), OPTIONS)
    assert [(r.code, r.subject) for r in got] == [("jam", "1.1.3")]


def test_only_device_table_alerts_name_a_scanner_unit() -> None:
    # generalPrinter alert whose group index happens to be the scanner unit's hrDeviceIndex.
    assert codes(status(TRAY_2, SCANNER, alert(8, group=5, group_index=4))) == [("jam", "location:0")]


def test_every_alert_is_read_after_a_scanner_or_feeder_one() -> None:
    feeder = {f"{INPUTS}.10.1.3": 10, f"{INPUTS}.9.1.3": 50, f"{INPUTS}.13.1.3": b"Document Feeder"}
    got = codes(status(TRAY_2, SCANNER, alert(8, group=4, group_index=4, row="1.1"), alert(3, row="1.2")))
    assert got == [("adf_jam", None), ("door_open", None)]
    got = codes(status(TRAY_2, feeder, alert(8, group=8, group_index=3, row="1.1"), alert(1101, row="1.2")))
    assert got == [("adf_jam", "1.3"), ("toner_empty", None)]


def test_an_adf_cover_explains_the_door_bit() -> None:
    got = codes(status(TRAY_2, SCANNER, alert(3, group=4, group_index=4), {ERROR_STATE: b"\x08"}))
    assert got == [("adf_open", None)]


def test_every_bit_is_read_after_a_skipped_one() -> None:
    # jammed (explained by the alert) then offline; lowPaper (trays say more) then lowToner.
    got = codes(status(TRAY_2, alert(8, group=8, group_index=2), {ERROR_STATE: b"\x06"}))
    assert got == [("jam", "1.2"), ("offline", None)]
    assert codes(status(TRAY_2, {ERROR_STATE: b"\xa0"})) == [("toner_low", None)]


def test_the_same_alert_twice_is_one_reason() -> None:
    assert codes(status(TRAY_2, alert(1101, row="1.1"), alert(1101, row="1.2"))) == [("toner_empty", None)]


def test_a_scanner_unit_down_names_its_unit() -> None:
    got = printer_reasons(status(TRAY_2, {**SCANNER, f"{HR_DEVICE}.5.4": 5}), OPTIONS)
    assert [(r.code, r.subject, r.label) for r in got] == [
        ("scanner_unit_down", "4", "Scanner en erreur (Scanner Unit)")
    ]


def test_scanner_cover_open() -> None:
    for adf in ("ScannerAdfCoverOpen", "ScannerAdfHatchOpen"):
        got = derive(ScannerStatus(scanner_state="Idle", adf_state=adf), reachable=True, consecutive_failures=0,
                     options=OPTIONS)  # fmt: skip
        assert [r.code for r in got.reasons] == ["adf_open"]
    idle = derive(
        ScannerStatus(scanner_state="Idle"), reachable=True, consecutive_failures=0, options=OPTIONS
    )
    assert (idle.state, idle.reasons) == ("ok", ())


def test_a_waste_box_almost_full_without_a_percentage() -> None:
    # A status from another agent: almost full, but no fill percentage given.
    box = Supply(index="1.9", description="Waste", type="wasteToner", supply_class="receptacle", unit="percent",
                 raw_level=None, raw_max=None, percent=None, receptacle=True, state="almost_full")  # fmt: skip
    got = printer_reasons(replace(status(TRAY_2), supplies=(box,)), OPTIONS)
    assert [(r.code, r.label) for r in got] == [("waste_almost_full", "Bac de toner usagé presque plein")]


def test_labels_are_cut_to_the_contract_bounds() -> None:
    long = reason("scanner_unit_down", "4", part="x" * 400)
    assert len(long.label) == 256
    many = [r(f"c{i}", "down", label="Détail " + "y" * 250) for i in range(3)]
    assert len(label_fr("down", many)) == 512


def test_a_function_without_a_french_name_keeps_its_own() -> None:
    got = combine([r("x", "down", ("fax",), "Bourrage")], ("print", "fax"))
    assert got.label == "fax hors service : bourrage"


def test_combine_without_offered_functions() -> None:
    got = combine([r("a", "degraded", label="Toner bas")])
    assert (got.state, got.functions, got.label) == ("degraded", (), "en service, à surveiller : toner bas")


def test_derive_keeps_the_offered_functions() -> None:
    down = derive(
        status(TRAY_2), reachable=False, consecutive_failures=3, options=OPTIONS, offered=("print", "scan")
    )
    assert [(f.function, f.state) for f in down.functions] == [("print", "down"), ("scan", "down")]
    never = derive(None, reachable=True, consecutive_failures=0, options=OPTIONS)
    assert (never.state, never.reasons, never.label) == ("unknown", (), "état inconnu")


def test_an_incomplete_reading_is_unknown() -> None:
    cut = replace(status(TRAY_2, alert(1101)), incomplete=True)
    got = derive(cut, reachable=True, consecutive_failures=0, options=OPTIONS, offered=("print", "scan"))
    assert (got.state, got.reasons, got.label) == ("unknown", (), "état inconnu : lecture incomplète")
    assert [(f.function, f.state) for f in got.functions] == [("print", "unknown"), ("scan", "unknown")]


# --------------------------------------------------------------------------- functions named by a site's names


def test_a_scanner_keeps_the_offered_functions() -> None:
    jam = derive(ScannerStatus(scanner_state="Idle", adf_state="ScannerAdfJam"), reachable=True,
                 consecutive_failures=0, options=OPTIONS, offered=("scan",))  # fmt: skip
    assert [(f.function, f.state) for f in jam.functions] == [("scan", "down")]


@pytest.mark.parametrize(
    ("function", "names", "label"),
    [
        ("print", None, "impression"),
        ("wifi_logging", None, "journal des connexions wifi"),
        ("site_caf", None, "site caf"),  # not in the French table: its own name, words apart
        ("site_caf", {"site_caf": "site www.caf.fr"}, "site www.caf.fr"),
        ("print", {"site_caf": "site www.caf.fr"}, "impression"),  # names only word what they list
    ],
)
def test_function_labels(function: str, names: dict[str, str] | None, label: str) -> None:
    assert function_label(function, names) == label


SITES = {f"site_{k}": f"site {k}.fr" for k in "abcde"}


@pytest.mark.parametrize(
    ("down", "label"),
    [
        ("a", "site a.fr hors service"),
        ("ab", "site a.fr et site b.fr hors service"),
        ("abc", "site a.fr, site b.fr et site c.fr hors service"),
        ("abcd", "site a.fr, site b.fr et 2 autres hors service"),  # more than three: two, then a count
        ("abcde", "site a.fr, site b.fr et 3 autres hors service"),
    ],
)
def test_labels_of_several_functions_down(down: str, label: str) -> None:
    functions = [FunctionState(function=f"site_{k}", state="down" if k in down else "ok") for k in "abcde"]
    assert label_fr("degraded", [], functions, SITES) == label


def test_a_reason_names_at_most_48_functions() -> None:
    many = reason("jam", functions=[f"f{i}" for i in range(60)])
    assert many.functions == tuple(f"f{i}" for i in range(48))
    assert reason("jam").functions == ("print",)
