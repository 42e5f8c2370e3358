"""``[processes]``: the kiosk's programs run, forbidden ones (terminals, file managers…) do not.

Two checks read this one table: ``required_processes`` and ``forbidden_processes``.
"""

from __future__ import annotations

from agent.lockdown.base import Check, CheckResult, Context
from agent.lockdown.registry import register
from agent.shared.config import Section


class ProcessesSection(Section, frozen=True):
    """The ``[processes]`` table: program names (``.exe`` optional) that must or must not run."""

    required: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = ()


def _key(name: str) -> str:
    return name.casefold().removesuffix(".exe")


def _names(ctx: Context) -> set[str]:
    return {_key(n) for n in ctx.process_names()}


@register
class RequiredProcesses(Check[ProcessesSection]):
    """The kiosk browser (and whatever the policy requires) is running."""

    id = "required_processes"
    label = "Les programmes du poste verrouillé fonctionnent"
    section = "processes"

    def applies(self, ctx: Context) -> bool:
        """Run only when the policy requires programs."""
        return super().applies(ctx) and bool(self.config.required)

    def run(self, ctx: Context) -> CheckResult:
        """Compare the running programs with the required ones."""
        running = _names(ctx)
        missing = [p for p in self.config.required if _key(p) not in running]
        return CheckResult.of(
            self, "fail" if missing else "pass", [f"programme arrêté : {p}" for p in missing]
        )


@register
class ForbiddenProcesses(Check[ProcessesSection]):
    """No forbidden program (terminal, file manager…) is running."""

    id = "forbidden_processes"
    label = "Aucun programme interdit ne fonctionne"
    section = "processes"

    def applies(self, ctx: Context) -> bool:
        """Run only when the policy forbids programs."""
        return super().applies(ctx) and bool(self.config.forbidden)

    def run(self, ctx: Context) -> CheckResult:
        """Compare the running programs with the forbidden ones."""
        running = _names(ctx)
        found = [p for p in self.config.forbidden if _key(p) in running]
        return CheckResult.of(
            self, "fail" if found else "pass", [f"programme interdit en marche : {p}" for p in found]
        )
