"""A test certificate authority (made with ``cryptography``) and local HTTPS servers standing in for sites.

:class:`TestCA` issues server certificates for host names; :class:`HttpsSite` serves ``GET`` and
``HEAD`` with a status a test can change, over TLS with a certificate it can swap (one from
another CA, to make the handshake fail). The listening socket can be made by the caller, e.g.
inside a network namespace (:func:`helpers.netns.Namespace.call`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import socket
import ssl
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


class TestCA:
    """A certificate authority for one test: its certificate in ``folder/ca.pem``."""

    __test__ = False  # not a pytest class

    def __init__(self, folder: Path, name: str = "ESC Fleet test CA") -> None:
        """Create the CA key and self-signed certificate."""
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = dt.datetime.now(dt.UTC)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )  # fmt: skip
        self.path = folder / "ca.pem"
        self.path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, *hosts: str, days: int = 20) -> tuple[Path, Path]:
        """Return ``(certificate chain file, key file)`` of a server certificate for ``hosts``."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hosts]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )  # fmt: skip
        stem = self.folder / hosts[0].replace("*", "star")
        cert_path, key_path = stem.with_suffix(".crt"), stem.with_suffix(".key")
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        return cert_path, key_path

    def server_context(self, *hosts: str) -> ssl.SSLContext:
        """Return a server TLS context with a fresh certificate for ``hosts``."""
        cert, key = self.issue(*hosts)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        return context


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, sock: socket.socket, handler: type[http.server.BaseHTTPRequestHandler]) -> None:
        super().__init__(sock.getsockname()[:2], handler, bind_and_activate=False)
        self.socket.close()
        self.socket = sock
        self.server_address = sock.getsockname()[:2]
        self.site: HttpsSite | None = None

    def get_request(self) -> tuple[socket.socket, object]:
        conn, address = self.socket.accept()
        assert self.site is not None
        conn.settimeout(5)
        if self.site.context is None:  # plain HTTP
            return conn, address
        try:
            return self.site.context.wrap_socket(conn, server_side=True), address
        except (ssl.SSLError, OSError):
            conn.close()
            raise

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # handshakes a test makes fail are not errors of the test server


class HttpsSite:
    """An HTTPS server answering every path with ``status`` and ``body`` (and keeping the requests)."""

    def __init__(
        self, sock: socket.socket, context: ssl.SSLContext | None, *, status: int = 200, body: bytes = b"ok"
    ) -> None:
        """Serve on ``sock`` (bound and listening) with the TLS ``context`` (``None``: plain HTTP)."""
        self.context = context
        self.status = status
        self.body = body
        self.requests: list[tuple[str, str]] = []
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self, with_body: bool) -> None:
                site.requests.append((self.command, self.path))
                self.send_response(site.status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(site.body)))
                self.end_headers()
                if with_body:
                    self.wfile.write(site.body)

            def do_GET(self) -> None:
                self._answer(True)

            def do_HEAD(self) -> None:
                self._answer(False)

            def log_message(self, *_args: object) -> None:
                pass

        self.httpd = _Server(sock, Handler)
        self.httpd.site = self
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        """Return the port it listens on."""
        return int(self.httpd.server_address[1])

    def close(self) -> None:
        """Stop serving and close the listening socket (later connections are refused)."""
        self.httpd.shutdown()
        self.httpd.server_close()


def listening_socket(address: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """Return a TCP socket bound to ``address:port`` and listening."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((address, port))
    sock.listen(16)
    return sock


class TcpListener:
    """A TCP server that accepts connections and closes them (a syslog server, a box's port)."""

    def __init__(self, sock: socket.socket) -> None:
        """Accept on ``sock`` until closed."""
        self.sock = sock
        self.port = int(sock.getsockname()[1])
        self.accepted = 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        """Stop accepting: later connections are refused."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
