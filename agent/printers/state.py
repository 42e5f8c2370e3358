"""Pure state derivation: a device's status → reasons → per-function states and an overall state.

Reasons are codes of :mod:`agent.contract.reasons` (which says their severity and the functions
they affect) with the part concerned (``subject``: a supply or tray index) and a French label.
Rules (docs/design.md §4, §9; ``docs/design.md``):

* jams come from prtAlertTable (code 8, with the tray when the alert names one) first; the
  ``jammed`` bit of hrPrinterDetectedErrorState is a hint used when no alert says so; a jam in
  the document feeder stops scanning, not printing;
* "low" only from a real percentage or from the printer's own alert/error bit (or a vendor's
  own "almost empty"), never from -3;
* a cartridge empty while another of its colour still gives toner (two black bottles) does not
  stop printing: ``toner_empty_spare``, degraded;
* an alert on a scanner unit or the document feeder (prtAlertGroup hostResourcesMIBDeviceTable,
  its hrDeviceIndex) is the scanner's: a jam there is ``adf_jam``, a cover ``adf_open``;
* "no paper" means no usable tray has paper; manual/bypass trays are left out;
* a receptacle that fills up (waste toner) is full when no space remains;
* unreachable only after N consecutive failed polls (the caller counts them);
* each function the device offers (``print``; ``scan`` for an MFP with a scanner unit or a
  network scanner) gets its own state from the reasons that affect it; the device as a whole
  is ``down`` when every function is down, ``degraded`` when one is down or degraded.

Those last rules (``reason``, ``function_states``, ``overall``, ``label_fr``, ``combine``,
``unknown``) are every device's: the network devices (:mod:`agent.network.state`) and the link
probes (:mod:`agent.probes.judge`) judge with them too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypedDict

from agent.contract import french
from agent.contract.messages import (
    DeviceState,
    FunctionState,
    PaperInput,
    PrinterStatus,
    Reason,
    ScannerStatus,
    Supply,
)
from agent.contract.reasons import ALL, PRINT, SCAN, describe

_ORDER: dict[DeviceState, int] = {"ok": 0, "unknown": 1, "degraded": 2, "down": 3}

JAM_CODES = frozenset({8})
PAPER_EMPTY_CODES = frozenset({808})
#: prtAlertCode → reason code, for the alerts that need no tray lookup.
ALERT_REASONS: dict[int, str] = {
    **dict.fromkeys((3, 5, 501), "door_open"),
    **dict.fromkeys((1101, 1102, 1103), "toner_empty"),
    **dict.fromkeys((1104, 1105, 1106), "toner_low"),
    **dict.fromkeys((1107, 1108), "waste_almost_full"),
    **dict.fromkeys((1109, 1110), "waste_full"),
    1115: "supply_missing",
    **dict.fromkeys((903, 1303), "output_full"),
    **dict.fromkeys((902, 1302), "output_almost_full"),
    807: "paper_low",
}
#: hrPrinterDetectedErrorState bit → reason code, used only when nothing more precise says the same.
ERROR_BIT_REASONS: dict[str, str] = {
    "jammed": "jam",
    "doorOpen": "door_open",
    "noToner": "toner_empty",
    "lowToner": "toner_low",
    "offline": "offline",
    "serviceRequested": "service_requested",
    "markerSupplyMissing": "supply_missing",
    "inputTrayMissing": "tray_missing",
    "outputFull": "output_full",
    "outputNearFull": "output_almost_full",
    "noPaper": "no_paper",
    "lowPaper": "paper_low",
}
PAPER_CODES = frozenset({"no_paper", "paper_low", "tray_empty"})
#: Paper paths of the document feeder (a jam there stops scanning only).
_FEEDER_NAME = re.compile(r"document feeder|single pass feeder|\badf\b|\bdadf\b|chargeur|originals?", re.I)


@dataclass(frozen=True)
class StateOptions:
    """Per-site choices: some sites switch paper alerts off (lesson 5)."""

    paper_alerts: bool = True
    unreachable_after: int = 3


@dataclass(frozen=True)
class Derived:
    """A device's derived state."""

    state: DeviceState
    reasons: tuple[Reason, ...]
    label: str
    functions: tuple[FunctionState, ...] = ()


def reason(
    code: str, subject: str | None = None, *, functions: Sequence[str] = (), **details: str | None
) -> Reason:
    """Build a reason from its code: severity and functions from the table, the French label from its title.

    ``functions`` names those it affects when fewer than the table's (a network device's ``wifi``,
    one administrative site's function).
    """
    row = describe(code)
    affected = tuple(functions) or (() if ALL in row.functions else tuple(sorted(row.functions)))
    label = french.capitalise(french.render(row.title, details))
    # Details come from the device (a supply's description): keep within the contract's bounds.
    return Reason(
        code=code, label=label[:256], subject=subject, severity=row.severity, functions=affected[:48]
    )


class _SupplyDetails(TypedDict):
    """The fields of a supply's reason title."""

    colour: str | None
    reference: str | None


def _supply_details(supply: Supply) -> _SupplyDetails:
    return {"colour": french.colour(supply.colour) or None, "reference": french.reference(supply.description)}


#: Supply states in which a cartridge still gives toner or ink.
_GIVING = frozenset({"ok", "low", "some_remaining"})


def _supply_reasons(status: PrinterStatus) -> list[Reason]:
    reasons = []
    for supply in status.supplies:
        details = _supply_details(supply)
        if supply.marking:
            # Several cartridges of one colour (a second black bottle): one empty, the next one prints.
            spare = supply.colour is not None and any(
                other.marking and other.colour == supply.colour and other.state in _GIVING
                for other in status.supplies
                if other.index != supply.index
            )
            if supply.state == "empty" and spare:
                reasons.append(reason("toner_empty_spare", supply.index, **details))
            elif supply.state == "empty":
                reasons.append(reason("toner_empty", supply.index, **details))
            elif supply.state == "low":
                percent = french.percent(supply.percent) if supply.percent is not None else None
                reasons.append(reason("toner_low", supply.index, percent=percent, **details))
        elif supply.receptacle:
            if supply.state == "full":
                reasons.append(reason("waste_full", supply.index))
            elif supply.state == "almost_full":
                fill = french.percent(supply.fill_percent) if supply.fill_percent is not None else None
                reasons.append(reason("waste_almost_full", supply.index, percent=fill))
    return reasons


def tray_label(tray: PaperInput) -> str:
    """Return the tray's name in French: « bac 2 », or « bac « Roll Unit 1 » »."""
    return french.tray(tray.name)


def _paper_reasons(status: PrinterStatus) -> list[Reason]:
    usable = [t for t in status.inputs if not t.manual and not _FEEDER_NAME.search(t.name)]
    if not usable:
        return []
    with_paper = [t for t in usable if t.state in ("ok", "low", "some_remaining", "unknown", "other")]
    if not with_paper:
        return [reason("no_paper")]
    reasons = []
    for tray in usable:
        if tray.state == "empty":
            reasons.append(reason("tray_empty", tray.index, tray=tray_label(tray)))
        elif tray.state == "low" and tray.percent is not None:
            reasons.append(
                reason("paper_low", tray.index, tray=tray_label(tray), percent=french.percent(tray.percent))
            )
    return reasons


def _tray_for_alert(status: PrinterStatus, group: str, group_index: int | None) -> PaperInput | None:
    if group != "input" or group_index is None:
        return None
    for tray in status.inputs:
        if tray.index.split(".")[-1] == str(group_index):
            return tray
    return None


def _scanner_unit_for_alert(status: PrinterStatus, group: str, group_index: int | None) -> bool:
    """Whether an alert names a scanner unit or document feeder (RFC 3805: its hrDeviceIndex)."""
    if group != "hostResourcesMIBDeviceTable" or group_index is None:
        return False
    return any(unit.index == str(group_index) for unit in status.scanner_units)


def _alert_reasons(status: PrinterStatus) -> list[Reason]:
    reasons = []
    for alert in status.alerts:
        code = alert.code
        if _scanner_unit_for_alert(status, alert.group, alert.group_index):
            # The scanner's own paper path and covers stop scanning, not printing.
            if code in JAM_CODES:
                reasons.append(reason("adf_jam"))
            elif ALERT_REASONS.get(code) == "door_open":
                reasons.append(reason("adf_open"))
            continue
        if code in JAM_CODES:
            tray = _tray_for_alert(status, alert.group, alert.group_index)
            if tray is not None and _FEEDER_NAME.search(tray.name):
                reasons.append(reason("adf_jam", tray.index))
                continue
            location = (
                str(alert.location)
                if tray is None and alert.location is not None and alert.location > 0
                else None
            )
            # The tray's table index ("1.2") when the alert names a tray, else the printer's location code.
            subject = (
                tray.index if tray else (f"location:{alert.location}" if alert.location is not None else None)
            )
            reasons.append(reason("jam", subject, tray=tray_label(tray) if tray else None, location=location))
        elif code in PAPER_EMPTY_CODES:
            tray = _tray_for_alert(status, alert.group, alert.group_index)
            reasons.append(
                reason("tray_empty", tray.index if tray else None, tray=tray_label(tray) if tray else None)
            )
        elif code in ALERT_REASONS:
            reasons.append(reason(ALERT_REASONS[code]))
    return reasons


def offers_scanning(status: PrinterStatus) -> bool:
    """Return whether the device lists a scanner unit (an MFP): it then offers ``scan``."""
    return bool(status.scanner_units)


def printer_reasons(status: PrinterStatus, options: StateOptions) -> list[Reason]:
    """Return every reason found in one printer status, most specific first."""
    reasons = _alert_reasons(status) + _supply_reasons(status) + _paper_reasons(status)
    codes = {r.code for r in reasons}
    # A jam or an open cover the scanner's alerts explain is not the printer's (the bits do not say where).
    codes |= {"jam"} if "adf_jam" in codes else set()
    codes |= {"door_open"} if "adf_open" in codes else set()
    codes |= {"toner_empty"} if "toner_empty_spare" in codes else set()
    # Paper bits are hints only when the printer gives no tray table to judge from (lesson 4).
    has_trays = any(not t.manual for t in status.inputs)
    for bit in status.errors:
        code = ERROR_BIT_REASONS.get(bit)
        if code is None or code in codes or (code in PAPER_CODES and has_trays):
            continue
        reasons.append(reason(code))
        codes.add(code)
    if status.device_status == "down" and "device_error" not in codes:
        reasons.append(reason("device_error"))
    for unit in status.scanner_units:
        if unit.status == "down":
            reasons.append(reason("scanner_unit_down", unit.index, part=unit.description))
    if not options.paper_alerts:
        reasons = [r for r in reasons if r.code not in PAPER_CODES]
    return _dedupe(reasons)


def _dedupe(reasons: list[Reason]) -> list[Reason]:
    seen: set[tuple[str, str | None, str]] = set()
    out = []
    for item in reasons:
        key = (item.code, item.subject, item.label)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def scanner_reasons(status: ScannerStatus) -> list[Reason]:
    """Return the reasons of an eSCL scanner."""
    reasons = []
    if status.scanner_state in ("Stopped", "Down"):
        reasons.append(reason("scanner_down"))
    adf = status.adf_state or ""
    if "Jam" in adf:
        reasons.append(reason("adf_jam"))
    elif adf in ("ScannerAdfHatchOpen", "ScannerAdfCoverOpen"):
        reasons.append(reason("adf_open"))
    return reasons


def _worst(states: Iterable[DeviceState]) -> DeviceState:
    worst: DeviceState = "ok"
    for state in states:
        if _ORDER[state] > _ORDER[worst]:
            worst = state
    return worst


def _affects(item: Reason, function: str) -> bool:
    return not item.functions or function in item.functions


def function_states(reasons: Sequence[Reason], offered: Sequence[str]) -> tuple[FunctionState, ...]:
    """Return the state of each offered function: the worst severity among the reasons affecting it."""
    return tuple(
        FunctionState(function=f, state=_worst(r.severity for r in reasons if _affects(r, f)))
        for f in offered
    )


def overall(functions: Sequence[FunctionState], reasons: Sequence[Reason]) -> DeviceState:
    """Return the device's state: ``down`` when every function is down, ``degraded`` when one is not ok."""
    if not functions:
        return _worst(r.severity for r in reasons)
    states = [f.state for f in functions]
    if all(s == "down" for s in states):
        return "down"
    if all(s == "unknown" for s in states):
        return "unknown"
    return "degraded" if any(s in ("down", "degraded") for s in states) else "ok"


def function_label(function: str, names: Mapping[str, str] | None = None) -> str:
    """Return the French name of a function (``site_caf`` → the site's name when known)."""
    if names and function in names:
        return names[function]
    return french.FUNCTIONS.get(function, function.replace("_", " "))


def label_fr(
    state: DeviceState,
    reasons: Sequence[Reason],
    functions: Sequence[FunctionState] = (),
    names: Mapping[str, str] | None = None,
) -> str:
    """Return e.g. « hors service : bourrage papier dans le bac 2 » or « impression hors service : toner noir vide ».

    ``names`` words functions the French table does not know (« site www.caf.fr hors service »).
    """
    down = [function_label(f.function, names) for f in functions if f.state == "down"]
    if state != "down" and down:
        if len(down) > 3:
            down = [*down[:2], f"{len(down) - 2} autres"]
        base = f"{', '.join(down[:-1])} et {down[-1]}" if len(down) > 1 else down[0]
        base = f"{base} hors service"
        worst = [r for r in reasons if r.severity == "down"]
    else:
        base = french.STATE_LABELS[state]
        if not reasons:
            return base
        worst = [r for r in reasons if r.severity == state] or list(reasons)
    details = "; ".join(r.label[0].lower() + r.label[1:] for r in worst[:3])
    return (f"{base} : {details}" if details else base)[:512]


def combine(reasons: Sequence[Reason], offered: Sequence[str] = ()) -> Derived:
    """Return the states implied by a list of reasons, with the French label."""
    functions = function_states(reasons, offered)
    state = overall(functions, reasons)
    return Derived(state, tuple(reasons), label_fr(state, reasons, functions), functions)


def unknown(offered: Sequence[str], detail: str | None = None) -> Derived:
    """Return the state of a device not judged (never read, or read in part): every function unknown."""
    label = french.STATE_LABELS["unknown"]
    functions = tuple(FunctionState(function=f, state="unknown") for f in offered)
    return Derived("unknown", (), f"{label} : {detail}" if detail else label, functions)


def derive(
    status: PrinterStatus | ScannerStatus | None,
    *,
    reachable: bool,
    consecutive_failures: int,
    options: StateOptions,
    offered: Sequence[str] | None = None,
) -> Derived:
    """Derive a device's state from its last good status and the current poll outcome.

    Args:
        status: the last successfully read status (``None`` if never read).
        reachable: whether the current poll answered.
        consecutive_failures: failed polls in a row, the current one included.
        options: the agent's choices.
        offered: the functions the device offers; by default ``scan`` for a scanner, ``print``
            (and ``scan`` when it lists a scanner unit) for a printer.
    """
    if offered is None:
        offered = default_functions(status)
    if not reachable and consecutive_failures >= options.unreachable_after:
        return combine([reason("unreachable")], offered)
    if status is None:
        return unknown(offered)
    if isinstance(status, PrinterStatus) and status.incomplete:
        # Tables cut (more rows than the bounds, a walk stopped midway): judging on the part read
        # could say "ok" with a toner empty in the rest. Its problems say what was cut.
        return unknown(offered, "lecture incomplète")
    if isinstance(status, ScannerStatus):
        return combine(scanner_reasons(status), offered)
    return combine(printer_reasons(status, options), offered)


def default_functions(status: PrinterStatus | ScannerStatus | None) -> tuple[str, ...]:
    """Return the functions a device offers when its configuration does not say."""
    if isinstance(status, ScannerStatus):
        return (SCAN,)
    if isinstance(status, PrinterStatus) and offers_scanning(status):
        return (PRINT, SCAN)
    return (PRINT,)
