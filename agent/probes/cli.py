"""``esc-agent probes once`` and ``esc-agent network once``: one round now, printed (for installers).

Exit codes: 0 when everything is ``ok``; 1 when something is not (the label says what);
2 for a configuration error.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Annotated

import typer

from agent.cli_options import ConfigOption, fail, load
from agent.config import ConfigError
from agent.contract.messages import DeviceBody, replace, to_builtins

JsonOption = Annotated[bool, typer.Option("--json", help="Print the JSON observation(s) instead of text.")]

probes_app = typer.Typer(
    help="The internet link and the administrative sites (the probes section).", no_args_is_help=True
)
network_app = typer.Typer(
    help="Access points and routers over SNMP (the network entries).", no_args_is_help=True
)


def render_link(body: DeviceBody) -> str:
    """Return a probe round as text lines."""
    lines = [f"{body.device}: {body.label}"]
    link = body.link
    if link is not None:
        if link.gateway is not None:
            g = link.gateway
            answer = f"answered on port {g.port}" if g.answered else f"no answer ({g.error})"
            lines.append(f"  gateway {g.address}: {answer}")
        if link.dns is not None:
            d = link.dns
            failed = f" — {d.error}" if d.error else ""
            lines.append(f"  dns ({d.server}): {d.resolved}/{d.names} names resolved{failed}")
        for s in link.sites:
            outcome = f"HTTP {s.http_status}" if s.http_status is not None else s.error or "no answer"
            lines.append(f"  {s.function} ({s.host}): {outcome} in {s.seconds or 0:.2f} s")
        if link.wifi_logging is not None:
            w = link.wifi_logging
            lines.append(f"  wifi_logging ({w.method}): {w.result} — {'; '.join(w.evidence)}")
    lines += [f"  {f.function}: {f.state}" for f in body.functions]
    return "\n".join(lines)


def render_network(body: DeviceBody) -> str:
    """Return a network device's observation as text lines (interface names to declare)."""
    lines = [f"{body.device}: {body.label}"]
    status = body.network
    if status is None:
        lines.append(f"  {body.poll_error or 'no answer'}")
        return "\n".join(lines)
    lines.append(f"  {status.sys_descr or '(no sysDescr)'}; uptime {status.uptime_seconds or 0:.0f} s")
    clients = f"{status.clients} ({status.clients_source})" if status.clients is not None else "not exposed"
    lines.append(f"  Wi-Fi clients: {clients}")
    lines.append(f"  interfaces ({status.interfaces_total}):")
    for i in status.interfaces:
        speed = f"{i.speed_mbps} Mbit/s" if i.speed_mbps is not None else "-"
        lines.append(f"    {i.index:>5} {i.name:<24} admin {i.admin or '-':<8} oper {i.oper or '-':<8} {speed:<12} "
                     f"{i.role or ''}".rstrip())  # fmt: skip
    if status.missing_interfaces:
        lines.append(f"  declared but absent: {', '.join(status.missing_interfaces)}")
    return "\n".join(lines)


@probes_app.command("once")
def probes_once(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Probe the gateway, DNS, the sites and the Wi-Fi logging once and print the outcome."""
    cfg = load(config)
    if cfg.probes is None:
        fail("the configuration has no [probes] section", 2)
    from agent.probes.monitor import probe_once  # noqa: PLC0415

    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    try:
        body = probe_once(cfg)
    except ConfigError as err:
        fail(str(err), 2)
    typer.echo(json.dumps(to_builtins(body), ensure_ascii=False) if as_json else render_link(body))
    if body.state != "ok":
        raise typer.Exit(1)


@network_app.command("once")
def network_once(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Poll the configured access points and routers once and print what they show."""
    cfg = load(config)
    if not cfg.network:
        fail("the configuration has no [[network]] entry", 2)
    from agent.devices import poll_once  # noqa: PLC0415

    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    bodies = poll_once(replace(cfg, printers=(), scanners=()))
    if as_json:
        typer.echo(json.dumps([to_builtins(b) for b in bodies], ensure_ascii=False))
    else:
        typer.echo("\n".join(render_network(b) for b in bodies))
    if any(b.state != "ok" for b in bodies):
        raise typer.Exit(1)
