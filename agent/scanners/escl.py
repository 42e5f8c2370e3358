"""Stand-alone network scanners through eSCL (Mopria "AirScan"): ``GET /eSCL/ScannerStatus``.

A worked example of the document (Mopria eSCL specification, ScannerStatus)::

    <scan:ScannerStatus xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03"
                        xmlns:pwg="http://www.pwg.org/schemas/2010/12/sm">
      <pwg:Version>2.63</pwg:Version>
      <pwg:State>Idle</pwg:State>                 Idle | Processing | Testing | Stopped | Down
      <scan:AdfState>ScannerAdfJam</scan:AdfState> ScannerAdfLoaded | ...Empty | ...Jam | ...HatchOpen ...
      <scan:Jobs>...</scan:Jobs>                  ignored: jobs are the visitors' business
    </scan:ScannerStatus>

Parsing is pure (:func:`parse_scanner_status`); :func:`fetch_status` is the thin HTTP shell.
XML comes from the network, so it is parsed with defusedxml (no entity expansion).
"""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from dataclasses import dataclass

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from agent.contract.messages import ScannerStatus
from agent.exceptions import AgentError

NS = {
    "scan": "http://schemas.hp.com/imaging/escl/2011/05/03",
    "pwg": "http://www.pwg.org/schemas/2010/12/sm",
}
MAX_DOCUMENT_BYTES = 256 * 1024
KNOWN_STATES = frozenset({"Idle", "Processing", "Testing", "Stopped", "Down"})


class EsclError(AgentError):
    """A scanner that does not answer, or answers something that is not eSCL."""


def _text(root: ElementTree.Element, path: str) -> str | None:  # type: ignore[name-defined]
    node = root.find(path, NS)
    if node is None or node.text is None:
        return None
    return " ".join(node.text.split())[:128] or None


def parse_scanner_status(document: bytes, capabilities: bytes | None = None) -> ScannerStatus:
    """Parse ``ScannerStatus`` (and optionally ``ScannerCapabilities`` for make and serial).

    Raises:
        EsclError: when the document is not a well-formed eSCL ScannerStatus.
    """
    try:
        root = ElementTree.fromstring(document)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as err:
        raise EsclError(f"ScannerStatus is not well-formed XML: {err}") from None
    if root.tag != f"{{{NS['scan']}}}ScannerStatus":
        raise EsclError(f"not an eSCL ScannerStatus document (root {root.tag[:80]})")
    state = _text(root, "pwg:State")
    if state is None:
        raise EsclError("ScannerStatus has no pwg:State")
    if state not in KNOWN_STATES:
        state = "Unknown"
    make_and_model = serial = None
    if capabilities:
        try:
            caps = ElementTree.fromstring(capabilities)
        except (ElementTree.ParseError, DefusedXmlException, ValueError):
            caps = None
        if caps is not None:
            make_and_model = _text(caps, "pwg:MakeAndModel")
            serial = _text(caps, "pwg:SerialNumber")
    return ScannerStatus(
        make_and_model=make_and_model,
        serial=serial,
        scanner_state=state,
        adf_state=_text(root, "scan:AdfState"),
    )


@dataclass(frozen=True, kw_only=True)
class EsclTarget:
    """Where a scanner's eSCL root is, e.g. ``http://192.0.2.10/eSCL``."""

    url: str
    timeout: float = 3.0


def _get(url: str, timeout: float) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise EsclError(f"eSCL URL must be http(s): {url}")
    request = urllib.request.Request(url, headers={"Accept": "text/xml"})  # noqa: S310 - scheme checked above
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            data: bytes = response.read(MAX_DOCUMENT_BYTES + 1)
    except urllib.error.HTTPError as err:
        err.close()  # it holds the connection open otherwise
        raise EsclError(f"{url}: HTTP {err.code}") from None
    except (urllib.error.URLError, OSError) as err:
        raise EsclError(f"{url}: {getattr(err, 'reason', err)}") from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise EsclError(f"{url}: answer larger than {MAX_DOCUMENT_BYTES} bytes")
    return data


async def fetch_status(target: EsclTarget) -> ScannerStatus:
    """Read and parse a scanner's status (blocking HTTP runs in a worker thread).

    Raises:
        EsclError: unreachable, HTTP error, or not eSCL.
    """
    base = target.url.rstrip("/")
    status = await asyncio.to_thread(_get, f"{base}/ScannerStatus", target.timeout)
    try:
        capabilities: bytes | None = await asyncio.to_thread(
            _get, f"{base}/ScannerCapabilities", target.timeout
        )
    except EsclError:
        capabilities = None
    return parse_scanner_status(status, capabilities)
