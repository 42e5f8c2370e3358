"""Supplies at event time: their level history, their cartridges, their forecasts and order notices.

:class:`SupplyBook` is fed every printer observation the collector accepts
(``Tracker.observe``, before the message is acknowledged) and:

* keeps each supply's readings in the history, downsampled: a reading when the level or the
  state changes (half a point for exact levels, any step for coarse ones), else one per
  ``sample_every`` (an hour);
* detects cartridge changes: a jump up of the level (:func:`collector.forecast.is_new_cartridge`),
  a supply that was empty and is not any more, a change of the supply's description, or another
  printer behind the same id (its serial changed). Each cartridge is a row of the history with its
  start, its end and the page counter at both (its real yield);
* keeps each supply's forecast (:func:`collector.forecast.forecast` over the site's open time),
  due again when a reading is kept and computed when first needed: by the order notice of a
  toner awaiting it (at a reading or a tick while the site is open), by a reader (exporter,
  pages) or on the tracker's tick — from the readings kept up to then and the site's clock of
  that reading, so the same forecast as computing it at once, off the ingestion path, and once
  for the hours of readings a replay brings at a time;
* gives the **order notice** of a toner cartridge once: when its forecast falls to the site's
  ordering lead time (``order_lead_days`` in ``sites.toml``) while the site is open, the notice
  is out until the site closes (at most ``notice_hours``), then never again for that cartridge.
  The alert rule ``EscSupplyOrder`` reads it (``esc_printer_supply_order_days_left``), so the
  secretariat gets one e-mail per cartridge, during opening hours.

Threads: ``observe`` runs on the ingestion thread inside a history batch (history lock, then
this book's); ``tick`` takes the history's batch first too. Readers (exporter, pages) take this
book's lock, and never hold it while they compute a forecast that was left due (that reads the
history: its lock would come second).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from agent.contract import french
from agent.contract.messages import PrinterStatus, Supply
from collector import forecast as fc
from collector.config import SuppliesSection
from collector.descriptions import SupplyForecastView
from collector.history import Cartridge, History, SupplyKey
from collector.sites import Calendar, SitesFile

_LOGGER = logging.getLogger(__name__)

#: Page units of prtMarkerSuppliesMaxCapacity: a maximum in these is the nominal yield.
PAGE_UNITS = frozenset({"impressions", "sheets"})
#: How far back and ahead a site's open-time clock is computed (rebuilt every day).
CLOCK_PAST = 400 * fc.DAY
CLOCK_FUTURE = 400 * fc.DAY


@dataclass(frozen=True, slots=True)
class SupplySettings:
    """``[supplies]`` of the collector configuration."""

    sample_every: float = 3600.0
    forecast: fc.Settings = field(default_factory=fc.Settings)
    #: The order notice needs at least this much open time before the site closes.
    notice_min: float = 600.0
    #: And lasts at most this long (a site open around the clock).
    notice_max: float = 86_400.0


@dataclass(frozen=True, slots=True)
class SupplyState:
    """What is known of one supply now: its last reading, its cartridge and its forecast."""

    site: str
    device: str
    index: str
    description: str
    type: str
    colour: str
    supply_class: str
    role: str
    unit: str
    level: float | None
    state: str
    precision: fc.Precision | None
    cartridge: Cartridge
    forecast: fc.Forecast | None = None

    @property
    def key(self) -> SupplyKey:
        """Return ``(site, device, supply)``."""
        return self.site, self.device, self.index

    @property
    def reference(self) -> str:
        """Return the cartridge reference its description carries (« CF410A »), or ``""``."""
        return french.reference(self.description) or ""

    def order_out(self, now: float) -> bool:
        """Return whether this cartridge's order notice is out at ``now``."""
        c = self.cartridge
        return c.order_at is not None and c.order_until is not None and c.order_at <= now < c.order_until

    def view(self, now: float) -> SupplyForecastView:
        """Return what the exporter publishes of this supply at ``now``."""
        result = self.forecast
        days = result.days_left(now) if result is not None else None
        return SupplyForecastView(
            self.index, self.type, self.colour, self.supply_class, self.role, self.cartridge.seq,
            result.basis if result is not None and days is not None else None,
            result.precision if result is not None and days is not None else None,
            fc.clamp_days(days) if days is not None else None,
            fc.clamp_days(self.cartridge.order_days or 0.0) if self.order_out(now) else None,
            self.reference, self.empty_in() if self.order_out(now) else "",
        )  # fmt: skip

    def empty_in(self) -> str:
        """Return « ~9 jours » as the order notice said it (the days left when it went out)."""
        days = self.cartridge.order_days
        return fc.in_days(days, self.precision) if days is not None else ""


def supply_settings(section: SuppliesSection) -> SupplySettings:
    """Return the settings of the ``[supplies]`` section of the collector configuration."""
    return SupplySettings(
        sample_every=section.sample_every,
        forecast=fc.Settings(
            min_span=section.min_history_days * fc.DAY, window=section.window_days * fc.DAY,
            idle_after=section.idle_days * fc.DAY,
        ),
        notice_max=section.notice_hours * 3600,
    )  # fmt: skip


def _precision(supply: Supply) -> fc.Precision | None:
    return supply.precision


def _nominal(supply: Supply) -> int | None:
    return supply.raw_max if supply.unit in PAGE_UNITS and supply.raw_max and supply.raw_max > 0 else None


class SupplyBook:
    """Every supply's readings, cartridges, forecast and order notice (see the module docstring)."""

    def __init__(
        self,
        history: History,
        sites: SitesFile,
        *,
        calendars: Mapping[str, Calendar] | None = None,
        settings: SupplySettings | None = None,
    ) -> None:
        """Load the current cartridges and the last kept reading of every supply."""
        self.history = history
        self.sites = sites
        self.calendars = dict(calendars or {site_id: Calendar(site) for site_id, site in sites.sites.items()})
        self.settings = settings or SupplySettings()
        self._lock = threading.RLock()
        self._cartridges: dict[SupplyKey, Cartridge] = history.current_cartridges()
        last = history.last_supply_readings()
        #: Last kept reading per supply: (ts, level, state).
        self._kept: dict[SupplyKey, tuple[float, float | None, str]] = {
            key: (ts, level, state) for key, (_seq, ts, level, state, _pages) in last.items()
        }
        #: Last seen reading per supply: (ts, level, state).
        self._seen: dict[SupplyKey, tuple[float, float | None, str]] = dict(self._kept)
        self._supplies: dict[SupplyKey, SupplyState] = {}
        #: The keys of ``_supplies`` by site and device (supplies are never forgotten): a reader asks
        #: for one device's or one site's without looking through the whole fleet's.
        self._keys: dict[str, dict[str, list[SupplyKey]]] = {}
        self._clocks: dict[str, tuple[float, fc.OpenClock]] = {}
        #: Supplies whose forecast is left due: the site's open-time clock of the reading that made it due.
        self._due: dict[SupplyKey, tuple[fc.OpenClock]] = {}
        #: Until when an order notice given at ``_windows_at`` would be out, per site (``None``: not now).
        self._windows: dict[str, float | None] = {}
        self._windows_at: float | None = None

    # ------------------------------------------------------------------ event time
    def observe(self, site_id: str, device: str, printer: PrinterStatus, at: float) -> None:
        """Take one printer reading at event time ``at`` (inside the caller's history batch)."""
        with self._lock:
            for supply in printer.supplies:
                if supply.supply_class == "other" and supply.percent is None:
                    continue
                self._observe_supply(site_id, device, supply, printer, at)

    def _observe_supply(
        self, site_id: str, device: str, supply: Supply, printer: PrinterStatus, at: float
    ) -> None:
        key = (site_id, device, supply.index)
        seen = self._seen.get(key)
        if seen is not None and at < seen[0]:
            return  # a reading replayed late: its cartridge's story is already told
        level = supply.percent
        precision = _precision(supply)
        pages = printer.page_count
        cartridge = self._cartridges.get(key)
        why = self._change(cartridge, seen, supply, printer.serial or "", precision)
        if cartridge is None or why is not None:
            if cartridge is not None:
                self.history.end_cartridge(key, cartridge.seq, at, pages)
            cartridge = Cartridge(
                site_id, device, supply.index, cartridge.seq + 1 if cartridge else 1, at, why or "first",
                supply.description, supply.role, supply.colour or "", precision or "", level, pages,
                _nominal(supply), printer.serial or "",
            )  # fmt: skip
            self.history.start_cartridge(cartridge)
            self._cartridges[key] = cartridge
            self._kept.pop(key, None)
        kept = self._kept.get(key)
        changed = kept is None or supply.state != kept[2] or _moved(kept[1], level, precision)
        self._seen[key] = (at, level, supply.state)
        state = SupplyState(
            site_id, device, supply.index, supply.description, supply.type, supply.colour or "",
            supply.supply_class, supply.role, supply.unit, level, supply.state, precision, cartridge,
            self._supplies[key].forecast if key in self._supplies else None,
        )  # fmt: skip
        if key not in self._supplies:
            self._keys.setdefault(site_id, {}).setdefault(device, []).append(key)
        if changed or kept is None or at - kept[0] >= self.settings.sample_every:
            self.history.record_supply(key, cartridge.seq, at, level, supply.state, pages)
            self._kept[key] = (at, level, supply.state)
            state = self._forecast_due(state, at, again=True)
        elif state.forecast is None:
            state = self._forecast_due(state, at, again=False)
        self._supplies[key] = state
        self._check_order(key, at)

    def _forecast_due(self, state: SupplyState, at: float, *, again: bool) -> SupplyState:
        """Leave ``state``'s forecast due as of the reading at ``at``; return ``state``.

        ``again``: the reading was kept, so a forecast due before is due anew with this reading's
        clock (what computing it now would use); otherwise the first clock stays.
        """
        key = state.key
        if again or key not in self._due:
            self._due[key] = (self._clock(state.site, at),)
        return state

    def _settled(self, key: SupplyKey) -> SupplyState:
        """Return a supply's state, its forecast computed if it was due (history's lock held, then this book's)."""
        state = self._supplies[key]
        due = self._due.pop(key, None)
        if due is not None:
            result = cartridge_forecast(self.history, state.cartridge, state.precision, clock=due[0],
                                        settings=self.settings.forecast)  # fmt: skip
            state = self._supplies[key] = replace(state, forecast=result)
        return state

    def _order_pending(self, state: SupplyState) -> bool:
        """Return whether this supply's order notice is still to come (a toner, a lead time, no notice yet)."""
        if state.role != "toner" or state.cartridge.order_at is not None:
            return False
        site = self.sites.sites.get(state.site)
        return bool(site is not None and site.order_lead_days)

    def settle(self) -> None:
        """Compute the forecasts left due, without holding this book's lock meanwhile.

        The forecast reads the history, whose lock comes before this book's: the work to do is
        taken under this book's lock, done without it, and kept only if no newer reading made
        the supply due again meanwhile (the ingestion thread then left it due for the next read).
        Never call it holding the fleet's lock: the ingestion thread takes it inside its history
        batch.
        """
        with self._lock:
            work = [
                (key, due, self._supplies[key]) for key, due in self._due.items() if key in self._supplies
            ]  # fmt: skip
        done = [
            (key, due, cartridge_forecast(self.history, state.cartridge, state.precision,
                                          clock=due[0], settings=self.settings.forecast))
            for key, due, state in work
        ]  # fmt: skip
        with self._lock:
            for key, due, result in done:
                if self._due.get(key) is due:
                    del self._due[key]
                    self._supplies[key] = replace(self._supplies[key], forecast=result)

    def _change(
        self,
        cartridge: Cartridge | None,
        seen: tuple[float, float | None, str] | None,
        supply: Supply,
        serial: str,
        precision: fc.Precision | None,
    ) -> str | None:
        """Return why this reading is of a new cartridge (``level``, ``refill``, ``description``, ``printer``)."""
        if cartridge is None:
            return None
        if cartridge.printer_serial and serial and serial != cartridge.printer_serial:
            return "printer"
        if cartridge.description and supply.description and supply.description != cartridge.description:
            return "description"
        if seen is None:
            return None
        _ts, before, state = seen
        if fc.is_new_cartridge(before, supply.percent, precision=precision, was_empty=state == "empty"):
            return "level" if before is not None and supply.percent is not None else "refill"
        return None

    # ------------------------------------------------------------------ forecasts
    def _clock(self, site_id: str, now: float) -> fc.OpenClock:
        built = self._clocks.get(site_id)
        if built is not None and now - built[0] < fc.DAY:
            return built[1]
        clock = site_clock(self.calendars.get(site_id), now)
        self._clocks[site_id] = (now, clock)
        return clock

    def _forecast(self, state: SupplyState, now: float) -> fc.Forecast:
        return cartridge_forecast(self.history, state.cartridge, state.precision,
                                  clock=self._clock(state.site, now), settings=self.settings.forecast)  # fmt: skip

    # ------------------------------------------------------------------ order notices
    def _check_order(self, key: SupplyKey, now: float) -> None:
        state = self._supplies.get(key)
        if state is None or not self._order_pending(state):
            return
        site = self.sites.sites[state.site]
        if key in self._due:
            # Its forecast is computed only if the notice could go out now (the site open).
            until = self._notice_until(state.site, now)
            if until is None:
                return
            state = self._settled(key)
            days = state.forecast.days_left(now) if state.forecast is not None else None
            if days is None or days > site.order_lead_days:
                return
        else:
            days = state.forecast.days_left(now) if state.forecast is not None else None
            if days is None or days > site.order_lead_days:
                return
            until = self._notice_until(state.site, now)
            if until is None:
                return
        self.history.set_order(key, state.cartridge.seq, now, until, days)
        cartridge = state.cartridge._replace(order_at=now, order_until=until, order_days=days)
        self._cartridges[key] = cartridge
        self._supplies[key] = replace(state, cartridge=cartridge)
        _LOGGER.info("order notice for %s/%s supply %s (cartridge %d): %.1f days left",
                     *key, cartridge.seq, days)  # fmt: skip

    def _notice_until(self, site_id: str, now: float) -> float | None:
        """Return until when an order notice given at ``now`` is out, or ``None`` when it must wait.

        It waits while the site is closed (for the opening) and when the site is about to close
        (for the next opening). Kept per site for one instant (a reading's supplies, a tick).
        """
        if now != self._windows_at:
            self._windows.clear()
            self._windows_at = now
        if site_id in self._windows:
            return self._windows[site_id]
        calendar = self.calendars.get(site_id)
        until: float | None = now + self.settings.notice_max
        if calendar is not None:
            opened = calendar.open_intervals(now, now + self.settings.notice_max)
            until = opened[0][1] if opened and opened[0][0] <= now + 1.0 else None
        if until is not None and until - now < self.settings.notice_min:
            until = None
        self._windows[site_id] = until
        return until

    def tick(self, now: float) -> None:
        """Compute the forecasts left due; give the order notices that became due while no reading came."""
        self.settle()
        with self.history.batch(), self._lock:
            for key in list(self._supplies):
                self._check_order(key, now)

    # ------------------------------------------------------------------ readers
    def supplies(self, site: str, device: str | None = None, *, settle: bool = True) -> list[SupplyState]:
        """Return the supplies of a site (of one device) seen since the collector started, in table order.

        ``settle``: compute the forecasts left due first (:meth:`settle`); a caller holding the
        fleet's lock passes ``False`` and settles before taking it.
        """
        if settle and self._due:
            self.settle()
        with self._lock:
            devices = self._keys.get(site, {})
            keys = (
                devices.get(device, []) if device is not None else [k for ks in devices.values() for k in ks]
            )
            found = [self._supplies[key] for key in keys]
        return sorted(found, key=lambda s: (s.device, _index_key(s.index)))

    def orders(self, site: str, now: float) -> list[SupplyState]:
        """Return the supplies of a site whose order notice is out at ``now``."""
        return [s for s in self.supplies(site) if s.order_out(now)]


def site_clock(calendar: Calendar | None, now: float) -> fc.OpenClock:
    """Return a site's open-time clock around ``now`` (calendar time for a site without a calendar)."""
    if calendar is None:
        return fc.OpenClock.always()
    start, end = now - CLOCK_PAST, now + CLOCK_FUTURE
    return fc.OpenClock(calendar.open_intervals(start, end), start, end)


def expected_pages(history: History, cartridge: Cartridge) -> float | None:
    """Return the pages a cartridge of this supply gives: the last wholly seen one's, else the nominal yield."""
    done = [
        c for c in history.cartridges(cartridge.site, device=cartridge.device, supply=cartridge.supply)
        if c.seq < cartridge.seq and c.pages and c.detected != "first"
    ]  # fmt: skip
    if done:
        return float(done[-1].pages or 0) or None
    return float(cartridge.nominal_pages) if cartridge.nominal_pages else None


def cartridge_forecast(
    history: History,
    cartridge: Cartridge,
    precision: fc.Precision | None,
    *,
    clock: fc.OpenClock,
    settings: fc.Settings,
    until: float | None = None,
) -> fc.Forecast:
    """Return a cartridge's forecast from its kept readings (up to ``until``, for a report's period end)."""
    rows = history.supply_readings(cartridge.key, cartridge.seq)
    readings = [
        fc.Reading(ts, level, pages) for ts, level, _state, pages in rows if until is None or ts <= until
    ]
    return fc.forecast(
        readings, precision=precision, clock=clock, settings=settings,
        expected_pages=expected_pages(history, cartridge), start_pages=cartridge.start_pages,
        fresh=cartridge.detected != "first",
    )  # fmt: skip


def _moved(before: float | None, after: float | None, precision: fc.Precision | None) -> bool:
    if before is None or after is None:
        return before != after
    return abs(after - before) >= (0.5 if precision == "exact" else 1e-9)


def _index_key(index: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in index.split("."))
    except ValueError:
        return (1 << 30,)
