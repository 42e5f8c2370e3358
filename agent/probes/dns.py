"""A minimal DNS client (RFC 1035, A records over UDP) for probes through a configured server.

The system resolver (``getaddrinfo``) is used unless ``[probes] dns_server`` names a server;
then this module asks that server directly, so that the probe tests *that* resolver and not
whatever the PC's cache holds. Pure encoding and decoding (:func:`query`, :func:`answer`) and
one UDP exchange (:func:`resolve`). No new dependency: a query is 30 lines of ``struct``.
"""

from __future__ import annotations

import secrets
import socket
import struct
import time

from agent.exceptions import AgentError

TYPE_A = 1
CLASS_IN = 1
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


class DnsError(AgentError):
    """The server did not answer, or answered without an address."""


def query(name: str, ident: int) -> bytes:
    """Return a recursive query for the A records of ``name``.

    >>> query("caf.fr", 0x1234).hex()
    '123401000001000000000000036361660266720000010001'
    """
    labels = name.rstrip(".").encode("idna").split(b".")
    if any(not 0 < len(label) < 64 for label in labels):
        raise DnsError(f"invalid name {name!r}")
    header = struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0)  # RD set, one question
    question = b"".join(bytes([len(label)]) + label for label in labels) + b"\x00"
    return header + question + struct.pack("!HH", TYPE_A, CLASS_IN)


def _skip_name(data: bytes, offset: int) -> int:
    """Return the offset after a (possibly compressed) name."""
    for _ in range(128):
        if offset >= len(data):
            raise DnsError("truncated name")
        length = data[offset]
        if length == 0:
            return offset + 1
        if length & 0xC0 == 0xC0:
            return offset + 2
        offset += 1 + length
    raise DnsError("name too long")


def answer(data: bytes, ident: int) -> list[str]:
    """Return the IPv4 addresses of an answer to :func:`query` (``[]`` when it holds none).

    Raises:
        DnsError: the answer is not ours, malformed, or an error (NXDOMAIN, SERVFAIL...).
    """
    if len(data) < 12:
        raise DnsError("short answer")
    got, flags, questions, answers, _ns, _ar = struct.unpack("!HHHHHH", data[:12])
    if got != ident or not flags & 0x8000:
        raise DnsError("not an answer to our query")
    rcode = flags & 0x000F
    if rcode:
        raise DnsError(RCODES.get(rcode, f"rcode {rcode}"))
    offset = 12
    for _ in range(questions):
        offset = _skip_name(data, offset) + 4
    addresses = []
    for _ in range(answers):
        offset = _skip_name(data, offset)
        if offset + 10 > len(data):
            raise DnsError("truncated answer")
        kind, klass, _ttl, length = struct.unpack("!HHIH", data[offset : offset + 10])
        offset += 10
        if kind == TYPE_A and klass == CLASS_IN and length == 4 and offset + 4 <= len(data):
            addresses.append(socket.inet_ntoa(data[offset : offset + 4]))
        offset += length
    return addresses


def resolve(name: str, server: str, port: int = 53, timeout: float = 3.0) -> list[str]:
    """Ask ``server`` for the A records of ``name`` over UDP.

    Raises:
        DnsError: no answer within ``timeout``, an error answer, or no address.
    """
    ident = secrets.randbits(16)
    packet = query(name, ident)
    deadline = time.monotonic() + timeout
    family = socket.AF_INET6 if ":" in server else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect((server, port))
            sock.send(packet)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise DnsError(f"no answer from {server}:{port} in {timeout:g} s")
                sock.settimeout(left)
                data = sock.recv(4096)
                try:
                    addresses = answer(data, ident)
                except DnsError as err:
                    if str(err) == "not an answer to our query":
                        continue  # a late answer to someone else's query: keep waiting
                    raise
                if not addresses:
                    raise DnsError(f"{name}: no address")
                return addresses
        except TimeoutError:
            raise DnsError(f"no answer from {server}:{port} in {timeout:g} s") from None
        except OSError as err:
            raise DnsError(f"{server}:{port}: {err.strerror or err}") from None
