"""Pure parsing of an access point's or router's SNMP answers into a :class:`NetworkStatus`.

Input: ``{OID: value}`` as the poller (or a ``.snmprec`` recording) gives it. Interfaces come
from IF-MIB (ifTable, and ifXTable where the device has it): the name is ``ifName``, else
``ifDescr`` (a FortiGate leaves ``ifDescr`` empty; a Cisco controller's is a long hardware
string), the speed is ``ifHighSpeed`` (Mbit/s), else ``ifSpeed``. The interfaces the agent's
configuration declares by that name (Wi-Fi radios, the uplink, others to watch) get their
``role`` and come first; a declared name the device does not list is reported in ``missing_interfaces``. The
uptime is the host's (``hrSystemUptime``), else the SNMP agent's (``sysUpTime``), else the
SNMP engine's time. Client counts: :data:`agent.network.mib.CLIENT_SOURCES`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from agent.contract.messages import NetworkInterface, NetworkStatus, replace
from agent.network import mib

RawValue = int | bytes | str
Raw = Mapping[str, RawValue]

#: Interfaces published per device (declared ones first): a router with hundreds of VLANs stays small.
MAX_INTERFACES = 64
_MAX_CLIENTS = 1_000_000
_MAX_COUNTER = 2**63 - 1
_SPEED_SATURATED = 4_294_967_295  # ifSpeed's "more than 4.29 Gbit/s: read ifHighSpeed"


@dataclass(frozen=True)
class Declared:
    """The interfaces the configuration names: Wi-Fi radios, the uplink, others to watch."""

    radios: tuple[str, ...] = ()
    uplink: str | None = None
    watched: tuple[str, ...] = ()

    def role(self, name: str) -> Literal["radio", "uplink", "watched"] | None:
        """Return the declared role of an interface name, if any."""
        if name in self.radios:
            return "radio"
        if name == self.uplink:
            return "uplink"
        if name in self.watched:
            return "watched"
        return None

    def names(self) -> tuple[str, ...]:
        """Return every declared name, radios first, without repeats."""
        uplink = (self.uplink,) if self.uplink else ()
        return tuple(dict.fromkeys((*self.radios, *uplink, *self.watched)))


def _text(value: RawValue | None) -> str | None:
    if value is None or isinstance(value, int):
        return None
    text = value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value
    text = " ".join(text.replace("\x00", "").split())
    return text or None


def _int(value: RawValue | None, upper: int = _MAX_COUNTER) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= upper:
        return None
    return value


def _column(raw: Raw, oid: str) -> dict[str, RawValue]:
    prefix = oid + "."
    return {key[len(prefix) :]: value for key, value in raw.items() if key.startswith(prefix)}


def _speed_mbps(speed: RawValue | None, high: RawValue | None) -> int | None:
    high_mbps = _int(high)
    if high_mbps:
        return high_mbps
    bits = _int(speed)
    if bits and bits != _SPEED_SATURATED:
        return bits // 1_000_000
    return None


def interfaces(raw: Raw) -> list[NetworkInterface]:
    """Return every interface of IF-MIB, sorted by ``ifIndex``, without a role."""
    columns = {
        oid: _column(raw, oid)
        for oid in (mib.IF_DESCR, mib.IF_TYPE, mib.IF_SPEED, mib.IF_ADMIN_STATUS, mib.IF_OPER_STATUS,
                    mib.IF_IN_ERRORS, mib.IF_OUT_ERRORS, mib.IF_NAME, mib.IF_HIGH_SPEED)
    }  # fmt: skip
    indexes = sorted({int(i) for column in columns.values() for i in column if i.isdigit()})
    rows = []
    for index in indexes:
        key = str(index)
        cell = {oid: column.get(key) for oid, column in columns.items()}
        name = _text(cell[mib.IF_NAME]) or _text(cell[mib.IF_DESCR]) or f"if{index}"
        admin = _int(cell[mib.IF_ADMIN_STATUS])
        oper = _int(cell[mib.IF_OPER_STATUS])
        rows.append(
            NetworkInterface(
                index=min(index, 2**31 - 1),
                name=name[:64],
                type=_int(cell[mib.IF_TYPE], 100_000),
                admin=mib.ADMIN_STATUS.get(admin) if admin is not None else None,
                oper=mib.OPER_STATUS.get(oper) if oper is not None else None,
                speed_mbps=_speed_mbps(cell[mib.IF_SPEED], cell[mib.IF_HIGH_SPEED]),
                in_errors=_int(cell[mib.IF_IN_ERRORS]),
                out_errors=_int(cell[mib.IF_OUT_ERRORS]),
            )
        )
    return rows


def find(rows: Sequence[NetworkInterface], name: str) -> NetworkInterface | None:
    """Return the interface called ``name`` (its published name: ``ifName``, else ``ifDescr``)."""
    return next((row for row in rows if row.name == name), None)


def uptime_seconds(raw: Raw) -> float | None:
    """Return the device's uptime: the host's, else the SNMP agent's, else the SNMP engine's."""
    for oid, scale in ((mib.HR_SYSTEM_UPTIME, 100.0), (mib.SYS_UPTIME, 100.0), (mib.SNMP_ENGINE_TIME, 1.0)):
        value = _int(raw.get(f"{oid}.0"), 2**32)
        if value is not None:
            return round(value / scale, 2)
    return None


def clients(raw: Raw) -> tuple[int | None, str | None]:
    """Return the count of associated Wi-Fi stations and the object it came from, if the device has one."""
    for source in mib.CLIENT_SOURCES:
        if source.scalar:
            values = [_int(raw.get(f"{source.oid}.0"))]
        else:
            values = [_int(v) for v in _column(raw, source.oid).values()]
        counted = [v for v in values if v is not None]
        if counted:
            return min(sum(counted), _MAX_CLIENTS), source.name
    return None, None


def parse_network(
    raw: Raw, declared: Declared = Declared(), *, max_interfaces: int = MAX_INTERFACES
) -> NetworkStatus:
    """Return the normalised status of one network device."""
    rows = interfaces(raw)
    chosen: list[NetworkInterface] = []
    missing: list[str] = []
    for name in declared.names():
        row = find(rows, name)
        if row is None:
            missing.append(name[:64])
        elif all(row.index != c.index for c in chosen):
            chosen.append(replace(row, role=declared.role(name)))
    taken = {row.index for row in chosen}
    chosen += [row for row in rows if row.index not in taken][: max(0, max_interfaces - len(chosen))]
    count, source = clients(raw)
    return NetworkStatus(
        sys_descr=(_text(raw.get(f"{mib.SYS_DESCR}.0")) or "")[:512] or None,
        sys_object_id=_text(raw.get(f"{mib.SYS_OBJECT_ID}.0")),
        uptime_seconds=uptime_seconds(raw),
        interfaces=tuple(chosen[:max_interfaces]),
        interfaces_total=len(rows),
        missing_interfaces=tuple(missing[:16]),
        clients=count,
        clients_source=source,
    )
