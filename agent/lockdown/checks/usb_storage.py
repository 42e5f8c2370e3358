"""``[usb_storage]``: USB mass storage is blocked (modprobe on Linux, USBSTOR on Windows)."""

from __future__ import annotations

import re
from pathlib import Path

from agent.lockdown import windows
from agent.lockdown.base import Check, CheckResult, Context
from agent.lockdown.registry import register
from agent.shared.config import Section


class UsbStorageSection(Section, frozen=True):
    """The ``[usb_storage]`` table: whether USB storage must be blocked."""

    blocked: bool = True


_MODPROBE_FOLDERS = ("/etc/modprobe.d", "/lib/modprobe.d", "/usr/lib/modprobe.d")
_USB_BLOCK = re.compile(
    r"^\s*(?:blacklist\s+usb[_-]storage\s*$|install\s+usb[_-]storage\s+(?:/usr)?/bin/(?:false|true)\b)",
    re.MULTILINE,
)


@register
class UsbStorageBlocked(Check[UsbStorageSection]):
    """USB mass storage is blocked (modprobe on Linux, USBSTOR Start=4 on Windows)."""

    id = "usb_storage"
    label = "Les clés USB sont bloquées"
    section = "usb_storage"

    def applies(self, ctx: Context) -> bool:
        """Run when the policy asks USB storage to be blocked."""
        return super().applies(ctx) and self.config.blocked

    def run(self, ctx: Context) -> CheckResult:
        """Read the modprobe configuration or the USBSTOR service."""
        if ctx.platform == "windows":
            values = ctx.windows.registry_values(windows.USBSTOR) if ctx.windows else None
            if values is None:
                return CheckResult.of(self, "unknown", ["clé USBSTOR absente du registre"])
            start = values.get("Start")
            ok = start == 4
            return CheckResult.of(
                self, "pass" if ok else "fail", [] if ok else [f"USBSTOR Start = {start} (4 attendu)"]
            )
        blocked = False
        for folder in _MODPROBE_FOLDERS:
            directory = ctx.path(folder)
            if directory.is_dir():
                for file in sorted(directory.glob("*.conf")):
                    if _USB_BLOCK.search(ctx.read_text(f"{folder}/{file.name}") or ""):
                        blocked = True
        problems = [] if blocked else ["usb_storage n'est ni en liste noire ni neutralisé dans modprobe.d"]
        modules = ctx.read_text("/proc/modules") if ctx.root == Path("/") else None
        if modules and any(line.split(" ", 1)[0] == "usb_storage" for line in modules.splitlines()):
            problems.append("le module usb_storage est chargé")
        return CheckResult.of(self, "fail" if problems else "pass", problems)
