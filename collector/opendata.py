"""The sites as open data: the national schema of digital-mediation places, both ways.

**Export** (``esc-collector sites export --format mediation-num``): one CSV row per site that
describes itself as a place (``[sites.<id>.lieu]`` in ``sites.toml``), in the « Schéma des lieux
de médiation numérique » (LaMednum's ``standard-mediation-num``, v1.0.1): every column of the
schema in its order, comma-separated, UTF-8, multiple values joined by ``|``. ``horaires`` is the
site's ``opening_hours`` (the same OpenStreetMap syntax); ``services`` are those its socle gives
(:data:`SOCLE_SERVICES`: a free-access PC, the public Wi-Fi, a printer or a scanner is « Accès
internet et matériel informatique »; kiosks for administrative sites are « Aide aux démarches
administratives ») plus the human services the ``lieu`` table lists; self-service equipment
adds « En autonomie » to ``modalites_accompagnement``. With the history, ``presentation_detail``
states each offered service's real availability last month — the national directory says what
the site really delivers. A site without a ``lieu`` table is left out and named.

**Import** (``esc-collector sites import-hours FILE``): read such a file (CSV, or the JSON list
the national API serves) and give each site its opening hours: as ``sites.toml`` lines to paste,
or written into a sites file — never silently: a site whose hours differ is changed only with
``--replace``, the file is checked whole before it replaces the old one, and the old one is kept
beside it (``sites.toml.bak``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from collector.lieu import MEDIATION_SERVICES
from collector.sites import Site, SitesFile, load_sites, opening_hours_error

#: The schema's columns, in its order (v1.0.1).
FIELDS: Final = (
    "id", "pivot", "nom", "commune", "code_postal", "code_insee", "adresse", "complement_adresse",
    "latitude", "longitude", "typologie", "telephone", "courriels", "site_web", "horaires",
    "presentation_resume", "presentation_detail", "source", "itinerance", "structure_parente", "date_maj",
    "services", "publics_specifiquement_adresses", "prise_en_charge_specifique", "frais_a_charge",
    "dispositif_programmes_nationaux", "formations_labels", "autres_formations_labels", "modalites_acces",
    "modalites_accompagnement", "fiche_acces_libre", "prise_rdv",
)  # fmt: skip
#: What each service of the socle gives in the schema's words.
SOCLE_SERVICES: Final[Mapping[str, tuple[str, ...]]] = {
    "postes": ("Accès internet et matériel informatique",),
    "wifi": ("Accès internet et matériel informatique",),
    "impression": ("Accès internet et matériel informatique",),
    "numerisation": ("Accès internet et matériel informatique",),
    "bornes": ("Accès internet et matériel informatique", "Aide aux démarches administratives"),
}
#: Self-service equipment: people use it on their own.
SELF_SERVICE: Final = "En autonomie"
SEPARATOR: Final = "|"


def _join(values: Iterable[str]) -> str:
    return SEPARATOR.join(dict.fromkeys(values))


def _number(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def services_of(site: Site) -> list[str]:
    """Return the schema's services a site offers: its socle's, then its people's, in the schema's order."""
    found = {s for name in site.services for s in SOCLE_SERVICES.get(name, ())}
    found |= set(site.lieu.services if site.lieu else ())
    return [s for s in MEDIATION_SERVICES if s in found]


def record(
    site_id: str,
    site: Site,
    *,
    updated: dt.date,
    source: str = "",
    detail: str = "",
) -> dict[str, str]:
    """Return a site's row of the schema (every column, empty when unknown).

    Raises:
        ValueError: when the site has no ``lieu`` table (no address nor SIRET to publish).
    """
    lieu = site.lieu
    if lieu is None:
        raise ValueError(f"{site_id}: no [sites.{site_id}.lieu] table (address, SIRET...)")
    accompaniment = list(lieu.modalites_accompagnement)
    if any(name in SOCLE_SERVICES for name in site.services):
        accompaniment.insert(0, SELF_SERVICE)
    row = dict.fromkeys(FIELDS, "")
    row.update(
        id=site_id, pivot=lieu.pivot, nom=site.name, commune=lieu.commune, code_postal=lieu.code_postal,
        code_insee=lieu.code_insee or "", adresse=lieu.adresse, complement_adresse=lieu.complement_adresse or "",
        latitude=_number(lieu.latitude), longitude=_number(lieu.longitude), typologie=_join(lieu.typologie),
        telephone=lieu.telephone or "", courriels=_join(lieu.courriels), site_web=_join(lieu.site_web),
        horaires=site.opening_hours, presentation_resume=lieu.presentation_resume or "",
        presentation_detail=detail, source=source, itinerance="Fixe",
        structure_parente=lieu.structure_parente or "", date_maj=updated.isoformat(),
        services=_join(services_of(site)), frais_a_charge=_join(lieu.frais_a_charge),
        modalites_acces=_join(lieu.modalites_acces), modalites_accompagnement=_join(accompaniment),
        fiche_acces_libre=lieu.fiche_acces_libre or "", prise_rdv=lieu.prise_rdv or "",
    )  # fmt: skip
    return row


@dataclass
class Export:
    """The CSV text and the sites left out (no ``lieu`` table)."""

    text: str
    written: list[str]
    skipped: list[str]


def export_mediation_num(
    sites: SitesFile,
    *,
    updated: dt.date,
    source: str = "",
    details: Callable[[str, Site], str] | None = None,
) -> Export:
    """Return every site that describes itself as a place, as the schema's CSV.

    Args:
        sites: the sites file.
        updated: ``date_maj`` of every row (the export's day).
        source: who collected the data (``source``).
        details: a site's ``presentation_detail`` (its real availability last month), if any.
    """
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\r\n")
    writer.writeheader()
    written, skipped = [], []
    for site_id, site in sites.sites.items():
        if site.lieu is None:
            skipped.append(site_id)
            continue
        detail = details(site_id, site) if details is not None else ""
        writer.writerow(record(site_id, site, updated=updated, source=source, detail=detail))
        written.append(site_id)
    return Export(out.getvalue(), written, skipped)


def availability_detail(site: Site, promised: Mapping[str, float | None], month: str) -> str:
    """Return « Disponibilité réelle en novembre 2026, pendant les horaires d'ouverture : … ».

    Args:
        site: the site.
        promised: each offered socle service's availability last month (``None``: not measured).
        month: the month as people say it.
    """
    from agent.contract import french  # noqa: PLC0415
    from collector.sites import SERVICE_LABELS  # noqa: PLC0415

    parts = []
    for name, value in promised.items():
        label = site.services[name].label or SERVICE_LABELS[name]  # type: ignore[index]
        parts.append(f"{label} {french.ratio(value) if value is not None else 'non mesuré'}")
    if not parts:
        return ""
    return f"Disponibilité réelle en {month}, pendant les horaires d'ouverture : {', '.join(parts)} (mesurée par ESC Fleet)."


# --------------------------------------------------------------------------- import


@dataclass(frozen=True)
class Place:
    """A record of a mediation-num file: what the import needs of it."""

    id: str
    name: str
    pivot: str
    hours: str


def read_places(path: Path) -> list[Place]:
    """Read a mediation-num file: CSV (``,`` or ``;``, UTF-8 with or without a BOM) or a JSON list.

    Raises:
        ValueError: when the file is neither, or lacks the ``id`` and ``horaires`` columns.
    """
    text = path.read_text(encoding="utf-8-sig")
    rows: list[Mapping[str, object]]
    if text.lstrip().startswith(("[", "{")):
        data = json.loads(text)
        if isinstance(data, dict):  # {"data": [...]} or a single place
            data = data.get("data", data.get("lieux", [data]))
        if not isinstance(data, list):
            raise ValueError(f"{path}: a JSON list of places was expected")
        rows = [r for r in data if isinstance(r, dict)]
    else:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;")
        rows = list(csv.DictReader(io.StringIO(text), dialect=dialect))
    if rows and not {"id", "horaires"} <= set(rows[0]):
        raise ValueError(f"{path}: no 'id' and 'horaires' columns (is it a mediation-num file?)")
    return [
        Place(str(r.get("id") or ""), str(r.get("nom") or ""), str(r.get("pivot") or ""), str(r.get("horaires") or "").strip())
        for r in rows
    ]  # fmt: skip


def check_hours(hours: str) -> str | None:
    """Return why an opening-hours expression is refused, or ``None`` when it is valid."""
    from opening_hours import OpeningHours  # noqa: PLC0415

    try:
        OpeningHours(hours, country="FR")
    except Exception as err:  # ParserError and friends
        return opening_hours_error(hours, err)
    return None


def match(places: list[Place], sites: SitesFile, *, only: str | None = None, place_id: str | None = None) -> dict[str, Place]:  # fmt: skip
    """Return the place of each site: by ``--id`` for ``only``, else same id, else same SIRET (``lieu.pivot``)."""
    out: dict[str, Place] = {}
    for site_id, site in sites.sites.items():
        if only is not None and site_id != only:
            continue
        wanted = place_id or site_id
        found = next((p for p in places if p.id == wanted), None)
        if found is None and place_id is None and site.lieu is not None:
            found = next((p for p in places if p.pivot and p.pivot == site.lieu.pivot), None)
        if found is not None:
            out[site_id] = found
    return out


_TABLE = re.compile(r"^\s*\[(.+?)\]\s*(#.*)?$")
_HOURS = re.compile(r"^(\s*opening_hours\s*=\s*)(\"(?:[^\"\\]|\\.)*\"|'[^']*')(\s*(#.*)?)$")


def _table_name(line: str) -> str | None:
    found = _TABLE.match(line)
    if found is None:
        return None
    return ".".join(part.strip().strip('"').strip("'") for part in found.group(1).split("."))


def set_hours(text: str, site_id: str, hours: str) -> str:
    """Return a sites file's text with one site's ``opening_hours`` line replaced (comments kept).

    Raises:
        ValueError: when the site's table or its one-line ``opening_hours`` cannot be found.
    """
    lines = text.splitlines(keepends=True)
    inside = False
    for index, line in enumerate(lines):
        name = _table_name(line)
        if name is not None:
            inside = name == f"sites.{site_id}"
            continue
        found = _HOURS.match(line.rstrip("\r\n")) if inside else None
        if found is not None:
            ending = line[len(line.rstrip("\r\n")) :]
            lines[index] = f"{found.group(1)}{json.dumps(hours, ensure_ascii=False)}{found.group(3)}{ending}"
            return "".join(lines)
    raise ValueError(f"no one-line opening_hours in [sites.{site_id}]: edit the file by hand")


@dataclass
class HoursChange:
    """What the import does to one site."""

    site: str
    old: str
    new: str

    @property
    def changed(self) -> bool:
        """Return whether the hours differ."""
        return self.old != self.new


def write_hours(path: Path, changes: list[HoursChange], *, replace: bool) -> Path | None:
    """Write the new hours into the sites file; return the backup's path (``None``: nothing to write).

    Raises:
        ValueError: a site's hours differ and ``replace`` is false, or the new file is invalid.
    """
    differing = [c for c in changes if c.changed]
    if not differing:
        return None
    if not replace:
        names = ", ".join(f"{c.site} ({c.old!r} → {c.new!r})" for c in differing)
        raise ValueError(f"opening hours differ for {names}: pass --replace to overwrite them")
    text = path.read_text(encoding="utf-8")
    for change in differing:
        text = set_hours(text, change.site, change.new)
    candidate = path.with_name(f".{path.name}.new")
    candidate.write_text(text, encoding="utf-8")
    try:
        load_sites(candidate)  # the whole file, checked before it replaces the old one
    except Exception:
        candidate.unlink()
        raise
    backup = path.with_name(path.name + ".bak")
    backup.write_bytes(path.read_bytes())
    os.replace(candidate, path)
    return backup
