"""Which WSGI server keeps /metrics and /healthz answering under 1,020 idle connections?

Each candidate serves the collector's real WSGI app (empty fleet) in its own process, started
with the soft RLIMIT_NOFILE of a systemd service (1,024). The client opens N connections that
stay idle — ``silent``: connected, never a byte sent (a slowloris); ``keepalive``: one request
answered, then idle on a kept-alive connection — and then times ``GET /metrics`` and
``GET /healthz`` on fresh connections (5 s client time-out), and counts how many idle
connections the server closed by itself within the idle time-out plus a margin.

Run: ``.venv/bin/python benchmarks/bench_http_idle.py [--connections 1020] [--only NAME]``.
Traffic goes to 127.0.0.1 only; every loop is bounded.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Each candidate is a snippet run in a child process: ``app``, ``port`` and ``idle`` are defined.
CANDIDATES: dict[str, str] = {
    "wsgiref-threading": """
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIServer, WSGIRequestHandler, make_server
class S(ThreadingMixIn, WSGIServer):
    daemon_threads = True
class H(WSGIRequestHandler):
    def log_message(self, *a): pass
make_server("127.0.0.1", port, app, server_class=S, handler_class=H).serve_forever()
""",
    "cheroot-defaults": """
from cheroot.wsgi import Server
Server(("127.0.0.1", port), app).safe_start()
""",
    "cheroot-tuned": """
from cheroot.wsgi import Server
raise_nofile()
Server(("127.0.0.1", port), app, numthreads=16, timeout=idle, accepted_queue_size=4096).safe_start()
""",
    "waitress-defaults": """
import waitress
waitress.serve(app, host="127.0.0.1", port=port, _quiet=True)
""",
    "waitress-tuned": """
import waitress
raise_nofile()
waitress.serve(app, host="127.0.0.1", port=port, threads=4, connection_limit=4096, channel_timeout=idle, backlog=2048,
               cleanup_interval=max(1, idle // 2), asyncore_use_poll=True, _quiet=True)
""",
}

PRELUDE = """
import resource, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (1024, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
from prometheus_client import CollectorRegistry
from collector.exporter import FleetCollector
from collector.web.app import make_app
from collector.state import FleetState
state = FleetState()
state.mqtt_connected = True
registry = CollectorRegistry(auto_describe=False)
registry.register(FleetCollector(state, stale_after=60))
app = make_app(state, registry)
port, idle = int(sys.argv[1]), int(sys.argv[2])
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(port: int, path: str, timeout: float = 5.0) -> float | None:
    """Return the seconds a GET took, or None on a time-out or error."""
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
    except OSError:
        return None
    if not data.startswith(b"HTTP/1.1 200") and not data.startswith(b"HTTP/1.0 200"):
        return None
    return time.monotonic() - started


def _open_idle(port: int, count: int, mode: str) -> list[socket.socket]:
    socks = []
    for _ in range(count):
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            break
        if mode == "keepalive":
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            sock.settimeout(5)
            with contextlib.suppress(OSError):
                sock.recv(65536)
        socks.append(sock)
    return socks


def _closed_by_server(socks: list[socket.socket]) -> int:
    closed = 0
    for sock in socks:
        sock.setblocking(False)
        try:
            while sock.recv(65536):  # the rest of an answer, if any, then the end of the stream
                pass
            closed += 1
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
    return closed


def measure(name: str, connections: int, mode: str, idle: int) -> dict[str, object]:
    """Serve with one candidate, hold ``connections`` idle ones, time /metrics and /healthz."""
    port = _free_port()
    code = PRELUDE + CANDIDATES[name]
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(port), str(idle)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while _get(port, "/healthz", 1) is None:
            if time.monotonic() > deadline:
                return {"server": name, "mode": mode, "error": "did not start"}
            time.sleep(0.1)
        started = time.monotonic()
        socks = _open_idle(port, connections, mode)
        opened = len(socks)
        metrics = [_get(port, "/metrics") for _ in range(3)]
        healthz = [_get(port, "/healthz") for _ in range(3)]
        # Past the idle time-out (plus the cleanup period), how many did the server close?
        time.sleep(max(0.0, idle * 2 + 2 - (time.monotonic() - started)))
        closed = _closed_by_server(socks)
        after = _get(port, "/metrics")
        for sock in socks:
            sock.close()
        ok = [m for m in metrics + healthz if m is not None]
        return {
            "server": name,
            "mode": mode,
            "idle_opened": opened,
            "answered": f"{len(ok)}/{len(metrics) + len(healthz)}",
            "worst_seconds": round(max(ok), 3) if ok else None,
            "closed_by_server": closed,
            "metrics_after_cleanup": round(after, 3) if after is not None else None,
        }
    finally:
        proc.kill()  # some candidates never stop while connections hang
        proc.wait(10)


def main() -> None:
    """Measure every candidate (or one) in both modes and print one JSON line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=1020)
    parser.add_argument("--idle", type=int, default=10, help="idle time-out given to tuned servers")
    parser.add_argument("--only", choices=sorted(CANDIDATES))
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.connections * 2 + 256), hard))
    for name in [args.only] if args.only else CANDIDATES:
        for mode in ("silent", "keepalive"):
            print(json.dumps(measure(name, args.connections, mode, args.idle)), flush=True)


if __name__ == "__main__":
    main()
