"""Script inventories (LuaGameScript::create_inventory) and LuaEntity::mine in the model."""

from __future__ import annotations

import pytest

from fle_testkit.emulator.gamedata import GameData, load_vanilla
from fle_testkit.emulator.model import control
from fle_testkit.emulator.model.errors import InvalidArgumentError, InvalidObjectError
from fle_testkit.emulator.model.world import World

GD: GameData = load_vanilla()


@pytest.fixture
def world() -> World:
    return World.new(GD, 1)


def test_a_script_inventory_holds_items_until_destroyed(world: World) -> None:
    inventory = world.script_inventories.create(2)
    assert inventory.insert("coal", 120) == 100  # two stacks of 50
    world.script_inventories.destroy(inventory)
    assert not inventory.valid and len(world.script_inventories) == 0
    with pytest.raises(InvalidObjectError):
        inventory.get_item_count("coal")


@pytest.mark.parametrize("size", [-1, 65536, 1.5, True])
def test_a_script_inventory_size_is_a_uint16(world: World, size: object) -> None:
    with pytest.raises(InvalidArgumentError):
        world.script_inventories.create(size)  # type: ignore[arg-type]


def test_script_inventories_survive_the_world_state(world: World) -> None:
    kept = world.script_inventories.create(3, "Loot")
    kept.insert("iron-plate", 7)
    gone = world.script_inventories.create(1)
    world.script_inventories.destroy(gone)
    restored = World.from_state(GD, world.to_state())
    again = restored.script_inventories.get(kept.script_id)
    assert again is not None and again.gui_title == "Loot" and len(again) == 3
    assert again.get_item_count("iron-plate") == 7
    assert restored.script_inventories.get(gone.script_id) is None
    assert restored.script_inventories.create(1).script_id == gone.script_id + 1  # ids are never reused


def test_mine_moves_a_rock_into_the_inventory_and_removes_it(world: World) -> None:
    rock = world.get_surface(1).create_entity("big-rock", (1, 0), force="neutral")
    inventory = world.script_inventories.create(5)
    assert control.mine(rock, inventory) is True
    assert inventory.get_item_count("stone") == 20 and not rock.valid


def test_mine_without_room_fails_unless_forced(world: World) -> None:
    rock = world.get_surface(1).create_entity("big-rock", (1, 0), force="neutral")
    full = world.script_inventories.create(1)
    full.insert("coal", 50)
    assert control.mine(rock, full) is False and rock.valid
    assert control.mine(rock, full, force=True) is True and not rock.valid
    assert full.get_item_count() == 50  # what did not fit is lost (no spilling is modelled)


def test_mine_without_an_inventory_destroys_the_products(world: World) -> None:
    chest = world.get_surface(1).create_entity("wooden-chest", (0, 0), force="player")
    chest.inventories[1].insert("coal", 10)
    assert control.mine(chest, None) is True and not chest.valid


def test_mine_takes_one_unit_of_a_resource(world: World) -> None:
    ore = world.get_surface(1).create_entity("iron-ore", (0, 0), force="neutral", amount=2)
    inventory = world.script_inventories.create(1)
    assert control.mine(ore, inventory) and ore.amount == 1 and ore.valid
    assert control.mine(ore, inventory) and not ore.valid
    assert inventory.get_item_count("iron-ore") == 2


def test_an_unminable_entity_is_mined_only_when_told_to_ignore_it(world: World) -> None:
    rock = world.get_surface(1).create_entity("big-rock", (1, 0), force="neutral")
    rock.minable_flag = False
    assert control.mine(rock, None) is False and rock.valid
    assert control.mine(rock, None, ignore_minable=True) is True and not rock.valid
