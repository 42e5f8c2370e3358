r"""Windows sources for the lockdown checks, behind one interface.

The checks ask a :class:`WindowsSource` for registry keys and for three WMI/CIM facts
(documented Microsoft locations):

* registry ``HKLM\SYSTEM\CurrentControlSet\Services\USBSTOR`` ``Start`` (4 = USB storage
  disabled), ``HKLM\SOFTWARE\Microsoft\Windows\AssignedAccessConfiguration`` (Assigned Access
  profiles and configs), ``HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon``
  ``Shell``, ``HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System``
  ``InactivityTimeoutSecs``, and the browsers' ``HKLM\SOFTWARE\Policies`` keys;
* CIM ``root\standardcimv2\embedded`` ``UWF_Filter`` (``CurrentEnabled``, ``NextEnabled``) and
  ``WESL_UserSetting`` (Shell Launcher custom shells);
* the members of the built-in Administrators group (SID ``S-1-5-32-544``, whatever its
  localised name: « Administrateurs » on a French Windows).

:class:`LiveWindowsSource` reads a running Windows (``winreg`` and PowerShell CIM cmdlets);
:class:`RecordedWindowsSource` reads a ``.reg`` export and recorded ``ConvertTo-Json`` answers,
which is how these checks are tested on Linux.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Protocol

USBSTOR = r"HKLM\SYSTEM\CurrentControlSet\Services\USBSTOR"
ASSIGNED_ACCESS = r"HKLM\SOFTWARE\Microsoft\Windows\AssignedAccessConfiguration"
WINLOGON = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon"
POLICIES_SYSTEM = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System"
ADMINISTRATORS_SID = "S-1-5-32-544"

_HIVES = {"HKEY_LOCAL_MACHINE": "HKLM", "HKEY_CURRENT_USER": "HKCU", "HKEY_USERS": "HKU"}


def normalise_key(key: str) -> str:
    r"""Return a registry key in one spelling: ``HKLM\…``, case-folded, no trailing backslash."""
    head, _, rest = key.strip().strip("\\").partition("\\")
    head = _HIVES.get(head.upper(), head.upper())
    return f"{head}\\{rest}".rstrip("\\").casefold() if rest else head.casefold()


class WindowsSource(Protocol):
    """What the Windows checks read."""

    def registry_values(self, key: str) -> dict[str, Any] | None:
        """Return the values of a key (``None`` when the key does not exist)."""

    def registry_subkeys(self, key: str) -> list[str]:
        """Return the names of a key's subkeys."""

    def administrators(self) -> list[str] | None:
        """Return the members of the Administrators group (``None`` when unknown)."""

    def uwf_filter(self) -> dict[str, Any] | None:
        """Return the UWF_Filter instance (``None`` when UWF is not installed)."""

    def shell_launcher(self) -> list[dict[str, Any]] | None:
        """Return the WESL_UserSetting instances (``None`` when Shell Launcher is absent)."""


# --------------------------------------------------------------------------- .reg exports

_VALUE = re.compile(r'^(?:"((?:[^"\\]|\\.)*)"|(@))=(.*)$')


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _hex_bytes(text: str) -> bytes:
    return bytes(int(h, 16) for h in text.replace(" ", "").split(",") if h)


def _parse_data(data: str) -> Any:
    if data.startswith('"') and data.endswith('"'):
        return _unescape(data[1:-1])
    if data.startswith("dword:"):
        return int(data[6:], 16)
    match = re.match(r"hex(?:\((\w+)\))?:(.*)$", data)
    if match:
        kind, raw = match.group(1), _hex_bytes(match.group(2))
        if kind == "b":  # REG_QWORD, little-endian
            return int.from_bytes(raw, "little")
        if kind in ("2", "7"):  # REG_EXPAND_SZ / REG_MULTI_SZ, UTF-16LE
            text = raw.decode("utf-16-le", errors="replace").rstrip("\x00")
            return text.split("\x00") if kind == "7" else text
        return raw
    return data


def parse_reg_export(text: str, *, names: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    r"""Parse a ``regedit`` export (``Windows Registry Editor Version 5.00`` or ``REGEDIT4``).

    Returns ``{normalised key: {value name: data}}``; the default value is named ``""``.
    ``dword:`` → int, ``hex(b):`` → int, ``hex(2)``/``hex(7)`` → str / list of str, other
    ``hex`` → bytes. Continuation lines (ending with ``\``) are joined. ``names``, when
    given, receives the original spelling of every key.
    """
    keys: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] | None = None
    logical: list[str] = []
    pending = ""
    for raw_line in text.lstrip("\ufeff").splitlines():
        line = raw_line.strip()
        if pending:
            line = pending + line
            pending = ""
        if line.endswith("\\") and not line.startswith("["):
            pending = line[:-1]
            continue
        logical.append(line)
    for line in logical:
        if not line or line.startswith(";") or line in ("REGEDIT4", "Windows Registry Editor Version 5.00"):
            continue
        if line.startswith("[") and line.endswith("]"):
            name = line[1:-1]
            if name.startswith("-"):
                keys.pop(normalise_key(name[1:]), None)
                current = None
            else:
                current = keys.setdefault(normalise_key(name), {})
                if names is not None:
                    names[normalise_key(name)] = name
            continue
        match = _VALUE.match(line)
        if match and current is not None:
            value_name = "" if match.group(2) else _unescape(match.group(1))
            data = match.group(3)
            if data == "-":
                current.pop(value_name, None)
            else:
                current[value_name] = _parse_data(data)
    return keys


class RecordedWindowsSource:
    """A Windows system as recorded: a ``.reg`` export plus recorded CIM/PowerShell answers."""

    def __init__(
        self,
        reg_text: str,
        *,
        administrators: list[str] | None = None,
        uwf_filter: dict[str, Any] | None = None,
        shell_launcher: list[dict[str, Any]] | None = None,
    ) -> None:
        """Hold the recorded facts."""
        self.names: dict[str, str] = {}
        self.keys = parse_reg_export(reg_text, names=self.names)
        self._administrators = administrators
        self._uwf = uwf_filter
        self._shell = shell_launcher

    @classmethod
    def from_folder(cls, folder: Path) -> RecordedWindowsSource:
        """Load ``registry.reg`` and the optional recorded answers beside it.

        The answers are ``administrators.json``, ``uwf_filter.json`` and ``wesl_usersetting.json``.
        """

        def _json(name: str) -> Any:
            path = folder / name
            return json.loads(path.read_text(encoding="utf-8-sig")) if path.exists() else None

        raw = (folder / "registry.reg").read_bytes()
        text = raw.decode("utf-16") if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else raw.decode("utf-8-sig")
        admins = _json("administrators.json")
        return cls(
            text,
            administrators=[admins] if isinstance(admins, str) else admins,
            uwf_filter=_json("uwf_filter.json"),
            shell_launcher=_as_instances(_json("wesl_usersetting.json")),
        )

    def registry_values(self, key: str) -> dict[str, Any] | None:
        """Return the recorded values of ``key``."""
        return self.keys.get(normalise_key(key))

    def registry_subkeys(self, key: str) -> list[str]:
        """Return the recorded direct subkeys of ``key``, spelled as in the export."""
        prefix = normalise_key(key) + "\\"
        depth = prefix.count("\\")
        found = set()
        for k in self.keys:
            if k.startswith(prefix):
                child = "\\".join(k.split("\\")[: depth + 1])
                found.add(self.names.get(child, child).rsplit("\\", 1)[-1])
        return sorted(found)

    def administrators(self) -> list[str] | None:
        """Return the recorded members of Administrators."""
        return self._administrators

    def uwf_filter(self) -> dict[str, Any] | None:
        """Return the recorded UWF_Filter instance."""
        return self._uwf

    def shell_launcher(self) -> list[dict[str, Any]] | None:
        """Return the recorded WESL_UserSetting instances."""
        return self._shell


def _as_instances(value: Any) -> list[dict[str, Any]] | None:
    # ConvertTo-Json writes a single instance as an object, several as an array.
    if value is None:
        return None
    return [value] if isinstance(value, dict) else [v for v in value if isinstance(v, dict)]


def _winreg() -> Any:
    # Imported by name: the module (and its type stubs) exist on Windows only.
    return importlib.import_module("winreg")


class LiveWindowsSource:  # pragma: no cover - exercised on Windows only (see README)
    """The running Windows: ``winreg`` and PowerShell CIM cmdlets."""

    def _open(self, key: str) -> Any:
        winreg = _winreg()
        hive, _, path = normalise_key(key).partition("\\")
        root = {
            "hklm": winreg.HKEY_LOCAL_MACHINE,
            "hkcu": winreg.HKEY_CURRENT_USER,
            "hku": winreg.HKEY_USERS,
        }[hive]
        return winreg.OpenKey(root, path, 0, winreg.KEY_READ | winreg.KEY_WOW64_64KEY)

    def registry_values(self, key: str) -> dict[str, Any] | None:
        """Read a key's values with ``winreg``."""
        winreg = _winreg()
        try:
            handle = self._open(key)
        except OSError:
            return None
        values: dict[str, Any] = {}
        with handle:
            index = 0
            while True:
                try:
                    name, data, _kind = winreg.EnumValue(handle, index)
                except OSError:
                    break
                values[name] = data
                index += 1
        return values

    def registry_subkeys(self, key: str) -> list[str]:
        """List a key's subkeys with ``winreg``."""
        winreg = _winreg()
        try:
            handle = self._open(key)
        except OSError:
            return []
        names = []
        with handle:
            index = 0
            while True:
                try:
                    names.append(winreg.EnumKey(handle, index))
                except OSError:
                    break
                index += 1
        return names

    @staticmethod
    def _powershell(command: str) -> Any:
        try:
            out = subprocess.run(
                ["powershell.exe", "-NoProfile", "-NonInteractive", "-Command", command],
                capture_output=True, text=True, timeout=30, check=False,
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired):
            return None
        if out.returncode != 0 or not out.stdout.strip():
            return None
        try:
            return json.loads(out.stdout)
        except ValueError:
            return None

    def administrators(self) -> list[str] | None:
        """Members of S-1-5-32-544, by SID so that the group's localised name does not matter."""
        value = self._powershell(
            f"Get-LocalGroupMember -SID {ADMINISTRATORS_SID} | Select-Object -ExpandProperty Name "
            "| ConvertTo-Json"
        )
        if value is None:
            return None
        return [value] if isinstance(value, str) else [str(v) for v in value]

    def uwf_filter(self) -> dict[str, Any] | None:
        """UWF_Filter from CIM (absent when the feature is not installed)."""
        value = self._powershell(
            r"Get-CimInstance -Namespace root\standardcimv2\embedded -ClassName UWF_Filter "
            "| Select-Object CurrentEnabled,NextEnabled | ConvertTo-Json"
        )
        return value if isinstance(value, dict) else None

    def shell_launcher(self) -> list[dict[str, Any]] | None:
        """WESL_UserSetting instances from CIM (absent when Shell Launcher is not installed)."""
        return _as_instances(
            self._powershell(
                r"Get-CimInstance -Namespace root\standardcimv2\embedded -ClassName WESL_UserSetting "
                "| Select-Object Sid,Shell | ConvertTo-Json"
            )
        )


def live_source() -> WindowsSource | None:
    """Return the live source on Windows, ``None`` elsewhere."""
    return LiveWindowsSource() if sys.platform == "win32" else None
