"""The collector process: MQTT subscriber and HTTP server around the pure core.

``subscriber`` → :class:`~collector.ingest.Ingestor` → :class:`~collector.state.FleetState`
← :class:`~collector.exporter.FleetCollector` ← HTTP ``/metrics``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry

from agent.contract.messages import StatusMessage
from agent.shared.broker import ConnectionLog
from collector.config import CollectorConfig, ConfigError, parse_listen
from collector.exporter import FleetCollector
from collector.history import History
from collector.inbox import Inbox
from collector.ingest import Accepted, Ingestor, Limits
from collector.recovery import open_history
from collector.sites import load_sites
from collector.state import FleetState
from collector.supplies import supply_settings
from collector.tracker import Tracker, TrackerLoop
from collector.web.app import make_app
from collector.web.auth import BasicAuth
from collector.web.server import HttpLimits, HttpServer
from collector.web.status import StatusPages

if TYPE_CHECKING:
    import paho.mqtt.client as mqtt

_LOGGER = logging.getLogger(__name__)
#: History metadata: the topic filters the collector's persistent session was subscribed to.
SUBSCRIPTIONS_KEY = "mqtt_subscriptions"


class Subscriber:
    """Persistent MQTT session feeding the ingestor (paho-mqtt 2, callback API v2).

    A message is acknowledged to the broker only once its effects are stored (paho's manual
    acknowledgements). Messages are stored in groups: paho's thread only puts what arrives in an
    inbox; an ingest thread takes every message waiting (at most ``group_max``), ingests them in
    one SQLite transaction, commits, then acknowledges them. A message alone is committed at once;
    under load the groups grow by themselves (what arrived while the previous group was stored).
    The inbox is bounded (:class:`~collector.inbox.Inbox`): when it is full, paho's thread waits
    and stops reading, and the broker keeps the rest (it does not hold the collector to its
    in-flight window by itself), so what a replay storm costs the collector in memory is bounded.

    When the history cannot be written (disk full, read-only, locked), the whole group is rolled
    back, none of it is acknowledged and the subscriber stops: it disconnects, so the broker keeps
    the unacknowledged messages and queues the new ones in the persistent session; ``/healthz``
    and ``esc_collector_storage_ok`` say why; a guard thread probes the storage and reconnects by
    itself once it can write again. Message ids belong to one connection: a group received on a
    connection that has since ended is not acknowledged (the broker sends it again).
    """

    #: At most this many messages share one transaction.
    GROUP_MAX = 1000
    #: At most this many messages received and not yet taken by the ingest thread...
    INBOX_MAX = 1000
    #: ...and at most this many bytes of their payloads (or a single larger message).
    INBOX_MAX_BYTES = 16 * 2**20

    def __init__(self, config: CollectorConfig, ingestor: Ingestor, *, history: History | None = None,
                 probe_every: float = 5.0, group_max: int = GROUP_MAX) -> None:  # fmt: skip
        """Prepare the client; nothing happens before :meth:`start`.

        Args:
            config: the collector configuration.
            ingestor: what handles each message.
            history: the history the ingestor's effects go to (groups are its transactions).
            probe_every: seconds between two probes of a failing storage.
            group_max: the most messages stored in one transaction.
        """
        import paho.mqtt.client as mqtt  # noqa: PLC0415
        from paho.mqtt.enums import CallbackAPIVersion  # noqa: PLC0415

        self._mqtt = mqtt
        self.config = config
        self.ingestor = ingestor
        self.history = history
        self.state = ingestor.state
        self.probe_every = probe_every
        self.group_max = group_max
        #: (message, arrival time, connection number) received and not yet taken for storing.
        self.inbox: Inbox[tuple[mqtt.MQTTMessage, float, int]] = Inbox(self.INBOX_MAX, self.INBOX_MAX_BYTES)
        self._connection_number = 0  # a new number on each connection and disconnection
        self._ack_lock = threading.Lock()  # acknowledging vs. a connection changing
        self._worker = threading.Thread(target=self._ingest_loop, name="ingest", daemon=True)
        client_id = f"esc-collector.{config.collector.name}"
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False)
        config.broker.apply_to(self.client, default_username=None)
        self.client.manual_ack_set(True)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self._stopping = threading.Event()
        self._blocked = threading.Event()  # storage failing: stop consuming
        self._guard = threading.Thread(target=self._guard_storage, name="storage-guard", daemon=True)
        self._connection = ConnectionLog(_LOGGER, config.broker.address)

    def _on_connect(self, client: mqtt.Client, _ud: Any, flags: Any, reason: Any, _props: Any) -> None:
        if reason.is_failure:
            self._connection.refused(reason)
            return
        with self._ack_lock:
            self._connection_number += 1
        self._connection.connected(f"session present: {flags.session_present}")
        wanted = self.config.subscriptions
        client.subscribe([(topic, 1) for topic in wanted])
        self._forget_old_subscriptions(client, wanted)
        with self.state.lock:
            self.state.mqtt_connected = True

    def _forget_old_subscriptions(self, client: mqtt.Client, wanted: tuple[str, ...]) -> None:
        """Unsubscribe from the filters an earlier run subscribed to and this one does not want.

        The persistent session keeps its subscriptions across runs: a shard whose ``[sites] only``
        lost a site would otherwise still receive (and drop) that site's messages.
        """
        if self.history is None:
            return
        try:
            before = json.loads(self.history.get_meta(SUBSCRIPTIONS_KEY) or "[]")
            stale = sorted(set(before) - set(wanted))
            if stale:
                client.unsubscribe(stale)
                _LOGGER.info("unsubscribed from %s (no longer in this collector's sites)", ", ".join(stale))
            self.history.set_meta(SUBSCRIPTIONS_KEY, json.dumps(sorted(wanted)))
        except (sqlite3.Error, OSError, ValueError, TypeError) as err:
            _LOGGER.warning("cannot compare the subscriptions with the previous run's: %s", err)

    def _on_disconnect(self, _c: mqtt.Client, _ud: Any, _flags: Any, reason: Any, _props: Any) -> None:
        with self._ack_lock:
            self._connection_number += 1
        if self._stopping.is_set() or self._blocked.is_set():
            self._connection.stopping()
        else:
            self._connection.lost(reason)
        with self.state.lock:
            self.state.mqtt_connected = False

    def _on_connect_fail(self, _c: mqtt.Client, _ud: Any) -> None:
        # paho calls this inside its ``except OSError``: the error being handled says why.
        self._connection.unreachable(sys.exception())

    def _on_message(self, _client: mqtt.Client, _ud: Any, message: mqtt.MQTTMessage) -> None:
        if self._blocked.is_set():
            return  # not acknowledged: the broker redelivers it after the storage comes back
        # Waits while the inbox is full (paho reads no more meanwhile); a message given up on
        # (stopping, or the storage failing) is not acknowledged: the broker sends it again.
        self.inbox.put((message, time.time(), self._connection_number), len(message.payload),
                       give_up=lambda: self._stopping.is_set() or self._blocked.is_set())  # fmt: skip

    def _ingest_loop(self) -> None:
        """Take every message waiting, store them in one transaction, acknowledge them; repeat."""
        while group := self.inbox.take(self.group_max):
            self._ingest_group(group)

    def _ingest_group(self, group: list[tuple[mqtt.MQTTMessage, float, int]]) -> None:
        if self._blocked.is_set() or self._stopping.is_set():
            return  # not acknowledged: the broker sends them again
        self.ingestor.open_group()
        stored = False
        try:
            with self.history.batch() if self.history is not None else contextlib.nullcontext():
                for message, now, _connection in group:
                    try:
                        self.ingestor.handle(message.topic, bytes(message.payload), now=now,
                                             retained=bool(message.retain))  # fmt: skip
                    except (sqlite3.Error, OSError):
                        raise
                    except (
                        Exception
                    ):  # the ingestor never raises otherwise; this guards the thread regardless
                        _LOGGER.exception("internal error while ingesting a message")
                        with self.state.lock:
                            self.state.counters.rejected["internal_error"] += 1
            stored = True
        except (sqlite3.Error, OSError) as err:
            self._block(f"{type(err).__name__}: {err}")
        finally:
            self.ingestor.close_group(stored=stored)
        if not stored:
            return
        with self._ack_lock:
            current = self._connection_number
            for message, _now, connection in group:
                if connection == current:
                    self.client.ack(message.mid, message.qos)

    def _block(self, why: str) -> None:
        with self.state.lock:
            self.state.storage_error = why
        if not self._blocked.is_set():
            _LOGGER.error("cannot write the history (%s): not acknowledging, disconnecting until it can", why)
            self._blocked.set()

    def _guard_storage(self) -> None:
        """While blocked: leave the broker, probe the storage, come back when it can write."""
        while not self._stopping.wait(0.2):
            if not self._blocked.is_set():
                continue
            self.client.disconnect()
            self.client.loop_stop()
            # paho makes a new wake-up socket pair on each loop_start() and never closes the old one.
            self.client._reset_sockets(sockpair_only=True)
            with self.state.lock:
                self.state.mqtt_connected = False
            while not self._stopping.wait(self.probe_every):
                try:
                    if self.history is not None:
                        self.history.check_writable()
                except (sqlite3.Error, OSError) as err:
                    with self.state.lock:
                        self.state.storage_error = f"{type(err).__name__}: {err}"
                    continue
                break
            if self._stopping.is_set():
                return
            _LOGGER.warning("the history is writable again: reconnecting to the broker")
            with self.state.lock:
                self.state.storage_error = None
            self._blocked.clear()
            self._connect()

    def _connect(self) -> None:
        address = self.config.broker.address
        self.client.on_connect_fail = self._on_connect_fail
        self.client.connect_async(address.host, address.port, keepalive=self.config.broker.keepalive)
        self.client.loop_start()

    def start(self) -> None:
        """Connect in the background; paho reconnects on its own."""
        self._worker.start()
        self._connect()
        self._guard.start()

    def stop(self) -> None:
        """Disconnect cleanly (the session and the messages not acknowledged stay on the broker)."""
        self._stopping.set()
        self.client.disconnect()
        self.client.loop_stop()
        self.inbox.close()  # what waits there is not acknowledged: the broker keeps it
        if self._worker.is_alive():
            self._worker.join(10)


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
            try:
                sites = sites.restrict(config.sites.only)  # one shard of a region: its sites alone
            except ValueError as err:
                raise ConfigError(f"{config.sites.file}: [sites] only: {err}") from None
            self.history = open_history(config.history.file)  # CorruptDatabase: exit 3 (cli)
            self.tracker = Tracker(
                sites, self.state, self.history, stale_after=config.collector.stale_after, now=clock(),
                supplies=supply_settings(config.supplies),
            )  # fmt: skip
            self.tracker_loop = TrackerLoop(
                self.tracker,
                every=config.availability.evaluate_every,
                retention_seconds=config.history.retention_days * 86_400.0,
                clock=clock,
            )
        tracker, history = self.tracker, self.history

        def on_accepted(accepted: Accepted) -> None:
            # The history effects and the processed seq in one transaction, before the acknowledgement.
            assert tracker is not None
            assert history is not None
            message = accepted.message
            with history.batch():
                tracker.observe_in_batch(accepted)
                if not isinstance(message, StatusMessage):
                    history.save_sequence(message.site, message.agent, message.seq, message.epoch or "")

        limits = config.limits
        self.ingestor = Ingestor(
            self.state,
            limits=Limits(
                max_payload_bytes=limits.max_payload_bytes,
                max_devices_per_agent=limits.max_devices_per_agent,
                messages_per_second=limits.messages_per_second,
                burst_messages=limits.burst_messages,
                clock_tolerance=config.collector.clock_tolerance,
            ),
            sites=tracker.sites if tracker else None,
            on_accepted=on_accepted if tracker else None,
            processed_before=self.history.load_sequences() if self.history else None,
        )
        if self.tracker_loop is not None:
            self.tracker_loop.forget = self.ingestor.forget
        self.registry = CollectorRegistry(auto_describe=False)
        sites_file = self.tracker.sites if self.tracker is not None else None

        def device_name(site: str, device: str) -> str | None:
            declared = sites_file.sites.get(site) if sites_file else None
            return declared.device(device).name if declared else None

        def agent_name(site: str, agent: str) -> str | None:
            declared = sites_file.sites.get(site) if sites_file else None
            return declared.agent(agent).name if declared else None

        self.exporter = FleetCollector(
            self.state,
            stale_after=config.collector.stale_after,
            clock=clock,
            tracker=self.tracker,
            device_name=device_name,
            agent_name=agent_name,
            diagnostics=config.collector.device_diagnostics,
        )
        self.registry.register(self.exporter)
        self.pages: StatusPages | None = None
        if self.tracker is not None:
            tracker_ref = self.tracker
            self.pages = StatusPages(
                tracker_ref.sites, self.state, self.history,
                service_states=lambda: dict(tracker_ref.snapshot(clock())[1]),
                stale_after=config.collector.stale_after, clock=clock, supplies=tracker_ref.supplies,
            )  # fmt: skip
        self.subscriber = Subscriber(config, self.ingestor, history=self.history)
        host, port = parse_listen(config.collector.listen)
        http = config.http
        app = make_app(self.state, self.registry, self.pages, metrics=self.exporter.render)
        if http.status_users:  # the status pages need an account; /metrics and /healthz stay open
            app = BasicAuth(app, http.status_users, realm=http.realm)
        http_limits = HttpLimits(
            connection_limit=http.connection_limit,
            idle_timeout=http.idle_timeout,
            threads=http.threads,
            max_header_bytes=http.max_header_bytes,
        )
        self.http = HttpServer(app, host, port, limits=http_limits)

    @property
    def url(self) -> str:
        """Return the base URL of the HTTP server."""
        return self.http.url

    def start(self) -> None:
        """Start the HTTP server and the MQTT session."""
        if self.tracker is not None and self.tracker_loop is not None:
            self.tracker.evaluate(self.clock())
            self.tracker_loop.start()
        self.http.start()
        self.subscriber.start()
        _LOGGER.info("collector listening on %s, broker %s", self.url, self.config.broker.address)

    def stop(self) -> None:
        """Stop both, cleanly."""
        self.subscriber.stop()
        self.http.stop()
        if self.tracker_loop is not None:
            self.tracker_loop.stop()
        if self.history is not None:
            self.history.close()
