"""Prometheus exposition: a custom collector that reads the fleet state at scrape time."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from agent.messages import Kind, RejectReason
from collector import descriptions as d
from collector.state import FleetState


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
    ) -> None:
        """Read ``state``; an agent silent for ``stale_after`` seconds is down."""
        self.state = state
        self.stale_after = stale_after
        self.clock = clock

    def describe(self) -> list[Metric]:
        """Return nothing, so that registering does not call :meth:`collect`."""
        return []

    def collect(self) -> Iterator[Metric]:
        """Build every family from a consistent snapshot of the state."""
        now = self.clock()
        with self.state.lock:
            yield from self._agents(now)
            yield from self._self_health()

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
        yield from (family for family in host.values() if family.samples)

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
