"""Pure state rules of a network device: declared interfaces → reasons → the ``wifi`` function.

Rules (the interfaces are those the agent's ``[[network]]`` entry declares):

* an interface is down when its ``ifOperStatus`` is down, lowerLayerDown or notPresent, or when
  it is administratively down; a declared interface the device does not list counts as down;
  ``testing``, ``dormant`` and ``unknown`` are not judged;
* every declared Wi-Fi radio down → ``wifi_down``; some of them → ``interface_down`` for each
  (the Wi-Fi still works, degraded);
* the uplink down → ``uplink_down`` (visitors get no network through this access point);
* another watched interface down → ``interface_down``;
* unreachable (SNMP silent) after N polls in a row → ``unreachable``.

The device offers ``wifi`` when radios are declared; otherwise it is judged whole. Reasons, the
per-function and overall states and the French label come from the rules every device shares, in
:mod:`agent.printers.state`.
"""

from __future__ import annotations

from agent.contract.messages import NetworkInterface, NetworkStatus, Reason
from agent.network.parse import Declared
from agent.printers.state import Derived, combine, reason, unknown

WIFI = "wifi"
_DOWN_OPER = frozenset({"down", "lower_layer_down", "not_present"})


def is_down(interface: NetworkInterface) -> bool:
    """Return whether an interface is down (operationally, or switched off by its administrator)."""
    return interface.oper in _DOWN_OPER or interface.admin == "down"


def network_reasons(status: NetworkStatus, declared: Declared) -> list[Reason]:
    """Return the reasons of a network device from its declared interfaces."""
    by_name = {i.name: i for i in status.interfaces if i.role is not None}
    offered = (WIFI,) if declared.radios else ()

    def down(name: str) -> str | None:
        """The label part of a down interface, or None when it is not down."""
        if name in status.missing_interfaces:
            return f"{name}, absente"
        row = by_name.get(name)
        return name if row is not None and is_down(row) else None

    reasons: list[Reason] = []
    radios_down = [(name, part) for name in declared.radios if (part := down(name)) is not None]
    if declared.radios and len(radios_down) == len(declared.radios):
        reasons.append(reason("wifi_down", functions=offered))
    else:
        reasons += [
            reason("interface_down", name, functions=offered, part=part) for name, part in radios_down
        ]
    if declared.uplink and (part := down(declared.uplink)) is not None:
        reasons.append(reason("uplink_down", declared.uplink, functions=offered, part=part))
    for name in declared.watched:
        if (part := down(name)) is not None:
            reasons.append(reason("interface_down", name, functions=offered, part=part))
    return reasons


def derive_network(
    status: NetworkStatus | None,
    declared: Declared,
    *,
    reachable: bool,
    consecutive_failures: int,
    unreachable_after: int,
) -> Derived:
    """Return a network device's state from its last good status and the current poll outcome."""
    offered = (WIFI,) if declared.radios else ()
    if not reachable and consecutive_failures >= unreachable_after:
        return combine([reason("unreachable")], offered)
    if status is None:
        return unknown(offered)
    return combine(network_reasons(status, declared), offered)
