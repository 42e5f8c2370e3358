"""The lockdown policy of a kiosk profile (TOML), validated once at load.

``[policy]`` names the profile; every other table belongs to one check module of
:mod:`agent.lockdown.checks`, which defines its struct. A table that is absent is not checked.
:data:`Policy` is generated from the registry, so a new check module brings its table with it.
The annotated sample is ``agent/lockdown/sample-policy.toml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import msgspec

from agent.lockdown.registry import sections
from agent.shared.config import ConfigError, Section, load_toml

__all__ = ["ConfigError", "Policy", "PolicyBase", "PolicySection", "load_policy", "policy_struct"]

Profile = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9_.-]{0,62}$")]


class PolicySection(Section, frozen=True):
    """The ``[policy]`` table: which kiosk profile this is."""

    profile: Profile
    description: Annotated[str, msgspec.Meta(max_length=256)] | None = None


class PolicyBase(Section, frozen=True):
    """A whole policy: ``[policy]``, then one optional field per check table (see :func:`policy_struct`)."""

    policy: PolicySection

    if TYPE_CHECKING:  # the check tables are fields generated from the registry

        def __getattr__(self, name: str) -> Any:
            """Return a check's table (the fields are generated from the registry)."""


def policy_struct(tables: Mapping[str, type[Section]]) -> type[PolicyBase]:
    """Return the policy struct: :class:`PolicyBase` plus an optional field per table."""
    fields = [(name, kind | None, None) for name, kind in tables.items()]
    struct = msgspec.defstruct("Policy", fields, bases=(PolicyBase,), module=__name__, frozen=True)
    struct.__doc__ = "A lockdown policy: ``[policy]`` and the tables of the registered checks."
    return cast("type[PolicyBase]", struct)


if TYPE_CHECKING:
    Policy = PolicyBase
else:
    Policy = policy_struct(sections())


def load_policy(path: Path) -> Policy:
    """Load and validate a lockdown policy.

    Raises:
        ConfigError: naming the file, the line, the key and the problem.
    """
    return load_toml(path, Policy)
