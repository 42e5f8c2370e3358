"""Baselines: the SHA-256 of every declared file, recorded once and compared at every check.

A declared folder stands for every regular file below it. The baseline is a small JSON
document (``esc-agent lockdown baseline``)::

    {"version": 1, "profile": "borne-caf", "created": "2026-11-29T14:00:00+00:00",
     "files": {"/etc/chromium/policies/managed/kiosk.json": "9f86d0…", "/etc/x/absent": null}}
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from agent.shared.config import ConfigError

if TYPE_CHECKING:
    from agent.lockdown.base import Context

MAX_FILES = 5_000


def sha256_of(path: Path) -> str | None:
    """Return a file's SHA-256, or ``None`` when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 16), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def snapshot(paths: tuple[str, ...], ctx: Context) -> dict[str, str | None]:
    """Return ``{path of the checked system: sha256 or None (absent)}`` for the declared paths."""
    out: dict[str, str | None] = {}
    for declared in paths:
        target = ctx.path(declared)
        if target.is_dir():
            for file in sorted(p for p in target.rglob("*") if p.is_file() and not p.is_symlink()):
                if len(out) >= MAX_FILES:
                    break
                out["/" + str(file.relative_to(ctx.root)).lstrip("/")] = sha256_of(file)
        else:
            out[declared] = sha256_of(target) if target.is_file() else None
    return out


@dataclass(frozen=True)
class Baseline:
    """A recorded state of the declared files."""

    profile: str
    created: str
    files: dict[str, str | None]

    def to_json(self) -> str:
        """Serialise the baseline."""
        data = {"version": 1, "profile": self.profile, "created": self.created, "files": self.files}
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def record(cls, profile: str, paths: tuple[str, ...], ctx: Context) -> Baseline:
        """Record the current state."""
        return cls(profile, datetime.now(UTC).isoformat(timespec="seconds"), snapshot(paths, ctx))

    @classmethod
    def load(cls, path: Path) -> Baseline:
        """Read a baseline file.

        Raises:
            ConfigError: when the file is missing or not a baseline.
        """
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: baseline file not found") from None
        except (OSError, ValueError) as err:
            raise ConfigError(f"{path}: not a readable baseline: {err}") from None
        files = data.get("files") if isinstance(data, dict) else None
        if data.get("version") != 1 or not isinstance(files, dict):
            raise ConfigError(f"{path}: not an ESC Fleet baseline (version 1 with 'files')")
        return cls(str(data.get("profile", "")), str(data.get("created", "")), dict(files))

    def drift(self, current: dict[str, str | None]) -> list[str]:
        """Return what changed since the baseline, in French, sorted."""
        changes = []
        for path in sorted(set(self.files) | set(current)):
            before, after = self.files.get(path, "absent"), current.get(path, "absent")
            if before == after:
                continue
            if path not in self.files:
                changes.append(f"fichier ajouté : {path}")
            elif after is None or path not in current:
                changes.append(f"fichier supprimé : {path}")
            elif before is None:
                changes.append(f"fichier apparu : {path}")
            else:
                changes.append(f"fichier modifié : {path}")
        return changes
