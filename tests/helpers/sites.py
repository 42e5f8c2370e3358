"""A small builder for ``sites.toml`` text, so that the file's shape lives in one place.

Tests describe sites with :func:`site`, :func:`service`, :func:`closure` and :func:`maintenance`
and render them with :func:`sites_toml`::

    sites_toml(
        site("maurepas", name="ESC Maurepas", opening_hours="24/7", contact="secretariat@example.org",
             services={"impression": service(devices=["hp"]), "postes": service(pcs=["accueil-pc1"])}),
        site("kleber", name="ESC Kléber", opening_hours="off"),
    )

The builder checks nothing, on purpose: tests of ``esc-collector sites validate`` build invalid
files with it too (:meth:`SiteSpec.replace` gives a variant of a site). Keys left at ``None`` or
empty are not written, so the collector's defaults apply.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


def _string(value: str) -> str:
    # A JSON string without ASCII escaping is a valid TOML basic string.
    return json.dumps(value, ensure_ascii=False)


def _array(values: Iterable[str]) -> str:
    return "[" + ", ".join(_string(v) for v in values) + "]"


def _table_lines(values: Mapping[str, str]) -> list[str]:
    return [f"{k} = {_string(v)}" for k, v in values.items()]


def _value(value: object) -> str:
    """Return a TOML value: strings, numbers, booleans and lists of them."""
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Iterable):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} in TOML")


def _inline_table(values: Mapping[str, str | None]) -> str:
    return "{ " + ", ".join(f"{k} = {_string(v)}" for k, v in values.items() if v is not None) + " }"


@dataclass(frozen=True)
class ServiceSpec:
    """A promised service: its member devices and PCs, and how many must be usable."""

    devices: tuple[str, ...] = ()
    pcs: tuple[str, ...] = ()
    min_usable: int | None = None
    label: str | None = None
    function: str | None = None
    needs: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """Return the service table's ``key = value`` lines."""
        out = []
        if self.needs:
            out.append(f"needs = {_array(self.needs)}")
        if self.function is not None:
            out.append(f"function = {_string(self.function)}")
        if self.devices:
            out.append(f"devices = {_array(self.devices)}")
        if self.pcs:
            out.append(f"pcs = {_array(self.pcs)}")
        if self.min_usable is not None:
            out.append(f"min_usable = {self.min_usable}")
        if self.label is not None:
            out.append(f"label = {_string(self.label)}")
        return out


@dataclass(frozen=True)
class MemberSpec:
    """A device (with its functions) or an agent of the site, its name and its dated life."""

    name: str | None = None
    functions: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    needs: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """Return the member table's ``key = value`` lines."""
        out = [
            f"{k} = {_string(v)}"
            for k, v in (("name", self.name), ("since", self.since), ("until", self.until))
            if v
        ]
        if self.functions:
            out.append(f"functions = {_array(self.functions)}")
        if self.needs:
            out.append(f"needs = {_array(self.needs)}")
        return out


@dataclass(frozen=True)
class WindowSpec:
    """An exceptional closure, or a planned maintenance when ``service`` is set (local times)."""

    start: str
    end: str
    reason: str | None = None
    service: str | None = None

    def toml(self) -> str:
        """Return the window as an inline table."""
        return _inline_table(
            {"service": self.service, "from": self.start, "to": self.end, "reason": self.reason}
        )


@dataclass(frozen=True)
class SiteSpec:
    """One ``[sites.<id>]`` table and its services."""

    id: str
    name: str
    opening_hours: str
    contact: str | None = None
    timezone: str | None = None
    holidays_subdivision: str | None = None
    closures: tuple[WindowSpec, ...] = ()
    maintenance: tuple[WindowSpec, ...] = ()
    services: Mapping[str, ServiceSpec] = field(default_factory=dict)
    devices: Mapping[str, MemberSpec] = field(default_factory=dict)
    agents: Mapping[str, MemberSpec] = field(default_factory=dict)
    contacts: Mapping[str, str] = field(default_factory=dict)
    target: float | None = None
    order_lead_days: int | None = None
    #: The ``[sites.<id>.lieu]`` table (the national schema's keys: pivot, adresse, code_postal…).
    lieu: Mapping[str, object] | None = None

    def replace(self, **changes: Any) -> SiteSpec:
        """Return a copy with some fields changed (e.g. a broken variant for a validation test)."""
        return dataclasses.replace(self, **changes)

    def toml(self) -> str:
        """Return the site's TOML text."""
        lines = [f"[sites.{self.id}]", f"name = {_string(self.name)}"]
        if self.timezone is not None:
            lines.append(f"timezone = {_string(self.timezone)}")
        lines.append(f"opening_hours = {_string(self.opening_hours)}")
        if self.holidays_subdivision is not None:
            lines.append(f"holidays_subdivision = {_string(self.holidays_subdivision)}")
        if self.target is not None:
            lines.append(f"target = {self.target!r}")
        if self.order_lead_days is not None:
            lines.append(f"order_lead_days = {self.order_lead_days}")
        if self.contact is not None:
            lines.append(f"contact = {_string(self.contact)}")
        if self.closures:
            lines.append(f"closures = [{', '.join(w.toml() for w in self.closures)}]")
        if self.maintenance:
            lines.append(f"maintenance = [{', '.join(w.toml() for w in self.maintenance)}]")
        if self.contacts:
            lines += [f"[sites.{self.id}.contacts]", *_table_lines(self.contacts)]
        for device_id, device in self.devices.items():
            lines += [f"[sites.{self.id}.devices.{device_id}]", *device.lines()]
        for agent_id, agent in self.agents.items():
            lines += [f"[sites.{self.id}.agents.{agent_id}]", *agent.lines()]
        for name, svc in self.services.items():
            lines += [f"[sites.{self.id}.services.{name}]", *svc.lines()]
        if self.lieu is not None:
            lines += [f"[sites.{self.id}.lieu]", *(f"{k} = {_value(v)}" for k, v in self.lieu.items())]
        return "\n".join(lines) + "\n"


def service(
    *,
    devices: Iterable[str] = (),
    pcs: Iterable[str] = (),
    min_usable: int | None = None,
    label: str | None = None,
    function: str | None = None,
    needs: Iterable[str] = (),
) -> ServiceSpec:
    """A service of ``devices`` (printer and scanner ids) and ``pcs`` (agent ids).

    ``needs``: functions of the site's link every member needs (``["internet"]``).
    """
    return ServiceSpec(tuple(devices), tuple(pcs), min_usable, label, function, tuple(needs))


def member(
    name: str | None = None,
    *,
    functions: Iterable[str] = (),
    since: str | None = None,
    until: str | None = None,
    needs: Iterable[str] = (),
) -> MemberSpec:
    """A device or agent declaration: ``functions`` for devices (``print``, ``scan``, ``internet``…).

    ``needs``: functions of the site's link the member needs (a kiosk's ``["site_caf"]``).
    """
    return MemberSpec(name, tuple(functions), since, until, tuple(needs))


def closure(start: str, end: str, reason: str | None = None) -> WindowSpec:
    """An exceptional closure: dates are whole days, date-times exact."""
    return WindowSpec(start, end, reason)


def maintenance(service: str, start: str, end: str, reason: str | None = None) -> WindowSpec:
    """A planned maintenance of one of the site's services."""
    return WindowSpec(start, end, reason, service)


def site(
    site_id: str,
    *,
    name: str,
    opening_hours: str,
    contact: str | None = None,
    timezone: str | None = None,
    holidays_subdivision: str | None = None,
    closures: Iterable[WindowSpec] = (),
    maintenance: Iterable[WindowSpec] = (),
    services: Mapping[str, ServiceSpec] | None = None,
    devices: Mapping[str, MemberSpec] | None = None,
    agents: Mapping[str, MemberSpec] | None = None,
    contacts: Mapping[str, str] | None = None,
    target: float | None = None,
    order_lead_days: int | None = None,
    lieu: Mapping[str, object] | None = None,
) -> SiteSpec:
    """A site ``site_id`` open ``opening_hours`` (OpenStreetMap syntax) offering ``services``.

    ``contacts``: the site's own ``[sites.<id>.contacts]`` (``{"technicien": "Jean Dupont, 02 99 …"}``).
    ``target``: the availability the site aims at, 0–1 (the collector's default when ``None``).
    ``order_lead_days``: days to get a toner cartridge once ordered (the collector's default, 10, when ``None``).
    ``lieu``: the site as a place of digital mediation (``{"pivot": "…", "adresse": "…"}``).
    """
    return SiteSpec(site_id, name, opening_hours, contact, timezone, holidays_subdivision, tuple(closures),
                    tuple(maintenance), dict(services or {}), dict(devices or {}), dict(agents or {}),
                    dict(contacts or {}), target, order_lead_days, dict(lieu) if lieu is not None else None)  # fmt: skip


def sites_toml(
    *sites: SiteSpec,
    contacts: Mapping[str, str] | None = None,
    administrative_sites: Mapping[str, str] | None = None,
) -> str:
    """Return the text of a ``sites.toml`` holding ``sites``, in order.

    ``contacts``: the top-level ``[contacts]`` table, every site's defaults.
    ``administrative_sites``: how people name administrative sites (``{"caf": "la CAF"}``).
    """
    head = ["[contacts]\n" + "\n".join(_table_lines(contacts)) + "\n"] if contacts else []
    if administrative_sites:
        head.append("[administrative_sites]\n" + "\n".join(_table_lines(administrative_sites)) + "\n")
    return "\n".join([*head, *(s.toml() for s in sites)])
