"""Headless Chromium (the Debian package), run with the flags this sandboxed machine needs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from helpers.processes import INSTALL_HINT


def chromium(*args: str, user_data: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium (Debian package) with the flags this sandboxed machine needs."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.fail(f"chromium is not installed: {INSTALL_HINT.format(package='chromium')}", pytrace=False)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", f"--user-data-dir={user_data}"]  # fmt: skip
    return subprocess.run([exe, *flags, *args], capture_output=True, text=True, timeout=timeout, check=False)
