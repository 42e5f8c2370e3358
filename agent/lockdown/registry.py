"""The table of lockdown checks, filled by the check modules themselves, and running them.

Each module of :mod:`agent.lockdown.checks` declares its checks with ``@register``, the way a
Telegraf input adds itself to ``inputs.Inputs`` in its ``init()``. Adding a check touches its
module, its documented block in ``sample-policy.toml``, and its test; no list here.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, TypeVar

from agent.lockdown.base import Check, CheckResult, Context

if TYPE_CHECKING:
    from agent.lockdown.policy import Policy
    from agent.shared.config import Section

_LOGGER = logging.getLogger(__name__)

#: Every registered check class, by check id, in the order the check modules were imported.
CHECKS: dict[str, type[Check[Any]]] = {}
#: Tables a check may not use: ``[policy]`` names the profile.
RESERVED_SECTIONS = frozenset({"policy"})

CheckT = TypeVar("CheckT", bound="type[Check[Any]]")


def register(check: CheckT) -> CheckT:
    """Add a check class to :data:`CHECKS` under its id (a class decorator).

    Raises:
        ValueError: when the id is taken, or the check's table is reserved or already read
            into another struct (a table belongs to one module).
    """
    if check.id in CHECKS:
        msg = f"lockdown check id {check.id!r} registered twice"
        raise ValueError(msg)
    if check.section in RESERVED_SECTIONS:
        msg = f"lockdown check {check.id!r}: the [{check.section}] table is reserved"
        raise ValueError(msg)
    owner = sections().get(check.section)
    if owner is not None and owner is not check.Config:
        msg = f"lockdown check {check.id!r}: [{check.section}] is already read into {owner.__qualname__}"
        raise ValueError(msg)
    CHECKS[check.id] = check
    return check


def sections() -> dict[str, type[Section]]:
    """Return the policy tables the registered checks read, by table name."""
    return {check.section: check.Config for check in CHECKS.values()}


def run_checks(policy: Policy, ctx: Context) -> list[CheckResult]:
    """Run every check the policy enables on this platform; one failing check never stops the others."""
    results = []
    for check_class in CHECKS.values():
        check = check_class(policy)
        if not check.applies(ctx):
            continue
        try:
            results.append(check.run(ctx))
        except Exception as err:  # a check that breaks says "unknown", it does not take the others down
            _LOGGER.exception("lockdown check %s failed", check.id)
            results.append(CheckResult.of(check, "unknown", [f"erreur interne : {type(err).__name__}"]))
    return results


def intact(results: list[CheckResult]) -> bool:
    """Return whether no check failed (unknown is not broken)."""
    return not any(r.result == "fail" for r in results)


# Last, so that ``register`` exists when the check modules run: importing the table fills it.
import agent.lockdown.checks  # noqa: E402, F401
