"""Pure state derivation: a printer's status → ``ok`` / ``degraded`` / ``down`` / ``unknown``.

Every non-``ok`` state carries reasons: a machine-readable code, the part concerned, and a
French label in the words of GLOSSAIRE.md. Rules (DESIGN.md §4 and §9):

* jams come from prtAlertTable (code 8, with the tray when the alert names one) first; the
  ``jammed`` bit of hrPrinterDetectedErrorState is a hint used when no alert says so;
* "low" only from a real percentage or from the printer's own alert/error bit, never from -3;
* "no paper" means no usable tray has paper; manual/bypass trays are left out;
* a receptacle that fills up (waste toner) is full when no space remains;
* unreachable only after N consecutive failed polls (the caller counts them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.messages import DeviceState, PaperInput, PrinterStatus, Reason, ScannerStatus, Supply

#: French names of colorants (GLOSSAIRE.md).
COLOURS_FR = {"black": "noir", "cyan": "cyan", "magenta": "magenta", "yellow": "jaune"}
#: French labels of the states (GLOSSAIRE.md).
STATE_LABELS_FR: dict[str, str] = {
    "ok": "en service",
    "degraded": "en service, à surveiller",
    "down": "hors service",
    "unknown": "état inconnu",
}
#: Which state each reason code implies.
REASON_SEVERITY: dict[str, DeviceState] = {
    "unreachable": "down",
    "jam": "down",
    "door_open": "down",
    "no_paper": "down",
    "toner_empty": "down",
    "waste_full": "down",
    "supply_missing": "down",
    "output_full": "down",
    "offline": "down",
    "device_error": "down",
    "scanner_down": "down",
    "adf_jam": "down",
    "toner_low": "degraded",
    "waste_almost_full": "degraded",
    "paper_low": "degraded",
    "tray_empty": "degraded",
    "tray_missing": "degraded",
    "output_almost_full": "degraded",
    "service_requested": "degraded",
    "scanner_unit_down": "degraded",
}
_ORDER: dict[DeviceState, int] = {"ok": 0, "unknown": 1, "degraded": 2, "down": 3}

JAM_CODES = frozenset({8})
PAPER_EMPTY_CODES = frozenset({808})
#: prtAlertCode → (reason, French label) for the alerts that need no tray lookup.
_ALERT_REASONS: dict[int, tuple[str, str]] = {
    **dict.fromkeys((3, 5, 501), ("door_open", "Capot ouvert")),
    **dict.fromkeys((1101, 1102, 1103), ("toner_empty", "Toner vide (signalé par l'imprimante)")),
    **dict.fromkeys((1104, 1105, 1106), ("toner_low", "Toner presque vide (signalé par l'imprimante)")),
    **dict.fromkeys((1107, 1108), ("waste_almost_full", "Bac de toner usagé presque plein")),
    **dict.fromkeys((1109, 1110), ("waste_full", "Bac de toner usagé plein")),
    1115: ("supply_missing", "Cartouche de toner absente"),
    **dict.fromkeys((903, 1303), ("output_full", "Bac de sortie plein")),
    **dict.fromkeys((902, 1302), ("output_almost_full", "Bac de sortie presque plein")),
    807: ("paper_low", "Papier presque vide (signalé par l'imprimante)"),
}


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


def _supply_noun(supply: Supply) -> str:
    ink = "ink" in supply.type.lower() or "encre" in supply.description.lower()
    noun = "encre" if ink else "toner"
    colour = COLOURS_FR.get(supply.colour or "")
    return f"{noun} {colour}" if colour else noun


def _percent_fr(value: float) -> str:
    text = f"{value:.0f}" if value == int(value) else f"{value:.1f}".replace(".", ",")
    return f"{text}\u202f%"


def _reason(code: str, label: str, subject: str | None = None) -> Reason:
    severity = "down" if REASON_SEVERITY.get(code, "degraded") == "down" else "degraded"
    return Reason(code=code, label=label, subject=subject, severity=severity)


def _supply_reasons(status: PrinterStatus) -> list[Reason]:
    reasons = []
    for supply in status.supplies:
        if supply.marking:
            noun = _supply_noun(supply)
            if supply.state == "empty":
                reasons.append(_reason("toner_empty", f"{noun.capitalize()} vide", supply.index))
            elif supply.state == "low" and supply.percent is not None:
                label = f"{noun.capitalize()} presque vide ({_percent_fr(supply.percent)})"
                reasons.append(_reason("toner_low", label, supply.index))
        elif supply.receptacle:
            if supply.state == "full":
                reasons.append(_reason("waste_full", "Bac de toner usagé plein", supply.index))
            elif supply.state == "almost_full":
                reasons.append(_reason("waste_almost_full", "Bac de toner usagé presque plein", supply.index))
    return reasons


_TRAY_NUMBER = re.compile(r"^(?:tray|bac|magasin|cassette|drawer)\s*(\d+)$", re.IGNORECASE)


def _tray_label(tray: PaperInput) -> str:
    """Return the tray's name in French: « bac 2 », or « bac « Roll Unit 1 » »."""
    numbered = _TRAY_NUMBER.match(tray.name.strip())
    return f"bac {numbered.group(1)}" if numbered else f"bac « {tray.name} »"


def _paper_reasons(status: PrinterStatus) -> list[Reason]:
    usable = [t for t in status.inputs if not t.manual]
    if not usable:
        return []
    reasons = []
    with_paper = [t for t in usable if t.state in ("ok", "low", "some_remaining", "unknown", "other")]
    if not with_paper:
        reasons.append(_reason("no_paper", "Plus de papier dans aucun bac"))
        return reasons
    for tray in usable:
        if tray.state == "empty":
            reasons.append(_reason("tray_empty", f"Papier : {_tray_label(tray)} vide", tray.index))
        elif tray.state == "low" and tray.percent is not None:
            label = f"Papier presque vide : {_tray_label(tray)} ({_percent_fr(tray.percent)})"
            reasons.append(_reason("paper_low", label, tray.index))
    return reasons


def _tray_for_alert(status: PrinterStatus, group: str, group_index: int | None) -> PaperInput | None:
    if group != "input" or group_index is None:
        return None
    for tray in status.inputs:
        if tray.index.split(".")[-1] == str(group_index):
            return tray
    return None


def _alert_reasons(status: PrinterStatus) -> list[Reason]:
    reasons = []
    for alert in status.alerts:
        code = alert.code
        if code in JAM_CODES:
            tray = _tray_for_alert(status, alert.group, alert.group_index)
            where = f" dans le {_tray_label(tray)}" if tray else ""
            if not tray and alert.location is not None and alert.location > 0:
                where = f" (emplacement {alert.location})"
            # The tray's table index ("1.2") when the alert names a tray, else the printer's location code.
            subject = (
                tray.index if tray else (f"location:{alert.location}" if alert.location is not None else None)
            )
            reasons.append(_reason("jam", f"Bourrage papier{where}", subject))
        elif code in PAPER_EMPTY_CODES:
            tray = _tray_for_alert(status, alert.group, alert.group_index)
            label = f"Papier : {_tray_label(tray)} vide" if tray else "Un bac à papier est vide"
            reasons.append(_reason("tray_empty", label, tray.index if tray else None))
        elif code in _ALERT_REASONS:
            reasons.append(_reason(*_ALERT_REASONS[code]))
    return reasons


# hrPrinterDetectedErrorState bit → reason, used only when nothing more precise says the same.
_ERROR_BIT_REASONS: dict[str, tuple[str, str]] = {
    "jammed": ("jam", "Bourrage papier"),
    "doorOpen": ("door_open", "Capot ouvert"),
    "noToner": ("toner_empty", "Toner vide (signalé par l'imprimante)"),
    "lowToner": ("toner_low", "Toner presque vide (signalé par l'imprimante)"),
    "offline": ("offline", "Imprimante hors ligne"),
    "serviceRequested": ("service_requested", "Intervention technique demandée"),
    "markerSupplyMissing": ("supply_missing", "Cartouche de toner absente"),
    "inputTrayMissing": ("tray_missing", "Un bac à papier est retiré"),
    "outputFull": ("output_full", "Bac de sortie plein"),
    "outputNearFull": ("output_almost_full", "Bac de sortie presque plein"),
    "noPaper": ("no_paper", "Plus de papier"),
    "lowPaper": ("paper_low", "Papier presque vide (signalé par l'imprimante)"),
}
_PAPER_CODES = frozenset({"no_paper", "paper_low", "tray_empty"})


def printer_reasons(status: PrinterStatus, options: StateOptions) -> list[Reason]:
    """Return every reason found in one printer status, most specific first."""
    reasons = _alert_reasons(status) + _supply_reasons(status) + _paper_reasons(status)
    codes = {r.code for r in reasons}
    # Paper bits are hints only when the printer gives no tray table to judge from (lesson 4).
    has_trays = any(not t.manual for t in status.inputs)
    for bit in status.errors:
        if bit not in _ERROR_BIT_REASONS:
            continue
        code, label = _ERROR_BIT_REASONS[bit]
        if code in codes or (code in _PAPER_CODES and has_trays):
            continue
        reasons.append(_reason(code, label))
        codes.add(code)
    if status.device_status == "down" and "device_error" not in codes:
        reasons.append(_reason("device_error", "Imprimante en erreur"))
    for unit in status.scanner_units:
        if unit.status == "down":
            reasons.append(
                _reason("scanner_unit_down", f"Scanner en erreur ({unit.description})", unit.index)
            )
    if not options.paper_alerts:
        reasons = [r for r in reasons if r.code not in _PAPER_CODES]
    return _dedupe(reasons)


def _dedupe(reasons: list[Reason]) -> list[Reason]:
    seen: set[tuple[str, str | None, str]] = set()
    out = []
    for reason in reasons:
        key = (reason.code, reason.subject, reason.label)
        if key not in seen:
            seen.add(key)
            out.append(reason)
    return out


def scanner_reasons(status: ScannerStatus) -> list[Reason]:
    """Return the reasons of an eSCL scanner."""
    reasons = []
    if status.scanner_state in ("Stopped", "Down"):
        reasons.append(_reason("scanner_down", "Scanner arrêté ou en erreur"))
    adf = status.adf_state or ""
    if "Jam" in adf:
        reasons.append(_reason("adf_jam", "Bourrage dans le chargeur de documents"))
    elif adf in ("ScannerAdfHatchOpen", "ScannerAdfCoverOpen"):
        reasons.append(_reason("door_open", "Capot du chargeur de documents ouvert"))
    return reasons


def combine(reasons: list[Reason] | tuple[Reason, ...]) -> Derived:
    """Return the state implied by a list of reasons, with its French label."""
    state: DeviceState = "ok"
    for reason in reasons:
        candidate = REASON_SEVERITY.get(reason.code, "degraded")
        if _ORDER[candidate] > _ORDER[state]:
            state = candidate
    return Derived(state, tuple(reasons), label_fr(state, reasons))


def label_fr(state: DeviceState, reasons: list[Reason] | tuple[Reason, ...]) -> str:
    """Return e.g. « hors service : bourrage papier dans le bac 2 »."""
    base = STATE_LABELS_FR[state]
    if not reasons:
        return base
    worst = [r for r in reasons if REASON_SEVERITY.get(r.code, "degraded") == state] or list(reasons)
    details = "; ".join(r.label[0].lower() + r.label[1:] for r in worst[:3])
    return f"{base} : {details}"


def derive(
    status: PrinterStatus | ScannerStatus | None,
    *,
    reachable: bool,
    consecutive_failures: int,
    options: StateOptions,
) -> Derived:
    """Derive a device's state from its last good status and the current poll outcome.

    Args:
        status: the last successfully read status (``None`` if never read).
        reachable: whether the current poll answered.
        consecutive_failures: failed polls in a row, the current one included.
        options: the agent's choices.
    """
    if not reachable and consecutive_failures >= options.unreachable_after:
        reason = _reason("unreachable", "Injoignable : l'appareil ne répond plus")
        return Derived("down", (reason,), label_fr("down", [reason]))
    if status is None:
        return Derived("unknown", (), STATE_LABELS_FR["unknown"])
    if isinstance(status, ScannerStatus):
        return combine(scanner_reasons(status))
    return combine(printer_reasons(status, options))
