"""Pure judgement of one probe round: the link first, then each administrative site.

Attribution happens here, at the source: when the link itself fails, every site's function is
down *because of the link* (cause « accès internet »), not because of the sites; a site is
blamed (« site administratif injoignable ») only while the link works. Rules, in order:

1. the gateway does not answer → ``gateway_unreachable``;
2. no declared name resolves → ``dns_failure``;
3. none of the sites answers at the network level (two sites at least: with one, the link
   and the site cannot be told apart, and the site is blamed) → ``internet_unreachable``;

each of them puts ``internet`` and every ``site_<name>`` function down. Otherwise ``internet``
is ok, and each site is judged alone: not resolved or no connection → ``site_unreachable``; the
TLS handshake or the certificate fails → ``tls_error``; an HTTP status of 400 or more (or no
status) → ``site_http_error``. The Wi-Fi logging check, when configured, is its own function
(``wifi_logging``): ``fail`` → ``wifi_logging_failed``; ``unknown`` → the function is unknown.
With nothing probed at all (no gateway, no name, no site) ``internet`` is unknown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from agent.contract.messages import DnsCheck, FunctionState, GatewayCheck, LoggingCheck, Reason, SiteCheck
from agent.printers.state import Derived, function_states, label_fr, overall, reason

INTERNET = "internet"
WIFI_LOGGING = "wifi_logging"
SITE_PREFIX = "site_"


def site_function(name: str) -> str:
    """Return the function of an administrative site (``caf`` → ``site_caf``)."""
    return f"{SITE_PREFIX}{name}"


def link_reason(gateway: GatewayCheck | None, dns: DnsCheck | None, sites: Sequence[SiteCheck],
                functions: Sequence[str]) -> Reason | None:  # fmt: skip
    """Return the reason the link is down, if it is (rules 1-3)."""
    if gateway is not None and not gateway.answered:
        return reason("gateway_unreachable", gateway.address, functions=functions)
    if dns is not None and dns.names and not dns.resolved:
        return reason("dns_failure", functions=functions)
    if len(sites) >= 2 and not any(s.answered for s in sites):
        return reason("internet_unreachable", functions=functions)
    return None


def site_reason(check: SiteCheck, part: str) -> Reason | None:
    """Return why one site fails while the link works, if it does."""
    functions = (check.function,)
    if not check.resolved or not check.connected:
        return reason("site_unreachable", check.name, functions=functions, part=part)
    if check.tls_ok is False:
        return reason("tls_error", check.name, functions=functions, part=part)
    if check.http_status is None or check.http_status >= 400:
        return reason("site_http_error", check.name, functions=functions, part=part)
    return None


def judge_link(
    gateway: GatewayCheck | None,
    dns: DnsCheck | None,
    sites: Sequence[SiteCheck],
    wifi_logging: LoggingCheck | None = None,
    site_labels: Mapping[str, str] | None = None,
) -> Derived:
    """Return the reasons and per-function states of one probe round.

    Args:
        gateway: the gateway check (``None``: not checked).
        dns: the DNS check (``None``: not checked).
        sites: one check per administrative site.
        wifi_logging: the Wi-Fi logging check, when configured.
        site_labels: how people name each site, by function (``site_caf`` → ``CAF``); its
            host by default.
    """
    labels = {s.function: (site_labels or {}).get(s.function) or s.host for s in sites}
    link_functions = (INTERNET, *(s.function for s in sites))
    offered = (*link_functions, *((WIFI_LOGGING,) if wifi_logging is not None else ()))
    reasons: list[Reason] = []
    cut = link_reason(gateway, dns, sites, link_functions)
    if cut is not None:
        reasons.append(cut)
    else:
        for check in sites:
            found = site_reason(check, labels[check.function])
            if found is not None:
                reasons.append(found)
    if wifi_logging is not None and wifi_logging.result == "fail":
        reasons.append(reason("wifi_logging_failed", functions=(WIFI_LOGGING,)))
    unknown = set()
    if gateway is None and (dns is None or not dns.names) and not sites:
        unknown.add(INTERNET)
    if wifi_logging is not None and wifi_logging.result == "unknown":
        unknown.add(WIFI_LOGGING)
    functions = tuple(
        FunctionState(function=f.function, state="unknown") if f.function in unknown else f
        for f in function_states(reasons, offered)
    )
    state = overall(functions, reasons)
    names = {f: f"site {label}" for f, label in labels.items()}
    return Derived(state, tuple(reasons), label_fr(state, reasons, functions, names), functions)
