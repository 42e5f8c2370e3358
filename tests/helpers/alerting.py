"""The alerting chain after the collector: Prometheus, Alertmanager, an SMTP sink, and fast rules."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from helpers.chromium import chromium
from helpers.processes import REPO, free_port, require_program, run_cli, start_listening, wait_for


class SmtpSink:
    """A real SMTP server (aiosmtpd) keeping every message it receives."""

    def __init__(self) -> None:
        from email import message_from_bytes, policy

        from aiosmtpd.controller import Controller

        self.messages: list[tuple[list[str], Any]] = []
        sink = self

        class Handler:
            async def handle_DATA(self, _server: object, _session: object, envelope: Any) -> str:  # noqa: N802
                sink.messages.append(
                    (list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default))
                )
                return "250 OK"

        for attempt in range(3):  # the free port may be taken before aiosmtpd binds it: another one
            self.port = free_port()
            self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
            try:
                self.controller.start()
                break
            except OSError:
                self.controller.loop.close()  # its thread ended on the failed bind
                if attempt == 2:
                    raise

    def to(self, address: str) -> list[Any]:
        """Return the messages sent to ``address``."""
        return [m for rcpt, m in self.messages if address in rcpt]

    def close(self) -> None:
        """Stop the server."""
        self.controller.stop()


@dataclass
class Service:
    """A running Prometheus or Alertmanager."""

    port: int
    proc: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        """Return the base URL."""
        return f"http://127.0.0.1:{self.port}"

    def api(self, path: str) -> Any:
        """GET a JSON API path."""
        with urllib.request.urlopen(self.url + path, timeout=5) as resp:
            return json.loads(resp.read())

    def query(self, expr: str) -> list[dict[str, Any]]:
        """Run an instant PromQL query; return the result vector."""
        data = self.api(f"/api/v1/query?query={quote(expr)}")
        assert data["status"] == "success", data
        return list(data["data"]["result"])

    def log(self) -> str:
        """Return what the service logged."""
        return self.log_path.read_text(errors="replace")


def http_ok(url: str) -> bool:
    """Return whether ``url`` answers 200 (the connection is closed either way)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return bool(resp.status == 200)
    except urllib.error.HTTPError as err:  # e.g. 503 while starting; it holds the connection open
        err.close()
        return False


def start_prometheus(
    folder: Path,
    *,
    targets: list[str],
    rule_files: list[Path],
    alertmanager: str | None,
    interval: str = "1s",
) -> Service:
    """Start a real Prometheus scraping ``targets`` (job esc-collector); the caller stops it."""
    exe = require_program("prometheus", "prometheus")
    folder.mkdir(parents=True, exist_ok=True)
    config: dict[str, Any] = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "rule_files": [str(p) for p in rule_files],
        "scrape_configs": [{"job_name": "esc-collector", "static_configs": [{"targets": targets}]}],
    }
    if alertmanager:
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]}
    (folder / "prometheus.yml").write_text(yaml.safe_dump(config))
    log_path = folder / "prometheus.log"

    def launch(port: int) -> subprocess.Popen[bytes]:
        with log_path.open("wb") as log:
            return subprocess.Popen([exe, f"--config.file={folder / 'prometheus.yml'}", f"--storage.tsdb.path={folder / 'data'}",
                                     f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)  # fmt: skip

    port, proc = start_listening(
        launch, None, what="Prometheus", log=lambda: log_path.read_text(errors="replace")
    )
    service = Service(port, proc, log_path)
    wait_for(lambda: http_ok(service.url + "/-/ready"), timeout=30, what="Prometheus ready")
    return service


def start_alertmanager(folder: Path, config: Path, *, tz: str = "UTC") -> Service:
    """Start a real Alertmanager with ``config`` in the time zone ``tz`` (as a server's); the caller stops it."""
    exe = require_program("prometheus-alertmanager", "prometheus-alertmanager")
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder / "alertmanager.log"

    def launch(port: int) -> subprocess.Popen[bytes]:
        with log_path.open("wb") as log:
            return subprocess.Popen([exe, f"--config.file={config}", f"--storage.path={folder / 'data'}",
                                     f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
                                     f"--web.external-url=http://127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT,
                                    env={**os.environ, "TZ": tz})  # fmt: skip

    port, proc = start_listening(
        launch, None, what="Alertmanager", log=lambda: log_path.read_text(errors="replace")
    )
    service = Service(port, proc, log_path)
    wait_for(lambda: http_ok(service.url + "/-/ready"), timeout=30, what="Alertmanager ready")
    return service


def fast_rules(folder: Path) -> Path:
    """The shipped rules with every ``for:`` at 0 s, so the test does not wait minutes."""
    rules = yaml.safe_load((REPO / "alerts" / "esc.rules.yml").read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            rule["for"] = "0s"
    path = folder / "esc.rules.yml"
    path.write_text(yaml.safe_dump(rules, allow_unicode=True))
    return path


def post_alerts(alertmanager: Service, alerts: list[dict[str, Any]]) -> None:
    """Send alerts to Alertmanager's API as Prometheus does (``labels``, ``annotations``, ``startsAt``...)."""
    request = urllib.request.Request(
        alertmanager.url + "/api/v2/alerts",
        data=json.dumps(alerts).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as resp:
        assert resp.status == 200, resp.read()


@dataclass(frozen=True)
class Email:
    """What an e-mail says: its subject and its two parts, as the mail client shows them."""

    subject: str
    text: str
    html: str

    @property
    def html_text(self) -> str:
        """Return the visible text of the HTML part, one line per block (``<p>``, ``<li>``, headings)."""
        return html_to_text(self.html)


def email(message: Any) -> Email:
    """Return the subject, plain-text part and HTML part of a received message (both parts must exist)."""
    assert message.get_content_type() == "multipart/alternative", message.get_content_type()
    text = message.get_body(preferencelist=("plain",))
    rich = message.get_body(preferencelist=("html",))
    assert text is not None, "a plain-text part"
    assert rich is not None, "an HTML part"
    # MIME parts travel with CRLF line ends; compare them as the reader sees them.
    return Email(
        str(message["Subject"]),
        text.get_content().replace("\r\n", "\n"),
        rich.get_content().replace("\r\n", "\n"),
    )


class _TextOf(HTMLParser):
    BLOCKS = frozenset({"p", "li", "h1", "h2", "h3", "title", "ul", "br", "main", "body"})

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = [""]
        self.skip = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.skip = True
        if tag in self.BLOCKS:
            self.lines.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.skip = False
        if tag in self.BLOCKS:
            self.lines.append("")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.lines[-1] += data


def html_to_text(page: str) -> str:
    """Return the visible text of an HTML page: block elements on lines of their own, spaces collapsed."""
    parser = _TextOf()
    parser.feed(page)
    lines = (" ".join(line.split()) for line in parser.lines)
    return "\n".join(line for line in lines if line)


def screenshot_email(page: str, png: Path, *, user_data: Path, width: int = 720, height: int = 900) -> None:
    """Render an e-mail's HTML part in headless Chromium and save it as ``png`` (a test artefact)."""
    source = user_data / "email.html"
    user_data.mkdir(parents=True, exist_ok=True)
    source.write_text(page, encoding="utf-8")
    png.parent.mkdir(parents=True, exist_ok=True)
    taken = chromium(
        f"--screenshot={png}",
        f"--window-size={width},{height}",
        source.as_uri(),
        user_data=user_data / "profile",
    )
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert png.exists(), taken.stderr[-2000:]


#: The status pages' base URL the test collectors write into their mails.
STATUS_URL = "https://supervision.example.org/esc"


def alerting_section(smtp: SmtpSink) -> str:
    """The ``[alerting]`` section of a test collector.toml: the SMTP sink, fast digests, the status pages."""
    return (
        f'[alerting]\nsmarthost = "127.0.0.1:{smtp.port}"\nfrom = "esc-fleet@example.org"\nrequire_tls = false\n'
        f'technicians = ["technicien@example.org"]\ntemplates = "{REPO}/alerts/templates/*.tmpl"\n'
        'group_wait = "1s"\ngroup_interval = "2s"\nrepeat_interval = "1h"\ntechnician_repeat_interval = "1h"\n'
        f'status_url = "{STATUS_URL}"\n'
    )


def alertmanager_config(config: Path, out: Path) -> Path:
    """Generate alertmanager.yml with ``esc-collector alertmanager config`` and check it with amtool."""
    generated = run_cli("esc-collector", "alertmanager", "config", "--config", str(config), "--out", str(out))
    assert generated.returncode == 0, generated.stderr
    check = subprocess.run([require_program("amtool", "prometheus-alertmanager"), "check-config", str(out)],
                           capture_output=True, text=True, check=False)  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    return out
