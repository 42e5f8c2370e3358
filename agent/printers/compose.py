"""Composition of a printer's status: the vendor override is chosen once and applied by the parser.

The only place that puts together ``vendors`` (which family is this device?), ``parse`` (varbinds
→ :class:`~agent.contract.messages.PrinterStatus`) and the thresholds; the devices thread and
``esc-agent printer probe`` both call :func:`printer_status`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from agent.contract.messages import PrinterStatus
from agent.printers import mib
from agent.printers.parse import RawValue, Thresholds, parse_printer
from agent.printers.vendors import VendorOverride, override_for


@dataclass(frozen=True, slots=True)
class PrinterReading:
    """A parsed status and the vendor override that shaped it."""

    status: PrinterStatus
    vendor: VendorOverride | None


def read_printer(raw: Mapping[str, RawValue], thresholds: Thresholds) -> PrinterReading:
    """Parse a printer's varbinds with its vendor override, if one applies."""
    vendor = override_for(raw.get(mib.SYS_OBJECT_ID))
    return PrinterReading(parse_printer(raw, thresholds=thresholds, vendor=vendor), vendor)


def printer_status(raw: Mapping[str, RawValue], thresholds: Thresholds) -> PrinterStatus:
    """Return the parsed status of a printer's varbinds."""
    return read_printer(raw, thresholds).status
