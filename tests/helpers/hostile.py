"""Messages as a broken or hostile agent would send them, and a raw MQTT publisher to send them.

Builders return JSON payloads (bytes) that follow the contract unless told otherwise; ``raw_host``
and friends take overrides so a test can put a 400-digit number or a year-2099 instant where the
contract says a bounded value goes. :class:`RawClient` publishes with plain paho, outside any
agent, with whatever credentials and client id the test chooses.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from helpers.broker import Broker
from helpers.processes import REPO, require_program, start_listening


def iso(instant: float | dt.datetime) -> str:
    """Return an RFC 3339 UTC string."""
    when = instant if isinstance(instant, dt.datetime) else dt.datetime.fromtimestamp(instant, dt.UTC)
    return when.isoformat().replace("+00:00", "Z")


def host_body(**overrides: Any) -> dict[str, Any]:
    """A valid host body (PC health), with fields overridden."""
    body: dict[str, Any] = {
        "os": "Linux", "boot_time": time.time() - 3600, "uptime_seconds": 3600.0, "cpu_count": 4,
        "cpu_usage_ratio": 0.25, "memory_total_bytes": 8 * 2**30, "memory_available_bytes": 4 * 2**30,
        "disks": [{"mount": "/", "total_bytes": 100 * 2**30, "free_bytes": 50 * 2**30}], "user_sessions": 1,
    }  # fmt: skip
    body.update(overrides)
    return body


def device_body(
    device: str, state: str = "ok", reasons: list[dict[str, Any]] | None = None, **overrides: Any
) -> dict[str, Any]:
    """A valid device body for a printer, with its reasons (``{"code": .., "label": ..}``)."""
    body: dict[str, Any] = {
        "device": device, "kind": "printer", "reachable": True, "state": state,
        "label": "en service" if state == "ok" else "en panne", "reasons": reasons or [],
    }  # fmt: skip
    body.update(overrides)
    return body


def envelope(kind: str, site: str, agent: str, seq: int, body: dict[str, Any], *, ts: float | str | None = None,
             epoch: str | None = "epoch1") -> dict[str, Any]:  # fmt: skip
    """A message envelope as a dict (``ts`` a float instant or a raw string)."""
    stamp = iso(time.time() if ts is None else ts) if not isinstance(ts, str) else ts
    message: dict[str, Any] = {
        "v": 1,
        "kind": kind,
        "site": site,
        "agent": agent,
        "seq": seq,
        "ts": stamp,
        "body": body,
    }
    if epoch is not None:
        message["epoch"] = epoch
    return message


def payload(message: dict[str, Any]) -> bytes:
    """Serialise without escaping non-ASCII (the agents' encoder does the same)."""
    return json.dumps(message, ensure_ascii=False).encode()


def topic(site: str, agent: str, kind: str, device: str | None = None) -> str:
    """Return the contract's topic string."""
    return f"esc/v1/{site}/{agent}/{kind}" + (f"/{device}" if device else "")


class RawClient:
    """A plain paho client with chosen credentials and client id; records what it receives."""

    def __init__(self, port: int, *, client_id: str, username: str | None = None, password: str | None = None,
                 clean_session: bool = True) -> None:  # fmt: skip
        self.received: list[tuple[str, bytes]] = []
        self.session_present: bool | None = None
        self.connected: list[str] = []
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=clean_session
        )
        if username is not None:
            self.client.username_pw_set(username, password)
        self.client.on_connect = self._on_connect
        self.client.on_message = lambda _c, _u, msg: self.received.append((msg.topic, bytes(msg.payload)))
        self.client.connect("127.0.0.1", port, keepalive=30)
        self.client.loop_start()
        deadline = time.monotonic() + 10
        while not self.connected and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.connected, "no CONNACK"

    def _on_connect(self, _c: object, _u: object, flags: Any, reason: Any, _p: object) -> None:
        self.session_present = bool(flags.session_present)
        self.connected.append(str(reason))

    def publish(self, topic_name: str, data: bytes, *, qos: int = 1, retain: bool = False) -> None:
        """Publish and wait for the broker's acknowledgement."""
        self.client.publish(topic_name, data, qos=qos, retain=retain).wait_for_publish(10)

    def subscribe(self, topic_filter: str, qos: int = 1) -> None:
        """Subscribe (the broker may grant it and still deliver nothing the ACL forbids)."""
        self.client.subscribe(topic_filter, qos)
        time.sleep(0.3)

    def close(self) -> None:
        """Disconnect cleanly."""
        self.client.disconnect()
        self.client.loop_stop()


#: Broker accounts: the collector's, and agents' named <agent id>@<site id> (collector/mosquitto.py).
PASSWORDS = {
    "collector": "collector-secret",
    "accueil-pc1@maurepas": "pc1-secret",
    "accueil-pc2@maurepas": "pc2-secret",
    "accueil-pc1@kleber": "kleber-pc1-secret",
}


def start_shipped_mosquitto(
    folder: Path, *, port: int | None = None, conf_edit: Any = None, acl: str | None = None
) -> Broker:
    """Start Mosquitto with ``deploy/mosquitto``'s config and ACL, on plain TCP at a free port.

    Paths point into ``folder`` (persistence in ``folder/data``, kept across restarts with the
    same folder); the TLS lines are left out (TLS is tested by ``test_deploy.py``); accounts are
    :data:`PASSWORDS`. ``conf_edit`` may change the config text (a test's counter-example);
    ``acl`` replaces the shipped ACL (one generated by ``esc-collector mosquitto acl``).
    """
    exe = require_program("mosquitto", "mosquitto")
    passwd_tool = require_program("mosquitto_passwd", "mosquitto")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data").mkdir(exist_ok=True)
    if acl is None:
        shutil.copy(REPO / "deploy" / "mosquitto" / "acl", folder / "acl")
    else:
        (folder / "acl").write_text(acl)
    passwd = folder / "passwd"
    if not passwd.exists():
        for index, (user, secret) in enumerate(PASSWORDS.items()):
            subprocess.run(
                [passwd_tool, *(["-c"] if index == 0 else []), "-b", str(passwd), user, secret], check=True
            )
    template = (REPO / "deploy" / "mosquitto" / "mosquitto.conf").read_text()

    def launch(port: int) -> subprocess.Popen[bytes]:
        lines = []
        for line in template.splitlines():
            if line.split(" ", 1)[0] in ("cafile", "certfile", "keyfile", "tls_version"):
                continue
            adapted = line.replace("/etc/mosquitto/esc/", f"{folder}/")
            adapted = adapted.replace("/var/lib/mosquitto/", f"{folder}/data/")
            lines.append(adapted.replace("listener 8883", f"listener {port} 127.0.0.1"))
        conf = "\n".join(lines) + "\n" + ("user root\n" if os.geteuid() == 0 else "")
        if conf_edit is not None:
            conf = conf_edit(conf)
        (folder / "mosquitto.conf").write_text(conf)
        with (folder / "mosquitto.log").open("ab") as log:
            return subprocess.Popen(
                [exe, "-c", str(folder / "mosquitto.conf")], stdout=log, stderr=subprocess.STDOUT
            )

    port, proc = start_listening(
        launch, port, what="mosquitto", log=lambda: (folder / "mosquitto.log").read_text(errors="replace")
    )
    return Broker(port, folder, proc)


def password_file(folder: Path, user: str) -> Path:
    """Write ``user``'s broker password into a file (the agents' and collector's config point at it)."""
    path = folder / f"{user}.password"
    path.write_text(PASSWORDS[user] + "\n")
    return path
