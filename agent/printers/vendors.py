"""Small per-vendor overrides, chosen by sysObjectID prefix (docs/design.md §9, lesson 3).

An override replaces generic steps of the parser (``agent/printers/parse.py`` applies it, in one
place); add a row to ``OVERRIDES`` with the enterprise prefix and a recording in ``tests/data``
that shows why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agent.printers.parse import RawValue, clean_text


def hp_supply_description(value: RawValue) -> str | None:
    r"""Decode HP JetDirect supply descriptions: 16 ASCII characters, a newline, then a hex dump.

    Worked example from the HP Color LaserJet M880 recording (supply 1.1), as bytes::

        b"Black Cartridge \n38 32 37 41 20 48 50 20 43 46 33 30 30 41 00 "
        -> "Black Cartridge " + bytes.fromhex("38 32 37 41 20 48 50 20 43 46 33 30 30 41 00")
        -> "Black Cartridge 827A HP CF300A"
    """
    if not isinstance(value, bytes) or b"\n" not in value:
        return clean_text(value) if not isinstance(value, int) else None
    head, _, tail = value.partition(b"\n")
    try:
        rest = bytes.fromhex(tail.replace(b"\n", b" ").decode("ascii"))
    except ValueError:
        return clean_text(value)
    return clean_text(head + rest)


@dataclass(frozen=True)
class VendorOverride:
    """What differs for one family of devices; ``None`` hooks keep the generic step."""

    name: str
    #: Decode a raw prtMarkerSuppliesDescription.
    supply_description: Callable[[RawValue], str | None] | None = None


#: sysObjectID prefix → override. Longest prefix wins.
OVERRIDES: dict[str, VendorOverride] = {
    "1.3.6.1.4.1.11.": VendorOverride("hp", supply_description=hp_supply_description),
}


def override_for(sys_object_id: RawValue | None) -> VendorOverride | None:
    """Return the override for a device, if any."""
    if not isinstance(sys_object_id, str):
        return None
    matches = [prefix for prefix in OVERRIDES if sys_object_id.startswith(prefix)]
    return OVERRIDES[max(matches, key=len)] if matches else None
