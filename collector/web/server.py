"""The collector's HTTP server: waitress serving the WSGI app with connection limits and idle time-outs.

Why waitress (``docs/decisions.md``, "HTTP server: waitress"): every connection waits in one
``poll()`` loop until a whole request has arrived, and only then takes a worker thread. A client
that connects and sends nothing (or one byte a minute) costs a file descriptor, never a thread,
so 1,020 idle connections do not stop ``/metrics`` (measured by ``benchmarks/bench_http_idle.py``;
cheroot hands every *new* connection to a worker thread that blocks reading it, and failed).

Limits (``[http]`` of the collector configuration):

- ``connection_limit`` open connections at most; past it the server stops accepting until
  some close (the kernel's backlog holds the newcomers meanwhile);
- a connection without a request in progress for ``idle_timeout`` seconds is closed;
- request headers are bounded (``max_header_bytes``), bodies to 64 KiB (nothing here takes a body);
- the soft ``RLIMIT_NOFILE`` is raised towards the hard one at start: a systemd service gets a
  soft limit of 1,024 files, fewer than the connections allowed plus the collector's own.
"""

from __future__ import annotations

import logging
import resource
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, cast

from waitress.server import create_server

if TYPE_CHECKING:
    from wsgiref.types import WSGIApplication

_LOGGER = logging.getLogger(__name__)
#: File descriptors the collector needs besides HTTP connections (SQLite, MQTT, logs, Python).
RESERVED_FILES: Final = 128
MAX_BODY_BYTES: Final = 64 * 1024


@dataclass(frozen=True, slots=True)
class HttpLimits:
    """Connection limits and time-outs of the HTTP server."""

    connection_limit: int = 4096
    idle_timeout: float = 15.0
    threads: int = 4
    max_header_bytes: int = 16 * 1024


def raise_open_files_limit(wanted: int) -> int:
    """Raise the soft ``RLIMIT_NOFILE`` to ``wanted`` (at most the hard limit); return the soft limit now.

    Never lowers it. An unprivileged process may raise its soft limit up to the hard one.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError) as err:
            _LOGGER.warning("cannot raise the open files limit from %d to %d: %s", soft, target, err)
            return soft
        _LOGGER.info("open files limit raised from %d to %d (hard limit %s)", soft, target, hard)
        return target
    return soft if soft != resource.RLIM_INFINITY else wanted


def effective_connection_limit(limits: HttpLimits) -> int:
    """Raise the open files limit for ``limits`` and return the connection limit it allows."""
    soft = raise_open_files_limit(limits.connection_limit + RESERVED_FILES)
    allowed = max(16, soft - RESERVED_FILES)
    if allowed < limits.connection_limit:
        _LOGGER.warning(
            "open files limit %d: HTTP connections limited to %d instead of %d (raise LimitNOFILE)",
            soft, allowed, limits.connection_limit,
        )  # fmt: skip
        return allowed
    return limits.connection_limit


class HttpServer:
    """A waitress server on ``host:port`` running in a background thread."""

    def __init__(
        self, app: WSGIApplication, host: str, port: int, *, limits: HttpLimits | None = None
    ) -> None:
        """Bind the socket now (``OSError`` when the address is taken); serve after :meth:`start`."""
        self.limits = limits or HttpLimits()
        self.connection_limit = effective_connection_limit(self.limits)
        listen = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        self._server: Any = cast(Any, create_server)(
            app,
            listen=listen,
            threads=self.limits.threads,
            connection_limit=self.connection_limit,
            channel_timeout=self.limits.idle_timeout,
            cleanup_interval=max(1, min(30, round(self.limits.idle_timeout / 2))),
            backlog=min(4096, max(1024, self.connection_limit // 2)),
            asyncore_use_poll=True,  # select() cannot watch file descriptors past 1,023
            max_request_header_size=self.limits.max_header_bytes,
            max_request_body_size=MAX_BODY_BYTES,
            expose_tracebacks=False,
            ident="esc-collector",
        )
        # "localhost" may resolve to two addresses: waitress then serves both (MultiSocketServer).
        first = getattr(self._server, "effective_listen", None)
        host, port = first[0] if first else (self._server.effective_host, self._server.effective_port)
        self.host, self.port = str(host), int(port)
        self._thread = threading.Thread(target=self._server.run, name="http", daemon=True)

    @property
    def url(self) -> str:
        """Return the server's base URL."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> None:
        """Serve in the background."""
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, close every connection, wait for the workers (at most ``timeout``)."""
        server = self._server

        def close_all() -> None:  # runs in the server's loop thread
            for channel in list(server._map.values()):  # waitress has no public stop
                channel.close()

        if self._thread.is_alive():
            server.trigger.pull_trigger(close_all)
            self._thread.join(timeout)
        else:
            server.close()
        server.task_dispatcher.shutdown(timeout=timeout)
