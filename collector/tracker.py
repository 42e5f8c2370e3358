"""Availability, at event time into the history and live into the counters.

Two jobs, one place:

* :meth:`Tracker.observe` — for each accepted message, before it is acknowledged: the states of
  the members it is about (a device by each function its services need, a PC) recorded in the
  history at the instant the agent observed them (guarded by ``collector.ingest``), and the time
  it covers (``History.observed``). « Non mesuré » in reports is time no observation covered, so
  readings that arrive late (outbox replay, broker queue after a collector restart) still count.
* the maintenance half, at event time too: each printer's supply levels, cartridges, forecasts
  and order notices (:class:`collector.supplies.SupplyBook`), and the counters people count —
  pages printed, sessions opened (:class:`collector.usage.CounterRecorder`);
* :meth:`Tracker.evaluate` — on a timer: the live state of every declared service (the k-of-n
  rule over members that exist now) and the per site and service open, available, unknown and
  maintenance seconds Prometheus scrapes as counters. The counters are a live view: what was
  known when the time passed; the report, computed from the history, is authoritative
  (``docs/decisions.md``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from agent.contract.messages import (
    DeviceMessage,
    HostMessage,
    LockdownMessage,
    PrinterStatus,
    StatusMessage,
    Supply,
)
from collector.availability import MemberState, Transition, Usability, needs_state, service_state
from collector.history import History
from collector.ingest import Accepted
from collector.intervals import intersect, subtract, total
from collector.members import member_now
from collector.sites import Calendar, Site, SitesFile
from collector.state import FleetState
from collector.supplies import SupplyBook, SupplySettings
from collector.usage import PAGES, SESSION_STARTS, CounterRecorder

_LOGGER = logging.getLogger(__name__)

Snapshot = tuple[dict[str, bool], dict[tuple[str, str], Usability], dict[tuple[str, str, str], float]]
COUNTER_NAMES = ("open", "available", "unknown", "maintenance")
HEARTBEAT_KEY = "last_alive"
INF = float("inf")
#: State of agents and devices silent for longer than this is dropped from memory.
PRUNE_SILENT_AFTER = 7 * 86_400.0


class Tracker:
    """Availability of every declared service."""

    def __init__(
        self,
        sites: SitesFile,
        fleet: FleetState,
        history: History,
        *,
        stale_after: float,
        now: float,
        supplies: SupplySettings | None = None,
    ) -> None:
        """Load the persisted counters, the supplies' cartridges and the counters' last readings."""
        self.sites = sites
        self.fleet = fleet
        self.history = history
        self.stale_after = stale_after
        self.calendars = {site_id: Calendar(site) for site_id, site in sites.sites.items()}
        self.counters = history.load_counters()
        self.services: dict[tuple[str, str], Usability] = {}
        self.last_eval: dict[str, float] = {}
        self.lock = threading.RLock()
        self.started = now
        self.supplies = SupplyBook(history, sites, calendars=self.calendars, settings=supplies)
        self.usage = CounterRecorder(history, sample_every=self.supplies.settings.sample_every)
        #: (site, device) -> last reading passed to the supply book: (at, newest at, supplies, serial).
        self._supply_readings: dict[tuple[str, str], tuple[float, float, tuple[Supply, ...], str | None]] = {}
        #: (site, device) -> the functions it is recorded by (the sites file does not change).
        self._functions_of: dict[tuple[str, str], tuple[str, ...]] = {}

    # ------------------------------------------------------------------ event time
    def observe(self, accepted: Accepted) -> None:
        """Write the history effects of one accepted message (one transaction).

        Raises:
            sqlite3.Error, OSError: when the history cannot be written (the caller must not
                acknowledge the message).
        """
        with self.history.batch():
            self.observe_in_batch(accepted)

    def observe_in_batch(self, accepted: Accepted) -> None:
        """Write the history effects of one accepted message inside the caller's ``history.batch()``.

        Raises:
            sqlite3.Error, OSError: when the history cannot be written.
        """
        message = accepted.message
        site = self.sites.sites.get(message.site)
        if site is None:
            return
        if isinstance(message, DeviceMessage):
            self._device(site, message, accepted.at)
        elif isinstance(message, HostMessage | LockdownMessage):
            self._pc_data(site, message, accepted)
        elif isinstance(message, StatusMessage):
            self._pc_status(site, message, accepted)

    def _functions(self, site: Site, site_id: str, device: str) -> tuple[str, ...]:
        """Return the functions a device is recorded by: its services' and the link's its members need."""
        known = self._functions_of.get((site_id, device))
        if known is None:
            functions = {
                (site.function_of(name) or "")
                for name, service in site.service_items()
                if device in service.devices
            } | site.needed_functions(device)  # the link's functions members need (docs/design.md §5)
            known = self._functions_of[(site_id, device)] = tuple(sorted(functions))
        return known

    def _device(self, site: Site, message: DeviceMessage, at: float) -> None:
        body = message.body
        device = body.device
        for function in self._functions(site, message.site, device):
            state = body.function_state(function) if function else body.state
            reasons = tuple(
                r.code for r in body.reasons
                if not function or (function in r.functions if r.functions else _affects(r.code, function))
            )  # fmt: skip
            self.history.record(message.site, "device", device, at, state, reasons, function=function)
        self.history.observed(message.site, "device", device, at, at + self.stale_after)
        printer = body.printer
        if printer is not None:
            if self._supplies_changed(message.site, device, printer, at):
                self.supplies.observe(message.site, device, printer, at)
            if printer.page_count is not None:
                # Another printer behind the same id (its serial) starts the counter over.
                self.usage.observe(
                    message.site, "device", device, PAGES, at, printer.page_count, printer.serial or ""
                )

    def _supplies_changed(self, site_id: str, device: str, printer: PrinterStatus, at: float) -> bool:
        """Return whether a printer reading must go to the supply book.

        Most readings repeat the last one's supplies: the book would only move their « last
        seen » instant, and keep a sample (and forecast) once per ``sample_every``. Such a
        reading is passed on once per ``sample_every`` of event time (so the samples keep their
        pace; ``tick`` gives due order notices meanwhile); any change of a supply or of the
        printer's serial is passed on at once. A reading older than the newest one is not passed
        on: the book would ignore it (« replayed late »).
        """
        key = (site_id, device)
        last = self._supply_readings.get(key)
        if last is not None:
            passed_at, newest, supplies, serial = last
            if at < newest:
                return False
            recheck = self.supplies.settings.sample_every
            if supplies == printer.supplies and serial == printer.serial and at - passed_at < recheck:
                self._supply_readings[key] = (passed_at, at, supplies, serial)
                return False
        self._supply_readings[key] = (at, at, printer.supplies, printer.serial)
        return True

    def _is_pc(self, site: Site, agent: str) -> bool:
        return any(agent in service.pcs for service in site.services.values())

    def _pc_data(self, site: Site, message: HostMessage | LockdownMessage, accepted: Accepted) -> None:
        agent_id, at = message.agent, accepted.at
        if isinstance(message, HostMessage) and message.body.session_starts_total is not None:
            since = message.body.session_starts_since
            self.usage.observe(message.site, "pc", agent_id, SESSION_STARTS, at, message.body.session_starts_total,
                               "" if since is None else repr(since))  # fmt: skip
        if not self._is_pc(site, agent_id):
            return
        if accepted.was_offline:
            self.history.close_run(message.site, "pc", agent_id, at)  # the offline run ends: it is back
        with self.fleet.lock:
            lockdown = self.fleet.agents[(message.site, agent_id)].lockdown
        state: MemberState = "ok"
        reasons: tuple[str, ...] = ()
        if lockdown is not None and not lockdown.intact:
            state, reasons = "down", ("lockdown_broken",)
        self.history.record(message.site, "pc", agent_id, at, state, reasons)
        self.history.observed(message.site, "pc", agent_id, at, at + self.stale_after)

    def _pc_status(self, site: Site, message: StatusMessage, accepted: Accepted) -> None:
        agent_id, at = message.agent, accepted.at
        if message.body.state == "offline":
            if message.body.reason == "clean_stop":
                # It stopped watching its devices now: their observed time ends, unless another agent
                # watches them. A lost connection (Will) proves nothing of the kind: the agent may
                # still be polling into its outbox (a broker restart), and if it died its last
                # readings cover stale_after at most, as they do live.
                with self.fleet.lock:
                    alone = [
                        device for (dev_site, device), record in self.fleet.devices.items()
                        if dev_site == message.site and set(record.observations) == {agent_id}
                    ]  # fmt: skip
                for device in alone:
                    self.history.close_run(message.site, "device", device, at)
            if self._is_pc(site, agent_id):
                self.history.record(message.site, "pc", agent_id, at, "down", ("pc_off",))
                # A PC that said it stops is known to be off until it says otherwise.
                self.history.observed(message.site, "pc", agent_id, at, INF)
        elif accepted.was_offline and self._is_pc(site, agent_id):
            self.history.close_run(message.site, "pc", agent_id, at)
            self.history.record(message.site, "pc", agent_id, at, "ok", ())
            self.history.observed(message.site, "pc", agent_id, at, at + self.stale_after)

    # ------------------------------------------------------------------ live
    def member_state(
        self, site: str, kind: str, member: str, now: float, function: str | None = None
    ) -> tuple[MemberState, tuple[str, ...]]:
        """Return a member's state now, with its reason codes (call with the fleet lock held)."""
        declared = self.sites.sites[site].member(kind, member) if site in self.sites.sites else None
        if declared is not None:
            born, retired = declared.life(self.sites.sites[site].tz)
            if not born <= now < retired:
                return "absent", ()
        current = member_now(self.fleet, site, kind, member, now, self.stale_after, function)
        return current.state, current.reasons

    def evaluate(self, now: float, sites: list[str] | None = None) -> None:
        """Bring the given sites (all by default) up to ``now``: live states and counters."""
        with self.fleet.lock, self.lock:
            for site_id in sites if sites is not None else list(self.sites.sites):
                if site_id in self.sites.sites:
                    self._evaluate_site(site_id, now)

    def _evaluate_site(self, site_id: str, now: float) -> None:
        site = self.sites.sites[site_id]
        calendar = self.calendars[site_id]
        previous = self.last_eval.get(site_id)
        if previous is not None and now > previous:
            opened = calendar.open_intervals(previous, now)
            for name in site.services:
                maintenance = intersect(opened, calendar.maintenance(name))
                measured = total(subtract(opened, maintenance))
                during = self.services.get((site_id, name), "unknown")
                self._add(site_id, name, "open", total(opened))
                self._add(site_id, name, "maintenance", total(maintenance))
                if during == "up":
                    self._add(site_id, name, "available", measured)
                elif during == "unknown":
                    self._add(site_id, name, "unknown", measured)
        for service_name, service in site.service_items():
            function = site.function_of(service_name)
            states = [
                self._needing_state(site, site_id, service_name, kind, member, now, function)
                for kind, member in service.members
            ]
            self.services[(site_id, service_name)] = service_state(states, service.min_usable)
        self.last_eval[site_id] = now

    def _needing_state(
        self, site: Site, site_id: str, service: str, kind: str, member: str, now: float, function: str | None
    ) -> MemberState:
        """Return a member's state now, down while something it needs is down (the report's rule)."""
        own = self.member_state(site_id, kind, member, now, function if kind == "device" else None)
        needs = site.needs_of(service, kind, member)
        if not needs or own[0] == "absent":
            return own[0]
        required: list[list[Transition | None]] = []
        sites: list[Transition | None] = []
        for needed in needs:
            alternatives: list[Transition | None] = [
                Transition(now, *self.member_state(site_id, "device", provider, now, needed))
                for provider in site.providers(needed)
            ]
            if needed.startswith("site_"):
                sites.extend(alternatives)
            else:
                required.append(alternatives)
        if sites:
            required.append(sites)
        return needs_state(Transition(now, *own), required)[0]

    def _add(self, site: str, service: str, name: str, seconds: float) -> None:
        for counter in COUNTER_NAMES:  # every series exists from the start, at zero
            self.counters.setdefault((site, service, counter), 0.0)
        self.counters[(site, service, name)] += seconds

    def checkpoint(self, now: float) -> None:
        """Persist the counters and the heartbeat."""
        with self.lock:
            counters = dict(self.counters)
        self.history.save_counters(counters)
        self.history.set_meta(HEARTBEAT_KEY, repr(now))

    def snapshot(self, now: float) -> Snapshot:
        """Return (site open now, service states, counters) for the exporter."""
        with self.lock:
            opened = {site_id: calendar.is_open(now) for site_id, calendar in self.calendars.items()}
            services = dict(self.services)
            for site_id, site in self.sites.sites.items():
                for name in site.services:
                    services.setdefault((site_id, name), "unknown")
            return opened, services, dict(self.counters)

    def prune(self, now: float, forget: Callable[[str, str], None] | None = None) -> int:
        """Forget agents and devices silent for longer than :data:`PRUNE_SILENT_AFTER`; return how many."""
        limit = now - PRUNE_SILENT_AFTER
        with self.fleet.lock:
            agents = [key for key, agent in self.fleet.agents.items() if agent.last_seen < limit]
            for key in agents:
                del self.fleet.agents[key]
                if forget is not None:
                    forget(*key)
            devices = [
                key for key, record in self.fleet.devices.items()
                if all(o.seen_at < limit for o in record.observations.values())
            ]  # fmt: skip
            for key in devices:
                del self.fleet.devices[key]
        return len(agents) + len(devices)


def _affects(code: str, function: str) -> bool:
    from agent.contract.reasons import describe  # noqa: PLC0415

    return describe(code).affects(function)


class TrackerLoop(threading.Thread):
    """Evaluate every site on a timer, checkpoint, and prune old history and silent state once a day."""

    def __init__(
        self,
        tracker: Tracker,
        *,
        every: float,
        retention_seconds: float,
        clock: Callable[[], float],
        forget: Callable[[str, str], None] | None = None,
    ) -> None:
        """Prepare the loop."""
        super().__init__(name="tracker", daemon=True)
        self.tracker = tracker
        self.every = every
        self.retention_seconds = retention_seconds
        self.clock = clock
        self.forget = forget
        self.stopping = threading.Event()
        self._last_prune = 0.0

    def run(self) -> None:
        """Tick until stopped."""
        while not self.stopping.wait(self.every):
            self.tick()

    def tick(self) -> None:
        """One evaluation round."""
        now = self.clock()
        try:
            self.tracker.evaluate(now)
            self.tracker.supplies.tick(now)
            self.tracker.checkpoint(now)
            if now - self._last_prune > 86_400:
                pruned = self.tracker.history.prune(now - self.retention_seconds)
                forgotten = self.tracker.prune(now, self.forget)
                self._last_prune = now
                if pruned or forgotten:
                    _LOGGER.info(
                        "pruned %d old transition(s) and %d silent agent(s)/device(s)", pruned, forgotten
                    )
        except Exception:  # the loop must outlive a bad round
            _LOGGER.exception("availability evaluation failed")

    def stop(self) -> None:
        """Stop, then write a last checkpoint."""
        self.stopping.set()
        if self.is_alive():
            self.join(10)
        try:
            self.tracker.checkpoint(self.clock())
        except Exception:  # a full disk at shutdown must not hide the cause in a traceback
            _LOGGER.exception("last checkpoint failed")
