"""Agents simulated on the wire contract: real MQTT connections, messages built with ``agent.contract``.

For tests that need many agents, or readings chosen to the second, without running ``esc-agent``
(a real agent polls real devices: :mod:`helpers.agent`). Each :class:`ContractAgent` has its own
paho connection, a retained birth and Last Will as the agent has (``agent/publisher.py``), and one
``seq`` counter for all its messages; :meth:`ContractAgent.device` publishes a printer's observation
whose state, label and functions come from the agent's own rules (``agent.printers.state.combine``).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from agent.contract.messages import (
    AnyMessage,
    DeviceBody,
    DeviceMessage,
    HostBody,
    HostMessage,
    Kind,
    StatusBody,
    StatusMessage,
    Topic,
    encode,
    topic_of,
)
from agent.printers.state import combine, reason

from helpers.processes import wait_for


def printer_body(device: str, reasons: Sequence[str] = (), *, name: str | None = None) -> DeviceBody:
    """Return a printer's observation with these reason codes (``toner_low``...), judged by the agent's rules."""
    derived = combine([reason(code, "1") for code in reasons], ("print",))
    return DeviceBody(
        device=device,
        kind="printer",
        name=name,
        reachable=True,
        state=derived.state,
        label=derived.label,
        reasons=derived.reasons,
        functions=derived.functions,
        poll_seconds=0.2,
    )


def host_body() -> HostBody:
    """Return a plausible PC's health (counts only)."""
    return HostBody(
        os="Windows", boot_time=1.7e9, uptime_seconds=3600.0, cpu_count=4, cpu_usage_ratio=0.1,
        memory_total_bytes=8 << 30, memory_available_bytes=4 << 30, user_sessions=1,
    )  # fmt: skip


class ContractAgent:
    """One simulated agent with its own MQTT connection (anonymous broker)."""

    _sessions = itertools.count(1)

    def __init__(self, port: int, site: str, agent: str, *, epoch: str = "bench1") -> None:
        """Connect, with the retained Last Will, and publish the retained birth."""
        self.site, self.agent, self.epoch = site, agent, epoch
        self.seq = 0
        self.session = next(self._sessions)
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"esc-agent.{site}.{agent}")
        status_topic = str(Topic(site, agent, Kind.STATUS))
        self.client.will_set(
            status_topic, encode(self._status("offline", "connection_lost")), qos=1, retain=True
        )
        self.client.connect("127.0.0.1", port, keepalive=10)
        self.client.loop_start()
        wait_for(self.client.is_connected, timeout=10, what=f"agent {agent} connected")
        self.publish(self._status("online", "birth"), retain=True)

    def _envelope(self) -> dict[str, object]:
        self.seq += 1
        return {"v": 1, "site": self.site, "agent": self.agent, "epoch": self.epoch, "seq": self.seq,
                "ts": dt.datetime.now(dt.UTC)}  # fmt: skip

    def _status(self, state: str, why: str) -> StatusMessage:
        body = StatusBody(state=state, session=self.session, reason=why)  # type: ignore[arg-type]
        return StatusMessage(**self._envelope(), body=body)  # type: ignore[arg-type]

    def publish(self, message: AnyMessage, *, retain: bool = False) -> None:
        """Publish one message at QoS 1 and wait for the broker's acknowledgement."""
        info = self.client.publish(str(topic_of(message)), encode(message), qos=1, retain=retain)
        info.wait_for_publish(10)
        assert info.is_published(), f"{topic_of(message)} not acknowledged"

    def host(self) -> None:
        """Publish the PC's health."""
        self.publish(HostMessage(**self._envelope(), body=host_body()))  # type: ignore[arg-type]

    def device(self, device: str, reasons: Sequence[str] = (), *, name: str | None = None) -> None:
        """Publish one printer's observation with these reason codes."""
        self.publish(DeviceMessage(**self._envelope(), body=printer_body(device, reasons, name=name)))  # type: ignore[arg-type]

    def close(self) -> None:
        """Say ``offline`` (clean stop) and disconnect."""
        if self.client.is_connected():
            self.publish(self._status("offline", "clean_stop"), retain=True)
        self.client.disconnect()
        self.client.loop_stop()
