"""Sharding by site: ``[sites] only`` narrows what a collector subscribes to, holds and exports.

A region runs several collectors on one broker, each with its list of sites (docs/scaling.md). The
real test runs two shards on Mosquitto with agents of three sites: each shard receives its sites'
messages and nothing else (no message of another site arrives to be dropped), and a shard whose list
loses a site stops receiving it although its persistent session still held the subscription.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.shared.config import ConfigError
from collector.config import load_collector_config
from collector.sites import SitesFile, load_sites

from helpers.broker import Broker
from helpers.collector import CollectorProc, start_collector
from helpers.fleet import ContractAgent
from helpers.processes import run_cli, stop_process, wait_for
from helpers.sites import member, service, site, sites_toml

SITES = ("maurepas", "kleber", "nantes")

# --------------------------------------------------------------------------- configuration

CONFIG_CASES = [
    ("every site by default", "", ("esc/v1/#",)),
    ("topics of one's own", '[broker]\ntopics = ["esc/v1/maurepas/#"]\n', ("esc/v1/maurepas/#",)),
    ("one shard", '[sites]\nonly = ["maurepas", "kleber"]\n', ("esc/v1/maurepas/#", "esc/v1/kleber/#")),
    ("only, empty", "[sites]\nonly = []\n", ("esc/v1/#",)),
]  # fmt: skip


@pytest.mark.parametrize(("name", "text", "expected"), CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_subscriptions_follow_the_sites_of_the_shard(
    tmp_path: Path, name: str, text: str, expected: tuple[str, ...]
) -> None:
    path = tmp_path / "collector.toml"
    path.write_text('[collector]\nname = "x"\n' + text)
    assert load_collector_config(path).subscriptions == expected, name


CONFIG_ERRORS = [
    ("named twice", '[sites]\nonly = ["maurepas", "kleber", "maurepas"]\n',
     "{path}:5: sites.only: maurepas listed more than once"),
    ("not an identifier", '[sites]\nonly = ["Maurepas"]\n',
     "{path}:5: sites.only[0]: expected str matching regex '^[a-z0-9][a-z0-9_.-]{{0,62}}(?!\\\\n)$'"),
    ("both only and topics", '[broker]\ntopics = ["esc/v1/#"]\n[sites]\nonly = ["maurepas"]\n',
     None),  # the default filter written out is no conflict
    ("topics next to only", '[broker]\ntopics = ["esc/v1/nantes/#"]\n[sites]\nonly = ["maurepas"]\n',
     "{path}: (top level): broker.topics: [sites] only subscribes to the sites' own topics: set one or the other"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "text", "expected"), CONFIG_ERRORS, ids=[c[0] for c in CONFIG_ERRORS])
def test_shard_configuration_errors_are_one_line(
    tmp_path: Path, name: str, text: str, expected: str | None
) -> None:
    path = tmp_path / "collector.toml"
    path.write_text('[collector]\nname = "x"\n\n' + text)
    if expected is None:
        assert load_collector_config(path).subscriptions == ("esc/v1/maurepas/#",)
        return
    with pytest.raises(ConfigError) as caught:
        load_collector_config(path)
    assert str(caught.value) == expected.format(path=path), name


def test_relative_sites_file_keeps_the_shard(tmp_path: Path) -> None:
    path = tmp_path / "collector.toml"
    path.write_text('[sites]\nfile = "sites.toml"\nonly = ["kleber"]\n')
    config = load_collector_config(path)
    assert config.sites.file == tmp_path / "sites.toml"
    assert config.sites.only == ("kleber",)


def load(tmp_path: Path, text: str) -> SitesFile:
    path = tmp_path / "sites.toml"
    path.write_text(text)
    return load_sites(path)


def three_sites() -> str:
    return sites_toml(
        *(
            site(
                name,
                name=f"ESC {name.title()}",
                opening_hours="24/7",
                services={"impression": service(devices=["copieur"])},
                agents={"pc1": member("le poste 1")},
            )
            for name in SITES
        )
    )


RESTRICT_CASES = [
    ((), set(SITES)),
    (("kleber",), {"kleber"}),
    (("nantes", "maurepas"), {"nantes", "maurepas"}),
]


@pytest.mark.parametrize(("only", "kept"), RESTRICT_CASES)
def test_restrict_keeps_the_named_sites(tmp_path: Path, only: tuple[str, ...], kept: set[str]) -> None:
    sites = load(tmp_path, three_sites())
    narrowed = sites.restrict(only)
    assert set(narrowed.sites) == kept
    assert all(narrowed.sites[s] == sites.sites[s] for s in kept)


def test_restrict_names_a_site_the_file_lacks(tmp_path: Path) -> None:
    sites = load(tmp_path, three_sites())
    with pytest.raises(ValueError, match=r"^brest, quimper: not declared in the sites file$"):
        sites.restrict(["kleber", "quimper", "brest"])


def test_run_refuses_a_shard_site_the_file_lacks(tmp_path: Path) -> None:
    (tmp_path / "sites.toml").write_text(three_sites())
    config = tmp_path / "collector.toml"
    config.write_text(
        '[sites]\nfile = "sites.toml"\nonly = ["kleber", "brest"]\n[history]\npath = "h.sqlite3"\n'
    )
    result = run_cli("esc-collector", "run", "--config", str(config), "--listen", "127.0.0.1:1")
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        f"esc-collector: error: {tmp_path / 'sites.toml'}: [sites] only: brest: not declared in the sites file\n"
    )


# --------------------------------------------------------------------------- on a real broker


def sites_in(collector: CollectorProc) -> set[str]:
    """Sites of every device series the collector exports."""
    return {
        dict(labels)["site"]
        for (name, labels), _value in collector.metrics().items()
        if name == "esc_device_up" and "site" in dict(labels)
    }


def reasons_of(collector: CollectorProc, site_id: str) -> set[str]:
    """Reasons the collector exports for the devices of one site."""
    return {
        dict(labels)["reason"]
        for (name, labels), value in collector.metrics().items()
        if name == "esc_device_reason" and dict(labels).get("site") == site_id and value == 1
    }


def counter_total(collector: CollectorProc, name: str) -> float:
    return sum(v for (sample, _labels), v in collector.metrics().items() if sample == name)


def test_two_shards_on_one_broker_hold_their_own_sites(tmp_path: Path, mosquitto: Broker) -> None:
    text = three_sites()
    shard_a = start_collector(tmp_path / "a", mosquitto, sites=text, only=("maurepas", "kleber"))
    shard_b = start_collector(tmp_path / "b", mosquitto, sites=text, only=("nantes",))
    procs = [shard_a.proc, shard_b.proc]
    agents = {name: ContractAgent(mosquitto.port, name, "pc1") for name in SITES}
    try:
        for agent in agents.values():
            agent.device("copieur")
            agent.host()
        wait_for(lambda: sites_in(shard_a) == {"maurepas", "kleber"}, timeout=15, what="shard a's devices")
        wait_for(lambda: sites_in(shard_b) == {"nantes"}, timeout=15, what="shard b's devices")
        # Each shard was sent its own sites' messages alone: birth, device and host of each agent.
        wait_for(lambda: counter_total(shard_a, "esc_collector_messages_accepted_total") == 6, timeout=10,
                 what="shard a: 2 sites x 3 messages")  # fmt: skip
        assert counter_total(shard_b, "esc_collector_messages_accepted_total") == 3
        for shard in (shard_a, shard_b):  # nothing of another site came to be dropped
            assert counter_total(shard, "esc_collector_messages_dropped_total") == 0
        assert shard_a.get("/site/nantes")[0] == 404
        assert shard_b.get("/site/nantes")[0] == 200

        # Kléber moves out of shard a. Its persistent session still holds esc/v1/kleber/#: the
        # restarted collector unsubscribes from it, so Kléber's messages no longer reach it.
        stop_process(shard_a.proc)
        shard_a = start_collector(
            tmp_path / "a", mosquitto, sites=text, only=("maurepas",), port=shard_a.port
        )
        procs.append(shard_a.proc)
        agents["kleber"].device("copieur", ["toner_low"])
        agents["kleber"].host()
        # Sent after Kléber's: once it is in, Kléber's were routed (or not) too.
        agents["maurepas"].device("copieur", ["toner_low"])
        wait_for(lambda: reasons_of(shard_a, "maurepas") == {"toner_low"}, timeout=10,
                 what="maurepas's new reading in shard a")  # fmt: skip
        assert sites_in(shard_a) == {"maurepas"}
        assert counter_total(shard_a, "esc_collector_messages_dropped_total") == 0
        assert "kleber" not in shard_a.get("/metrics")[1]
        assert "unsubscribed from esc/v1/kleber/#" in shard_a.log()
    finally:
        for agent in agents.values():
            agent.close()
        for proc in procs:
            stop_process(proc)
