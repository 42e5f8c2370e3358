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

The device offers ``wifi`` when radios are declared; otherwise it is judged whole. The label
helpers here also word the functions of the link probes (``internet``, ``site_<name>``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from agent.contract import french
from agent.contract.messages import DeviceState, FunctionState, NetworkInterface, NetworkStatus, Reason
from agent.contract.reasons import ALL, describe
from agent.network.parse import Declared
from agent.printers.state import function_states, overall

WIFI = "wifi"
#: French names of functions, for labels (« accès internet hors service : … »).
FUNCTION_LABELS: Mapping[str, str] = {
    "print": "impression",
    "scan": "numérisation",
    WIFI: "wifi",
    "internet": "accès internet",
    "wifi_logging": "journal des connexions wifi",
}
_DOWN_OPER = frozenset({"down", "lower_layer_down", "not_present"})


@dataclass(frozen=True)
class Judged:
    """A device's judged state: reasons, per-function states, overall state and French label."""

    state: DeviceState
    reasons: tuple[Reason, ...]
    label: str
    functions: tuple[FunctionState, ...] = ()


def reason(
    code: str, subject: str | None = None, *, functions: Sequence[str] = (), **details: str | None
) -> Reason:
    """Build a reason from its code; ``functions`` names those it affects when fewer than all."""
    row = describe(code)
    affected = tuple(functions) or (() if ALL in row.functions else tuple(sorted(row.functions)))
    label = french.capitalise(french.render(row.title, details))
    return Reason(
        code=code, label=label[:256], subject=subject, severity=row.severity, functions=affected[:48]
    )


def function_label(function: str, names: Mapping[str, str] | None = None) -> str:
    """Return the French name of a function (``site_caf`` → the site's name when known)."""
    if names and function in names:
        return names[function]
    return FUNCTION_LABELS.get(function, function.replace("_", " "))


def label_fr(
    state: DeviceState,
    reasons: Sequence[Reason],
    functions: Sequence[FunctionState] = (),
    names: Mapping[str, str] | None = None,
) -> str:
    """Return e.g. « site www.caf.fr hors service : site administratif injoignable (www.caf.fr) »."""
    down = [function_label(f.function, names) for f in functions if f.state == "down"]
    if state != "down" and down:
        if len(down) > 3:
            down = [*down[:2], f"{len(down) - 2} autres"]
        base = f"{', '.join(down[:-1])} et {down[-1]}" if len(down) > 1 else down[0]
        base = f"{base} hors service"
        worst = [r for r in reasons if r.severity == "down"]
    else:
        base = french.STATE_LABELS[state]
        if not reasons:
            return base
        worst = [r for r in reasons if r.severity == state] or list(reasons)
    details = "; ".join(r.label[0].lower() + r.label[1:] for r in worst[:3])
    return (f"{base} : {details}" if details else base)[:512]


def judge(
    reasons: Sequence[Reason], offered: Sequence[str], names: Mapping[str, str] | None = None
) -> Judged:
    """Return the states implied by reasons for the offered functions, with the label."""
    functions = function_states(reasons, offered)
    state = overall(functions, reasons)
    return Judged(state, tuple(reasons), label_fr(state, reasons, functions, names), functions)


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
) -> Judged:
    """Return a network device's state from its last good status and the current poll outcome."""
    offered = (WIFI,) if declared.radios else ()
    if not reachable and consecutive_failures >= unreachable_after:
        return judge([reason("unreachable")], offered)
    if status is None:
        unknown = tuple(FunctionState(function=f, state="unknown") for f in offered)
        return Judged("unknown", (), french.STATE_LABELS["unknown"], unknown)
    return judge(network_reasons(status, declared), offered)
