"""The secretariat's status page, rendered by a real headless Chromium."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from helpers.agent import printer_block, start_agent, write_agent_config
from helpers.broker import Broker
from helpers.chromium import chromium
from helpers.collector import start_collector
from helpers.processes import REPO, stop_process, wait_for
from helpers.recordings import jammed, recording
from helpers.sites import service, site, sites_toml
from helpers.snmp import Simulator

SITES = sites_toml(
    site(
        "maurepas",
        name="ESC Maurepas",
        opening_hours="24/7",
        contact="secretariat.maurepas@example.org",
        services={
            "impression": service(devices=["imprimante-accueil"]),
            "postes": service(pcs=["accueil-pc1"]),
        },
    ),
    site("kleber", name="ESC Kléber", opening_hours="off"),
)


class Dom(HTMLParser):
    """Text by element id and class, from the DOM Chromium dumped."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.stack: list[dict[str, str | None]] = []
        self.by: dict[str, list[str]] = {}
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("br", "meta", "link", "img", "input"):
            self.stack.append(dict(attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("br", "meta", "link", "img", "input") and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        text = data.strip()
        if not text:
            return
        for attrs in self.stack:
            keys = [f"#{attrs['id']}"] if attrs.get("id") else []
            keys += [f".{c}" for c in str(attrs.get("class") or "").split()]
            for key in keys:
                self.by.setdefault(key, []).append(text)


def test_status_page_in_chromium(tmp_path: Path, mosquitto: Broker, snmpsim: Simulator) -> None:
    slot = snmpsim.claim(jammed(recording("jetdirect_m880")))
    collector = start_collector(tmp_path / "collector", mosquitto, sites=SITES)
    proc = collector.proc
    extra = (
        printer_block("imprimante-accueil", snmpsim.port, slot, "imprimante de l'accueil")
        + "[devices]\ninterval = 5\n"
    )
    config = write_agent_config(tmp_path / "agent", extra=extra, interval=5)
    agent = start_agent(config, mosquitto, tmp_path / "agent.log")
    try:
        wait_for(lambda: collector.value("esc_device_up", site="maurepas", device="imprimante-accueil") == 1.0,
                 timeout=20, what="the printer")  # fmt: skip
        page = chromium("--dump-dom", f"{collector.url}/site/maurepas", user_data=tmp_path / "chrome")
        assert page.returncode == 0, page.stderr
        dom = Dom(page.stdout)
        assert dom.by["#open-state"] == ["ouvert"]
        todos = dom.by[".what"]
        assert "Bourrage papier dans le bac 2" in todos
        assert "imprimante de l'accueil" in dom.by[".where"]
        services = dom.by[".service"]
        assert "impression" in services
        assert "indisponible" in services  # one printer, jammed
        assert "postes en libre-service" in services
        assert 'lang="fr"' in page.stdout
        assert "<script" not in page.stdout.lower()
        # The list of sites.
        index = Dom(chromium("--dump-dom", f"{collector.url}/", user_data=tmp_path / "chrome").stdout)
        assert "ESC Maurepas" in index.by[".site"]
        assert "fermé" in index.by[".site"]  # Kléber
        # A phone-sized screenshot, kept as a test artefact.
        artefacts = REPO / "test-artifacts"
        artefacts.mkdir(exist_ok=True)
        shot = artefacts / "status-page-phone.png"
        shot.unlink(missing_ok=True)
        taken = chromium(f"--screenshot={shot}", "--window-size=390,1100", f"{collector.url}/site/maurepas",
                         user_data=tmp_path / "chrome")  # fmt: skip
        assert taken.returncode == 0, taken.stderr
        assert shot.stat().st_size > 5_000
        missing = chromium("--dump-dom", f"{collector.url}/site/nowhere", user_data=tmp_path / "chrome")
        assert "Page introuvable" in missing.stdout
    finally:
        stop_process(agent)
        stop_process(proc)
