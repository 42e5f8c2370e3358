"""``[files]``: the declared files keep the SHA-256 recorded in the baseline (drift)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from agent.lockdown.base import Check, CheckResult, Context
from agent.lockdown.baseline import snapshot
from agent.lockdown.registry import register
from agent.shared.config import Section


class FilesSection(Section, frozen=True):
    """The ``[files]`` table: files (a folder: every file below it) whose hashes are watched."""

    paths: Annotated[tuple[str, ...], msgspec.Meta(min_length=1, max_length=500)]


@register
class FileIntegrity(Check[FilesSection]):
    """The declared files still have the SHA-256 recorded in the baseline."""

    id = "file_integrity"
    label = "Les fichiers de verrouillage n'ont pas changé"
    section = "files"

    def run(self, ctx: Context) -> CheckResult:
        """Compare the files with the baseline."""
        if ctx.baseline is None:
            return CheckResult.of(
                self, "unknown", ["aucune référence : lancer « esc-agent lockdown baseline »"]
            )
        changes = ctx.baseline.drift(snapshot(self.config.paths, ctx))
        return CheckResult.of(self, "fail" if changes else "pass", changes)
