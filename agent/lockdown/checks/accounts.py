"""``[accounts]``: the public account(s) of the kiosk have no administrator rights."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import msgspec

from agent.lockdown.base import Check, CheckResult, Context
from agent.lockdown.registry import register
from agent.shared.config import Section


class AccountsSection(Section, frozen=True):
    """The ``[accounts]`` table: which accounts are public, which groups give admin rights."""

    public: Annotated[tuple[str, ...], msgspec.Meta(min_length=1, max_length=16)]
    admin_groups: tuple[str, ...] = ("root", "sudo", "wheel", "admin", "adm")


def _linux_accounts(ctx: Context) -> tuple[dict[str, tuple[int, int]], dict[int, str], dict[str, set[str]]]:
    """Return users (uid, gid), group names by gid and group members, from the checked root."""
    users: dict[str, tuple[int, int]] = {}
    group_names: dict[int, str] = {}
    members: dict[str, set[str]] = {}
    if ctx.root == Path("/"):
        import grp  # noqa: PLC0415 - POSIX only
        import pwd  # noqa: PLC0415

        # The live system: through NSS, so that directory users count too.
        for entry in pwd.getpwall():
            users[entry.pw_name] = (entry.pw_uid, entry.pw_gid)
        for group in grp.getgrall():
            group_names[group.gr_gid] = group.gr_name
            members[group.gr_name] = set(group.gr_mem)
        return users, group_names, members
    for line in (ctx.read_text("/etc/passwd") or "").splitlines():
        parts = line.split(":")
        if len(parts) >= 4 and parts[2].isdigit() and parts[3].isdigit():
            users[parts[0]] = (int(parts[2]), int(parts[3]))
    for line in (ctx.read_text("/etc/group") or "").splitlines():
        parts = line.split(":")
        if len(parts) >= 4 and parts[2].isdigit():
            group_names[int(parts[2])] = parts[0]
            members[parts[0]] = {m for m in parts[3].split(",") if m}
    return users, group_names, members


def _sudoers_lines(ctx: Context) -> list[str]:
    lines = (ctx.read_text("/etc/sudoers") or "").splitlines()
    folder = ctx.path("/etc/sudoers.d")
    if folder.is_dir():
        for file in sorted(folder.iterdir()):
            if file.is_file():
                lines += (ctx.read_text(f"/etc/sudoers.d/{file.name}") or "").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


@register
class PublicAccountNotAdmin(Check[AccountsSection]):
    """The public account(s) have no administrator rights."""

    id = "public_account_not_admin"
    label = "Le compte public n'est pas administrateur"
    section = "accounts"

    def run(self, ctx: Context) -> CheckResult:
        """Look at groups (Linux) or the Administrators group (Windows)."""
        section = self.config
        if ctx.platform == "windows":
            return self._windows(ctx, section.public)
        users, group_names, members = _linux_accounts(ctx)
        sudoers = _sudoers_lines(ctx)
        problems = []
        for account in section.public:
            if account not in users:
                problems.append(f"compte public absent : {account}")
                continue
            uid, gid = users[account]
            groups = {group_names.get(gid, str(gid))} | {g for g, m in members.items() if account in m}
            if uid == 0:
                problems.append(f"{account} a l'identifiant 0 (root)")
            for group in sorted(groups & set(section.admin_groups)):
                problems.append(f"{account} est membre du groupe {group}")
            if any(line.split()[0] in (account, *(f"%{g}" for g in groups)) for line in sudoers):
                problems.append(f"{account} a des droits sudo")
        return CheckResult.of(self, "fail" if problems else "pass", problems)

    def _windows(self, ctx: Context, accounts: tuple[str, ...]) -> CheckResult:
        admins = ctx.windows.administrators() if ctx.windows else None
        if admins is None:
            return CheckResult.of(self, "unknown", ["membres du groupe Administrateurs illisibles"])
        names = {a.rsplit("\\", 1)[-1].casefold() for a in admins}
        problems = [f"{a} est membre du groupe Administrateurs" for a in accounts if a.casefold() in names]
        return CheckResult.of(self, "fail" if problems else "pass", problems)
