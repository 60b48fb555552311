"""Research and recipe unlocks of a force."""

from __future__ import annotations

import pytest

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model import Force, NotFoundError, World

GD = load_vanilla()


@pytest.fixture
def force() -> Force:
    return World.new(GD, 7).get_force("player")


def test_initial_state_follows_the_prototypes(force: Force) -> None:
    assert set(force.technologies) == set(GD.technologies)
    assert set(force.recipes) == set(GD.recipes)
    assert force.recipes["iron-gear-wheel"].enabled
    assert not force.recipes["assembling-machine-1"].enabled
    assert not any(t.researched for t in force.technologies.values())
    assert all(r.enabled == GD.recipes[n].enabled for n, r in force.recipes.items())
    assert force.technologies["mining-productivity-4"].level == 4


def test_researching_unlocks_recipes(force: Force) -> None:
    automation = force.technology("automation")
    automation.researched = True
    assert automation.researched
    assert force.recipes["assembling-machine-1"].enabled
    assert force.recipes["long-handed-inserter"].enabled
    assert not force.recipes["assembling-machine-2"].enabled


def test_unresearching_keeps_recipes_until_effects_are_reset(force: Force) -> None:
    automation = force.technology("automation")
    automation.researched = True
    automation.researched = False
    assert force.recipes["assembling-machine-1"].enabled
    force.reset_technology_effects()
    assert not force.recipes["assembling-machine-1"].enabled


def test_reset_technology_effects_reapplies_research(force: Force) -> None:
    force.technology("automation").researched = True
    force.recipe("assembling-machine-1").enabled = False
    force.recipe("iron-gear-wheel").enabled = False
    force.reset_technology_effects()
    assert force.recipes["assembling-machine-1"].enabled and force.recipes["iron-gear-wheel"].enabled


def test_research_all_then_reset(force: Force) -> None:
    force.research_all_technologies()
    assert all(t.researched for t in force.technologies.values() if t.prototype.enabled)
    unlockable = {r for t in GD.technologies.values() for r in t.unlocked_recipes if r in GD.recipes}
    assert unlockable and all(force.recipes[r].enabled for r in unlockable)
    force.technology("automation").level = 3
    force.technology("automation").enabled = False
    force.reset()
    assert not any(t.researched for t in force.technologies.values())
    assert force.technology("automation").level == 1 and force.technology("automation").enabled
    assert all(r.enabled == GD.recipes[n].enabled for n, r in force.recipes.items())


def test_enable_all_recipes_and_reset_recipes(force: Force) -> None:
    force.enable_all_recipes()
    assert all(r.enabled for r in force.recipes.values())
    force.reset_recipes()
    assert not force.recipes["assembling-machine-1"].enabled


def test_forces_are_independent() -> None:
    world = World.new(GD, 1)
    world.get_force("player").technology("automation").researched = True
    assert not world.get_force("enemy").technology("automation").researched
    assert not world.get_force("enemy").recipes["assembling-machine-1"].enabled


def test_unknown_names(force: Force) -> None:
    with pytest.raises(NotFoundError, match="technology"):
        force.technology("time-travel")
    with pytest.raises(NotFoundError, match="recipe"):
        force.recipe("time-machine")


def test_state_round_trip(force: Force) -> None:
    force.technology("automation").researched = True
    force.technology("logistics").enabled = False
    force.recipe("iron-gear-wheel").enabled = False
    copy = Force(GD, force.index, force.name)
    copy.load_state(force.to_state())
    assert copy.to_state() == force.to_state()
    assert copy.technology("automation").researched and not copy.recipe("iron-gear-wheel").enabled
