"""SNMP I/O: walk a printer's subtrees with pysnmp 7 (asyncio API) into a plain mapping.

This is the only module that talks SNMP. Numeric OIDs with ``lookupMib=False``; bulk walks
bounded to their subtree (``lexicographicMode=False``) and to ``max_rows`` varbinds; a
per-device timeout and retries; a semaphore bounds the requests in flight (the simulator
and small printers drop replies under a flood). pysnmp is imported lazily: it is the
agent's heaviest module (~37 MiB), loaded only when printers are configured.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from agent.exceptions import AgentError
from agent.printers import mib
from agent.printers.parse import RawValue

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


def _to_raw(value: Any) -> RawValue | None:
    """Convert a pysnmp value to the parser's plain types; ``None`` for 'no such' markers."""
    kind = type(value).__name__
    if kind in ("NoSuchObject", "NoSuchInstance", "EndOfMibView", "Null"):
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


class SnmpSession:
    """One SNMP engine shared by every device an agent polls; close it once."""

    def __init__(self, *, max_in_flight: int = 32, max_rows: int = 2_000, max_repetitions: int = 25) -> None:
        """Create the engine (pysnmp imported here, lazily)."""
        from pysnmp.hlapi.v3arch import asyncio as hlapi  # noqa: PLC0415

        self._hl = hlapi
        self._engine = hlapi.SnmpEngine()
        self._semaphore = asyncio.Semaphore(max_in_flight)
        self.max_rows = max_rows
        self.max_repetitions = max_repetitions

    def close(self) -> None:
        """Release the engine's sockets (otherwise: ResourceWarning 'unclosed transport')."""
        self._engine.close_dispatcher()

    def _auth(self, target: SnmpTarget) -> Any:
        hl = self._hl
        if target.version == "2c":
            return hl.CommunityData(target.community, mpModel=1)
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

    async def walk(
        self, target: SnmpTarget, subtrees: Iterable[str] = mib.WALK_SUBTREES
    ) -> dict[str, RawValue]:
        """Walk the subtrees of one device.

        Raises:
            SnmpError: when the device does not answer at all (timeout, wrong credentials).
        """
        hl = self._hl
        transport = await hl.UdpTransportTarget.create(
            (target.host, target.port), timeout=target.timeout, retries=target.retries
        )
        auth = self._auth(target)
        context = hl.ContextData(contextName=target.v3_context) if target.version == "3" else hl.ContextData()
        raw: dict[str, RawValue] = {}
        answered = False
        for subtree in subtrees:
            rows = 0
            async with self._semaphore:
                walker = hl.bulk_walk_cmd(
                    self._engine,
                    auth,
                    transport,
                    context,
                    0,
                    self.max_repetitions,
                    hl.ObjectType(hl.ObjectIdentity(subtree)),
                    lexicographicMode=False,
                    lookupMib=False,
                )
                async for error_indication, error_status, _error_index, var_binds in walker:
                    if error_indication:
                        if not answered:
                            raise SnmpError(f"{target.host}:{target.port}: {error_indication}")
                        _LOGGER.warning("%r: %s while walking %s", target, error_indication, subtree)
                        break
                    answered = True
                    if error_status:
                        _LOGGER.debug("%r: %s while walking %s", target, error_status.prettyPrint(), subtree)
                        break
                    for name, value in var_binds:
                        converted = _to_raw(value)
                        if converted is None:  # endOfMibView carries the last OID again: keep the real value
                            continue
                        raw[str(name)] = converted
                        rows += 1
                    if rows >= self.max_rows:
                        _LOGGER.warning("%r: more than %d rows under %s, cut", target, self.max_rows, subtree)
                        await walker.aclose()
                        break
        return raw


@dataclass(frozen=True)
class PollResult:
    """What one poll of one device gave: varbinds, or the error."""

    raw: dict[str, RawValue] | None
    error: str | None
    seconds: float


async def poll(session: SnmpSession, target: SnmpTarget) -> PollResult:
    """Poll one device; never raises (a device failing must not stop the others)."""
    started = time.monotonic()
    try:
        raw = await session.walk(target)
    except SnmpError as err:
        return PollResult(None, str(err), time.monotonic() - started)
    except Exception as err:  # pysnmp may raise on hostile packets; the agent keeps going
        _LOGGER.exception("%r: unexpected SNMP failure", target)
        return PollResult(None, f"{type(err).__name__}: {err}", time.monotonic() - started)
    if not raw:
        return PollResult(
            None, f"{target.host}:{target.port}: no Printer-MIB data", time.monotonic() - started
        )
    return PollResult(raw, None, time.monotonic() - started)
