"""Alertmanager configuration generated from ``sites.toml`` (``esc-collector alertmanager config``).

Each site gets a route: its ``team="secretariat"`` alerts go to its secretariat (the site's
``contact``), grouped by site so that a secretariat gets one digest, not a storm; its other
alerts go to the technicians, grouped by alert. A site without a contact sends its secretariat's
digest to the technicians. Alerts of no site (the collector's own health) go to the technicians.

E-mails use the French templates of ``alerts/templates/`` (``esc.tmpl`` and the generated
``esc-time.tmpl``); each receiver puts its site around them: the subject says « 2 actions à faire
à l'ESC Maurepas : … », and the body links to the site's status page (``[alerting] status_url``); a secretariat's
e-mail says whom to call when an action asks for the technician (``[contacts] technicien`` of
``sites.toml``).
An unreachable device inhibits its other alerts (its alert name comes from the reason table).

The order notice (``EscSupplyOrder``) has a route of its own in each site: one group per
cartridge (its ``cartridge`` label changes with each new one), never repeated while it lasts, and
no « réglé » when it ends (the notice ends when the site closes, not when anything is solved): the
secretariat gets it once per cartridge.
"""

from __future__ import annotations

import html
from typing import Any

import yaml

from agent.contract import french
from collector.alerting.rules import ORDER_ALERT, unreachable_alert
from collector.config import AlertingSection
from collector.sites import SitesFile

TECHNICIANS = "technicien"
#: An order notice is one e-mail per cartridge: its group (one cartridge) is never repeated.
ORDER_GROUP_BY = ["site", "device", "supply", "cartridge"]
ORDER_REPEAT_INTERVAL = "30d"
#: Subject prefix of the technicians' e-mails, so that they can file them.
TECHNICIAN_PREFIX = "[ESC Fleet] "


def _literal(text: str) -> str:
    """Return text as Go template text (``{{`` would open an action)."""
    return text.replace("{{", '{{ "{{" }}')


def subject(where: str | None) -> str:
    """Return the Go template of a subject: « 2 actions à faire à l'ESC Maurepas : … » (``where``: « à l'ESC Maurepas »)."""
    place = f" {_literal(where)}" if where else ""
    return f'{{{{ template "esc.count" . }}}}{place} : {{{{ template "esc.titles" . }}}}'


def site_url(settings: AlertingSection, site_id: str) -> str | None:
    """Return the URL of a site's status page, if the status pages' address is configured."""
    return f"{settings.status_url.rstrip('/')}/site/{site_id}" if settings.status_url else None


#: Go template text setting ``$call`` when a firing alert's action asks for the technician.
ASKS_FOR_TECHNICIAN = (
    '{{ $call := false }}{{ range .Alerts.Firing }}{{ if match "technicien" .Annotations.action }}'
    "{{ $call = true }}{{ end }}{{ end }}"
)


def text_body(url: str | None, call: str | None = None) -> str:
    """Return the Go template of the plain-text part: the alerts, whom to call, the link to the site's page."""
    asks = (
        f"{ASKS_FOR_TECHNICIAN}{{{{ if $call }}}}\nPour prévenir le technicien : {_literal(call)}\n{{{{ end }}}}"
        if call
        else ""
    )
    link = f"\nLa page du site, à jour en permanence : {_literal(url)}\n" if url else ""
    return f'{{{{ template "esc.text.alerts" . }}}}{asks}{link}{{{{ template "esc.text.footer" . }}}}'


def html_body(url: str | None, call: str | None = None) -> str:
    """Return the Go template of the HTML part: the alerts, whom to call, the link to the site's page."""
    asks = (
        f'{ASKS_FOR_TECHNICIAN}{{{{ if $call }}}}<p style="margin:20px 0 0;"><strong>Pour prévenir le technicien :</strong> '
        f"{_literal(html.escape(call, quote=False))}</p>\n{{{{ end }}}}"
        if call
        else ""
    )
    link = (
        f'<p style="margin:20px 0 0;"><a href="{html.escape(url)}" style="color:#0b4f9c;font-weight:bold;">'
        "Voir la page du site</a> (à jour en permanence)</p>\n"
        if url
        else ""
    )
    return f'{{{{ template "esc.html.alerts" . }}}}{asks}{link}{{{{ template "esc.html.footer" . }}}}'


def _receiver(
    name: str,
    to: list[str],
    subject_text: str,
    url: str | None,
    call: str | None = None,
    *,
    send_resolved: bool = True,
) -> dict[str, Any]:
    return {
        "name": name,
        "email_configs": [
            {
                "to": ", ".join(to),
                "send_resolved": send_resolved,
                "headers": {"Subject": subject_text},
                "html": html_body(url, call),
                "text": text_body(url, call),
            }
        ],
    }


def _site_route(
    sites: SitesFile, site_id: str, settings: AlertingSection
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return a site's route and its receivers (the secretariat's e-mails say whom to call for the technician)."""
    site = sites.sites[site_id]
    where = french.at(site.name)
    url = site_url(settings, site_id)
    technicians = f"{TECHNICIANS}-{site_id}"
    receivers = [_receiver(technicians, list(settings.technicians), TECHNICIAN_PREFIX + subject(where), url)]
    secretariat = technicians
    if site.contact:
        secretariat = f"secretariat-{site_id}"
        call = sites.contact(site_id, "technicien")
        receivers.append(_receiver(secretariat, [site.contact], subject(where), url, call))
    orders = f"commande-{site_id}"
    receivers.append(
        _receiver(orders, [site.contact] if site.contact else list(settings.technicians), subject(where), url,
                  send_resolved=False)
    )  # fmt: skip
    route = {
        "receiver": technicians,
        "matchers": [f'site="{site_id}"'],
        "group_by": ["site", "alertname"],
        "repeat_interval": settings.technician_repeat_interval,
        "routes": [
            {
                "receiver": orders,
                "matchers": [f'alertname="{ORDER_ALERT}"'],
                "group_by": ORDER_GROUP_BY,
                "repeat_interval": ORDER_REPEAT_INTERVAL,
            },
            {
                "receiver": secretariat,
                "matchers": ['team="secretariat"'],
                "group_by": ["site"],
                "repeat_interval": settings.repeat_interval,
            },
        ],
    }
    return route, receivers


def inhibit_rules() -> list[dict[str, Any]]:
    """Return the inhibitions: an unreachable device silences its other alerts.

    Any other alert of the same site and device: device alerts carry a ``device`` label; PC,
    service and collector alerts have none, so they never equal an unreachable device's.
    """
    source = unreachable_alert()
    return [
        {
            "source_matchers": [f'alertname="{source}"'],
            "target_matchers": [f'alertname!="{source}"'],
            "equal": ["site", "device"],
        }
    ]


def render_alertmanager(sites: SitesFile, settings: AlertingSection) -> str:
    """Return the alertmanager.yml text."""
    glob: dict[str, Any] = {
        "smtp_smarthost": settings.smarthost,
        "smtp_from": settings.sender,
        "smtp_require_tls": settings.require_tls,
    }
    if settings.auth_username:
        glob["smtp_auth_username"] = settings.auth_username
    if settings.auth_password_file:
        glob["smtp_auth_password_file"] = str(settings.auth_password_file)
    receivers = [_receiver(TECHNICIANS, list(settings.technicians), TECHNICIAN_PREFIX + subject(None), None)]
    routes = []
    for site_id in sites.sites:
        route, site_receivers = _site_route(sites, site_id, settings)
        routes.append(route)
        receivers += site_receivers
    config = {
        "global": glob,
        "templates": [settings.templates],
        "route": {
            "receiver": TECHNICIANS,
            "group_by": ["site", "alertname"],
            "group_wait": settings.group_wait,
            "group_interval": settings.group_interval,
            "repeat_interval": settings.technician_repeat_interval,
            "routes": routes,
        },
        "inhibit_rules": inhibit_rules(),
        "receivers": receivers,
    }
    header = "# GENERATED by `esc-collector alertmanager config` from sites.toml: edit sites.toml, not this file.\n"
    return header + yaml.safe_dump(config, allow_unicode=True, sort_keys=False, width=4096)
