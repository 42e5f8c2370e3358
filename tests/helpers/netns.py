"""Network namespaces for tests: a site's LAN, its box, and the "internet" behind it — all made here.

Nothing is added to the machine's own network: every interface is created directly inside a
namespace the test made (``ip link add … netns …``), and only addresses inside those namespaces
(and loopback) are ever contacted. Needs root (as CI runs) and ``iproute2``; the DNS servers are
Debian's ``dnsmasq`` (package ``dnsmasq-base``).

Topology of :class:`SiteNetwork` (the documentation ranges stand for the internet)::

    [site] lan0 10.77.0.2/24 ──veth── lan 10.77.0.1/24 [box] wan 100.64.0.1/30 ──veth── wan 100.64.0.2/30 [isp]
           default via .1                dnsmasq :53 (forwarder,                         lo: 198.51.100.x/32 (sites)
                                         no cache), IP forwarding                              203.0.113.53 (dnsmasq, authority)

A test enters a namespace in two ways: a child process (``ip netns exec``, :meth:`Namespace.exec`)
or, for sockets the test process itself owns (its HTTPS servers), a thread that joins the
namespace with ``setns(2)`` (:meth:`Namespace.call`): a socket stays in the namespace it was
created in, whichever thread uses it afterwards.
"""

from __future__ import annotations

import ctypes
import itertools
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest

from helpers.processes import free_port, require_program, stop_process, wait_for

T = TypeVar("T")
CLONE_NEWNET = 0x40000000
_COUNTER = itertools.count()


def _require_root() -> None:
    if os.geteuid() != 0:
        pytest.fail("network namespace tests need root (CI runs them as root)", pytrace=False)


class Namespace:
    """One network namespace, deleted (with its interfaces) by :meth:`delete`."""

    def __init__(self, name: str) -> None:
        """Create the namespace and bring its loopback up."""
        _require_root()
        self.ip_exe = require_program("ip", "iproute2")
        self.name = name
        subprocess.run([self.ip_exe, "netns", "add", name], check=True, capture_output=True)
        self.ip("link", "set", "lo", "up")

    def ip(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``ip -n <ns> ARGS``."""
        result = subprocess.run(
            [self.ip_exe, "-n", self.name, *args], capture_output=True, text=True, check=False
        )
        if check and result.returncode != 0:
            pytest.fail(f"ip -n {self.name} {' '.join(args)}: {result.stderr.strip()}")
        return result

    def exec(self, args: Sequence[str]) -> list[str]:
        """Return the command line that runs ``args`` inside the namespace."""
        return [self.ip_exe, "netns", "exec", self.name, *args]

    def run(
        self, args: Sequence[str], *, timeout: float = 60.0, **kwargs: Any
    ) -> subprocess.CompletedProcess[str]:
        """Run a command inside the namespace and return its outcome (never raises on exit codes)."""
        return subprocess.run(
            self.exec(args), capture_output=True, text=True, timeout=timeout, check=False, **kwargs
        )

    def sysctl(self, key: str, value: str) -> None:
        """Set a (per-namespace) sysctl."""
        result = self.run(["sysctl", "-q", "-w", f"{key}={value}"])
        if result.returncode != 0:
            pytest.fail(f"sysctl {key} in {self.name}: {result.stderr.strip()}")

    def call(self, function: Callable[..., T], *args: Any) -> T:
        """Run ``function(*args)`` in a thread that has joined this namespace; return its result."""
        outcome: dict[str, Any] = {}

        def target() -> None:
            libc = ctypes.CDLL(None, use_errno=True)
            fd = os.open(f"/run/netns/{self.name}", os.O_RDONLY)
            try:
                if libc.setns(fd, CLONE_NEWNET) != 0:
                    outcome["error"] = OSError(ctypes.get_errno(), "setns")
                    return
            finally:
                os.close(fd)
            try:
                outcome["value"] = function(*args)
            except BaseException as err:
                outcome["error"] = err

        thread = threading.Thread(target=target, name=f"netns-{self.name}")
        thread.start()
        thread.join()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]  # type: ignore[no-any-return]

    def delete(self) -> None:
        """Delete the namespace (its interfaces go with it)."""
        subprocess.run([self.ip_exe, "netns", "delete", self.name], capture_output=True, check=False)
        shutil.rmtree(f"/etc/netns/{self.name}", ignore_errors=True)

    def resolv_conf(self, nameserver: str) -> None:
        """Give processes run with ``ip netns exec`` their own ``/etc/resolv.conf`` (system resolver)."""
        folder = Path("/etc/netns") / self.name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "resolv.conf").write_text(f"nameserver {nameserver}\noptions timeout:1 attempts:1\n")


def free_udp_port() -> int:
    """Return a port free on 127.0.0.1 for both UDP and TCP (dnsmasq binds both), from this worker's slice.

    The kernel's choice (port 0) came from the ephemeral range, where another worker's outgoing
    TCP connection could hold the same number: dnsmasq then failed with "Address already in use".
    """
    for _ in range(100):
        port = free_port()  # TCP, from this worker's slice (helpers.processes)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no port free for both UDP and TCP in this worker's slice")


def veth(a: Namespace, a_name: str, b: Namespace, b_name: str) -> None:
    """Create a veth pair with one end in each namespace (never in the machine's own)."""
    subprocess.run(
        [a.ip_exe, "link", "add", a_name, "netns", a.name, "type", "veth", "peer", "name", b_name, "netns", b.name],
        check=True, capture_output=True,
    )  # fmt: skip


class Dnsmasq:
    """A dnsmasq process (foreground, no configuration file, no DHCP), in a namespace or on loopback."""

    def __init__(
        self, ns: Namespace | None, folder: Path, listen: str, *options: str, port: int = 53
    ) -> None:
        """Start it on ``listen:port`` with ``options`` (e.g. ``--host-record=…``, ``--server=…``)."""
        exe = require_program("dnsmasq", "dnsmasq-base")
        folder.mkdir(parents=True, exist_ok=True)
        self.listen, self.port = listen, port
        self.log_path = folder / f"dnsmasq-{ns.name if ns else 'loopback'}-{port}.log"
        args = [exe, "--keep-in-foreground", "--conf-file=/dev/null", "--no-hosts", "--pid-file=",
                "--bind-interfaces", f"--listen-address={listen}", f"--port={port}", "--log-queries",
                "--log-facility=-", "--user=root", *options]  # fmt: skip
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(ns.exec(args) if ns else args, stdout=log, stderr=subprocess.STDOUT)

        def ready() -> bool:
            if self.proc.poll() is not None:
                pytest.fail(f"dnsmasq exited at start: {self.log()[-1500:]}")
            return "started, version" in self.log()

        wait_for(ready, timeout=10, what="dnsmasq to start")

    @property
    def address(self) -> str:
        """Return ``host:port``, as ``[probes] dns_server`` takes it."""
        return f"{self.listen}:{self.port}"

    def log(self) -> str:
        """Return what dnsmasq logged."""
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """Stop it."""
        stop_process(self.proc)


class SiteNetwork:
    """A site's LAN, its box and the internet behind it, in three namespaces.

    ``hosts`` maps the sites' names to their "internet" addresses (on the isp side); the box's
    dnsmasq forwards every query to the isp's, which knows them, and caches nothing (a box cut
    from the internet then resolves nothing).
    """

    SITE_ADDRESS = "10.77.0.2"
    GATEWAY = "10.77.0.1"
    BOX_WAN = "100.64.0.1"
    ISP_WAN = "100.64.0.2"
    UPSTREAM_DNS = "203.0.113.53"

    def __init__(self, folder: Path, hosts: dict[str, str]) -> None:
        """Build the three namespaces, their links and routes, and the two DNS servers."""
        prefix = f"esc{os.getpid()}-{next(_COUNTER)}"
        self.namespaces: list[Namespace] = []
        self.servers: list[Dnsmasq] = []
        try:
            self.site = self._namespace(f"{prefix}-site")
            self.box = self._namespace(f"{prefix}-box")
            self.isp = self._namespace(f"{prefix}-isp")
            veth(self.site, "lan0", self.box, "lan")
            veth(self.box, "wan", self.isp, "wan")
            self.site.ip("addr", "add", f"{self.SITE_ADDRESS}/24", "dev", "lan0")
            self.site.ip("link", "set", "lan0", "up")
            self.site.ip("route", "add", "default", "via", self.GATEWAY)
            self.box.ip("addr", "add", f"{self.GATEWAY}/24", "dev", "lan")
            self.box.ip("addr", "add", f"{self.BOX_WAN}/30", "dev", "wan")
            self.box.ip("link", "set", "lan", "up")
            self.box.ip("link", "set", "wan", "up")
            self.box.ip("route", "add", "default", "via", self.ISP_WAN)
            self.box.sysctl("net.ipv4.ip_forward", "1")
            self.isp.ip("addr", "add", f"{self.ISP_WAN}/30", "dev", "wan")
            self.isp.ip("link", "set", "wan", "up")
            for address in sorted({*hosts.values(), self.UPSTREAM_DNS}):  # (no dummy interfaces here)
                self.isp.ip("addr", "add", f"{address}/32", "dev", "lo")
            self.isp.ip("route", "add", "10.77.0.0/24", "via", self.BOX_WAN)
            records = [f"--host-record={host},{address}" for host, address in hosts.items()]
            self.upstream = self._dnsmasq(self.isp, folder, self.UPSTREAM_DNS, "--no-resolv", *records)
            self.resolver = self._dnsmasq(
                self.box,
                folder,
                self.GATEWAY,
                "--no-resolv",
                f"--server={self.UPSTREAM_DNS}",
                "--cache-size=0",
            )
        except BaseException:
            self.close()
            raise

    def _namespace(self, name: str) -> Namespace:
        ns = Namespace(name)
        self.namespaces.append(ns)
        return ns

    def _dnsmasq(self, ns: Namespace, folder: Path, listen: str, *options: str) -> Dnsmasq:
        server = Dnsmasq(ns, folder, listen, *options)
        self.servers.append(server)
        return server

    def close(self) -> None:
        """Stop the DNS servers and delete the namespaces."""
        for server in self.servers:
            server.stop()
        for ns in self.namespaces:
            ns.delete()
