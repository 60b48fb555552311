"""The harness Lua modules, embedded by ScenarioBuilder, driven over RCON on the emulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fle_testkit.scenario import Scenario, ScenarioBuilder

pytestmark = pytest.mark.rcon_client

SETUP = """/sc
local surface = game.surfaces[1]
-- the lab scenario's agent character: storage.agent_characters[1]
storage.agent_characters[1].get_inventory(defines.inventory.character_main).insert{name = "coal", count = 5}
local chest = surface.create_entity{name = "iron-chest", position = {4, 4}, force = "player"}
chest.get_inventory(defines.inventory.chest).insert{name = "iron-plate", count = 30}
surface.create_entity{name = "wooden-chest", position = {-6, 2}, force = "enemy"}
game.forces.player.technologies["automation"].researched = true
storage.mixed = {1, 2, "three", [10] = true, nested = {a = 1, b = {c = "d"}}, [2.5] = "half", chest = chest}
storage.mixed.self = storage.mixed
local stats = game.forces.player.get_item_production_statistics(surface)
stats.on_flow("iron-plate", 30)
stats.on_flow("coal", -2)
"""

CHECKSUM = "/sc rcon.print(fle_testkit.checksum.compute())"
DESCRIBE = "/sc rcon.print(fle_testkit.checksum.describe())"
SNAPSHOT = "/sc rcon.print(fle_testkit.snapshot.json())"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return ScenarioBuilder("lab", out_root=tmp_path_factory.mktemp("built")).build()


@pytest.fixture
def server(scenario: Scenario, write_data: Path, emulator):
    """A server on the built scenario, set up with SETUP; stopped by the fixture."""
    scenario.copy_to(write_data / "scenarios")
    process = emulator("--start-server-load-scenario", scenario.name)
    with process.connect() as client:
        assert client.send_command(SETUP) is None
    return process


def test_checksum_is_the_same_after_save_and_restart(server, emulator) -> None:
    with server.connect() as client:
        checksum = client.send_command(CHECKSUM)
        described = client.send_command(DESCRIBE)
        assert client.send_command("/save harness") is None
    server.stop()
    restarted = emulator("--start-server-load-latest")
    with restarted.connect() as client:
        assert client.send_command(DESCRIBE) == described
        assert client.send_command(CHECKSUM) == checksum
    assert len(checksum) == 16 and int(checksum, 16) >= 0
    assert "entity|nauvis|iron-chest|4.5|4.5|0|player|" in described
    assert "|1[iron-plate:30]" in described


def test_checksum_follows_entities_research_inventories_and_storage(server) -> None:
    with server.connect() as client:

        def changes(command: str) -> str:
            before = client.send_command(CHECKSUM)
            assert client.send_command("/sc " + command) is None
            after = client.send_command(CHECKSUM)
            assert after != before, command
            return after

        original = client.send_command(CHECKSUM)
        changes(
            'storage.extra = game.surfaces[1].create_entity{name = "stone-furnace", position = {10, 10}, force = "player"}'
        )
        changes("storage.extra.destroy() storage.extra = nil")
        back = client.send_command(CHECKSUM)
        changes('game.forces.player.technologies["logistics"].researched = true')
        changes(
            'storage.agent_characters[1].get_inventory(defines.inventory.character_main).insert{name = "coal", count = 1}'
        )
        changes('storage.mixed.nested.b.c = "e"')
        changes("storage.agent_characters[1].teleport({1, 0})")
    assert back == original  # the same state gives the same digest, whatever happened in between


def test_checksum_does_not_depend_on_insertion_order(server) -> None:
    build = """/sc
storage.ordered = {}
for _, i in ipairs({%s}) do storage.ordered["k" .. i] = i; storage.ordered[i] = {i} end
rcon.print(fle_testkit.checksum.compute())"""
    with server.connect() as client:
        forward = client.send_command(build % "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17")
        backward = client.send_command(build % "17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1")
    assert forward == backward


def test_snapshot_reports_flows_research_entities_and_characters(server) -> None:
    with server.connect() as client:
        snapshot = json.loads(client.send_command(SNAPSHOT))
        tick = json.loads(client.send_command(SNAPSHOT))["tick"]
        enemy = json.loads(
            client.send_command('/sc rcon.print(fle_testkit.snapshot.json{force = "enemy", characters = {}})')
        )
    assert snapshot["force"] == "player" and snapshot["surface"] == "nauvis"
    assert isinstance(snapshot["tick"], int) and tick >= snapshot["tick"]
    assert snapshot["production"]["items"] == {"input": {"iron-plate": 30}, "output": {"coal": 2}}
    assert snapshot["production"]["fluids"] == {"input": {}, "output": {}}
    assert snapshot["research"]["researched"] == ["automation"]
    assert snapshot["entities"] == {"character": 1, "iron-chest": 1}
    assert snapshot["characters"] == [
        {"key": 1, "unit_number": 1, "position": {"x": 0, "y": 0}, "inventory": {"coal": 5}}
    ]
    assert enemy["entities"] == {"wooden-chest": 1}
    assert enemy["characters"] == {}  # an empty Lua table is `{}` in table_to_json
    assert enemy["production"]["items"] == {"input": {}, "output": {}}


def test_an_inventory_for_a_game_without_agent_characters_is_an_error_that_says_so(server) -> None:
    with server.connect() as client:
        reply = client.send_command("/sc fle_testkit.reset.run{inventory = {coal = 1}, characters = {}}")
    assert "an inventory was asked for, but the game has no agent character" in reply


def test_reset_clears_entities_and_sets_inventories(server) -> None:
    with server.connect() as client:
        result = client.send_command(
            "/sc rcon.print(helpers.table_to_json(fle_testkit.reset.run{"
            'inventory = {["iron-plate"] = 50, ["stone-furnace"] = 2}, research = "all", speed = 2}))'
        )
        after = json.loads(client.send_command(SNAPSHOT))
        speed = client.send_command("/sc rcon.print(game.speed)")
        enemy_left = client.send_command('/sc rcon.print(#game.surfaces[1].find_entities_filtered{force = "enemy"})')
        client.send_command('/sc fle_testkit.reset.run{research = "none", keep_characters = false, all_forces = true}')
        emptied = json.loads(client.send_command(SNAPSHOT))
        everything = client.send_command("/sc rcon.print(#game.surfaces[1].find_entities_filtered{})")
    assert json.loads(result) == {"destroyed": 1, "inserted": {"iron-plate": 50, "stone-furnace": 2}}
    assert after["entities"] == {"character": 1}
    assert after["characters"][0]["inventory"] == {"iron-plate": 50, "stone-furnace": 2}
    assert "automation" in after["research"]["researched"] and len(after["research"]["researched"]) > 100
    assert after["production"]["items"] == {"input": {}, "output": {}}
    assert speed == "2"
    assert enemy_left == "1"  # only the given force's entities unless all_forces
    assert emptied["entities"] == {} and emptied["research"]["researched"] == {}
    assert everything == "0"


def test_the_harness_is_back_after_a_restart_without_upload(server, emulator) -> None:
    with server.connect() as client:
        client.send_command("/save harness")
    server.stop()
    restarted = emulator("--start-server-load-latest")
    with restarted.connect() as client:
        snapshot = json.loads(client.send_command(SNAPSHOT))
        reset = client.send_command("/sc rcon.print(type(fle_testkit.reset.run))")
    assert snapshot["characters"][0]["inventory"] == {"coal": 5}
    assert reset == "function"
