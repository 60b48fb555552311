"""Recipes with fluids in the tick simulation (assembling.py, fluid_recipes.py): chemical plants and oil
refineries take their fluid ingredients from their boxes' segments and give their fluid results into them."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import oracle

from fle_testkit.emulator.model import Surface, World
from fle_testkit.emulator.model.crafter import set_recipe
from fle_testkit.emulator.model.entity import Entity
from fle_testkit.emulator.model.fluid_recipes import recipe_boxes
from fle_testkit.emulator.model.fluid_segments import take
from fle_testkit.emulator.model.status import status


def inventory(entity: Entity, name: str) -> Any:
    return next(i for i in entity.inventories.values() if i.name == name)


def powered_machine(surface: Surface, name: str, recipe: str, position: tuple[float, float] = (0.5, 0.5)) -> Entity:
    """``name`` at ``position`` crafting ``recipe``, under a substation with ten solar panels (600 kW)."""
    surface.create_entity("substation", (position[0] - 0.5, position[1] - 4.5), force="player")
    for i in range(10):
        surface.create_entity(
            "solar-panel", (position[0] + 6 + 3 * (i % 2), position[1] - 8 + 3 * (i // 2)), force="player"
        )
    machine = surface.create_entity(name, position, force="player")
    machine.force.recipe(recipe).enabled = True
    set_recipe(machine, machine.force.recipe(recipe))
    return machine


def content(surface: Surface, entity: Entity, box: int) -> tuple[str, Fraction] | None:
    found = surface.fluids.box_content(entity, box)
    return None if found is None else (found[0], Fraction(found[1]))


class TestBoxes:
    def test_each_fluid_takes_its_box_by_fluidbox_index_or_in_order(self, world: World) -> None:
        refinery = world.gamedata.entities["oil-refinery"]
        basic = recipe_boxes(refinery, world.gamedata.recipes["basic-oil-processing"])
        assert basic is not None
        assert [(i.name, box) for i, box in basic[0]] == [("crude-oil", 2)]  # (fluidbox_index 2)
        assert [(p.name, box) for p, box in basic[1]] == [("petroleum-gas", 5)]  # (the third output box)
        advanced = recipe_boxes(refinery, world.gamedata.recipes["advanced-oil-processing"])
        assert advanced is not None
        assert [box for _, box in advanced[0]] == [1, 2] and [box for _, box in advanced[1]] == [3, 4, 5]
        assembler = world.gamedata.entities["assembling-machine-1"]
        assert recipe_boxes(assembler, world.gamedata.recipes["lubricant"]) is None  # (no fluid box)


class TestCrafting:
    def test_a_chemical_plant_makes_plastic_from_petroleum_and_coal(self, world: World, surface: Surface) -> None:
        plant = powered_machine(surface, "chemical-plant", "plastic-bar")
        surface.fluids.give(plant, 1, "petroleum-gas", 100, 25.0)
        inventory(plant, "assembling_machine_input").insert("coal", 10)
        crafts_a_second = oracle.crafting_rate("chemical-plant", "plastic-bar")
        world.simulation.run_until(int(60 * 3 / crafts_a_second))
        assert inventory(plant, "assembling_machine_output").get_item_count("plastic-bar") == 3 * 2
        world.simulation.run_until(600)
        assert inventory(plant, "assembling_machine_output").get_item_count("plastic-bar") == 5 * 2
        assert status(plant) == "fluid_ingredient_shortage"  # (coal left, petroleum used up: 20 a craft)
        statistics = world.flow_statistics("fluid", "player", 1)
        assert statistics.get_output_count("petroleum-gas") == 100

    def test_an_oil_refinery_makes_petroleum_from_crude_oil(self, world: World, surface: Surface) -> None:
        refinery = powered_machine(surface, "oil-refinery", "basic-oil-processing")
        surface.fluids.give(refinery, 1, "crude-oil", 100, 25.0)  # (the wrong box: crude oil goes in the 2nd)
        world.simulation.run_until(600)
        assert status(refinery) == "fluid_ingredient_shortage"
        surface.fluids.give(refinery, 2, "crude-oil", 150, 25.0)
        world.simulation.run_until(600 + 5 * 60 + 1)  # 5 s a craft at crafting speed 1
        assert content(surface, refinery, 5) == ("petroleum-gas", Fraction(45))
        assert content(surface, refinery, 2) == ("crude-oil", Fraction(50))
        statistics = world.flow_statistics("fluid", "player", 1)
        assert statistics.get_input_count("petroleum-gas") == 45

    def test_a_full_output_box_stops_it_until_drained(self, world: World, surface: Surface) -> None:
        refinery = powered_machine(surface, "oil-refinery", "basic-oil-processing")
        surface.fluids.give(refinery, 2, "crude-oil", 1000, 25.0)
        world.simulation.run_until(3000)
        assert content(surface, refinery, 5) == ("petroleum-gas", Fraction(90))  # (room for two of 45 in 100)
        assert status(refinery) == "full_output"
        take(refinery, 5, 90)
        world.simulation.run_until(3000 + 5 * 60 + 1)
        assert content(surface, refinery, 5) == ("petroleum-gas", Fraction(45))
        assert content(surface, refinery, 2) == ("crude-oil", Fraction(1000 - 4 * 100))  # (the 4th under way)

    def test_advanced_oil_processing_fills_three_output_boxes(self, world: World, surface: Surface) -> None:
        refinery = powered_machine(surface, "oil-refinery", "advanced-oil-processing")
        surface.fluids.give(refinery, 1, "water", 50, 15.0)
        surface.fluids.give(refinery, 2, "crude-oil", 100, 25.0)
        world.simulation.run_until(5 * 60 + 1)
        outputs = [content(surface, refinery, box) for box in (3, 4, 5)]
        assert outputs == [("heavy-oil", 25), ("light-oil", 45), ("petroleum-gas", 55)]
        assert content(surface, refinery, 1) is None and content(surface, refinery, 2) is None


def oil_chain(world: World) -> list[Entity]:
    """A pumpjack on a 100 % well, two pipes, a pump, two pipes into an oil refinery's crude-oil box (basic oil
    processing), under the refinery's substation and panels; ten pipes take its petroleum."""
    surface = world.get_surface(1)
    refinery = powered_machine(surface, "oil-refinery", "basic-oil-processing")
    surface.create_entity("crude-oil", (0.5, 10.5), amount=300_000)
    pumpjack = surface.create_entity("pumpjack", (0.5, 10.5), force="player")  # output at (1.5, 8.5)
    behind = [surface.create_entity("pipe", (1.5, 8.5 - i), force="player") for i in range(2)]
    pump = surface.create_entity("pump", (1.5, 6.0), direction=0, force="player")
    ahead = [surface.create_entity("pipe", (1.5, 4.5 - i), force="player") for i in range(2)]  # to (1.5, 3.5)
    surface.create_entity("substation", (4.0, 8.0), force="player")
    for i in range(10):  # (room for the petroleum: a line north of its output box)
        surface.create_entity("pipe", (2.5, -2.5 - i), force="player")
    return [pumpjack, *behind, pump, *ahead, refinery]


class TestOilChain:
    def test_a_pumpjacks_oil_reaches_the_refinery_through_a_pump(self, world: World) -> None:
        pumpjack, *_, pump, _, _, refinery = oil_chain(world)
        surface = world.get_surface(1)
        assert surface.fluids.segment(refinery, 2) is surface.fluids.segment(pump, 1)
        world.simulation.run_until(60 * 60)
        # 10 units a second from the well; 100 a craft: a craft every 10 s, 5 s each at crafting speed 1
        statistics = world.flow_statistics("fluid", "player", 1)
        made = statistics.get_input_count("petroleum-gas")
        assert 45 * 5 <= made <= 45 * 6
        assert status(pumpjack) == "working"

    def test_per_tick_stepping_gives_the_same_oil_chain(self, same_both_ways: Any) -> None:
        same_both_ways(oil_chain, 1800)


class TestEngine:
    @staticmethod
    def build(world: World) -> list[Entity]:
        surface = world.get_surface(1)
        refinery = powered_machine(surface, "oil-refinery", "advanced-oil-processing")
        plant = powered_machine(surface, "chemical-plant", "plastic-bar", position=(20.5, 0.5))
        surface.fluids.give(refinery, 1, "water", 700, 15.0)
        surface.fluids.give(refinery, 2, "crude-oil", 1000, 25.0)
        surface.fluids.give(plant, 1, "petroleum-gas", 333, 25.0)
        inventory(plant, "assembling_machine_input").insert("coal", 50)
        return [refinery, plant]

    def test_per_tick_stepping_gives_the_same_crafts(self, same_both_ways: Any) -> None:
        same_both_ways(self.build, 3000)

    def test_fluid_crafting_survives_a_save_exactly(self, world: World, resumed: Any) -> None:
        refinery, plant = self.build(world)
        world.simulation.run_until(777)
        take(refinery, 3, 7)
        loaded = resumed(world, 5000)
        assert status(loaded.get_surface(1).find_entities_filtered(name="oil-refinery")[0]) == "full_output"
