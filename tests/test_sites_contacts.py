"""Contacts in sites.toml: a site's own win over the top-level defaults; the builder writes every key."""

from __future__ import annotations

import inspect
from pathlib import Path

import msgspec
import pytest

from agent.shared.config import ConfigError
from collector.sites import Contacts, SitesFile, load_sites

from helpers.processes import REPO
from helpers.sites import site, sites_toml

DEFAULTS = {"technicien": "Assistance informatique, 02 99 00 00 00", "accessibilite": "a11y@example.org"}


def _load(tmp_path: Path, text: str) -> SitesFile:
    path = tmp_path / "sites.toml"
    path.write_text(text, encoding="utf-8")
    return load_sites(path)


@pytest.mark.parametrize(
    ("site_contacts", "defaults", "expected"),
    [
        ({"technicien": "Jean Dupont, 06 12 34 56 78"}, DEFAULTS, "Jean Dupont, 06 12 34 56 78"),
        ({}, DEFAULTS, "Assistance informatique, 02 99 00 00 00"),
        ({"technicien": "Jean Dupont, 06 12 34 56 78"}, None, "Jean Dupont, 06 12 34 56 78"),
        ({}, None, None),
    ],
    ids=["site-wins", "default", "site-only", "none"],
)
def test_whom_to_call(tmp_path: Path, site_contacts: dict[str, str], defaults: dict[str, str] | None,
                      expected: str | None) -> None:  # fmt: skip
    sites = _load(
        tmp_path,
        sites_toml(site("maurepas", name="ESC Maurepas", opening_hours="24/7", contacts=site_contacts),
                   contacts=defaults),
    )  # fmt: skip
    assert sites.contact("maurepas", "technicien") == expected
    assert sites.contact("maurepas", "secretariat") is None  # a team with no contact key
    assert sites.contact("nowhere", "technicien") == (defaults or {}).get("technicien")


def test_an_unknown_contact_key_names_its_line(tmp_path: Path) -> None:
    text = sites_toml(site("maurepas", name="ESC Maurepas", opening_hours="24/7",
                           contacts={"technicein": "Jean"}))  # fmt: skip
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, text)
    message = str(caught.value)
    assert "sites.toml" in message
    assert "technicein" in message


def test_the_builder_knows_every_contact_key() -> None:
    # Every key of [contacts] can be written by the builder, at the top and in a site.
    keys = {f.encode_name for f in msgspec.structs.fields(Contacts)}
    everything = {key: f"{key} value" for key in keys}
    text = sites_toml(site("s", name="S", opening_hours="24/7", contacts=everything), contacts=everything)
    sites = msgspec.toml.decode(text.encode(), type=SitesFile)
    assert msgspec.structs.asdict(sites.contacts) == everything
    assert msgspec.structs.asdict(sites.sites["s"].contacts) == everything
    # The top-level keys of the file are the builder's arguments.
    top = {f.encode_name for f in msgspec.structs.fields(SitesFile)}
    assert top - {"sites"} <= set(inspect.signature(sites_toml).parameters)


def test_the_sample_documents_contacts() -> None:
    sample = load_sites(REPO / "collector" / "sample-sites.toml")
    assert sample.contacts.technicien
    assert sample.contacts.accessibilite
    maurepas = sample.sites["maurepas"]
    assert sample.contact("maurepas", "technicien") == maurepas.contacts.technicien
    others = [site_id for site_id, s in sample.sites.items() if s.contacts.technicien is None]
    assert others
    assert all(sample.contact(site_id, "technicien") == sample.contacts.technicien for site_id in others)
