"""eSCL scanners: pure parsing of documents written from the Mopria specification, and a real HTTP server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import msgspec
import pytest

from agent.scanners.escl import EsclError, EsclTarget, fetch_status, parse_scanner_status

from helpers.escl import EsclServer
from helpers.processes import free_port

DATA = Path(__file__).parent / "data" / "escl"


def doc(name: str) -> bytes:
    return (DATA / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "state", "adf"),
    [
        ("status-idle.xml", "Idle", "ScannerAdfLoaded"),
        ("status-adf-jam.xml", "Idle", "ScannerAdfJam"),
        ("status-stopped.xml", "Stopped", None),
    ],
)
def test_parse_status(name: str, state: str, adf: str | None) -> None:
    status = parse_scanner_status(doc(name))
    assert (status.scanner_state, status.adf_state) == (state, adf)


def test_capabilities_give_identity_and_jobs_are_ignored() -> None:
    status = parse_scanner_status(doc("status-idle.xml"), doc("capabilities.xml"))
    assert (status.make_and_model, status.serial) == ("Example ScanStation 500", "SCN0012345")
    assert b"JobUri" not in msgspec.json.encode(status)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<not-closed", "not well-formed"),
        (b"<html><body>login</body></html>", "not an eSCL ScannerStatus"),
        (
            b'<scan:ScannerStatus xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03"/>',
            "no pwg:State",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
            b'<scan:ScannerStatus xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03">&lol2;'
            b"</scan:ScannerStatus>",
            "not well-formed",
        ),
    ],
)
def test_bad_documents_are_refused_clearly(body: bytes, message: str) -> None:
    with pytest.raises(EsclError, match=message):
        parse_scanner_status(body)


def test_unknown_state_is_kept_as_unknown() -> None:
    body = doc("status-stopped.xml").replace(b"Stopped", b"Exploding")
    assert parse_scanner_status(body).scanner_state == "Unknown"


def test_fetch_over_real_http(escl_server: EsclServer) -> None:
    escl_server.serve("ScannerStatus", doc("status-adf-jam.xml"))
    escl_server.serve("ScannerCapabilities", doc("capabilities.xml"))
    status = asyncio.run(fetch_status(EsclTarget(url=escl_server.url, timeout=2)))
    assert (status.scanner_state, status.adf_state, status.serial) == ("Idle", "ScannerAdfJam", "SCN0012345")


def test_fetch_without_capabilities(escl_server: EsclServer) -> None:
    escl_server.serve("ScannerStatus", doc("status-idle.xml"))
    status = asyncio.run(fetch_status(EsclTarget(url=escl_server.url + "/", timeout=2)))
    assert (status.scanner_state, status.make_and_model) == ("Idle", None)


def test_http_errors_and_dead_scanners(escl_server: EsclServer) -> None:
    escl_server.serve("ScannerStatus", b"busy", status=503)
    with pytest.raises(EsclError, match="HTTP 503"):
        asyncio.run(fetch_status(EsclTarget(url=escl_server.url, timeout=2)))
    with pytest.raises(EsclError, match=r"127\.0\.0\.1"):
        asyncio.run(fetch_status(EsclTarget(url=f"http://127.0.0.1:{free_port()}/eSCL", timeout=1)))


def test_oversized_answer_is_refused(escl_server: EsclServer) -> None:
    escl_server.serve("ScannerStatus", b"<a>" + b"x" * 300_000 + b"</a>")
    with pytest.raises(EsclError, match="larger than"):
        asyncio.run(fetch_status(EsclTarget(url=escl_server.url, timeout=2)))
