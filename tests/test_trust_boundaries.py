"""Issue 12 rows 1, 4, 5, 6, 11 and 12 against real Mosquitto and a real ``esc-collector run`` with sites.

A raw MQTT client plays the broken or hostile agent (its payloads built in :mod:`helpers.hostile`);
the collector is read through ``/metrics`` and ``/healthz`` only, as Prometheus would.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.broker import Broker
from helpers.collector import CollectorProc, start_collector
from helpers.hostile import RawClient, device_body, envelope, host_body, iso, payload, topic
from helpers.processes import stop_process, wait_for
from helpers.sites import member, site, sites_toml

SITES = sites_toml(
    site("maurepas", name="ESC Maurepas", opening_hours="24/7", devices={"hp": member("le copieur")},
         agents={"accueil-pc1": member("le poste 1")}),
    site("carrefour-18", name="ESC Carrefour 18", opening_hours="24/7", devices={"hp": member("le copieur")},
         agents={"accueil-pc9": member("le poste 9")}),
)  # fmt: skip


@pytest.fixture
def hostile_setup(tmp_path: Path, mosquitto: Broker) -> Iterator[tuple[CollectorProc, RawClient]]:
    """A collector with two sites, and a raw client on the same broker."""
    collector = start_collector(tmp_path / "collector", mosquitto, sites=SITES)
    client = RawClient(mosquitto.port, client_id="hostile")
    yield collector, client
    client.close()
    stop_process(collector.proc)


def _send(client: RawClient, kind: str, seq: int, body: dict[str, object], *, site_id: str = "maurepas",
          agent: str = "accueil-pc1", device: str | None = None, ts: float | str | None = None,
          epoch: str = "epoch1") -> None:  # fmt: skip
    client.publish(
        topic(site_id, agent, kind, device),
        payload(envelope(kind, site_id, agent, seq, body, ts=ts, epoch=epoch)),
    )


def _count(collector: CollectorProc, name: str, /, **labels: str) -> float:
    return collector.value(name, **labels) or 0.0


def test_row1_a_400_digit_number_is_refused_and_metrics_stays_200(
    hostile_setup: tuple[CollectorProc, RawClient],
) -> None:
    collector, client = hostile_setup
    _send(client, "host", 0, host_body(memory_total_bytes=10**400))
    wait_for(lambda: _count(collector, "esc_collector_messages_rejected_total", reason="invalid_schema") == 1,
             timeout=10, what="the 400-digit reading refused")  # fmt: skip
    assert collector.get("/metrics")[0] == 200
    _send(client, "host", 1, host_body())
    wait_for(lambda: collector.value("esc_host_memory_total_bytes", site="maurepas", agent="accueil-pc1") == 8 * 2**30,
             timeout=10, what="the next normal reading")  # fmt: skip
    assert _count(collector, "esc_collector_export_errors_total", metric="esc_host_memory_total_bytes") == 0


def test_row4_an_agent_publishing_for_another_site_is_dropped(
    hostile_setup: tuple[CollectorProc, RawClient],
) -> None:
    collector, client = hostile_setup
    jam = device_body("hp", "down", [{"code": "jam", "label": "Bourrage", "severity": "down"}])
    _send(client, "device", 0, jam, site_id="carrefour-18", device="hp")
    wait_for(lambda: _count(collector, "esc_collector_messages_dropped_total", reason="unenrolled_agent") == 1,
             timeout=10, what="the cross-site message dropped")  # fmt: skip
    assert collector.value("esc_device_state", site="carrefour-18", device="hp", state="down") in (None, 0.0)
    status, page = collector.get("/site/carrefour-18")
    assert status == 200
    assert "Bourrage" not in page


def test_row5_a_reading_stamped_in_2099_does_not_freeze_the_device(
    hostile_setup: tuple[CollectorProc, RawClient],
) -> None:
    collector, client = hostile_setup
    down = device_body("hp", "down", [{"code": "jam", "label": "Bourrage", "severity": "down"}])
    _send(client, "device", 0, down, device="hp", ts="2099-06-01T00:00:00Z")
    wait_for(lambda: _count(collector, "esc_collector_messages_rejected_total", reason="invalid_time") == 1,
             timeout=10, what="the 2099 reading refused")  # fmt: skip
    _send(client, "device", 1, down, device="hp", ts=time.time() + 3600)  # an hour ahead: stamped on arrival
    wait_for(lambda: collector.value("esc_device_state", site="maurepas", device="hp", state="down") == 1.0,
             timeout=10, what="the hour-ahead reading taken")  # fmt: skip
    assert _count(collector, "esc_collector_untrusted_times_total") >= 1
    _send(client, "device", 2, device_body("hp", "ok"), device="hp")
    wait_for(lambda: collector.value("esc_device_state", site="maurepas", device="hp", state="ok") == 1.0,
             timeout=10, what="the next reading, on time, taken")  # fmt: skip


def test_row6_a_reinstalled_agent_is_heard_and_replays_stay_duplicates_across_a_restart(
    tmp_path: Path, mosquitto: Broker
) -> None:
    folder = tmp_path / "collector"
    collector = start_collector(folder, mosquitto, sites=SITES)
    client = RawClient(mosquitto.port, client_id="agent-like")
    try:
        for seq in range(5):
            _send(client, "host", seq, host_body(user_sessions=seq), epoch="oldinstall")
        wait_for(lambda: _count(collector, "esc_collector_messages_accepted_total", kind="host") == 5,
                 timeout=10, what="the first install's readings")  # fmt: skip
        _send(client, "host", 3, host_body(), epoch="oldinstall")  # a replay
        wait_for(lambda: _count(collector, "esc_collector_messages_duplicate_total") == 1, timeout=10,
                 what="the replay dropped")  # fmt: skip
        _send(client, "host", 0, host_body(user_sessions=42), epoch="newinstall")  # reinstalled: seq from 0
        wait_for(lambda: collector.value("esc_host_user_sessions", site="maurepas", agent="accueil-pc1") == 42,
                 timeout=10, what="the reinstalled agent heard")  # fmt: skip
        stop_process(collector.proc)
        collector = start_collector(folder, mosquitto, sites=SITES)
        _send(client, "host", 4, host_body(user_sessions=7), epoch="oldinstall")  # replay after the restart
        _send(client, "host", 0, host_body(user_sessions=8), epoch="newinstall")  # replay after the restart
        _send(client, "host", 1, host_body(user_sessions=43), epoch="newinstall")  # new
        wait_for(lambda: collector.value("esc_host_user_sessions", site="maurepas", agent="accueil-pc1") == 43,
                 timeout=10, what="the new install's next reading after the restart")  # fmt: skip
        assert _count(collector, "esc_collector_messages_duplicate_total") == 2
        assert _count(collector, "esc_collector_messages_accepted_total", kind="host") == 1
    finally:
        client.close()
        stop_process(collector.proc)


def test_row11_a_seq_past_63_bits_is_refused_and_poisons_nothing(
    hostile_setup: tuple[CollectorProc, RawClient],
) -> None:
    collector, client = hostile_setup
    _send(client, "host", 2**63, host_body())
    _send(client, "host", 2**64 + 5, host_body())
    wait_for(lambda: _count(collector, "esc_collector_messages_rejected_total", reason="invalid_schema") == 2,
             timeout=10, what="the two oversized seq refused")  # fmt: skip
    _send(client, "host", 5, host_body(user_sessions=3))
    wait_for(lambda: collector.value("esc_host_user_sessions", site="maurepas", agent="accueil-pc1") == 3,
             timeout=10, what="the agent's next message taken")  # fmt: skip
    _send(client, "host", 2**63 - 1, host_body(user_sessions=4))  # the largest seq the contract takes
    wait_for(lambda: collector.value("esc_host_user_sessions", site="maurepas", agent="accueil-pc1") == 4,
             timeout=10, what="seq 2^63-1 stored (SQLite holds it)")  # fmt: skip
    assert collector.get("/healthz")[0] == 200


@pytest.mark.parametrize(
    "stamp",
    [
        "9999-12-31T23:59:59-05:00",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59Z",
        "2026-13-40T00:00:00Z",
    ],
)
def test_row12_instants_at_the_ends_of_the_calendar_are_rejections(
    hostile_setup: tuple[CollectorProc, RawClient], stamp: str
) -> None:
    collector, client = hostile_setup
    _send(client, "host", 0, host_body(), ts=stamp)
    wait_for(lambda: _count(collector, "esc_collector_messages_rejected_total", reason="invalid_time")
             + _count(collector, "esc_collector_messages_rejected_total", reason="invalid_schema") == 1,
             timeout=10, what="the instant refused")  # fmt: skip
    assert _count(collector, "esc_collector_messages_rejected_total", reason="internal_error") == 0
    _send(client, "host", 1, host_body(), ts=iso(time.time()))
    wait_for(lambda: _count(collector, "esc_collector_messages_accepted_total", kind="host") == 1, timeout=10,
             what="the next reading taken")  # fmt: skip


def _series(collector: CollectorProc) -> tuple[int, int]:
    status, text = collector.get("/metrics")
    assert status == 200
    return sum(1 for line in text.splitlines() if line and not line.startswith("#")), len(text.encode())


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.slow
def test_row7_3000_device_ids_times_20_reasons_leave_metrics_and_memory_bounded(
    hostile_setup: tuple[CollectorProc, RawClient],
) -> None:
    collector, client = hostile_setup
    reasons = [{"code": f"made_up_{i}", "label": f"Raison {i}", "severity": "degraded"} for i in range(20)]
    _send(client, "device", 0, device_body("hp", "degraded", reasons), device="hp")
    wait_for(lambda: collector.value("esc_device_state", site="maurepas", device="hp", state="degraded") == 1.0,
             timeout=10, what="the declared device")  # fmt: skip
    series_before, bytes_before = _series(collector)
    rss_before = _rss_mib(collector.proc.pid)
    for index in range(3000):
        _send(
            client,
            "device",
            index + 1,
            device_body(f"fake-{index}", "degraded", reasons),
            device=f"fake-{index}",
        )
    wait_for(lambda: _count(collector, "esc_collector_messages_dropped_total", reason="undeclared_device") == 3000,
             timeout=60, what="the 3,000 undeclared devices dropped")  # fmt: skip
    series_after, bytes_after = _series(collector)
    rss_after = _rss_mib(collector.proc.pid)
    print(f"row 7: /metrics {series_before} -> {series_after} series, {bytes_before} -> {bytes_after} bytes; "
          f"RSS {rss_before:.1f} -> {rss_after:.1f} MiB")  # fmt: skip
    assert series_after <= series_before + 2  # at most a counter label appears
    assert bytes_after < bytes_before * 1.05
    assert rss_after - rss_before < 20
    status, page = collector.get("/site/maurepas")
    assert status == 200
    assert "fake-" not in page
