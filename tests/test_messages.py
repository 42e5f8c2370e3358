"""The wire contract: topics, envelope, typed bodies, rejection reasons."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import jsonschema
import msgspec
import pytest

from agent.contract.messages import (
    HostBody,
    HostMessage,
    Kind,
    MessageRejected,
    RejectReason,
    StatusBody,
    StatusMessage,
    Topic,
    decode,
    encode,
    json_schemas,
    topic_of,
)

HOST = HostBody(
    os="Linux",
    boot_time=1_764_400_000.0,
    uptime_seconds=3600.0,
    cpu_count=4,
    cpu_usage_ratio=0.25,
    load1=0.5,
    memory_total_bytes=8 << 30,
    memory_available_bytes=4 << 30,
    user_sessions=1,
)


def host_message(**changes: object) -> HostMessage:
    fields: dict[str, object] = {
        "v": 1,
        "site": "maurepas",
        "agent": "pc1",
        "seq": 7,
        "ts": datetime(2026, 11, 29, 14, 0, tzinfo=UTC),
        "body": HOST,
    }
    fields.update(changes)
    return HostMessage(**fields)  # type: ignore[arg-type]


NOW = datetime(2026, 11, 29, 14, 5, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        ("esc/v1/maurepas/pc1/host", Topic("maurepas", "pc1", Kind.HOST)),
        ("esc/v1/maurepas/pc1/status", Topic("maurepas", "pc1", Kind.STATUS)),
        (
            "esc/v1/carrefour-18/agent_2/device/hp-accueil",
            Topic("carrefour-18", "agent_2", Kind.DEVICE, "hp-accueil"),
        ),
    ],
)
def test_topic_round_trip(topic: str, expected: Topic) -> None:
    assert Topic.parse(topic) == expected
    assert str(expected) == topic


@pytest.mark.parametrize(
    "topic",
    [
        "esc/v2/maurepas/pc1/host",  # other version
        "esc/v1/maurepas/pc1",  # too short
        "esc/v1/maurepas/pc1/weather",  # unknown kind
        "esc/v1/Maurepas/pc1/host",  # upper case
        "esc/v1/maurepas/+/host",  # wildcard
        "esc/v1/maurepas/pc1/host/extra",  # device level on a host topic
        "esc/v1/maurepas/pc1/device",  # device kind without a device
        "esc/v1//pc1/host",  # empty level
    ],
)
def test_invalid_topics_are_refused(topic: str) -> None:
    with pytest.raises(ValueError, match="Invalid"):
        Topic.parse(topic)


def test_encode_decode_round_trip() -> None:
    message = host_message()
    decoded = decode("esc/v1/maurepas/pc1/host", encode(message), now=NOW)
    assert decoded == message
    assert topic_of(message) == Topic("maurepas", "pc1", Kind.HOST)


def test_timestamps_with_an_offset_are_the_same_instant() -> None:
    paris = timezone(timedelta(hours=1))
    raw = json.loads(encode(host_message()))
    raw["ts"] = "2026-11-29T15:00:00+01:00"
    decoded = decode("esc/v1/maurepas/pc1/host", json.dumps(raw).encode(), now=NOW)
    assert (
        decoded.ts == datetime(2026, 11, 29, 15, 0, tzinfo=paris) == datetime(2026, 11, 29, 14, 0, tzinfo=UTC)
    )
    assert decoded.timestamp == datetime(2026, 11, 29, 14, 0, tzinfo=UTC).timestamp()


def test_naive_timestamps_are_refused() -> None:
    raw = json.loads(encode(host_message()))
    raw["ts"] = "2026-11-29T14:00:00"
    with pytest.raises(MessageRejected) as info:
        decode("esc/v1/maurepas/pc1/host", json.dumps(raw).encode(), now=NOW)
    assert info.value.reason is RejectReason.INVALID_SCHEMA
    assert "ts" in info.value.detail


def _mutated(**changes: object) -> bytes:
    raw = json.loads(encode(host_message()))
    raw.update(changes)
    return json.dumps(raw).encode()


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        ("esc/v1/maurepas/pc1/host", b"x" * 300_000, RejectReason.OVERSIZED),
        ("printers/pc1/host", b"{}", RejectReason.UNKNOWN_TOPIC),
        ("esc/v1/maurepas/pc1/host", b"{not json", RejectReason.INVALID_JSON),
        ("esc/v1/maurepas/pc1/host", b"\xff\xfe\x00", RejectReason.INVALID_JSON),
        ("esc/v1/maurepas/pc1/host", b"[1, 2]", RejectReason.INVALID_JSON),
        ("esc/v1/maurepas/pc1/host", b"[" * 100_000, RejectReason.INVALID_JSON),
        ("esc/v1/maurepas/pc1/host", _mutated(v=2), RejectReason.UNSUPPORTED_VERSION),
        ("esc/v1/maurepas/pc1/host", _mutated(seq=-1), RejectReason.INVALID_SCHEMA),
        ("esc/v1/maurepas/pc1/host", _mutated(seq="12"), RejectReason.INVALID_SCHEMA),
        ("esc/v1/maurepas/pc1/host", _mutated(surprise=True), RejectReason.INVALID_SCHEMA),
        ("esc/v1/maurepas/pc1/host", _mutated(body={"os": "Linux"}), RejectReason.INVALID_SCHEMA),
        ("esc/v1/maurepas/pc1/host", _mutated(kind="status"), RejectReason.INVALID_SCHEMA),
        ("esc/v1/maurepas/pc2/host", _mutated(), RejectReason.TOPIC_MISMATCH),
        ("esc/v1/kleber/pc1/host", _mutated(), RejectReason.TOPIC_MISMATCH),
        ("esc/v1/maurepas/pc1/status", _mutated(), RejectReason.TOPIC_MISMATCH),
    ],
)
def test_rejections_carry_their_reason(topic: str, payload: bytes, reason: RejectReason) -> None:
    with pytest.raises(MessageRejected) as info:
        decode(topic, payload, now=NOW)
    assert info.value.reason is reason


def test_host_body_refuses_impossible_values() -> None:
    with pytest.raises(msgspec.ValidationError, match="cpu_usage_ratio"):
        msgspec.convert({**msgspec.to_builtins(HOST), "cpu_usage_ratio": 1.5}, HostBody)
    with pytest.raises(msgspec.ValidationError, match="user_sessions"):
        msgspec.convert({**msgspec.to_builtins(HOST), "user_sessions": -1}, HostBody)


def test_status_message_round_trip() -> None:
    message = StatusMessage(
        v=1,
        site="maurepas",
        agent="pc1",
        seq=1,
        ts=datetime(2026, 1, 1, tzinfo=UTC),
        body=StatusBody(state="offline", session=3, reason="connection_lost"),
    )
    assert decode("esc/v1/maurepas/pc1/status", encode(message), now=NOW) == message


def test_json_schemas_cover_every_kind_and_validate_a_real_payload() -> None:
    schemas = json_schemas()
    assert set(schemas["messages"]) == {"status", "host", "device", "lockdown"}
    payload = json.loads(encode(host_message()))
    jsonschema.validate(payload, schemas["messages"]["host"])
    payload["body"]["user_sessions"] = -3
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(payload, schemas["messages"]["host"])
