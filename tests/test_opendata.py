"""The sites as open data (issue 14, point 4): the national mediation-num schema, out and back in.

``esc-collector sites export --format mediation-num`` is run as a process and its CSV validated
with frictionless (the engine of validata, which schema.data.gouv.fr uses) against the national
Table Schema v1.0.1 (``tests/data/mediation-num``); a broken row proves the validation bites.
``esc-collector sites import-hours`` reads such files back: printed lines, then a sites file
written only with ``--replace``, its comments kept, the old one kept as ``.bak``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from collector.history import History
from collector.opendata import FIELDS, set_hours
from collector.sites import load_sites
from collector.web.socle import last_month

from helpers.processes import REPO, run_cli
from helpers.sites import member, service, site, sites_toml

SCHEMA = REPO / "tests" / "data" / "mediation-num" / "schema.json"
MAUREPAS_LIEU = {
    "pivot": "12345678900017",
    "adresse": "12 rue de Maurepas",
    "code_postal": "35700",
    "commune": "Rennes",
    "code_insee": "35238",
    "latitude": 48.1244,
    "longitude": -1.6599,
    "telephone": "+33299000000",
    "courriels": ["accueil.maurepas@example.org"],
    "site_web": ["https://esc.example.org/maurepas"],
    "presentation_resume": "Espace social commun du quartier de Maurepas.",
    "services": ["Aide aux démarches administratives", "Maîtrise des outils numériques du quotidien"],
    "modalites_accompagnement": ["Accompagnement individuel"],
    "frais_a_charge": ["Gratuit"],
    "modalites_acces": ["Se présenter", "Téléphoner"],
}
SITES = sites_toml(
    site(
        "maurepas",
        name="ESC Maurepas",
        opening_hours="Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00; PH off",
        devices={
            "internet": member("l'accès internet", functions=["internet", "site_caf"]),
            "borne-wifi": member("la borne wifi", functions=["wifi"]),
            "hp": member("l'imprimante"),
        },
        agents={"pc1": member("le poste 1"), "borne": member("la borne CAF", needs=["site_caf"])},
        services={
            "wifi": service(devices=["borne-wifi"], needs=["internet"]),
            "postes": service(pcs=["pc1"], needs=["internet"]),
            "impression": service(devices=["hp"]),
            "bornes": service(pcs=["borne"], needs=["internet"]),
            "internet": service(devices=["internet"]),
        },
        lieu=MAUREPAS_LIEU,
    ),
    site(
        "carrefour-18",
        name="ESC Carrefour 18",
        opening_hours="Tu-Sa 10:00-18:00; PH off",
        devices={"brother": member("l'imprimante de la salle")},
        services={"impression": service(devices=["brother"])},
        lieu={
            "pivot": "W353001234",
            "adresse": "18 boulevard de Verdun",
            "code_postal": "35000",
            "commune": "Rennes",
        },
    ),
    site("kleber", name="ESC Kléber", opening_hours="Mo-Fr 09:00-18:00"),
)


def validate(path: Path) -> list[str]:
    """Return the problems frictionless finds in a CSV against the national schema (empty: valid)."""
    from frictionless import Resource, Schema

    schema = Schema.from_descriptor(json.loads(SCHEMA.read_text(encoding="utf-8")))
    resource = Resource(path=path.name, basepath=str(path.parent), schema=schema)
    report = resource.validate()
    return [f"{e.type}: {e.message}" for task in report.tasks for e in task.errors]


def rows_of(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_export_is_valid_against_the_national_schema(tmp_path: Path) -> None:
    (tmp_path / "sites.toml").write_text(SITES)
    out = tmp_path / "lieux.csv"
    done = run_cli("esc-collector", "sites", "export", "--format", "mediation-num", "--file",
                   str(tmp_path / "sites.toml"), "--out", str(out), "--date", "2026-12-01",
                   "--source", "Fédération des ESC de Rennes")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "2 place(s) written" in done.stderr
    assert "left out (no [sites.<id>.lieu] table): kleber" in done.stderr
    assert out.read_text(encoding="utf-8").splitlines()[0] == ",".join(FIELDS)
    assert validate(out) == []
    maurepas, carrefour = rows_of(out)
    assert maurepas["id"] == "maurepas"
    assert maurepas["horaires"] == "Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00; PH off"
    # The socle's equipment and the people's services, in the schema's order.
    assert maurepas["services"] == (
        "Aide aux démarches administratives|Maîtrise des outils numériques du quotidien|"
        "Accès internet et matériel informatique"
    )
    assert maurepas["modalites_accompagnement"] == "En autonomie|Accompagnement individuel"
    assert (maurepas["date_maj"], maurepas["source"], maurepas["itinerance"]) == ("2026-12-01", "Fédération des ESC de Rennes", "Fixe")  # fmt: skip
    assert (maurepas["latitude"], maurepas["typologie"], maurepas["modalites_acces"]) == ("48.1244", "CS", "Se présenter|Téléphoner")  # fmt: skip
    assert carrefour["services"] == "Accès internet et matériel informatique"
    assert carrefour["pivot"] == "W353001234"


def test_the_validation_bites(tmp_path: Path) -> None:
    # A row with a service outside the list, a postcode of four digits and no pivot is refused.
    bad = tmp_path / "bad.csv"
    row = dict.fromkeys(FIELDS, "")
    row.update(id="x", nom="X", commune="Rennes", code_postal="3500", adresse="1 rue", date_maj="2026-12-01",
               services="Wifi gratuit")  # fmt: skip
    with bad.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerow(row)
    problems = validate(bad)
    assert any("code_postal" in p or '"3500"' in p for p in problems), problems
    assert any("Wifi gratuit" in p for p in problems), problems
    assert any(p.startswith("constraint-error") and "pivot" in p for p in problems), problems


def test_export_with_the_real_availability(tmp_path: Path) -> None:
    (tmp_path / "sites.toml").write_text(SITES)
    (tmp_path / "collector.toml").write_text(
        '[collector]\nname = "t"\n[broker]\nurl = "mqtt://127.0.0.1:1"\n[sites]\nfile = "sites.toml"\n'
        '[history]\npath = "history.sqlite3"\n'
    )
    declared = load_sites(tmp_path / "sites.toml").sites["maurepas"]
    first, _last = last_month(dt.datetime.now(dt.UTC).timestamp(), declared)
    start = dt.datetime.combine(first, dt.time(), declared.tz).timestamp()
    history = History(tmp_path / "history.sqlite3")
    rows = [("maurepas", "device", "internet", start, "ok", (), f) for f in ("internet", "site_caf")]
    rows += [
        ("maurepas", "device", "borne-wifi", start, "ok", (), "wifi"),
        ("maurepas", "device", "hp", start, "ok", (), "print"),
    ]
    rows += [("maurepas", "pc", p, start, "ok", (), "") for p in ("pc1", "borne")]
    history.record_many(rows)
    history.close()
    out = tmp_path / "lieux.csv"
    done = run_cli("esc-collector", "sites", "export", "--format", "mediation-num", "--config",
                   str(tmp_path / "collector.toml"), "--availability", "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert validate(out) == []
    maurepas = rows_of(out)[0]
    assert maurepas["presentation_detail"].startswith("Disponibilité réelle en ")
    assert "wifi public 100,0\u202f%" in maurepas["presentation_detail"]
    assert "postes en libre-service 100,0\u202f%" in maurepas["presentation_detail"]
    assert "(mesurée par ESC Fleet)" in maurepas["presentation_detail"]
    # --availability without a configuration is a usage error.
    refused = run_cli("esc-collector", "sites", "export", "--format", "mediation-num", "--file",
                      str(tmp_path / "sites.toml"), "--availability")  # fmt: skip
    assert refused.returncode == 2
    assert "--availability reads the history: pass --config" in refused.stderr


PLACES_CSV = (
    "id,pivot,nom,commune,code_postal,adresse,horaires,date_maj\r\n"
    'maurepas,12345678900017,ESC Maurepas,Rennes,35700,12 rue de Maurepas,"Mo-Fr 09:00-12:30,13:30-18:00; PH off",2026-11-02\r\n'
    'autre-id,W353001234,Carrefour 18,Rennes,35000,18 boulevard de Verdun,"Tu-Sa 10:00-18:00; PH off",2026-11-02\r\n'
    "inconnu,11111111100011,Ailleurs,Rennes,35000,1 rue,Mo-Fr 25:00-26:00,2026-11-02\r\n"
)


def test_import_hours_prints_and_writes(tmp_path: Path) -> None:
    sites_path = tmp_path / "sites.toml"
    original = "# Nos sites — commentaire gardé\n" + SITES
    sites_path.write_text(original)
    places = tmp_path / "lieux.csv"
    places.write_text(PLACES_CSV)
    # Without a sites file: every place as lines to paste; an invalid expression is said.
    loose = run_cli("esc-collector", "sites", "import-hours", str(places))
    assert loose.returncode == 0, loose.stderr
    assert (
        '# ESC Maurepas (id maurepas)\nopening_hours = "Mo-Fr 09:00-12:30,13:30-18:00; PH off"'
        in loose.stdout
    )
    assert "# Ailleurs (id inconnu): invalid opening_hours 'Mo-Fr 25:00-26:00'" in loose.stdout
    # Matched to the sites file: maurepas by id, carrefour-18 by its SIRET/RNA; kleber has none.
    shown = run_cli("esc-collector", "sites", "import-hours", str(places), "--file", str(sites_path))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == (
        '[sites.maurepas]\nopening_hours = "Mo-Fr 09:00-12:30,13:30-18:00; PH off"'
        '  # was "Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00; PH off"\n'
        '[sites.carrefour-18]\nopening_hours = "Tu-Sa 10:00-18:00; PH off"  # unchanged\n'
    )
    assert "no place in" in shown.stderr
    assert "for: kleber" in shown.stderr
    # --write never overwrites different hours silently.
    refused = run_cli(
        "esc-collector", "sites", "import-hours", str(places), "--file", str(sites_path), "--write"
    )
    assert refused.returncode == 2
    assert "opening hours differ for maurepas" in refused.stderr
    assert "pass --replace" in refused.stderr
    assert sites_path.read_text() == original
    written = run_cli("esc-collector", "sites", "import-hours", str(places), "--file", str(sites_path),
                      "--write", "--replace")  # fmt: skip
    assert written.returncode == 0, written.stderr
    assert "opening hours of maurepas written; the previous file is" in written.stderr
    assert (tmp_path / "sites.toml.bak").read_text() == original
    text = sites_path.read_text()
    assert text.startswith("# Nos sites — commentaire gardé\n")
    assert text.replace('"Mo-Fr 09:00-12:30,13:30-18:00; PH off"', '"Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00; PH off"', 1) == original  # fmt: skip
    assert load_sites(sites_path).sites["maurepas"].opening_hours == "Mo-Fr 09:00-12:30,13:30-18:00; PH off"
    again = run_cli(
        "esc-collector", "sites", "import-hours", str(places), "--file", str(sites_path), "--write"
    )
    assert again.returncode == 0
    assert "nothing to change" in again.stderr


def test_import_hours_from_json_and_by_id(tmp_path: Path) -> None:
    (tmp_path / "sites.toml").write_text(SITES)
    places = tmp_path / "lieux.json"
    places.write_text(
        json.dumps([{"id": "lieu-42", "nom": "Kléber", "pivot": "", "horaires": "Mo-Th 09:00-17:00"}])
    )
    done = run_cli("esc-collector", "sites", "import-hours", str(places), "--file", str(tmp_path / "sites.toml"),
                   "--site", "kleber", "--id", "lieu-42", "--write", "--replace")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert load_sites(tmp_path / "sites.toml").sites["kleber"].opening_hours == "Mo-Th 09:00-17:00"
    # Invalid hours are never written; --id needs --site.
    places.write_text(json.dumps([{"id": "lieu-42", "horaires": "Mo-Fr 9h-17h"}]))
    bad = run_cli("esc-collector", "sites", "import-hours", str(places), "--file", str(tmp_path / "sites.toml"),
                  "--site", "kleber", "--id", "lieu-42", "--write", "--replace")  # fmt: skip
    assert bad.returncode == 2
    assert "kleber: invalid opening_hours 'Mo-Fr 9h-17h'" in bad.stderr
    usage = run_cli("esc-collector", "sites", "import-hours", str(places), "--id", "lieu-42")
    assert usage.returncode == 2
    assert "pass --site too" in usage.stderr


def test_export_then_import_is_unchanged(tmp_path: Path) -> None:
    (tmp_path / "sites.toml").write_text(SITES)
    out = tmp_path / "lieux.csv"
    assert run_cli("esc-collector", "sites", "export", "--format", "mediation-num", "--file",
                   str(tmp_path / "sites.toml"), "--out", str(out)).returncode == 0  # fmt: skip
    back = run_cli("esc-collector", "sites", "import-hours", str(out), "--file", str(tmp_path / "sites.toml"))
    assert back.stdout.count("# unchanged") == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[sites.a]\nname = "A"\nopening_hours = "24/7"  # toujours\n[sites.b]\nopening_hours = "off"\n',
         '[sites.a]\nname = "A"\nopening_hours = "Mo 10:00-12:00"  # toujours\n[sites.b]\nopening_hours = "off"\n'),
        ("[sites.\"a\"]\r\nopening_hours='24/7'\r\n", '[sites."a"]\r\nopening_hours="Mo 10:00-12:00"\r\n'),
    ],
)  # fmt: skip
def test_set_hours(text: str, expected: str) -> None:
    assert set_hours(text, "a", "Mo 10:00-12:00") == expected


def test_set_hours_refuses_what_it_cannot_edit() -> None:
    with pytest.raises(ValueError, match="no one-line opening_hours"):
        set_hours('[sites.a]\nopening_hours = """24/7"""\n', "a", "off")
