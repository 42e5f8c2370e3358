"""A site as a place of digital mediation: the ``[sites.<id>.lieu]`` table of ``sites.toml``.

The keys are the national open-data schema's own (« Schéma des lieux de médiation numérique »,
LaMednum's ``standard-mediation-num``, v1.0.1 on schema.data.gouv.fr), so that a record of the
national cartography and this table read alike; ``esc-collector sites export --format
mediation-num`` writes them (:mod:`collector.opendata`). Only the place is described here: its
opening hours are the site's ``opening_hours`` and its services come from the socle the site
declares, plus the human services listed in ``services``.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

import msgspec

from agent.shared.config import Section

#: The national schema's services (field ``services``), in its order.
MediationService = Literal[
    "Aide aux démarches administratives",
    "Maîtrise des outils numériques du quotidien",
    "Insertion professionnelle via le numérique",
    "Utilisation sécurisée du numérique",
    "Parentalité et éducation avec le numérique",
    "Loisirs et créations numériques",
    "Compréhension du monde numérique",
    "Accès internet et matériel informatique",
    "Acquisition de matériel informatique à prix solidaire",
]
MEDIATION_SERVICES: Final[tuple[str, ...]] = MediationService.__args__  # type: ignore[attr-defined]
Accompaniment = Literal[
    "En autonomie", "Accompagnement individuel", "Dans un atelier collectif", "À distance"
]
Fees = Literal["Gratuit", "Gratuit sous condition", "Payant"]
Access = Literal[
    "Se présenter",
    "Téléphoner",
    "Contacter par mail",
    "Prendre un RDV en ligne",
    "Ce lieu n'accueille pas de public",
    "Envoyer un mail avec une fiche de prescription",
]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=512)]
Url = Annotated[str, msgspec.Meta(pattern=r"^https?://\S+$", max_length=512)]


class Lieu(Section, frozen=True, kw_only=True):
    """The site as a place: what the national schema needs besides its name and hours."""

    #: SIRET (14 digits), or the RNA number of an association without one.
    pivot: Annotated[str, msgspec.Meta(pattern=r"^[a-zA-Z0-9]{9,14}$")]
    adresse: Text
    code_postal: Annotated[str, msgspec.Meta(pattern=r"^\d{5}$")]
    commune: Text
    code_insee: Annotated[str, msgspec.Meta(pattern=r"^([013-9]\d|2[AB1-9])\d{3}$")] | None = None
    complement_adresse: Text | None = None
    latitude: Annotated[float, msgspec.Meta(ge=-90, le=90)] | None = None
    longitude: Annotated[float, msgspec.Meta(ge=-180, le=180)] | None = None
    #: data.inclusion's structure types; « CS » is a social centre.
    typologie: tuple[Annotated[str, msgspec.Meta(pattern=r"^[A-Z][A-Z0-9_]{0,31}$")], ...] = ("CS",)
    #: International form, no spaces: « +33299000000 ».
    telephone: Annotated[str, msgspec.Meta(pattern=r"^(\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)(\d){6,9}$")] | None = None  # fmt: skip
    courriels: tuple[Annotated[str, msgspec.Meta(pattern=r"^[^@\s|]+@[^@\s|]+\.[a-z]{2,}$")], ...] = ()
    site_web: tuple[Url, ...] = ()
    presentation_resume: Annotated[str, msgspec.Meta(max_length=280)] | None = None
    #: Services people give there (« Aide aux démarches administratives » with a mediator…),
    #: added to those the socle's equipment gives.
    services: tuple[MediationService, ...] = ()
    modalites_accompagnement: tuple[Accompaniment, ...] = ()
    frais_a_charge: tuple[Fees, ...] = ()
    modalites_acces: tuple[Access, ...] = ()
    fiche_acces_libre: Url | None = None
    prise_rdv: Url | None = None
    structure_parente: Text | None = None
