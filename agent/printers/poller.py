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
  a handful of BER types, encoded and decoded by ``agent/printers/snmpcodec.py`` (pure; anything
  malformed is dropped) and sent here on one UDP socket per session. An answer counts only with
  the request-id of a request in flight, from the address it went to, with its community. This is
  about ten times cheaper than pysnmp's engine and pyasn1's generic codec, and needs no
  per-device configuration (pysnmp's took about 5 ms per device and community);
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
from agent.printers.snmpcodec import (
    END,
    DecodeError,
    End,
    ErrorStatus,
    Value,
    decode_response,
    encode_getbulk,
)
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
        if value is not None and not isinstance(value, End):
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


#: What pysnmp says of a device that never answered (kept: it shows in problems and logs).
_TIMED_OUT = "No SNMP response received before timeout"


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
        except DecodeError as err:
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
            return _TIMED_OUT, ErrorStatus(0), []
        status, varbinds = answer
        self.varbinds += len(varbinds)
        return None, ErrorStatus(status), varbinds

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
