"""The collector process: MQTT subscriber and HTTP server around the pure core.

``subscriber`` → :class:`~collector.ingest.Ingestor` → :class:`~collector.state.FleetState`
← :class:`~collector.exporter.FleetCollector` ← HTTP ``/metrics``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app

from collector import __version__
from collector.config import CollectorConfig, parse_listen
from collector.exporter import FleetCollector
from collector.history import History
from collector.ingest import Ingestor
from collector.sites import load_sites
from collector.state import FleetState
from collector.tracker import Tracker, TrackerLoop
from collector.web.status import StatusPages

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

    import paho.mqtt.client as mqtt

_LOGGER = logging.getLogger(__name__)


class Subscriber:
    """Persistent MQTT session feeding the ingestor (paho-mqtt 2, callback API v2)."""

    def __init__(self, config: CollectorConfig, ingestor: Ingestor) -> None:
        """Prepare the client; nothing happens before :meth:`start`."""
        import paho.mqtt.client as mqtt  # noqa: PLC0415
        from paho.mqtt.enums import CallbackAPIVersion  # noqa: PLC0415

        self.config = config
        self.ingestor = ingestor
        self.state = ingestor.state
        client_id = f"esc-collector.{config.collector.name}"
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False)
        config.broker.apply_to(self.client, default_username=None)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self._stopping = False

    def _on_connect(self, client: mqtt.Client, _ud: Any, flags: Any, reason: Any, _props: Any) -> None:
        if reason.is_failure:
            _LOGGER.error("broker refused the connection: %s", reason)
            return
        _LOGGER.info(
            "connected to %s (session present: %s)", self.config.broker.address, flags.session_present
        )
        client.subscribe([(topic, 1) for topic in self.config.broker.topics])
        with self.state.lock:
            self.state.mqtt_connected = True

    def _on_disconnect(self, _c: mqtt.Client, _ud: Any, _flags: Any, reason: Any, _props: Any) -> None:
        if not self._stopping:
            _LOGGER.warning("disconnected from the broker: %s", reason)
        with self.state.lock:
            self.state.mqtt_connected = False

    def _on_message(self, _c: mqtt.Client, _ud: Any, message: mqtt.MQTTMessage) -> None:
        try:
            self.ingestor.handle(
                message.topic, bytes(message.payload), now=time.time(), retained=bool(message.retain)
            )
        except Exception:  # the ingestor never raises; this guards the MQTT thread regardless
            _LOGGER.exception("internal error while ingesting a message")
            with self.state.lock:
                self.state.counters.rejected["internal_error"] += 1

    def start(self) -> None:
        """Connect in the background; paho reconnects on its own."""
        address = self.config.broker.address
        self.client.connect_async(address.host, address.port, keepalive=self.config.broker.keepalive)
        self.client.loop_start()

    def stop(self) -> None:
        """Disconnect cleanly (the session and its queued messages stay on the broker)."""
        self._stopping = True
        self.client.disconnect()
        self.client.loop_stop()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        _LOGGER.debug("http: " + format, *args)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


def make_app(
    state: FleetState, registry: CollectorRegistry, pages: StatusPages | None = None
) -> WSGIApplication:
    """Return the collector's WSGI application (``/metrics``, ``/healthz``, the status pages)."""
    metrics_app = make_wsgi_app(registry)

    def html(start_response: StartResponse, body: str | None) -> Iterable[bytes]:
        if body is None:
            start_response("404 Not Found", [("Content-Type", "text/html; charset=utf-8")])
            return [b"<!DOCTYPE html><html lang='fr'><body><p>Page introuvable.</p></body></html>"]
        start_response(
            "200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")]
        )
        return [body.encode()]

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path == "/metrics":
            response: Iterable[bytes] = metrics_app(environ, start_response)
            return response
        if path == "/healthz":
            with state.lock:
                connected = state.mqtt_connected
                agents = len(state.agents)
            body = json.dumps({"mqtt_connected": connected, "agents": agents, "version": __version__})
            status = "200 OK" if connected else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json")])
            return [body.encode()]
        if pages is not None and path == "/":
            return html(start_response, pages.index())
        if pages is not None and path.startswith("/site/"):
            return html(start_response, pages.site(path.removeprefix("/site/").strip("/")))
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"not found\n"]

    return app


class CollectorService:
    """Everything the ``esc-collector run`` process runs, started and stopped together."""

    def __init__(self, config: CollectorConfig, *, clock: Callable[[], float] = time.time) -> None:
        """Wire state, ingestor, exporter, subscriber and HTTP server."""
        self.config = config
        self.clock = clock
        self.state = FleetState()
        self.history: History | None = None
        self.tracker: Tracker | None = None
        self.tracker_loop: TrackerLoop | None = None
        if config.sites.file is not None:
            sites = load_sites(config.sites.file)
            self.history = History(config.history.file)
            self.tracker = Tracker(
                sites, self.state, self.history, stale_after=config.collector.stale_after, now=clock()
            )
            self.tracker_loop = TrackerLoop(
                self.tracker,
                every=config.availability.evaluate_every,
                retention_seconds=config.history.retention_days * 86_400.0,
                clock=clock,
            )
        tracker = self.tracker
        self.ingestor = Ingestor(
            self.state,
            max_payload_bytes=config.limits.max_payload_bytes,
            on_accepted=(lambda site, now: tracker.evaluate(now, [site])) if tracker else None,
            processed_before=self.history.load_sequences() if self.history else None,
            remember=self.history.save_sequence if self.history else None,
        )
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(
            FleetCollector(
                self.state, stale_after=config.collector.stale_after, clock=clock, tracker=self.tracker
            )
        )
        self.pages: StatusPages | None = None
        if self.tracker is not None:
            tracker_ref = self.tracker
            self.pages = StatusPages(
                tracker_ref.sites, self.state, self.history,
                service_states=lambda: dict(tracker_ref.snapshot(clock())[1]),
                stale_after=config.collector.stale_after, clock=clock,
            )  # fmt: skip
        self.subscriber = Subscriber(config, self.ingestor)
        host, port = parse_listen(config.collector.listen)
        self.http = make_server(
            host,
            port,
            make_app(self.state, self.registry, self.pages),
            server_class=_ThreadingWSGIServer,
            handler_class=_QuietHandler,
        )
        self._http_thread = threading.Thread(target=self.http.serve_forever, name="http", daemon=True)

    @property
    def url(self) -> str:
        """Return the base URL of the HTTP server."""
        host, port = self.http.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        """Start the HTTP server and the MQTT session."""
        if self.tracker is not None and self.tracker_loop is not None:
            self.tracker.evaluate(self.clock())
            self.tracker_loop.start()
        self._http_thread.start()
        self.subscriber.start()
        _LOGGER.info("collector listening on %s, broker %s", self.url, self.config.broker.address)

    def stop(self) -> None:
        """Stop both, cleanly."""
        self.subscriber.stop()
        self.http.shutdown()
        self.http.server_close()
        if self.tracker_loop is not None:
            self.tracker_loop.stop()
        if self.history is not None:
            self.history.close()
