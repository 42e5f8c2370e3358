"""Live availability: member and service states now, their transitions, and the time counters.

The tracker turns the fleet state into the declared services' states (``sites.toml``), records
every transition in the history, and accumulates per site and service the open, available,
unknown and maintenance seconds that Prometheus scrapes as counters. It runs after every
accepted message (so a transition is durable before the message is acknowledged) and on a
timer (so that silence turns into ``unknown`` even when nothing arrives).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from collector.availability import MemberState, Transition, Usability, down_causes, service_state
from collector.history import History
from collector.sites import Calendar, SitesFile, intersect, subtract, total
from collector.state import FleetState

_LOGGER = logging.getLogger(__name__)

Snapshot = tuple[dict[str, bool], dict[tuple[str, str], Usability], dict[tuple[str, str, str], float]]
COUNTER_NAMES = ("open", "available", "unknown", "maintenance")
HEARTBEAT_KEY = "last_alive"


class Tracker:
    """Availability of every declared service, live."""

    def __init__(
        self,
        sites: SitesFile,
        fleet: FleetState,
        history: History,
        *,
        stale_after: float,
        now: float,
    ) -> None:
        """Load counters, and mark the time the collector was away as unknown in the history."""
        self.sites = sites
        self.fleet = fleet
        self.history = history
        self.stale_after = stale_after
        self.calendars = {site_id: Calendar(site) for site_id, site in sites.sites.items()}
        self.counters = history.load_counters()
        self.services: dict[tuple[str, str], Usability] = {}
        self.last_eval: dict[str, float] = {}
        self.lock = threading.RLock()
        self._close_gap(now)

    def _close_gap(self, now: float) -> None:
        """Nobody watched while the collector was stopped: that time is unknown, not 'as before'."""
        heartbeat = self.history.get_meta(HEARTBEAT_KEY)
        if heartbeat is None:
            return
        at = min(float(heartbeat), now)
        for site_id, site in self.sites.sites.items():
            keys: list[tuple[str, str]] = [("service", name) for name in site.services]
            keys += [(kind, member) for service in site.services.values() for kind, member in service.members]
            for kind, member in keys:
                last = self.history.last_state(site_id, kind, member)
                if last is not None and last != "unknown":
                    self.history.record(site_id, kind, member, at, "unknown", ("collector_stopped",))

    # ------------------------------------------------------------------ members
    def member_state(
        self, site: str, kind: str, member: str, now: float
    ) -> tuple[MemberState, tuple[str, ...]]:
        """Return a member's state now, with its reason codes (call with the fleet lock held)."""
        if kind == "device":
            record = self.fleet.devices.get((site, member))
            current = record.current(self.fleet, now, self.stale_after) if record else None
            if current is None:
                return "unknown", ()
            return current.body.state, tuple(r.code for r in current.body.reasons)
        agent = self.fleet.agents.get((site, member))
        if agent is None:
            return "unknown", ()
        if agent.status == "offline" and agent.status_at >= agent.data_at:
            return "down", ("pc_off",)
        if not agent.is_up(now, self.stale_after):
            return "unknown", ()
        if agent.lockdown is not None and not agent.lockdown.intact:
            return "down", ("lockdown_broken",)
        return "ok", ()

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, now: float, sites: list[str] | None = None) -> None:
        """Bring the given sites (all by default) up to ``now``."""
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
        for name, service in site.services.items():
            current = []
            for kind, member in service.members:
                member_state, reasons = self.member_state(site_id, kind, member, now)
                self.history.record(site_id, kind, member, now, member_state, reasons)
                current.append(Transition(now, member_state, reasons))
            usable = service_state((c.state for c in current), service.min_usable)
            causes = down_causes(current) if usable == "down" else ()
            stored = {"up": "ok", "down": "down", "unknown": "unknown"}[usable]
            self.history.record(site_id, "service", name, now, stored, causes)
            self.services[(site_id, name)] = usable
        self.last_eval[site_id] = now

    def _add(self, site: str, service: str, name: str, seconds: float) -> None:
        for counter in COUNTER_NAMES:  # every series exists from the start, at zero
            self.counters.setdefault((site, service, counter), 0.0)
        self.counters[(site, service, name)] += seconds

    def checkpoint(self, now: float) -> None:
        """Persist the counters and the heartbeat (the gap after a crash starts here)."""
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


class TrackerLoop(threading.Thread):
    """Evaluate every site on a timer, checkpoint, and prune old history once a day."""

    def __init__(
        self,
        tracker: Tracker,
        *,
        every: float,
        retention_seconds: float,
        clock: Callable[[], float],
    ) -> None:
        """Prepare the loop."""
        super().__init__(name="tracker", daemon=True)
        self.tracker = tracker
        self.every = every
        self.retention_seconds = retention_seconds
        self.clock = clock
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
            self.tracker.checkpoint(now)
            if now - self._last_prune > 86_400:
                pruned = self.tracker.history.prune(now - self.retention_seconds)
                self._last_prune = now
                if pruned:
                    _LOGGER.info("history: pruned %d transition(s) older than the retention", pruned)
        except Exception:  # the loop must outlive a bad round
            _LOGGER.exception("availability evaluation failed")

    def stop(self) -> None:
        """Stop, then write a last checkpoint."""
        self.stopping.set()
        if self.is_alive():
            self.join(10)
        self.tracker.checkpoint(self.clock())
