"""FLE's inventory tools on both research variants: inspect, craft, insert, extract, recipes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fle.env.entities import EntityStatus, Position
from fle.env.game_types import Prototype

CHEST_AT = Position(x=2, y=2)
FURNACE_AT = Position(x=3, y=-2)


def _counts(namespace: Any, *items: Prototype) -> list[int]:
    inventory = namespace.inspect_inventory()
    return [inventory[item] for item in items]


def test_inspect_inventory_reports_exactly_what_the_reset_gave(configure_variant: Callable[..., Any]) -> None:
    namespace = configure_variant(inventory={"iron-plate": 7, "wooden-chest": 2})
    inventory = namespace.inspect_inventory()
    assert {name: count for name, count in inventory.items() if count} == {"iron-plate": 7, "wooden-chest": 2}
    assert inventory[Prototype.Coal] == 0


def test_craft_item_turns_the_recipes_ingredients_into_its_product(tools: Any) -> None:
    recipe = tools.get_prototype_recipe(Prototype.IronGearWheel)
    (plates_per_gear,) = [i.count for i in recipe.ingredients if i.name == "iron-plate"]
    plates, gears = _counts(tools, Prototype.IronPlate, Prototype.IronGearWheel)
    assert tools.craft_item(Prototype.IronGearWheel, 3) == 3
    assert _counts(tools, Prototype.IronPlate, Prototype.IronGearWheel) == [plates - 3 * plates_per_gear, gears + 3]


def test_craft_item_refuses_a_raw_resource(tools: Any) -> None:
    with pytest.raises(Exception, match="iron-ore doesnt exist, it is a raw resource that must be gathered first"):
        tools.craft_item(Prototype.IronOre, 1)
    assert tools.inspect_inventory()[Prototype.IronOre] == 0


def test_craft_item_without_the_ingredients_changes_nothing(configure_variant: Callable[..., Any]) -> None:
    namespace = configure_variant(inventory={"iron-plate": 3})
    with pytest.raises(Exception, match="Required iron-plate amount for iron-chest - 5"):  # 8 a chest, 3 held
        namespace.craft_item(Prototype.IronChest, 1)
    assert _counts(namespace, Prototype.IronPlate, Prototype.IronChest) == [3, 0]


def test_get_prototype_recipe_lists_vanilla_ingredients_and_products(tools: Any) -> None:
    recipe = tools.get_prototype_recipe(Prototype.IronGearWheel)
    assert [(i.name, i.count) for i in recipe.ingredients] == [("iron-plate", 2)]
    assert [(p.name, p.count, p.probability) for p in recipe.products] == [("iron-gear-wheel", 1, 1.0)]


def test_get_prototype_recipe_of_an_unknown_recipe_fails(tools: Any) -> None:
    with pytest.raises(Exception, match="Could not get recipe of no-such-recipe"):
        tools.get_prototype_recipe("no-such-recipe")


def test_insert_item_moves_items_from_the_player_into_a_chest(tools: Any) -> None:
    chest = tools.place_entity(Prototype.IronChest, position=CHEST_AT)
    (coal,) = _counts(tools, Prototype.Coal)
    chest = tools.insert_item(Prototype.Coal, chest, 7)
    assert chest.inventory[Prototype.Coal] == 7
    assert tools.inspect_inventory(chest)[Prototype.Coal] == 7
    assert _counts(tools, Prototype.Coal) == [coal - 7]


def test_insert_item_inserts_no_more_than_the_player_holds(configure_variant: Callable[..., Any]) -> None:
    namespace = configure_variant(inventory={"coal": 4, "iron-chest": 1})
    chest = namespace.place_entity(Prototype.IronChest, position=CHEST_AT)
    chest = namespace.insert_item(Prototype.Coal, chest, 10)
    assert namespace.inspect_inventory(chest)[Prototype.Coal] == 4
    assert _counts(namespace, Prototype.Coal) == [0]


def test_insert_item_fuels_a_furnace_at_once(tools: Any) -> None:
    furnace = tools.place_entity(Prototype.StoneFurnace, position=FURNACE_AT)
    assert furnace.status == EntityStatus.NO_FUEL
    furnace = tools.insert_item(Prototype.Coal, furnace, 5)
    assert furnace.fuel[Prototype.Coal] == 5
    assert furnace.status == EntityStatus.NO_INGREDIENTS
    assert tools.get_entity(Prototype.StoneFurnace, furnace.position).fuel[Prototype.Coal] == 5


def test_insert_item_refuses_a_second_ore_in_a_furnace(configure_variant: Callable[..., Any]) -> None:
    namespace = configure_variant(inventory={"iron-ore": 5, "copper-ore": 5}, merge=True)
    furnace = namespace.place_entity(Prototype.StoneFurnace, position=FURNACE_AT)
    furnace = namespace.insert_item(Prototype.IronOre, furnace, 5)
    assert furnace.furnace_source[Prototype.IronOre] == 5
    with pytest.raises(Exception, match="furnace already contains iron-ore so cannot insert copper-ore"):
        namespace.insert_item(Prototype.CopperOre, furnace, 5)
    assert _counts(namespace, Prototype.IronOre, Prototype.CopperOre) == [0, 5]


def test_insert_item_without_the_item_fails(tools: Any) -> None:
    chest = tools.place_entity(Prototype.IronChest, position=CHEST_AT)
    with pytest.raises(Exception, match="No iron-gear-wheel to insert from your inventory"):
        tools.insert_item(Prototype.IronGearWheel, chest, 1)
    assert tools.inspect_inventory(chest)[Prototype.IronGearWheel] == 0


def test_extract_item_moves_items_from_a_chest_to_the_player(tools: Any) -> None:
    chest = tools.insert_item(Prototype.Coal, tools.place_entity(Prototype.IronChest, position=CHEST_AT), 7)
    (coal,) = _counts(tools, Prototype.Coal)
    assert tools.extract_item(Prototype.Coal, chest, 3) == 3
    assert tools.inspect_inventory(chest)[Prototype.Coal] == 4
    assert _counts(tools, Prototype.Coal) == [coal + 3]


def test_extract_item_the_entity_lacks_fails(tools: Any) -> None:
    chest = tools.insert_item(Prototype.Coal, tools.place_entity(Prototype.IronChest, position=CHEST_AT), 7)
    with pytest.raises(Exception, match="Could not find a valid iron-chest entity containing iron-plate"):
        tools.extract_item(Prototype.IronPlate, chest, 1)
