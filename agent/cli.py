"""``esc-agent`` command line.

Exit codes: 0 success; 1 runtime failure (broker unreachable or refusing us);
2 configuration or usage error (one message naming the file, key and problem);
3 a damaged or unreadable outbox (``esc-agent outbox recover``; systemd does not restart on it).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from agent.cli_options import ConfigOption, fail, load
from agent.config import ConfigError
from agent.launch import PROG, run_command
from agent.probes.cli import network_app, probes_app
from agent.shared.cli import new_app, recover, run_app

app = new_app(PROG, "ESC Fleet agent: host health and site devices, published over MQTT.")


@app.callback()
def _root() -> None:
    """ESC Fleet agent."""


BrokerOption = Annotated[
    str | None,
    typer.Option("--broker", help="Override the broker: mqtt://HOST:PORT or mqtts://HOST:PORT."),
]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Log debug messages.")]


@app.command()
def run(config: ConfigOption = None, broker: BrokerOption = None, verbose: VerboseOption = False) -> None:
    """Run the agent until stopped (SIGTERM or Ctrl-C publish 'offline' first)."""
    # ``esc-agent run`` itself starts through agent.main without typer; agent.launch is the same code.
    code = run_command("run", config, broker, verbose)
    if code:
        raise typer.Exit(code)


@app.command()
def once(config: ConfigOption = None, broker: BrokerOption = None, verbose: VerboseOption = False) -> None:
    """Take one round of readings, publish them, wait for the broker's acknowledgements, exit."""
    code = run_command("once", config, broker, verbose)
    if code:
        raise typer.Exit(code)


@app.command()
def schema() -> None:
    """Print the JSON Schema of every message of the wire contract."""
    from agent.contract.messages import json_schemas  # noqa: PLC0415

    typer.echo(json.dumps(json_schemas(), indent=2, sort_keys=True))


outbox_app = typer.Typer(
    help="The durable outbox (outbox.sqlite3 in the state folder).", no_args_is_help=True
)
app.add_typer(outbox_app, name="outbox")


@outbox_app.command("recover")
def outbox_recover(
    config: ConfigOption = None,
) -> None:
    """Save what can be read of a damaged outbox into a new file; the damaged one is kept, renamed.

    Stop the agent first. The agent then starts a new epoch (the collector accepts it).
    """
    from agent.recovery import recover_outbox  # noqa: PLC0415
    from agent.runner import OUTBOX_FILE  # noqa: PLC0415

    recover(PROG, "outbox", load(config).state_dir / OUTBOX_FILE, recover_outbox)


printer_app = typer.Typer(help="Printers and MFPs over SNMP.", no_args_is_help=True)
app.add_typer(printer_app, name="printer")


@printer_app.command("probe")
def printer_probe(
    address: Annotated[str, typer.Argument(help="HOST or HOST:PORT of the printer.")],
    community: Annotated[str | None, typer.Option("--community", help="SNMP v2c community.")] = None,
    v3_user: Annotated[str | None, typer.Option("--v3-user", help="SNMP v3 user (selects v3).")] = None,
    v3_auth_key: Annotated[
        str | None, typer.Option("--v3-auth-key", help="SNMP v3 authentication key.")
    ] = None,
    v3_priv_key: Annotated[str | None, typer.Option("--v3-priv-key", help="SNMP v3 privacy key.")] = None,
    v3_auth_protocol: Annotated[
        str, typer.Option("--v3-auth-protocol", help="SHA, SHA256, SHA512, MD5.")
    ] = "SHA",
    v3_priv_protocol: Annotated[str, typer.Option("--v3-priv-protocol", help="AES, AES256, DES.")] = "AES",
    v3_context: Annotated[str, typer.Option("--v3-context", help="SNMP v3 context name.")] = "",
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, max=30, help="Seconds per request.")] = 2.0,
    retries: Annotated[int, typer.Option("--retries", min=0, max=5, help="Retries per request.")] = 1,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the JSON document instead of tables.")
    ] = False,
) -> None:
    """Poll one printer now and print its normalised status (exit 1 when it does not answer)."""
    from agent.printers.poller import SnmpTarget  # noqa: PLC0415
    from agent.printers.probe import probe, render_text  # noqa: PLC0415

    host, _, port_text = address.rpartition(":") if address.count(":") == 1 else (address, "", "")
    if not port_text.isdigit() and port_text:
        fail(f"invalid port in {address!r}", 2)
    if v3_user is None and community is None:
        fail("give --community for SNMP v2c, or --v3-user (and keys) for SNMP v3", 2)
    if v3_auth_protocol not in ("SHA", "SHA256", "SHA512", "MD5") or v3_priv_protocol not in (
        "AES",
        "AES256",
        "DES",
    ):
        fail("unknown --v3-auth-protocol or --v3-priv-protocol", 2)
    target = SnmpTarget(
        host=host or address,
        port=int(port_text) if port_text else 161,
        version="3" if v3_user else "2c",
        community=community or "",
        v3_user=v3_user,
        v3_auth_key=v3_auth_key,
        v3_priv_key=v3_priv_key,
        v3_auth_protocol=v3_auth_protocol,  # type: ignore[arg-type]
        v3_priv_protocol=v3_priv_protocol,  # type: ignore[arg-type]
        v3_context=v3_context,
        timeout=timeout,
        retries=retries,
    )
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    document = probe(target)
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False) if as_json else render_text(document))
    if not document["reachable"]:
        raise typer.Exit(1)


app.add_typer(probes_app, name="probes")
app.add_typer(network_app, name="network")

lockdown_app = typer.Typer(
    help="Kiosk lockdown integrity: policy checks, baseline and drift.", no_args_is_help=True
)
app.add_typer(lockdown_app, name="lockdown")

PolicyOption = Annotated[Path, typer.Option("--policy", "-p", help="Lockdown policy TOML.")]
RootOption = Annotated[
    Path, typer.Option("--root", help="Check the files of another root (a mounted disk image, a test tree).")
]


@lockdown_app.command("baseline")
def lockdown_baseline(
    policy: PolicyOption,
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the baseline JSON.")],
    root: RootOption = Path("/"),
) -> None:
    """Record the SHA-256 of the policy's files, for later drift checks."""
    from agent.lockdown.baseline import Baseline  # noqa: PLC0415
    from agent.lockdown.policy import load_policy  # noqa: PLC0415
    from agent.lockdown.run import make_context  # noqa: PLC0415

    try:
        loaded = load_policy(policy)
    except ConfigError as err:
        fail(str(err), 2)
    if loaded.files is None:
        fail(f"{policy}: the policy has no [files] section: nothing to record", 2)
    baseline = Baseline.record(loaded.policy.profile, loaded.files.paths, make_context(root=root))
    try:
        out.write_text(baseline.to_json(), encoding="utf-8")
    except OSError as err:
        fail(f"cannot write {out}: {err.strerror}", 2)
    missing = sum(1 for v in baseline.files.values() if v is None)
    typer.echo(f"baseline of {len(baseline.files)} file(s) written to {out} ({missing} absent)")


@lockdown_app.command("check")
def lockdown_check(
    policy: PolicyOption,
    baseline: Annotated[
        Path | None, typer.Option("--baseline", "-b", help="Baseline JSON to compare.")
    ] = None,
    root: RootOption = Path("/"),
    windows_recording: Annotated[
        Path | None,
        typer.Option(
            "--windows-recording", help="Check a recorded Windows (registry.reg + CIM answers) offline."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON document.")] = False,
) -> None:
    """Run the policy's checks: exit 0 intact, 1 broken, 2 policy or usage error."""
    from agent.lockdown.policy import load_policy  # noqa: PLC0415
    from agent.lockdown.run import check, make_context, render_json, render_text  # noqa: PLC0415

    try:
        loaded = load_policy(policy)
        ctx = make_context(root=root, baseline=baseline, windows_recording=windows_recording)
    except ConfigError as err:
        fail(str(err), 2)
    except (OSError, ValueError) as err:
        fail(f"--windows-recording: {err}", 2)
    if not root.is_dir():
        fail(f"--root {root}: not a folder", 2)
    body = check(loaded, ctx)
    typer.echo(render_json(body) if as_json else render_text(body))
    if not body.intact:
        raise typer.Exit(1)


def main() -> None:
    """Entry point of the ``esc-agent`` console script (``agent.main.main`` is the installed one)."""
    sys.exit(run_app(app, PROG))
