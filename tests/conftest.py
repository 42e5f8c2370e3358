"""Real services as fixtures: each starts on a free port in a temporary folder and stops after.

A missing program makes the test fail with the command that installs it; it never skips.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
INSTALL_HINT = "run the README test command (scripts/test.sh), or: sudo apt-get install {package}"


def require_program(name: str, package: str) -> str:
    """Return the path of ``name``, or fail the test with an install hint."""
    path = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)
    if path is None:
        pytest.fail(f"{name} is not installed: {INSTALL_HINT.format(package=package)}", pytrace=False)
    return path


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate: Callable[[], object], *, timeout: float, what: str, step: float = 0.05) -> object:
    """Poll ``predicate`` until it returns something truthy; fail with ``what`` on time-out."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = predicate()
        except Exception as err:
            last_error = err
        else:
            if result:
                return result
        time.sleep(step)
    pytest.fail(f"timed out after {timeout} s waiting for {what} (last error: {last_error})")


def wait_port(port: int, timeout: float = 10.0) -> None:
    """Wait until something accepts TCP connections on 127.0.0.1:``port``."""

    def _open() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True

    wait_for(_open, timeout=timeout, what=f"port {port}")


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """Terminate a process, then kill it if it does not stop in time."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)


# --------------------------------------------------------------------------- Mosquitto


@dataclass
class Broker:
    """A running Mosquitto."""

    port: int
    folder: Path
    proc: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        """Return the broker URL for ``--broker``."""
        return f"mqtt://127.0.0.1:{self.port}"

    def log(self) -> str:
        """Return what Mosquitto logged so far."""
        return (self.folder / "mosquitto.log").read_text(errors="replace")


def start_mosquitto(folder: Path, extra_conf: str = "", *, port: int | None = None) -> Broker:
    """Start Mosquitto with a temporary config; the caller stops it."""
    exe = require_program("mosquitto", "mosquitto")
    folder.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    conf = folder / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\n"
        # As root, Mosquitto drops to the 'mosquitto' user unless told to stay.
        + ("user root\n" if os.geteuid() == 0 else "")
        + f"persistence false\nlog_dest file {folder / 'mosquitto.log'}\nlog_type all\n"
        + (extra_conf or "allow_anonymous true\n")
    )
    proc = subprocess.Popen([exe, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
    except BaseException:
        stop_process(proc)
        raise
    return Broker(port, folder, proc)


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[Broker]:
    """A real Mosquitto broker on a free port, anonymous access."""
    broker = start_mosquitto(tmp_path / "mosquitto")
    yield broker
    stop_process(broker.proc)


# --------------------------------------------------------------------------- our programs


def cli(name: str) -> str:
    """Return the path of one of our console scripts in the test environment."""
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not installed in {BIN}: run pip install -e '.[test]'", pytrace=False)
    return str(path)


def write_agent_config(
    folder: Path,
    *,
    site: str = "maurepas",
    agent: str = "accueil-pc1",
    extra: str = "",
    interval: float = 60.0,
    keepalive: int = 30,
) -> Path:
    """Write an agent config with its own state folder and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "agent.toml"
    path.write_text(
        f'[agent]\nsite = "{site}"\nid = "{agent}"\nstate_dir = "{folder / "state"}"\ninterval = {interval}\n'
        f'[broker]\nurl = "mqtt://127.0.0.1:1"\nkeepalive = {keepalive}\nconnect_timeout = 5.0\n{extra}'
    )
    return path


@dataclass
class CollectorProc:
    """A running ``esc-collector run`` process."""

    port: int
    proc: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        """Return its base URL."""
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str) -> tuple[int, str]:
        """GET ``path``; return status and body."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as err:
            with err:  # an HTTPError holds the connection open until closed
                return err.code, err.read().decode()

    def metrics(self) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        """Scrape /metrics; return ``{(sample name, labels): value}``."""
        status, text = self.get("/metrics")
        assert status == 200, text
        out = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                out[(sample.name, frozenset(sample.labels.items()))] = sample.value
        return out

    def value(self, metric: str, /, **labels: str) -> float | None:
        """Return one sample's value, or ``None`` when absent."""
        return self.metrics().get((metric, frozenset(labels.items())))

    def log(self) -> str:
        """Return what the collector logged."""
        return self.log_path.read_text(errors="replace")


def start_collector(
    folder: Path,
    broker: Broker,
    *,
    stale_after: float = 60.0,
    extra: str = "",
    sites: str | None = None,
    port: int | None = None,
) -> CollectorProc:
    """Start ``esc-collector run`` against ``broker``; the caller stops it.

    With ``sites`` (the text of a sites.toml), the collector tracks availability, keeps its
    history in ``folder`` and evaluates every second.
    """
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "collector.toml"
    if sites is not None:
        (folder / "sites.toml").write_text(sites)
        extra += '[sites]\nfile = "sites.toml"\n[history]\npath = "history.sqlite3"\n[availability]\nevaluate_every = 1\n'
    config.write_text(
        f'[collector]\nname = "test-{folder.name}"\nstale_after = {stale_after}\n'
        f'[broker]\nurl = "mqtt://127.0.0.1:1"\nkeepalive = 5\n{extra}'
    )
    port = port or free_port()
    log_path = folder / "collector.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                cli("esc-collector"),
                "run",
                "--config",
                str(config),
                "--broker",
                broker.url,
                "--listen",
                f"127.0.0.1:{port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    collector = CollectorProc(port, proc, log_path)
    try:
        wait_for(lambda: collector.get("/healthz")[0] == 200, timeout=15, what="collector /healthz")
    except BaseException:
        stop_process(proc)
        print(collector.log())
        raise
    return collector


@pytest.fixture
def collector(tmp_path: Path, mosquitto: Broker) -> Iterator[CollectorProc]:
    """A real collector process subscribed to the test broker."""
    proc = start_collector(tmp_path / "collector", mosquitto)
    yield proc
    stop_process(proc.proc)


def start_agent(config: Path, broker: Broker, log: Path) -> subprocess.Popen[bytes]:
    """Start ``esc-agent run`` against ``broker``; the caller stops it."""
    with log.open("wb") as out:
        return subprocess.Popen([cli("esc-agent"), "run", "--config", str(config), "--broker", broker.url],
                                stdout=out, stderr=subprocess.STDOUT)  # fmt: skip


def printer_block(device: str, port: int, community: str, name: str | None = None) -> str:
    """An agent config's ``[[printers]]`` entry for a device served by the test snmpsim."""
    label = f'name = "{name}"\n' if name else ""
    return (f'[[printers]]\nid = "{device}"\n{label}host = "127.0.0.1"\nport = {port}\ncommunity = "{community}"\n'
            "timeout = 2.0\nretries = 0\n")  # fmt: skip


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run one of our commands to completion and capture its output."""
    return subprocess.run(
        [cli(args[0]), *args[1:]],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


# --------------------------------------------------------------------------- snmpsim


V3_USER = "probe"
V3_AUTH_KEY = "auth-key-for-tests"
V3_PRIV_KEY = "priv-key-for-tests"


@dataclass
class Simulator:
    """A running snmpsim serving recordings; community = file stem."""

    port: int
    data_dir: Path
    proc: subprocess.Popen[bytes]
    log_path: Path
    free_slots: list[str]

    def claim(self, text: str) -> str:
        """Serve ``text`` under a fresh community and return it.

        snmpsim learns its recordings' names when it starts, so spare "slot" recordings are
        created then; a test claims one and may :meth:`put` new content into it later.
        """
        if not self.free_slots:
            pytest.fail("no spare snmpsim slot left: raise SLOTS in conftest.py")
        name = self.free_slots.pop()
        self.put(name, text)
        return name

    def put(self, name: str, text: str) -> None:
        """Replace the recording ``name``, forcing snmpsim to re-index it."""
        path = self.data_dir / f"{name}.snmprec"
        existed = path.exists()
        old_mtime = path.stat().st_mtime if existed else 0.0
        path.write_text(text)
        path.chmod(0o644)
        # snmpsim re-indexes a recording whose mtime moved; make sure it moves by whole seconds.
        new_mtime = max(time.time(), old_mtime + 2)
        os.utime(path, (new_mtime, new_mtime))

    def log(self) -> str:
        """Return what the simulator logged."""
        return self.log_path.read_text(errors="replace")


SLOTS = 40


def start_snmpsim(folder: Path, recordings: dict[str, str]) -> Simulator:
    """Start snmpsim-command-responder on a free UDP port; the caller stops it."""
    exe = BIN / "snmpsim-command-responder"
    if not exe.exists():
        pytest.fail(f"snmpsim is not installed in {BIN}: pip install -e '.[test]'", pytrace=False)
    # As root, snmpsim drops to 'nobody': its folders must be open to that user.
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o777)
    data_dir, cache_dir = folder / "data", folder / "cache"
    for sub in (data_dir, cache_dir):
        sub.mkdir(exist_ok=True)
        sub.chmod(0o777)
    slots = [f"slot{i:02d}" for i in range(SLOTS)]
    spare = next(iter(recordings.values()), "")
    for name, text in {**recordings, **dict.fromkeys(slots, spare)}.items():
        (data_dir / f"{name}.snmprec").write_text(text)
        (data_dir / f"{name}.snmprec").chmod(0o644)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    args = [
        str(exe), f"--data-dir={data_dir}", f"--cache-dir={cache_dir}",
        f"--agent-udpv4-endpoint=127.0.0.1:{port}",
        f"--v3-user={V3_USER}", f"--v3-auth-key={V3_AUTH_KEY}", "--v3-auth-proto=SHA",
        f"--v3-priv-key={V3_PRIV_KEY}", "--v3-priv-proto=AES",
    ]  # fmt: skip
    if os.geteuid() == 0:
        args += ["--process-user=nobody", "--process-group=nogroup"]
    log_path = folder / "snmpsim.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    sim = Simulator(port, data_dir, proc, log_path, slots)

    def _ready() -> bool:
        if proc.poll() is not None:
            pytest.fail(f"snmpsim exited at start:\n{sim.log()[-2000:]}")
        return "Listening at" in sim.log()

    try:
        wait_for(_ready, timeout=30, what="snmpsim to listen")
    except BaseException:
        stop_process(proc)
        raise
    return sim


@pytest.fixture(scope="session")
def snmpsim() -> Iterator[Simulator]:
    """snmpsim serving the nine real recordings (plus whatever tests ``put``)."""
    import tempfile

    from printer_variants import RECORDINGS, recording

    folder = Path(tempfile.mkdtemp(prefix="esc-snmpsim-"))
    sim = start_snmpsim(folder, {name: recording(name) for name in RECORDINGS})
    yield sim
    stop_process(sim.proc)
    shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------- eSCL scanner


class EsclServer:
    """A real HTTP server answering eSCL requests with documents a test can change."""

    def __init__(self) -> None:
        import http.server
        import threading

        self.documents: dict[str, tuple[int, bytes]] = {}
        documents = self.documents

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = documents.get(self.path, (404, b"not found"))
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        """Return the eSCL root URL."""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/eSCL"

    def serve(self, path: str, body: bytes, status: int = 200) -> None:
        """Answer ``GET /eSCL/<path>`` with ``body``."""
        self.documents[f"/eSCL/{path}"] = (status, body)

    def close(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def escl_server() -> Iterator[EsclServer]:
    """A real eSCL HTTP server on a free port."""
    server = EsclServer()
    yield server
    server.close()


# --------------------------------------------------------------------------- SMTP, Prometheus, Alertmanager


class SmtpSink:
    """A real SMTP server (aiosmtpd) keeping every message it receives."""

    def __init__(self) -> None:
        from email import message_from_bytes, policy

        from aiosmtpd.controller import Controller

        self.messages: list[tuple[list[str], Any]] = []
        sink = self

        class Handler:
            async def handle_DATA(self, _server: object, _session: object, envelope: Any) -> str:  # noqa: N802
                sink.messages.append(
                    (list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default))
                )
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def to(self, address: str) -> list[Any]:
        """Return the messages sent to ``address``."""
        return [m for rcpt, m in self.messages if address in rcpt]

    def close(self) -> None:
        """Stop the server."""
        self.controller.stop()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A real SMTP server on a free port."""
    sink = SmtpSink()
    yield sink
    sink.close()


@dataclass
class Service:
    """A running Prometheus or Alertmanager."""

    port: int
    proc: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        """Return the base URL."""
        return f"http://127.0.0.1:{self.port}"

    def api(self, path: str) -> Any:
        """GET a JSON API path."""
        import json

        with urllib.request.urlopen(self.url + path, timeout=5) as resp:
            return json.loads(resp.read())

    def query(self, expr: str) -> list[dict[str, Any]]:
        """Run an instant PromQL query; return the result vector."""
        from urllib.parse import quote

        data = self.api(f"/api/v1/query?query={quote(expr)}")
        assert data["status"] == "success", data
        return list(data["data"]["result"])

    def log(self) -> str:
        """Return what the service logged."""
        return self.log_path.read_text(errors="replace")


def http_ok(url: str) -> bool:
    """Return whether ``url`` answers 200 (the connection is closed either way)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return bool(resp.status == 200)
    except urllib.error.HTTPError as err:  # e.g. 503 while starting; it holds the connection open
        err.close()
        return False


def start_prometheus(
    folder: Path,
    *,
    targets: list[str],
    rule_files: list[Path],
    alertmanager: str | None,
    interval: str = "1s",
) -> Service:
    """Start a real Prometheus scraping ``targets`` (job esc-collector); the caller stops it."""
    import yaml

    exe = require_program("prometheus", "prometheus")
    folder.mkdir(parents=True, exist_ok=True)
    config: dict[str, Any] = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "rule_files": [str(p) for p in rule_files],
        "scrape_configs": [{"job_name": "esc-collector", "static_configs": [{"targets": targets}]}],
    }
    if alertmanager:
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]}
    (folder / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    log_path = folder / "prometheus.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([exe, f"--config.file={folder / 'prometheus.yml'}", f"--storage.tsdb.path={folder / 'data'}",
                                 f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    service = Service(port, proc, log_path)
    wait_for(lambda: http_ok(service.url + "/-/ready"), timeout=30, what="Prometheus ready")
    return service


def start_alertmanager(folder: Path, config: Path) -> Service:
    """Start a real Alertmanager with ``config``; the caller stops it."""
    exe = require_program("prometheus-alertmanager", "prometheus-alertmanager")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = folder / "alertmanager.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([exe, f"--config.file={config}", f"--storage.path={folder / 'data'}",
                                 f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
                                 f"--web.external-url=http://127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    service = Service(port, proc, log_path)
    wait_for(lambda: http_ok(service.url + "/-/ready"), timeout=30, what="Alertmanager ready")
    return service


# --------------------------------------------------------------------------- Chromium


def chromium(*args: str, user_data: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium (Debian package) with the flags this sandboxed machine needs."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.fail(f"chromium is not installed: {INSTALL_HINT.format(package='chromium')}", pytrace=False)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", f"--user-data-dir={user_data}"]  # fmt: skip
    return subprocess.run([exe, *flags, *args], capture_output=True, text=True, timeout=timeout, check=False)
