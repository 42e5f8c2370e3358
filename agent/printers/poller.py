"""SNMP I/O: read a printer's Printer-MIB and Host-Resources columns into a plain mapping.

This is the only module that talks SNMP. A poll reads exactly the columns the parser uses
(``mib.POLL_COLUMNS``) and the ``mib.POLL_SCALARS``, several of them per GETBULK, instead of
walking whole subtrees one after the other:

- the walk itself is :class:`ColumnWalk`, a pure state machine (no I/O, tested on its own): it
  plans GETBULK requests and takes their answers. Consecutive columns of a table are walked as one
  chain; chains are walked side by side, several per request. Each chain is bounded to its own
  columns (what ``lexicographicMode=False`` did for a subtree) and to ``max_rows`` rows per
  column; it stops at ``endOfMibView``, at an OID that does not increase, or at the first OID
  past its columns. A device gets at most ``max_requests`` requests per poll;
- requests are sized from what each chain is expected to hold: chains expected empty are asked
  once each as non-repeaters (one varbind each), the others are grouped by expected size so that
  few varbinds are wasted past a chain's end, within ``max_varbinds`` per answer (agents built on
  pysnmp, snmpsim among them, answer at most 64 repetitions; a device answering ``tooBig`` is asked
  for half as much from then on). On a first poll every chain is expected empty: one round of
  non-repeaters finds those that are not, their neighbours' sizes and doubling do the rest; the
  session remembers what each device held, and later polls ask for that at once;
- a vendor's private columns (``VendorOverride.columns`` in ``agent/printers/vendors.py``, e.g.
  Ricoh's toner levels) are walked for the devices whose sysObjectID calls for them only, with
  the others once the session knows the device;
- SNMPv2c (nearly every printer) does not go through pysnmp: a GetBulkRequest and its Response are
  a handful of BER types, encoded and decoded here (:func:`encode_getbulk`,
  :func:`decode_response`; anything malformed is dropped) on one UDP socket per session. An answer
  counts only with the request-id of a request in flight, from the address it went to, with its
  community. This is about ten times cheaper than pysnmp's engine and pyasn1's generic codec, and
  needs no per-device configuration (pysnmp's took about 5 ms per device and community);
- SNMPv3 (USM keys, privacy) goes through pysnmp 7's engine, driven below its high-level API (no
  MIB lookup, no per-request configuration): one engine per session, created for the first v3
  device, each device configured in it once.

A per-device timeout and retries; a semaphore bounds the requests in flight (the simulator and
small printers drop replies under a flood). pysnmp is imported lazily, for SNMPv3 devices only: it
is the agent's heaviest module (~37 MiB).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import secrets
import socket
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, cast

from agent.exceptions import AgentError
from agent.printers import mib
from agent.printers.parse import RawValue
from agent.printers.vendors import vendor_columns

_LOGGER = logging.getLogger(__name__)


class SnmpError(AgentError):
    """A device did not answer, or refused our credentials."""


@dataclass(frozen=True, kw_only=True)
class SnmpTarget:
    """How to reach one device."""

    host: str
    port: int = 161
    version: Literal["2c", "3"] = "2c"
    community: str = "public"
    v3_user: str | None = None
    v3_auth_key: str | None = None
    v3_priv_key: str | None = None
    v3_auth_protocol: Literal["SHA", "SHA256", "SHA512", "MD5"] = "SHA"
    v3_priv_protocol: Literal["AES", "AES256", "DES"] = "AES"
    v3_context: str = ""
    timeout: float = 2.0
    retries: int = 1

    def __repr__(self) -> str:
        """Never show secrets (communities and keys) in logs."""
        return f"SnmpTarget({self.host}:{self.port}, v{self.version})"


class _End:
    """Marker for ``endOfMibView``, ``noSuchObject`` and ``noSuchInstance``: nothing more here."""

    def __repr__(self) -> str:
        return "END"


#: What a varbind's value becomes: a parser value, ``END``, or ``None`` for a value we cannot use.
END = _End()
Value = RawValue | _End | None

_END_KINDS = frozenset({"NoSuchObject", "NoSuchInstance", "EndOfMibView"})
#: Default bounds of a walk, the engine's and one walk's alike: rows kept per column, the largest
#: GETBULK max-repetitions, varbinds per answer.
WALK_MAX_ROWS = 2_000
WALK_MAX_REPETITIONS = 64
WALK_MAX_VARBINDS = 64


def _to_raw(value: Any) -> Value:
    """Convert a pysnmp value to the parser's plain types; ``END`` for 'no such'/'end' markers."""
    kind = type(value).__name__
    if kind in _END_KINDS:
        return END
    if kind == "Null":
        return None
    if kind == "OctetString" or hasattr(value, "asOctets"):
        return bytes(value.asOctets())
    if kind == "ObjectIdentifier":
        return str(value)
    if kind == "IpAddress":
        return str(value.prettyPrint())
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _key(oid: str) -> tuple[int, ...]:
    return tuple(int(arc) for arc in oid.split("."))


#: Rows per column guessed for a chain found not empty on a first poll (then doubled as needed).
_FIRST_GUESS = 2


def _spans(columns: Iterable[str]) -> list[tuple[str, int, int]]:
    """Group columns into runs of consecutive columns of one table: ``(table, first, last)``.

    >>> _spans(["1.3.6.1.2.1.25.3.2.1.2", "1.3.6.1.2.1.25.3.2.1.3", "1.3.6.1.2.1.25.3.2.1.5"])
    [('1.3.6.1.2.1.25.3.2.1', 2, 3), ('1.3.6.1.2.1.25.3.2.1', 5, 5)]
    """
    by_table: dict[str, set[int]] = {}
    for column in columns:
        table, _, arc = column.rpartition(".")
        by_table.setdefault(table, set()).add(int(arc))
    spans = []
    for table, arcs in by_table.items():
        ordered = sorted(arcs)
        first = previous = ordered[0]
        for number in ordered[1:]:
            if number != previous + 1:
                spans.append((table, first, previous))
                first = number
            previous = number
        spans.append((table, first, previous))
    return spans


class _Span:
    """Walk state of a scalar, or of consecutive columns of one table walked as one chain.

    A chain through consecutive columns needs one varbind past its end, not one per column.
    """

    __slots__ = (
        "column", "column_rows", "cursor", "cursor_key", "done", "expected", "first", "last", "oid", "prefix",
        "rows", "scalar", "skipping", "table", "width",
    )  # fmt: skip

    def __init__(self, table: str, first: int, last: int, *, scalar: bool, expected: int) -> None:
        self.table = table
        self.prefix = table + "."
        self.first, self.last = first, last
        self.width = last - first + 1
        self.oid = f"{table}.{first}"
        self.scalar = scalar
        self.cursor = self.oid
        self.cursor_key = _key(self.oid)
        self.rows = 0
        self.column = first  # the column the chain is in, and its rows so far
        self.column_rows = 0
        self.skipping = False  # past a column cut for having too many rows, within one answer
        self.expected = expected
        self.done = False

    def __repr__(self) -> str:
        return self.oid if self.width == 1 else f"{self.oid}-{self.last}"

    def column_of(self, oid: str) -> int | None:
        """Return the column of ``oid`` if it is an instance of one of the span's columns."""
        if not oid.startswith(self.prefix):
            return None
        arc, dot, _index = oid[len(self.prefix) :].partition(".")
        if not dot or not arc.isdigit() or not self.first <= int(arc) <= self.last:
            return None
        return int(arc)

    def need(self, max_repetitions: int) -> int:
        """Varbinds to ask for: the rows expected still, and one more to see the span's end."""
        return min(max(self.expected - self.rows, 0) + 1, max_repetitions)


class BulkRequest(NamedTuple):
    """One GETBULK: non-repeaters (each answered once) then repeaters (``max_repetitions`` each)."""

    non_repeaters: tuple[_Span, ...]
    repeaters: tuple[_Span, ...]
    max_repetitions: int

    def oids(self) -> list[str]:
        """The request's varbind names, non-repeaters first."""
        return [c.cursor for c in self.non_repeaters] + [c.cursor for c in self.repeaters]

    def size(self) -> int:
        """Varbinds the answer holds at most."""
        return len(self.non_repeaters) + len(self.repeaters) * self.max_repetitions


class ColumnWalk:
    """Walk scalars and table columns of one device with GETBULK, several chains per request.

    Pure state machine: :meth:`plan` says which requests to send next, :meth:`feed` takes an
    answer. Consecutive columns of a table are walked as one chain (a :class:`_Span`). Every
    answer is bounded: a chain keeps only the OIDs of its columns, strictly increasing, at most
    ``max_rows`` rows per column; it ends at ``endOfMibView`` (which carries the last OID again:
    the real value is kept) or at the first OID past its columns.
    """

    def __init__(
        self,
        columns: Iterable[str],
        scalars: Iterable[str] = (),
        *,
        expected: Mapping[str, int] | None = None,
        max_rows: int = WALK_MAX_ROWS,
        max_repetitions: int = WALK_MAX_REPETITIONS,
        max_varbinds: int = WALK_MAX_VARBINDS,
        request_cost: int = 8,
    ) -> None:
        """Prepare the walk.

        Args:
            columns: table column OIDs.
            scalars: scalar object OIDs (without ``.0``), read once each.
            expected: varbinds expected per chain (:meth:`rows` of an earlier walk of the same
                device); a chain not in it is expected empty.
            max_rows: most rows kept per column (a hostile device may send endless tables).
            max_repetitions: largest GETBULK max-repetitions sent.
            max_varbinds: most varbinds one answer may hold (non-repeaters apart).
            request_cost: what one more request costs, in varbinds (for grouping chains).
        """
        hints = expected if expected is not None else {}
        self.spans = [
            _Span(table, int(arc), int(arc), scalar=True, expected=1)
            for table, _, arc in (s.rpartition(".") for s in scalars)
        ]
        for table, first, last in _spans(columns):
            span = _Span(table, first, last, scalar=False, expected=0)
            span.expected = hints.get(span.oid, 0)
            self.spans.append(span)
        self.raw: dict[str, RawValue] = {}
        self.max_rows = max_rows
        self.max_repetitions = max(1, max_repetitions)
        self.max_varbinds = max(1, max_varbinds)
        self.request_cost = request_cost
        #: Whether non-repeaters come on top of ``max_varbinds`` (as with pysnmp's agents) or count in it.
        self.free_non_repeaters = True
        self.truncated: list[str] = []
        #: Why the walk stopped before its end (the request bound, a time-out), if it did.
        self.cut: str | None = None
        self.requests = 0
        self.varbinds = 0

    @property
    def pending(self) -> bool:
        """Whether some chain is not finished."""
        return any(not s.done for s in self.spans)

    def rows(self) -> dict[str, int]:
        """Varbinds read per chain (to pass as ``expected`` to the next walk of the same device)."""
        return {s.oid: s.rows for s in self.spans if not s.scalar}

    def plan(self) -> list[BulkRequest]:
        """Return the next requests: one round, every pending chain in exactly one of them."""
        pending = [s for s in self.spans if not s.done]
        singles = [s for s in pending if s.need(self.max_repetitions) <= 1]
        multi = sorted(
            (s for s in pending if s.need(self.max_repetitions) > 1),
            key=lambda s: s.need(self.max_repetitions),
        )
        groups = self._partition(multi)
        requests: list[BulkRequest] = []
        for start in range(0, len(singles), self.max_varbinds):
            chunk = tuple(singles[start : start + self.max_varbinds])
            spans: list[_Span] = []
            repetitions = 0
            if groups and (
                self.free_non_repeaters or len(chunk) + len(groups[0][0]) * groups[0][1] <= self.max_varbinds
            ):
                spans, repetitions = groups.pop(0)
            requests.append(BulkRequest(chunk, tuple(spans), repetitions))
        requests += [BulkRequest((), tuple(spans), repetitions) for spans, repetitions in groups]
        return requests

    def _partition(self, spans: Sequence[_Span]) -> list[tuple[list[_Span], int]]:
        """Group chains (sorted by need) into requests: fewest requests plus wasted varbinds."""
        needs = [min(s.need(self.max_repetitions), self.max_varbinds) for s in spans]
        count = len(spans)
        best = [0] + [1 << 30] * count
        cut = [0] * (count + 1)
        for end in range(1, count + 1):
            repetitions = needs[end - 1]  # the largest need of the group (sorted)
            for start in range(end - 1, -1, -1):
                if repetitions * (end - start) > self.max_varbinds:
                    break
                cost = best[start] + self.request_cost + repetitions * (end - start)
                if cost < best[end]:
                    best[end], cut[end] = cost, start
        groups: list[tuple[list[_Span], int]] = []
        end = count
        while end > 0:
            start = cut[end]
            groups.append((list(spans[start:end]), needs[end - 1]))
            end = start
        groups.reverse()
        return groups

    def feed(self, request: BulkRequest, varbinds: Sequence[tuple[str, Value]]) -> None:
        """Take the answer to ``request``: ``(oid, value)`` pairs in wire order (may be truncated)."""
        self.requests += 1
        self.varbinds += len(varbinds)
        for span in request.non_repeaters + request.repeaters:
            span.skipping = False  # (ignores the rest of a cut column within one answer only)
        count = len(request.non_repeaters)
        for span, (oid, value) in zip(request.non_repeaters, varbinds[:count], strict=False):
            self._take(span, oid, value)
            if span.scalar:
                span.done = True
            elif not span.done:  # expected empty, is not: guess a few rows per column
                span.expected = max(
                    span.expected, self._sibling_rows(span), span.rows + _FIRST_GUESS * span.width
                )
        width = len(request.repeaters)
        got = dict.fromkeys(request.repeaters, 0)
        if width:
            for position, (oid, value) in enumerate(
                varbinds[count : count + width * request.max_repetitions]
            ):
                span = request.repeaters[position % width]
                if not span.done:
                    got[span] += 1
                    self._take(span, oid, value)
        for span in request.repeaters:
            if not span.done and got[span]:  # (none: the agent cut its answer short before it)
                # Still inside after all its repetitions: at least as many rows again, or as its neighbours.
                span.expected = max(span.expected, self._sibling_rows(span), span.rows + got[span])
        for span in request.non_repeaters + request.repeaters:
            if span.done and not span.scalar:
                for sibling in self.spans:
                    if not sibling.done and sibling.table == span.table:
                        sibling.expected = max(sibling.expected, span.rows * sibling.width // span.width)

    def _sibling_rows(self, span: _Span) -> int:
        """Varbinds expected for ``span`` from the rows its table's other chains hold."""
        return max(
            (s.rows * span.width // s.width for s in self.spans if s.table == span.table and s is not span),
            default=0,
        )

    def _take(self, span: _Span, oid: str, value: Value) -> None:
        if span.done:
            return
        column = span.column_of(oid)
        if value is END or column is None:
            span.done = True  # endOfMibView repeats the last OID: never overwrite the real value
            return
        key = _key(oid)
        if key <= span.cursor_key:
            if not span.skipping:  # a device looping or going backwards
                _LOGGER.warning("OID %s does not increase after %s: %r cut", oid, span.cursor, span)
                span.done = True
            return
        span.skipping = False
        if column != span.column:
            span.column, span.column_rows = column, 0
        span.cursor, span.cursor_key = oid, key
        if value is not None and not isinstance(value, _End):
            self.raw[oid] = value
        span.rows += 1
        span.column_rows += 1
        if span.column_rows >= self.max_rows:  # enough of this column: on to the next one, if any
            self.truncated.append(f"{span.table}.{column}")
            if column >= span.last:
                span.done = True
            else:
                span.cursor = f"{span.table}.{column + 1}"
                span.cursor_key = _key(span.cursor)
                span.skipping = True


# ------------------------------------------------------------------------------ SNMPv2c, by hand
# A v2c GETBULK and its answer are a handful of BER types: encoded and decoded here directly,
# about ten times cheaper than pyasn1's generic codec (most of a poll's CPU), and with no SNMP
# engine to configure per device. SNMPv3 (USM keys, privacy) stays with pysnmp's engine.
_TAG_SEQUENCE = 0x30
_TAG_INTEGER = 0x02
_TAG_OCTETS = 0x04
_TAG_NULL = 0x05
_TAG_OID = 0x06
_TAG_GETBULK = 0xA5
_TAG_RESPONSE = 0xA2
_TAG_IP = 0x40
_TAG_OPAQUE = 0x44
_UNSIGNED_TAGS = frozenset(
    {0x41, 0x42, 0x43, 0x46, 0x47}
)  # Counter32, Gauge32, TimeTicks, Counter64, UInteger32
_END_TAGS = frozenset({0x80, 0x81, 0x82})  # noSuchObject, noSuchInstance, endOfMibView
#: RFC 3416's error-status names, for logs.
_ERROR_NAMES = (
    "noError", "tooBig", "noSuchName", "badValue", "readOnly", "genErr", "noAccess", "wrongType",
    "wrongLength", "wrongEncoding", "wrongValue", "noCreation", "inconsistentValue",
    "resourceUnavailable", "commitFailed", "undoFailed", "authorizationError", "notWritable",
    "inconsistentName",
)  # fmt: skip
#: What pysnmp says of a device that never answered (kept: it shows in problems and logs).
_TIMED_OUT = "No SNMP response received before timeout"


class _ErrorStatus(int):
    """An answer's error-status, printable by name as pysnmp's is."""

    def prettyPrint(self) -> str:  # noqa: N802 (pysnmp's name: the v3 path returns pysnmp's status)
        return _ERROR_NAMES[self] if 0 <= self < len(_ERROR_NAMES) else f"error-status {int(self)}"


def _ber_length(length: int) -> bytes:
    if length < 0x80:
        return bytes((length,))
    size = (length.bit_length() + 7) // 8
    return bytes((0x80 | size,)) + length.to_bytes(size, "big")


def _ber(tag: int, content: bytes) -> bytes:
    return bytes((tag,)) + _ber_length(len(content)) + content


def _ber_uint(value: int) -> bytes:
    """A non-negative INTEGER (request-id, non-repeaters, max-repetitions)."""
    return _ber(_TAG_INTEGER, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _ber_oid(oid: str) -> bytes:
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
    """Encode an SNMPv2c GetBulkRequest message."""
    varbinds = b"".join(_ber(_TAG_SEQUENCE, _ber_oid(oid) + b"\x05\x00") for oid in oids)
    pdu = (
        _ber_uint(request_id)
        + _ber_uint(non_repeaters)
        + _ber_uint(max_repetitions)
        + _ber(_TAG_SEQUENCE, varbinds)
    )
    return _ber(_TAG_SEQUENCE, b"\x02\x01\x01" + _ber(_TAG_OCTETS, community) + _ber(_TAG_GETBULK, pdu))


def _tlv(data: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """Read the TLV at ``pos``: (tag, start of its content, end of its content), all within ``end``."""
    if pos + 2 > end:
        raise ValueError("truncated")
    tag, length = data[pos], data[pos + 1]
    pos += 2
    if length & 0x80:
        size = length & 0x7F
        if not 0 < size <= 4 or pos + size > end:
            raise ValueError("bad length")
        length = int.from_bytes(data[pos : pos + size], "big")
        pos += size
    if tag & 0x1F == 0x1F or pos + length > end:
        raise ValueError("bad tag or length")
    return tag, pos, pos + length


def _ber_int(data: bytes, start: int, end: int) -> int:
    if start == end:
        raise ValueError("empty INTEGER")
    return int.from_bytes(data[start:end], "big", signed=True)


def _oid_text(data: bytes, start: int, end: int) -> str:
    if start == end or data[end - 1] & 0x80:
        raise ValueError("bad OID")
    chunk = data[start:end]
    if max(chunk) < 0x80:  # every arc below 128: the usual case
        arcs = list(chunk)
    else:
        arcs, arc = [], 0
        for byte in chunk:
            arc = (arc << 7) | (byte & 0x7F)
            if not byte & 0x80:
                arcs.append(arc)
                arc = 0
    first = arcs[0]
    head = (first // 40, first % 40) if first < 80 else (2, first - 80)
    return ".".join(map(str, (*head, *arcs[1:])))


def _value(tag: int, data: bytes, start: int, end: int) -> Value:
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
    """Decode an SNMPv2c Response message: (community, request-id, error-status, varbinds).

    Raises:
        ValueError: anything else, or anything malformed (the datagram is then ignored).
    """
    tag, start, end = _tlv(data, 0, len(data))
    if tag != _TAG_SEQUENCE:
        raise ValueError("not a message")
    tag, pos, after = _tlv(data, start, end)
    if tag != _TAG_INTEGER or _ber_int(data, pos, after) != 1:
        raise ValueError("not SNMPv2c")
    tag, pos, after = _tlv(data, after, end)
    if tag != _TAG_OCTETS:
        raise ValueError("no community")
    community = data[pos:after]
    tag, pos, end = _tlv(data, after, end)
    if tag != _TAG_RESPONSE:
        raise ValueError("not a response")
    numbers = []
    for _ in range(3):  # request-id, error-status, error-index
        tag, start, pos = _tlv(data, pos, end)
        if tag != _TAG_INTEGER:
            raise ValueError("bad PDU header")
        numbers.append(_ber_int(data, start, pos))
    tag, pos, end = _tlv(data, pos, end)
    if tag != _TAG_SEQUENCE:
        raise ValueError("no varbind list")
    varbinds: list[tuple[str, Value]] = []
    while pos < end:
        tag, start, pos = _tlv(data, pos, end)
        if tag != _TAG_SEQUENCE:
            raise ValueError("bad varbind")
        tag, name_start, name_end = _tlv(data, start, pos)
        if tag != _TAG_OID:
            raise ValueError("bad varbind name")
        tag, value_start, value_end = _tlv(data, name_end, pos)
        if value_end != pos:
            raise ValueError("bad varbind")
        varbinds.append((_oid_text(data, name_start, name_end), _value(tag, data, value_start, value_end)))
    return community, numbers[0], numbers[1], varbinds


class _Peer(NamedTuple):
    """An SNMPv3 device configured in pysnmp's engine."""

    address: str
    context_engine_id: Any
    context_name: bytes


class _V2cPeer(NamedTuple):
    """An SNMPv2c device: where to send, with which community (no engine configuration)."""

    address: tuple[str, int]
    community: bytes
    timeout: float
    retries: int


def _expire(future: asyncio.Future[Any]) -> None:
    if not future.done():
        future.set_result(None)


class _Datagrams(asyncio.DatagramProtocol):
    """The session's UDP socket for SNMPv2c: hands each answer to the request waiting for it.

    An answer counts only if it decodes, carries the request-id of a request in flight, and comes
    from the address that request went to with its community; anything else is dropped.
    """

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.waiting: dict[int, tuple[_V2cPeer, asyncio.Future[Any]]] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport to send with."""
        self.transport = cast("asyncio.DatagramTransport", transport)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        """Hand an answer to the request it answers, if any."""
        try:
            community, request_id, status, varbinds = decode_response(data)
        except (ValueError, IndexError) as err:
            _LOGGER.debug("undecodable datagram from %s: %s", addr[0], err)
            return
        entry = self.waiting.get(request_id)
        if entry is None:
            return
        peer, future = entry
        if tuple(addr[:2]) != peer.address or community != peer.community or future.done():
            return
        future.set_result((status, varbinds))

    def error_received(self, exc: Exception) -> None:
        """Log a send error (the request then times out, as an unanswered one)."""
        _LOGGER.debug("SNMP socket error: %s", exc)


async def _resolve(host: str, port: int) -> str:
    """Return the IPv4 address of ``host`` (as pysnmp's UDP transport did).

    Raises:
        SnmpError: when it does not resolve.
    """
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        pass
    else:
        return host
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, port, family=socket.AF_INET, type=socket.SOCK_DGRAM
        )
    except OSError as err:
        raise SnmpError(f"{host}:{port}: {err}") from err
    return str(infos[0][4][0])


class SnmpSession:
    """One SNMP engine shared by every device an agent polls; close it once."""

    def __init__(
        self,
        *,
        max_in_flight: int = 32,
        max_rows: int = WALK_MAX_ROWS,
        max_repetitions: int = WALK_MAX_REPETITIONS,
        max_varbinds: int = WALK_MAX_VARBINDS,
        max_requests: int = 200,
    ) -> None:
        """Prepare the session (its socket opened, and pysnmp imported for SNMPv3, when first needed).

        Args:
            max_in_flight: requests in flight at once, all devices together.
            max_rows: most rows kept per column.
            max_repetitions: largest GETBULK max-repetitions.
            max_varbinds: most varbinds asked per request (non-repeaters apart).
            max_requests: most requests per device and poll.
        """
        self._v3: Any = None  # pysnmp's engine and API, for SNMPv3 devices only
        self._opening: asyncio.Task[tuple[asyncio.DatagramTransport, _Datagrams]] | None = None
        self._socket: socket.socket | None = None
        self._request_id = secrets.randbelow(1 << 30) + 1  # hard to guess for an off-path spoofer
        self._semaphore = asyncio.Semaphore(max_in_flight)
        self._expected: dict[SnmpTarget, dict[str, int]] = {}
        self._max_varbinds: dict[SnmpTarget, int] = {}  # lowered for a device that answered tooBig
        self._vendor_columns: dict[SnmpTarget, tuple[str, ...]] = {}  # from each device's sysObjectID
        self.max_rows = max_rows
        self.max_repetitions = max_repetitions
        self.max_varbinds = max_varbinds
        self.max_requests = max_requests
        #: Requests sent and varbinds received since the session started (for benchmarks).
        self.requests = 0
        self.varbinds = 0

    def close(self) -> None:
        """Close the session's socket and engine (otherwise: ResourceWarning 'unclosed transport')."""
        self._close_socket()
        if self._v3 is not None:
            self._v3.engine.close_dispatcher()
            self._v3 = None

    def _close_socket(self) -> None:
        opening, self._opening = self._opening, None
        if opening is not None:
            if not opening.done():
                opening.cancel()
            elif (
                not opening.cancelled() and opening.exception() is None and not opening.get_loop().is_closed()
            ):
                opening.result()[0].close()
            elif self._socket is not None:
                self._socket.close()
        self._socket = None

    def _v3_api(self) -> Any:
        """Return pysnmp's engine and API (imported and created on the first SNMPv3 device)."""
        if self._v3 is None:
            from types import SimpleNamespace  # noqa: PLC0415

            from pysnmp.entity.rfc3413 import cmdgen  # noqa: PLC0415
            from pysnmp.hlapi.v3arch import asyncio as hlapi  # noqa: PLC0415
            from pysnmp.hlapi.v3arch.asyncio.cmdgen import LCD  # noqa: PLC0415
            from pysnmp.proto import rfc1902  # noqa: PLC0415
            from pysnmp.proto.api import v2c  # noqa: PLC0415

            self._v3 = SimpleNamespace(
                hl=hlapi,
                lcd=LCD,
                object_name=rfc1902.ObjectName,
                null=v2c.null,
                bulk=cmdgen.BulkCommandGeneratorSingleRun(),
                engine=hlapi.SnmpEngine(),
            )
        return self._v3

    def _auth(self, target: SnmpTarget) -> Any:
        hl = self._v3_api().hl
        auth = {
            "SHA": hl.USM_AUTH_HMAC96_SHA,
            "SHA256": hl.USM_AUTH_HMAC192_SHA256,
            "SHA512": hl.USM_AUTH_HMAC384_SHA512,
            "MD5": hl.USM_AUTH_HMAC96_MD5,
        }[target.v3_auth_protocol]
        priv = {
            "AES": hl.USM_PRIV_CFB128_AES,
            "AES256": hl.USM_PRIV_CFB256_AES,
            "DES": hl.USM_PRIV_CBC56_DES,
        }[target.v3_priv_protocol]
        return hl.UsmUserData(
            target.v3_user or "",
            authKey=target.v3_auth_key,
            privKey=target.v3_priv_key,
            authProtocol=auth if target.v3_auth_key else hl.USM_AUTH_NONE,
            privProtocol=priv if target.v3_priv_key else hl.USM_PRIV_NONE,
        )

    async def _peer(self, target: SnmpTarget) -> _Peer | _V2cPeer:
        """Say where to send: an SNMPv2c address, or an SNMPv3 device configured in pysnmp's engine.

        Raises:
            SnmpError: when the host name does not resolve.
        """
        if target.version == "2c":
            address = (await _resolve(target.host, target.port), target.port)
            return _V2cPeer(address, target.community.encode(), target.timeout, target.retries)
        v3 = self._v3_api()
        transport = await v3.hl.UdpTransportTarget.create(
            (target.host, target.port), timeout=target.timeout, retries=target.retries
        )
        context = v3.hl.ContextData(contextName=target.v3_context)
        address, _params = v3.lcd.configure(v3.engine, self._auth(target), transport, context.contextName)
        return _Peer(address, context.contextEngineId, context.contextName)

    async def _datagrams(self) -> _Datagrams:
        """Return the session's UDP socket for SNMPv2c, opened on first use in the running loop."""
        loop = asyncio.get_running_loop()
        if self._opening is None or self._opening.get_loop() is not loop:
            self._close_socket()
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.setblocking(False)
            sock.bind(("0.0.0.0", 0))
            self._socket = sock
            self._opening = loop.create_task(loop.create_datagram_endpoint(_Datagrams, sock=sock))
        _transport, protocol = await self._opening
        return protocol

    async def _send(
        self, peer: _Peer | _V2cPeer, request: BulkRequest
    ) -> tuple[Any, Any, list[tuple[str, Value]]]:
        """Send one GETBULK; return (error indication, error status, converted varbinds)."""
        if isinstance(peer, _V2cPeer):
            return await self._send_v2c(peer, request)
        v3 = self._v3_api()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[Any, Any, Any]] = loop.create_future()

        def done(
            _engine: Any, _handle: Any, indication: Any, status: Any, _index: Any, var_binds: Any, _ctx: Any
        ) -> None:
            if not future.done():
                future.set_result((indication, status, var_binds))

        names = [(v3.object_name(oid), v3.null) for oid in request.oids()]
        async with self._semaphore:
            v3.bulk.send_varbinds(
                v3.engine,
                peer.address,
                peer.context_engine_id,
                peer.context_name,
                len(request.non_repeaters),
                request.max_repetitions,
                names,
                done,
            )
            indication, status, var_binds = await future
        converted = [(str(name), _to_raw(value)) for name, value in var_binds]
        self.requests += 1
        self.varbinds += len(converted)
        return indication, status, converted

    async def _send_v2c(
        self, peer: _V2cPeer, request: BulkRequest
    ) -> tuple[Any, Any, list[tuple[str, Value]]]:
        """Send one SNMPv2c GETBULK, again on time-out (``retries`` times), and wait for its answer."""
        protocol = await self._datagrams()
        transport = protocol.transport
        assert transport is not None
        loop = asyncio.get_running_loop()
        self._request_id = self._request_id % 0x7FFFFFFF + 1
        request_id = self._request_id
        message = encode_getbulk(
            peer.community, request_id, len(request.non_repeaters), request.max_repetitions, request.oids()
        )
        answer: tuple[int, list[tuple[str, Value]]] | None = None
        async with self._semaphore:
            try:
                for _attempt in range(peer.retries + 1):
                    future: asyncio.Future[Any] = loop.create_future()
                    protocol.waiting[request_id] = (peer, future)
                    transport.sendto(message, peer.address)
                    timer = loop.call_later(peer.timeout, _expire, future)
                    try:
                        answer = await future
                    finally:
                        timer.cancel()
                    if answer is not None:
                        break
            finally:
                protocol.waiting.pop(request_id, None)
        self.requests += 1
        if answer is None:
            return _TIMED_OUT, _ErrorStatus(0), []
        status, varbinds = answer
        self.varbinds += len(varbinds)
        return None, _ErrorStatus(status), varbinds

    async def walk(
        self,
        target: SnmpTarget,
        columns: Iterable[str] = mib.POLL_COLUMNS,
        scalars: Iterable[str] = mib.POLL_SCALARS,
    ) -> dict[str, RawValue]:
        """Read the scalars and walk the columns of one device, and its vendor's private columns.

        The private columns a vendor override lists (``VendorOverride.columns``, chosen from the
        device's sysObjectID) are walked for that device only: with the others from the second
        poll on, in a small walk of their own on the first one (sysObjectID is not known before).

        Raises:
            SnmpError: when the device does not answer at all (timeout, wrong credentials).
        """
        peer = await self._peer(target)
        known = self._vendor_columns.get(target, ())
        walk = self._new_walk(target, (*columns, *known), scalars)
        if not await self._drive(peer, target, walk, answered=False):
            return self._marked(walk.raw, walk)
        raw = walk.raw
        rows = walk.rows()
        wanted = vendor_columns(raw.get(mib.SYS_OBJECT_ID))
        self._vendor_columns[target] = wanted
        missing = [c for c in wanted if c not in known]
        if missing:
            extra = self._new_walk(target, missing, ())
            complete = await self._drive(peer, target, extra, answered=True)
            raw.update(extra.raw)
            if not complete:
                return self._marked(raw, walk, extra)
            rows |= extra.rows()
        self._expected[target] = rows
        return self._marked(raw, walk, *([extra] if missing else []))

    def _marked(self, raw: dict[str, RawValue], *walks: ColumnWalk) -> dict[str, RawValue]:
        """Add :data:`mib.WALK_TRUNCATED` to ``raw`` when a walk was cut, saying where (never silent)."""
        cuts = [f"{oid}: more than {self.max_rows} rows" for w in walks for oid in w.truncated]
        cuts += [w.cut for w in walks if w.cut]
        if cuts and raw:
            raw[mib.WALK_TRUNCATED] = "; ".join(cuts)[:400]
        return raw

    def _new_walk(self, target: SnmpTarget, columns: Iterable[str], scalars: Iterable[str]) -> ColumnWalk:
        walk = ColumnWalk(
            columns,
            scalars,
            expected=self._expected.get(target),
            max_rows=self.max_rows,
            max_repetitions=self.max_repetitions,
            max_varbinds=self._max_varbinds.get(target, self.max_varbinds),
        )
        walk.free_non_repeaters = target not in self._max_varbinds
        return walk

    async def _drive(
        self, peer: _Peer | _V2cPeer, target: SnmpTarget, walk: ColumnWalk, *, answered: bool
    ) -> bool:
        """Send the walk's requests until it ends; return ``False`` if it was cut.

        Raises:
            SnmpError: when the device does not answer the first request (unless ``answered``).
        """
        while walk.pending:
            for request in walk.plan():
                if walk.requests >= self.max_requests:
                    _LOGGER.warning("%r: more than %d requests in one poll, cut", target, self.max_requests)
                    walk.cut = f"more than {self.max_requests} requests"
                    return False
                indication, status, varbinds = await self._send(peer, request)
                if indication:
                    if not answered:
                        raise SnmpError(f"{target.host}:{target.port}: {indication}")
                    _LOGGER.warning("%r: %s, poll cut", target, indication)
                    walk.cut = f"cut midway: {indication}"
                    return False
                answered = True
                if status:
                    if int(status) == 1 and request.size() > 1:  # tooBig: ask this device for less
                        walk.max_varbinds = max(1, min(walk.max_varbinds, request.size()) // 2)
                        walk.free_non_repeaters = False
                        self._max_varbinds[target] = walk.max_varbinds
                        walk.requests += 1
                        break
                    _LOGGER.debug("%r: %s on %s", target, status.prettyPrint(), request.oids())
                    for span in request.non_repeaters + request.repeaters:
                        span.done = True
                    continue
                walk.feed(request, varbinds)
        for oid in walk.truncated:
            _LOGGER.warning("%r: more than %d rows under %s, cut", target, self.max_rows, oid)
        return True


@dataclass(frozen=True)
class PollResult:
    """What one poll of one device gave: varbinds, or the error."""

    raw: dict[str, RawValue] | None
    error: str | None
    seconds: float


async def poll(
    session: SnmpSession,
    target: SnmpTarget,
    columns: Iterable[str] = mib.POLL_COLUMNS,
    scalars: Iterable[str] = mib.POLL_SCALARS,
    *,
    what: str = "Printer-MIB",
) -> PollResult:
    """Poll one device (a printer's columns unless others are given); never raises.

    A device failing must not stop the others. ``what`` names the data expected, for the
    error of a device that answers without any of it.
    """
    started = time.monotonic()
    try:
        raw = await session.walk(target, columns, scalars)
    except SnmpError as err:
        return PollResult(None, str(err), time.monotonic() - started)
    except Exception as err:  # pysnmp may raise on hostile packets; the agent keeps going
        _LOGGER.exception("%r: unexpected SNMP failure", target)
        return PollResult(None, f"{type(err).__name__}: {err}", time.monotonic() - started)
    if not raw:
        return PollResult(None, f"{target.host}:{target.port}: no {what} data", time.monotonic() - started)
    return PollResult(raw, None, time.monotonic() - started)
