"""The probes themselves: the gateway, name resolution, an administrative site over HTTPS, Wi-Fi logging.

Blocking sockets with timeouts, run from worker threads (:mod:`agent.probes.monitor`). Every
probe is the agent's own request; nothing a visitor does is looked at.

* **Gateway**: a TCP connection to one of its ports (53, 80, 443 by default: a box runs DNS and
  its admin page there). An accepted connection *or a refusal* (RST) proves the gateway's IP stack
  answers; a time-out or "no route" does not. No ICMP: there is no ping binary on the PCs, raw
  sockets need privileges, and unprivileged ICMP sockets depend on a sysctl (docs/decisions.md).
* **DNS**: the system resolver (``getaddrinfo``) or the configured server (:mod:`agent.probes.dns`).
* **Site**: resolve, connect (the first address that answers), TLS handshake with the
  certificate verified (system CA store, or the configured CA file) for the site's host name,
  then one ``GET`` (or ``HEAD``) of the URL's path: its status is read, the body is not.
* **Wi-Fi logging**: the portal's status endpoint (2xx, optionally containing an expected word)
  or a TCP connection to the syslog server the hotspot logs to.
"""

from __future__ import annotations

import concurrent.futures
import errno
import http.client
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from agent.contract.messages import DnsCheck, GatewayCheck, LoggingCheck, SiteCheck
from agent.probes import dns

USER_AGENT = "esc-fleet-agent (probe)"
#: HTTP statuses that mean the site works (a redirection is the site answering).
OK_STATUS = range(200, 400)
#: Answers that prove a host is there even though nothing listens (connection refused).
_ANSWERED_ERRNOS = frozenset({errno.ECONNREFUSED})


def _error(err: BaseException) -> str:
    """A short, stable description of a socket or TLS error."""
    if isinstance(err, ssl.SSLCertVerificationError):
        return f"certificate: {err.verify_message}"[:256]
    if isinstance(err, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(err, OSError) and err.strerror:
        return err.strerror[:256]
    return (str(err) or type(err).__name__)[:256]


# --------------------------------------------------------------------------- gateway


def parse_proc_route(text: str) -> str | None:
    """Return the default gateway in Linux's ``/proc/net/route`` (``None`` when there is none).

    Lines are ``Iface Destination Gateway Flags ...`` in hexadecimal, little-endian addresses:
    ``eth0 00000000 0100A8C0 0003`` is a default route (flags UP|GATEWAY) via 192.168.0.1.
    """
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 4 or fields[1] != "00000000":
            continue
        try:
            gateway, flags = int(fields[2], 16), int(fields[3], 16)
        except ValueError:
            continue
        if flags & 0x2 and gateway:  # RTF_GATEWAY
            return socket.inet_ntoa(gateway.to_bytes(4, "little"))
    return None


def default_gateway() -> str | None:
    """Return the default IPv4 gateway of this machine's network (Linux), else ``None``.

    The calling thread's view (``/proc/thread-self``): the same as the process's, except in a
    thread that joined another network namespace.
    """
    for path in ("/proc/thread-self/net/route", "/proc/net/route"):
        try:
            return parse_proc_route(Path(path).read_text(encoding="ascii", errors="replace"))
        except OSError:
            continue
    return None


def check_gateway(address: str, ports: tuple[int, ...], timeout: float) -> GatewayCheck:
    """Try the gateway's ports in turn; it answered if one accepted or refused the connection."""
    started = time.monotonic()
    error = None
    for port in ports:
        try:
            with socket.create_connection((address, port), timeout=timeout):
                pass
        except OSError as err:
            if err.errno in _ANSWERED_ERRNOS:
                return GatewayCheck(address=address, answered=True, port=port,
                                    seconds=round(time.monotonic() - started, 3))  # fmt: skip
            error = f"{port}: {_error(err)}"
            continue
        return GatewayCheck(
            address=address, answered=True, port=port, seconds=round(time.monotonic() - started, 3)
        )
    return GatewayCheck(
        address=address, answered=False, seconds=round(time.monotonic() - started, 3), error=error
    )


# --------------------------------------------------------------------------- names


class Resolver:
    """Resolve host names through the system resolver, or through one DNS server."""

    def __init__(self, server: str | None, timeout: float, pool: concurrent.futures.Executor) -> None:
        """Use ``server`` ("host" or "host:port") when given, else the system resolver."""
        self.timeout = timeout
        self.pool = pool
        self.server: tuple[str, int] | None = None
        if server:
            host, _, port = server.rpartition(":") if server.count(":") == 1 else (server, "", "")
            self.server = (host or server, int(port) if port.isdigit() else 53)

    @property
    def label(self) -> str:
        """Return ``system`` or the server's ``host:port``."""
        return "system" if self.server is None else f"{self.server[0]}:{self.server[1]}"

    def resolve(self, host: str) -> list[str]:
        """Return the host's addresses.

        Raises:
            dns.DnsError: the name does not resolve within the time-out.
        """
        if self.server is not None:
            return dns.resolve(host, self.server[0], self.server[1], self.timeout)
        future = self.pool.submit(socket.getaddrinfo, host, None, type=socket.SOCK_STREAM)
        try:
            infos = future.result(timeout=self.timeout)
        except concurrent.futures.TimeoutError:
            raise dns.DnsError(f"{host}: no answer from the system resolver in {self.timeout:g} s") from None
        except socket.gaierror as err:
            raise dns.DnsError(f"{host}: {err.strerror}") from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not addresses:
            raise dns.DnsError(f"{host}: no address")
        return addresses


@dataclass
class Resolution:
    """Names resolved in one round: addresses or the error, per name."""

    addresses: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def resolve_all(names: list[str], resolver: Resolver, pool: concurrent.futures.Executor) -> Resolution:
    """Resolve every name concurrently."""
    started = time.monotonic()
    result = Resolution()

    def one(name: str) -> tuple[str, list[str] | None, str | None]:
        try:
            return name, resolver.resolve(name), None
        except dns.DnsError as err:
            return name, None, str(err)[:256]

    for name, addresses, error in pool.map(one, names):
        if addresses is not None:
            result.addresses[name] = addresses
        else:
            result.errors[name] = error or "no address"
    result.seconds = round(time.monotonic() - started, 3)
    return result


def dns_check(resolution: Resolution, resolver: Resolver) -> DnsCheck:
    """Return the DNS check of one round."""
    names = len(resolution.addresses) + len(resolution.errors)
    first_error = next(iter(resolution.errors.values()), None)
    return DnsCheck(server=resolver.label[:64], names=names, resolved=len(resolution.addresses),
                    seconds=resolution.seconds, error=first_error)  # fmt: skip


# --------------------------------------------------------------------------- sites


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """Return a verifying TLS context: the system's CA store, or only ``ca_file``."""
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _days_left(certificate: Mapping[str, Any] | None) -> int | None:
    not_after = certificate.get("notAfter") if certificate else None
    if not isinstance(not_after, str):
        return None
    return int((ssl.cert_time_to_seconds(not_after) - time.time()) // 86_400)


def check_site(
    name: str,
    function: str,
    url: str,
    addresses: list[str] | None,
    resolve_error: str | None,
    *,
    context: ssl.SSLContext,
    timeout: float,
    method: str = "GET",
) -> SiteCheck:
    """Probe one site: TCP to the first address that answers, TLS, one HTTP request."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or 443
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.monotonic()

    def done(
        *,
        answered: bool = False,
        connected: bool = False,
        tls_ok: bool | None = None,
        http_status: int | None = None,
        cert_days_left: int | None = None,
        error: str | None = None,
    ) -> SiteCheck:
        return SiteCheck(
            name=name, function=function, host=host[:256], port=port, resolved=addresses is not None,
            answered=answered, connected=connected, tls_ok=tls_ok, http_status=http_status,
            cert_days_left=cert_days_left, seconds=round(time.monotonic() - started, 3), error=error,
        )  # fmt: skip

    if addresses is None:
        return done(error=resolve_error or "no address")
    raw: socket.socket | None = None
    answered = False
    last_error = "no address"
    for address in addresses[:4]:
        try:
            raw = socket.create_connection((address, port), timeout=timeout)
            break
        except OSError as err:
            answered = answered or err.errno in _ANSWERED_ERRNOS
            last_error = _error(err)
    if raw is None:
        return done(answered=answered, error=last_error)
    try:
        try:
            tls = context.wrap_socket(raw, server_hostname=host)
        except (ssl.SSLError, OSError) as err:
            raw.close()
            return done(answered=True, connected=True, tls_ok=False, error=_error(err))
        days = _days_left(tls.getpeercert())
        connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
        connection.sock = tls
        try:
            connection.request(method, path, headers={"User-Agent": USER_AGENT, "Connection": "close",
                                                      "Accept": "*/*"})  # fmt: skip
            response = connection.getresponse()
            status = response.status
        except (http.client.HTTPException, OSError) as err:
            return done(answered=True, connected=True, tls_ok=True, cert_days_left=days, error=_error(err))
        finally:
            connection.close()
    finally:
        raw.close()
    if not 100 <= status <= 599:
        return done(
            answered=True, connected=True, tls_ok=True, cert_days_left=days, error=f"HTTP status {status}"
        )
    error = None if status in OK_STATUS else f"HTTP {status}"
    return done(
        answered=True, connected=True, tls_ok=True, http_status=status, cert_days_left=days, error=error
    )


def site_ok(check: SiteCheck) -> bool:
    """Return whether a site check succeeded."""
    return check.http_status is not None and check.http_status in OK_STATUS


# --------------------------------------------------------------------------- Wi-Fi logging

#: Most bytes of a status endpoint's answer read to look for ``expect`` (never published).
MAX_STATUS_BYTES = 65_536


def check_logging_http(
    url: str, expect: str | None, *, context: ssl.SSLContext, timeout: float
) -> LoggingCheck:
    """The portal's logging status endpoint: pass on 2xx (containing ``expect`` when given)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if parts.scheme == "https":
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            host, parts.port or 443, timeout=timeout, context=context
        )
    else:
        connection = http.client.HTTPConnection(host, parts.port or 80, timeout=timeout)
    where = f"{host}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
    try:
        connection.request("GET", path, headers={"User-Agent": USER_AGENT, "Connection": "close"})
        response = connection.getresponse()
        body = response.read(MAX_STATUS_BYTES) if expect else b""
    except (http.client.HTTPException, OSError) as err:
        return LoggingCheck(method="http", result="fail", evidence=(f"{where}: {_error(err)}"[:200],))
    finally:
        connection.close()
    evidence = [f"{where} answered HTTP {response.status}"]
    healthy = 200 <= response.status < 300
    if healthy and expect is not None:
        found = expect.encode() in body
        evidence.append(f"expected text {'found' if found else 'missing'}")
        healthy = found
    return LoggingCheck(
        method="http", result="pass" if healthy else "fail", evidence=tuple(e[:200] for e in evidence)
    )


def check_logging_syslog(target: str, *, timeout: float) -> LoggingCheck:
    """The syslog server the hotspot logs to (TCP): pass when it accepts a connection."""
    host, _, port = target.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            pass
    except OSError as err:
        return LoggingCheck(
            method="syslog", result="fail", evidence=(f"syslog {target}: {_error(err)}"[:200],)
        )
    return LoggingCheck(
        method="syslog", result="pass", evidence=(f"syslog {target} accepts connections"[:200],)
    )
