"""The lockdown checks. Each is a small class: id, French label, severity, the policy section
it needs, the platforms it runs on, and ``run(ctx)``. The table of them is in ``registry.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

from agent.lockdown import browser, windows
from agent.lockdown.base import Check, CheckResult, Context
from agent.lockdown.baseline import snapshot

# --------------------------------------------------------------------------- accounts


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


class PublicAccountNotAdmin(Check):
    """The public account(s) have no administrator rights."""

    id = "public_account_not_admin"
    label = "Le compte public n'est pas administrateur"
    section = "accounts"

    def run(self, ctx: Context) -> CheckResult:
        """Look at groups (Linux) or the Administrators group (Windows)."""
        section = self.policy.accounts
        assert section is not None
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


# --------------------------------------------------------------------------- processes


def _names(ctx: Context) -> set[str]:
    return {n.casefold().removesuffix(".exe") for n in ctx.process_names()}


class RequiredProcesses(Check):
    """The kiosk browser (and whatever the policy requires) is running."""

    id = "required_processes"
    label = "Les programmes du poste verrouillé fonctionnent"
    section = "processes"

    def applies(self, ctx: Context) -> bool:
        """Run only when the policy requires programs."""
        return super().applies(ctx) and bool(self.policy.processes and self.policy.processes.required)

    def run(self, ctx: Context) -> CheckResult:
        """Compare the running programs with the required ones."""
        assert self.policy.processes is not None
        running = _names(ctx)
        missing = [
            p for p in self.policy.processes.required if p.casefold().removesuffix(".exe") not in running
        ]
        return CheckResult.of(
            self, "fail" if missing else "pass", [f"programme arrêté : {p}" for p in missing]
        )


class ForbiddenProcesses(Check):
    """No forbidden program (terminal, file manager…) is running."""

    id = "forbidden_processes"
    label = "Aucun programme interdit ne fonctionne"
    section = "processes"

    def applies(self, ctx: Context) -> bool:
        """Run only when the policy forbids programs."""
        return super().applies(ctx) and bool(self.policy.processes and self.policy.processes.forbidden)

    def run(self, ctx: Context) -> CheckResult:
        """Compare the running programs with the forbidden ones."""
        assert self.policy.processes is not None
        running = _names(ctx)
        found = [p for p in self.policy.processes.forbidden if p.casefold().removesuffix(".exe") in running]
        return CheckResult.of(
            self, "fail" if found else "pass", [f"programme interdit en marche : {p}" for p in found]
        )


# --------------------------------------------------------------------------- browser


class BrowserPolicy(Check):
    """The browsers' managed policies limit them to the declared administrative sites."""

    id = "browser_policy"
    label = "Le navigateur est limité aux sites administratifs déclarés"
    section = "browser"

    def run(self, ctx: Context) -> CheckResult:
        """Evaluate each declared browser's effective policy."""
        section = self.policy.browser
        assert section is not None
        problems = []
        for name in section.browsers:
            read = browser.windows_policies if ctx.platform == "windows" else browser.linux_policies
            policies, _sources = read(name, ctx)
            problems += browser.evaluate(name, policies, section)
        return CheckResult.of(self, "fail" if problems else "pass", problems)


# --------------------------------------------------------------------------- files


class FileIntegrity(Check):
    """The declared files still have the SHA-256 recorded in the baseline."""

    id = "file_integrity"
    label = "Les fichiers de verrouillage n'ont pas changé"
    section = "files"

    def run(self, ctx: Context) -> CheckResult:
        """Compare the files with the baseline."""
        assert self.policy.files is not None
        if ctx.baseline is None:
            return CheckResult.of(
                self, "unknown", ["aucune référence : lancer « esc-agent lockdown baseline »"]
            )
        changes = ctx.baseline.drift(snapshot(self.policy.files.paths, ctx))
        return CheckResult.of(self, "fail" if changes else "pass", changes)


# --------------------------------------------------------------------------- USB storage

_MODPROBE_FOLDERS = ("/etc/modprobe.d", "/lib/modprobe.d", "/usr/lib/modprobe.d")
_USB_BLOCK = re.compile(
    r"^\s*(?:blacklist\s+usb[_-]storage\s*$|install\s+usb[_-]storage\s+(?:/usr)?/bin/(?:false|true)\b)",
    re.MULTILINE,
)


class UsbStorageBlocked(Check):
    """USB mass storage is blocked (modprobe on Linux, USBSTOR Start=4 on Windows)."""

    id = "usb_storage"
    label = "Les clés USB sont bloquées"
    section = "usb_storage"

    def applies(self, ctx: Context) -> bool:
        """Run when the policy asks USB storage to be blocked."""
        return super().applies(ctx) and bool(self.policy.usb_storage and self.policy.usb_storage.blocked)

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


# --------------------------------------------------------------------------- session reset

_DURATION = re.compile(r"^\s*(\d+)\s*(s|sec|min|m|h)?\s*$")


def _seconds(value: str) -> int | None:
    match = _DURATION.match(value)
    if not match:
        return None
    factor = {"min": 60, "m": 60, "h": 3600}.get(match.group(2) or "s", 1)
    return int(match.group(1)) * factor


def _logind_idle(ctx: Context) -> int | None:
    texts = [ctx.read_text("/etc/systemd/logind.conf") or ""]
    folder = ctx.path("/etc/systemd/logind.conf.d")
    if folder.is_dir():
        texts += [
            ctx.read_text(f"/etc/systemd/logind.conf.d/{f.name}") or "" for f in sorted(folder.glob("*.conf"))
        ]
    value: int | None = None
    for text in texts:  # later files override earlier ones, as systemd does
        for line in text.splitlines():
            key, _, raw = line.strip().partition("=")
            if key == "StopIdleSessionSec" and raw:
                value = _seconds(raw)
    return value


def _autostart_entries(ctx: Context) -> list[tuple[str, str]]:
    folder = ctx.path("/etc/xdg/autostart")
    entries = []
    if folder.is_dir():
        for file in sorted(folder.glob("*.desktop")):
            text = ctx.read_text(f"/etc/xdg/autostart/{file.name}") or ""
            if re.search(r"^\s*Hidden\s*=\s*true", text, re.MULTILINE | re.IGNORECASE):
                continue
            for line in text.splitlines():
                if line.strip().startswith("Exec="):
                    entries.append((file.name, line.strip()[5:]))
    return entries


_XAUTOLOCK = re.compile(r"\bxautolock\b.*?-time\s+(\d+)")
_XIDLEHOOK = re.compile(r"\bxidlehook\b.*?--timer\s+(\d+)")


class SessionReset(Check):
    """An idle public session is reset automatically."""

    id = "session_reset"
    label = "La session se réinitialise après inactivité"
    section = "session_reset"

    def run(self, ctx: Context) -> CheckResult:
        """Read logind / autostart (Linux) or InactivityTimeoutSecs (Windows)."""
        assert self.policy.session_reset is not None
        limit = self.policy.session_reset.max_idle_seconds
        if ctx.platform == "windows":
            values = ctx.windows.registry_values(windows.POLICIES_SYSTEM) if ctx.windows else None
            timeout = (values or {}).get("InactivityTimeoutSecs")
            candidates = (
                [("InactivityTimeoutSecs", int(timeout))] if isinstance(timeout, int) and timeout > 0 else []
            )
        else:
            candidates = []
            idle = _logind_idle(ctx)
            if idle:
                candidates.append(("logind StopIdleSessionSec", idle))
            for name, command in _autostart_entries(ctx):
                if match := _XAUTOLOCK.search(command):
                    candidates.append((f"xautolock ({name})", int(match.group(1)) * 60))
                elif match := _XIDLEHOOK.search(command):
                    candidates.append((f"xidlehook ({name})", int(match.group(1))))
        if not candidates:
            return CheckResult.of(
                self, "fail", ["aucune réinitialisation de session après inactivité n'est configurée"]
            )
        best_name, best = min(candidates, key=lambda c: c[1])
        if best > limit:
            return CheckResult.of(self, "fail", [f"{best_name} = {best} s (au plus {limit} s attendus)"])
        return CheckResult.of(self, "pass", [f"{best_name} = {best} s"])


# --------------------------------------------------------------------------- network


class ListeningPorts(Check):
    """No unexpected network port is open (loopback-only listeners are not reachable and not counted)."""

    id = "listening_ports"
    label = "Aucun port réseau inattendu n'est ouvert"
    severity = "warning"
    section = "listening_ports"

    def run(self, ctx: Context) -> CheckResult:
        """Compare listening sockets with the allowed ports."""
        assert self.policy.listening_ports is not None
        allowed = set(self.policy.listening_ports.allowed)
        try:
            listeners = ctx.listening_ports()
        except Exception as err:  # psutil.AccessDenied and friends
            return CheckResult.of(self, "unknown", [f"sockets illisibles : {type(err).__name__}"])
        unexpected = sorted(
            {
                (ip, port)
                for ip, port in listeners
                if port not in allowed and not ip.startswith(("127.", "::1"))
            },
            key=lambda item: item[1],
        )
        return CheckResult.of(
            self, "fail" if unexpected else "pass", [f"port {p} en écoute sur {ip}" for ip, p in unexpected]
        )


# --------------------------------------------------------------------------- kiosk session


class KioskAutostart(Check):
    """The session starts the browser in kiosk mode (Linux autostart entry)."""

    id = "kiosk_autostart"
    label = "Le navigateur démarre en mode borne à l'ouverture de session"
    section = "kiosk_autostart"
    platforms = frozenset({"linux"})

    def run(self, ctx: Context) -> CheckResult:
        """Look for an autostart entry running the command (with --kiosk)."""
        section = self.policy.kiosk_autostart
        assert section is not None
        for _name, command in _autostart_entries(ctx):
            words = command.split()
            starts = any(Path(w).name == section.command for w in words[:3])
            if starts and (not section.require_kiosk_flag or "--kiosk" in words):
                return CheckResult.of(self, "pass")
        flag = " --kiosk" if section.require_kiosk_flag else ""
        return CheckResult.of(
            self, "fail", [f"aucune entrée /etc/xdg/autostart ne lance « {section.command}{flag} »"]
        )


class WindowsKioskMode(Check):
    """Assigned Access or Shell Launcher is configured."""

    id = "windows_kiosk_mode"
    label = "Le mode kiosque Windows (accès attribué ou Shell Launcher) est configuré"
    section = "windows"
    platforms = frozenset({"windows"})

    def run(self, ctx: Context) -> CheckResult:
        """Read the Assigned Access configuration, Shell Launcher and Winlogon Shell."""
        assert self.policy.windows is not None
        source = ctx.windows
        if source is None:
            return CheckResult.of(self, "unknown", ["registre Windows illisible"])
        assigned = all(
            source.registry_subkeys(f"{windows.ASSIGNED_ACCESS}\\{part}") for part in ("Profiles", "Configs")
        )
        shells = [
            str(s.get("Shell", "")) for s in (source.shell_launcher() or [])
            if Path(str(s.get("Shell", "")).replace("\\", "/")).name.casefold() != "explorer.exe"
        ]  # fmt: skip
        winlogon = str((source.registry_values(windows.WINLOGON) or {}).get("Shell", "explorer.exe"))
        custom_winlogon = Path(winlogon.replace("\\", "/")).name.casefold() != "explorer.exe"
        launcher = bool(shells) or custom_winlogon
        wanted = self.policy.windows.kiosk_mode
        ok = {"assigned_access": assigned, "shell_launcher": launcher, "any": assigned or launcher}[wanted]
        evidence = [
            f"accès attribué : {'configuré' if assigned else 'absent'}",
            f"Shell Launcher : {'configuré' if launcher else 'absent'}",
        ]
        return CheckResult.of(self, "pass" if ok else "fail", evidence)


class WindowsWriteFilter(Check):
    """The Unified Write Filter protects the system, where the policy asks for it."""

    id = "windows_write_filter"
    label = "Le filtre d'écriture (UWF) protège le système"
    severity = "warning"
    section = "windows"
    platforms = frozenset({"windows"})

    def run(self, ctx: Context) -> CheckResult:
        """Read UWF_Filter (current session and next boot)."""
        assert self.policy.windows is not None
        required = self.policy.windows.write_filter == "required"
        uwf = ctx.windows.uwf_filter() if ctx.windows else None
        if uwf is None:
            return CheckResult.of(
                self, "fail" if required else "unknown", ["filtre d'écriture UWF non installé"]
            )
        problems = []
        if not uwf.get("CurrentEnabled"):
            problems.append("UWF désactivé pour la session en cours")
        if not uwf.get("NextEnabled"):
            problems.append("UWF désactivé au prochain démarrage")
        return CheckResult.of(self, "fail" if problems else "pass", problems)
