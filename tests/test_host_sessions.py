"""The agent counts session starts (a count, never who), and the count crosses the wire."""

from __future__ import annotations

from collections import namedtuple
from types import SimpleNamespace
from typing import Any

import msgspec
import pytest

from agent.contract.messages import HostBody, HostMessage, decode, encode, now_utc
from agent.host import HostSampler

User = namedtuple("User", "name terminal host started pid")


class FakePsutil:
    """A psutil whose users() the test sets; the rest is constant."""

    def __init__(self) -> None:
        self.users_now: list[User] = []

    def users(self) -> list[User]:
        return list(self.users_now)

    def cpu_percent(self, interval: float | None = None) -> float:
        return 5.0

    def virtual_memory(self) -> Any:
        return SimpleNamespace(total=8 << 30, available=4 << 30)

    def boot_time(self) -> float:
        return 1_764_000_000.0

    def getloadavg(self) -> tuple[float, float, float]:
        return (0.1, 0.1, 0.1)

    def cpu_count(self) -> int:
        return 4

    def disk_usage(self, mount: str) -> Any:
        return SimpleNamespace(total=100, free=50)


BASE: dict[str, Any] = {
    "os": "Linux", "boot_time": 1.0, "uptime_seconds": 1.0, "cpu_count": 1, "cpu_usage_ratio": 0.0,
    "memory_total_bytes": 1, "memory_available_bytes": 1, "user_sessions": 0,
}  # fmt: skip


def _user(name: str, terminal: str, started: float, pid: int = 0) -> User:
    return User(name, terminal, None, started, pid)


# Each step: the sessions open at a reading, and (open, counted so far) after it.
STEPS = [
    # Open when the agent starts: not counted (an earlier run may have counted them).
    ([_user("marie", "tty7", 100.0)], 1, 0),
    # A second visitor logs in: one start.
    ([_user("marie", "tty7", 100.0), _user("invite", "pts/0", 200.0, 41)], 2, 1),
    # Nothing changes: still one.
    ([_user("marie", "tty7", 100.0), _user("invite", "pts/0", 200.0, 41)], 2, 1),
    # Both leave; the kiosk account logs in again on tty7 (a new start time): one more.
    ([_user("invite", "tty7", 300.0)], 1, 2),
    # The same account, two new sessions at once (same user, other terminals): two more.
    (
        [
            _user("invite", "tty7", 300.0),
            _user("invite", "pts/1", 310.0, 50),
            _user("invite", "pts/2", 310.0, 51),
        ],
        3,
        4,
    ),
    # Everyone leaves.
    ([], 0, 4),
]


def test_session_starts_are_counted_not_named() -> None:
    ps = FakePsutil()
    sampler = HostSampler([], ps=ps)
    since = sampler.counting_since
    for users, open_now, starts in STEPS:
        ps.users_now = users
        body = sampler.sample()
        assert (body.user_sessions, body.session_starts_total) == (open_now, starts)
        assert body.session_starts_since == since
        wire = encode(HostMessage(v=1, site="s", agent="a", seq=1, ts=now_utc(), body=body))
        for private in (b"marie", b"invite", b"tty", b"pts"):
            assert private not in wire


@pytest.mark.parametrize(
    ("field", "value", "accepted"),
    [
        ("session_starts_total", 0, True),
        ("session_starts_total", 12, True),
        ("session_starts_total", -1, False),
        ("session_starts_since", 1_764_000_000.0, True),
        ("session_starts_since", -5.0, False),
    ],
)
def test_the_counts_are_bounded_and_optional(field: str, value: float, accepted: bool) -> None:
    base = dict(BASE)
    assert msgspec.convert(base, HostBody).session_starts_total is None  # an older agent sends neither
    if accepted:
        assert getattr(msgspec.convert({**base, field: value}, HostBody), field) == value
    else:
        with pytest.raises(msgspec.ValidationError, match=field):
            msgspec.convert({**base, field: value}, HostBody)


def test_the_counts_cross_the_wire() -> None:
    body = msgspec.convert(
        {**BASE, "session_starts_total": 3, "session_starts_since": 1_764_000_000.0}, HostBody
    )
    message = HostMessage(v=1, site="maurepas", agent="pc1", seq=1, ts=now_utc(), body=body)
    decoded = decode("esc/v1/maurepas/pc1/host", encode(message))
    assert isinstance(decoded, HostMessage)
    assert decoded.body.session_starts_total == 3
