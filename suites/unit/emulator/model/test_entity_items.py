"""Items in and out of whole entities, burners, hand crafting, recipes, rotation, mining, status."""

from __future__ import annotations

import pytest

from fle_testkit.emulator.gamedata import GameData, load_vanilla
from fle_testkit.emulator.model import control, crafter, crafting
from fle_testkit.emulator.model.entity import Entity
from fle_testkit.emulator.model.errors import InvalidArgumentError
from fle_testkit.emulator.model.status import status
from fle_testkit.emulator.model.targets import drop_position, mining_target, pickup_position, target_at
from fle_testkit.emulator.model.world import World

GD: GameData = load_vanilla()


@pytest.fixture
def world() -> World:
    return World.new(GD, 1)


def make(world: World, name: str, x: float = 0, y: float = 0, direction: int = 0) -> Entity:
    return world.get_surface(1).create_entity(name, (x, y), direction=direction, force="player")


def test_insert_puts_fuel_in_the_fuel_slot_and_ore_in_the_source(world: World) -> None:
    furnace = make(world, "stone-furnace")
    assert control.insert(furnace, "coal", 10, GD.recipes) == 10
    assert control.insert(furnace, "iron-ore", 7, GD.recipes) == 7
    by_name = {inv.name: inv for inv in furnace.inventories.values()}
    assert by_name["fuel"].get_item_count("coal") == 10
    assert by_name["furnace_source"].get_item_count("iron-ore") == 7
    assert control.get_item_count(furnace) == 17


def test_insert_refuses_what_no_inventory_takes(world: World) -> None:
    furnace = make(world, "stone-furnace")
    inserter = make(world, "burner-inserter", 5, 5)
    assert control.insert(furnace, "copper-cable", 5, GD.recipes) == 0  # not fuel, not smeltable
    assert control.insert(inserter, "iron-ore", 5, GD.recipes) == 0
    assert control.insertable_count(inserter, "coal", GD.recipes) == 50


def test_character_guns_and_ammo_go_to_their_slots_first(world: World) -> None:
    character = make(world, "character")
    control.insert(character, "pistol", 1, GD.recipes)
    control.insert(character, "firearm-magazine", 10, GD.recipes)
    main = control.main_inventory(character)
    assert main is not None and main.is_empty()
    assert control.get_item_count(character, "pistol") == 1


def test_remove_item_takes_from_every_inventory_and_clear_empties_all(world: World) -> None:
    furnace = make(world, "stone-furnace")
    control.insert(furnace, "wood", 2, GD.recipes)
    assert control.remove_item(furnace, "wood", 5) == 2
    control.insert(furnace, "coal", 3, GD.recipes)
    control.clear_items_inside(furnace)
    assert control.get_item_count(furnace) == 0


def test_burner_follows_its_fuel_categories_and_corrects_remaining_fuel(world: World) -> None:
    furnace = make(world, "stone-furnace")
    burner = furnace.burner
    assert burner is not None and burner.inventory.name == "fuel"
    burner.remaining_burning_fuel = 5.0  # nothing burning: silently nothing
    assert burner.remaining_burning_fuel == 0.0
    burner.currently_burning = GD.items["coal"]
    assert burner.remaining_burning_fuel == GD.items["coal"].fuel_value
    burner.remaining_burning_fuel = 1e12
    assert burner.remaining_burning_fuel == GD.items["coal"].fuel_value
    with pytest.raises(InvalidArgumentError):
        burner.currently_burning = GD.items["iron-plate"]
    assert make(world, "iron-chest", 9, 9).burner is None


def test_begin_crafting_takes_ingredients_when_queued_and_cancel_gives_them_back(world: World) -> None:
    character = make(world, "character")
    recipes = character.force.recipes
    control.insert(character, "iron-plate", 9, GD.recipes)
    assert crafting.craftable_count(character, recipes["iron-gear-wheel"]) == 4
    assert crafting.begin_crafting(character, recipes["iron-gear-wheel"], 10) == 4
    assert control.get_item_count(character, "iron-plate") == 1
    assert control.get_item_count(character, "iron-gear-wheel") == 0
    assert character.character is not None
    assert [(c.recipe, c.count) for c in character.character.crafting_queue] == [("iron-gear-wheel", 4)]
    crafting.cancel_crafting(character, 1, 3, recipes)
    assert control.get_item_count(character, "iron-plate") == 7
    assert character.character.crafting_queue[0].count == 1


def test_hand_crafting_refuses_smelting_and_disabled_recipes(world: World) -> None:
    character = make(world, "character")
    recipes = character.force.recipes
    control.insert(character, "iron-ore", 10, GD.recipes)
    assert crafting.begin_crafting(character, recipes["iron-plate"], 1) == 0
    recipes["iron-gear-wheel"].enabled = False
    control.insert(character, "iron-plate", 10, GD.recipes)
    assert crafting.craftable_count(character, recipes["iron-gear-wheel"]) == 0


def test_set_recipe_sizes_the_crafter_and_returns_what_no_longer_fits(world: World) -> None:
    assembler = make(world, "assembling-machine-1")
    recipes = assembler.force.recipes
    assert crafter.get_recipe(assembler) is None
    crafter.set_recipe(assembler, recipes["iron-gear-wheel"])
    assert control.insert(assembler, "iron-plate", 10, GD.recipes) == 10
    assert control.insert(assembler, "copper-plate", 10, GD.recipes) == 0
    removed = crafter.set_recipe(assembler, recipes["copper-cable"])
    assert removed == [("iron-plate", 10)]
    with pytest.raises(crafter.RecipeNotAllowedError):
        crafter.set_recipe(assembler, recipes["iron-plate"])  # smelting
    with pytest.raises(crafter.NotACraftingMachineError):
        crafter.set_recipe(make(world, "iron-chest", 9, 9), recipes["iron-gear-wheel"])
    assert crafter.get_recipe(make(world, "stone-furnace", 20, 20)) is None


def test_rotate_turns_directional_entities_only(world: World) -> None:
    inserter = make(world, "burner-inserter")
    assert inserter.rotate() and inserter.direction == 4
    assert inserter.rotate(reverse=True) and inserter.rotate(reverse=True) and inserter.direction == 12
    chest = make(world, "iron-chest", 5, 5)
    assert not chest.rotate() and chest.direction == 0
    assembler = make(world, "assembling-machine-2", 20, 20)
    assert not assembler.rotate()  # no fluid recipe
    crafter.set_recipe(assembler, assembler.force.recipes["water-barrel"])
    assert assembler.rotate()


def test_inserter_positions_turn_with_it_and_find_their_targets(world: World) -> None:
    inserter = make(world, "burner-inserter", 0.5, 0.5)
    chest = make(world, "iron-chest", 0.5, -0.5)
    assert (pickup_position(inserter).x, pickup_position(inserter).y) == (0.5, -0.5)  # type: ignore[union-attr]
    assert target_at(inserter, pickup_position(inserter), world.get_surface(1)) is chest
    inserter.rotate()
    assert (drop_position(inserter).x, drop_position(inserter).y) == pytest.approx((-0.7, 0.5))  # type: ignore[union-attr]


def test_mine_entity_moves_products_and_contents_to_the_miner(world: World) -> None:
    character = make(world, "character")
    chest = make(world, "iron-chest", 3, 3)
    control.insert(chest, "coal", 7, GD.recipes)
    assert control.mine_entity(character, chest, GD.recipes)
    assert not chest.valid
    assert control.get_item_count(character, "iron-chest") == 1 and control.get_item_count(character, "coal") == 7
    ore = world.get_surface(1).create_entity("iron-ore", (10, 10), amount=2)
    assert control.mine_entity(character, ore, GD.recipes) and ore.amount == 1
    assert control.mine_entity(character, ore, GD.recipes) and not ore.valid
    assert control.get_item_count(character, "iron-ore") == 2
    chest = make(world, "iron-chest", 5, 5)
    chest.minable_flag = False
    assert not chest.minable and not control.mine_entity(character, chest, GD.recipes) and chest.valid


def test_mining_target_is_a_resource_under_the_drill(world: World) -> None:
    drill = make(world, "burner-mining-drill", 0, 0)
    assert mining_target(drill, world.get_surface(1)) is None
    ore = world.get_surface(1).create_entity("iron-ore", (0.5, 0.5), amount=100)
    assert mining_target(drill, world.get_surface(1)) is ore


def test_status_from_the_entity_alone(world: World) -> None:
    furnace = make(world, "stone-furnace")
    assert status(furnace) == "no_fuel"
    control.insert(furnace, "coal", 1, GD.recipes)
    assert status(furnace) == "no_ingredients"
    control.insert(furnace, "iron-ore", 1, GD.recipes)
    assert status(furnace) == "working"
    assert status(make(world, "assembling-machine-1", 10, 10)) == "no_power"
    assert status(make(world, "steam-engine", 30, 30)) == "not_plugged_in_electric_network"
    assert status(make(world, "iron-chest", 20, 20)) is None


def test_entity_state_round_trips_burner_recipe_and_queue(world: World) -> None:
    furnace = make(world, "stone-furnace")
    assert furnace.burner is not None
    furnace.burner.currently_burning = GD.items["wood"]
    assembler = make(world, "assembling-machine-1", 10, 10)
    crafter.set_recipe(assembler, assembler.force.recipes["iron-gear-wheel"])
    control.insert(assembler, "iron-plate", 5, GD.recipes)
    character = make(world, "character", 20, 20)
    control.insert(character, "iron-plate", 4, GD.recipes)
    crafting.begin_crafting(character, character.force.recipes["iron-gear-wheel"], 2)
    copy = World.from_state(GD, world.to_state())
    assert copy.to_state() == world.to_state()
    restored = {e.name: e for e in copy.get_surface(1).entities}
    assert restored["assembling-machine-1"].recipe is not None
    assert restored["stone-furnace"].burner.currently_burning.name == "wood"  # type: ignore[union-attr]


def test_a_steam_engine_faces_north_or_east_only(world: World) -> None:
    engine = make(world, "steam-engine", direction=8)
    assert engine.direction == 0
    assert engine.rotate() and engine.direction == 4
    assert engine.rotate() and engine.direction == 0  # the second quarter turn is upright again
    engine.direction = 12
    assert engine.direction == 4
    assert make(world, "boiler", 10, 10, direction=8).direction == 8  # a boiler has a front
