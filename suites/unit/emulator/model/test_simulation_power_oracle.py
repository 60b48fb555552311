"""Electricity against the independent oracle (suites/oracle.py), and the oracle against the wiki's
figures: a steam engine's 900 kW and a solar panel's 60 kW from the prototype data, an assembling
machine 1 making a gear a second, a lab researching 0.1 units of automation a second. Property tests
run powered assemblers and a lab for long stretches of game time."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import oracle
from hypothesis import given, settings
from hypothesis import strategies as st

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model.crafter import set_recipe
from fle_testkit.emulator.model.entity import Entity
from fle_testkit.emulator.model.surface import Surface
from fle_testkit.emulator.model.world import World

CHUNK = 2400  # ticks between refills: at most 40 gears, 80 plates of an input slot's 100


def inventory(entity: Entity, name: str) -> Any:
    return next(i for i in entity.inventories.values() if i.name == name)


def test_the_oracle_agrees_with_the_wiki_on_power() -> None:
    assert oracle.steam_engine_power() == oracle.DOCUMENTED_POWER["steam-engine"]
    assert oracle.solar_peak_power() == oracle.DOCUMENTED_POWER["solar-panel"]
    assert oracle.working_power("assembling-machine-1") == oracle.DOCUMENTED_POWER["assembling-machine-1"]
    gears = oracle.crafting_rate("assembling-machine-1", "iron-gear-wheel")
    assert float(gears) == oracle.DOCUMENTED_ASSEMBLER_1_GEARS_PER_SECOND
    for (lab, technology), rate in oracle.DOCUMENTED_LAB_UNITS_PER_SECOND.items():
        assert float(oracle.lab_units_per_second(lab, technology)) == rate


def test_the_emulator_reads_the_same_power_from_its_data() -> None:
    world = World.new(load_vanilla(), 1)
    surface = world.get_surface(1)
    substation(surface)
    engine = surface.create_entity("steam-engine", (-4.5, 0.5), force="player")
    panel = surface.create_entity("solar-panel", (4.5, 4.5), force="player")
    world.simulation.run_until(1)
    assert engine.machine.max_power() * 60 == oracle.steam_engine_power()
    assert panel.machine.available() * 60 == oracle.solar_peak_power()


def substation(surface: Surface, panels: int = 0) -> None:
    """A substation at the origin (it supplies [-9, 9] square) and ``panels`` solar panels down its west side."""
    surface.create_entity("substation", (0, 0), force="player")
    for i in range(panels):
        surface.create_entity("solar-panel", (-7.5, -7.5 + 3 * i), force="player")


@settings(max_examples=25, deadline=None)
@given(panels=st.integers(1, 6), machines=st.integers(1, 3), chunks=st.integers(1, 25))
def test_powered_assemblers_craft_as_the_oracle_says(panels: int, machines: int, chunks: int) -> None:
    world = World.new(load_vanilla(), 1)
    surface = world.get_surface(1)
    substation(surface, panels)
    assemblers = []
    for i in range(machines):
        machine = surface.create_entity("assembling-machine-1", (4.5, -4.5 + 3 * i), force="player")
        set_recipe(machine, machine.force.recipe("iron-gear-wheel"))
        assemblers.append(machine)
    made = [0] * machines
    for chunk in range(chunks):
        for i, machine in enumerate(assemblers):
            source, output = (
                inventory(machine, "assembling_machine_input"),
                inventory(machine, "assembling_machine_output"),
            )
            source.insert("iron-plate", 100 - source.get_item_count("iron-plate"))
            made[i] += output.remove("iron-gear-wheel", output.get_item_count("iron-gear-wheel"))
        world.simulation.run_until((chunk + 1) * CHUNK)
    for i, machine in enumerate(assemblers):
        made[i] += inventory(machine, "assembling_machine_output").get_item_count("iron-gear-wheel")
    supply = panels * oracle.solar_peak_power()
    expected = oracle.expected_powered_crafts(
        "assembling-machine-1", "iron-gear-wheel", chunks * CHUNK, Fraction(supply), machines
    )
    assert made == [expected] * machines


@settings(max_examples=15, deadline=None)
@given(ticks=st.integers(1, 7000), packs=st.integers(0, 10))
def test_a_lab_researches_units_as_the_oracle_says(ticks: int, packs: int) -> None:
    world = World.new(load_vanilla(), 1)
    surface = world.get_surface(1)
    substation(surface, panels=1)  # 60 kW: a lab's whole use
    lab = surface.create_entity("lab", (4.5, 0.5), force="player")
    force = lab.force
    automation = force.technology("automation")
    for name in automation.prototype.prerequisites:
        force.technology(name).researched = True
    force.research.add(automation)
    inventory(lab, "lab_input").insert("automation-science-pack", packs)
    world.simulation.run_until(ticks)
    count, _ = oracle.technology_unit("automation")
    rate = oracle.lab_units_per_second("lab", "automation")
    units = min(packs, int(ticks * rate / oracle.TICKS_PER_SECOND))
    if units == count:
        assert automation.researched
    else:
        assert not automation.researched
        assert round(automation.saved_progress * count) == units
