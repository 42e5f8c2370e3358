"""Small per-vendor overrides, chosen by sysObjectID prefix (docs/design.md §9, lesson 3).

An override replaces generic steps of the parser (``agent/printers/parse.py`` applies each hook
in one place) and may name private columns the poller walks for that family only
(``columns``; ``agent/printers/poller.py`` reads them from the override of the device's
sysObjectID). Add a row to ``OVERRIDES`` with the enterprise prefix and a recording in
``tests/data`` (or a test-made copy of one) that shows why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from agent.printers import mib
from agent.printers.parse import Raw, RawValue, SupplyRow, VendorLevel, clean_text, colour_from_description


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


#: Ricoh's private toner level that means "almost empty" (no number).
RICOH_ALMOST_EMPTY = -100


def ricoh_supply_levels(raw: Raw, rows: Sequence[SupplyRow]) -> dict[str, VendorLevel]:
    """Take Ricoh's private toner levels where the standard table has no number (LibreNMS issue 4177).

    Some Ricoh models answer -3 ("some remaining") in prtMarkerSuppliesLevel and keep the real
    percentage in ricohEngTonerTable (``mib.RICOH_TONER_LEVEL``, named by ``mib.RICOH_TONER_NAME``;
    -100 there means "almost empty"). A private row is matched to a toner by its name, else by
    its colour when exactly one toner has it — never by index (the private table counts toners
    only; the standard one has the waste box among them). A standard level that is a real number
    is kept: the private table only fills the gaps.

    Worked example (a Ricoh answering -3 for its black toner ``1.1``)::

        367.3.2.1.2.24.1.1.2.1 = "Black Toner", 367.3.2.1.2.24.1.1.5.1 = 30
        -> supply 1.1: raw_level 30, raw_max 100, percent 30.0
    """
    names = _column(raw, mib.RICOH_TONER_NAME)
    levels = _column(raw, mib.RICOH_TONER_LEVEL)
    private: dict[str, tuple[str, int]] = {}
    for index, value in levels.items():
        name = names.get(index)
        text = clean_text(name) if isinstance(name, bytes | str) else None
        if isinstance(value, int) and not isinstance(value, bool) and text:
            private[index] = (text, value)
    toners = [row for row in rows if row.marking and (row.level is None or row.level < 0)]
    out: dict[str, VendorLevel] = {}
    for row in toners:
        match = [v for n, v in private.values() if n.casefold() == row.description.casefold()]
        if not match and row.colour is not None:
            same_colour = [row2 for row2 in rows if row2.marking and row2.colour == row.colour]
            match = [v for n, v in private.values() if colour_from_description(n) == row.colour]
            match = match if len(same_colour) == 1 else []
        if len(match) != 1:
            continue
        value = match[0]
        if 0 <= value <= 100:
            out[row.index] = VendorLevel(value, 100)
        elif value == RICOH_ALMOST_EMPTY:
            out[row.index] = VendorLevel(row.level, row.maximum, almost_empty=True, precision="coarse")
    return out


def _column(raw: Raw, oid: str) -> dict[str, RawValue]:
    prefix = oid + "."
    return {k[len(prefix) :]: v for k, v in raw.items() if k.startswith(prefix)}


@dataclass(frozen=True)
class VendorOverride:
    """What differs for one family of devices; ``None`` hooks keep the generic step."""

    name: str
    #: Decode a raw prtMarkerSuppliesDescription.
    supply_description: Callable[[RawValue], str | None] | None = None
    #: Supply levels read from private columns: ``{supply index: level}`` for the rows it replaces.
    supply_levels: Callable[[Raw, Sequence[SupplyRow]], Mapping[str, VendorLevel]] | None = None
    #: The family reports its toner/ink levels in a few steps only: their precision is ``coarse``.
    level_steps: bool = False
    #: Private columns the poller walks for this family only (what the hooks above read).
    columns: tuple[str, ...] = ()


#: sysObjectID prefix → override. Longest prefix wins.
OVERRIDES: dict[str, VendorOverride] = {
    "1.3.6.1.4.1.11.": VendorOverride("hp", supply_description=hp_supply_description),
    "1.3.6.1.4.1.367.": VendorOverride(
        "ricoh",
        supply_levels=ricoh_supply_levels,
        columns=(mib.RICOH_TONER_NAME, mib.RICOH_TONER_LEVEL),
    ),
    # Canon documents prtMarkerSuppliesLevel as three steps (100/10/1) on its MF series and 0/100
    # on LBP models (LibreNMS issue 5637); the TM-5300 recording reports its inks in 10 % steps.
    "1.3.6.1.4.1.1602.": VendorOverride("canon", level_steps=True),
}


def override_for(sys_object_id: RawValue | None) -> VendorOverride | None:
    """Return the override for a device, if any."""
    if not isinstance(sys_object_id, str):
        return None
    matches = [prefix for prefix in OVERRIDES if sys_object_id.startswith(prefix)]
    return OVERRIDES[max(matches, key=len)] if matches else None


def vendor_columns(sys_object_id: RawValue | None) -> tuple[str, ...]:
    """Return the private columns to walk for a device, from its sysObjectID (none for most)."""
    override = override_for(sys_object_id)
    return override.columns if override is not None else ()
