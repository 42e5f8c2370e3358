"""The agent's MQTT session (paho-mqtt 2, callback API v2).

Liveness follows docs/design.md §3 and lesson 10: a retained ``online`` birth on every
(re)connection, a retained Last Will ``offline``, an ``offline`` published by the agent
itself before a clean disconnect (the broker does not send the Will then), and a session
counter carried by both, so that the Will of a dead connection that lands after the new
birth cannot mark a live agent offline.

Every other message goes through the durable :class:`~agent.outbox.Outbox` and leaves it
only once the broker acknowledged it. Threading: paho calls ``on_publish`` while holding
its own lock, so the callbacks only record facts (acknowledged message ids, connection
state) and wake the owner thread; the owner thread (:meth:`pump`) does all outbox work.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections import deque
from typing import TYPE_CHECKING, Any, TypeVar

from agent import __version__
from agent.contract.messages import (
    DeviceMessage,
    HostMessage,
    Kind,
    LockdownMessage,
    StatusBody,
    StatusMessage,
    Topic,
    encode,
    now_utc,
)
from agent.exceptions import BrokerError
from agent.shared.broker import ConnectionLog
from agent.shared.config import ConfigError

if TYPE_CHECKING:
    import paho.mqtt.client as mqtt

    from agent.config import AgentConfig
    from agent.outbox import Outbox

_LOGGER = logging.getLogger(__name__)

#: How many outbox rows are handed to paho at once; the rest wait on disk, not in memory.
HANDOFF_BATCH = 200

_Message = TypeVar("_Message", bound=StatusMessage | HostMessage | DeviceMessage | LockdownMessage)


def envelope(message_class: type[_Message], body: Any, config: AgentConfig, outbox: Outbox) -> _Message:
    """Wrap a body in this agent's next envelope: its site and id, the outbox's epoch and next seq, now."""
    return message_class(
        v=1,
        site=config.agent.site,
        agent=config.agent.id,
        epoch=outbox.epoch,
        seq=outbox.next_seq(),
        ts=now_utc(),
        body=body,
    )


class Session:
    """One agent's connection to the broker."""

    def __init__(self, config: AgentConfig, outbox: Outbox, *, liveness: bool = True) -> None:
        """Prepare the client; nothing is sent before :meth:`start`.

        Args:
            config: the agent configuration.
            outbox: the durable outbox to drain.
            liveness: publish birth/Will/clean-stop status messages (``run``); ``once``
                sends readings only, so a one-shot run never claims a live session.
        """
        import paho.mqtt.client as mqtt  # noqa: PLC0415 - lazy: 12 MiB, not needed by every command
        from paho.mqtt.enums import CallbackAPIVersion  # noqa: PLC0415

        self._mqtt = mqtt
        self.config = config
        self.outbox = outbox
        self.liveness = liveness
        self.wake = threading.Event()
        self.connected = threading.Event()
        self.session = 0
        self.refused: str | None = None
        self._acked_mids: deque[int] = deque()
        self._mid_to_row: dict[int, int] = {}
        self._handed_up_to = 0  # outbox ids <= this are in paho's hands
        self._pump_lock = threading.Lock()
        self._status_topic = str(Topic(config.agent.site, config.agent.id, Kind.STATUS))
        self.connection_log = ConnectionLog(_LOGGER, config.broker.address)
        client_id = f"esc-agent.{config.agent.site}.{config.agent.id}"
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False)
        self._configure_client()

    # ------------------------------------------------------------------ setup
    def _configure_client(self) -> None:
        client = self.client
        try:
            self.config.broker.apply_to(
                client, default_username=f"{self.config.agent.id}@{self.config.agent.site}"
            )
        except ConfigError as err:
            raise BrokerError(str(err)) from None
        client.on_pre_connect = self._on_pre_connect
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish

    def _status(self, state: str, reason: str) -> bytes:
        body = StatusBody(state=state, session=self.session, reason=reason, agent_version=__version__)  # type: ignore[arg-type]
        return encode(envelope(StatusMessage, body, self.config, self.outbox))

    # -------------------------------------------------------------- callbacks
    def _on_pre_connect(self, client: mqtt.Client, _userdata: Any) -> None:
        # A new session number for every connection attempt, with its own Will.
        self.session = self.outbox.next_session()
        if self.liveness:
            client.will_set(
                self._status_topic, self._status("offline", "connection_lost"), qos=1, retain=True
            )

    def _on_connect(self, client: mqtt.Client, _ud: Any, _flags: Any, reason: Any, _props: Any) -> None:
        if reason.is_failure:
            self.refused = str(reason)
            self.connection_log.refused(reason)
            self.wake.set()
            return
        self.refused = None
        self.connection_log.connected(f"session {self.session}")
        if self.liveness:
            client.publish(self._status_topic, self._status("online", "birth"), qos=1, retain=True)
        self.connected.set()
        self.wake.set()

    def _on_disconnect(self, _c: mqtt.Client, _ud: Any, _flags: Any, reason: Any, _props: Any) -> None:
        if self.connected.is_set():
            self.connection_log.lost(reason)
        self.connected.clear()
        self.wake.set()

    def _on_connect_fail(self, _c: mqtt.Client, _ud: Any) -> None:
        # paho calls this inside its ``except OSError``: the error being handled says why.
        self.connection_log.unreachable(sys.exception())

    def _on_publish(self, _c: mqtt.Client, _ud: Any, mid: int, _reason: Any, _props: Any) -> None:
        # Called with paho's internal lock held: record only, the owner thread does the rest.
        self._acked_mids.append(mid)
        self.wake.set()

    # ------------------------------------------------------------------- work
    def start(self) -> None:
        """Start connecting in the background (paho's network thread)."""
        address = self.config.broker.address
        self.client.connect_async(address.host, address.port, keepalive=self.config.broker.keepalive)
        self.client.loop_start()

    def wait_connected(self, timeout: float) -> None:
        """Block until connected.

        Raises:
            BrokerError: when the broker refused us or did not answer in time.
        """
        deadline = threading.Event()
        remaining = timeout
        step = 0.1
        while remaining > 0:
            if self.connected.is_set():
                return
            if self.refused:
                msg = f"broker {self.config.broker.address} refused the connection: {self.refused}"
                raise BrokerError(msg)
            deadline.wait(step)
            remaining -= step
        msg = f"broker {self.config.broker.address} unreachable after {timeout:g} s"
        raise BrokerError(msg)

    def pump(self) -> None:
        """Forget acknowledged messages and hand the next waiting ones to paho."""
        with self._pump_lock:
            while self._acked_mids:
                row = self._mid_to_row.pop(self._acked_mids.popleft(), None)
                if row is not None:
                    self.outbox.ack(row)
            if not self.connected.is_set():
                return
            room = HANDOFF_BATCH - len(self._mid_to_row)
            if room <= 0:
                return
            for item in self.outbox.pending(after=self._handed_up_to, limit=room):
                info = self.client.publish(item.topic, item.payload, qos=1, retain=item.retain)
                if info.rc != self._mqtt.MQTT_ERR_SUCCESS:
                    break  # connection dropped meanwhile; the row stays on disk
                self._mid_to_row[info.mid] = item.id
                self._handed_up_to = item.id

    def in_flight(self) -> int:
        """Return how many messages paho holds that the broker has not acknowledged yet."""
        return len(self._mid_to_row)

    def drain(self, timeout: float) -> bool:
        """Pump until every stored message is acknowledged; return ``True`` on success."""
        waited = 0.0
        while True:
            self.pump()
            if len(self.outbox) == 0:
                return True
            if waited >= timeout:
                return False
            self.wake.wait(0.1)
            self.wake.clear()
            waited += 0.1

    def stop(self, *, timeout: float = 5.0) -> None:
        """Publish ``offline`` ourselves (a clean disconnect sends no Will), then disconnect."""
        if self.liveness and self.connected.is_set():
            info = self.client.publish(
                self._status_topic, self._status("offline", "clean_stop"), qos=1, retain=True
            )
            try:
                info.wait_for_publish(timeout)
            except (RuntimeError, ValueError):
                _LOGGER.warning("could not confirm the offline status before stopping")
        self.connected.clear()
        self.connection_log.stopping()
        self.client.disconnect()
        self.client.loop_stop()
