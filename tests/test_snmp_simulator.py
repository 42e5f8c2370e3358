"""The real poller and the probe command against snmpsim serving the real recordings."""

from __future__ import annotations

import asyncio
import json

import pytest

from agent.devices import printer_status
from agent.printers import mib
from agent.printers.parse import Thresholds
from agent.printers.poller import SnmpSession, SnmpTarget, poll
from agent.printers.snmprec import parse_snmprec

from helpers.processes import free_port, run_cli
from helpers.recordings import RECORDINGS, door_open, jammed, no_paper, patch, recording, supply_level
from helpers.snmp import V3_AUTH_KEY, V3_PRIV_KEY, V3_USER, Simulator


def walked(name: str) -> dict[str, object]:
    """What a walk of our subtrees must return: the recording's rows under them."""
    raw = parse_snmprec(recording(name))
    return {
        oid: _trim(v) for oid, v in raw.items() if any(oid.startswith(s + ".") for s in mib.WALK_SUBTREES)
    }


def _trim(value: object) -> object:
    # snmpsim strips trailing spaces of plain-text values when it reads a recording
    # (Samsung's sysDescr ends with one); hex-encoded values keep every byte.
    return value.rstrip(b" ") if isinstance(value, bytes) else value


async def _poll_all(sim: Simulator, names: list[str]) -> list[object]:
    session = SnmpSession(max_in_flight=8)
    try:
        return await asyncio.gather(
            *[
                poll(session, SnmpTarget(host="127.0.0.1", port=sim.port, community=n, timeout=2))
                for n in names
            ]
        )
    finally:
        session.close()


def test_poller_reads_every_recording_exactly(snmpsim: Simulator) -> None:
    results = asyncio.run(_poll_all(snmpsim, RECORDINGS))
    for name, result in zip(RECORDINGS, results, strict=True):
        assert result.error is None, (name, result.error)  # type: ignore[attr-defined]
        assert {k: _trim(v) for k, v in result.raw.items()} == walked(name), name  # type: ignore[attr-defined]
        from_sim = printer_status(result.raw, Thresholds())  # type: ignore[attr-defined]
        from_file = printer_status(parse_snmprec(recording(name)), Thresholds())
        assert from_sim == from_file, name


def probe(sim: Simulator, community: str, *extra: str) -> tuple[int, dict[str, object]]:
    address = f"127.0.0.1:{sim.port}"
    result = run_cli("esc-agent", "printer", "probe", address, "--community", community, "--json", *extra)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def test_probe_json_contract(snmpsim: Simulator) -> None:
    code, doc = probe(snmpsim, "jetdirect_m880")
    assert code == 0
    assert doc["state"] == "degraded"
    assert {"state", "reasons", "supplies", "inputs"} <= set(doc)
    black = next(s for s in doc["supplies"] if s["index"] == "1.1")  # type: ignore[union-attr]
    assert {k: black[k] for k in ("index", "description", "raw_level", "raw_max", "percent", "state")} == {
        "index": "1.1", "description": "Black Cartridge 827A HP CF300A", "raw_level": 92, "raw_max": 100,
        "percent": 92.0, "state": "ok"}  # fmt: skip
    tray2 = next(i for i in doc["inputs"] if i["index"] == "1.2")  # type: ignore[union-attr]
    assert {k: tray2[k] for k in ("index", "name", "raw_level", "raw_max", "percent", "state")} == {
        "index": "1.2",
        "name": "Tray 2",
        "raw_level": 200,
        "raw_max": 500,
        "percent": 40.0,
        "state": "ok",
    }


def test_probe_text_table(snmpsim: Simulator) -> None:
    result = run_cli("esc-agent", "printer", "probe", f"127.0.0.1:{snmpsim.port}", "--community", "brother")
    assert result.returncode == 0, result.stderr
    assert "Black Toner Cartridge" in result.stdout
    assert "some_remaining" in result.stdout


def test_snmpv3_auth_priv(snmpsim: Simulator) -> None:
    args = ("--v3-user", V3_USER, "--v3-auth-key", V3_AUTH_KEY, "--v3-priv-key", V3_PRIV_KEY, "--v3-context",
            "brother", "--timeout", "1", "--retries", "0")  # fmt: skip
    result = run_cli("esc-agent", "printer", "probe", f"127.0.0.1:{snmpsim.port}", "--json", *args)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["identity"]["model"] == "Brother MFC-L2710DW series"
    assert [s["raw_level"] for s in doc["supplies"]] == [-3, 11501]
    wrong = run_cli("esc-agent", "printer", "probe", f"127.0.0.1:{snmpsim.port}", "--json",
                    *args[:3], "wrong-auth-key-123", *args[4:])  # fmt: skip
    assert wrong.returncode == 1
    assert json.loads(wrong.stdout)["reachable"] is False
    assert "wrong-auth-key-123" not in wrong.stdout + wrong.stderr


@pytest.mark.parametrize(
    ("variant", "state", "code"),
    [
        (lambda: jammed(recording("jetdirect_m880")), "down", "jam"),
        (lambda: door_open(recording("brother")), "down", "door_open"),
        (lambda: no_paper(recording("jetdirect_m880"), ["1.2", "1.3", "1.5"]), "down", "no_paper"),
        (lambda: supply_level(recording("utax"), "1.1", 0, 100), "down", "toner_empty"),
        (lambda: supply_level(recording("utax"), "1.1", 7, 100), "degraded", "toner_low"),
        (lambda: supply_level(recording("canonprinter_tm"), "1.6", 0), "down", "waste_full"),
    ],
    ids=["jam", "door_open", "no_paper", "toner_empty", "toner_low", "waste_full"],
)
def test_provoked_states_then_recovery(snmpsim: Simulator, variant, state: str, code: str) -> None:  # type: ignore[no-untyped-def]
    name = snmpsim.claim(variant())
    status, doc = probe(snmpsim, name)
    assert status == 0
    assert doc["state"] == state
    assert code in [r["code"] for r in doc["reasons"]]  # type: ignore[union-attr]
    # Recovery: the same device, repaired.
    snmpsim.put(name, recording("utax"))
    _, doc = probe(snmpsim, name)
    assert doc["state"] == "ok"


def test_jam_location_through_the_simulator(snmpsim: Simulator) -> None:
    _, doc = probe(snmpsim, snmpsim.claim(jammed(recording("jetdirect_m880"))))
    alert = doc["alerts"][0]  # type: ignore[index]
    assert (alert["code_name"], alert["group"], alert["group_index"], alert["location"]) == (
        "jam",
        "input",
        2,
        4,
    )
    assert "bourrage papier dans le bac 2" in doc["label"]  # type: ignore[operator]


def test_unreachable_device(snmpsim: Simulator) -> None:
    dead = free_port()
    result = run_cli("esc-agent", "printer", "probe", f"127.0.0.1:{dead}", "--community", "x", "--json",
                     "--timeout", "0.3", "--retries", "0")  # fmt: skip
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert (doc["reachable"], doc["state"], doc["reasons"][0]["code"]) == (False, "down", "unreachable")


def test_hostile_answers_through_the_simulator(snmpsim: Simulator) -> None:
    base = "1.3.6.1.2.1.43.11.1.1"
    hostile = patch(recording("brother"), {
        f"{base}.9.1.1": ("4", "DROP TABLE"),  # a string where a number belongs
        f"{base}.8.1.2": ("66", "4294967295"),  # overflowing capacity
        f"{base}.6.1.2": ("4", ""),  # empty description
        **{f"{base}.9.1.{i}": ("2", "-9") for i in range(3, 400)},  # a big table of nonsense
    })  # fmt: skip
    code, doc = probe(snmpsim, snmpsim.claim(hostile))
    assert code == 0
    problems = doc["problems"]
    assert any("expected an integer" in p for p in problems)  # type: ignore[union-attr]
    assert any("out of range" in p for p in problems)  # type: ignore[union-attr]
    assert len(doc["supplies"]) == 64  # type: ignore[arg-type]


# --------------------------------------------------------------------------- second batch, vendor columns

RICOH_TONER = "1.3.6.1.4.1.367.3.2.1.2.24.1.1"


def ricoh_minus_3() -> str:
    """The Ricoh recording as LibreNMS issue 4177's models answer: -3 standard, real levels private."""
    values = {f"{SUPPLY}.9.1.{i}": ("2", "-3") for i in ("1", "3", "4", "5")}
    for index, (name, level) in {"1": ("Black Toner", 30), "2": ("Cyan Toner", 20), "3": ("Magenta Toner", 90),
                                 "4": ("Yellow Toner", 60)}.items():  # fmt: skip
        values |= {f"{RICOH_TONER}.2.{index}": ("4", name), f"{RICOH_TONER}.5.{index}": ("2", str(level))}
    return patch(recording("ricoh_mpc3002"), values)


SUPPLY = "1.3.6.1.2.1.43.11.1.1"


def test_ricoh_private_columns_are_walked_for_ricoh_only(snmpsim: Simulator) -> None:
    ricoh = snmpsim.claim(ricoh_minus_3())
    # A non-Ricoh device that happens to answer the same private OIDs: never asked for them.
    other = snmpsim.claim(patch(recording("utax"), {f"{RICOH_TONER}.5.1": ("2", "77"),
                                                    f"{RICOH_TONER}.2.1": ("4", "Black Toner")}))  # fmt: skip

    async def _run() -> tuple[list[object], list[int]]:
        session = SnmpSession()
        results, requests = [], []
        try:
            for community in (ricoh, ricoh, other):
                before = session.requests
                results.append(await poll(session, SnmpTarget(host="127.0.0.1", port=snmpsim.port,
                                                              community=community, timeout=2)))  # fmt: skip
                requests.append(session.requests - before)
        finally:
            session.close()
        return results, requests

    (first, again, not_ricoh), requests = asyncio.run(_run())
    private = {o for o in first.raw if o.startswith(RICOH_TONER + ".")}  # type: ignore[attr-defined]
    assert private == {f"{RICOH_TONER}.{c}.{i}" for c in (2, 5) for i in (1, 2, 3, 4)}
    assert again.raw == first.raw  # type: ignore[attr-defined]
    # The first poll learns the sysObjectID and walks the private columns apart; later polls at once.
    assert requests[1] < requests[0]
    assert not any(o.startswith("1.3.6.1.4.1.367.") for o in not_ricoh.raw)  # type: ignore[attr-defined]
    status = printer_status(again.raw, Thresholds())  # type: ignore[attr-defined]
    assert {s.description: (s.raw_level, s.percent) for s in status.supplies if s.marking} == {
        "Black Toner": (30, 30.0), "Cyan Toner": (20, 20.0), "Magenta Toner": (90, 90.0),
        "Yellow Toner": (60, 60.0)}  # fmt: skip


def test_probe_of_the_mono_mfp_shows_its_scanner(snmpsim: Simulator) -> None:
    code, doc = probe(snmpsim, "sharp_mxm266nv")
    assert code == 0
    assert doc["functions"] == [
        {"function": "print", "state": "degraded"},
        {"function": "scan", "state": "ok"},
    ]
    assert [(u["description"], u["status"]) for u in doc["scanner_units"]] == [  # type: ignore[union-attr]
        ("Scanner Unit", "running"), ("Reversing Single Pass Feeder", "unknown"), ("Network Scanner", "running")]  # fmt: skip
    black = next(s for s in doc["supplies"] if s["index"] == "1.1")  # type: ignore[union-attr]
    assert (black["raw_level"], black["percent"], black["precision"]) == (75, 75.0, "exact")
    # The feeder goes down: scanning stops, printing does not.
    feeder_down = snmpsim.claim(patch(recording("sharp_mxm266nv"), {"1.3.6.1.2.1.25.3.2.1.5.7": ("2", "5")}))
    _, doc = probe(snmpsim, feeder_down)
    assert doc["functions"] == [
        {"function": "print", "state": "degraded"},
        {"function": "scan", "state": "down"},
    ]
    assert "scanner_unit_down" in [r["code"] for r in doc["reasons"]]  # type: ignore[union-attr]
