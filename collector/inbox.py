"""The bounded hand-off between paho's network thread and the collector's ingest thread.

The collector acknowledges a message only once its effects are stored, so the broker keeps every
message the collector has not stored yet; what the collector holds in memory meanwhile must not
depend on how far behind it is. The broker's in-flight window cannot be relied on for that:
Mosquitto 2.0.11 (Debian 12) sends a persistent session's whole queue to a subscriber that
acknowledges late, whatever ``max_inflight_messages`` or the client's MQTT 5 receive maximum say
(docs/scaling.md, the replay storm). So the collector bounds itself: when the inbox is full,
paho's thread waits in :meth:`Inbox.put` and stops reading its socket, the TCP window closes, and
the rest stays on the broker, which is where the persistent session keeps it anyway.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Inbox(Generic[T]):
    """A first-in first-out queue bounded by a count and a number of bytes, for one producer and one consumer.

    A single item larger than ``max_bytes`` is still taken when the inbox is empty (the
    ingestor refuses oversized payloads itself, with their reason); so a full inbox holds at
    most ``max_items`` items, and at most ``max_bytes`` bytes or one item.
    """

    def __init__(self, max_items: int, max_bytes: int) -> None:
        """Make an empty inbox.

        Args:
            max_items: the most items it holds.
            max_bytes: the most bytes (the sizes given to :meth:`put`) it holds, unless one item alone is larger.
        """
        if max_items < 1 or max_bytes < 1:
            raise ValueError("an inbox holds at least one item and one byte")
        self.max_items = max_items
        self.max_bytes = max_bytes
        self._items: deque[tuple[T, int]] = deque()
        self._bytes = 0
        self._closed = False
        self._changed = threading.Condition(threading.Lock())

    def __len__(self) -> int:
        """Return how many items are waiting."""
        return len(self._items)

    @property
    def bytes(self) -> int:
        """Return the sizes of the waiting items, added up."""
        return self._bytes

    def _full_for(self, size: int) -> bool:
        if not self._items:
            return False
        return len(self._items) >= self.max_items or self._bytes + size > self.max_bytes

    def put(self, item: T, size: int, *, give_up: Callable[[], bool], poll: float = 0.5) -> bool:
        """Add ``item`` at the end, waiting while the inbox is full.

        Args:
            item: what to add.
            size: its size in bytes (counted against ``max_bytes``).
            give_up: asked every ``poll`` seconds while waiting; when it returns ``True`` the item
                is not added.
            poll: seconds between two questions to ``give_up``.

        Returns:
            Whether the item was added (``False``: given up, or the inbox is closed).
        """
        with self._changed:
            while not self._closed and self._full_for(size):
                if give_up():
                    return False
                self._changed.wait(poll)
            if self._closed:
                return False
            self._items.append((item, size))
            self._bytes += size
            self._changed.notify_all()
            return True

    def take(self, limit: int) -> list[T]:
        """Wait for an item, then remove and return up to ``limit`` items in arrival order.

        Returns:
            The items; an empty list once the inbox is closed.
        """
        with self._changed:
            while not self._items and not self._closed:
                self._changed.wait()
            if self._closed:
                return []
            out = []
            for _ in range(min(limit, len(self._items))):
                item, size = self._items.popleft()
                self._bytes -= size
                out.append(item)
            self._changed.notify_all()
            return out

    def close(self) -> None:
        """Refuse new items, drop the waiting ones (not acknowledged: the broker sends them again), wake everyone."""
        with self._changed:
            self._closed = True
            self._items.clear()
            self._bytes = 0
            self._changed.notify_all()
