"""Pinned by mutation testing (issue 17): every row of the reason table and of the cause families.

The tables below are the product's decisions written out once more, field by field: a change to
``agent/contract/reasons.py`` (a severity flipped, a function set, a cause, the subject kind, the
team, the alert, its delay and severity, the French title) must be made here too, on purpose.
"""

from __future__ import annotations

import pytest

from agent.contract.reasons import (
    ALL,
    CAUSES,
    OTHER,
    PRINT,
    REASONS,
    SCAN,
    alert_rules,
    cause_label,
    cause_of,
    causes_of,
    describe,
    is_known,
)

# (code, severity, functions, cause, subject, team, alert, alert_for, alert_severity, title)
ROWS = [
    ('unreachable', 'down', {'*'}, 'unreachable', None, 'secretariat', 'EscDeviceUnreachable', '10m', 'critical', 'Appareil injoignable'),
    ('device_error', 'down', {'*'}, 'error', None, 'secretariat', 'EscDeviceError', '10m', 'critical', 'Appareil en erreur'),
    ('offline', 'down', {'print'}, 'error', None, 'secretariat', 'EscDeviceError', '10m', 'critical', 'Impression arrêtée : appareil hors ligne'),
    ('service_requested', 'degraded', {'*'}, 'error', None, 'technicien', 'EscServiceRequested', '1h', 'warning', "Entretien demandé par l'appareil"),
    ('door_open', 'down', {'*'}, 'door', None, 'secretariat', 'EscDoorOpen', '5m', 'critical', 'Capot ouvert'),
    ('toner_empty', 'down', {'print'}, 'toner', 'supply', 'secretariat', 'EscTonerEmpty', '5m', 'critical', 'Toner[ {colour}] vide'),
    ('toner_low', 'degraded', {'print'}, 'toner', 'supply', 'secretariat', 'EscTonerLow', '30m', 'warning', 'Toner[ {colour}] presque vide[ ({percent})]'),
    ('toner_empty_spare', 'degraded', {'print'}, 'toner', 'supply', 'secretariat', 'EscTonerEmpty', '5m', 'critical', 'Toner[ {colour}] : une cartouche vide, la suivante prend le relais'),
    ('supply_missing', 'down', {'print'}, 'toner', None, 'secretariat', 'EscSupplyMissing', '5m', 'critical', 'Cartouche absente'),
    ('waste_full', 'down', {'print'}, 'waste', 'supply', 'secretariat', 'EscWasteFull', '5m', 'critical', 'Bac de toner usagé plein'),
    ('waste_almost_full', 'degraded', {'print'}, 'waste', 'supply', 'secretariat', 'EscWasteAlmostFull', '30m', 'warning', 'Bac de toner usagé presque plein[ ({percent})]'),
    ('jam', 'down', {'print'}, 'jam', 'tray', 'secretariat', 'EscPaperJam', '2m', 'critical', 'Bourrage papier[ dans le {tray}][ (emplacement {location})]'),
    ('no_paper', 'down', {'print'}, 'paper', None, 'secretariat', 'EscPaperEmpty', '5m', 'critical', 'Plus de papier : tous les bacs sont vides'),
    ('tray_empty', 'degraded', {'print'}, 'paper', 'tray', 'secretariat', 'EscPaperTrayEmpty', '15m', 'warning', 'Plus de papier dans [le {tray}|un bac]'),
    ('paper_low', 'degraded', {'print'}, 'paper', 'tray', 'secretariat', 'EscPaperLow', '30m', 'warning', 'Peu de papier dans [le {tray}|un bac][ ({percent})]'),
    ('tray_missing', 'degraded', {'print'}, 'paper', None, 'secretariat', 'EscTrayMissing', '15m', 'warning', 'Bac à papier retiré'),
    ('output_full', 'down', {'print'}, 'output', None, 'secretariat', 'EscOutputFull', '5m', 'critical', 'Bac de sortie plein'),
    ('output_almost_full', 'degraded', {'print'}, 'output', None, 'secretariat', None, '5m', 'critical', 'Bac de sortie presque plein'),
    ('adf_jam', 'down', {'scan'}, 'jam', 'tray', 'secretariat', 'EscPaperJam', '2m', 'critical', 'Bourrage dans le chargeur de documents'),
    ('adf_open', 'down', {'scan'}, 'door', None, 'secretariat', 'EscDoorOpen', '5m', 'critical', 'Capot du chargeur de documents ouvert'),
    ('scanner_down', 'down', {'scan'}, 'error', None, 'secretariat', 'EscScannerDown', '10m', 'critical', 'Scanner arrêté ou en erreur'),
    ('scanner_unit_down', 'down', {'scan'}, 'error', 'unit', 'secretariat', 'EscScannerDown', '10m', 'critical', 'Scanner en erreur[ ({part})]'),
    ('pc_off', 'down', {'*'}, 'pc_off', None, 'secretariat', 'EscPcDown', '15m', 'warning', 'Poste éteint ou hors ligne'),
    ('lockdown_broken', 'down', {'*'}, 'lockdown', None, 'technicien', 'EscLockdownBroken', '1m', 'critical', "Verrouillage rompu : le poste n'est plus limité aux sites administratifs"),
    ('interface_down', 'degraded', {'*'}, 'network', None, 'technicien', None, '5m', 'critical', 'Interface réseau hors service[ ({part})]'),
    ('wifi_down', 'down', {'*'}, 'network', None, 'secretariat', 'EscWifiDown', '10m', 'critical', "Wifi coupé : aucune radio n'émet"),
    ('uplink_down', 'down', {'*'}, 'network', None, 'secretariat', 'EscWifiDown', '10m', 'critical', 'Borne déconnectée du réseau[ ({part})]'),
    ('gateway_unreachable', 'down', {'*'}, 'internet', None, 'secretariat', 'EscInternetDown', '10m', 'critical', 'La box internet ne répond plus'),
    ('dns_failure', 'down', {'*'}, 'internet', None, 'secretariat', 'EscInternetDown', '10m', 'critical', 'Les noms des sites ne se résolvent plus (DNS)'),
    ('internet_unreachable', 'down', {'*'}, 'internet', None, 'secretariat', 'EscInternetDown', '10m', 'critical', 'Accès internet coupé : aucun site ne répond'),
    ('site_unreachable', 'down', {'*'}, 'site', None, 'secretariat', None, '5m', 'critical', 'Site administratif injoignable[ ({part})]'),
    ('site_http_error', 'down', {'*'}, 'site', None, 'secretariat', None, '5m', 'critical', 'Site administratif en erreur[ ({part})]'),
    ('tls_error', 'down', {'*'}, 'site', None, 'technicien', 'EscTlsError', '1h', 'warning', 'Connexion sécurisée refusée[ ({part})]'),
    ('wifi_logging_failed', 'down', {'*'}, 'wifi_logging', None, 'technicien', 'EscWifiLoggingFailed', '15m', 'critical', 'Journal des connexions du wifi public en défaut'),
]  # fmt: skip

OTHER_ROW = (
    "other",
    "degraded",
    {"*"},
    "other",
    None,
    "secretariat",
    None,
    "5m",
    "critical",
    "Autre problème signalé",
)

# (key, French label, external)
CAUSE_ROWS = [
    ('toner', 'toner ou encre vide', False),
    ('paper', 'plus de papier', False),
    ('jam', 'bourrage papier', False),
    ('unreachable', 'appareil injoignable', False),
    ('door', 'capot ouvert', False),
    ('waste', 'bac de toner usagé plein', False),
    ('output', 'bac de sortie plein', False),
    ('error', "panne signalée par l'appareil", False),
    ('lockdown', 'verrouillage rompu', False),
    ('pc_off', 'poste éteint ou hors ligne', False),
    ('network', 'borne wifi ou réseau en panne', False),
    ('wifi_logging', 'journal des connexions wifi en défaut', False),
    ('internet', 'accès internet', True),
    ('site', 'site administratif injoignable', True),
    ('other', 'autre problème', False),
    ('unknown', 'cause non précisée', False),
]  # fmt: skip


@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_every_reason_row(row: tuple[object, ...]) -> None:
    code, severity, functions, cause, subject, team, alert, alert_for, alert_severity, title = row
    got = REASONS[code]  # type: ignore[index]
    assert (got.code, got.severity, set(got.functions), got.cause, got.subject, got.team) == (
        code, severity, functions, cause, subject, team)  # fmt: skip
    assert (got.alert, got.alert_for, got.alert_severity, got.title) == (
        alert,
        alert_for,
        alert_severity,
        title,
    )
    assert describe(code) is got  # type: ignore[arg-type]
    assert is_known(code)  # type: ignore[arg-type]
    assert cause_of(code) == cause  # type: ignore[arg-type]


def test_the_table_has_exactly_these_rows() -> None:
    assert [r[0] for r in ROWS] == list(REASONS)


def test_an_unknown_code_is_other() -> None:
    code, severity, functions, cause, subject, team, alert, alert_for, alert_severity, title = OTHER_ROW
    assert (OTHER.code, OTHER.severity, set(OTHER.functions), OTHER.cause, OTHER.subject, OTHER.team) == (
        code, severity, functions, cause, subject, team)  # fmt: skip
    assert (OTHER.alert, OTHER.alert_for, OTHER.alert_severity, OTHER.title) == (
        alert,
        alert_for,
        alert_severity,
        title,
    )
    assert describe("made_up_by_a_newer_agent") is OTHER
    assert not is_known("made_up_by_a_newer_agent")
    assert cause_of("made_up_by_a_newer_agent") == "other"


@pytest.mark.parametrize("row", CAUSE_ROWS, ids=[r[0] for r in CAUSE_ROWS])
def test_every_cause_family(row: tuple[str, str, bool]) -> None:
    key, label, external = row
    assert (CAUSES[key].key, CAUSES[key].label, CAUSES[key].external) == (key, label, external)
    assert cause_label(key) == label


def test_cause_families_in_report_order() -> None:
    assert list(CAUSES) == [r[0] for r in CAUSE_ROWS]
    assert cause_label("not_a_family") == "not_a_family"


@pytest.mark.parametrize(
    ("code", "function", "affected"),
    [
        ("unreachable", None, True), ("unreachable", PRINT, True), ("unreachable", SCAN, True),
        ("unreachable", "wifi", True), ("toner_empty", PRINT, True), ("toner_empty", SCAN, False),
        ("toner_empty", None, True), ("adf_jam", SCAN, True), ("adf_jam", PRINT, False),
        ("scanner_down", "wifi", False), ("offline", SCAN, False),
    ],
)  # fmt: skip
def test_affects(code: str, function: str | None, affected: bool) -> None:
    assert describe(code).affects(function) is affected


def test_the_function_sets() -> None:
    assert (PRINT, SCAN, ALL) == ("print", "scan", "*")


@pytest.mark.parametrize(
    ("codes", "causes"),
    [
        ((), ()),
        (("toner_low",), ("toner",)),
        (("toner_low", "jam"), ("jam", "toner")),  # the down reason's cause first
        (("jam", "adf_jam", "toner_empty"), ("jam", "toner")),  # one cause once
        (("service_requested", "tray_empty", "door_open"), ("door", "error", "paper")),
        (("unknown_code",), ("other",)),
        (("unknown_code", "unreachable"), ("unreachable", "other")),
    ],
)
def test_causes_of(codes: tuple[str, ...], causes: tuple[str, ...]) -> None:
    assert causes_of(codes) == causes


def test_alert_rules_group_the_codes_in_table_order() -> None:
    rules = {name: [r.code for r in rows] for name, rows in alert_rules().items()}
    assert rules == {
        "EscDeviceUnreachable": ["unreachable"],
        "EscDeviceError": ["device_error", "offline"],
        "EscServiceRequested": ["service_requested"],
        "EscDoorOpen": ["door_open", "adf_open"],
        "EscTonerEmpty": ["toner_empty", "toner_empty_spare"],
        "EscTonerLow": ["toner_low"],
        "EscSupplyMissing": ["supply_missing"],
        "EscWasteFull": ["waste_full"],
        "EscWasteAlmostFull": ["waste_almost_full"],
        "EscPaperJam": ["jam", "adf_jam"],
        "EscPaperEmpty": ["no_paper"],
        "EscPaperTrayEmpty": ["tray_empty"],
        "EscPaperLow": ["paper_low"],
        "EscTrayMissing": ["tray_missing"],
        "EscOutputFull": ["output_full"],
        "EscScannerDown": ["scanner_down", "scanner_unit_down"],
        "EscPcDown": ["pc_off"],
        "EscLockdownBroken": ["lockdown_broken"],
        "EscWifiDown": ["wifi_down", "uplink_down"],
        "EscInternetDown": ["gateway_unreachable", "dns_failure", "internet_unreachable"],
        "EscTlsError": ["tls_error"],
        "EscWifiLoggingFailed": ["wifi_logging_failed"],
    }
