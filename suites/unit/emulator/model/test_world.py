"""A new game's world, lookups, and an exact round trip through plain JSON state."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fle_testkit.emulator.errors import EmulatorError
from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model import (
    InvalidArgumentError,
    ModelError,
    NotFoundError,
    StateError,
    World,
)

GD = load_vanilla()


def test_new_world_has_nauvis_and_the_three_forces() -> None:
    world = World.new(GD, 123456)
    assert world.seed == 123456
    assert [(s.index, s.name) for s in world.surfaces.values()] == [(1, "nauvis")]
    assert [(f.index, f.name) for f in world.forces.values()] == [(1, "player"), (2, "enemy"), (3, "neutral")]
    assert world.unit_number_counter == 1
    assert world.get_surface("nauvis") is world.get_surface(1)
    assert world.get_force("enemy") is world.get_force(2)


def test_lookups_fail_clearly() -> None:
    world = World.new(GD, 1)
    with pytest.raises(NotFoundError, match="surface"):
        world.get_surface("vulcanus")
    with pytest.raises(NotFoundError, match="surface"):
        world.get_surface(2)
    with pytest.raises(NotFoundError, match="force"):
        world.get_force(4)
    with pytest.raises(NotFoundError, match="not of this world"):
        world.get_force(World.new(GD, 1).get_force("player"))


def test_created_surfaces_and_forces_get_the_next_index() -> None:
    world = World.new(GD, 1)
    assert world.create_surface("lab").index == 2
    assert world.create_force("blue").index == 4
    with pytest.raises(InvalidArgumentError, match="exists"):
        world.create_surface("nauvis")
    with pytest.raises(InvalidArgumentError, match="exists"):
        world.create_force("player")


def test_at_most_64_forces() -> None:
    world = World.new(GD, 1)
    for n in range(61):
        world.create_force(f"team-{n}")
    assert len(world.forces) == 64
    with pytest.raises(ModelError, match="64"):
        world.create_force("one-too-many")


def test_errors_are_emulator_errors() -> None:
    assert issubclass(ModelError, EmulatorError)
    assert issubclass(StateError, ModelError) and issubclass(NotFoundError, ModelError)


# --- state --------------------------------------------------------------------


def json_copy(state: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(state, allow_nan=False))


def test_from_state_restores_counters_and_unit_numbers() -> None:
    world = World.new(GD, 99)
    surface = world.get_surface(1)
    chest = surface.create_entity("iron-chest", (3, 4), force="player")
    surface.create_entity("iron-chest", (5, 4)).destroy()
    surface.create_entity("tree-01", (7.3, 1.1))
    restored = World.from_state(GD, json_copy(world.to_state()))
    again = restored.get_surface(1).find_entities_filtered(name="iron-chest")
    assert [e.unit_number for e in again] == [chest.unit_number]
    assert again[0].force is restored.get_force("player")
    assert restored.get_surface(1).create_entity("iron-chest", (0, 0)).unit_number == 3


def test_from_state_rejects_foreign_or_broken_state() -> None:
    state = World.new(GD, 1).to_state()
    with pytest.raises(StateError):
        World.from_state(GD, {"format": "something-else"})
    with pytest.raises(StateError, match="version"):
        World.from_state(GD, {**state, "version": 999})
    with pytest.raises(StateError, match="malformed"):
        World.from_state(GD, {k: v for k, v in state.items() if k != "forces"})
    broken = json_copy(state)
    broken["surfaces"][0]["entities"] = [
        {
            "id": 1,
            "name": "warp-drive",
            "position": [0, 0],
            "direction": 0,
            "force": "player",
            "unit_number": 1,
            "health": 1,
            "amount": None,
            "inventories": [],
        }
    ]
    with pytest.raises(StateError, match="warp-drive"):
        World.from_state(GD, broken)
    wrong_size = World.new(GD, 1)
    wrong_size.get_surface(1).create_entity("iron-chest", (0, 0))
    wrong = json_copy(wrong_size.to_state())
    wrong["surfaces"][0]["entities"][0]["inventories"][0][1] = [None]
    with pytest.raises(StateError, match="slots"):
        World.from_state(GD, wrong)


ENTITY_NAMES = [
    "iron-chest",
    "wooden-chest",
    "stone-furnace",
    "character",
    "boiler",
    "car",
    "assembling-machine-2",
    "transport-belt",
    "tree-01",
    "iron-ore",
    "gun-turret",
]
ITEM_NAMES = [
    "iron-plate",
    "coal",
    "wood",
    "pistol",
    "firearm-magazine",
    "iron-gear-wheel",
    "light-armor",
    "speed-module",
]
TECH_NAMES = sorted(GD.technologies)
RECIPE_NAMES = sorted(GD.recipes)

coordinate = st.floats(-200, 200, allow_nan=False, allow_infinity=False)
entity_spec = st.tuples(
    st.sampled_from(ENTITY_NAMES),
    coordinate,
    coordinate,
    st.integers(0, 15),
    st.sampled_from(["player", "enemy", "neutral", "red"]),
)
insert_spec = st.tuples(st.integers(0, 100), st.sampled_from(ITEM_NAMES), st.integers(1, 500))


@st.composite
def worlds(draw: st.DrawFn) -> World:
    world = World.new(GD, draw(st.integers(0, 2**32 - 1)))
    world.create_force("red")
    if draw(st.booleans()):
        world.create_surface("second")
    surfaces = list(world.surfaces.values())
    for name, x, y, direction, force in draw(st.lists(entity_spec, max_size=12)):
        surface = surfaces[draw(st.integers(0, len(surfaces) - 1))]
        entity = surface.create_entity(
            name, (x, y), direction=direction, force=force, amount=draw(st.integers(1, 10**6))
        )
        if entity.health is not None and draw(st.booleans()):
            entity.health = draw(st.floats(0, entity.health))
    entities = [e for s in surfaces for e in s.entities]
    inventories = [inv for e in entities for inv in e.inventories.values() if len(inv)]
    for which, item, count in draw(st.lists(insert_spec, max_size=20)):
        if inventories:
            inventories[which % len(inventories)].insert(item, count)
    for entity in entities:
        if draw(st.integers(0, 4)) == 0:
            entity.destroy()
    for force in world.forces.values():
        for tech in draw(st.lists(st.sampled_from(TECH_NAMES), max_size=8)):
            force.technology(tech).researched = True
        for recipe in draw(st.lists(st.sampled_from(RECIPE_NAMES), max_size=5)):
            force.recipe(recipe).enabled = not force.recipe(recipe).enabled
        if draw(st.integers(0, 9)) == 0:
            force.research_all_technologies()
    return world


def observed(world: World) -> list[Any]:
    """What the API can see, gathered without going through to_state."""
    seen: list[Any] = [world.seed, world.unit_number_counter]
    for surface in world.surfaces.values():
        for entity in surface.find_entities_filtered():
            seen.append(
                (
                    surface.name,
                    entity.name,
                    entity.unit_number,
                    entity.position,
                    entity.direction,
                    entity.force.name,
                    entity.health,
                    entity.amount,
                    {i: (inv.name, list(inv)) for i, inv in entity.inventories.items()},
                )
            )
    for force in world.forces.values():
        seen.append(
            (
                force.index,
                force.name,
                sorted((n, t.researched, t.enabled, t.level) for n, t in force.technologies.items()),
                sorted(n for n, r in force.recipes.items() if r.enabled),
            )
        )
    return seen


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_state_round_trip(world: World) -> None:
    state = world.to_state()
    restored = World.from_state(GD, json_copy(state))
    assert restored.to_state() == state
    assert observed(restored) == observed(world)
    # the restored world goes on as the original would
    for w in (world, restored):
        w.get_surface(1).create_entity("iron-chest", (0, 0), force="player")
    assert restored.to_state() == world.to_state()
