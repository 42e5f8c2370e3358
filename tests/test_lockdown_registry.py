"""The check registry and the sample policy (Telegraf's ``TestRegistry`` and ``TestSampleConfig``).

Every registered check has its documented block in ``sample-policy.toml``; the sample parses,
commented-out keys included; each check module owns the table it reads.
"""

from __future__ import annotations

import pkgutil
import re
import tomllib
from pathlib import Path
from typing import ClassVar

import pytest

import agent.lockdown.checks
from agent.lockdown.base import Check, CheckResult, Context
from agent.lockdown.checks.usb_storage import UsbStorageSection
from agent.lockdown.policy import Policy, load_policy, policy_struct
from agent.lockdown.registry import CHECKS, register, run_checks, sections
from agent.shared.config import ConfigError, Section, load_toml

from helpers.processes import REPO

SAMPLE = REPO / "agent" / "lockdown" / "sample-policy.toml"
HEADER = re.compile(r"^\[([a-z_]+)\]\s*$", re.MULTILINE)

# The wire contract of the existing checks: ids, labels and severities the collector, dashboards
# and alerts rely on. A new check does not need a line here; changing one of these breaks the contract.
CONTRACT = {
    "public_account_not_admin": ("Le compte public n'est pas administrateur", "critical"),
    "required_processes": ("Les programmes du poste verrouillé fonctionnent", "critical"),
    "forbidden_processes": ("Aucun programme interdit ne fonctionne", "critical"),
    "browser_policy": ("Le navigateur est limité aux sites administratifs déclarés", "critical"),
    "file_integrity": ("Les fichiers de verrouillage n'ont pas changé", "critical"),
    "usb_storage": ("Les clés USB sont bloquées", "critical"),
    "session_reset": ("La session se réinitialise après inactivité", "critical"),
    "listening_ports": ("Aucun port réseau inattendu n'est ouvert", "warning"),
    "kiosk_autostart": ("Le navigateur démarre en mode borne à l'ouverture de session", "critical"),
    "windows_kiosk_mode": (
        "Le mode kiosque Windows (accès attribué ou Shell Launcher) est configuré",
        "critical",
    ),
    "windows_write_filter": ("Le filtre d'écriture (UWF) protège le système", "warning"),
}


def sample_blocks() -> dict[str, str]:
    """Return the text of each table of the sample policy, by table name."""
    text = SAMPLE.read_text(encoding="utf-8")
    headers = list(HEADER.finditer(text))
    ends = [h.start() for h in headers[1:]] + [len(text)]
    return {h.group(1): text[h.start() : end] for h, end in zip(headers, ends, strict=True)}


def uncomment(text: str) -> str:
    """Return a sample block with its ``# key = default`` lines made real."""
    return "\n".join(line[2:] if line.startswith("# ") else line for line in text.splitlines())


# --------------------------------------------------------------------------- TestRegistry


def test_the_registry_holds_every_check_under_its_id() -> None:
    assert all(c.id == check_id for check_id, c in CHECKS.items())
    assert {
        check_id: (CHECKS[check_id].label, CHECKS[check_id].severity) for check_id in CONTRACT
    } == CONTRACT


@pytest.mark.parametrize("check_id", sorted(CHECKS))
def test_each_check_module_owns_its_table(check_id: str) -> None:
    check = CHECKS[check_id]
    assert check.__module__ == f"agent.lockdown.checks.{check.section}"
    assert check.Config.__module__ == check.__module__, (
        f"[{check.section}] is read into a struct of another module"
    )
    assert issubclass(check.Config, Section)
    assert check.Config.__struct_config__.frozen
    assert check.Config.__struct_config__.forbid_unknown_fields


def test_every_check_module_registers_a_check() -> None:
    modules = {m.name for m in pkgutil.iter_modules(agent.lockdown.checks.__path__)}
    assert modules == {c.__module__.rsplit(".", 1)[1] for c in CHECKS.values()}


def test_the_policy_is_made_of_the_check_tables() -> None:
    assert Policy.__struct_fields__ == ("policy", *sections())


def test_register_refuses_a_second_owner() -> None:
    class Again(Check[UsbStorageSection]):
        id = "usb_storage"
        label = "x"
        section = "usb_storage"

    class Other(Section, frozen=True):
        blocked: bool = True

    class Stealer(Check[Other]):
        id = "usb_thief"
        label = "x"
        section = "usb_storage"

    class Reserved(Check[Other]):
        id = "profile_check"
        label = "x"
        section = "policy"

    for check, problem in ((Again, "registered twice"), (Stealer, "already read into UsbStorageSection"),
                           (Reserved, "reserved")):  # fmt: skip
        with pytest.raises(ValueError, match=problem):
            register(check)
    assert {"usb_thief", "profile_check"}.isdisjoint(CHECKS)


def test_a_new_table_is_one_more_policy_field(tmp_path: Path) -> None:
    """What a new check module brings: its table, parsed and validated like the others."""

    class PrintersSection(Section, frozen=True):
        max_queue: int = 10

    class Demo(Check[PrintersSection]):
        id = "printer_queue"
        label = "La file d'impression est courte"
        section = "printers"
        platforms: ClassVar[frozenset[str]] = frozenset({"linux"})

        def run(self, ctx: Context) -> CheckResult:
            return CheckResult.of(self, "pass", [f"au plus {self.config.max_queue}"])

    struct = policy_struct({**sections(), "printers": PrintersSection})
    path = tmp_path / "p.toml"
    path.write_text('[policy]\nprofile = "borne"\n[printers]\nmax_queue = 3\n')
    policy = load_toml(path, struct)
    assert Demo(policy).run(Context(root=tmp_path)).evidence == ("au plus 3",)
    path.write_text('[policy]\nprofile = "borne"\n[printers]\nmax_queue = "x"\n')
    with pytest.raises(ConfigError, match=r"p\.toml:4: printers\.max_queue: expected int, got str"):
        load_toml(path, struct)


# --------------------------------------------------------------------------- TestSampleConfig


@pytest.mark.parametrize("check_id", sorted(CHECKS))
def test_every_check_has_a_documented_block_in_the_sample(check_id: str) -> None:
    check = CHECKS[check_id]
    blocks = sample_blocks()
    assert check.section in blocks, f"{check_id}: no [{check.section}] block in the sample policy"
    assert check_id in blocks[check.section], (
        f"{check_id} is not named in the sample's [{check.section}] block"
    )


def test_the_sample_has_no_block_without_a_check() -> None:
    assert set(sample_blocks()) == {"policy", *sections()}


def test_the_sample_parses_with_and_without_its_commented_defaults(tmp_path: Path) -> None:
    policy = load_policy(SAMPLE)
    assert all(getattr(policy, name) is not None for name in sections())
    uncommented = tmp_path / "uncommented.toml"
    uncommented.write_text(uncomment(SAMPLE.read_text(encoding="utf-8")))
    assert tomllib.loads(uncommented.read_text())  # every commented line is TOML
    full = load_policy(uncommented)
    assert full.policy.description is not None


@pytest.mark.parametrize("table", sorted(sections()))
def test_each_sample_block_parses_on_its_own(tmp_path: Path, table: str) -> None:
    path = tmp_path / "one.toml"
    path.write_text('[policy]\nprofile = "borne"\n' + uncomment(sample_blocks()[table]))
    policy = load_policy(path)
    assert isinstance(getattr(policy, table), sections()[table])


def test_every_check_the_sample_enables_runs() -> None:
    """Every check the sample enables runs on Linux and gives a result (pass, fail or unknown)."""
    results = run_checks(load_policy(SAMPLE), Context(root=Path("/nonexistent")))
    linux = {c.id for c in CHECKS.values() if "linux" in c.platforms}
    assert {r.id for r in results} == linux
    assert {r.result for r in results} <= {"pass", "fail", "unknown"}
