"""The real printer recordings, and modified copies of them for states the recordings do not show.

Each helper takes a recording's text and returns a new one, lines sorted by OID as snmpsim
expects. Tag numbers as in ``.snmprec``: 2 INTEGER, 4 OCTET STRING, 4x hex, 66 Gauge32.
"""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "printers"
RECORDINGS = sorted(p.stem for p in DATA.glob("*.snmprec"))

ALERT = "1.3.6.1.2.1.43.18.1.1"
SUPPLY_LEVEL = "1.3.6.1.2.1.43.11.1.1.9"
SUPPLY_MAX = "1.3.6.1.2.1.43.11.1.1.8"
INPUT_LEVEL = "1.3.6.1.2.1.43.8.2.1.10"
ERROR_STATE = "1.3.6.1.2.1.25.3.5.1.2.1"


def recording(name: str) -> str:
    """Return the text of one real recording."""
    return (DATA / f"{name}.snmprec").read_text()


def _key(oid: str) -> tuple[int, ...]:
    return tuple(int(p) for p in oid.split("."))


def patch(text: str, values: dict[str, tuple[str, str]], *, drop_prefixes: tuple[str, ...] = ()) -> str:
    """Return ``text`` with ``{oid: (tag, value)}`` set and OIDs under ``drop_prefixes`` removed."""
    records: dict[str, str] = {}
    for line in text.splitlines():
        if "|" in line:
            oid = line.split("|", 1)[0]
            if not any(oid == p or oid.startswith(p + ".") for p in drop_prefixes):
                records[oid] = line
    for oid, (tag, value) in values.items():
        records[oid] = f"{oid}|{tag}|{value}"
    return "\n".join(records[oid] for oid in sorted(records, key=_key)) + "\n"


def alert_rows(
    index: int, *, code: int, group: int, group_index: int, location: int, description: str
) -> dict[str, tuple[str, str]]:
    """Return the prtAlertTable cells of one active alert (device 1)."""
    row = f"1.{index}"
    return {
        f"{ALERT}.2.{row}": ("2", "3"),  # critical
        f"{ALERT}.3.{row}": ("2", "4"),  # training level: fieldService
        f"{ALERT}.4.{row}": ("2", str(group)),
        f"{ALERT}.5.{row}": ("2", str(group_index)),
        f"{ALERT}.6.{row}": ("2", str(location)),
        f"{ALERT}.7.{row}": ("2", str(code)),
        f"{ALERT}.8.{row}": ("4", description),
    }


def jammed(text: str) -> str:
    """A paper jam in tray 2 (alert code 8, group input, location 4) plus the jammed bit."""
    cells = alert_rows(1, code=8, group=8, group_index=2, location=4, description="Paper jam")
    return patch(text, {**cells, ERROR_STATE: ("4x", "04")})


def door_open(text: str) -> str:
    """The front cover open: alert coverOpen and the doorOpen bit."""
    cells = alert_rows(1, code=3, group=6, group_index=1, location=0, description="Front cover open")
    return patch(text, {**cells, ERROR_STATE: ("4x", "08")})


def no_paper(text: str, trays: list[str]) -> str:
    """Every listed tray at level 0."""
    return patch(text, {f"{INPUT_LEVEL}.{t}": ("2", "0") for t in trays})


def supply_level(text: str, supply: str, level: int, maximum: int | None = None) -> str:
    """One supply at a given raw level (and max)."""
    values = {f"{SUPPLY_LEVEL}.{supply}": ("2", str(level))}
    if maximum is not None:
        values[f"{SUPPLY_MAX}.{supply}"] = ("2", str(maximum))
    return patch(text, values)
