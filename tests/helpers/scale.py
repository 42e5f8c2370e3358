"""Past one server, from the shipped files: the HA Prometheus pair, the Alertmanager cluster, VictoriaMetrics.

Each starter reads the file an administrator installs (``deploy/prometheus/ha/prometheus-a.yml``,
``deploy/alertmanager/prometheus-alertmanager.default``, ``deploy/prometheus/victoria-metrics.default``)
and changes only what a test must: addresses to free loopback ports, paths to a temporary folder,
intervals to a second. What the files decide (relabelling, rule files, flags) is what runs.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from helpers.alerting import Service, fast_rules, http_ok
from helpers.processes import REPO, free_port, require_program, wait_for

HA = REPO / "deploy" / "prometheus" / "ha"
ALERTMANAGER_DEFAULT = REPO / "deploy" / "alertmanager" / "prometheus-alertmanager.default"
VICTORIA_DEFAULT = REPO / "deploy" / "prometheus" / "victoria-metrics.default"


def default_args(path: Path) -> list[str]:
    """Return the ``ARGS`` of an ``/etc/default`` file, split as the shell would."""
    for line in path.read_text().splitlines():
        if line.startswith("ARGS="):
            return shlex.split(line.removeprefix("ARGS="))[0].split()
    raise AssertionError(f"no ARGS= line in {path}")


def ha_rules(folder: Path) -> list[Path]:
    """The rule files of the HA pair: the shipped replica rules, and the shipped alert rules with ``for: 0s``."""
    folder.mkdir(parents=True, exist_ok=True)
    replica = folder / "replica.rules.yml"
    shutil.copy(HA / "replica.rules.yml", replica)
    return [replica, fast_rules(folder)]


def ha_prometheus_config(
    name: str,
    *,
    port: int,
    collectors: dict[str, int],
    alertmanagers: list[int],
    rules: list[Path],
    remote_write: str | None = None,
    interval: str = "1s",
) -> dict[str, Any]:
    """Return ``prometheus-<name>.yml`` pointed at loopback ports (collectors by replica: ``{"a": port}``)."""
    config: dict[str, Any] = yaml.safe_load((HA / f"prometheus-{name}.yml").read_text())
    config["global"]["scrape_interval"] = config["global"]["evaluation_interval"] = interval
    config["rule_files"] = [str(p) for p in rules]
    config["alerting"]["alertmanagers"] = [
        {"static_configs": [{"targets": [f"127.0.0.1:{p}" for p in alertmanagers]}]}
    ]
    for job in config["scrape_configs"]:
        if job["job_name"] == "esc-collector":
            shipped = {group["labels"]["replica"] for group in job["static_configs"]}
            assert shipped == set(collectors), shipped
            for group in job["static_configs"]:
                group["targets"] = [f"127.0.0.1:{collectors[group['labels']['replica']]}"]
        else:
            job["static_configs"] = [{"targets": [f"127.0.0.1:{port}"]}]
    if remote_write is None:
        config.pop("remote_write")
    else:
        config["remote_write"][0]["url"] = remote_write
        config["remote_write"][0]["queue_config"] = {"batch_send_deadline": "1s"}
    return config


def start_prometheus_with(folder: Path, config: dict[str, Any], port: int) -> Service:
    """Start a real Prometheus with this configuration on ``port``; the caller stops it."""
    exe = require_program("prometheus", "prometheus")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "prometheus.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    log_path = folder / "prometheus.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([exe, f"--config.file={path}", f"--storage.tsdb.path={folder / 'data'}",
                                 f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    service = Service(port, proc, log_path)
    wait_for(lambda: http_ok(service.url + "/-/ready"), timeout=30, what="Prometheus ready")
    return service


def start_alertmanager_cluster(folder: Path, config: Path, *, peer_timeout: str = "2s") -> list[Service]:
    """Start the two Alertmanagers of the shipped ``/etc/default`` file as a cluster on loopback ports.

    The shipped peer timeout (15 s) is shortened to ``peer_timeout`` so the test waits less; every
    other flag is the file's.
    """
    exe = require_program("prometheus-alertmanager", "prometheus-alertmanager")
    gossip = {"a": free_port(), "b": free_port()}
    services = []
    for name in ("a", "b"):
        port = free_port()
        args = []
        for arg in default_args(ALERTMANAGER_DEFAULT):
            flag, _, value = arg.partition("=")
            value = {
                "--config.file": str(config),
                "--storage.path": str(folder / name / "data"),
                "--web.external-url": f"http://127.0.0.1:{port}",
                "--cluster.listen-address": f"127.0.0.1:{gossip[name]}",
            }.get(flag, value)
            if flag == "--cluster.peer":
                value = f"127.0.0.1:{gossip[value.split('.')[0].removeprefix('alertmanager-')]}"
            args.append(f"{flag}={value}")
        args += [f"--web.listen-address=127.0.0.1:{port}", f"--cluster.peer-timeout={peer_timeout}"]
        (folder / name).mkdir(parents=True, exist_ok=True)
        log_path = folder / name / "alertmanager.log"
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                [exe, *args], stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "TZ": "UTC"}
            )
        services.append(Service(port, proc, log_path))
    for service in services:
        wait_for(lambda s=service: http_ok(s.url + "/-/ready"), timeout=30, what="Alertmanager ready")

    def joined() -> bool:
        return all(len(s.api("/api/v2/status")["cluster"]["peers"]) == 2 for s in services)

    wait_for(joined, timeout=30, what="the two Alertmanagers in one cluster")
    return services


def cluster_position(alertmanager: Service) -> int:
    """Return an Alertmanager's place in its cluster (0 sends first; the next waits a peer timeout)."""
    cluster = alertmanager.api("/api/v2/status")["cluster"]
    return sorted(p["name"] for p in cluster["peers"]).index(cluster["name"])


def start_victoria_metrics(folder: Path, *, dedup: str = "1s") -> Service:
    """Start VictoriaMetrics with the shipped flags on a free port; the caller stops it.

    The de-duplication interval follows the scrape interval (30 s shipped; tests scrape every
    ``dedup``), and queries see data at once (``-search.latencyOffset=0s``: by default the last
    30 s are hidden, which a test cannot wait for).
    """
    exe = require_program("victoria-metrics", "victoria-metrics")
    port = free_port()
    args = []
    for arg in default_args(VICTORIA_DEFAULT):
        flag, _, value = arg.partition("=")
        value = {"-storageDataPath": str(folder / "data"), "-httpListenAddr": f"127.0.0.1:{port}",
                 "-dedup.minScrapeInterval": dedup}.get(flag, value)  # fmt: skip
        args.append(f"{flag}={value}")
    args.append("-search.latencyOffset=0s")
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder / "victoria-metrics.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([exe, *args], stdout=log, stderr=subprocess.STDOUT)
    service = Service(port, proc, log_path)
    wait_for(lambda: http_ok(service.url + "/health"), timeout=30, what="VictoriaMetrics ready")
    return service
