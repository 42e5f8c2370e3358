"""Prometheus exposition: a custom collector that reads the fleet state at scrape time."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from agent.messages import Kind, RejectReason
from collector import descriptions as d
from collector.state import FleetState

if TYPE_CHECKING:
    from collector.tracker import Tracker


def _family(
    desc: d.MetricDescription, labels: tuple[str, ...] | None = None
) -> GaugeMetricFamily | CounterMetricFamily:
    names = list(desc.labels if labels is None else labels)
    if desc.kind == "counter":
        return CounterMetricFamily(desc.key, desc.help, labels=names)
    return GaugeMetricFamily(desc.key, desc.help, labels=names)


class FleetCollector(Collector):
    """Yield the ``esc_*`` families from a :class:`FleetState` when Prometheus scrapes."""

    def __init__(
        self,
        state: FleetState,
        *,
        stale_after: float,
        clock: Callable[[], float] = time.time,
        tracker: Tracker | None = None,
    ) -> None:
        """Read ``state`` and the ``tracker``; an agent silent for ``stale_after`` seconds is down."""
        self.state = state
        self.stale_after = stale_after
        self.clock = clock
        self.tracker = tracker

    def describe(self) -> list[Metric]:
        """Return nothing, so that registering does not call :meth:`collect`."""
        return []

    def collect(self) -> Iterator[Metric]:
        """Build every family from a consistent snapshot of the state."""
        now = self.clock()
        with self.state.lock:
            yield from self._agents(now)
            yield from self._devices(now)
            yield from self._self_health()
        if self.tracker is not None:
            yield from self._availability(now, self.tracker)

    def _agents(self, now: float) -> Iterator[Metric]:
        up = _family(d.AGENT_UP)
        seen = _family(d.AGENT_LAST_SEEN)
        session = _family(d.AGENT_SESSION)
        host = {m.key: _family(m, d.AGENT_LABELS + m.labels) for m in d.HOST_METRICS}
        for agent in self.state.agents.values():
            labels = [agent.site, agent.agent]
            alive = agent.is_up(now, self.stale_after)
            up.add_metric(labels, 1.0 if alive else 0.0)
            seen.add_metric(labels, agent.last_seen)
            if agent.session >= 0:
                session.add_metric(labels, float(agent.session))
            # Host figures of a dead agent are not current: leave them out, not frozen.
            if alive and agent.host is not None:
                for metric in d.HOST_METRICS:
                    for extra, value in metric.values(agent.host):
                        host[metric.key].add_metric([*labels, *extra], value)
        yield up
        yield seen
        yield session
        yield from self._lockdown(now)
        yield from (family for family in host.values() if family.samples)

    def _lockdown(self, now: float) -> Iterator[Metric]:
        ok, checks, events = (
            _family(d.LOCKDOWN_OK),
            _family(d.LOCKDOWN_CHECK),
            _family(d.LOCKDOWN_SECURITY_EVENTS),
        )
        for agent in self.state.agents.values():
            if agent.lockdown is None:
                continue
            labels = [agent.site, agent.agent]
            events.add_metric(labels, float(agent.security_events))
            # A silent kiosk's lockdown is unknown: its last result is not repeated as current.
            if not agent.is_up(now, self.stale_after):
                continue
            ok.add_metric([*labels, agent.lockdown.profile], 1.0 if agent.lockdown.intact else 0.0)
            for item in agent.lockdown.checks:
                checks.add_metric([*labels, item.id, item.severity, item.result], 1.0)
        yield from (family for family in (ok, checks, events) if family.samples)

    def _devices(self, now: float) -> Iterator[Metric]:
        families = {
            desc.key: _family(desc)
            for desc in (
                d.DEVICE_UP, d.DEVICE_STATE, d.DEVICE_REASON, d.DEVICE_INFO, d.DEVICE_OBSERVERS,
                d.DEVICE_LAST_SEEN, d.DEVICE_POLL_DURATION, d.DEVICE_FAILURES, d.SUPPLY_LEVEL,
                d.SUPPLY_STATE, d.SUPPLY_INFO, d.INPUT_LEVEL, d.INPUT_STATE, d.PRINTER_ERROR,
                d.PRINTER_ALERT, d.PRINTER_PAGES, d.SCANNER_ADF,
            )
        }  # fmt: skip

        def add(desc: d.MetricDescription, labels: list[str], value: float) -> None:
            families[desc.key].add_metric(labels, value)

        for record in self.state.devices.values():
            base = [record.site, record.device]
            live = record.live(self.state, now, self.stale_after)
            current = max(live, key=lambda o: o.seen_at) if live else None
            state = current.body.state if current else "unknown"
            for candidate in d.DEVICE_STATES:
                add(d.DEVICE_STATE, [*base, candidate], 1.0 if candidate == state else 0.0)
            add(d.DEVICE_OBSERVERS, base, float(len(live)))
            if record.observations:
                add(d.DEVICE_LAST_SEEN, base, max(o.seen_at for o in record.observations.values()))
            if current is None:
                add(d.DEVICE_UP, base, 0.0)
                continue
            body = current.body
            add(d.DEVICE_UP, base, 1.0 if body.reachable else 0.0)
            add(d.DEVICE_FAILURES, base, float(body.consecutive_failures))
            if body.poll_seconds is not None:
                add(d.DEVICE_POLL_DURATION, base, body.poll_seconds)
            for reason in body.reasons:
                add(d.DEVICE_REASON, [*base, reason.code, reason.subject or ""], 1.0)
            printer, scanner = body.printer, body.scanner
            model = (printer.model if printer else scanner.make_and_model if scanner else None) or ""
            serial = (printer.serial if printer else scanner.serial if scanner else None) or ""
            add(d.DEVICE_INFO, [*base, body.kind, body.name or "", model, serial], 1.0)
            if scanner is not None and scanner.adf_state:
                add(d.SCANNER_ADF, [*base, scanner.adf_state], 1.0)
            if printer is None:
                continue
            for supply in printer.supplies:
                role = "toner" if supply.marking else "waste" if supply.receptacle else "part"
                ident = [*base, supply.index, supply.type, supply.colour or "", supply.supply_class, role]
                if supply.percent is not None:
                    add(d.SUPPLY_LEVEL, ident, supply.percent / 100.0)
                add(d.SUPPLY_STATE, [*ident, supply.state], 1.0)
                add(d.SUPPLY_INFO, [*base, supply.index, supply.description, supply.unit], 1.0)
            for tray in printer.inputs:
                if tray.percent is not None:
                    add(d.INPUT_LEVEL, [*base, tray.index, tray.name], tray.percent / 100.0)
                manual = "true" if tray.manual else "false"
                add(d.INPUT_STATE, [*base, tray.index, tray.name, manual, tray.state], 1.0)
            for error in printer.errors:
                add(d.PRINTER_ERROR, [*base, error], 1.0)
            for alert in printer.alerts:
                location = "" if alert.location is None else str(alert.location)
                group_index = "" if alert.group_index is None else str(alert.group_index)
                add(
                    d.PRINTER_ALERT,
                    [*base, alert.code_name, alert.group, group_index, location, alert.severity],
                    1.0,
                )
            if printer.page_count is not None:
                add(d.PRINTER_PAGES, base, float(printer.page_count))
        yield from (family for family in families.values() if family.samples)

    @staticmethod
    def _availability(now: float, tracker: Tracker) -> Iterator[Metric]:
        opened, services, counters = tracker.snapshot(now)
        site_open = _family(d.SITE_OPEN)
        for site, is_open in sorted(opened.items()):
            site_open.add_metric([site], 1.0 if is_open else 0.0)
        yield site_open
        up, states = _family(d.SERVICE_UP), _family(d.SERVICE_STATE)
        for (site, service), state in sorted(services.items()):
            if state != "unknown":
                up.add_metric([site, service], 1.0 if state == "up" else 0.0)
            for candidate in ("up", "down", "unknown"):
                states.add_metric([site, service, candidate], 1.0 if candidate == state else 0.0)
        yield up
        yield states
        for name, desc in d.SERVICE_COUNTERS.items():
            family = _family(desc)
            for (site, service, counter), value in sorted(counters.items()):
                if counter == name:
                    family.add_metric([site, service], value)
            yield family

    def _self_health(self) -> Iterator[Metric]:
        counters = self.state.counters
        accepted = _family(d.MESSAGES_ACCEPTED)
        for kind in sorted({*(k.value for k in Kind), *counters.accepted}):
            accepted.add_metric([kind], float(counters.accepted[kind]))
        yield accepted
        rejected = _family(d.MESSAGES_REJECTED)
        # Every known reason is exported from the start, so rate() works from the first one.
        for reason in sorted({*(r.value for r in RejectReason), *counters.rejected}):
            rejected.add_metric([reason], float(counters.rejected[reason]))
        yield rejected
        duplicates = _family(d.MESSAGES_DUPLICATE)
        duplicates.add_metric([], float(counters.duplicates))
        yield duplicates
        stale = _family(d.STATUS_STALE)
        stale.add_metric([], float(counters.stale_status))
        yield stale
        connected = _family(d.MQTT_CONNECTED)
        connected.add_metric([], 1.0 if self.state.mqtt_connected else 0.0)
        yield connected
        known = _family(d.AGENTS_KNOWN)
        known.add_metric([], float(len(self.state.agents)))
        yield known
