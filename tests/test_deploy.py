"""The shipped deployment files, run or checked for real."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from paho.mqtt.enums import CallbackAPIVersion

from dashboards.build import MODULES

from helpers.agent import write_agent_config
from helpers.collector import CollectorProc
from helpers.processes import BIN, REPO, cli, free_port, require_program, run_cli, stop_process, wait_for

DEPLOY = REPO / "deploy"


def make_pki(folder: Path) -> None:
    """A CA and a server certificate for 127.0.0.1 / localhost, written as PEM files."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ESC Fleet test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    import ipaddress

    server = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
              .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
              .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                          x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                             critical=False)
              .sign(ca_key, hashes.SHA256()))  # fmt: skip
    (folder / "ca.crt").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "server.crt").write_bytes(server.public_bytes(serialization.Encoding.PEM))
    (folder / "server.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                        serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))  # fmt: skip


@pytest.fixture
def tls_broker(tmp_path: Path):  # type: ignore[no-untyped-def]
    """The shipped mosquitto.conf and ACL, with paths and port pointed at a temporary folder."""
    exe = require_program("mosquitto", "mosquitto")
    passwd_tool = require_program("mosquitto_passwd", "mosquitto")
    folder = tmp_path / "mosquitto"
    folder.mkdir()
    make_pki(folder)
    shutil.copy(DEPLOY / "mosquitto" / "acl", folder / "acl")
    passwd = folder / "passwd"
    subprocess.run([passwd_tool, "-c", "-b", str(passwd), "collector", "collector-secret"], check=True)
    subprocess.run([passwd_tool, "-b", str(passwd), "accueil-pc1@maurepas", "pc1-secret"], check=True)
    port = free_port()
    conf = (DEPLOY / "mosquitto" / "mosquitto.conf").read_text()
    conf = conf.replace("/etc/mosquitto/esc/", f"{folder}/").replace("/var/lib/mosquitto/", f"{folder}/data/")
    conf = conf.replace("listener 8883", f"listener {port} 127.0.0.1")
    conf += "user root\n" if os.geteuid() == 0 else ""
    (folder / "data").mkdir()
    (folder / "mosquitto.conf").write_text(conf)
    proc = subprocess.Popen([exe, "-c", str(folder / "mosquitto.conf")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    wait_for(lambda: __import__("socket").create_connection(("127.0.0.1", port), 1).close() is None, timeout=10,
             what="the TLS listener")  # fmt: skip
    yield port, folder
    stop_process(proc)


def _connect(
    port: int, ca: Path, user: str | None, password: str | None, *, tls: bool = True
) -> tuple[str, mqtt.Client]:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"probe-{user}-{os.getpid()}")
    if user:
        client.username_pw_set(user, password)
    if tls:
        client.tls_set(ca_certs=str(ca))
    outcome: list[str] = []
    client.on_connect = lambda _c, _u, _f, reason, _p: outcome.append(str(reason))
    try:
        client.connect("127.0.0.1", port, keepalive=10)
    except OSError as err:
        return f"error: {err}", client
    client.loop_start()
    deadline = time.monotonic() + 5
    while not outcome and time.monotonic() < deadline:
        time.sleep(0.05)
    if not outcome:  # e.g. plain MQTT against the TLS listener: no CONNACK ever comes
        client.loop_stop()
        return "no answer", client
    return outcome[0], client


def test_shipped_mosquitto_tls_password_and_acl(tls_broker: tuple[int, Path], tmp_path: Path) -> None:
    port, folder = tls_broker
    ca = folder / "ca.crt"
    # Anonymous and wrong passwords are refused; plain TCP is not spoken.
    assert _connect(port, ca, None, None)[0] == "Not authorized"
    assert _connect(port, ca, "accueil-pc1@maurepas", "wrong")[0] == "Not authorized"
    assert _connect(port, ca, "accueil-pc1@maurepas", "pc1-secret", tls=False)[0] != "Success"
    # The product itself over TLS with passwords: collector reads, agent writes its own topics.
    (folder / "collector.password").write_text("collector-secret\n")
    (folder / "pc1.password").write_text("pc1-secret\n")
    http = free_port()
    config = tmp_path / "collector.toml"
    config.write_text(f'[collector]\nlisten = "127.0.0.1:{http}"\n[broker]\nurl = "mqtts://127.0.0.1:{port}"\n'
                      f'username = "collector"\npassword_file = "{folder}/collector.password"\nca_file = "{ca}"\n')  # fmt: skip
    with (tmp_path / "collector.log").open("wb") as log:
        proc = subprocess.Popen([cli("esc-collector"), "run", "--config", str(config)], stdout=log,
                                stderr=subprocess.STDOUT)  # fmt: skip
    collector = CollectorProc(http, proc, tmp_path / "collector.log")
    try:
        wait_for(lambda: collector.get("/healthz")[0] == 200, timeout=15, what="the collector over TLS")
        agent = write_agent_config(
            tmp_path / "agent", extra=f'password_file = "{folder}/pc1.password"\nca_file = "{ca}"\n'
        )
        result = run_cli("esc-agent", "once", "--config", str(agent), "--broker", f"mqtts://127.0.0.1:{port}")
        assert result.returncode == 0, result.stderr
        wait_for(lambda: collector.value("esc_agent_up", site="maurepas", agent="accueil-pc1") == 1.0, timeout=10,
                 what="the agent's reading through TLS")  # fmt: skip
        # ACL: accueil-pc1 may not speak for another PC (MQTT 3.1.1 still acknowledges; the broker drops it).
        status, spoofer = _connect(port, ca, "accueil-pc1@maurepas", "pc1-secret")
        assert status == "Success"
        spoofer.publish("esc/v1/maurepas/direction-pc/host", b'{"v": 1}', qos=1).wait_for_publish(5)
        spoofer.publish("esc/v1/maurepas/accueil-pc1/host", b"not json", qos=1).wait_for_publish(5)
        wait_for(lambda: collector.value("esc_collector_messages_rejected_total", reason="invalid_json") == 1.0,
                 timeout=10, what="the allowed garbage to reach the collector")  # fmt: skip
        assert collector.value("esc_collector_messages_rejected_total", reason="unsupported_version") == 0.0
        spoofer.disconnect()
        spoofer.loop_stop()
    finally:
        stop_process(proc)


def test_prometheus_config_checks(tmp_path: Path) -> None:
    promtool = require_program("promtool", "prometheus")
    (tmp_path / "rules").mkdir()
    shutil.copy(REPO / "alerts" / "esc.rules.yml", tmp_path / "rules" / "esc.rules.yml")
    shutil.copy(DEPLOY / "prometheus" / "prometheus.yml", tmp_path / "prometheus.yml")
    check = subprocess.run([promtool, "check", "config", str(tmp_path / "prometheus.yml")], capture_output=True,
                           text=True, check=False)  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    rules = sum(
        len(g["rules"]) for g in yaml.safe_load((REPO / "alerts" / "esc.rules.yml").read_text())["groups"]
    )
    assert f"{rules} rules found" in check.stdout + check.stderr


def test_alertmanager_example_is_the_generated_one_and_checks(tmp_path: Path) -> None:
    amtool = require_program("amtool", "prometheus-alertmanager")
    out = tmp_path / "am.yml"
    assert run_cli("esc-collector", "alertmanager", "config", "--config", str(REPO / "collector/sample.toml"),
                   "--out", str(out)).returncode == 0  # fmt: skip
    assert out.read_text() == (DEPLOY / "alertmanager" / "alertmanager.example.yml").read_text()
    check = subprocess.run([amtool, "check-config", str(DEPLOY / "alertmanager" / "alertmanager.example.yml")],
                           capture_output=True, text=True, check=False)  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize("unit", ["esc-agent.service", "esc-collector.service"])
def test_systemd_units_verify(tmp_path: Path, unit: str) -> None:
    analyze = require_program("systemd-analyze", "systemd")
    text = (DEPLOY / "systemd" / unit).read_text()
    assert "User=esc-" in text
    assert "NoNewPrivileges=yes" in text
    assert "ProtectSystem=strict" in text
    # The installed path does not exist on this test machine: point it at this checkout's venv.
    (tmp_path / unit).write_text(text.replace("/opt/esc-fleet/venv/bin", str(BIN)))
    result = subprocess.run(
        [analyze, "verify", str(tmp_path / unit)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stderr.lower(), result.stderr


def test_compose_file_pins_every_image() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yml").read_text())
    assert set(compose["services"]) == {"mosquitto", "collector", "prometheus", "alertmanager", "grafana"}
    for name, service in compose["services"].items():
        image = service["image"]
        tag = image.rsplit(":", 1)[1] if ":" in image else ""
        assert tag, f"{name}: {image} has no tag"
        assert tag != "latest", f"{name}: {image} is not pinned"
        assert any(ch.isdigit() for ch in tag), f"{name}: {image} is not pinned to a version"
    for mount in compose["services"]["grafana"]["volumes"]:
        source = mount.split(":", 1)[0]
        if source.startswith("."):
            assert (DEPLOY / source).exists(), mount


def test_grafana_provisioning_points_at_the_built_dashboards() -> None:
    provider = yaml.safe_load((DEPLOY / "grafana/provisioning/dashboards/esc.yml").read_text())["providers"][
        0
    ]
    compose = yaml.safe_load((DEPLOY / "compose.yml").read_text())
    assert any(
        v.endswith(provider["options"]["path"] + ":ro") for v in compose["services"]["grafana"]["volumes"]
    )
    assert {p.name for p in (DEPLOY / "grafana" / "dashboards").glob("*.json")} == {
        f"esc-{m}.json" for m in MODULES
    }


def test_the_shipped_acl_equals_a_fresh_generation_from_the_sample_sites(tmp_path: Path) -> None:
    out = tmp_path / "acl"
    made = run_cli("esc-collector", "mosquitto", "acl", "--config", str(REPO / "collector" / "sample.toml"),
                   "--out", str(out))  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert out.read_text() == (DEPLOY / "mosquitto" / "acl").read_text()
    assert "user accueil-pc1@maurepas\ntopic write esc/v1/maurepas/accueil-pc1/#\n" in out.read_text()
