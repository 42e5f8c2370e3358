"""A kiosk to check: a kiosk-like file tree, its lockdown policy, a running kiosk browser, the CLI.

The tree is what a locked-down Linux kiosk holds (browser policies, autostart entries, modprobe,
logind, account files); the policy enables every Linux check against it, and a real process
named :data:`BROWSER` stands for the kiosk browser. Windows checks run on the recordings of
``tests/data/windows/`` with :data:`WINDOWS_POLICY`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

from helpers.processes import run_cli, stop_process, wait_for

WINDOWS_DATA = Path(__file__).resolve().parent.parent / "data" / "windows"
SITES = ["caf.fr", "francetravail.fr", "ameli.fr", "impots.gouv.fr", "ants.gouv.fr", "service-public.fr"]
# A real process started under this name stands for the kiosk browser. The process table is the
# machine's: each test process (pytest-xdist worker) has names of its own, so that one worker's
# browser or terminal is never seen by another worker's checks.
BROWSER = f"esckiosk-browser-{os.getpid()}"
FORBIDDEN = f"esckiosk-term-{os.getpid()}"

CHROMIUM_POLICY = {
    "URLBlocklist": ["*"],
    "URLAllowlist": ["caf.fr", "https://www.ameli.fr/assure", ".impots.gouv.fr", "service-public.fr"],
    "IncognitoModeAvailability": 1,
}
FIREFOX_POLICY = {
    "policies": {"WebsiteFilter": {"Block": ["<all_urls>"], "Exceptions": ["https://*.caf.fr/*"]}}
}

#: Tables of :func:`write_policy`, by name; an override of ``""`` leaves a table out.
POLICY_TABLES = {
    "policy": 'profile = "borne-caf"',
    "accounts": 'public = ["borne"]',
    "processes": f'required = ["{BROWSER}"]\nforbidden = ["{FORBIDDEN}"]',
    "browser": f'browsers = ["chromium", "firefox"]\nallowed_sites = {json.dumps(SITES)}\n'
    "settings = { IncognitoModeAvailability = 1 }",
    "files": 'paths = ["/etc/chromium/policies/managed", "/etc/xdg/autostart/kiosk.desktop"]',
    "usb_storage": "blocked = true",
    "session_reset": "max_idle_seconds = 900",
    "kiosk_autostart": f'command = "{BROWSER}"',
}

WINDOWS_POLICY = """
[policy]
profile = "borne-windows"
[accounts]
public = ["borne"]
[browser]
browsers = ["edge", "firefox"]
allowed_sites = ["caf.fr", "francetravail.fr", "ameli.fr", "impots.gouv.fr", "ants.gouv.fr", "service-public.fr"]
[usb_storage]
blocked = true
[session_reset]
max_idle_seconds = 900
[windows]
kiosk_mode = "assigned_access"
write_filter = "required"
"""

Results = dict[str, dict[str, object]]


def build_kiosk(root: Path) -> None:
    """Write a kiosk-like tree: browser policies, autostart, modprobe, logind, account files."""
    files = {
        "etc/chromium/policies/managed/kiosk.json": json.dumps(CHROMIUM_POLICY),
        "etc/chromium/policies/managed/zz-extra.json": json.dumps({"DeveloperToolsAvailability": 2}),
        "etc/firefox/policies/policies.json": json.dumps(FIREFOX_POLICY),
        "etc/xdg/autostart/kiosk.desktop": (
            "[Desktop Entry]\nType=Application\nName=Borne\n"
            f"Exec=/usr/bin/{BROWSER} --kiosk --incognito https://www.caf.fr\n"
        ),
        "etc/xdg/autostart/idle.desktop": (
            "[Desktop Entry]\nType=Application\nName=Reset\nExec=xautolock -time 20 -locker /usr/local/bin/reset\n"
        ),
        "etc/modprobe.d/esc-usb.conf": "# ESC Fleet\ninstall usb_storage /bin/false\nblacklist uas\n",
        "etc/systemd/logind.conf": "[Login]\n#StopIdleSessionSec=infinity\n",
        "etc/systemd/logind.conf.d/kiosk.conf": "[Login]\nStopIdleSessionSec=10min\n",
        "etc/passwd": "root:x:0:0:root:/root:/bin/bash\nborne:x:1001:1001::/home/borne:/bin/bash\n"
        "tech:x:1002:1002::/home/tech:/bin/bash\n",
        "etc/group": "root:x:0:\nsudo:x:27:tech\nborne:x:1001:\ntech:x:1002:\nplugdev:x:46:borne\n",
        "etc/sudoers": "root ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) ALL\n",
    }
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def write_policy(folder: Path, **overrides: str) -> Path:
    """Write the kiosk's policy (every Linux table), some tables replaced or left out (``""``)."""
    sections = {**POLICY_TABLES, **overrides}
    path = folder / "policy.toml"
    path.write_text("\n".join(f"[{name}]\n{body}\n" for name, body in sections.items() if body))
    return path


def write_only(folder: Path, **tables: str) -> Path:
    """Write a policy with ``[policy]`` and only the given tables."""
    return write_policy(folder, **{**{name: "" for name in POLICY_TABLES if name != "policy"}, **tables})


def start_named(folder: Path, name: str) -> subprocess.Popen[bytes]:
    """Start a real process whose name is ``name`` (a copy of sleep)."""
    exe = folder / name
    shutil.copy(shutil.which("sleep") or "/bin/sleep", exe)
    proc = subprocess.Popen([str(exe), "300"])
    wait_for(lambda: name in {p.name() for p in psutil.process_iter()}, timeout=5, what=f"process {name}")
    return proc


@contextmanager
def running_kiosk(folder: Path) -> Iterator[tuple[Path, Path, subprocess.Popen[bytes]]]:
    """Yield a kiosk tree, its policy and the running kiosk browser; stop the browser after."""
    root = folder / "root"
    build_kiosk(root)
    policy = write_policy(folder)
    browser = start_named(folder, BROWSER)
    try:
        yield root, policy, browser
    finally:
        stop_process(browser)


def check(policy: Path, root: Path, *extra: str) -> tuple[int, Results]:
    """Run ``esc-agent lockdown check --json``; return its exit code and the checks by id."""
    result = run_cli(
        "esc-agent", "lockdown", "check", "--policy", str(policy), "--root", str(root), "--json", *extra
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stderr
    doc = json.loads(result.stdout)
    return result.returncode, {c["id"]: c for c in doc["checks"]}


def check_windows(folder: Path, recording: str) -> tuple[int, Results]:
    """Check :data:`WINDOWS_POLICY` on a recorded Windows (``locked`` or ``unlocked``)."""
    policy = folder / "windows.toml"
    policy.write_text(WINDOWS_POLICY)
    return check(policy, folder, "--windows-recording", str(WINDOWS_DATA / recording))


def check_break(folder: Path, relative: str, text: str) -> tuple[int, Results]:
    """Break a running kiosk by writing ``text`` to one of its files, and check it."""
    with running_kiosk(folder) as (root, policy, _):
        (root / relative).write_text(text)
        return check(policy, root)
