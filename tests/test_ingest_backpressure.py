"""The collector holds a bounded number of messages in memory, however far behind it is (issue 15).

Mosquitto does not hold a subscriber that acknowledges late to its in-flight window (the first
test shows it on a bare paho client: that is why the collector bounds itself). The collector's
inbox between paho's network thread and the ingest thread is bounded: when it is full, paho's
thread waits and reads no more, and the broker keeps the rest. The collector runs in this
process (``CollectorService``, as ``esc-collector run`` wires it) with a small inbox and a slow
ingest, against a real Mosquitto configured as shipped (``max_inflight_messages 20``, a large
queue); an agent on the wire contract publishes printer observations whose state alternates, so
the history shows whether a message was lost or applied twice.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from collector.inbox import Inbox
from collector.ingest import Accepted
from collector.service import CollectorService

from helpers.broker import Broker, start_mosquitto
from helpers.collector import in_process_collector
from helpers.fleet import ContractAgent
from helpers.processes import stop_process, wait_for

DEVICE = "hp"
#: The shipped queue settings (deploy/mosquitto/mosquitto.conf), anonymous.
SHIPPED_QUEUES = "allow_anonymous true\nmax_queued_messages 1000000\nmax_inflight_messages 20\n"
INBOX = 40  # messages
SLOW = 0.01  # seconds of ingest per message: the collector falls behind the agent


# --------------------------------------------------------------------------- the inbox alone


def _never() -> bool:
    return False


def _always() -> bool:
    return True


#: (max_items, max_bytes, sizes put one after the other, whether each is taken without waiting)
PUT_CASES = [
    pytest.param(2, 100, [1, 1, 1], [True, True, False], id="count bound"),
    pytest.param(10, 10, [6, 5, 4], [True, False, True], id="byte bound"),
    pytest.param(10, 10, [50, 1], [True, False], id="a larger message alone passes"),
    pytest.param(10, 10, [5, 50], [True, False], id="a larger message waits for an empty inbox"),
    pytest.param(3, 10, [3, 3, 4, 0], [True, True, True, False], id="exactly full"),
]


@pytest.mark.parametrize(("max_items", "max_bytes", "sizes", "taken"), PUT_CASES)
def test_what_a_full_inbox_refuses(
    max_items: int, max_bytes: int, sizes: list[int], taken: list[bool]
) -> None:
    inbox: Inbox[int] = Inbox(max_items, max_bytes)
    results = [inbox.put(i, size, give_up=_always, poll=0.01) for i, size in enumerate(sizes)]
    assert results == taken
    kept = [size for size, ok in zip(sizes, taken, strict=True) if ok]
    assert (len(inbox), inbox.bytes) == (len(kept), sum(kept))


def test_take_returns_up_to_the_limit_in_arrival_order_and_frees_room() -> None:
    inbox: Inbox[str] = Inbox(5, 1000)
    for item in "abcde":
        assert inbox.put(item, 10, give_up=_always)
    assert inbox.take(3) == ["a", "b", "c"]
    assert (len(inbox), inbox.bytes) == (2, 20)
    assert inbox.put("f", 10, give_up=_always)
    assert inbox.take(10) == ["d", "e", "f"]
    assert (len(inbox), inbox.bytes) == (0, 0)


def test_a_waiting_put_goes_in_once_the_consumer_takes() -> None:
    inbox: Inbox[int] = Inbox(1, 1000)
    assert inbox.put(1, 1, give_up=_always)
    done: list[bool] = []
    producer = threading.Thread(target=lambda: done.append(inbox.put(2, 1, give_up=_never, poll=0.05)))
    producer.start()
    time.sleep(0.2)
    assert done == []  # still waiting: the inbox is full
    assert inbox.take(10) == [1]
    producer.join(5)
    assert done == [True]
    assert inbox.take(10) == [2]


def test_a_waiting_put_gives_up_when_told() -> None:
    inbox: Inbox[int] = Inbox(1, 1000)
    assert inbox.put(1, 1, give_up=_always)
    stop = threading.Event()
    done: list[bool] = []
    producer = threading.Thread(target=lambda: done.append(inbox.put(2, 1, give_up=stop.is_set, poll=0.05)))
    producer.start()
    time.sleep(0.2)
    stop.set()
    producer.join(5)
    assert done == [False]
    assert inbox.take(10) == [1]


def test_close_wakes_both_sides_and_drops_what_waits() -> None:
    inbox: Inbox[int] = Inbox(1, 1000)
    taken: list[list[int]] = []
    consumer = threading.Thread(target=lambda: taken.append(inbox.take(10)))
    consumer.start()
    time.sleep(0.1)
    assert inbox.put(1, 1, give_up=_always)
    consumer.join(5)
    assert taken == [[1]]
    assert inbox.put(2, 1, give_up=_always)
    done: list[bool] = []
    producer = threading.Thread(target=lambda: done.append(inbox.put(3, 1, give_up=_never, poll=60)))
    producer.start()
    time.sleep(0.1)
    inbox.close()
    producer.join(5)
    assert done == [False]
    assert inbox.take(10) == []
    assert len(inbox) == 0
    assert not inbox.put(4, 1, give_up=_never)


def test_an_inbox_holds_something() -> None:
    with pytest.raises(ValueError, match="at least one item"):
        Inbox(0, 10)


# --------------------------------------------------------------------------- on a real Mosquitto


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    started = start_mosquitto(tmp_path / "mosquitto", SHIPPED_QUEUES)
    yield started
    stop_process(started.proc)


def test_mosquitto_sends_a_late_subscriber_more_than_its_in_flight_window(broker: Broker) -> None:
    """The premise: with ``max_inflight_messages 20``, a subscriber acknowledging late still gets far more."""
    waiting: queue.SimpleQueue[mqtt.MQTTMessage] = queue.SimpleQueue()
    peak = 0

    def on_message(_c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        nonlocal peak
        waiting.put(message)
        peak = max(peak, waiting.qsize())

    sub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="late-subscriber", clean_session=False)
    sub.manual_ack_set(True)
    sub.on_connect = lambda c, *_: c.subscribe("t/#", 1)
    sub.on_message = on_message
    sub.connect("127.0.0.1", broker.port)
    sub.loop_start()
    pub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="publisher")
    pub.connect("127.0.0.1", broker.port)
    pub.loop_start()
    acknowledged = 0
    try:
        wait_for(sub.is_connected, timeout=10, what="subscriber connected")
        time.sleep(0.3)  # the subscription is in place
        infos = [pub.publish("t/x", b"x" * 2000, qos=1) for _ in range(500)]
        while acknowledged < 500:  # one acknowledgement every 5 ms, in arrival order
            message = waiting.get(timeout=30)
            time.sleep(0.005)
            sub.ack(message.mid, message.qos)
            acknowledged += 1
        for info in infos:
            info.wait_for_publish(10)
    finally:
        for client in (sub, pub):
            client.disconnect()
            client.loop_stop()
    assert peak > 100, f"at most {peak} messages unacknowledged at once"


def _slow_down(collector: CollectorService) -> None:
    """Give the collector a small inbox and a slow ingest (each message takes ``SLOW`` seconds more)."""
    collector.subscriber.inbox = Inbox(INBOX, 1 << 20)
    store = collector.ingestor.on_accepted
    assert store is not None

    def slowly(accepted: Accepted) -> None:
        time.sleep(SLOW)
        store(accepted)

    collector.ingestor.on_accepted = slowly


def _publish(agent: ContractAgent, count: int) -> None:
    """Publish ``count`` observations, each the opposite of the one before (a transition each)."""
    for _ in range(count):
        agent.device(DEVICE, ("jam",) if agent.seq % 2 else ())


def _stored_seq(path: Path) -> int:
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT MAX(seq) FROM sequences WHERE agent='accueil-pc1'").fetchone()
    return int(row[0] or 0)


def _states(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT state FROM transitions WHERE member=? ORDER BY id", (DEVICE,)).fetchall()
    return [row[0] for row in rows]


class Held:
    """Counts the messages paho handed to the collector and the collector has not processed yet."""

    def __init__(self, collector: CollectorService) -> None:
        self.collector = collector
        self.received = 0
        self.peak = 0
        self.inbox_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        client = collector.subscriber.client
        deliver = client.on_message

        def counting(c: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
            self.received += 1  # before the collector's own callback, which may wait
            deliver(c, userdata, message)

        client.on_message = counting

    def now(self) -> int:
        state = self.collector.state
        with state.lock:
            processed = sum(state.counters.accepted.values()) + state.counters.duplicates
        return self.received - processed

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.now())
            self.inbox_peak = max(self.inbox_peak, len(self.collector.subscriber.inbox))
            time.sleep(0.002)

    def __enter__(self) -> Held:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


def test_a_collector_behind_holds_at_most_its_inbox_and_the_broker_keeps_the_rest(
    tmp_path: Path, broker: Broker
) -> None:
    collector = in_process_collector(tmp_path, broker, "backpressure", DEVICE)
    _slow_down(collector)
    path = collector.config.history.file
    held = Held(collector)
    collector.start()
    agent = None
    try:
        wait_for(lambda: collector.state.mqtt_connected, timeout=15, what="collector connected")
        agent = ContractAgent(broker.port, "maurepas", "accueil-pc1")
        with held:
            _publish(agent, 600)
            behind = agent.seq - _stored_seq(path)
            wait_for(lambda: _stored_seq(path) == agent.seq, timeout=60, what="every message stored")
        assert collector.state.mqtt_connected  # waiting on a full inbox never cost the connection
    finally:
        if agent is not None:
            agent.close()
        collector.stop()
    # When the broker had taken every message, the collector was hundreds behind: the broker kept them.
    assert behind > 4 * INBOX
    # In the collector: a full inbox, the group being stored, and the message paho waits to put.
    assert held.peak <= 2 * INBOX + 1
    assert held.inbox_peak == INBOX
    assert _states(path) == ["ok", "down"] * 300  # nothing lost, nothing applied twice
    assert collector.state.counters.duplicates == 0


def test_a_collector_stopped_while_its_inbox_is_full_gets_the_rest_on_its_next_start(
    tmp_path: Path, broker: Broker
) -> None:
    first = in_process_collector(tmp_path, broker, "backpressure", DEVICE)
    _slow_down(first)
    path = first.config.history.file
    first.start()
    agent = ContractAgent(broker.port, "maurepas", "accueil-pc1")
    try:
        wait_for(lambda: first.state.mqtt_connected, timeout=15, what="collector connected")
        _publish(agent, 400)
        wait_for(lambda: len(first.subscriber.inbox) == INBOX, timeout=10, what="the inbox full")
        started = time.monotonic()
        first.stop()  # paho's thread is waiting on the full inbox: it must give up
        assert time.monotonic() - started < 10
        left = agent.seq - _stored_seq(path)
        assert left > INBOX
        second = in_process_collector(
            tmp_path, broker, "backpressure", DEVICE
        )  # same client id, same history: the persistent session
        second.start()
        try:
            wait_for(lambda: _stored_seq(path) == agent.seq, timeout=60, what="the rest stored")
        finally:
            second.stop()
    finally:
        agent.close()
    assert _states(path) == ["ok", "down"] * 200
