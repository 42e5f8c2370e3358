"""SNMPv2c codec: encode a GetBulkRequest, decode a Response (pure, no I/O).

A v2c GETBULK and its answer are a handful of BER types: encoded and decoded here directly,
about ten times cheaper than pyasn1's generic codec (most of a poll's CPU), and with no SNMP
engine to configure per device. SNMPv3 (USM keys, privacy) stays with pysnmp's engine
(``agent/printers/poller.py``, the I/O shell that sends what this module encodes).

Whatever the bytes, :func:`decode_response` returns a decoded answer or raises
:class:`DecodeError` (a ``ValueError``), nothing else, in time linear in their length
(``tests/test_snmp_codec.py`` checks it on pysnmp's own encoding, hostile answers and random
bytes).
"""

from __future__ import annotations

from collections.abc import Sequence

from agent.printers.parse import RawValue


class DecodeError(ValueError):
    """A datagram that is not a well-formed SNMPv2c Response (it is then ignored)."""


class End:
    """Marker for ``endOfMibView``, ``noSuchObject`` and ``noSuchInstance``: nothing more here."""

    def __repr__(self) -> str:
        """Show the marker as ``END``."""
        return "END"


#: What a varbind's value becomes: a parser value, ``END``, or ``None`` for a value we cannot use.
END = End()
Value = RawValue | End | None

_TAG_SEQUENCE = 0x30
_TAG_INTEGER = 0x02
_TAG_OCTETS = 0x04
_TAG_OID = 0x06
_TAG_GETBULK = 0xA5
_TAG_RESPONSE = 0xA2
_TAG_IP = 0x40
_TAG_OPAQUE = 0x44
_UNSIGNED_TAGS = frozenset(
    {0x41, 0x42, 0x43, 0x46, 0x47}
)  # Counter32, Gauge32, TimeTicks, Counter64, UInteger32
_END_TAGS = frozenset({0x80, 0x81, 0x82})  # noSuchObject, noSuchInstance, endOfMibView
#: Longest OID sub-identifier read, in bytes (RFC 2578 bounds them to 2^32-1: 5 bytes). Past it
#: the answer is refused: a long arc costs time quadratic in its length (0.4 s of CPU for one
#: 60 kB datagram), and Python refuses to print an integer of more than 4,300 digits.
_MAX_ARC_BYTES = 10
#: RFC 3416's error-status names, for logs.
_ERROR_NAMES = (
    "noError", "tooBig", "noSuchName", "badValue", "readOnly", "genErr", "noAccess", "wrongType",
    "wrongLength", "wrongEncoding", "wrongValue", "noCreation", "inconsistentValue",
    "resourceUnavailable", "commitFailed", "undoFailed", "authorizationError", "notWritable",
    "inconsistentName",
)  # fmt: skip


class ErrorStatus(int):
    """An answer's error-status, printable by name as pysnmp's is."""

    def prettyPrint(self) -> str:  # noqa: N802 (pysnmp's name: the v3 path returns pysnmp's status)
        """Return the status's RFC 3416 name (or its number, for one RFC 3416 does not name)."""
        return _ERROR_NAMES[self] if 0 <= self < len(_ERROR_NAMES) else f"error-status {int(self)}"


def _ber_length(length: int) -> bytes:
    """Encode a BER length (short form below 128, else long form, minimal)."""
    if length < 0x80:
        return bytes((length,))
    size = (length.bit_length() + 7) // 8
    return bytes((0x80 | size,)) + length.to_bytes(size, "big")


def _ber(tag: int, content: bytes) -> bytes:
    """Encode a TLV."""
    return bytes((tag,)) + _ber_length(len(content)) + content


def _ber_uint(value: int) -> bytes:
    """Encode a non-negative INTEGER (request-id, non-repeaters, max-repetitions)."""
    return _ber(_TAG_INTEGER, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _ber_oid(oid: str) -> bytes:
    """Encode an OBJECT IDENTIFIER from its dotted text.

    Raises:
        ValueError: when ``oid`` is not a valid OID.
    """
    arcs = [int(arc) for arc in oid.split(".")]
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] >= 40) or min(arcs) < 0:
        raise ValueError(f"not an OID: {oid!r}")
    out = bytearray()
    for arc in (arcs[0] * 40 + arcs[1], *arcs[2:]):
        if arc < 0x80:
            out.append(arc)
            continue
        chunk = [arc & 0x7F]
        rest = arc >> 7
        while rest:
            chunk.append(0x80 | (rest & 0x7F))
            rest >>= 7
        out += bytes(reversed(chunk))
    return _ber(_TAG_OID, bytes(out))


def encode_getbulk(
    community: bytes, request_id: int, non_repeaters: int, max_repetitions: int, oids: Sequence[str]
) -> bytes:
    """Encode an SNMPv2c GetBulkRequest message.

    Args:
        community: the community string.
        request_id: the PDU's request-id (0 to 2^31-1).
        non_repeaters: how many of ``oids``, first, are asked once each.
        max_repetitions: how many successors of each other OID are asked.
        oids: the varbind names (dotted text), each sent with a NULL value.

    Returns:
        The message, as pysnmp would encode it, byte for byte.

    Raises:
        ValueError: when an OID is not valid.
    """
    varbinds = b"".join(_ber(_TAG_SEQUENCE, _ber_oid(oid) + b"\x05\x00") for oid in oids)
    pdu = (
        _ber_uint(request_id)
        + _ber_uint(non_repeaters)
        + _ber_uint(max_repetitions)
        + _ber(_TAG_SEQUENCE, varbinds)
    )
    return _ber(_TAG_SEQUENCE, b"\x02\x01\x01" + _ber(_TAG_OCTETS, community) + _ber(_TAG_GETBULK, pdu))


def _tlv(data: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """Read the TLV at ``pos``: (tag, start of its content, end of its content), all within ``end``.

    Raises:
        DecodeError: when it does not fit within ``end``, or has a form SNMP does not use.
    """
    if pos + 2 > end:
        raise DecodeError("truncated")
    tag, length = data[pos], data[pos + 1]
    pos += 2
    if length & 0x80:
        size = length & 0x7F
        if not 0 < size <= 4 or pos + size > end:
            raise DecodeError("bad length")
        length = int.from_bytes(data[pos : pos + size], "big")
        pos += size
    if tag & 0x1F == 0x1F or pos + length > end:
        raise DecodeError("bad tag or length")
    return tag, pos, pos + length


def _ber_int(data: bytes, start: int, end: int) -> int:
    """Decode a signed INTEGER's content.

    Raises:
        DecodeError: when it is empty.
    """
    if start == end:
        raise DecodeError("empty INTEGER")
    return int.from_bytes(data[start:end], "big", signed=True)


def _oid_text(data: bytes, start: int, end: int) -> str:
    """Decode an OBJECT IDENTIFIER's content to dotted text.

    Raises:
        DecodeError: when it is empty, ends inside a sub-identifier, or has one too long.
    """
    if start == end or data[end - 1] & 0x80:
        raise DecodeError("bad OID")
    chunk = data[start:end]
    if max(chunk) < 0x80:  # every arc below 128: the usual case
        arcs = list(chunk)
    else:
        arcs, arc, size = [], 0, 0
        for byte in chunk:
            arc = (arc << 7) | (byte & 0x7F)
            size += 1
            if size > _MAX_ARC_BYTES:
                raise DecodeError("OID sub-identifier too long")
            if not byte & 0x80:
                arcs.append(arc)
                arc = size = 0
    first = arcs[0]
    head = (first // 40, first % 40) if first < 80 else (2, first - 80)
    return ".".join(map(str, (*head, *arcs[1:])))


def _value(tag: int, data: bytes, start: int, end: int) -> Value:
    """Decode a varbind's value to the parser's plain types (``None``: a value we cannot use).

    Raises:
        DecodeError: for a malformed INTEGER or OID.
    """
    if tag in {_TAG_OCTETS, _TAG_OPAQUE}:
        return data[start:end]
    if tag == _TAG_INTEGER:
        return _ber_int(data, start, end)
    if tag in _UNSIGNED_TAGS:
        number = _ber_int(data, start, end)
        return number if number >= 0 else None
    if tag == _TAG_OID:
        return _oid_text(data, start, end)
    if tag in _END_TAGS:
        return END
    if tag == _TAG_IP:
        return ".".join(map(str, data[start:end])) if end - start == 4 else None
    return None  # NULL, and types a printer has no business sending


def decode_response(data: bytes) -> tuple[bytes, int, int, list[tuple[str, Value]]]:
    """Decode an SNMPv2c Response message.

    Args:
        data: a datagram, from anyone.

    Returns:
        ``(community, request-id, error-status, varbinds)``, the varbinds as ``(oid, value)``
        pairs in wire order.

    Raises:
        DecodeError: anything else, or anything malformed (the datagram is then ignored).
    """
    tag, start, end = _tlv(data, 0, len(data))
    if tag != _TAG_SEQUENCE:
        raise DecodeError("not a message")
    tag, pos, after = _tlv(data, start, end)
    if tag != _TAG_INTEGER or _ber_int(data, pos, after) != 1:
        raise DecodeError("not SNMPv2c")
    tag, pos, after = _tlv(data, after, end)
    if tag != _TAG_OCTETS:
        raise DecodeError("no community")
    community = data[pos:after]
    tag, pos, end = _tlv(data, after, end)
    if tag != _TAG_RESPONSE:
        raise DecodeError("not a response")
    numbers = []
    for _ in range(3):  # request-id, error-status, error-index
        tag, start, pos = _tlv(data, pos, end)
        if tag != _TAG_INTEGER:
            raise DecodeError("bad PDU header")
        numbers.append(_ber_int(data, start, pos))
    tag, pos, end = _tlv(data, pos, end)
    if tag != _TAG_SEQUENCE:
        raise DecodeError("no varbind list")
    varbinds: list[tuple[str, Value]] = []
    while pos < end:
        tag, start, pos = _tlv(data, pos, end)
        if tag != _TAG_SEQUENCE:
            raise DecodeError("bad varbind")
        tag, name_start, name_end = _tlv(data, start, pos)
        if tag != _TAG_OID:
            raise DecodeError("bad varbind name")
        tag, value_start, value_end = _tlv(data, name_end, pos)
        if value_end != pos:
            raise DecodeError("bad varbind")
        varbinds.append((_oid_text(data, name_start, name_end), _value(tag, data, value_start, value_end)))
    return community, numbers[0], numbers[1], varbinds
