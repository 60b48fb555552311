"""Flow statistics: the model's totals, and LuaFlowStatistics over RCON."""

from __future__ import annotations

import json

import pytest

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model import InvalidArgumentError, NotFoundError, UnknownPrototypeError, World
from fle_testkit.emulator.model.statistics import FlowStatistics

GD = load_vanilla()
ONE_MINUTE, FIVE_SECONDS, ONE_THOUSAND_HOURS = 1, 0, 7  # defines.flow_precision_index


@pytest.fixture
def world() -> World:
    return World.new(GD, 7)


@pytest.fixture
def items(world: World) -> FlowStatistics:
    return world.flow_statistics("item", "player", "nauvis")


def test_positive_flows_are_input_and_negative_ones_output(items: FlowStatistics) -> None:
    items.on_flow("iron-plate", 5)
    items.on_flow("iron-plate", 2.5)
    items.on_flow("iron-plate", -3)
    items.on_flow("coal", 0)
    assert items.input_counts == {"iron-plate": 7.5}
    assert items.output_counts == {"iron-plate": 3}
    assert items.get_input_count("iron-plate") == 7.5
    assert items.get_output_count("iron-plate") == 3
    assert items.get_input_count("coal") == 0


def test_flows_repeated_give_the_float_totals_of_as_many_calls(world: World) -> None:
    """A steady steam plant's bulk ticks (steady_steam.py) add each tick's flows this way."""
    flows = [("water", 0.1), ("water", -0.7333333333333333), ("steam", 0.7333333333333333), ("water", 0.3)]
    fluids = world.flow_statistics("fluid", "player", "nauvis")
    fluids.on_flow("water", 1.0)
    for _ in range(1000):
        for name, count in flows:
            fluids.on_flow(name, count)
    stepped = (dict(fluids.input_counts), dict(fluids.output_counts))
    fluids.clear()
    fluids.on_flow("water", 1.0)
    fluids.on_flows_repeated(flows, 1000)
    assert (fluids.input_counts, fluids.output_counts) == stepped  # (exactly: the same float sums)
    assert stepped[0]["water"] != 1.0 + 0.1 * 1000 + 0.3 * 1000  # (which a product would not give)


def test_set_counts_and_clear(items: FlowStatistics) -> None:
    items.set_input_count("coal", 4)
    items.set_output_count("coal", 1)
    items.set_output_count("coal", 0)
    assert items.input_counts == {"coal": 4} and items.output_counts == {}
    items.clear()
    assert items.input_counts == {} and items.get_input_count("coal") == 0


def test_names_are_checked_against_the_kind(world: World, items: FlowStatistics) -> None:
    with pytest.raises(UnknownPrototypeError) as raised:
        items.on_flow("water", 1)
    assert raised.value.kind == "item"
    fluids = world.flow_statistics("fluid", "player", "nauvis")
    fluids.on_flow("water", 100)
    with pytest.raises(UnknownPrototypeError):
        fluids.on_flow("iron-plate", 1)
    with pytest.raises(InvalidArgumentError):
        items.on_flow("coal", "many")


def test_flow_count_treats_every_flow_as_current(items: FlowStatistics) -> None:
    items.on_flow("copper-plate", 60)
    assert items.get_flow_count("copper-plate", "input", ONE_THOUSAND_HOURS, count=True) == 60
    assert items.get_flow_count("copper-plate", "input", ONE_MINUTE, count=True) == 60
    assert items.get_flow_count("copper-plate", "input", ONE_MINUTE) == 60  # per minute, over one minute
    assert items.get_flow_count("copper-plate", "input", FIVE_SECONDS) == 720  # 60 in 5 s is 720 a minute
    assert items.get_flow_count("copper-plate", "input", ONE_MINUTE, sample_index=1, count=True) == 60
    assert items.get_flow_count("copper-plate", "input", ONE_MINUTE, sample_index=2, count=True) == 0
    assert items.get_flow_count("copper-plate", "output", ONE_MINUTE, count=True) == 0
    assert items.get_flow_count("copper-plate", "storage", ONE_MINUTE, count=True) == 0
    for bad in ({"category": "in"}, {"precision_index": 8}, {"sample_index": 301}):
        args = {"category": "input", "precision_index": ONE_MINUTE, **bad}
        with pytest.raises(InvalidArgumentError):
            items.get_flow_count("copper-plate", **args)


def test_statistics_are_per_force_and_per_surface(world: World, items: FlowStatistics) -> None:
    other_surface = world.create_surface("lab")
    assert world.flow_statistics("item", "player", 1) is items
    assert world.flow_statistics("item", world.get_force("player"), world.get_surface(1)) is items
    assert world.flow_statistics("item", "enemy", "nauvis") is not items
    assert world.flow_statistics("item", "player", other_surface) is not items
    assert world.flow_statistics("fluid", "player", "nauvis") is not items
    with pytest.raises(NotFoundError):
        world.flow_statistics("item", "player", "vulcanus")


def test_statistics_are_saved_with_the_world(world: World, items: FlowStatistics) -> None:
    items.on_flow("iron-plate", 9)
    items.on_flow("iron-plate", -4)
    world.flow_statistics("fluid", "enemy", "nauvis").on_flow("water", 1.5)
    state = json.loads(json.dumps(world.to_state()))
    restored = World.from_state(GD, state)
    assert restored.to_state() == world.to_state()
    assert restored.flow_statistics("item", "player", 1).output_counts == {"iron-plate": 4}
    assert restored.flow_statistics("fluid", "enemy", 1).input_counts == {"water": 1.5}
    del state["statistics"]  # a state written before statistics existed
    assert World.from_state(GD, state).flow_statistics("item", "player", 1).input_counts == {}


FLOW = """/sc
local stats = game.forces.player.get_item_production_statistics(game.surfaces[1])
stats.on_flow("iron-plate", 12)
stats.on_flow({name = "iron-plate", quality = "normal"}, -5)
game.forces.player.get_fluid_production_statistics("nauvis").on_flow("water", 100)
"""

READ = """/sc
local force = game.forces.player
local stats = force.get_item_production_statistics(1)
rcon.print(helpers.table_to_json({
  input = stats.input_counts, output = stats.output_counts,
  consumed = stats.get_flow_count{name = "iron-plate", category = "output",
    precision_index = defines.flow_precision_index.one_thousand_hours, count = true},
  water = force.get_fluid_production_statistics(game.surfaces.nauvis).get_input_count("water"),
  same = stats == force.get_item_production_statistics("nauvis"),
  owner = stats.force.name, class = stats.object_name,
}))
"""


@pytest.mark.rcon_client
def test_statistics_over_rcon_survive_a_save(emulator) -> None:
    server = emulator("--start-server-load-scenario", "lab")
    with server.connect() as client:
        assert client.send_command(FLOW) is None
        before = json.loads(client.send_command(READ))
        unknown = client.send_command('/sc game.forces.player.get_item_production_statistics(1).on_flow("nope", 1)')
        client.send_command("/save flows")
    server.stop()
    restarted = emulator("--start-server-load-latest")
    with restarted.connect() as client:
        after = json.loads(client.send_command(READ))
        client.send_command("/sc game.forces.player.get_item_production_statistics(1).clear()")
        cleared = client.send_command(
            "/sc rcon.print(table_size(game.forces.player.get_item_production_statistics(1).input_counts))"
        )
    restarted.stop()
    assert before == {
        "input": {"iron-plate": 12},
        "output": {"iron-plate": 5},
        "consumed": 5,
        "water": 100,
        "same": True,
        "owner": "player",
        "class": "LuaFlowStatistics",
    }
    assert after == before
    assert unknown == "Cannot execute command. Error: Unknown item name: nope"
    assert cleared == "0"
