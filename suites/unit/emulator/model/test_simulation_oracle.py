"""The simulation against the independent oracle (suites/oracle.py), and the oracle against the
rates Factorio's documentation cites. Property tests run machines for long stretches of game time.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import oracle
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model.world import World

SUITES = Path(__file__).parents[3]


@pytest.fixture(scope="module")
def gamedata() -> Any:
    return load_vanilla()


def test_the_oracle_imports_nothing_of_the_testkit() -> None:
    code = "import sys, oracle; oracle.mining_rate('burner-mining-drill', 'iron-ore'); " + (
        "print(sorted(m for m in sys.modules if m.startswith('fle_testkit')))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], cwd=SUITES, capture_output=True, text=True, check=True, timeout=120
    )
    assert found.stdout.strip() == "[]"


@pytest.mark.parametrize(("machine", "product"), sorted(oracle.DOCUMENTED))
def test_the_oracle_agrees_with_the_documented_rates(machine: str, product: str) -> None:
    if oracle.entity(machine)["type"] == "mining-drill":
        rate = oracle.mining_rate(machine, product)
    else:
        rate = oracle.crafting_rate(machine, product)
    assert float(rate) == oracle.DOCUMENTED[(machine, product)]


def fuel_slot(entity: Any) -> Any:
    return next(i for i in entity.inventories.values() if i.name == "fuel")


LONG = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@LONG
@given(
    resource=st.sampled_from(["iron-ore", "copper-ore", "coal", "stone"]),
    fuel=st.sampled_from(["coal", "wood", "solid-fuel"]),
    fuel_count=st.integers(0, 8),
    amount=st.integers(1, 60),
    seconds=st.integers(1, 60 * 60),
)
def test_a_burner_drill_mines_what_the_oracle_says(
    gamedata: Any, resource: str, fuel: str, fuel_count: int, amount: int, seconds: int
) -> None:
    world = World.new(gamedata, 1)
    surface = world.get_surface(1)
    surface.create_entity(resource, (0.5, 0.5), force="neutral", amount=amount)
    drill = surface.create_entity("burner-mining-drill", (0, 0), force="player")
    chest = surface.create_entity("iron-chest", (-0.5, -1.5), force="player")
    if fuel_count:
        fuel_slot(drill).insert(fuel, fuel_count)
    ticks = seconds * 60
    world.simulation.run_until(ticks)
    mined = oracle.expected_mined("burner-mining-drill", resource, ticks, fuel, fuel_count, amount)
    assert chest.inventories[1].get_item_count(resource) == mined
    assert world.flow_statistics("item", "player", 1).get_input_count(resource) == mined


@LONG
@given(
    ore=st.sampled_from([("iron-ore", "iron-plate"), ("copper-ore", "copper-plate"), ("stone", "stone-brick")]),
    fuel=st.sampled_from(["coal", "wood"]),
    fuel_count=st.integers(0, 5),
    ore_count=st.integers(0, 50),
    seconds=st.integers(1, 60 * 60),
)
def test_a_stone_furnace_smelts_what_the_oracle_says(
    gamedata: Any, ore: tuple[str, str], fuel: str, fuel_count: int, ore_count: int, seconds: int
) -> None:
    ingredient, product = ore
    world = World.new(gamedata, 1)
    surface = world.get_surface(1)
    furnace = surface.create_entity("stone-furnace", (0, 0), force="player")
    if fuel_count:
        fuel_slot(furnace).insert(fuel, fuel_count)
    if ore_count:
        next(i for i in furnace.inventories.values() if i.name == "furnace_source").insert(ingredient, ore_count)
    ticks = seconds * 60
    world.simulation.run_until(ticks)
    per_craft = int(oracle.recipe(product)["ingredients"][0]["amount"])
    crafts = oracle.expected_crafted("stone-furnace", product, ticks, fuel, fuel_count, ore_count // per_craft)
    result = next(i for i in furnace.inventories.values() if i.name == "furnace_result")
    assert result.get_item_count(product) == crafts


def test_the_oracle_agrees_with_the_wiki_on_the_burner_inserter_of_1_1() -> None:
    documented = oracle.DOCUMENTED_BURNER_INSERTER_1_1
    assert oracle.inserter_rate(oracle.BURNER_INSERTER_1_1) == pytest.approx(documented["items_per_second"])
    there_and_back = 2 * oracle.swing_energy(oracle.BURNER_INSERTER_1_1)
    assert (
        math.floor(oracle.energy(oracle.item("coal")["fuel_value"]) / there_and_back) == documented["swings_per_coal"]
    )


def chest_to_chest(world: World, inserter: str, items: dict[str, int], coal: int) -> tuple[Any, Any]:
    surface = world.get_surface(1)
    source = surface.create_entity("iron-chest", (0.5, -0.5), force="player")
    machine = surface.create_entity(inserter, (0.5, 0.5), force="player")
    destination = surface.create_entity("iron-chest", (0.5, 1.5), force="player")
    for name, count in items.items():
        source.inventories[1].insert(name, count)
    if coal:
        fuel_slot(machine).insert("coal", coal)
    return machine, destination


@LONG
@given(
    item=st.sampled_from(["iron-plate", "stone", "iron-gear-wheel"]),
    items=st.integers(0, 400),
    seconds=st.integers(1, 60 * 60),
)
def test_a_burner_inserter_moves_what_the_oracle_says(gamedata: Any, item: str, items: int, seconds: int) -> None:
    world = World.new(gamedata, 1)
    _, destination = chest_to_chest(world, "burner-inserter", {item: items}, coal=50)
    ticks = seconds * 60
    world.simulation.run_until(ticks)
    assert destination.inventories[1].get_item_count(item) == oracle.expected_moved("burner-inserter", ticks, items)


def test_a_burner_inserter_keeps_the_oracle_rate_for_an_hour(gamedata: Any) -> None:
    """A game hour chest to chest (2,769 swings there and back, 194 MJ of coal): within 0.5 % of the
    oracle's rate."""
    world = World.new(gamedata, 1)
    _, destination = chest_to_chest(world, "burner-inserter", {"iron-plate": 3200}, coal=50)
    seconds = 60 * 60
    world.simulation.run_until(seconds * 60)
    moved = destination.inventories[1].get_item_count()
    rate = oracle.inserter_rate(oracle.entity("burner-inserter"))
    assert moved / seconds == pytest.approx(float(rate), rel=0.005)
    assert world.flow_statistics("item", "player", 1).get_output_count("coal") == 49  # what it burnt
