"""Optional HTTP basic authentication of the status pages.

Each account's password hash is parsed and checked by :mod:`collector.passwords`. A check that
succeeded is remembered (keyed by a digest with a per-process secret) so a secretariat's page
refreshing every minute does not cost a scrypt computation each time; failures are never
remembered.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Final

from collector.passwords import parse_hash

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

#: Paths served without authentication: Prometheus and health checks.
OPEN_PATHS: Final = ("/metrics", "/healthz")


def _credentials(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value or len(value) > 1024:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


class BasicAuth:
    """WSGI middleware: every path but the open ones needs a user of ``users`` and its password."""

    def __init__(
        self,
        app: WSGIApplication,
        users: Mapping[str, str],
        *,
        realm: str = "ESC Fleet",
        open_paths: Collection[str] = OPEN_PATHS,
        remember: int = 64,
    ) -> None:
        """Wrap ``app``; ``users`` maps a user name to its hash (:func:`~collector.passwords.parse_hash` checks them here)."""
        self.app = app
        self.users = {name: parse_hash(text) for name, text in users.items()}
        self.realm = realm.replace('"', "")
        self.open_paths = frozenset(open_paths)
        self._secret = secrets.token_bytes(32)
        self._remembered: OrderedDict[bytes, None] = OrderedDict()
        self._remember = remember
        self._lock = threading.Lock()
        #: Requests refused for missing or wrong credentials (exported by whoever wants it).
        self.refused = 0

    def _check(self, user: str, password: str) -> bool:
        known = self.users.get(user)
        if known is None:
            return False
        token = hmac.new(self._secret, f"{user}\0{password}".encode(), hashlib.sha256).digest()
        with self._lock:
            if token in self._remembered:
                self._remembered.move_to_end(token)
                return True
        if not known.verify(password):
            return False
        with self._lock:
            self._remembered[token] = None
            while len(self._remembered) > self._remember:
                self._remembered.popitem(last=False)
        return True

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Serve open paths as they are; ask for credentials elsewhere."""
        if environ.get("PATH_INFO", "/") in self.open_paths:
            return self.app(environ, start_response)
        found = _credentials(str(environ.get("HTTP_AUTHORIZATION", "")))
        if found is not None and self._check(*found):
            environ["REMOTE_USER"] = found[0]
            return self.app(environ, start_response)
        with self._lock:
            self.refused += 1
        body = b"<!DOCTYPE html><html lang='fr'><body><p>Identification requise.</p></body></html>"
        start_response(
            "401 Unauthorized",
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("WWW-Authenticate", f'Basic realm="{self.realm}", charset="UTF-8"'),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
            ],
        )
        return [body]
