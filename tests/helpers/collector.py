"""A real ``esc-collector run`` process: start it, read its HTTP endpoints and its metrics; or a collector in this process."""

from __future__ import annotations

import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from collector.config import load_collector_config
from collector.service import CollectorService

from helpers.broker import Broker
from helpers.processes import cli, free_port, start_listening, stop_process, wait_for
from helpers.sites import member, service, site, sites_toml


@dataclass
class CollectorProc:
    """A running ``esc-collector run`` process."""

    port: int
    proc: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        """Return its base URL."""
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str) -> tuple[int, str]:
        """GET ``path``; return status and body."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as err:
            with err:  # an HTTPError holds the connection open until closed
                return err.code, err.read().decode()

    def metrics(self) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        """Scrape /metrics; return ``{(sample name, labels): value}``."""
        status, text = self.get("/metrics")
        assert status == 200, text
        out = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                out[(sample.name, frozenset(sample.labels.items()))] = sample.value
        return out

    def value(self, metric: str, /, **labels: str) -> float | None:
        """Return one sample's value, or ``None`` when absent."""
        return self.metrics().get((metric, frozenset(labels.items())))

    def samples(self, metric: str, /, **labels: str) -> list[tuple[dict[str, str], float]]:
        """Return every sample of ``metric`` whose labels include these, as ``(labels, value)``."""
        wanted = labels.items()
        return [
            (dict(found), value)
            for (name, found), value in self.metrics().items()
            if name == metric and wanted <= dict(found).items()
        ]

    def log(self) -> str:
        """Return what the collector logged."""
        return self.log_path.read_text(errors="replace")


def start_collector(
    folder: Path,
    broker: Broker,
    *,
    stale_after: float = 60.0,
    extra: str = "",
    sites: str | None = None,
    port: int | None = None,
    only: tuple[str, ...] = (),
    device_diagnostics: bool = False,
) -> CollectorProc:
    """Start ``esc-collector run`` against ``broker``; the caller stops it.

    With ``sites`` (the text of a sites.toml, see :mod:`helpers.sites`), the collector tracks
    availability, keeps its history in ``folder`` and evaluates every second; ``only`` makes it one
    shard holding those sites (``[sites] only``); ``device_diagnostics`` exports the devices'
    polling diagnostics too (``esc_device_observers``...).
    """
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "collector.toml"
    if sites is not None:
        (folder / "sites.toml").write_text(sites)
        only_line = "only = [" + ", ".join(f'"{site}"' for site in only) + "]\n" if only else ""
        extra += f'[sites]\nfile = "sites.toml"\n{only_line}[history]\npath = "history.sqlite3"\n[availability]\nevaluate_every = 1\n'
    config.write_text(
        f'[collector]\nname = "test-{folder.name}"\nstale_after = {stale_after}\n'
        + ("device_diagnostics = true\n" if device_diagnostics else "")
        + f'[broker]\nurl = "mqtt://127.0.0.1:1"\nkeepalive = 5\n{extra}'
    )
    log_path = folder / "collector.log"

    def launch(port: int) -> subprocess.Popen[bytes]:
        with log_path.open("wb") as log:
            return subprocess.Popen(
                [
                    cli("esc-collector"),
                    "run",
                    "--config",
                    str(config),
                    "--broker",
                    broker.url,
                    "--listen",
                    f"127.0.0.1:{port}",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    port, proc = start_listening(
        launch, port, what="esc-collector run", log=lambda: log_path.read_text(errors="replace")
    )
    collector = CollectorProc(port, proc, log_path)
    try:
        wait_for(lambda: collector.get("/healthz")[0] == 200, timeout=15, what="collector /healthz")
    except BaseException:
        stop_process(proc)
        print(collector.log())
        raise
    return collector


def in_process_collector(folder: Path, broker: Broker, name: str, device: str) -> CollectorService:
    """Return a collector in this process (not started) for one 24/7 site, ``maurepas``.

    The site has ``device`` in « impression » and one PC; the configuration and history live in
    ``folder``, written the first time only: a second call is the same collector restarted.
    """
    sites = folder / "sites.toml"
    config = folder / "collector.toml"
    if not config.exists():
        sites.write_text(
            sites_toml(
                site("maurepas", name="ESC Maurepas", opening_hours="24/7", contact="s@example.org",
                     services={"impression": service(devices=[device])},
                     agents={"accueil-pc1": member("le poste 1")})
            ),
            encoding="utf-8",
        )  # fmt: skip
        config.write_text(
            f'[collector]\nname = "{name}"\nlisten = "127.0.0.1:{free_port()}"\n'
            f'[broker]\nurl = "{broker.url}"\n[sites]\nfile = "{sites}"\n'
            f'[history]\npath = "{folder / "history.sqlite3"}"\n',
            encoding="utf-8",
        )
    return CollectorService(load_collector_config(config))
