"""Repeating cycles (cycles.py): a long run that applies whole cycles at once reaches the state that
stepping every tick reaches, and stops where the factory would start to behave otherwise (a fuel slot,
a chest or a resource running out, a chest filling up).

Each test builds the same factory twice, one world running cycles at once and one stepping every
tick (``simulation.cycles = None``), and compares their saved states after each run.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model import World
from fle_testkit.emulator.model.entity import Entity

MINUTE = 3600


def fuel(entity: Entity, count: int) -> None:
    if count:
        next(i for i in entity.inventories.values() if i.name == "fuel").insert("coal", count)


def unit(world: World, index: int, spec: dict[str, Any]) -> None:
    """A burner drill on ``spec['resource']`` dropping into a stone furnace, then a chain of burner
    inserters and wooden chests taking the furnace's products north."""
    surface = world.get_surface(1)
    x, y = index * 6, 0
    if spec.get("feed") == "chest":  # (a chest of ore and an inserter into the furnace, for the drill)
        surface.create_entity("wooden-chest", (x - 0.5, y + 0.5), force="player").inventories[1].insert(
            "iron-ore", spec["amount"]
        )
        fuel(
            surface.create_entity("burner-inserter", (x - 0.5, y - 0.5), force="player", direction=8),
            spec["drill_fuel"],
        )
    else:
        for dx in (-0.5, 0.5):
            for dy in (-0.5, 0.5):
                surface.create_entity(spec["resource"], (x + dx, y + dy), force="neutral", amount=spec["amount"])
        fuel(surface.create_entity("burner-mining-drill", (x, y), force="player"), spec["drill_fuel"])
    fuel(surface.create_entity("stone-furnace", (x - 0.5, y - 2), force="player"), spec["furnace_fuel"])
    for link in range(spec["inserters"]):
        top = y - 3.5 - 2 * link
        fuel(
            surface.create_entity("burner-inserter", (x - 0.5, top), force="player", direction=8), spec["inserter_fuel"]
        )
        chest = surface.create_entity("wooden-chest", (x - 0.5, top - 1), force="player")
        if link == spec["inserters"] - 1 and spec["chest_plates"]:
            chest.inventories[1].insert("iron-plate", spec["chest_plates"])


def twins(specs: list[dict[str, Any]], researched: bool = True) -> tuple[World, World]:
    """The factory twice: cycles at once, and every tick stepped."""
    gamedata = _GAMEDATA
    worlds = []
    for _ in range(2):
        world = World.new(gamedata, 1)
        if researched:
            for technology in world.forces[1].technologies.values():
                technology.researched = True
        for index, spec in enumerate(specs):
            unit(world, index, spec)
        worlds.append(world)
    worlds[1].simulation.cycles = None
    return worlds[0], worlds[1]


def compared(world: World) -> dict[str, Any]:
    """A world's saved state, its queue as the set of machines planned (the order of steps on one tick
    differs between groups that never touch, by when each was planned)."""
    state = world.to_state()
    simulation = state.pop("simulation")
    return {**state, "tick": simulation["tick"], "queued": sorted(simulation["queue"]), "asleep": simulation["asleep"]}


def run_both(cycling: World, stepping: World, spans: list[int]) -> None:
    for span in spans:
        end = cycling.simulation.now + span
        cycling.simulation.run_until(end)
        stepping.simulation.run_until(end)
        assert compared(cycling) == compared(stepping), f"the worlds differ at tick {end}"


_GAMEDATA = load_vanilla()
STEADY = {
    "resource": "iron-ore",
    "amount": 100_000,
    "drill_fuel": 50,
    "furnace_fuel": 50,
    "inserters": 2,
    "inserter_fuel": 50,
    "chest_plates": 0,
}


def test_a_steady_factory_jumps_whole_cycles_and_ends_where_stepping_ends() -> None:
    cycling, stepping = twins([STEADY] * 3)
    run_both(cycling, stepping, [MINUTE] * 4)
    assert cycling.simulation.cycle_jumps > 0
    assert cycling.simulation.steps_run < stepping.simulation.steps_run / 2
    chests = cycling.get_surface(1).find_entities_filtered(name="wooden-chest")
    assert sum(c.inventories[1].get_item_count("iron-plate") for c in chests) > 0


def test_short_runs_alone_form_no_groups() -> None:
    """A level's runs between two handlers are short: nothing is looked for, nothing costs more."""
    cycling, _ = twins([STEADY])
    for _ in range(20):
        cycling.simulation.run_until(cycling.simulation.now + 600)
    assert cycling.simulation.cycle_groups is None
    assert cycling.simulation.cycle_jumps == 0


def test_a_run_that_may_stop_early_ends_where_stepping_ends() -> None:
    cycling, stepping = twins([STEADY] * 2)
    for world in (cycling, stepping):
        world.simulation.run_until(4 * MINUTE, should_stop=lambda: False)
    assert cycling.simulation.cycle_jumps > 0
    assert compared(cycling) == compared(stepping)


def test_what_is_read_between_runs_is_what_stepping_shows() -> None:
    """Frozen groups are brought up to date by any read: a chest's count (its inventory), a drill's
    progress (its machine), at ticks inside their cycles; then the whole saved state."""
    cycling, stepping = twins([STEADY] * 2)
    for world in (cycling, stepping):
        world.simulation.run_until(2 * MINUTE)
    assert cycling.simulation.cycle_jumps > 0
    for step in (7, 130, 1001, 2500, 33):
        readings = []
        for world in (cycling, stepping):
            world.simulation.run_until(world.simulation.now + step)
            surface = world.get_surface(1)
            chests = [
                c.inventories[1].get_item_count("iron-plate")
                for c in surface.find_entities_filtered(name="wooden-chest")
            ]
            drills = [d.machine.mining_progress for d in surface.find_entities_filtered(name="burner-mining-drill")]
            readings.append((chests, drills))
        assert readings[0] == readings[1], f"at tick {cycling.simulation.now}"
    assert compared(cycling) == compared(stepping)


def test_building_next_to_a_frozen_group_brings_it_up_to_date_first() -> None:
    cycling, stepping = twins([STEADY])
    for world in (cycling, stepping):
        world.simulation.run_until(3 * MINUTE)
        world.simulation.run_until(world.simulation.now + 77)
        world.get_surface(1).create_entity("wooden-chest", (10.5, 10.5), force="player")
    assert cycling.simulation.cycle_groups is None  # (formed again at the next long run)
    run_both(cycling, stepping, [MINUTE, MINUTE])


def test_a_trigger_technology_counting_the_plates_stops_the_jumps() -> None:
    cycling, stepping = twins([STEADY], researched=False)
    run_both(cycling, stepping, [MINUTE] * 3)
    assert cycling.simulation.cycle_jumps == 0  # (steam power counts 50 plates crafted)


def test_a_chest_filling_up_fills_exactly_as_stepping_fills_it() -> None:
    spec = {**STEADY, "inserters": 1, "chest_plates": 1600 - 150}
    cycling, stepping = twins([spec])
    run_both(cycling, stepping, [20_000, 20_000])
    chest = cycling.get_surface(1).find_entities_filtered(name="wooden-chest")[0]
    assert chest.inventories[1].get_item_count("iron-plate") == 1600
    assert cycling.simulation.cycle_jumps > 0  # (up to a stack short of full, then stepped)


def test_a_drill_running_out_of_fuel_stops_where_stepping_stops() -> None:
    spec = {**STEADY, "drill_fuel": 12}
    cycling, stepping = twins([spec])
    run_both(cycling, stepping, [10_000, 20_000])
    drill = cycling.get_surface(1).find_entities_filtered(name="burner-mining-drill")[0]
    assert drill.machine is not None and drill.machine.state == "no_fuel"
    assert cycling.simulation.cycle_jumps > 0


def test_a_resource_running_out_ends_where_stepping_ends() -> None:
    spec = {**STEADY, "amount": 20}
    cycling, stepping = twins([spec])
    run_both(cycling, stepping, [10_000, 20_000])
    assert not cycling.get_surface(1).find_entities_filtered(type="resource")
    assert cycling.simulation.cycle_jumps > 0


def test_a_chest_emptied_by_an_inserter_empties_exactly_as_stepping_empties_it() -> None:
    """A chest of ore, an inserter taking it (a hand at a time) into a furnace, one taking the plates out."""

    def build(world: World) -> None:
        surface = world.get_surface(1)
        ore = surface.create_entity("wooden-chest", (0.5, 0.5), force="player")
        ore.inventories[1].insert("iron-ore", 150)
        fuel(surface.create_entity("burner-inserter", (0.5, -0.5), force="player", direction=8), 20)
        fuel(surface.create_entity("stone-furnace", (1.0, -2.0), force="player"), 20)
        fuel(surface.create_entity("burner-inserter", (0.5, -3.5), force="player", direction=8), 20)
        surface.create_entity("wooden-chest", (0.5, -4.5), force="player")

    cycling, stepping = twins([])
    for world in (cycling, stepping):
        build(world)
    run_both(cycling, stepping, [20_000, 40_000])
    chests = cycling.get_surface(1).find_entities_filtered(name="wooden-chest", position=(0.5, 0.5))
    assert chests[0].inventories[1].is_empty()
    assert cycling.simulation.cycle_jumps > 0


unit_specs = st.fixed_dictionaries(
    {
        "feed": st.sampled_from(["drill", "drill", "chest"]),
        "resource": st.sampled_from(["iron-ore", "copper-ore", "stone", "coal"]),
        "amount": st.sampled_from([3, 40, 100_000, 100_000]),
        "drill_fuel": st.sampled_from([0, 3, 12, 50]),
        "furnace_fuel": st.sampled_from([0, 3, 50]),
        "inserters": st.sampled_from([0, 1, 2, 2]),
        "inserter_fuel": st.sampled_from([0, 2, 20]),
        "chest_plates": st.sampled_from([0, 1540, 1599]),
    }
)


#: Found by the property: a group frozen at tick t and read at exactly t + 2 periods (a furnace had
#: stepped on the freezing tick before the anchor, so a landing applying both cycles put it a tick ahead).
READ_TWO_PERIODS_AFTER_FREEZING = (
    [
        {**STEADY, "amount": 3, "drill_fuel": 0, "furnace_fuel": 0, "inserters": 0, "inserter_fuel": 0},
        {**STEADY, "amount": 3, "drill_fuel": 0, "furnace_fuel": 0, "inserters": 0, "inserter_fuel": 0},
        {**STEADY, "feed": "chest", "drill_fuel": 3, "inserters": 1, "inserter_fuel": 20},
    ],
    [1200, 17271, 1918],
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(*READ_TWO_PERIODS_AFTER_FREEZING)
@given(
    specs=st.lists(unit_specs, min_size=1, max_size=3), spans=st.lists(st.integers(1200, 20000), min_size=1, max_size=3)
)
def test_any_small_burner_factory_ends_each_run_where_stepping_ends(
    specs: list[dict[str, Any]], spans: list[int]
) -> None:
    cycling, stepping = twins(specs)
    run_both(cycling, stepping, spans)
