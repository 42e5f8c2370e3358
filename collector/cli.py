"""``esc-collector`` command line.

Exit codes: 0 success; 1 runtime failure; 2 configuration or usage error; 3 a damaged or
unreadable history (``esc-collector history recover``; systemd does not restart on it).
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import json
import logging
import re
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from agent.shared import cli
from collector.config import ENV_CONFIG, CollectorConfig, ConfigError, load_collector_config

if TYPE_CHECKING:
    from collector.sites import SitesFile

PROG = "esc-collector"
app = cli.new_app(
    PROG, "ESC Fleet collector: ingests agents' messages, exports /metrics, computes availability."
)


@app.callback()
def _root() -> None:
    """ESC Fleet collector."""


ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", envvar=ENV_CONFIG, help="Collector TOML file.", show_default=False),
]


def _fail(message: str, code: int) -> NoReturn:
    cli.fail(PROG, message, code)


def _load_sites(cfg: CollectorConfig) -> SitesFile:
    from collector.sites import load_sites  # noqa: PLC0415

    if cfg.sites.file is None:
        _fail("the collector configuration names no [sites] file", 2)
    try:
        return load_sites(cfg.sites.file)
    except ConfigError as err:
        _fail(str(err), 2)


def _load(config: Path | None, *, broker: str | None = None, listen: str | None = None) -> CollectorConfig:
    try:
        return load_collector_config(config).with_overrides(broker=broker, listen=listen)
    except ConfigError as err:
        _fail(str(err), 2)


@app.command()
def run(
    config: ConfigOption = None,
    broker: Annotated[
        str | None,
        typer.Option("--broker", help="Override the broker: mqtt://HOST:PORT or mqtts://HOST:PORT."),
    ] = None,
    listen: Annotated[str | None, typer.Option("--listen", help="HTTP address HOST:PORT.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug messages.")] = False,
) -> None:
    """Run the collector: MQTT ingestion, /metrics and /healthz, until SIGTERM or Ctrl-C."""
    from collector.service import CollectorService  # noqa: PLC0415

    cfg = _load(config, broker=broker, listen=listen)
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    stop = threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        logging.getLogger(__name__).info("signal %d: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    from agent.shared.salvage import EXIT_CORRUPT, CorruptDatabase  # noqa: PLC0415

    try:
        service = CollectorService(cfg)
    except CorruptDatabase as err:
        _fail(str(err), EXIT_CORRUPT)
    except OSError as err:
        _fail(f"cannot listen on {cfg.collector.listen}: {err.strerror}", 1)
    except ConfigError as err:
        _fail(str(err), 2)
    service.start()
    typer.echo(f"esc-collector: serving {service.url}/metrics", err=True)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        service.stop()


history_app = typer.Typer(help="The history database (history.sqlite3).", no_args_is_help=True)
app.add_typer(history_app, name="history")


@history_app.command("recover")
def history_recover(
    config: ConfigOption = None,
) -> None:
    """Save what can be read of a damaged history into a new file; the damaged one is kept, renamed.

    Stop the collector first (systemctl stop esc-collector).
    """
    from collector.recovery import recover_history  # noqa: PLC0415

    cli.recover(PROG, "history", _load(config).history.file, recover_history)


sites_app = typer.Typer(help="Sites, opening hours and services (sites.toml).", no_args_is_help=True)
app.add_typer(sites_app, name="sites")


@sites_app.command("validate")
def sites_validate(
    file: Annotated[Path | None, typer.Option("--file", "-f", help="The sites.toml to check.")] = None,
    config: ConfigOption = None,
) -> None:
    """Check a sites file (or the one the collector config names); exit 2 with the problem."""
    from collector.intervals import total  # noqa: PLC0415
    from collector.sites import Calendar, load_sites  # noqa: PLC0415

    if file is None:
        cfg = _load(config)
        if cfg.sites.file is None:
            _fail("the collector configuration names no [sites] file; pass --file", 2)
        file = cfg.sites.file
    try:
        sites = load_sites(file)
    except ConfigError as err:
        _fail(str(err), 2)
    now = time.time()
    for site_id, site in sites.sites.items():
        week = total(Calendar(site).open_intervals(now, now + 7 * 86_400)) / 3600
        services = ", ".join(f"{name} ({s.min_usable}/{len(s.members)})" for name, s in site.services.items())
        typer.echo(f"{site_id}: {site.name}, {week:g} h open in the next 7 days; services: {services or '-'}")
    typer.echo(f"{file}: {len(sites.sites)} site(s), valid")


def _sites_file(file: Path | None, config: Path | None) -> Path:
    if file is not None:
        return file
    cfg = _load(config)
    if cfg.sites.file is None:
        _fail("the collector configuration names no [sites] file; pass --file", 2)
    return cfg.sites.file


#: Open-data formats of ``esc-collector sites export``.
EXPORT_FORMATS = ("mediation-num",)


@sites_app.command("export")
def sites_export(
    output_format: Annotated[
        str,
        typer.Option(
            "--format", help="mediation-num: the national schema of digital-mediation places (CSV)."
        ),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Where to write (default: standard output).")
    ] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="The sites.toml to export.")] = None,
    config: ConfigOption = None,
    source: Annotated[
        str, typer.Option("--source", help="Who collected the data (the schema's 'source').")
    ] = "",
    day: Annotated[str | None, typer.Option("--date", help="date_maj, YYYY-MM-DD (default: today).")] = None,
    availability: Annotated[
        bool,
        typer.Option(
            "--availability", help="Add each service's real availability last month (needs --config)."
        ),
    ] = False,
) -> None:
    """Write the sites that describe themselves as places ([sites.<id>.lieu]) as open data."""
    from collector.opendata import availability_detail, export_mediation_num  # noqa: PLC0415
    from collector.sites import load_sites  # noqa: PLC0415

    if output_format not in EXPORT_FORMATS:
        _fail(f"--format {output_format}: choose {', '.join(EXPORT_FORMATS)}", 2)
    updated = _day(day, "--date") if day is not None else dt.date.today()
    if availability and config is None:
        _fail("--availability reads the history: pass --config", 2)
    path = _sites_file(file, config)
    try:
        sites = load_sites(path)
    except ConfigError as err:
        _fail(str(err), 2)
    details = None
    if availability:
        from collector.history import History  # noqa: PLC0415
        from collector.web.socle import socle_view  # noqa: PLC0415

        cfg = _load(config)
        if not cfg.history.file.exists():
            _fail(f"no history at {cfg.history.file}: has the collector run with this configuration?", 1)
        history = History(cfg.history.file)
        now = time.time()

        def details(site_id: str, site: object) -> str:
            view = socle_view(site_id, sites, history, now=now)
            promised = {p.key: p.now.ratio for p in view.promises if p.offered and p.now is not None}
            return availability_detail(sites.sites[site_id], promised, view.month)

    result = export_mediation_num(sites, updated=updated, source=source, details=details)
    if out is None:
        sys.stdout.write(result.text)
    else:
        try:
            out.write_text(result.text, encoding="utf-8")
        except OSError as err:
            _fail(f"cannot write {out}: {err.strerror}", 1)
    where = f" to {out}" if out is not None else ""
    typer.echo(f"{len(result.written)} place(s) written{where}: {', '.join(result.written) or '-'}", err=True)
    if result.skipped:
        typer.echo(f"left out (no [sites.<id>.lieu] table): {', '.join(result.skipped)}", err=True)


@sites_app.command("import-hours")
def sites_import_hours(
    source_file: Annotated[Path, typer.Argument(help="A mediation-num file (CSV or JSON) with 'horaires'.")],
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="The sites.toml to match (and --write).")
    ] = None,
    config: ConfigOption = None,
    site: Annotated[str | None, typer.Option("--site", help="Only this site.")] = None,
    place_id: Annotated[
        str | None, typer.Option("--id", help="The place's id in the file (with --site).")
    ] = None,
    write: Annotated[bool, typer.Option("--write", help="Write the hours into the sites file.")] = False,
    replace: Annotated[
        bool, typer.Option("--replace", help="With --write: overwrite hours that differ (a .bak is kept).")
    ] = False,
) -> None:
    """Read opening hours from a mediation-num file: print sites.toml lines, or write them (--write)."""
    from collector.opendata import HoursChange, check_hours, match, read_places, write_hours  # noqa: PLC0415
    from collector.sites import load_sites  # noqa: PLC0415

    if place_id is not None and site is None:
        _fail("--id names a place of the file for one site: pass --site too", 2)
    try:
        places = read_places(source_file)
    except (OSError, ValueError, csv.Error) as err:
        _fail(f"{source_file}: {err}", 2)
    if file is None and config is None:
        if write:
            _fail("--write needs the sites file: pass --file (or --config)", 2)
        for place in places:
            problem = check_hours(place.hours) if place.hours else "no opening hours"
            typer.echo(f"# {place.name} (id {place.id})" + (f": {problem}" if problem else ""))
            if not problem:
                typer.echo(f"opening_hours = {json.dumps(place.hours, ensure_ascii=False)}")
        return
    path = _sites_file(file, config)
    try:
        sites = load_sites(path)
    except ConfigError as err:
        _fail(str(err), 2)
    if site is not None and site not in sites.sites:
        _fail(f"--site {site}: not in {path}", 2)
    found = match(places, sites, only=site, place_id=place_id)
    problems = [
        f"{s}: {why}"
        for s, p in found.items()
        if (why := check_hours(p.hours) if p.hours else "no opening hours")
    ]
    if problems:
        _fail("; ".join(problems), 2)
    changes = [HoursChange(s, sites.sites[s].opening_hours, p.hours) for s, p in found.items()]
    for change in changes:
        typer.echo(f"[sites.{change.site}]")
        note = f"  # was {json.dumps(change.old, ensure_ascii=False)}" if change.changed else "  # unchanged"
        typer.echo(f"opening_hours = {json.dumps(change.new, ensure_ascii=False)}{note}")
    missing = sorted(set(sites.sites if site is None else [site]) - set(found))
    if missing:
        typer.echo(f"no place in {source_file} for: {', '.join(missing)}", err=True)
    if not write:
        return
    try:
        backup = write_hours(path, changes, replace=replace)
    except (ValueError, ConfigError) as err:
        _fail(str(err), 2)
    if backup is None:
        typer.echo(f"{path}: nothing to change", err=True)
    else:
        names = ", ".join(c.site for c in changes if c.changed)
        typer.echo(f"{path}: opening hours of {names} written; the previous file is {backup}", err=True)


alertmanager_app = typer.Typer(
    help="Alertmanager configuration generated from sites.toml.", no_args_is_help=True
)
app.add_typer(alertmanager_app, name="alertmanager")


@alertmanager_app.command("config")
def alertmanager_config(
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write alertmanager.yml.")],
    config: ConfigOption = None,
) -> None:
    """Write the Alertmanager routing (a route per site to its secretariat, one for technicians)."""
    from collector.alerting.routing import render_alertmanager  # noqa: PLC0415

    cfg = _load(config)
    sites = _load_sites(cfg)
    try:
        out.write_text(render_alertmanager(sites, cfg.alerting), encoding="utf-8")
    except OSError as err:
        _fail(f"cannot write {out}: {err.strerror}", 1)
    routed = sum(1 for s in sites.sites.values() if s.contact)
    typer.echo(f"{out}: {routed} secretariat route(s) and the technicians' route")


mosquitto_app = typer.Typer(help="Mosquitto's ACL generated from sites.toml.", no_args_is_help=True)
app.add_typer(mosquitto_app, name="mosquitto")


@mosquitto_app.command("acl")
def mosquitto_acl(
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the acl_file.")],
    collector_user: Annotated[
        list[str] | None,
        typer.Option(
            "--collector-user", help="A collector's broker account (repeat for several collectors)."
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Write the broker ACL: each agent account (<agent>@<site>) writes only under its site and id."""
    from collector.mosquitto import render_acl  # noqa: PLC0415

    cfg = _load(config)
    sites = _load_sites(cfg)
    users = collector_user or [cfg.broker.username or "collector"]
    try:
        out.write_text(render_acl(sites, users), encoding="utf-8")
    except OSError as err:
        _fail(f"cannot write {out}: {err.strerror}", 1)
    agents = sum(len(s.declared_agents()) for s in sites.sites.values())
    typer.echo(f"{out}: {agents} agent account(s) and {len(users)} collector account(s)")


alerts_app = typer.Typer(help="Prometheus alert rules generated from the vocabulary.", no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")


@alerts_app.command("build")
def alerts_build(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for esc.rules.yml (the repository's alerts/).")
    ],
) -> None:
    """Write the alert rules (deterministic: same tables, same bytes)."""
    from collector.alerting.rules import build  # noqa: PLC0415

    try:
        typer.echo(str(build(out)))
    except OSError as err:
        _fail(f"cannot write into {out}: {err.strerror}", 1)


http_app = typer.Typer(help="The HTTP server: status page accounts.", no_args_is_help=True)
app.add_typer(http_app, name="http")


@http_app.command("hash-password")
def http_hash_password() -> None:
    """Read a password (twice, hidden; or one line on standard input) and print its scrypt hash for [http] status_users."""
    from collector.passwords import hash_password  # noqa: PLC0415

    if sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 8:
        _fail("the password must have at least 8 characters", 2)
    typer.echo(hash_password(password))


def _plugins() -> None:
    """Add the command groups other packages declare (entry point group ``esc_fleet.collector_commands``).

    The dashboards package sits above the collector (it reads the metric descriptions), so the
    collector does not import it: ``dashboards`` registers ``esc-collector dashboards`` itself.
    """
    from importlib.metadata import entry_points  # noqa: PLC0415

    for entry in entry_points(group="esc_fleet.collector_commands"):
        try:
            app.add_typer(entry.load(), name=entry.name)
        except ImportError as err:  # an optional part not installed: its commands are absent
            logging.getLogger(__name__).debug("command group %s unavailable: %s", entry.name, err)


#: Output formats of the coordinator report.
REPORT_FORMATS = ("html", "pdf", "csv", "json")

_DAY_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def date_problem(value: str) -> str | None:
    """Return why ``value`` is not a day ``YYYY-MM-DD`` (``None`` when it is one).

    ``2026-11-31`` → ``November 2026 has 30 days``; ``2026-13-01`` → ``there is no month 13``.
    """
    match = _DAY_RE.match(value)
    if match is None:
        return "expected a date YYYY-MM-DD, e.g. 2026-11-01"
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        return f"there is no month {month} (months go from 01 to 12)"
    if year < 1:
        return "the year must be 0001 or later"
    length = calendar.monthrange(year, month)[1]
    if day < 1:
        return "days start at 01"
    if day > length:
        return f"{calendar.month_name[month]} {year} has {length} days"
    return None


def _day(value: str, option: str) -> dt.date:
    problem = date_problem(value)
    if problem is not None:
        _fail(f"{option} {value}: {problem}", 2)
    return dt.date.fromisoformat(value)


@app.command()
def report(
    date_from: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD (site's local time).")],
    date_to: Annotated[str, typer.Option("--to", help="Last day, included, YYYY-MM-DD.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the report.")],
    output_format: Annotated[str, typer.Option("--format", help="html, pdf, csv or json.")] = "html",
    site: Annotated[str | None, typer.Option("--site", help="Only this site.")] = None,
    config: ConfigOption = None,
) -> None:
    """Write the coordinator's availability report (in French) from the history."""
    from collector.report import render  # noqa: PLC0415
    from collector.report.build import build_report  # noqa: PLC0415

    if output_format not in REPORT_FORMATS:
        _fail(f"--format {output_format}: choose html, pdf, csv or json", 2)
    first, last = _day(date_from, "--from"), _day(date_to, "--to")
    if last < first:
        _fail(f"--to {last} is before --from {first}", 2)
    cfg = _load(config)
    sites = _load_sites(cfg)
    if site is not None and site not in sites.sites:
        _fail(f"--site {site}: not in {cfg.sites.file}", 2)
    if not cfg.history.file.exists():
        _fail(f"no history at {cfg.history.file}: has the collector run with this configuration?", 1)
    from agent.shared.salvage import EXIT_CORRUPT, CorruptDatabase  # noqa: PLC0415
    from collector.recovery import open_history  # noqa: PLC0415

    try:
        history = open_history(cfg.history.file)
    except CorruptDatabase as err:
        _fail(str(err), EXIT_CORRUPT)
    count = 1 if site else len(sites.sites)
    from rich.progress import Progress  # noqa: PLC0415 - shipped with typer

    with Progress(transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("calcul de la disponibilité", total=count)
        data = build_report(
            history, sites, first, last, only_site=site, blip_seconds=cfg.availability.blip_seconds,
            progress=lambda _site: bar.advance(task),
        )  # fmt: skip
        bar.update(task, description="mise en page")
        try:
            if output_format == "pdf":
                out.write_bytes(render.render_pdf(data))
            else:
                writer = {"html": render.render_html, "csv": render.render_csv, "json": render.render_json}
                out.write_text(writer[output_format](data), encoding="utf-8")
        except OSError as err:
            _fail(f"cannot write {out}: {err.strerror}", 1)
    history.close()
    typer.echo(f"report of {len(data.sites)} site(s), {first} to {last}, written to {out}")


@app.command()
def demo(
    listen: Annotated[
        str, typer.Option("--listen", help="HTTP address of the collector.")
    ] = "127.0.0.1:9780",
    embedded_broker: Annotated[
        bool,
        typer.Option("--embedded-broker", help="Use the embedded broker even where Mosquitto is installed."),
    ] = False,
    state: Annotated[
        Path,
        typer.Option("--state", help="Folder for the history, configurations and logs, kept after Ctrl-C."),
    ] = Path("demo-state"),
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Remove the state of an earlier run first (said, never silent).")
    ] = False,
) -> None:
    """Run a demo site on this machine: broker, collector and an agent, until Ctrl-C."""
    from collector.demo import run_demo  # noqa: PLC0415

    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    try:
        run_demo(listen=listen, embedded_broker=embedded_broker, state=state, fresh=fresh, out=typer.echo)
    except OSError as err:
        _fail(f"demo: {err}", 1)


def main() -> None:
    """Entry point of the ``esc-collector`` console script."""
    _plugins()
    sys.exit(cli.run_app(app, PROG))
