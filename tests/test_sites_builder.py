"""The tests' sites.toml builder writes files the collector reads as meant, and knows every key."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import msgspec

from collector.sites import Service, Site, load_sites

from helpers.sites import ServiceSpec, SiteSpec, closure, maintenance, service, site, sites_toml


def test_every_key_reaches_the_collector(tmp_path: Path) -> None:
    path = tmp_path / "sites.toml"
    path.write_text(
        sites_toml(
            site(
                "maurepas",
                name='ESC "Maurepas"',
                opening_hours="Mo-Fr 09:00-12:00,14:00-18:00; PH off",
                contact="secretariat.maurepas@example.org",
                timezone="Europe/Paris",
                holidays_subdivision="57",
                closures=[closure("2026-12-24", "2026-12-26", "fermeture de fin d'année")],
                maintenance=[maintenance("impression", "2026-12-08T09:00", "2026-12-08T11:00")],
                services={
                    "impression": service(devices=["hp", "sharp"], min_usable=2, label="imprimantes"),
                    "postes": service(pcs=["pc1"]),
                },
            ),
            site("kleber", name="ESC Kléber", opening_hours="off"),
        )
    )
    sites = load_sites(path).sites
    assert list(sites) == ["maurepas", "kleber"]
    maurepas = sites["maurepas"]
    assert maurepas.name == 'ESC "Maurepas"'
    assert (maurepas.timezone, maurepas.holidays_subdivision) == ("Europe/Paris", "57")
    assert maurepas.contact == "secretariat.maurepas@example.org"
    assert [(c.start, c.end, c.reason) for c in maurepas.closures] == [
        ("2026-12-24", "2026-12-26", "fermeture de fin d'année")
    ]
    assert [(m.service, m.start, m.end, m.reason) for m in maurepas.maintenance] == [
        ("impression", "2026-12-08T09:00", "2026-12-08T11:00", None)
    ]
    printing = maurepas.services["impression"]
    assert (printing.devices, printing.min_usable, printing.label) == (("hp", "sharp"), 2, "imprimantes")
    assert maurepas.services["postes"].pcs == ("pc1",)
    assert (sites["kleber"].name, sites["kleber"].services) == ("ESC Kléber", {})


def test_the_builder_knows_every_key_of_the_model() -> None:
    # A new key in sites.toml fails here until helpers/sites.py can write it.
    assert {f.encode_name for f in msgspec.structs.fields(Site)} <= {
        f.name for f in dataclasses.fields(SiteSpec)
    }
    assert {f.encode_name for f in msgspec.structs.fields(Service)} <= {
        f.name for f in dataclasses.fields(ServiceSpec)
    }
