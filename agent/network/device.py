"""One access point or router as the agent tracks it: an SNMP poll, then its judged state.

The poll reads :data:`agent.network.mib.POLL_COLUMNS` and ``POLL_SCALARS`` through the agent's
one SNMP session (:class:`agent.printers.poller.SnmpSession`, shared with the printers); the
tracker keeps the last good status and the failed polls in a row, as for printers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.config import NetworkEntry
from agent.contract.messages import DeviceBody, NetworkStatus
from agent.network import mib
from agent.network.parse import Declared, parse_network
from agent.network.state import derive_network
from agent.printers.poller import PollResult, SnmpSession, SnmpTarget, poll


def declared_of(entry: NetworkEntry) -> Declared:
    """Return the interfaces a ``[[network]]`` entry declares."""
    return Declared(radios=entry.wifi_interfaces, uplink=entry.uplink, watched=entry.interfaces)


async def poll_network(session: SnmpSession, target: SnmpTarget) -> PollResult:
    """Read one network device's IF-MIB, uptime and client counts; never raises."""
    return await poll(session, target, mib.POLL_COLUMNS, mib.POLL_SCALARS, what="IF-MIB")


@dataclass
class NetworkTracker:
    """The memory one network device needs between polls."""

    entry: NetworkEntry
    unreachable_after: int
    declared: Declared = field(init=False)
    last_status: NetworkStatus | None = None
    failures: int = 0

    def __post_init__(self) -> None:
        """Read the declared interfaces once."""
        self.declared = declared_of(self.entry)

    def observe(self, result: PollResult) -> DeviceBody:
        """Fold one poll outcome in and return the observation to publish."""
        status = parse_network(result.raw, self.declared) if result.raw is not None else None
        error = result.error
        if status is not None and not status.interfaces_total:
            status, error = None, f"{self.entry.host}:{self.entry.port}: no IF-MIB interfaces"
        if status is not None:
            self.last_status, self.failures = status, 0
        else:
            self.failures += 1
        judged = derive_network(
            self.last_status,
            self.declared,
            reachable=status is not None,
            consecutive_failures=self.failures,
            unreachable_after=self.unreachable_after,
        )
        return DeviceBody(
            device=self.entry.id,
            kind="network",
            name=self.entry.name,
            reachable=status is not None,
            consecutive_failures=min(self.failures, 1_000_000),
            poll_error=error[:256] if error else None,
            poll_seconds=min(round(result.seconds, 3), 3600.0),
            state=judged.state,
            label=judged.label,
            reasons=judged.reasons,
            functions=judged.functions,
            network=status,  # only what was read now: a stale status is not re-published
        )
