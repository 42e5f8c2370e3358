"""Probe rounds on a schedule: the gateway, the names, the sites and the Wi-Fi logging, concurrently.

A round resolves every name once (the sites' hosts and ``dns_names``), checks the gateway and
the Wi-Fi logging meanwhile, then probes the sites side by side; a failed site is tried again
``retries`` times within the round (one lost packet is not an outage). The outcome is one
``DeviceBody`` of kind ``link``, judged by :mod:`agent.probes.judge`, published every round.

On a kiosk whose ``[probes]`` declares no ``sites``, the sites are the domains of its lockdown
policy's ``[browser] allowed_sites`` (``caf.fr`` → ``https://caf.fr/``, function ``site_caf``):
the sites the kiosk is there for.
"""

from __future__ import annotations

import concurrent.futures
import ipaddress
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from agent.config import AgentConfig, ProbesSection, SiteEntry
from agent.contract.messages import DeviceBody, LinkStatus, SiteCheck
from agent.probes import checks
from agent.probes.dns import DnsError
from agent.probes.judge import judge_link, site_function

_LOGGER = logging.getLogger(__name__)
_NOT_NAME = re.compile(r"[^a-z0-9]+")


def site_name(domain: str, taken: set[str]) -> str:
    """Return a function-safe name for a domain, unique among ``taken``.

    >>> site_name("impots.gouv.fr", set()), site_name("service-public.fr", set())
    ('impots', 'service_public')
    >>> site_name("caf.fr", {"caf"})
    'caf_fr'
    """
    labels = [label for label in domain.lower().strip(".").split(".") if label and label != "www"] or ["site"]
    for width in range(1, len(labels) + 1):
        candidate = _NOT_NAME.sub("_", "_".join(labels[:width])).strip("_") or "site"
        if not candidate[0].isalpha():
            candidate = f"s{candidate}"
        candidate = candidate[:42].rstrip("_")
        if candidate not in taken:
            return candidate
    number = 2
    while f"{candidate[:39]}_{number}" in taken:
        number += 1
    return f"{candidate[:39]}_{number}"


def sites_from_allowlist(domains: Sequence[str]) -> tuple[SiteEntry, ...]:
    """Return the sites to probe for a kiosk's allowed domains (at most 32)."""
    taken: set[str] = set()
    sites = []
    for domain in list(dict.fromkeys(domains))[:32]:
        name = site_name(domain, taken)
        taken.add(name)
        sites.append(SiteEntry(name=name, url=f"https://{domain}/", label=domain))
    return tuple(sites)


def default_sites(config: AgentConfig) -> tuple[SiteEntry, ...]:
    """Return the sites the configuration declares, else (on a kiosk) its browser allowlist's."""
    section = config.probes
    if section is not None and section.sites is not None:
        return section.sites
    if config.lockdown is None:
        return ()
    from agent.lockdown.policy import load_policy  # noqa: PLC0415 - kiosks only

    browser = getattr(load_policy(config.lockdown.policy), "browser", None)
    return sites_from_allowlist(browser.allowed_sites) if browser is not None else ()


@dataclass(frozen=True)
class Plan:
    """What one round probes."""

    section: ProbesSection
    sites: tuple[SiteEntry, ...]

    def hosts(self) -> list[str]:
        """Return the names to resolve: the sites' hosts (not IP literals) and ``dns_names``."""
        hosts = [urlsplit(s.url).hostname or "" for s in self.sites] + list(self.section.dns_names)
        return [h for h in dict.fromkeys(hosts) if h and not _is_address(h)]


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class Prober:
    """Runs probe rounds for one configuration (thread pools kept between rounds)."""

    def __init__(self, config: AgentConfig) -> None:
        """Prepare the plan (the sites; on a kiosk, read from its lockdown policy now)."""
        if config.probes is None:
            raise ValueError("no [probes] section")
        self.section = config.probes
        self.plan = Plan(self.section, default_sites(config))
        self.context = checks.tls_context(self.section.ca_file)
        self.workers = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="probe")
        self.lookups = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="lookup")
        self.resolver = checks.Resolver(self.section.dns_server, self.section.timeout, self.lookups)
        self.last_gateway: str | None = None

    def close(self) -> None:
        """Release the worker threads (a resolver stuck in the system's getaddrinfo is left behind)."""
        self.workers.shutdown(wait=False, cancel_futures=True)
        self.lookups.shutdown(wait=False, cancel_futures=True)

    def gateway(self) -> str | None:
        """Return the gateway to check this round.

        ``auto``: the default route's, now; when the route has gone (the link went down and took
        it along), the last one seen, so that its silence is what the round reports.
        """
        configured = self.section.gateway
        if configured == "none":
            return None
        if configured == "auto":
            self.last_gateway = checks.default_gateway() or self.last_gateway
            return self.last_gateway
        return configured

    def _site(self, entry: SiteEntry, resolution: checks.Resolution) -> SiteCheck:
        host = urlsplit(entry.url).hostname or ""
        attempts = self.section.retries + 1
        result: SiteCheck | None = None
        for attempt in range(attempts):
            if attempt:
                time.sleep(1.0)
            addresses: list[str] | None = [host] if _is_address(host) else resolution.addresses.get(host)
            error = resolution.errors.get(host)
            if addresses is None and attempt:  # resolve again: the first failure may have been a lost packet
                try:
                    addresses, error = self.resolver.resolve(host), None
                except DnsError as err:
                    error = str(err)[:256]
            result = checks.check_site(
                entry.name, site_function(entry.name), entry.url, addresses, error,
                context=self.context, timeout=self.section.timeout, method=entry.method,
            )  # fmt: skip
            if checks.site_ok(result):
                break
        assert result is not None
        return result

    def round(self) -> DeviceBody:
        """Probe everything once and return the observation to publish."""
        started = time.monotonic()
        section = self.section
        gateway_address = self.gateway()
        gateway_future = (
            self.workers.submit(checks.check_gateway, gateway_address, section.gateway_ports, section.timeout)
            if gateway_address
            else None
        )
        logging_future = None
        if section.wifi_logging is not None:
            wifi = section.wifi_logging
            if wifi.url is not None:
                logging_future = self.workers.submit(
                    checks.check_logging_http,
                    wifi.url,
                    wifi.expect,
                    context=self.context,
                    timeout=wifi.timeout,
                )
            elif wifi.syslog is not None:
                logging_future = self.workers.submit(
                    checks.check_logging_syslog, wifi.syslog, timeout=wifi.timeout
                )
        hosts = self.plan.hosts()
        resolution = checks.resolve_all(hosts, self.resolver, self.workers)
        dns = checks.dns_check(resolution, self.resolver) if hosts else None
        sites = list(self.workers.map(lambda entry: self._site(entry, resolution), self.plan.sites))
        gateway = gateway_future.result() if gateway_future is not None else None
        wifi_logging = logging_future.result() if logging_future is not None else None
        labels = {
            site_function(s.name): s.label or (urlsplit(s.url).hostname or s.name) for s in self.plan.sites
        }
        judged = judge_link(gateway, dns, sites, wifi_logging, labels)
        return DeviceBody(
            device=section.device,
            kind="link",
            name=section.name,
            reachable=True,
            poll_seconds=min(round(time.monotonic() - started, 3), 3600.0),
            state=judged.state,
            label=judged.label,
            reasons=judged.reasons,
            functions=judged.functions,
            link=LinkStatus(gateway=gateway, dns=dns, sites=tuple(sites), wifi_logging=wifi_logging),
        )


class ProbeMonitor(threading.Thread):
    """Background thread: one probe round every ``[probes] interval``, each one delivered."""

    def __init__(self, config: AgentConfig, deliver: Callable[[DeviceBody], None]) -> None:
        """Prepare the prober now, so that a broken kiosk policy is reported at start-up."""
        super().__init__(name="probes", daemon=True)
        self.prober = Prober(config)
        self.deliver = deliver
        self.stopping = threading.Event()

    def run(self) -> None:
        """Probe until stopped."""
        try:
            while not self.stopping.is_set():
                started = time.monotonic()
                try:
                    self.deliver(self.prober.round())
                except Exception:  # the probes must survive anything the network does
                    _LOGGER.exception("probe round failed")
                self.stopping.wait(max(0.0, self.prober.section.interval - (time.monotonic() - started)))
        finally:
            self.prober.close()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the current round."""
        self.stopping.set()
        if self.is_alive():
            self.join(timeout)


def probe_once(config: AgentConfig) -> DeviceBody:
    """Run one probe round (for ``esc-agent once`` and ``esc-agent probes once``)."""
    prober = Prober(config)
    try:
        return prober.round()
    finally:
        prober.close()
