"""Check listening_ports (``[listening_ports]``) on a real listening socket."""

from __future__ import annotations

import socket
from pathlib import Path

from helpers.kiosk import check, write_only


def test_real_listening_port(tmp_path: Path) -> None:
    policy = write_only(tmp_path, listening_ports="allowed = []")
    with socket.socket() as server, socket.socket() as loopback:
        server.bind(("0.0.0.0", 0))
        server.listen()
        port = server.getsockname()[1]
        loopback.bind(("127.0.0.1", 0))
        loopback.listen()
        local = loopback.getsockname()[1]
        _, results = check(policy, tmp_path)
        assert results["listening_ports"]["severity"] == "warning"
        evidence = results["listening_ports"]["evidence"]
        assert f"port {port} en écoute sur 0.0.0.0" in evidence  # type: ignore[operator]
        assert not any(str(local) in e for e in evidence)  # type: ignore[attr-defined]
        allowed = write_only(tmp_path, listening_ports=f"allowed = [{port}]")
        _, results = check(allowed, tmp_path)
        assert not any(str(port) in e for e in results["listening_ports"]["evidence"])  # type: ignore[attr-defined]
