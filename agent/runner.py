"""The agent's main loop: take readings on schedule, queue them durably, keep the session."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Any

from agent.config import AgentConfig
from agent.contract.messages import (
    DeviceBody,
    DeviceMessage,
    HostBody,
    HostMessage,
    LockdownBody,
    LockdownMessage,
    Topic,
    encode,
    replace,
    topic_of,
)
from agent.exceptions import BrokerError
from agent.host import HostSampler
from agent.outbox import Outbox
from agent.publisher import Session, envelope
from agent.recovery import check_outbox

if TYPE_CHECKING:
    from agent.lockdown.monitor import LockdownMonitor
    from agent.probes.monitor import ProbeMonitor

_LOGGER = logging.getLogger(__name__)

OUTBOX_FILE = "outbox.sqlite3"


class Agent:
    """Readings → outbox → broker, for one configured agent."""

    def __init__(self, config: AgentConfig, outbox: Outbox) -> None:
        """Set up the samplers the configuration enables."""
        self.config = config
        self.outbox = outbox
        self.host = HostSampler(config.host.mounts) if config.host.enabled else None

    def _queue(self, message_class: type[HostMessage | DeviceMessage | LockdownMessage], body: Any) -> Topic:
        """Wrap a body in its envelope and store it in the outbox (thread-safe)."""
        message = envelope(message_class, body, self.config, self.outbox)
        topic = topic_of(message)
        self.outbox.put(str(topic), encode(message))
        return topic

    def queue_host(self, body: HostBody) -> Topic:
        """Queue a host reading."""
        return self._queue(HostMessage, body)

    def queue_device(self, body: DeviceBody) -> Topic:
        """Queue a device observation (called from the devices thread)."""
        return self._queue(DeviceMessage, body)

    def queue_lockdown(self, body: LockdownBody) -> Topic:
        """Queue a lockdown result (called from the lockdown thread)."""
        return self._queue(LockdownMessage, body)

    def cycle(self) -> int:
        """Take one round of readings; return how many messages were queued.

        One failing sampler never stops the others (Telegraf's ``acc.AddError``).
        """
        queued = 0
        if self.host is not None:
            try:
                reading = replace(
                    self.host.sample(), outbox_pending=len(self.outbox), outbox_dropped=self.outbox.dropped
                )
                self.queue_host(reading)
                queued += 1
            except Exception:  # a broken sensor must not kill the agent
                _LOGGER.exception("host reading failed")
        return queued


def _lockdown_monitor(config: AgentConfig, deliver: Callable[[LockdownBody], None]) -> LockdownMonitor:
    from agent.lockdown.monitor import LockdownMonitor  # noqa: PLC0415 - only on kiosks

    section = config.lockdown
    assert section is not None
    return LockdownMonitor(
        policy_path=section.policy,
        baseline_path=section.baseline,
        root=section.root,
        interval=section.interval,
        publish_every=section.publish_every,
        deliver=deliver,
    )


def open_outbox(config: AgentConfig) -> Outbox:
    """Open the durable outbox in the configured state folder (checked first: a damaged file stops the agent)."""
    check_outbox(config.state_dir / OUTBOX_FILE)
    return Outbox(config.state_dir / OUTBOX_FILE, max_messages=config.outbox.max_messages)


def run_once(config: AgentConfig, *, timeout: float | None = None) -> int:
    """Take one round of readings, publish them, wait for the broker's acknowledgements.

    Returns:
        The number of messages delivered.

    Raises:
        BrokerError: when the broker is unreachable, refuses us, or does not acknowledge.
    """
    wait = timeout if timeout is not None else config.broker.connect_timeout
    outbox = open_outbox(config)
    try:
        agent = Agent(config, outbox)
        agent.cycle()
        if config.printers or config.scanners or config.network:
            from agent.devices import poll_once  # noqa: PLC0415 - SNMP stack only when devices exist

            for body in poll_once(config):
                agent.queue_device(body)
        if config.probes is not None:
            from agent.probes.monitor import probe_once  # noqa: PLC0415 - only with [probes]

            agent.queue_device(probe_once(config))
        if config.lockdown is not None:
            lockdown = _lockdown_monitor(config, lambda _body: None)
            once_body = lockdown.check_once()
            if once_body is not None:
                agent.queue_lockdown(once_body)
        to_send = len(outbox)
        session = Session(config, outbox, liveness=False)
        session.start()
        try:
            session.wait_connected(wait)
            if not session.drain(wait):
                left = len(outbox)
                msg = f"broker {config.broker.address} did not acknowledge {left} message(s) in {wait:g} s"
                raise BrokerError(msg)
        finally:
            session.stop()
        return to_send
    finally:
        outbox.close()


def run_forever(config: AgentConfig, *, stop: threading.Event | None = None) -> None:
    """Run until SIGTERM/SIGINT (or ``stop``), then publish ``offline`` and disconnect."""
    stop = stop or threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        _LOGGER.info("signal %d: stopping", signum)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_signal)
        signal.signal(signal.SIGINT, _on_signal)

    outbox = open_outbox(config)
    agent = Agent(config, outbox)
    session = Session(config, outbox)
    monitor = None
    if config.lockdown is not None:
        # Built before connecting: a broken policy stops the agent before it claims to be online.

        def _deliver_lockdown(body: LockdownBody) -> None:
            agent.queue_lockdown(body)
            session.wake.set()

        try:
            monitor = _lockdown_monitor(config, _deliver_lockdown)
        except BaseException:
            outbox.close()
            raise
    probes: ProbeMonitor | None = None
    if config.probes is not None:
        from agent.probes.monitor import ProbeMonitor  # noqa: PLC0415 - only with [probes]

        def _deliver_probes(body: DeviceBody) -> None:
            agent.queue_device(body)
            session.wake.set()

        try:  # built before connecting too: a kiosk's sites come from its lockdown policy
            probes = ProbeMonitor(config, _deliver_probes)
        except BaseException:
            outbox.close()
            raise
    session.start()
    if monitor is not None:
        monitor.start()
    if probes is not None:
        probes.start()
    poller = None
    if config.printers or config.scanners or config.network:
        from agent.devices import DevicePoller  # noqa: PLC0415 - SNMP stack only when devices exist

        def _deliver(body: DeviceBody) -> None:
            agent.queue_device(body)
            session.wake.set()

        poller = DevicePoller(config, _deliver)
        poller.start()
    _LOGGER.info(
        "agent %s/%s started: broker %s, every %g s, state in %s",
        config.agent.site,
        config.agent.id,
        config.broker.address,
        config.agent.interval,
        config.state_dir,
    )
    next_cycle = time.monotonic()
    try:
        while not stop.is_set():
            now = time.monotonic()
            if now >= next_cycle:
                agent.cycle()
                next_cycle = now + config.agent.interval
            session.pump()
            # Wake on acknowledgements and connection changes; tick at least every second.
            session.wake.wait(min(1.0, max(0.0, next_cycle - time.monotonic())))
            session.wake.clear()
    finally:
        if poller is not None:
            poller.stop()
        if probes is not None:
            probes.stop()
        if monitor is not None:
            monitor.stop()
        session.pump()
        session.stop()
        outbox.close()
        _LOGGER.info("agent stopped")
