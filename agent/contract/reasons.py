"""Every reason a member can be "not simply ok" for, in one table (Home Assistant's EntityDescription style).

A reason code is what an agent puts on the wire (``Reason.code``) and what the collector records
in its history. Its row here says everything the rest of the product needs to know about it:

* ``severity`` — ``down`` (this reason alone makes the function unusable) or ``degraded``;
* ``functions`` — which functions of the device it affects (``print``, ``scan``, or every
  function the member offers, :data:`ALL`): no toner does not stop scanning, an ADF jam does
  not stop printing (docs/design.md §5, "per function");
* ``cause`` — the family the coordinator reads in reports (:data:`CAUSES`);
* ``title`` and ``action`` — the French the secretariat reads, as phrase templates of
  :mod:`agent.contract.french` (fields: ``colour``, ``percent``, ``tray``, ``reference``,
  ``device``, ``of_device``, ``to_device``);
* ``team``, ``alert``, ``alert_for``, ``alert_severity`` — the alert decision: which rule of
  ``collector/alerting/rules.py`` covers it, after how long, for whom — or ``no_alert``, why not.

The agent's state rules (``agent/printers/state.py``), the collector's causes, the status page,
the alert rules and the e-mail templates all read this table. A code a newer agent sends that
this table does not know is kept, counted, and shown as « autre problème » (:data:`OTHER`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

Severity = Literal["down", "degraded"]
Team = Literal["secretariat", "technicien"]

PRINT: Final = "print"
SCAN: Final = "scan"
#: Every function the member offers (a device that does not answer neither prints nor scans).
ALL: Final = "*"


@dataclass(frozen=True, kw_only=True, slots=True)
class Cause:
    """A family of causes the coordinator reads in the report."""

    key: str
    label: str
    #: Outside the structure's reach (the internet link, an administrative site): reported apart.
    external: bool = False


#: Cause families, in the order reports list them when tied.
CAUSES: Final[Mapping[str, Cause]] = {
    c.key: c
    for c in (
        Cause(key="toner", label="toner ou encre vide"),
        Cause(key="paper", label="plus de papier"),
        Cause(key="jam", label="bourrage papier"),
        Cause(key="unreachable", label="appareil injoignable"),
        Cause(key="door", label="capot ouvert"),
        Cause(key="waste", label="bac de toner usagé plein"),
        Cause(key="output", label="bac de sortie plein"),
        Cause(key="error", label="panne signalée par l'appareil"),
        Cause(key="lockdown", label="verrouillage rompu"),
        Cause(key="pc_off", label="poste éteint ou hors ligne"),
        Cause(key="network", label="borne wifi ou réseau en panne"),
        Cause(key="wifi_logging", label="journal des connexions wifi en défaut"),
        Cause(key="internet", label="accès internet", external=True),
        Cause(key="site", label="site administratif injoignable", external=True),
        Cause(key="other", label="autre problème"),
        Cause(key="unknown", label="cause non précisée"),
    )
}


@dataclass(frozen=True, kw_only=True, slots=True)
class ReasonDescription:
    """What one reason code means, and what the product does about it."""

    code: str
    severity: Severity
    functions: frozenset[str]
    cause: str
    title: str
    action: str
    team: Team = "secretariat"
    alert: str | None = None
    alert_for: str = "5m"
    alert_severity: Literal["critical", "warning", "info"] = "critical"
    no_alert: str | None = None
    #: What ``Reason.subject`` points at: a row of the supplies table, of the paper trays, or of
    #: hrDeviceTable (the two tables' indexes overlap: "1.1" is both a supply and a tray).
    subject: Literal["supply", "tray", "unit"] | None = None

    def affects(self, function: str | None) -> bool:
        """Return whether this reason affects ``function`` (``None``: the member as a whole)."""
        return function is None or ALL in self.functions or function in self.functions


_P = frozenset({PRINT})
_S = frozenset({SCAN})
_ALL = frozenset({ALL})
_CALL = "prévenir le technicien"

#: The table. Keep it sorted by family; a test checks every code the agent can emit is here.
REASONS: Final[Mapping[str, ReasonDescription]] = {
    r.code: r
    for r in (
        # -------------------------------------------------------------- reachability, whole device
        ReasonDescription(
            code="unreachable", severity="down", functions=_ALL, cause="unreachable",
            title="Appareil injoignable",
            action=f"Vérifier que {{device}} est sous tension et que son câble réseau est branché ; sinon {_CALL}.",
            alert="EscDeviceUnreachable", alert_for="10m",
        ),
        ReasonDescription(
            code="device_error", severity="down", functions=_ALL, cause="error",
            title="Appareil en erreur",
            action=f"Éteindre puis rallumer {{device}} ; si l'erreur reste affichée, {_CALL}.",
            alert="EscDeviceError", alert_for="10m",
        ),
        ReasonDescription(
            code="offline", severity="down", functions=_P, cause="error",
            title="Impression arrêtée : appareil hors ligne",
            action=f"Éteindre puis rallumer {{device}} ; si l'impression ne reprend pas, {_CALL}.",
            alert="EscDeviceError", alert_for="10m",
        ),
        ReasonDescription(
            code="service_requested", severity="degraded", functions=_ALL, cause="error",
            title="Entretien demandé par l'appareil",
            action=f"Noter le message affiché sur l'écran {{of_device}} et {_CALL}.",
            team="technicien", alert="EscServiceRequested", alert_for="1h", alert_severity="warning",
        ),
        ReasonDescription(
            code="door_open", severity="down", functions=_ALL, cause="door",
            title="Capot ouvert",
            action="Refermer le capot {of_device}.",
            alert="EscDoorOpen",
        ),
        # -------------------------------------------------------------- toner and ink
        ReasonDescription(
            code="toner_empty", subject="supply", severity="down", functions=_P, cause="toner",
            title="Toner[ {colour}] vide",
            action="Remplacer la cartouche de toner[ {colour}][ ({reference})] {of_device}.",
            alert="EscTonerEmpty",
        ),
        ReasonDescription(
            code="toner_low", subject="supply", severity="degraded", functions=_P, cause="toner",
            title="Toner[ {colour}] presque vide[ ({percent})]",
            action="Prévoir une cartouche de toner[ {colour}][ ({reference})] pour {device} : la commander s'il n'y en a plus en stock.",
            alert="EscTonerLow", alert_for="30m", alert_severity="warning",
        ),
        ReasonDescription(
            code="toner_empty_spare", subject="supply", severity="degraded", functions=_P, cause="toner",
            title="Toner[ {colour}] : une cartouche vide, la suivante prend le relais",
            action="Remplacer la cartouche de toner[ {colour}] vide[ ({reference})] {of_device} avant que la suivante ne se vide.",
            alert="EscTonerEmpty",
        ),
        ReasonDescription(
            code="supply_missing", severity="down", functions=_P, cause="toner",
            title="Cartouche absente",
            action="Remettre en place la cartouche manquante {of_device}.",
            alert="EscSupplyMissing",
        ),
        ReasonDescription(
            code="waste_full", subject="supply", severity="down", functions=_P, cause="waste",
            title="Bac de toner usagé plein",
            action="Vider ou remplacer le bac de toner usagé {of_device}.",
            alert="EscWasteFull",
        ),
        ReasonDescription(
            code="waste_almost_full", subject="supply", severity="degraded", functions=_P, cause="waste",
            title="Bac de toner usagé presque plein[ ({percent})]",
            action="Prévoir un bac de toner usagé de rechange pour {device} : le commander s'il n'y en a plus en stock.",
            alert="EscWasteAlmostFull", alert_for="30m", alert_severity="warning",
        ),
        # -------------------------------------------------------------- paper
        ReasonDescription(
            code="jam", subject="tray", severity="down", functions=_P, cause="jam",
            title="Bourrage papier[ dans le {tray}][ (emplacement {location})]",
            action="Ouvrir {device} en suivant les indications de son écran et retirer doucement la feuille coincée.",
            alert="EscPaperJam", alert_for="2m",
        ),
        ReasonDescription(
            code="no_paper", severity="down", functions=_P, cause="paper",
            title="Plus de papier : tous les bacs sont vides",
            action="Remettre du papier dans les bacs {of_device}.",
            alert="EscPaperEmpty",
        ),
        ReasonDescription(
            code="tray_empty", subject="tray", severity="degraded", functions=_P, cause="paper",
            title="Plus de papier dans [le {tray}|un bac]",
            action="Remettre du papier dans [le {tray}|le bac vide] {of_device}.",
            alert="EscPaperTrayEmpty", alert_for="15m", alert_severity="warning",
        ),
        ReasonDescription(
            code="paper_low", subject="tray", severity="degraded", functions=_P, cause="paper",
            title="Peu de papier dans [le {tray}|un bac][ ({percent})]",
            action="Remettre du papier dans [le {tray} {of_device}|{device}].",
            alert="EscPaperLow", alert_for="30m", alert_severity="warning",
        ),
        ReasonDescription(
            code="tray_missing", severity="degraded", functions=_P, cause="paper",
            title="Bac à papier retiré",
            action="Remettre en place le bac à papier {of_device}.",
            alert="EscTrayMissing", alert_for="15m", alert_severity="warning",
        ),
        ReasonDescription(
            code="output_full", severity="down", functions=_P, cause="output",
            title="Bac de sortie plein",
            action="Retirer les feuilles du bac de sortie {of_device}.",
            alert="EscOutputFull",
        ),
        ReasonDescription(
            code="output_almost_full", severity="degraded", functions=_P, cause="output",
            title="Bac de sortie presque plein",
            action="Retirer les feuilles du bac de sortie {of_device}.",
            no_alert="the printer keeps printing; EscOutputFull fires when it stops",
        ),
        # -------------------------------------------------------------- scanning
        ReasonDescription(
            code="adf_jam", subject="tray", severity="down", functions=_S, cause="jam",
            title="Bourrage dans le chargeur de documents",
            action="Ouvrir le capot du chargeur de documents {of_device} et retirer doucement la feuille coincée.",
            alert="EscPaperJam", alert_for="2m",
        ),
        ReasonDescription(
            code="adf_open", severity="down", functions=_S, cause="door",
            title="Capot du chargeur de documents ouvert",
            action="Refermer le capot du chargeur de documents {of_device}.",
            alert="EscDoorOpen",
        ),
        ReasonDescription(
            code="scanner_down", severity="down", functions=_S, cause="error",
            title="Scanner arrêté ou en erreur",
            action=f"Éteindre puis rallumer {{device}} ; si le scanner reste en erreur, {_CALL}.",
            alert="EscScannerDown", alert_for="10m",
        ),
        ReasonDescription(
            code="scanner_unit_down", subject="unit", severity="down", functions=_S, cause="error",
            title="Scanner en erreur[ ({part})]",
            action=f"Éteindre puis rallumer {{device}} ; si le scanner reste en erreur, {_CALL}.",
            alert="EscScannerDown", alert_for="10m",
        ),
        # -------------------------------------------------------------- public PCs
        ReasonDescription(
            code="pc_off", severity="down", functions=_ALL, cause="pc_off",
            title="Poste éteint ou hors ligne",
            action=f"Allumer {{device}} et vérifier que son câble réseau est branché ; si rien ne change, {_CALL}.",
            alert="EscPcDown", alert_for="15m", alert_severity="warning",
        ),
        ReasonDescription(
            code="lockdown_broken", severity="down", functions=_ALL, cause="lockdown",
            title="Verrouillage rompu : le poste n'est plus limité aux sites administratifs",
            action="Retirer {device} du public (sécurité) et prévenir le technicien.",
            team="technicien", alert="EscLockdownBroken", alert_for="1m",
        ),
        # -------------------------------------------------------------- access points and routers
        # Rows say ALL: a network device offers one function (``wifi``), and the agent puts the
        # functions on the wire (``Reason.functions``) whenever a reason affects fewer.
        ReasonDescription(
            code="interface_down", severity="degraded", functions=_ALL, cause="network",
            title="Interface réseau hors service[ ({part})]",
            action=f"Vérifier les câbles et l'alimentation {{of_device}} ; si l'interface reste coupée, {_CALL}.",
            team="technicien",
            no_alert="one interface among several: the wifi function says when visitors lose Wi-Fi (EscServiceDown)",
        ),
        ReasonDescription(
            code="wifi_down", severity="down", functions=_ALL, cause="network",
            title="Wifi coupé : aucune radio n'émet",
            action=f"Éteindre puis rallumer {{device}} ; si le wifi ne revient pas, {_CALL}.",
            # EscServiceDown says « wifi public » is down and sends to the cause's own alert.
            alert="EscWifiDown", alert_for="10m",
        ),
        ReasonDescription(
            code="uplink_down", severity="down", functions=_ALL, cause="network",
            title="Borne déconnectée du réseau[ ({part})]",
            action=f"Vérifier le câble réseau et l'alimentation {{of_device}} ; sinon {_CALL}.",
            alert="EscWifiDown", alert_for="10m",
        ),
        # -------------------------------------------------------------- the internet link (external)
        ReasonDescription(
            code="gateway_unreachable", severity="down", functions=_ALL, cause="internet",
            title="La box internet ne répond plus",
            action="Vérifier que la box internet est allumée et branchée ; l'éteindre puis la rallumer ; "
                   "si la connexion ne revient pas, appeler l'opérateur.",
            # External, but the secretariat can act: restart the box, call the operator.
            alert="EscInternetDown", alert_for="10m",
        ),
        ReasonDescription(
            code="dns_failure", severity="down", functions=_ALL, cause="internet",
            title="Les noms des sites ne se résolvent plus (DNS)",
            action="Éteindre puis rallumer la box internet ; si rien ne change, appeler l'opérateur.",
            alert="EscInternetDown", alert_for="10m",
        ),
        ReasonDescription(
            code="internet_unreachable", severity="down", functions=_ALL, cause="internet",
            title="Accès internet coupé : aucun site ne répond",
            action="Regarder les voyants de la box internet et appeler l'opérateur si la connexion ne revient pas.",
            alert="EscInternetDown", alert_for="10m",
        ),
        # -------------------------------------------------------------- administrative sites (external)
        # One function per site (``site_<name>``): the agent names it in ``Reason.functions``.
        ReasonDescription(
            code="site_unreachable", severity="down", functions=_ALL, cause="site",
            title="Site administratif injoignable[ ({part})]",
            action="Rien à réparer sur place : le site ne répond pas ; proposer à l'usager de revenir plus tard.",
            no_alert="external: nothing to do on site; reported apart as « site administratif injoignable »",
        ),
        ReasonDescription(
            code="site_http_error", severity="down", functions=_ALL, cause="site",
            title="Site administratif en erreur[ ({part})]",
            action="Rien à réparer sur place : le site répond par une erreur ; proposer à l'usager de revenir plus tard.",
            no_alert="external: nothing to do on site; reported apart as « site administratif injoignable »",
        ),
        ReasonDescription(
            code="tls_error", severity="down", functions=_ALL, cause="site",
            title="Connexion sécurisée refusée[ ({part})]",
            action=f"Vérifier la date et l'heure du poste ; si elles sont justes, {_CALL}.",
            team="technicien",
            # Past an hour it is rarely the site's own certificate: a PC's clock, a proxy in the way.
            alert="EscTlsError", alert_for="1h", alert_severity="warning",
        ),
        # -------------------------------------------------------------- public Wi-Fi's legal logging
        ReasonDescription(
            code="wifi_logging_failed", severity="down", functions=_ALL, cause="wifi_logging",
            title="Journal des connexions du wifi public en défaut",
            action="Prévenir le technicien : la conservation des données de connexion du wifi public "
                   "(obligation légale d'un an) n'est plus assurée.",
            team="technicien",
            # A legal duty (CPCE L34-1, R10-13): connections not logged cannot be logged later.
            alert="EscWifiLoggingFailed", alert_for="15m",
        ),
    )
}  # fmt: skip

#: How an unknown code (from a newer agent) is shown and counted.
OTHER: Final = ReasonDescription(
    code="other", severity="degraded", functions=_ALL, cause="other",
    title="Autre problème signalé",
    action=f"Regarder l'écran {{of_device}} ; si le problème reste, {_CALL}.",
    no_alert="unknown codes are counted (esc_collector_unknown_reason_codes_total) and shown on the status page",
)  # fmt: skip


def describe(code: str) -> ReasonDescription:
    """Return the row of a reason code, or :data:`OTHER` for a code this version does not know."""
    return REASONS.get(code, OTHER)


def is_known(code: str) -> bool:
    """Return whether this version knows the reason code."""
    return code in REASONS


def cause_of(code: str) -> str:
    """Return the cause family of a reason code (``other`` for an unknown code)."""
    return describe(code).cause


def causes_of(codes: Iterable[str]) -> tuple[str, ...]:
    """Return the distinct causes of reason codes: those of ``down`` reasons first, in order."""
    rows = [describe(code) for code in codes]
    ordered = [r for r in rows if r.severity == "down"] + [r for r in rows if r.severity != "down"]
    return tuple(dict.fromkeys(r.cause for r in ordered))


def cause_label(cause: str) -> str:
    """Return the French label of a cause family (the key itself if unknown)."""
    row = CAUSES.get(cause)
    return row.label if row else cause


def alert_rules() -> dict[str, list[ReasonDescription]]:
    """Return ``{alert name: the reasons it covers}`` (one rule may cover several codes)."""
    out: dict[str, list[ReasonDescription]] = {}
    for reason in REASONS.values():
        if reason.alert is not None:
            out.setdefault(reason.alert, []).append(reason)
    return out
