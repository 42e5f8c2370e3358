"""Read snmpsim ``.snmprec`` recordings (``OID|TAG|VALUE``) into the parser's raw mapping.

Tags: ``2`` INTEGER, ``4`` OCTET STRING, ``4x`` the same hex-encoded, ``6`` OID, ``64``
IpAddress, ``65`` Counter32, ``66`` Gauge32, ``67`` TimeTicks, ``70`` Counter64. ``5`` (Null) and
a value its tag cannot hold (OKI's Counter32 ``6git3159``, which snmpsim cannot serve either) are
left out, as a device that does not answer that OID.
"""

from __future__ import annotations

from pathlib import Path

from agent.printers.parse import RawValue

_INTEGER_TAGS = {"2", "65", "66", "67", "70"}


def parse_snmprec(text: str) -> dict[str, RawValue]:
    """Return ``{OID: value}`` for every line of a recording (variation modules are skipped)."""
    raw: dict[str, RawValue] = {}
    for line in text.splitlines():
        parts = line.split("|", 2)
        if len(parts) != 3 or ":" in parts[1]:
            continue
        oid, tag, value = parts
        try:
            if tag in _INTEGER_TAGS:
                raw[oid] = int(value)
            elif tag == "4":
                raw[oid] = value.encode("utf-8")
            elif tag == "4x":
                raw[oid] = bytes.fromhex(value)
            elif tag in ("6", "64"):
                raw[oid] = value
        except ValueError:
            continue
    return raw


def load_snmprec(path: Path) -> dict[str, RawValue]:
    """Read one recording file."""
    return parse_snmprec(path.read_text(encoding="utf-8", errors="replace"))
