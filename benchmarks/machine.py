"""The one line every benchmark prints about the machine it ran on (imported by the ``bench_*.py`` scripts)."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def machine() -> str:
    """Describe the machine in one line: cores and CPU model, system, Python."""
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
        platform.machine(),
    )  # fmt: skip
    debian = Path("/etc/debian_version")
    system = f"Debian {debian.read_text().strip()}" if debian.exists() else platform.platform()
    return f"{os.cpu_count()} cores ({model}), {system}, Python {platform.python_version()}"
