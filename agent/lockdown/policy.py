"""The lockdown policy of a kiosk profile (TOML), validated once at load.

Each section enables one family of checks; a section that is absent is not checked. The
annotated sample is ``agent/lockdown/sample-policy.toml``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent.messages import ConfigError, load_toml

__all__ = ["ConfigError", "Policy", "load_policy"]

Browser = Literal["chromium", "chrome", "edge", "firefox"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PolicySection(_Section):
    profile: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,62}$")
    description: str | None = Field(default=None, max_length=256)


class AccountsSection(_Section):
    public: tuple[str, ...] = Field(min_length=1, max_length=16)
    admin_groups: tuple[str, ...] = ("root", "sudo", "wheel", "admin", "adm")


class ProcessesSection(_Section):
    required: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = ()


class BrowserSection(_Section):
    browsers: tuple[Browser, ...] = Field(min_length=1)
    allowed_sites: tuple[str, ...] = Field(min_length=1, max_length=200)
    require_block_all: bool = True
    #: Other managed policies whose effective value must be exactly this (Chromium names).
    settings: dict[str, bool | int | str] = Field(default_factory=dict)

    @field_validator("allowed_sites")
    @classmethod
    def _domains(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for site in value:
            if "/" in site or " " in site or not site.strip("*."):
                msg = f"allowed_sites takes domain names such as 'caf.fr', got {site!r}"
                raise ValueError(msg)
        return tuple(s.lower().lstrip("*.") for s in value)


class FilesSection(_Section):
    paths: tuple[str, ...] = Field(min_length=1, max_length=500)


class UsbStorageSection(_Section):
    blocked: bool = True


class SessionResetSection(_Section):
    max_idle_seconds: int = Field(ge=30, le=86_400)


class ListeningPortsSection(_Section):
    allowed: tuple[int, ...] = ()


class KioskAutostartSection(_Section):
    command: str = Field(
        min_length=1, max_length=128, description="Program the kiosk session starts, e.g. chromium."
    )
    require_kiosk_flag: bool = True


class WindowsSection(_Section):
    kiosk_mode: Literal["assigned_access", "shell_launcher", "any"] = "any"
    write_filter: Literal["required", "optional"] = "optional"


class Policy(_Section):
    policy: PolicySection
    accounts: AccountsSection | None = None
    processes: ProcessesSection | None = None
    browser: BrowserSection | None = None
    files: FilesSection | None = None
    usb_storage: UsbStorageSection | None = None
    session_reset: SessionResetSection | None = None
    listening_ports: ListeningPortsSection | None = None
    kiosk_autostart: KioskAutostartSection | None = None
    windows: WindowsSection | None = None


def load_policy(path: Path) -> Policy:
    """Load and validate a lockdown policy.

    Raises:
        ConfigError: naming the file, the key and the problem.
    """
    return load_toml(path, Policy)
