"""Kiosk lockdown: Linux checks for real on a kiosk-like tree, Windows checks on recorded systems."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from agent.lockdown.base import Context
from agent.lockdown.policy import load_policy
from agent.lockdown.registry import CHECKS, run_checks
from agent.lockdown.windows import RecordedWindowsSource, parse_reg_export

from conftest import REPO, run_cli, stop_process, wait_for

WINDOWS_DATA = Path(__file__).parent / "data" / "windows"
SITES = ["caf.fr", "francetravail.fr", "ameli.fr", "impots.gouv.fr", "ants.gouv.fr", "service-public.fr"]
BROWSER = "esckiosk-browser"  # a real process started under this name stands for the kiosk browser
FORBIDDEN = "esckiosk-term"

CHROMIUM_POLICY = {
    "URLBlocklist": ["*"],
    "URLAllowlist": ["caf.fr", "https://www.ameli.fr/assure", ".impots.gouv.fr", "service-public.fr"],
    "IncognitoModeAvailability": 1,
}
FIREFOX_POLICY = {
    "policies": {"WebsiteFilter": {"Block": ["<all_urls>"], "Exceptions": ["https://*.caf.fr/*"]}}
}


def build_kiosk(root: Path) -> None:
    """A kiosk-like tree: browser policies, autostart, modprobe, logind, account files."""
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
    sections = {
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
    sections.update(overrides)
    path = folder / "policy.toml"
    path.write_text("\n".join(f"[{name}]\n{body}\n" for name, body in sections.items() if body))
    return path


def start_named(folder: Path, name: str) -> subprocess.Popen[bytes]:
    """Start a real process whose name is ``name`` (a copy of sleep)."""
    exe = folder / name
    shutil.copy(shutil.which("sleep") or "/bin/sleep", exe)
    proc = subprocess.Popen([str(exe), "300"])
    wait_for(lambda: name in {p.name() for p in psutil.process_iter()}, timeout=5, what=f"process {name}")
    return proc


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[tuple[Path, Path, subprocess.Popen[bytes]]]:
    """A kiosk tree, its policy, and the kiosk browser running."""
    root = tmp_path / "root"
    build_kiosk(root)
    policy = write_policy(tmp_path)
    browser = start_named(tmp_path, BROWSER)
    yield root, policy, browser
    stop_process(browser)


def check(policy: Path, root: Path, *extra: str) -> tuple[int, dict[str, dict[str, object]]]:
    result = run_cli(
        "esc-agent", "lockdown", "check", "--policy", str(policy), "--root", str(root), "--json", *extra
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stderr
    doc = json.loads(result.stdout)
    return result.returncode, {c["id"]: c for c in doc["checks"]}


def test_intact_kiosk_passes(kiosk: tuple[Path, Path, subprocess.Popen[bytes]], tmp_path: Path) -> None:
    root, policy, _ = kiosk
    baseline = tmp_path / "baseline.json"
    made = run_cli("esc-agent", "lockdown", "baseline", "--policy", str(policy), "--root", str(root),
                   "--out", str(baseline))  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "3 file(s)" in made.stdout
    code, results = check(policy, root, "--baseline", str(baseline))
    assert {k: v["result"] for k, v in results.items()} == {
        "public_account_not_admin": "pass", "required_processes": "pass", "forbidden_processes": "pass",
        "browser_policy": "pass", "file_integrity": "pass", "usb_storage": "pass", "session_reset": "pass",
        "kiosk_autostart": "pass"}  # fmt: skip
    assert code == 0
    assert results["session_reset"]["evidence"] == ["logind StopIdleSessionSec = 600 s"]


def test_without_baseline_integrity_is_unknown_not_broken(
    kiosk: tuple[Path, Path, subprocess.Popen[bytes]],
) -> None:
    root, policy, _ = kiosk
    code, results = check(policy, root)
    assert results["file_integrity"]["result"] == "unknown"
    assert code == 0


def test_drift_is_detected_and_clears_when_restored(
    kiosk: tuple[Path, Path, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    root, policy, _ = kiosk
    baseline = tmp_path / "baseline.json"
    run_cli(
        "esc-agent",
        "lockdown",
        "baseline",
        "--policy",
        str(policy),
        "--root",
        str(root),
        "--out",
        str(baseline),
    )
    managed = root / "etc/chromium/policies/managed/kiosk.json"
    original = managed.read_text()
    # An extra allowed site: the policy check and the hashes both see it.
    managed.write_text(
        json.dumps({**CHROMIUM_POLICY, "URLAllowlist": [*CHROMIUM_POLICY["URLAllowlist"], "jeux.example"]})
    )
    code, results = check(policy, root, "--baseline", str(baseline))
    assert code == 1
    assert results["browser_policy"]["evidence"] == [
        "chromium : URLAllowlist autorise un site non déclaré : jeux.example"]  # fmt: skip
    assert results["file_integrity"]["evidence"] == [
        "fichier modifié : /etc/chromium/policies/managed/kiosk.json"]  # fmt: skip
    # A new file dropped in the managed folder is drift too.
    (root / "etc/chromium/policies/managed/override.json").write_text("{}")
    _, results = check(policy, root, "--baseline", str(baseline))
    assert (
        "fichier ajouté : /etc/chromium/policies/managed/override.json"
        in results["file_integrity"]["evidence"]
    )
    (root / "etc/chromium/policies/managed/override.json").unlink()
    managed.write_text(original)
    code, results = check(policy, root, "--baseline", str(baseline))
    assert (code, results["file_integrity"]["result"], results["browser_policy"]["result"]) == (
        0,
        "pass",
        "pass",
    )


@pytest.mark.parametrize(
    ("relative", "text", "check_id", "evidence"),
    [
        ("etc/chromium/policies/managed/kiosk.json", json.dumps({**CHROMIUM_POLICY, "URLBlocklist": []}),
         "browser_policy", "chromium : URLBlocklist ne bloque pas tous les sites (*)"),
        ("etc/chromium/policies/managed/kiosk.json", json.dumps({**CHROMIUM_POLICY, "IncognitoModeAvailability": 0}),
         "browser_policy", "chromium : IncognitoModeAvailability vaut 0 au lieu de 1"),
        ("etc/chromium/policies/managed/kiosk.json", "{ not json",
         "browser_policy", "chromium : URLBlocklist ne bloque pas tous les sites (*)"),
        ("etc/firefox/policies/policies.json", json.dumps({"policies": {}}),
         "browser_policy", "firefox : WebsiteFilter.Block ne bloque pas tous les sites (*)"),
        ("etc/modprobe.d/esc-usb.conf", "# nothing\n",
         "usb_storage", "usb_storage n'est ni en liste noire ni neutralisé dans modprobe.d"),
        ("etc/systemd/logind.conf.d/kiosk.conf", "[Login]\nStopIdleSessionSec=2h\n",
         "session_reset", "xautolock (idle.desktop) = 1200 s (au plus 900 s attendus)"),
        ("etc/xdg/autostart/kiosk.desktop", f"[Desktop Entry]\nExec={BROWSER} https://www.caf.fr\n",
         "kiosk_autostart", f"aucune entrée /etc/xdg/autostart ne lance « {BROWSER} --kiosk »"),
        ("etc/group", "root:x:0:\nsudo:x:27:tech,borne\nborne:x:1001:\n",
         "public_account_not_admin", "borne est membre du groupe sudo"),
        ("etc/sudoers", "borne ALL=(ALL) NOPASSWD: ALL\n",
         "public_account_not_admin", "borne a des droits sudo"),
        ("etc/passwd", "root:x:0:0::/root:/bin/sh\n",
         "public_account_not_admin", "compte public absent : borne"),
    ],
    ids=["no_block_all", "wrong_setting", "broken_json", "firefox_open", "usb", "idle_too_long", "not_kiosk",
         "sudo_group", "sudoers", "account_missing"],
)  # fmt: skip
def test_each_break_is_named(
    kiosk: tuple[Path, Path, subprocess.Popen[bytes]], relative: str, text: str, check_id: str, evidence: str
) -> None:
    root, policy, _ = kiosk
    (root / relative).write_text(text)
    code, results = check(policy, root)
    assert code == 1
    assert results[check_id]["result"] == "fail"
    assert evidence in results[check_id]["evidence"]  # type: ignore[operator]


def test_real_processes(kiosk: tuple[Path, Path, subprocess.Popen[bytes]], tmp_path: Path) -> None:
    root, policy, browser = kiosk
    terminal = start_named(tmp_path, FORBIDDEN)
    try:
        code, results = check(policy, root)
        assert code == 1
        assert results["forbidden_processes"]["evidence"] == [f"programme interdit en marche : {FORBIDDEN}"]
    finally:
        stop_process(terminal)
    stop_process(browser)
    wait_for(
        lambda: BROWSER not in {p.name() for p in psutil.process_iter()}, timeout=5, what="browser stopped"
    )
    code, results = check(policy, root)
    assert results["required_processes"]["evidence"] == [f"programme arrêté : {BROWSER}"]
    assert results["forbidden_processes"]["result"] == "pass"


def test_real_listening_port(tmp_path: Path) -> None:
    policy = write_policy(tmp_path, accounts="", processes="", browser="", files="", usb_storage="",
                          session_reset="", kiosk_autostart="", listening_ports="allowed = []")  # fmt: skip
    with socket.socket() as server:
        server.bind(("0.0.0.0", 0))
        server.listen()
        port = server.getsockname()[1]
        _, results = check(policy, tmp_path)
        assert f"port {port} en écoute sur 0.0.0.0" in results["listening_ports"]["evidence"]  # type: ignore[operator]
        allowed = write_policy(tmp_path, accounts="", processes="", browser="", files="", usb_storage="",
                               session_reset="", kiosk_autostart="", listening_ports=f"allowed = [{port}]")  # fmt: skip
        _, results = check(allowed, tmp_path)
        assert not any(str(port) in e for e in results["listening_ports"]["evidence"])  # type: ignore[attr-defined]


def test_real_account_on_the_live_system(tmp_path: Path) -> None:
    """As root: a real unprivileged account, then made an administrator (group files otherwise)."""
    policy_path = write_policy(tmp_path, accounts='public = ["esckiosk"]', processes="", browser="", files="",
                               usb_storage="", session_reset="", kiosk_autostart="")  # fmt: skip
    if os.geteuid() != 0:
        root = tmp_path / "root"
        build_kiosk(root)
        (root / "etc/passwd").write_text("esckiosk:x:1500:1500::/home/esckiosk:/bin/sh\n")
        (root / "etc/group").write_text("esckiosk:x:1500:\nsudo:x:27:\n")
        assert check(policy_path, root)[0] == 0
        (root / "etc/group").write_text("esckiosk:x:1500:\nsudo:x:27:esckiosk\n")
        assert check(policy_path, root)[0] == 1
        return
    subprocess.run(["userdel", "esckiosk"], capture_output=True, check=False)
    subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", "esckiosk"], check=True)
    try:
        code, results = check(policy_path, Path("/"))
        assert (code, results["public_account_not_admin"]["result"]) == (0, "pass")
        subprocess.run(["usermod", "-aG", "sudo", "esckiosk"], check=True)
        code, results = check(policy_path, Path("/"))
        assert code == 1
        assert results["public_account_not_admin"]["evidence"] == ["esckiosk est membre du groupe sudo"]
    finally:
        subprocess.run(["userdel", "esckiosk"], capture_output=True, check=False)


# --------------------------------------------------------------------------- Windows (recorded)

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


def test_windows_locked_recording_passes(tmp_path: Path) -> None:
    policy = tmp_path / "windows.toml"
    policy.write_text(WINDOWS_POLICY)
    code, results = check(policy, tmp_path, "--windows-recording", str(WINDOWS_DATA / "locked"))
    assert {k: v["result"] for k, v in results.items()} == {
        "public_account_not_admin": "pass", "browser_policy": "pass", "usb_storage": "pass",
        "session_reset": "pass", "windows_kiosk_mode": "pass", "windows_write_filter": "pass"}  # fmt: skip
    assert code == 0


def test_windows_unlocked_recording_fails_each_check(tmp_path: Path) -> None:
    policy = tmp_path / "windows.toml"
    policy.write_text(WINDOWS_POLICY)
    code, results = check(policy, tmp_path, "--windows-recording", str(WINDOWS_DATA / "unlocked"))
    assert code == 1
    evidence = {k: v["evidence"] for k, v in results.items()}
    assert evidence["public_account_not_admin"] == ["borne est membre du groupe Administrateurs"]
    assert evidence["usb_storage"] == ["USBSTOR Start = 3 (4 attendu)"]
    assert evidence["session_reset"] == ["InactivityTimeoutSecs = 3600 s (au plus 900 s attendus)"]
    assert evidence["browser_policy"] == [
        "edge : URLAllowlist autorise un site non déclaré : www.example-games.com",
        "firefox : WebsiteFilter.Block ne bloque pas tous les sites (*)",
    ]
    assert results["windows_kiosk_mode"]["result"] == "fail"
    assert evidence["windows_write_filter"] == ["UWF désactivé au prochain démarrage"]


def test_reg_export_parser() -> None:
    raw = (WINDOWS_DATA / "locked" / "registry.reg").read_bytes()
    keys = parse_reg_export(raw.decode("utf-16"))
    usb = keys["hklm\\system\\currentcontrolset\\services\\usbstor"]
    assert usb["Start"] == 4
    assert (
        usb["ImagePath"] == "\\SystemRoot\\System32\\drivers\\USBSTOR.SYS"
    )  # hex(2) across continuation lines
    profile = keys["hklm\\software\\microsoft\\windows\\assignedaccessconfiguration\\profiles\\"
                   "{9a2a490f-10f6-4764-974a-43b19e722c23}"]  # fmt: skip
    assert profile["AllowedApps"] == ["Microsoft.MicrosoftEdge"]  # hex(7) multi-string
    text = '[HKEY_LOCAL_MACHINE\\A]\n"x"="a \\"quoted\\" \\\\ value"\n@="default"\n"gone"=dword:1\n"gone"=-\n[-HKEY_LOCAL_MACHINE\\B]\n'
    parsed = parse_reg_export(text)
    assert parsed["hklm\\a"] == {"x": 'a "quoted" \\ value', "": "default"}
    source = RecordedWindowsSource(raw.decode("utf-16"))
    edge = source.registry_subkeys(r"HKLM\SOFTWARE\Policies\Microsoft\Edge")
    assert edge == ["URLAllowlist", "URLBlocklist"]  # spelled as exported


# --------------------------------------------------------------------------- policy files and registry


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[policy]\n", "policy.profile: Field required"),
        ('[policy]\nprofile = "x"\n[browser]\nbrowsers = ["netscape"]\nallowed_sites = ["caf.fr"]\n', "browser.browsers.0"),
        ('[policy]\nprofile = "x"\n[browser]\nbrowsers = ["edge"]\nallowed_sites = ["https://caf.fr/"]\n',
         "allowed_sites takes domain names"),
        ('[policy]\nprofile = "x"\n[sessions]\n', "sessions: unknown key"),
        ('[policy]\nprofile = "x"\n[session_reset]\nmax_idle_seconds = 5\n', "session_reset.max_idle_seconds"),
        ("[policy\n", "not valid TOML"),
    ],
)  # fmt: skip
def test_malformed_policy_exits_2(tmp_path: Path, text: str, message: str) -> None:
    policy = tmp_path / "bad.toml"
    policy.write_text(text)
    for command in ("check", "baseline"):
        extra = ["--out", str(tmp_path / "b.json")] if command == "baseline" else []
        result = run_cli("esc-agent", "lockdown", command, "--policy", str(policy), *extra)
        assert result.returncode == 2
        assert str(policy) in result.stderr
        assert message in result.stderr
        assert "Traceback" not in result.stderr


def test_every_registered_check_is_documented_in_the_sample_policy() -> None:
    sample = REPO / "agent" / "lockdown" / "sample-policy.toml"
    policy = load_policy(sample)
    lines = sample.read_text().splitlines()
    uncommented = tomllib.loads("\n".join(line[2:] if line.startswith("# ") else line for line in lines))
    for check_id, check_class in CHECKS.items():
        assert check_class.id == check_id
        assert check_class.section in uncommented, (
            f"{check_id}: no [{check_class.section}] in the sample policy"
        )
        assert check_id in sample.read_text(), f"{check_id} is not named in the sample policy"
    # Every check the sample enables runs on Linux and gives a result (pass, fail or unknown).
    results = run_checks(policy, Context(root=Path("/nonexistent")))
    assert {r.id for r in results} >= {"browser_policy", "usb_storage", "session_reset", "kiosk_autostart"}


def test_a_crashing_check_reports_unknown(tmp_path: Path) -> None:
    policy = load_policy(write_policy(tmp_path))

    def boom() -> list[str]:
        raise PermissionError("no")

    results = {r.id: r for r in run_checks(policy, Context(root=tmp_path, process_names=boom))}
    assert results["required_processes"].result == "unknown"
    assert results["browser_policy"].result == "fail"  # the other checks still ran


def test_evidence_never_carries_personal_paths(kiosk: tuple[Path, Path, subprocess.Popen[bytes]]) -> None:
    root, policy, _ = kiosk
    home = root / "home/borne"
    home.mkdir(parents=True)
    (home / "CV-Jeanne-Dupont.pdf").write_text("personal")
    result = run_cli("esc-agent", "lockdown", "check", "--policy", str(policy), "--root", str(root), "--json")
    assert "Dupont" not in result.stdout
    assert "/home" not in result.stdout
