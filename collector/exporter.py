"""Prometheus exposition: a custom collector that reads the fleet state at scrape time.

It builds one *view* per agent, device, site and service (``collector/descriptions.py``) and
loops over the description tables; a view whose samples cannot be computed (a value a broken
agent sent that is not a number, a bug) is skipped and counted in
``esc_collector_export_errors_total{metric}``: one bad series never blinds the whole scrape.

Two outputs of the same samples: :meth:`FleetCollector.collect` gives prometheus-client's metric
families (a registry, tests), :meth:`FleetCollector.render` the text exposition format itself, as
``generate_latest`` would write it, about five times faster (``/metrics`` of 10,000 printers:
label values escaped once per distinct value, the labels' order computed once per family).
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from agent.contract import french
from collector import descriptions as d
from collector.state import FleetState

if TYPE_CHECKING:
    from collector.tracker import Tracker

_LOGGER = logging.getLogger(__name__)
V = TypeVar("V")
T = TypeVar("T")
Row = tuple[tuple[str, ...], tuple[str, ...], float]  # the view's label values, the metric's own, value
#: Device metrics computed from the observation and the name alone (not from the time or other devices).
_FROM_BODY = frozenset(
    m.key for m in (*d.DEVICE_METRICS, *d.DEVICE_DIAGNOSTICS)
    if m not in (d.SUPPLY_DAYS_LEFT, d.SUPPLY_ORDER, d.DEVICE_OBSERVERS, d.DEVICE_LAST_SEEN)
)  # fmt: skip
Rows = tuple[d.MetricDescription[Any], list[Row]]


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
        diagnostics: bool = False,
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
            diagnostics: export the devices' polling diagnostics too (``DEVICE_DIAGNOSTICS``).
        """
        self.state = state
        self.stale_after = stale_after
        self.clock = clock
        self.tracker = tracker
        self.device_name = device_name
        self.agent_name = agent_name
        self.device_metrics = (*d.DEVICE_METRICS, *(d.DEVICE_DIAGNOSTICS if diagnostics else ()))
        self.errors: Counter[str] = Counter()
        #: (metric, (site, device)) -> (the body and name they were computed from, the device's rows).
        self._kept: dict[tuple[str, tuple[str, ...]], tuple[object, str, list[Row]]] = {}
        #: The same for :meth:`render`, one entry a device: (body, name, its lines of each such metric, as text).
        self._kept_text: dict[tuple[str, ...], tuple[object, str, list[str | None]]] = {}

    def describe(self) -> list[Metric]:
        """Return nothing, so that registering does not call :meth:`collect`."""
        return []

    def _rows(
        self, table: Sequence[d.MetricDescription[V]], views: Sequence[V], *, always: Iterable[str] = ()
    ) -> Iterator[Rows]:
        """Yield each family's description and its rows: ``(view's label values, own label values, value)``."""
        keep = set(always)
        prefixed = [(view, _prefix(view)) for view in views]
        for desc in table:
            rows: list[Row] = []
            reuse = desc.key in _FROM_BODY
            for view, prefix in prefixed:
                mark = len(rows)
                if reuse and isinstance(view, d.DeviceView):
                    # A device's own series change only with its observation (a new body) or its name.
                    key = (desc.key, prefix)
                    kept = self._kept.get(key)
                    if kept is not None and kept[0] is view.body and kept[1] == view.name:
                        rows.extend(kept[2])
                        continue
                try:
                    for labels, raw in desc.values(view):
                        value = float(raw)
                        if math.isnan(value):
                            raise ValueError("NaN")
                        rows.append((prefix, labels, value))
                except Exception:  # one broken view must not blind the scrape
                    del rows[mark:]
                    self.errors[desc.key] += 1
                    _LOGGER.exception("cannot export %s for %r", desc.key, view)
                    continue
                if reuse and isinstance(view, d.DeviceView):
                    self._kept[(desc.key, prefix)] = (view.body, view.name, rows[mark:])
            if rows or desc.key in keep:
                yield desc, rows

    def collect(self) -> Iterator[Metric]:
        """Build every family from a consistent snapshot of the state (prometheus-client's families)."""
        for desc, rows in self._all_rows():
            family = _family(desc)
            for prefix, labels, value in rows:
                family.add_metric([*prefix, *labels], value)
            yield family

    def render(self) -> bytes:
        """Return every family in the text exposition format 0.0.4: the samples :meth:`collect` gives.

        Labels come in the description's order (the view's first); each view's label text is
        written once per family, each distinct set of its own label values and each distinct
        value once per family too. The lines are text from the start (no row tuples kept: a
        first scrape of 10,000 printers spent a third of its time in the garbage collector
        walking them), and a device's lines of the metrics that follow its observation alone are
        kept until that observation or its name changes.
        """
        out: list[str] = []
        numbers: dict[float, str] = {1.0: "1.0", 0.0: "0.0"}
        for desc, lines in self._all(self._texts, numbers):
            name = desc.series
            help_text = desc.help.replace("\\", r"\\").replace("\n", r"\n")
            out.append(f"# HELP {name} {help_text}\n# TYPE {name} {desc.kind}\n")
            out.extend(lines)
        return "".join(out).encode()

    def _texts(
        self,
        table: Sequence[d.MetricDescription[V]],
        views: Sequence[V],
        numbers: dict[float, str],
        *,
        always: Iterable[str] = (),
    ) -> Iterator[tuple[d.MetricDescription[V], list[str]]]:
        """Yield each family's description and its lines of text, one string per view (see :meth:`_rows`)."""
        keep = set(always)
        prefixed = [(view, _prefix(view)) for view in views]
        heads: dict[tuple[tuple[str, ...], tuple[str, ...]], str] = {}  # (label names, values) -> text
        kept_text = self._kept_text
        slots = {key: i for i, key in enumerate(desc.key for desc in table if desc.key in _FROM_BODY)}
        for desc in table:
            name = desc.series
            slot = slots.get(desc.key)
            labelled = bool(desc.labels)
            own: dict[tuple[str, ...], str] = {}
            lines: list[str] = []
            for view, prefix in prefixed:
                texts: list[str | None] | None = None
                if slot is not None and isinstance(view, d.DeviceView):
                    # A device's own series change only with its observation (a new body) or its name.
                    entry = kept_text.get(prefix)
                    if entry is None or entry[0] is not view.body or entry[1] != view.name:
                        entry = kept_text[prefix] = (view.body, view.name, [None] * len(slots))
                    texts = entry[2]
                    kept = texts[slot]
                    if kept is not None:
                        if kept:
                            lines.append(kept)
                        continue
                try:
                    text = self._lines(desc, name, prefix, labelled, heads, own, numbers, desc.values(view))
                except Exception:  # one broken view must not blind the scrape
                    self.errors[desc.key] += 1
                    _LOGGER.exception("cannot export %s for %r", desc.key, view)
                    continue
                if text:
                    lines.append(text)
                if texts is not None and slot is not None:
                    texts[slot] = text
            if lines or desc.key in keep:
                yield desc, lines

    @staticmethod
    def _lines(
        desc: d.MetricDescription[Any],
        name: str,
        prefix: tuple[str, ...],
        labelled: bool,
        heads: dict[tuple[tuple[str, ...], tuple[str, ...]], str],
        own: dict[tuple[str, ...], str],
        numbers: dict[float, str],
        samples: Iterable[d.Sample],
    ) -> str:
        """Return one view's lines of one family (raise ``ValueError`` on a value that is not a number)."""
        parts: list[str] = []
        if not labelled:
            for _labels, raw in samples:
                value = float(raw)
                if math.isnan(value):
                    raise ValueError("NaN")
                parts.append(f"{name} {_go_float(value)}\n")
            return "".join(parts)
        view_keys = desc.labels[: len(prefix)]
        head = heads.get((view_keys, prefix))
        if head is None:
            head = heads[view_keys, prefix] = ",".join(
                f'{key}="{_escape(v)}"' for key, v in zip(view_keys, prefix, strict=True)
            )
        start = f"{name}{{{head}" if head else f"{name}{{"
        for labels, raw in samples:
            value = float(raw)
            if math.isnan(value):
                raise ValueError("NaN")
            tail = own.get(labels)
            if tail is None:
                own_keys = desc.labels[len(prefix) :]
                tail = own[labels] = "".join(
                    f',{key}="{_escape(v)}"' for key, v in zip(own_keys, labels, strict=True)
                )
            text = numbers.get(value)
            if text is None:
                text = numbers[value] = _go_float(value)
            parts.append(f"{start}{tail}}} {text}\n" if head else f"{start}{tail[1:]}}} {text}\n")
        return "".join(parts)

    def _all_rows(self) -> Iterator[Rows]:
        return self._all(
            lambda table, views, _numbers, *, always=(): self._rows(table, views, always=always), {}
        )

    def _all(self, emit: Callable[..., Iterator[tuple[d.MetricDescription[Any], T]]],
             numbers: dict[float, str]) -> Iterator[tuple[d.MetricDescription[Any], T]]:  # fmt: skip
        """Yield ``emit``'s families for every table: agents, devices, the collector, then sites and services."""
        now = self.clock()
        if self.tracker is not None:
            self.tracker.supplies.settle()  # it reads the history: not under the fleet's lock
        with self.state.lock:
            agents = [
                d.AgentView(
                    a.site, a.agent, a, a.is_up(now, self.stale_after), self._agent_name(a.site, a.agent)
                )
                for a in self.state.agents.values()
            ]
            devices = [self._device_view(key, now) for key in self.state.devices]
            if len(self._kept) > 2 * len(_FROM_BODY) * len(devices):  # devices pruned: start over
                self._kept.clear()
            if len(self._kept_text) > 2 * len(devices):
                self._kept_text.clear()
            collector = d.CollectorView(
                self.state.counters,
                self.state.mqtt_connected,
                len(self.state.agents),
                self.state.storage_error is None,
            )
            yield from emit(d.AGENT_METRICS, agents, numbers, always=(d.AGENT_UP.key,))
            yield from emit(self.device_metrics, devices, numbers)
            yield from emit(d.COLLECTOR_METRICS, [collector], numbers)
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
            yield from emit(d.SITE_METRICS, sites, numbers, always=(d.SITE_OPEN.key,))
            yield from emit(d.SERVICE_METRICS, views, numbers, always=[m.key for m in d.SERVICE_METRICS])
        yield from emit([d.EXPORT_ERRORS], [self.errors], numbers, always=(d.EXPORT_ERRORS.key,))

    def _device_view(self, key: tuple[str, str], now: float) -> d.DeviceView:
        record = self.state.devices[key]
        live = record.live(self.state, now, self.stale_after)
        current = max(live, key=lambda o: o.seen_at) if live else None
        body = current.body if current else None
        declared = self.device_name(record.site, record.device) if self.device_name else None
        name = french.with_article(declared or (body.name if body and body.name else None) or record.device)
        last_seen = max((o.seen_at for o in record.observations.values()), default=None)
        forecasts = (
            tuple(
                s.view(now) for s in self.tracker.supplies.supplies(record.site, record.device, settle=False)
            )
            if self.tracker is not None
            else ()
        )
        return d.DeviceView(record.site, record.device, name, len(live), last_seen, body, forecasts)

    def _agent_name(self, site: str, agent: str) -> str:
        declared = self.agent_name(site, agent) if self.agent_name else None
        return french.with_article(declared or f"poste {agent}")


def _go_float(value: float) -> str:
    """Write a value as prometheus-client's ``floatToGoString`` does (Go's exponent from 1e7 up)."""
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    text = repr(value)
    dot = text.find(".")
    if value > 0 and dot > 6:
        mantissa = f"{text[0]}.{text[1:dot]}{text[dot + 1 :]}".rstrip("0.")
        return f"{mantissa}e+0{dot - 1}"
    return text


def _escape(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def _prefix(view: object) -> tuple[str, ...]:
    if isinstance(view, d.AgentView):
        return (view.site, view.agent)
    if isinstance(view, d.DeviceView):
        return (view.site, view.device)
    if isinstance(view, d.ServiceView):
        return (view.site, view.service)
    if isinstance(view, d.SiteView):
        return (view.site,)
    return ()
