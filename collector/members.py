"""The state of a site's member now (a device by the function a service needs, or a PC).

One rule, asked by the tracker (history and live counters) and by the status page, so both
always say the same thing:

* a device's state is its freshest live observation's (``collector.state.DeviceRecord.current``),
  judged by one function when a service needs one (``print``, ``scan``); no live observation is
  ``unknown``;
* a PC (an agent) is ``down`` (``pc_off``) when it said ``offline`` after its last data, ``unknown``
  when silent for longer than ``stale_after``, ``down`` (``lockdown_broken``) when its kiosk lockdown
  is broken, else ``ok``.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.contract.messages import DeviceBody, DeviceState, Reason
from agent.contract.reasons import describe
from collector.state import FleetState


@dataclass(frozen=True, slots=True)
class MemberNow:
    """A member's state now, with its reason codes and (for devices) the body it comes from."""

    state: DeviceState
    reasons: tuple[str, ...] = ()
    body: DeviceBody | None = None


UNKNOWN = MemberNow("unknown")


def _affects(reason: Reason, function: str | None) -> bool:
    if function is None:
        return True
    if reason.functions:
        return function in reason.functions
    return describe(reason.code).affects(function)


def device_now(
    fleet: FleetState, site: str, device: str, now: float, stale_after: float, function: str | None = None
) -> MemberNow:
    """Return a device's state now, judged by ``function`` (call with the fleet lock held)."""
    record = fleet.devices.get((site, device))
    current = record.current(fleet, now, stale_after) if record else None
    if current is None:
        return UNKNOWN
    body = current.body
    state = body.function_state(function) if function else body.state
    reasons = tuple(r.code for r in body.reasons if _affects(r, function))
    return MemberNow(state, reasons, body)


def pc_now(fleet: FleetState, site: str, agent_id: str, now: float, stale_after: float) -> MemberNow:
    """Return a PC's state now (call with the fleet lock held)."""
    agent = fleet.agents.get((site, agent_id))
    if agent is None:
        return UNKNOWN
    if agent.declared_offline():
        return MemberNow("down", ("pc_off",))
    if not agent.is_up(now, stale_after):
        return UNKNOWN
    if agent.lockdown is not None and not agent.lockdown.intact:
        return MemberNow("down", ("lockdown_broken",))
    return MemberNow("ok")


def member_now(
    fleet: FleetState,
    site: str,
    kind: str,
    member: str,
    now: float,
    stale_after: float,
    function: str | None = None,
) -> MemberNow:
    """Return the state of a service member (``kind`` is ``device`` or ``pc``)."""
    if kind == "device":
        return device_now(fleet, site, member, now, stale_after, function)
    return pc_now(fleet, site, member, now, stale_after)
