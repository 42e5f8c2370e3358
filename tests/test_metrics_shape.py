"""The device metrics' shape and the exporter's own text rendering, on the 14 recorded printers.

``FleetCollector.render`` (what ``/metrics`` serves) must say exactly what prometheus-client's
``generate_latest`` says of the same collector; a printer must cost at most 15 series on average.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from agent.contract import french
from agent.contract.messages import DeviceBody, replace
from agent.devices import DeviceTracker
from agent.printers.compose import read_printer
from agent.printers.parse import Thresholds
from agent.printers.snmprec import load_snmprec
from agent.printers.state import StateOptions
from collector import descriptions as d
from collector.exporter import FleetCollector
from collector.state import FleetState, Observation

from helpers.recordings import DATA

NOW = time.time()
RECORDINGS = sorted(DATA.glob("*.snmprec"))


def _body(path: Path) -> DeviceBody:
    status = read_printer(load_snmprec(path), Thresholds()).status
    return DeviceTracker("x", "printer", None, StateOptions()).observe(status, error=None, seconds=0.8)


def _fleet(bodies: list[DeviceBody]) -> FleetState:
    state = FleetState()
    agent = state.agent("maurepas", "pc1")
    agent.last_seen = agent.data_at = agent.status_at = NOW
    agent.status, agent.session = "online", 1
    for i, body in enumerate(bodies):
        device = f"imp-{i:02d}"
        state.device("maurepas", device).observations["pc1"] = Observation(
            "pc1", replace(body, device=device), NOW, NOW
        )
    state.device("maurepas", "silent")  # declared, never observed: up 0, state unknown
    return state


def _families(text: bytes) -> dict[str, set[tuple[str, frozenset[tuple[str, str]], float]]]:
    return {
        f.name: {(s.name, frozenset(s.labels.items()), s.value) for s in f.samples}
        for f in text_string_to_metric_families(text.decode())
    }


@pytest.fixture(scope="module")
def bodies() -> list[DeviceBody]:
    assert len(RECORDINGS) == 14
    return [_body(path) for path in RECORDINGS]


@pytest.mark.parametrize("diagnostics", [False, True])
def test_render_says_what_generate_latest_says(bodies: list[DeviceBody], diagnostics: bool) -> None:
    exporter = FleetCollector(_fleet(bodies), stale_after=180, clock=lambda: NOW, diagnostics=diagnostics)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(exporter)
    rendered = _families(exporter.render())
    assert rendered == _families(generate_latest(registry))
    names = set(rendered)
    assert ("esc_device_observers" in names) is diagnostics
    assert ("esc_printer_error" in names) is diagnostics


def test_a_printer_costs_at_most_fifteen_series(bodies: list[DeviceBody]) -> None:
    exporter = FleetCollector(_fleet(bodies), stale_after=180, clock=lambda: NOW)
    per_device = Counter(
        dict(labels)["device"]
        for family in _families(exporter.render()).values()
        for _name, labels, _value in family
        if "device" in dict(labels)
    )
    printers = [n for device, n in per_device.items() if device != "silent"]
    assert len(printers) == 14
    assert sum(printers) / len(printers) <= 15
    assert per_device["silent"] == 2  # up and state


def test_one_series_per_state_supply_and_tray(bodies: list[DeviceBody]) -> None:
    konica = next(b for b, p in zip(bodies, RECORDINGS, strict=True) if p.stem == "konica_c250i")
    exporter = FleetCollector(_fleet([konica]), stale_after=180, clock=lambda: NOW)
    families = _families(exporter.render())
    states = {dict(labels)["state"] for _n, labels, _v in families["esc_device_state"]}
    assert len(states) == 2  # the printer's current state, and the silent device's « unknown »
    assert all(value == 1.0 for _n, _l, value in families["esc_device_state"])
    printer = konica.printer
    assert printer is not None
    supplies = families.get("esc_printer_supply_level_ratio", set()) | families.get(
        "esc_printer_supply_state", set()
    )
    indexes = [dict(labels)["supply"] for _n, labels, _v in supplies]
    assert sorted(indexes) == sorted(
        s.index for s in printer.supplies if s.percent is not None or s.state != "unknown"
    )
    for _name, labels, value in families["esc_printer_supply_level_ratio"]:
        supply = next(s for s in printer.supplies if s.index == dict(labels)["supply"])
        assert supply.percent is not None
        assert value == pytest.approx(supply.percent / 100)
        assert dict(labels)["state"] == supply.state
        assert dict(labels)["description"] == supply.description
    trays = [dict(labels) for f in ("esc_printer_input_level_ratio", "esc_printer_input_state")
             for _n, labels, _v in families.get(f, set())]  # fmt: skip
    assert {t["input"] for t in trays} == {
        t.index for t in printer.inputs if not t.manual and (t.percent is not None or t.state != "unknown")
    }
    assert "esc_printer_supply_info" not in families


def test_label_values_are_escaped(bodies: list[DeviceBody]) -> None:
    state = _fleet(bodies[:1])
    odd = 'le "copieur" \\ de\nl\'accueil'
    exporter = FleetCollector(state, stale_after=180, clock=lambda: NOW, device_name=lambda _s, _d: odd)
    info = _families(exporter.render())["esc_device_info"]
    assert {dict(labels)["name"] for _n, labels, _v in info} == {french.with_article(odd)}


def test_every_device_metric_is_described_once() -> None:
    keys = [m.key for m in (*d.DEVICE_METRICS, *d.DEVICE_DIAGNOSTICS)]
    assert len(keys) == len(set(keys))
    assert {m.key for m in d.ALL_METRICS} >= set(keys)


@pytest.mark.parametrize("gzipped", [False, True])
def test_the_metrics_page_is_the_rendered_text(bodies: list[DeviceBody], gzipped: bool) -> None:
    import gzip

    from collector.web.app import make_app

    state = _fleet(bodies[:3])
    exporter = FleetCollector(state, stale_after=180, clock=lambda: NOW)
    app = make_app(state, CollectorRegistry(auto_describe=False), metrics=exporter.render)
    answer: dict[str, object] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer.update(status=status, headers=dict(headers))

    environ = {"PATH_INFO": "/metrics", **({"HTTP_ACCEPT_ENCODING": "gzip, deflate"} if gzipped else {})}
    body = b"".join(app(environ, start_response))  # type: ignore[arg-type]
    headers = answer["headers"]
    assert isinstance(headers, dict)
    assert answer["status"] == "200 OK"
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert (headers.get("Content-Encoding") == "gzip") is gzipped
    assert (gzip.decompress(body) if gzipped else body) == exporter.render()


def test_a_new_observation_or_name_is_rendered_at_once(bodies: list[DeviceBody]) -> None:
    state = _fleet(bodies[:4])
    names = {"imp-01": "le copieur"}
    exporter = FleetCollector(
        state, stale_after=180, clock=lambda: NOW, device_name=lambda _s, dev: names.get(dev)
    )
    registry = CollectorRegistry(auto_describe=False)
    registry.register(exporter)
    first = exporter.render()
    assert exporter.render() == first  # nothing changed: the kept rows give the same page
    # imp-00 now reads as the fifth recording; imp-01 is renamed.
    state.devices[("maurepas", "imp-00")].observations["pc1"] = Observation(
        "pc1", replace(bodies[4], device="imp-00"), NOW, NOW
    )
    names["imp-01"] = "la nouvelle imprimante"
    second = exporter.render()
    assert second != first
    assert _families(second) == _families(generate_latest(registry))
    info = {
        dict(labels)["device"]: dict(labels)["name"]
        for _n, labels, _v in _families(second)["esc_device_info"]
    }
    assert info["imp-01"] == "la nouvelle imprimante"


def test_an_agent_and_a_device_of_the_same_id_keep_their_own_label_names(bodies: list[DeviceBody]) -> None:
    """Label texts are kept by label names and values: ``agent="x"`` is never written as ``device="x"``."""
    state = _fleet(bodies[:1])
    twin = state.agent("maurepas", "imp-00")  # an agent whose id is also a device's id
    twin.last_seen = twin.data_at = twin.status_at = NOW
    twin.status, twin.session = "online", 1
    exporter = FleetCollector(state, stale_after=180, clock=lambda: NOW)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(exporter)
    rendered = _families(exporter.render())
    assert rendered == _families(generate_latest(registry))
    assert ("esc_agent_up", frozenset({("site", "maurepas"), ("agent", "imp-00")}), 1.0) in rendered[
        "esc_agent_up"
    ]
    assert ("esc_device_up", frozenset({("site", "maurepas"), ("device", "imp-00")}), 1.0) in rendered[
        "esc_device_up"
    ]
