"""Prometheus exposition: a custom collector that reads the fleet state at scrape time.

It builds one *view* per agent, device, site and service (``collector/descriptions.py``) and
loops over the description tables; a view whose samples cannot be computed (a value a broken
agent sent that is not a number, a bug) is skipped and counted in
``esc_collector_export_errors_total{metric}``: one bad series never blinds the whole scrape.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from agent.contract import french
from collector import descriptions as d
from collector.state import FleetState

if TYPE_CHECKING:
    from collector.tracker import Tracker

_LOGGER = logging.getLogger(__name__)
V = TypeVar("V")

EXPORT_ERRORS = "esc_collector_export_errors"


def _family(desc: d.MetricDescription[V]) -> GaugeMetricFamily | CounterMetricFamily:
    if desc.kind == "counter":
        return CounterMetricFamily(desc.key, desc.help, labels=list(desc.labels))
    return GaugeMetricFamily(desc.key, desc.help, labels=list(desc.labels))


class FleetCollector(Collector):
    """Yield the ``esc_*`` families from a :class:`FleetState` when Prometheus scrapes."""

    def __init__(
        self,
        state: FleetState,
        *,
        stale_after: float,
        clock: Callable[[], float] = time.time,
        tracker: Tracker | None = None,
        device_name: Callable[[str, str], str | None] | None = None,
        agent_name: Callable[[str, str], str | None] | None = None,
    ) -> None:
        """Read ``state`` and the ``tracker``; an agent silent for ``stale_after`` seconds is down.

        Args:
            state: the fleet state.
            stale_after: seconds of silence after which an agent is down.
            clock: wall clock.
            tracker: the live availability tracker (sites and services), if any.
            device_name: ``(site, device) -> name`` from ``sites.toml``, which wins over the
                name an agent sends.
            agent_name: ``(site, agent) -> name`` of the PC from ``sites.toml``.
        """
        self.state = state
        self.stale_after = stale_after
        self.clock = clock
        self.tracker = tracker
        self.device_name = device_name
        self.agent_name = agent_name
        self.errors: Counter[str] = Counter()

    def describe(self) -> list[Metric]:
        """Return nothing, so that registering does not call :meth:`collect`."""
        return []

    def _families(
        self, table: Sequence[d.MetricDescription[V]], views: Sequence[V], *, always: Iterable[str] = ()
    ) -> Iterator[Metric]:
        keep = set(always)
        for desc in table:
            family = _family(desc)
            for view in views:
                try:
                    samples = [(labels, float(value)) for labels, value in desc.values(view)]
                    if any(math.isnan(value) for _l, value in samples):
                        raise ValueError("NaN")
                except Exception:  # one broken view must not blind the scrape
                    self.errors[desc.key] += 1
                    _LOGGER.exception("cannot export %s for %r", desc.key, view)
                    continue
                prefix = _prefix(view)
                for labels, value in samples:
                    family.add_metric([*prefix, *labels], value)
            if family.samples or desc.key in keep:
                yield family

    def collect(self) -> Iterator[Metric]:
        """Build every family from a consistent snapshot of the state."""
        now = self.clock()
        with self.state.lock:
            agents = [
                d.AgentView(
                    a.site, a.agent, a, a.is_up(now, self.stale_after), self._agent_name(a.site, a.agent)
                )
                for a in self.state.agents.values()
            ]
            devices = [self._device_view(key, now) for key in self.state.devices]
            collector = d.CollectorView(
                self.state.counters,
                self.state.mqtt_connected,
                len(self.state.agents),
                self.state.storage_error is None,
            )
            yield from self._families(d.AGENT_METRICS, agents, always=(d.AGENT_UP.key,))
            yield from self._families(d.DEVICE_METRICS, devices)
            yield from self._families(d.COLLECTOR_METRICS, [collector])
        if self.tracker is not None:
            opened, services, counters = self.tracker.snapshot(now)
            sites = [d.SiteView(site, is_open) for site, is_open in sorted(opened.items())]
            grouped: dict[tuple[str, str], dict[str, float]] = {}
            for (site, service, name), value in counters.items():
                grouped.setdefault((site, service), {})[name] = value
            views = [
                d.ServiceView(site, service, state, grouped.get((site, service), {}))
                for (site, service), state in sorted(services.items())
            ]
            yield from self._families(d.SITE_METRICS, sites, always=(d.SITE_OPEN.key,))
            yield from self._families(d.SERVICE_METRICS, views, always=[m.key for m in d.SERVICE_METRICS])
        errors = CounterMetricFamily(
            EXPORT_ERRORS,
            "Series the exporter could not compute (a broken value), by metric.",
            labels=["metric"],
        )
        for metric, count in sorted(self.errors.items()):
            errors.add_metric([metric], float(count))
        yield errors

    def _device_view(self, key: tuple[str, str], now: float) -> d.DeviceView:
        record = self.state.devices[key]
        live = record.live(self.state, now, self.stale_after)
        current = max(live, key=lambda o: o.seen_at) if live else None
        body = current.body if current else None
        declared = self.device_name(record.site, record.device) if self.device_name else None
        name = french.with_article(declared or (body.name if body and body.name else None) or record.device)
        last_seen = max((o.seen_at for o in record.observations.values()), default=None)
        forecasts = (
            tuple(s.view(now) for s in self.tracker.supplies.supplies(record.site, record.device))
            if self.tracker is not None
            else ()
        )
        return d.DeviceView(record.site, record.device, name, len(live), last_seen, body, forecasts)

    def _agent_name(self, site: str, agent: str) -> str:
        declared = self.agent_name(site, agent) if self.agent_name else None
        return french.with_article(declared or f"poste {agent}")


def _prefix(view: object) -> list[str]:
    if isinstance(view, d.AgentView):
        return [view.site, view.agent]
    if isinstance(view, d.DeviceView):
        return [view.site, view.device]
    if isinstance(view, d.ServiceView):
        return [view.site, view.service]
    if isinstance(view, d.SiteView):
        return [view.site]
    return []
