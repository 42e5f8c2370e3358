"""Polling the site's printers, scanners and network devices, off the agent's main loop.

One thread runs an asyncio loop and one SNMP engine; every round polls every device
concurrently (bounded by a semaphore), so one slow or dead device costs only its own
timeout, never the others' or the main loop's. Each device keeps a small tracker (last good
status, failed polls in a row) from which its state is derived.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from agent.config import AgentConfig, DevicesSection, PrinterEntry, ScannerEntry, SnmpEntry
from agent.contract.messages import DeviceBody, PrinterStatus, ScannerStatus
from agent.printers.compose import printer_status
from agent.printers.ipp import IppError, IppTarget, fetch_ipp_status, port_answers
from agent.printers.parse import Thresholds
from agent.printers.poller import PollResult, SnmpSession, SnmpTarget, poll
from agent.printers.state import StateOptions, default_functions, derive
from agent.scanners.escl import EsclError, EsclTarget, fetch_status

if TYPE_CHECKING:
    from agent.config import NetworkEntry
    from agent.network.device import NetworkTracker

_LOGGER = logging.getLogger(__name__)


def snmp_target(entry: SnmpEntry) -> SnmpTarget:
    """Return the SNMP target of a configured printer or network device."""
    return SnmpTarget(
        host=entry.host,
        port=entry.port,
        version=entry.version,
        community=entry.community or "",
        v3_user=entry.v3_user,
        v3_auth_key=entry.v3_auth_key,
        v3_priv_key=entry.v3_priv_key,
        v3_auth_protocol=entry.v3_auth_protocol,
        v3_priv_protocol=entry.v3_priv_protocol,
        v3_context=entry.v3_context,
        timeout=entry.timeout,
        retries=entry.retries,
    )


def thresholds_of(section: DevicesSection) -> Thresholds:
    """Return the parser thresholds configured for this agent."""
    return Thresholds(
        supply_low_percent=section.toner_low_percent,
        receptacle_almost_full_percent=section.waste_almost_full_percent,
        paper_low_percent=section.paper_low_percent,
    )


@dataclass
class DeviceTracker:
    """The memory one device needs between polls."""

    device: str
    kind: Literal["printer", "scanner"]
    name: str | None
    options: StateOptions
    functions: tuple[str, ...] | None = None  # configured; else found from the status
    last_status: PrinterStatus | ScannerStatus | None = None
    failures: int = 0

    def offered(self) -> tuple[str, ...]:
        """Return the functions this device offers (configured, else from its last status)."""
        if self.functions:
            return self.functions
        if self.last_status is None and self.kind == "scanner":
            return ("scan",)
        return default_functions(self.last_status)

    def observe(
        self,
        status: PrinterStatus | ScannerStatus | None,
        *,
        error: str | None,
        seconds: float | None,
        asleep: bool = False,
    ) -> DeviceBody:
        """Fold one poll outcome in and return the observation to publish.

        ``asleep``: nothing was read, but the device answered on the network (its raw print
        port): it is reachable, judged from its last reading, and its label says « en veille ».
        """
        reachable = status is not None or asleep
        if status is not None:
            self.last_status = status
        if reachable:
            self.failures = 0
        else:
            self.failures += 1
        derived = derive(
            self.last_status,
            reachable=reachable,
            consecutive_failures=self.failures,
            options=self.options,
            offered=self.offered(),
        )
        return DeviceBody(
            device=self.device,
            kind=self.kind,
            name=self.name,
            reachable=reachable,
            consecutive_failures=self.failures,
            poll_error=error[:256] if error else None,
            poll_seconds=round(seconds, 3) if seconds is not None else None,
            state=derived.state,
            label=f"{derived.label} (en veille)" if status is None and asleep else derived.label,
            reasons=derived.reasons,
            functions=derived.functions,
            # Only what was read now: a stale status is not re-published as current.
            printer=status if isinstance(status, PrinterStatus) else None,
            scanner=status if isinstance(status, ScannerStatus) else None,
        )


class DeviceFleet:
    """All devices of one agent: targets and trackers, polled together."""

    def __init__(self, config: AgentConfig) -> None:
        """Prepare trackers for the configured printers and scanners."""
        section = config.devices
        self.thresholds = thresholds_of(section)
        options = StateOptions(paper_alerts=section.paper_alerts, unreachable_after=section.unreachable_after)
        self.printers: list[tuple[PrinterEntry, DeviceTracker]] = [
            (p, DeviceTracker(p.id, "printer", p.name, options, p.functions)) for p in config.printers
        ]
        self.scanners: list[tuple[ScannerEntry, DeviceTracker]] = [
            (s, DeviceTracker(s.id, "scanner", s.name, options)) for s in config.scanners
        ]
        self.network: list[tuple[NetworkEntry, NetworkTracker]] = []
        if config.network:
            from agent.network.device import NetworkTracker  # noqa: PLC0415 - only with [[network]]

            self.network = [(n, NetworkTracker(n, section.unreachable_after)) for n in config.network]
        self.max_in_flight = section.max_in_flight

    async def _poll_printer(
        self, session: SnmpSession | None, entry: PrinterEntry, tracker: DeviceTracker
    ) -> DeviceBody:
        """Read a printer over SNMP, else IPP; if neither answers, try its raw port (asleep?)."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        status: PrinterStatus | None = None
        errors: list[str] = []
        if entry.snmp:
            assert session is not None
            result: PollResult = await poll(session, snmp_target(entry))
            if result.raw is not None:
                status = printer_status(result.raw, self.thresholds)
            else:
                errors.append(f"SNMP: {result.error}")
        if status is None and entry.ipp is not None:
            try:
                status = await fetch_ipp_status(IppTarget(entry.ipp, timeout=entry.timeout), self.thresholds)
            except IppError as err:
                errors.append(f"IPP: {err}")
            else:
                if errors:
                    errors.append("read over IPP")
        asleep = False
        if status is None and entry.raw_port:
            asleep = await port_answers(entry.host, entry.raw_port, entry.timeout)
            if asleep:
                errors.append(f"asleep: port {entry.raw_port} answers")
        error = "; ".join(errors) or None
        return tracker.observe(status, error=error, seconds=loop.time() - started, asleep=asleep)

    def __len__(self) -> int:
        """Return how many devices are configured."""
        return len(self.printers) + len(self.scanners) + len(self.network)

    @property
    def uses_snmp(self) -> bool:
        """Return whether some device is read over SNMP (the session is made only then)."""
        return any(entry.snmp for entry, _ in self.printers) or bool(self.network)

    async def poll_round(self, session: SnmpSession | None) -> list[DeviceBody]:
        """Poll every device once, concurrently; never raises."""

        async def one_printer(entry: PrinterEntry, tracker: DeviceTracker) -> DeviceBody:
            return await self._poll_printer(session, entry, tracker)

        async def one_scanner(entry: ScannerEntry, tracker: DeviceTracker) -> DeviceBody:
            loop = asyncio.get_running_loop()
            started = loop.time()
            try:
                status = await fetch_status(EsclTarget(url=entry.url, timeout=entry.timeout))
            except EsclError as err:
                return tracker.observe(None, error=str(err), seconds=loop.time() - started)
            return tracker.observe(status, error=None, seconds=loop.time() - started)

        async def one_network(entry: NetworkEntry, tracker: NetworkTracker) -> DeviceBody:
            from agent.network.device import poll_network  # noqa: PLC0415 - only with [[network]]

            assert session is not None
            return tracker.observe(await poll_network(session, snmp_target(entry)))

        tasks = [one_printer(e, t) for e, t in self.printers] + [one_scanner(e, t) for e, t in self.scanners]
        tasks += [one_network(e, t) for e, t in self.network]
        return list(await asyncio.gather(*tasks))


class DevicePoller(threading.Thread):
    """Background thread: poll all devices every ``interval`` and hand the results over."""

    def __init__(self, config: AgentConfig, deliver: Callable[[DeviceBody], None]) -> None:
        """Poll ``config``'s devices; ``deliver`` is called from this thread for each observation."""
        super().__init__(name="devices", daemon=True)
        self.config = config
        self.fleet = DeviceFleet(config)
        self.deliver = deliver
        self.stopping = threading.Event()

    def run(self) -> None:
        """Run rounds until :meth:`stop`."""
        asyncio.run(self._main())

    async def _main(self) -> None:
        session = SnmpSession(max_in_flight=self.fleet.max_in_flight) if self.fleet.uses_snmp else None
        loop = asyncio.get_running_loop()
        try:
            while not self.stopping.is_set():
                started = loop.time()
                try:
                    for body in await self.fleet.poll_round(session):
                        self.deliver(body)
                except Exception:  # the poller thread must survive anything a device sends
                    _LOGGER.exception("device poll round failed")
                delay = max(0.0, self.config.devices.interval - (loop.time() - started))
                await asyncio.to_thread(self.stopping.wait, delay)
        finally:
            if session is not None:
                session.close()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to stop after its current round and wait for it."""
        self.stopping.set()
        if self.is_alive():
            self.join(timeout)


def poll_once(config: AgentConfig) -> list[DeviceBody]:
    """Poll every configured device once (for ``esc-agent once``)."""
    fleet = DeviceFleet(config)
    if not len(fleet):
        return []

    async def _run() -> list[DeviceBody]:
        session = SnmpSession(max_in_flight=fleet.max_in_flight) if fleet.uses_snmp else None
        try:
            return await fleet.poll_round(session)
        finally:
            if session is not None:
                session.close()

    return asyncio.run(_run())
