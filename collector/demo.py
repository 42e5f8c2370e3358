"""The demo site: a broker, the collector and an agent on this machine, until Ctrl-C.

Mosquitto is used where it is installed; otherwise an embedded amqtt broker (demo only:
production and tests use Mosquitto). The history, the configurations and the agent's log live in
a state folder (``./demo-state`` by default) that Ctrl-C keeps, so the printed commands still
work afterwards; the broker's and the simulator's files are temporary.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import logging
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from types import FrameType
from zoneinfo import ZoneInfo

from collector.config import load_collector_config
from collector.demolink import CAF_DOWN, CUT_INTERNET, WIFI_LOGGING_DOWN, DemoLink
from collector.history import History
from collector.service import CollectorService
from collector.sites import Calendar, load_sites

_LOGGER = logging.getLogger(__name__)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    msg = f"nothing listens on port {port} after {timeout:g} s"
    raise RuntimeError(msg)


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def start_broker(folder: Path, port: int, stack: ExitStack, *, embedded: bool = False) -> str:
    """Start Mosquitto (or the embedded amqtt broker, where Mosquitto is missing or ``embedded``)."""
    mosquitto = shutil.which("mosquitto") or (
        "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None
    )
    if mosquitto and not embedded:
        conf = folder / "mosquitto.conf"
        user = "user root\n" if _is_root() else ""  # as root, Mosquitto would drop to its own user
        conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n{user}")
        # A session of its own: Ctrl-C in the terminal reaches the demo only, which stops the
        # agent and the collector before the broker (no "lost the connection" on the way out).
        proc = subprocess.Popen(
            [mosquitto, "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        stack.callback(_terminate, proc)
        _wait_port(port)
        return "Mosquitto"
    _start_amqtt(port, stack)
    _wait_port(port)
    return "amqtt (embedded; install Mosquitto for the real broker)"


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _start_amqtt(port: int, stack: ExitStack) -> None:
    from amqtt.broker import Broker  # noqa: PLC0415 - demo-only dependency

    # amqtt logs our readiness probe and its own shutdown as errors; the demo needs neither.
    logging.getLogger("amqtt").setLevel(logging.CRITICAL)

    config = {
        "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{port}"}},
        "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
    }
    loop = asyncio.new_event_loop()
    broker = Broker(config, loop=loop)
    ready = threading.Event()

    def _run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(broker.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=_run, name="amqtt", daemon=True)
    thread.start()
    ready.wait(10)

    def _stop() -> None:
        asyncio.run_coroutine_threadsafe(broker.shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)

    stack.callback(_stop)


#: The demo site's printers: real recordings (tests/data/printers) served by snmpsim.
DEMO_PRINTERS: tuple[tuple[str, str, str], ...] = (
    ("hp-accueil", "jetdirect_m880", "copieur de l'accueil"),
    ("sharp-etage", "sharp", "copieur du 1er étage"),
    ("brother-salle", "brother", "imprimante de la salle informatique"),
    ("konica-bureau", "konica_c250i", "copieur du bureau"),
)
RECORDINGS = Path(__file__).resolve().parent.parent / "tests" / "data" / "printers"
#: The demo site's public Wi-Fi access point: a real UniFi recording (tests/data/network), its radios
#: and uplink as an installer declares them.
DEMO_ACCESS_POINT = ("borne-wifi", "unifi_nanohd", "la borne wifi de la salle", ("ra0", "rai0"), "eth0")
NETWORK_RECORDINGS = RECORDINGS.parent / "network"
#: The link's functions in the demo (its probes: DNS, the « CAF » and « Ameli » sites, the Wi-Fi logging).
DEMO_LINK_FUNCTIONS = ("internet", "site_caf", "site_ameli", "wifi_logging")


def start_simulator(folder: Path, stack: ExitStack, recordings: dict[str, str] | None = None) -> int | None:
    """Serve recordings with snmpsim; return its UDP port (None if unavailable).

    Args:
        folder: where the simulator's data and cache go.
        stack: stops the simulator when it closes.
        recordings: ``{community: snmprec text}``; default: the demo printers.
    """
    exe = Path(sys.executable).parent / "snmpsim-command-responder"
    if recordings is None:
        if not RECORDINGS.is_dir():
            return None
        recordings = {rec: (RECORDINGS / f"{rec}.snmprec").read_text() for _d, rec, _n in DEMO_PRINTERS}
    if not exe.exists():
        return None
    folder.chmod(0o711)  # let 'nobody' traverse to its own folder, nothing more
    sim = folder / "snmpsim"
    data, cache = sim / "data", sim / "cache"
    for path in (sim, data, cache):
        path.mkdir(exist_ok=True)
        path.chmod(0o777)  # as root, snmpsim drops to 'nobody'
    for community, text in recordings.items():
        target = data / f"{community}.snmprec"
        target.write_text(text)
        target.chmod(0o644)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    args = [
        str(exe),
        f"--data-dir={data}",
        f"--cache-dir={cache}",
        f"--agent-udpv4-endpoint=127.0.0.1:{port}",
    ]
    if _is_root():
        args += ["--process-user=nobody", "--process-group=nogroup"]
    log_path = sim / "snmpsim.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    stack.callback(_terminate, proc)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if "Listening at" in log_path.read_text(errors="replace"):
            return port
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    _LOGGER.warning("the SNMP simulator did not start; see %s", log_path)
    return None


DEMO_SITES = """
[sites.maurepas]
name = "ESC Maurepas"
opening_hours = "Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00; PH off"
contact = "secretariat.maurepas@example.org"

[sites.maurepas.devices.hp-accueil]
name = "le copieur de l'accueil"
functions = ["print", "scan"]

[sites.maurepas.devices.sharp-etage]
name = "le copieur du 1er étage"
functions = ["print", "scan"]

[sites.maurepas.devices.brother-salle]
name = "l'imprimante de la salle informatique"

[sites.maurepas.devices.konica-bureau]
name = "le copieur du bureau"
functions = ["print", "scan"]

[sites.maurepas.devices.borne-wifi]
name = "la borne wifi de la salle"
functions = ["wifi"]

[sites.maurepas.devices.internet]
name = "l'accès internet"
functions = ["internet", "site_caf", "site_ameli", "wifi_logging"]

[sites.maurepas.agents.accueil-pc1]
name = "le poste 1 de l'accueil"

[sites.maurepas.agents.borne-caf]
name = "la borne CAF"
needs = ["site_caf", "site_ameli"]

[sites.maurepas.services.impression]
devices = ["hp-accueil", "sharp-etage", "konica-bureau"]
min_usable = 1

[sites.maurepas.services.numerisation]
devices = ["sharp-etage"]

[sites.maurepas.services.postes]
pcs = ["accueil-pc1"]
needs = ["internet"]

[sites.maurepas.services.wifi]
devices = ["borne-wifi"]
needs = ["internet"]

[sites.maurepas.services.bornes]
pcs = ["borne-caf"]
needs = ["internet"]

[sites.maurepas.services.internet]
devices = ["internet"]

[sites.maurepas.lieu]
pivot = "12345678900017"
adresse = "12 rue de Maurepas"
code_postal = "35700"
commune = "Rennes"
code_insee = "35238"
services = ["Aide aux démarches administratives"]
modalites_accompagnement = ["Accompagnement individuel"]
frais_a_charge = ["Gratuit"]
"""

#: What can happen to a demo member on an open day: (reason, state, shortest, longest) in minutes.
_EVENTS: dict[str, tuple[tuple[str, str, int, int], ...]] = {
    "device": (
        ("jam", "down", 10, 90),
        ("toner_empty", "down", 60, 1500),
        ("unreachable", "down", 15, 120),
        ("toner_low", "degraded", 120, 2000),
        ("no_paper", "down", 10, 60),
        ("adf_jam", "down", 5, 45),
    ),
    "pc": (("pc_off", "down", 30, 300), ("lockdown_broken", "down", 60, 600)),
    "network": (
        ("wifi_down", "down", 5, 90),
        ("uplink_down", "down", 10, 120),
        ("unreachable", "down", 15, 120),
    ),
}

SeedRow = tuple[str, str, str, float, str, tuple[str, ...], str]


def seed_history(
    history: History,
    site_id: str,
    members: list[tuple[str, str]],
    start: float,
    end: float,
    *,
    functions: Mapping[str, Sequence[str]] | None = None,
    events: Mapping[str, str] | None = None,
) -> int:
    """Write a plausible, reproducible month of transitions (the demo's report has something to say).

    ``events`` names another event table of :data:`_EVENTS` for some members (``network``: an
    access point fails as one).

    Devices get one timeline per function they offer (``functions``): a reason affects only the
    functions the reason table says (no toner stops printing, not scanning). Time nobody observed
    (the PC running the agent was off) is left out of the coverage runs: it is « non mesuré ».
    """
    import random  # noqa: PLC0415

    from agent.contract.reasons import describe  # noqa: PLC0415

    rng = random.Random(f"{site_id}:{int(start) // 86400}")  # noqa: S311 - demo data, not security
    rows: list[SeedRow] = []
    for kind, member in members:
        offered = tuple((functions or {}).get(member, ("print",))) if kind == "device" else ("",)
        observed_from = start

        def add(moment: float, state: str, reasons: tuple[str, ...], *, offered: tuple[str, ...] = offered,
                member: str = member, kind: str = kind) -> None:  # fmt: skip
            for function in offered:
                hit = not reasons or not function or describe(reasons[0]).affects(function)
                rows.append(
                    (site_id, kind, member, moment, state if hit else "ok", reasons if hit else (), function)
                )

        add(start, "ok", ())
        moment = start
        while True:
            moment += rng.uniform(0.5, 4.0) * 86_400
            if moment >= end - 3_600:
                break
            if rng.random() < 0.15:  # a gap nobody observed (the PC running the agent was off)
                history.observed(site_id, kind, member, observed_from, moment)
                moment += rng.uniform(0.5, 3) * 3_600
                observed_from = moment
            else:
                reason, state, low, high = rng.choice(_EVENTS[(events or {}).get(member, kind)])
                add(moment, state, (reason,))
                moment += rng.uniform(low, high) * 60
            add(min(moment, end - 1), "ok", ())
        history.observed(site_id, kind, member, observed_from, end)
    return history.record_many(rows)


#: What can happen to the demo's link: (reason, the functions it stops, shortest, longest) in minutes.
#: The link's reasons stop ``internet`` and every site; a site's own stops that site only.
_LINK_EVENTS: tuple[tuple[str, tuple[str, ...], int, int], ...] = (
    ("internet_unreachable", ("internet", "site_caf", "site_ameli"), 20, 240),
    ("gateway_unreachable", ("internet", "site_caf", "site_ameli"), 10, 90),
    ("site_unreachable", ("site_caf",), 30, 300),
    ("site_http_error", ("site_ameli",), 15, 180),
    ("wifi_logging_failed", ("wifi_logging",), 60, 900),
)


def seed_link(
    history: History,
    site_id: str,
    device: str,
    start: float,
    end: float,
    *,
    calendar: Calendar,
    cut_in: tuple[float, float] | None = None,
) -> int:
    """Write a reproducible month of the link's functions: cuts, administrative sites down, logging failures.

    ``cut_in``: a period (the report's month) that gets one link cut of 1 h 30 at 10:00 on its
    first open weekday morning whatever the dice say, so the demo's report always has an
    external outage to report apart.
    """
    import random  # noqa: PLC0415

    rng = random.Random(f"{site_id}:{device}:link:{int(start) // 86400}")  # noqa: S311 - demo data
    events: list[tuple[float, float, str, tuple[str, ...]]] = []
    moment = start
    while True:
        moment += rng.uniform(1.5, 5.0) * 86_400
        if moment >= end - 3_600:
            break
        reason, functions, low, high = rng.choice(_LINK_EVENTS)
        events.append((moment, min(moment + rng.uniform(low, high) * 60, end - 1), reason, functions))
        moment = events[-1][1]
    if cut_in is not None:
        mornings = [s for s, _e in calendar.open_intervals(*cut_in) if s + 3 * 3600 < cut_in[1]]
        if mornings:
            cut = (mornings[0] + 3600, mornings[0] + 3600 + 5400)  # 10:00-11:30 on a 09:00 opening
            events = [e for e in events if e[1] <= cut[0] or e[0] >= cut[1]]
            events.append((*cut, "internet_unreachable", ("internet", "site_caf", "site_ameli")))
            events.sort()
    rows: list[SeedRow] = [(site_id, "device", device, start, "ok", (), f) for f in DEMO_LINK_FUNCTIONS]
    for begin, finish, reason, functions in events:
        rows += [(site_id, "device", device, begin, "down", (reason,), f) for f in functions]
        rows += [(site_id, "device", device, finish, "ok", (), f) for f in functions]
    history.observed(site_id, "device", device, start, end)
    return history.record_many(rows)


#: The demo printers' toners as their recordings show them, to seed a history the live readings
#: continue: (index, description, colour, level now; ``None``: the printer says « some remaining »).
DEMO_SUPPLIES: dict[str, tuple[tuple[str, str, str, float | None], ...]] = {
    "hp-accueil": (("1.1", "Black Cartridge 827A HP CF300A", "black", 92.0),
                   ("1.2", "Cyan Cartridge 827A HP CF301A", "cyan", 16.0)),
    "sharp-etage": (("1.4", "Black Toner", "black", 34.0), ("1.1", "Cyan Toner", "cyan", 55.0)),
    "brother-salle": (("1.1", "Black Toner Cartridge", "black", None),),
    "konica-bureau": (("1.4", "Toner (Black)", "black", 86.0), ("1.1", "Toner (Cyan)", "cyan", 76.0)),
}  # fmt: skip
#: Their serial and page counter now (``None``: the recording has none), and whether the printer
#: gives its cartridges' nominal yield in pages.
DEMO_COUNTERS: dict[str, tuple[str, int | None, bool]] = {
    "hp-accueil": ("", None, True), "sharp-etage": ("6509415X00", 121104, False),
    "brother-salle": ("", None, True), "konica-bureau": ("AA2M021115700", 33810, True),
}  # fmt: skip


def _open_instants(calendar: Calendar, start: float, end: float) -> list[tuple[float, bool]]:
    """Return an instant every open hour (and each closing), with whether the time before it was open."""
    out: list[tuple[float, bool]] = []
    for s, e in calendar.open_intervals(start, end):
        out.append((s, False))
        moment = s + 3600
        while moment < e:
            out.append((moment, True))
            moment += 3600
        out.append((e, True))
    return out


def seed_maintenance(
    history: History,
    site_id: str,
    start: float,
    end: float,
    *,
    calendar: Calendar,
    supplies: Mapping[str, Sequence[tuple[str, str, str, float | None]]] | None = None,
    counters: Mapping[str, tuple[str, int | None, bool]] | None = None,
    pcs: Sequence[str] = ("accueil-pc1",),
    lead_days: int = 10,
) -> int:
    """Write plausible, reproducible page counters, toner levels, cartridges and session counts.

    Printers print during opening hours only; each toner goes down with the pages and is replaced
    when nearly empty (a new cartridge), so the report has usage, replacements, real yields and
    forecasts to show; each cartridge gets its order notice the first open hour its days left fall
    to ``lead_days``. Levels are computed backwards from each toner's level now (``supplies``), so
    that live readings continue them without a false cartridge change. Returns the rows written.
    """
    import random  # noqa: PLC0415

    from collector.history import Cartridge  # noqa: PLC0415

    supplies = DEMO_SUPPLIES if supplies is None else supplies
    counters = DEMO_COUNTERS if counters is None else counters
    instants = _open_instants(calendar, start, end)
    if len(instants) < 2:
        return 0
    open_days = sum(e - s for s, e in calendar.open_intervals(start, end)) / 3600 / ((end - start) / 86_400)
    level_rows: list[tuple[str, str, str, int, float, float | None, str, int | None]] = []
    counter_rows: list[tuple[str, str, str, str, float, float, str]] = []
    written = 0
    for device, device_supplies in supplies.items():
        rng = random.Random(f"{site_id}:{device}:maintenance")  # noqa: S311 - demo data
        serial, pages_now, nominal = counters.get(device, ("", None, False))
        per_hour = rng.uniform(12, 45)
        printed = [0.0]
        for (before, _open), (moment, was_open) in itertools.pairwise(instants):
            span = (moment - before) / 3600 if was_open else 0.0
            printed.append(printed[-1] + per_hour * span * rng.uniform(0.5, 1.5))
        base = (pages_now - int(printed[-1])) if pages_now is not None else rng.randint(5_000, 90_000)
        pages = [base + int(p) for p in printed]
        counter_rows += [(site_id, "device", device, "pages", ts, float(v), serial)
                         for (ts, _o), v in zip(instants, pages, strict=True)]  # fmt: skip
        for index, description, colour, level_now in device_supplies:
            yield_pages = rng.choice((6_000, 7_500, 10_000)) * (1 if colour == "black" else 2)
            per_page = 100 / yield_pages
            # Backwards from the level now: each step back adds what was used; above 100, the
            # cartridge before it (nearly empty then) takes over.
            level = level_now if level_now is not None else rng.uniform(20, 80)
            factor = rng.uniform(0.9, 1.1)
            levels = [level]
            starts = []
            for i in range(len(instants) - 1, 0, -1):
                level += (pages[i] - pages[i - 1]) * per_page * factor
                if level > 99.5:
                    starts.append(i)
                    level = rng.uniform(1, 4)
                    factor = rng.uniform(0.9, 1.1)
                levels.append(level)
            levels.reverse()
            bounds = [0, *sorted(starts), len(instants)]
            precision = "exact" if level_now is not None else "presence"
            for seq, (first, last) in enumerate(itertools.pairwise(bounds), start=1):
                if first >= last:
                    continue
                shown = [round(v) for v in levels[first:last]]
                for i, value in zip(range(first, last), shown, strict=True):
                    state = (
                        "ok" if level_now is not None else ("empty" if levels[i] < 1 else "some_remaining")
                    )
                    level_rows.append((site_id, device, index, seq, instants[i][0],
                                       float(value) if level_now is not None else None, state, pages[i]))  # fmt: skip
                daily = per_page * per_hour * open_days  # points a day at this printer's pace
                # The notice: the first open hour its days left are down to the lead time.
                due = [i for i in range(first, min(last, len(instants) - 1))
                       if levels[i] / daily <= lead_days and instants[i + 1][1] and level_now is not None]  # fmt: skip
                order = (instants[due[0]][0], levels[due[0]] / daily) if due else None
                until = None
                if order is not None:
                    opened = calendar.open_intervals(order[0], order[0] + 86_400)
                    until = opened[0][1] if opened else order[0] + 3_600
                history.start_cartridge(
                    Cartridge(
                        site_id, device, index, seq, instants[first][0], "first" if seq == 1 else
                        ("level" if level_now is not None else "refill"), description, "toner", colour, precision,
                        float(shown[0]) if level_now is not None else None, pages[first],
                        yield_pages if nominal else None, serial,
                        instants[last][0] if last < len(instants) else None,
                        pages[last] if last < len(instants) else None,
                        order[0] if order else None, until, order[1] if order else None,
                    )
                )  # fmt: skip
                written += 1
    for pc in pcs:
        rng = random.Random(f"{site_id}:{pc}:sessions")  # noqa: S311 - demo data
        per_hour = rng.uniform(1.0, 3.0)
        count = 0
        for (before, _o), (moment, was_open) in itertools.pairwise(instants):
            if was_open:
                count += round(per_hour * (moment - before) / 3600 * rng.uniform(0.3, 1.7))
            counter_rows.append((site_id, "pc", pc, "session_starts", moment, float(count), repr(start)))
    written += history.record_supplies(level_rows)
    written += history.record_counters(counter_rows)
    return written


def printers_block(sim_port: int) -> str:
    """Return the demo agent's [[printers]] entries."""
    return (
        "".join(
            f'[[printers]]\nid = "{device}"\nname = "{name}"\nhost = "127.0.0.1"\nport = {sim_port}\n'
            f'community = "{recording}"\n'
            for device, recording, name in DEMO_PRINTERS
        )
        + "[devices]\ninterval = 15.0\n"
    )


def network_block(sim_port: int) -> str:
    """Return the demo agent's [[network]] entry: the access point, its radios and uplink declared."""
    device, recording, name, radios, uplink = DEMO_ACCESS_POINT
    return (
        f'[[network]]\nid = "{device}"\nname = "{name}"\nhost = "127.0.0.1"\nport = {sim_port}\n'
        f'community = "{recording}"\nwifi_interfaces = {json.dumps(list(radios))}\nuplink = "{uplink}"\n'
    )


def write_agent_config(folder: Path, *, site: str, agent: str, broker_port: int, extra: str = "") -> Path:
    """Write the demo agent's configuration."""
    path = folder / f"agent-{agent}.toml"
    path.write_text(
        f'[agent]\nsite = "{site}"\nid = "{agent}"\ninterval = 10.0\n'
        f'state_dir = "{folder / ("state-" + agent)}"\n'
        f'[broker]\nurl = "mqtt://127.0.0.1:{broker_port}"\n{extra}'
    )
    return path


#: The demo's state folder, relative to where the demo starts (``scripts/demo.sh``: the repository).
DEFAULT_STATE = Path("demo-state")
_SEEDED = "seeded.json"  # what the first run seeded, so that later runs print the same report


def report_month(now: float, tz: ZoneInfo) -> tuple[dt.date, dt.date]:
    """Return the first and last day of the calendar month before ``now`` in ``tz``.

    The demo seeds from the start of the month before that one (so the report has a previous
    period to compare with) until now, and prints the report command for this month: run in
    December 2026, ``--from 2026-11-01 --to 2026-11-30``, the README's example.
    """
    first_of_this = dt.datetime.fromtimestamp(now, tz).date().replace(day=1)
    last = first_of_this - dt.timedelta(days=1)
    return last.replace(day=1), last


def seed_start(now: float, tz: ZoneInfo) -> float:
    """Return where the demo's seeded history starts: midnight on the first day of the month before the report's."""
    first, _last = report_month(now, tz)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    return dt.datetime.combine(previous, dt.time(), tz).timestamp()


def _command(*args: str | Path) -> str:
    return shlex.join(str(a) for a in args)


def _prepare_state(state: Path, *, fresh: bool, out: Callable[[str], None]) -> dict[str, str] | None:
    """Create the state folder; return what an earlier run seeded there, if it is kept."""
    if fresh and state.exists():
        out(f"removing the earlier demo state in {state} (--fresh)")
        shutil.rmtree(state)
    state.mkdir(parents=True, exist_ok=True)
    if not (state / "history.sqlite3").exists():
        return None
    try:
        seeded = json.loads((state / _SEEDED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in seeded.items()} if isinstance(seeded, dict) else {}


def run_demo(
    *,
    listen: str,
    embedded_broker: bool = False,
    state: Path = DEFAULT_STATE,
    fresh: bool = False,
    out: Callable[[str], None] = print,
) -> None:
    """Run the demo until SIGINT/SIGTERM.

    What the printed commands need after Ctrl-C (history, configurations, the agent's log and
    outbox) lives in ``state`` and is kept: a later run continues its history; ``fresh``
    removes it first, saying so. The broker's and the simulator's files are temporary.
    """
    stop = threading.Event()

    def _on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    state = state.resolve()
    bin_dir = Path(sys.executable).parent  # the environment's scripts, as installed
    earlier = _prepare_state(state, fresh=fresh, out=out)
    with ExitStack() as stack:
        runtime = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="esc-demo-")))
        broker_port = _free_port()
        broker = start_broker(runtime, broker_port, stack, embedded=embedded_broker)
        sites_path = state / "sites.toml"
        sites_path.write_text(DEMO_SITES, encoding="utf-8")
        config_path = state / "collector.toml"
        config_path.write_text(
            f'[collector]\nname = "demo"\nlisten = "{listen}"\nstale_after = 35.0\n'
            f'[broker]\nurl = "mqtt://127.0.0.1:{broker_port}"\n'
            '[sites]\nfile = "sites.toml"\n[history]\npath = "history.sqlite3"\n',
            encoding="utf-8",
        )
        config = load_collector_config(config_path)
        assert config.sites.file is not None
        site = load_sites(config.sites.file).sites["maurepas"]
        now = time.time()
        if earlier is None:
            start = seed_start(now, site.tz)
            history = History(config.history.file)
            members = [("device", d) for d, _r, _n in DEMO_PRINTERS] + [("pc", "accueil-pc1")]
            members += [("device", DEMO_ACCESS_POINT[0]), ("pc", "borne-caf")]
            functions = {device: entry.functions for device, entry in site.devices.items()}
            count = seed_history(history, "maurepas", members, start, now - 60, functions=functions,
                                 events={DEMO_ACCESS_POINT[0]: "network"})  # fmt: skip
            month = report_month(now, site.tz)
            month_span = (dt.datetime.combine(month[0], dt.time(), site.tz).timestamp(),
                          dt.datetime.combine(month[1] + dt.timedelta(days=1), dt.time(), site.tz).timestamp())  # fmt: skip
            count += seed_link(history, "maurepas", "internet", start, now - 60, calendar=Calendar(site),
                               cut_in=month_span)  # fmt: skip
            # Page counters, toner levels, cartridges and session counts: the report's usage and consumables.
            seed_maintenance(history, "maurepas", start, now - 60, calendar=Calendar(site),
                             lead_days=site.order_lead_days)  # fmt: skip
            history.close()
            first, last = report_month(now, site.tz)
            seeded = {"from": dt.datetime.fromtimestamp(start, site.tz).date().isoformat(),
                      "to": dt.datetime.fromtimestamp(now, site.tz).strftime("%Y-%m-%d %H:%M"),
                      "report_from": first.isoformat(), "report_to": last.isoformat()}  # fmt: skip
            (state / _SEEDED).write_text(json.dumps(seeded, indent=2) + "\n", encoding="utf-8")
            history_line = f"{count} transitions seeded from {seeded['from']} to now, then live"
        else:
            first, last = report_month(now, site.tz)
            if "report_from" in earlier and "report_to" in earlier:
                first = dt.date.fromisoformat(earlier["report_from"])
                last = dt.date.fromisoformat(earlier["report_to"])
            earlier_text = (
                f"seeded from {earlier['from']} to {earlier['to']}" if "from" in earlier else "kept"
            )
            history_line = f"kept from an earlier run ({earlier_text}), continued live"
        service = CollectorService(config)
        service.start()
        stack.callback(service.stop)
        link = DemoLink(state, runtime, stack)
        recordings = None
        if RECORDINGS.is_dir() and NETWORK_RECORDINGS.is_dir():
            recordings = {rec: (RECORDINGS / f"{rec}.snmprec").read_text() for _d, rec, _n in DEMO_PRINTERS}
            recordings[DEMO_ACCESS_POINT[1]] = (
                NETWORK_RECORDINGS / f"{DEMO_ACCESS_POINT[1]}.snmprec"
            ).read_text()
        sim_port = start_simulator(runtime, stack, recordings)
        extra = printers_block(sim_port) + network_block(sim_port) if sim_port else ""
        agent_config = write_agent_config(
            state,
            site="maurepas",
            agent="accueil-pc1",
            broker_port=broker_port,
            extra=extra + link.probes_block(),
        )
        kiosk_config = write_agent_config(state, site="maurepas", agent="borne-caf", broker_port=broker_port)
        agent_log_path = state / "agent.log"
        agent_log = agent_log_path.open("ab")  # kept across runs, like the rest of the state
        stack.callback(agent_log.close)
        agent = subprocess.Popen(
            [str(bin_dir / "esc-agent"), "run", "--config", str(agent_config)],
            stdout=agent_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        stack.callback(_terminate, agent)
        kiosk_log = (state / "agent-borne-caf.log").open("ab")
        stack.callback(kiosk_log.close)
        kiosk = subprocess.Popen(
            [str(bin_dir / "esc-agent"), "run", "--config", str(kiosk_config)],
            stdout=kiosk_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        stack.callback(_terminate, kiosk)
        kept = "kept after Ctrl-C" + (", git-ignored" if (state.parent / ".git").exists() else "")
        out(f"ESC Fleet demo — site « maurepas » ({site.name})")
        out(f"  broker     : {broker} on mqtt://127.0.0.1:{broker_port}")
        out(f"  status page: {service.url}/site/maurepas  (secretariat's page, in French)")
        out(f"  metrics    : {service.url}/metrics")
        out(f"  health     : {service.url}/healthz")
        if sim_port:
            out(f"  printers   : {len(DEMO_PRINTERS)} simulated from real recordings (snmpsim, udp/{sim_port});"
                " their states show within a minute")  # fmt: skip
            out(f"  wifi       : {DEMO_ACCESS_POINT[2]}, simulated from a real UniFi recording (snmpsim)")
        else:
            out("  printers   : none (snmpsim not installed: pip install -e '.[demo]')")
        out(
            f"  internet   : probed every 30 s by the agent: the demo's own DNS server (udp/{link.dns_port}), "
            f"« CAF » and « Ameli » sites (https, port {link.sites_port}) and Wi-Fi logging status, on 127.0.0.1"
        )
        out(
            f"  socle      : {service.url}/site/maurepas/socle  (the promised services and their real "
            "availability last month, in the open)"
        )
        out(f"  history    : {history_line}")
        out(f"  state      : {state}  (history, configurations, agent log; {kept};")
        out("               delete it, or start the demo with --fresh, to begin again)")
        if sim_port:
            out("While the demo runs:")
            out("  $ " + _command(bin_dir / "esc-agent", "printer", "probe", f"127.0.0.1:{sim_port}",
                                  "--community", "sharp"))  # fmt: skip
        out(
            "To cut the demo's internet link, take the CAF's site down or break the Wi-Fi's logging "
            "(rm the file to undo; the probes see it within 30 s):"
        )
        for switch in (CUT_INTERNET, CAF_DOWN, WIFI_LOGGING_DOWN):
            out("  $ " + _command("touch", state / switch))
        out("Now or after Ctrl-C (the state folder stays):")
        out("  $ " + _command(bin_dir / "esc-collector", "report", "--config", config_path,
                              "--from", first.isoformat(), "--to", last.isoformat(), "--format", "pdf",
                              "--out", state / f"rapport-{first:%Y-%m}.pdf"))  # fmt: skip
        out("  $ " + _command(bin_dir / "esc-collector", "sites", "validate", "--file", sites_path))
        out("  $ " + _command(bin_dir / "esc-collector", "sites", "export", "--format", "mediation-num",
                              "--config", config_path, "--availability", "--out", state / "lieux-mediation-num.csv"))  # fmt: skip
        out("Ctrl-C stops everything.")
        while not stop.wait(1.0):
            if agent.poll() is not None:
                out(f"the demo agent exited with code {agent.returncode}; see {agent_log_path}")
                break
            if kiosk.poll() is not None:
                out(
                    f"the demo kiosk's agent exited with code {kiosk.returncode}; see {state / 'agent-borne-caf.log'}"
                )
                break
        out(f"stopping… (the state stays in {state})")
