"""The demo's own internet link, on this machine only: cut it with a file, watch the probes see it.

:class:`DemoLink` starts, on 127.0.0.1:

* a DNS server that answers ``caf.demo.test`` and ``ameli.demo.test`` with 127.0.0.1 (what the
  agent's probes ask through ``[probes] dns_server``: the site's box);
* an HTTPS server standing in for the two administrative sites, with a certificate of its own
  demo CA (the probes trust only ``ca_file``);
* the public Wi-Fi portal's logging status (``[probes.wifi_logging] url``).

Switch files in the demo's state folder change what they do, so a person sees the collector
follow: ``cut-internet`` (the DNS server stops answering: the probes report
``dns_failure``, « accès internet », and every PC and kiosk that needs the link is down for an
external cause), ``caf-down`` (the « CAF » answers HTTP 503: « site de la CAF injoignable »),
``wifi-logging-down`` (the portal's logging status answers 503). ``rm`` restores. Nothing leaves
the loopback interface; no real administrative site is contacted.
"""

from __future__ import annotations

import datetime as dt
import http.server
import socket
import ssl
import struct
import threading
from contextlib import ExitStack
from pathlib import Path
from typing import Final

#: The demo's administrative sites: (function name, host, label).
DEMO_SITES: Final = (("caf", "caf.demo.test", "la CAF"), ("ameli", "ameli.demo.test", "l'Assurance maladie"))
#: The switch files, in the demo's state folder.
CUT_INTERNET: Final = "cut-internet"
CAF_DOWN: Final = "caf-down"
WIFI_LOGGING_DOWN: Final = "wifi-logging-down"
SWITCHES: Final = (CUT_INTERNET, CAF_DOWN, WIFI_LOGGING_DOWN)


def make_certificates(folder: Path, hosts: tuple[str, ...]) -> tuple[Path, Path, Path]:
    """Write a demo CA and a server certificate for ``hosts``; return (ca, cert, key) paths."""
    from cryptography import x509  # noqa: PLC0415
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: PLC0415

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ESC Fleet demo CA")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hosts]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    paths = folder / "demo-ca.pem", folder / "demo-sites.pem", folder / "demo-sites.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


def dns_answer(query: bytes, names: set[str]) -> bytes | None:
    """Return the answer to a DNS query: 127.0.0.1 for ``names``, NXDOMAIN otherwise (``None``: not a query)."""
    if len(query) < 17:
        return None
    ident, flags, questions = struct.unpack("!HHH", query[:6])
    if flags & 0x8000 or questions != 1:
        return None
    labels, offset = [], 12
    while offset < len(query) and query[offset]:
        length = query[offset]
        labels.append(query[offset + 1 : offset + 1 + length].decode("ascii", "replace").lower())
        offset += 1 + length
    question = query[12 : offset + 5]
    if len(question) < offset + 5 - 12:
        return None
    qtype = struct.unpack("!H", query[offset + 1 : offset + 3])[0]
    known = ".".join(labels) in names
    rcode = 0 if known else 3
    answers = 1 if known and qtype == 1 else 0
    header = struct.pack("!HHHHHH", ident, 0x8180 | rcode, 1, answers, 0, 0)
    record = struct.pack("!HHHIH", 0xC00C, 1, 1, 5, 4) + socket.inet_aton("127.0.0.1") if answers else b""
    return header + question + record


class DemoLink:
    """The demo's DNS server, administrative sites and Wi-Fi logging status (see the module docstring)."""

    def __init__(self, switches: Path, runtime: Path, stack: ExitStack) -> None:
        """Start every server on 127.0.0.1 (stopped when ``stack`` closes)."""
        self.switches = switches
        for name in SWITCHES:  # the demo starts with a working link
            (switches / name).unlink(missing_ok=True)
        hosts = tuple(host for _n, host, _l in DEMO_SITES)
        self.ca, cert, key = make_certificates(runtime, hosts)
        self._dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._dns.bind(("127.0.0.1", 0))
        self.dns_port = int(self._dns.getsockname()[1])
        names = set(hosts)
        stopping = threading.Event()

        def serve_dns() -> None:
            self._dns.settimeout(0.5)
            while not stopping.is_set():
                try:
                    data, peer = self._dns.recvfrom(512)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if self.is_on(CUT_INTERNET):
                    continue  # the box's resolver no longer answers
                reply = dns_answer(data, names)
                if reply is not None:
                    self._dns.sendto(reply, peer)

        threading.Thread(target=serve_dns, name="demo-dns", daemon=True).start()
        stack.callback(self._dns.close)
        stack.callback(stopping.set)
        link = self

        class Sites(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host = (self.headers.get("Host") or "").split(":")[0]
                down = host == "caf.demo.test" and link.is_on(CAF_DOWN)
                self._answer(503 if down else 200, b"service indisponible" if down else b"ok")

            def do_HEAD(self) -> None:
                self.do_GET()

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        class Portal(Sites):
            def do_GET(self) -> None:
                down = link.is_on(WIFI_LOGGING_DOWN)
                self._answer(503 if down else 200, b"logging: failed" if down else b"logging: ok")

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        self._sites = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sites)
        self._sites.socket = context.wrap_socket(self._sites.socket, server_side=True)
        self.sites_port = int(self._sites.server_address[1])
        self._portal = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Portal)
        self.portal_port = int(self._portal.server_address[1])
        for server in (self._sites, self._portal):
            threading.Thread(target=server.serve_forever, name="demo-http", daemon=True).start()
            stack.callback(server.server_close)
            stack.callback(server.shutdown)

    def is_on(self, switch: str) -> bool:
        """Return whether a switch file exists."""
        return (self.switches / switch).exists()

    def probes_block(self, *, interval: float = 30.0) -> str:
        """Return the demo agent's ``[probes]`` configuration (TOML)."""
        sites = "".join(
            f'[[probes.sites]]\nname = "{name}"\nurl = "https://{host}:{self.sites_port}/"\nlabel = "{label}"\n'
            for name, host, label in DEMO_SITES
        )
        return (
            f'[probes]\ninterval = {interval}\ndevice = "internet"\nname = "l\'accès internet"\ngateway = "none"\n'
            f'dns_server = "127.0.0.1:{self.dns_port}"\nca_file = "{self.ca}"\ntimeout = 2.0\nretries = 0\n'
            f'{sites}[probes.wifi_logging]\nurl = "http://127.0.0.1:{self.portal_port}/status"\n'
            'expect = "logging: ok"\ntimeout = 2.0\n'
        )
