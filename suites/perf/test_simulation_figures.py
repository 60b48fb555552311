"""Issue 13's figures for the tick simulation: ticks a wall second (UPS) of a burner factory, of
one with inserters (drills -> furnaces -> inserters -> chests -> inserters -> chests), (issue 14)
of a fluid chain (offshore pumps -> pipes -> boilers), and (issue 15) of moving belts and of a
belt-fed factory (drills -> belts -> inserters -> furnaces -> inserters -> belts -> inserters -> chests).

A unit is a burner mining drill on iron ore feeding a stone furnace at its drop
position, both fuelled with coal: two machines, two entities (the ore under it
is not counted). Factories of 100, 1,000 and 10,000 entities run one game
minute (3,600 ticks) of steady work, in the model and through ``Level.advance``
as FLE's ``sleep(60)`` would ask for it; the inserter factory also at 10,000,
and its ticks a second x entities at each size with the exponent k of its cost
per tick (cost ~ entities^k: 1 linear, below 1 sub-linear). Goals (for the note,
not asserted): >= 10,000 UPS at 100 entities; a steady factory's cost per tick
growing sub-linearly with its size; an FLE 60-second holdout <= 0.3 s.

A steady factory's groups of machines freeze once they repeat (model/cycles.py):
left alone, their steady minutes cost nothing but the run's own loop, so the UPS
figures of the burner and inserter factories measure that; the cost-per-tick
figures measure them also read once a game second and stepping every tick.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.level import Level
from fle_testkit.emulator.model import transport_lines
from fle_testkit.emulator.model.entity import Entity
from fle_testkit.emulator.model.fluid_segments import take
from fle_testkit.emulator.model.world import World
from fle_testkit.emulator.process import CORE_LUALIB

MINUTE = 3600


def steady_minute(simulation, minute: int) -> tuple[float, int]:
    """Wall seconds and steps the game minute ending at ``minute`` x 3,600 ticks takes."""
    steps = simulation.steps_run
    began = time.perf_counter()
    simulation.run_until(minute * MINUTE)
    return time.perf_counter() - began, simulation.steps_run - steps


def record_steady_minutes(perf_figures, simulation, label: str, between=None) -> None:
    """Game minutes 2 to 4 of a warmed-up factory: UPS and steps a tick of each (``between``, if given,
    runs before each minute, off the clock)."""
    for minute in range(2, 5):
        if between is not None:
            between()
        elapsed, steps = steady_minute(simulation, minute)
        perf_figures.record(f"{label}: UPS", MINUTE / elapsed, "ticks/s")
        perf_figures.record(f"{label}: steps/tick", steps / MINUTE, "steps")


def burner_factory(world: World, entities: int) -> None:
    surface = world.get_surface(1)
    for unit in range(entities // 2):
        x, y = (unit % 100) * 4, (unit // 100) * 6
        for dx in (-0.5, 0.5):
            for dy in (-0.5, 0.5):
                surface.create_entity("iron-ore", (x + dx, y + dy), force="neutral", amount=100_000)
        drill = surface.create_entity("burner-mining-drill", (x, y), force="player")
        furnace = surface.create_entity("stone-furnace", (x - 0.5, y - 2), force="player")
        for machine in (drill, furnace):
            next(i for i in machine.inventories.values() if i.name == "fuel").insert("coal", 50)


@pytest.mark.parametrize("entities", [100, 1_000, 10_000])
def test_burner_factory_ups(perf_figures, entities: int) -> None:
    world = World.new(load_vanilla(), 1)
    burner_factory(world, entities)
    simulation = world.simulation
    simulation.run_until(MINUTE)  # warm-up: every machine working
    record_steady_minutes(perf_figures, simulation, f"burner factory, {entities:,} entities")


def inserter_factory(world: World, entities: int) -> None:
    """Units of five entities: a burner drill on iron ore drops into a stone furnace, a burner inserter
    takes its plates into a chest, and a second inserter takes them on into a second chest."""
    surface = world.get_surface(1)
    for unit in range(entities // 5):
        x, y = (unit % 100) * 4, (unit // 100) * 10
        for dx in (-0.5, 0.5):
            for dy in (-0.5, 0.5):
                surface.create_entity("iron-ore", (x + dx, y + dy), force="neutral", amount=100_000)
        drill = surface.create_entity("burner-mining-drill", (x, y), force="player")  # drops at (x - 0.5, y - 1.3)
        furnace = surface.create_entity("stone-furnace", (x - 0.5, y - 2), force="player")
        first = surface.create_entity("burner-inserter", (x - 0.5, y - 3.5), force="player", direction=8)
        surface.create_entity("wooden-chest", (x - 0.5, y - 4.5), force="player")
        second = surface.create_entity("burner-inserter", (x - 0.5, y - 5.5), force="player", direction=8)
        surface.create_entity("wooden-chest", (x - 0.5, y - 6.5), force="player")
        for machine in (drill, furnace, first, second):
            next(i for i in machine.inventories.values() if i.name == "fuel").insert("coal", 50)


@pytest.mark.parametrize("entities", [100, 1_000, 10_000])
def test_inserter_factory_ups(perf_figures, entities: int) -> None:
    plates = steady_factory_plates(perf_figures, inserter_factory, entities, "inserter factory")
    assert sum(plates) > 0  # (the line runs)


def steady_factory_plates(perf_figures, build, entities: int, label: str) -> list[int]:
    """Build a factory of ``entities``, warm it up a game minute (plates reach the chests), record its
    steady minutes; the plates in each of its wooden chests."""
    world = World.new(load_vanilla(), 1)
    build(world, entities)
    world.simulation.run_until(MINUTE)
    record_steady_minutes(perf_figures, world.simulation, f"{label}, {entities:,} entities")
    chests = world.get_surface(1).find_entities_filtered(name="wooden-chest")
    return [c.inventories[1].get_item_count("iron-plate") for c in chests]


def read_every_second(world: World, minute: int) -> None:
    """Run the game minute ending at ``minute`` x 3,600 ticks a game second at a time, reading every
    chest's plates after each second (as FLE's alerts look over every entity once a game second)."""
    chests = world.get_surface(1).find_entities_filtered(name="wooden-chest")
    for second in range(1, 61):
        world.simulation.run_until((minute - 1) * MINUTE + second * 60)
        for chest in chests:
            chest.inventories[1].get_item_count("iron-plate")


#: How the cost per tick is measured: left alone (groups that repeat run their cycles when read: never
#: here), read every game second, and stepping every tick (no cycles at once: what it was before them).
COST_MODES = ("unread", "read every second", "stepping every tick")


@pytest.mark.parametrize("mode", COST_MODES)
def test_inserter_factory_cost_per_tick_grows_sub_linearly(perf_figures, mode: str) -> None:
    """Ticks a second x entities (entity-ticks a wall second) of the inserter factory at 100, 1,000 and
    10,000 entities, and the exponent of the cost per tick over that range: 1 is linear growth (cost
    per tick proportional to the entities), below 1 sub-linear (the issue's goal)."""
    gamedata = load_vanilla()
    sizes = (100, 1_000, 10_000)
    for _ in range(2):
        cost: dict[int, float] = {}
        for entities in sizes:
            world = World.new(gamedata, 1)
            if mode == "stepping every tick":
                world.simulation.cycles = None
            inserter_factory(world, entities)
            world.simulation.run_until(MINUTE)
            began = time.perf_counter()
            if mode == "read every second":
                read_every_second(world, 2)
            else:
                world.simulation.run_until(2 * MINUTE)
            cost[entities] = (time.perf_counter() - began) / MINUTE
            perf_figures.record(
                f"inserter factory {mode}, {entities:,} entities: ticks/s x entities",
                entities / cost[entities],
                "entity-ticks/s",
            )
        exponent = math.log(cost[sizes[-1]] / cost[sizes[0]]) / math.log(sizes[-1] / sizes[0])
        perf_figures.record(f"inserter factory {mode}, cost per tick ~ entities^k, 100 -> 10,000: k", exponent, "")


def test_fle_sleep_60_holdout(perf_figures, tmp_path: Path) -> None:
    """A game minute of a small burner factory (100 entities) brought up to date as a command would."""
    gamedata = load_vanilla()
    for _ in range(5):
        world = World.new(gamedata, 1)
        burner_factory(world, 100)
        level = Level.new(
            gamedata=gamedata,
            name="lab",
            scenario_files={"control.lua": b""},
            world=world,
            log=lambda line: None,
            script_log=lambda line: None,
            script_output=tmp_path,
            core_lualib=CORE_LUALIB,
        )
        began = time.perf_counter()
        level.advance(until=MINUTE)
        perf_figures.record("FLE sleep(60) on 100 burner entities: wall", time.perf_counter() - began)
        assert level.tick == MINUTE


def test_hand_crafting_queue_ups(perf_figures) -> None:
    """A character with 5,000 gear crafts queued (150,000 ticks of work) and one mining iron ore:
    a step per craft and per ore, the ticks between in bulk. And 1,000 idle characters: nothing."""
    from fle_testkit.emulator.model import control, crafting

    gamedata = load_vanilla()
    for _ in range(3):
        world = World.new(gamedata, 1)
        surface = world.get_surface(1)
        crafter = surface.create_entity("character", (0.5, 0.5), force="player")
        control.insert(crafter, "iron-plate", 10_000, gamedata.recipes)
        crafting.begin_crafting(crafter, crafter.force.recipes["iron-gear-wheel"], 5_000)
        surface.create_entity("iron-ore", (3.5, 0.5), force="neutral", amount=10**6)
        miner = surface.create_entity("character", (2.5, 0.5), force="player")
        assert miner.character is not None and miner.machine is not None
        miner.character.mining, miner.character.mining_position = True, (3.5, 0.5)
        world.simulation.replan(miner.machine)
        began = time.perf_counter()
        world.simulation.run_until(10 * MINUTE)
        elapsed = time.perf_counter() - began
        perf_figures.record(
            "hand crafting queue + manual mining, 1 character each: UPS", 10 * MINUTE / elapsed, "ticks/s"
        )

        idle = World.new(gamedata, 1)
        for n in range(1_000):
            idle.get_surface(1).create_entity("character", (n * 2 + 0.5, 0.5), force="player")
        idle.simulation.run_until(1)  # each character's first step: it falls asleep
        began = time.perf_counter()
        idle.simulation.run_until(60 * MINUTE)
        perf_figures.record("1,000 idle characters, an hour of game: wall", time.perf_counter() - began)


#: Units of the powered factory one steam plant (a boiler, two engines: 1.8 MW) powers: ~200 kW each at most.
UNITS_PER_PLANT = 8
#: Entities of one steam plant: an offshore pump, a boiler, two steam engines, a substation by the engines
#: and one linking it to the units' substations.
PLANT_ENTITIES = 6


def steam_plants(world: World, plants: int) -> list[Entity]:
    """``plants`` steam plants in a column west of the factory (x < -20), each an offshore pump on water, a
    boiler and two steam engines, linked by substations to the units' grid; returns the boilers."""
    surface = world.get_surface(1)
    boilers = []
    for plant in range(plants):
        dx, dy = -30, plant * 14
        for x in range(dx - 6, dx - 1):
            for y in range(dy - 3, dy + 7):
                surface.tiles.set(x, y, "water")
        surface.create_entity("offshore-pump", (dx - 0.5, dy + 1.5), direction=12, force="player")
        boilers.append(surface.create_entity("boiler", (dx + 1.5, dy + 1.0), direction=0, force="player"))
        for i in range(2):
            surface.create_entity("steam-engine", (dx + 1.5, dy - 3.0 - 5 * i), direction=0, force="player")
        surface.create_entity("substation", (dx + 5, dy - 6), force="player")
        surface.create_entity("substation", (-9, dy - 6), force="player")
    return boilers


def powered_factory(world: World, entities: int, power: str = "solar") -> int:
    """Units of eleven entities on solar power (issue 14's figure): an electric drill on iron ore drops into
    a stone furnace (coal), an electric inserter takes its plates into an assembling machine 1 making gears,
    a second takes the gears into a chest; a substation and four solar panels (240 kW for the unit's
    ~200 kW at most, so every network is satisfied). One lab unit (a lab fed red packs by an inserter from a
    chest, a substation, two panels and an accumulator) researches a queued technology. Returns the
    entities built (ore not counted).

    With ``power="steam"`` the units have no panels (seven entities) and every :data:`UNITS_PER_PLANT` units
    share a steam plant (:func:`steam_plants`); the lab unit has no panels either."""
    from fle_testkit.emulator.model.crafter import set_recipe

    surface = world.get_surface(1)
    force = world.forces[1]
    built = 0
    steam = power == "steam"
    if steam:
        per_plant = UNITS_PER_PLANT * 7 + PLANT_ENTITIES
        plants = max(1, math.ceil((entities - 5) / per_plant))
        units = max(1, (entities - 5 - plants * PLANT_ENTITIES) // 7)
        steam_plants(world, plants)
        built += plants * PLANT_ENTITIES
    else:
        units = max(1, (entities - 7) // 11)
    for unit in range(units):
        x, y = (unit % 50) * 8, (unit // 50) * 16
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                surface.create_entity("iron-ore", (x + dx + 0.5, y + dy + 0.5), force="neutral", amount=100_000)
        surface.create_entity("electric-mining-drill", (x + 0.5, y + 0.5), force="player")  # drops at y - 1.35
        furnace = surface.create_entity("stone-furnace", (x + 1, y - 2), force="player")
        next(i for i in furnace.inventories.values() if i.name == "fuel").insert("coal", 50)
        surface.create_entity("inserter", (x + 0.5, y - 3.5), force="player", direction=8)
        assembler = surface.create_entity("assembling-machine-1", (x + 0.5, y - 5.5), force="player")
        set_recipe(assembler, force.recipe("iron-gear-wheel"))
        surface.create_entity("inserter", (x + 0.5, y - 7.5), force="player", direction=8)
        surface.create_entity("wooden-chest", (x + 0.5, y - 8.5), force="player")
        surface.create_entity("substation", (x + 3, y - 3), force="player")
        built += 7
        if not steam:
            for i in range(4):
                surface.create_entity("solar-panel", (x + 5.5, y - 7.5 + 3 * i), force="player")
            built += 4
    x, y = -12, 0
    lab = surface.create_entity("lab", (x + 0.5, y + 0.5), force="player")
    surface.create_entity("inserter", (x + 0.5, y - 1.5), force="player")  # (north of the lab: into it)
    chest = surface.create_entity("wooden-chest", (x + 0.5, y - 2.5), force="player")
    next(i for i in chest.inventories.values() if i.name == "chest").insert("automation-science-pack", 1000)
    surface.create_entity("substation", (x + 3, y - 3), force="player")
    if not steam:
        for i in range(2):
            surface.create_entity("solar-panel", (x - 3.5, y - 4.5 + 3 * i), force="player")
        built += 2
    surface.create_entity("accumulator", (x + 4, y + 1), force="player")
    technology = lab.force.technology("physical-projectile-damage-1")
    for name in technology.prototype.prerequisites:
        lab.force.technology(name).research_recursive()
    assert lab.force.research.add(technology)
    return built + 5


@pytest.mark.parametrize("entities", [100, 1_000])
def test_powered_factory_ups(perf_figures, entities: int) -> None:
    world = World.new(load_vanilla(), 1)
    built = powered_factory(world, entities)
    simulation = world.simulation
    simulation.run_until(MINUTE)  # warm-up: plates and gears flowing
    record_steady_minutes(perf_figures, simulation, f"powered factory, {built:,} entities")
    surface = world.get_surface(1)
    chests = surface.find_entities_filtered(name="wooden-chest")
    assert sum(c.inventories[1].get_item_count("iron-gear-wheel") for c in chests) > 0  # (the line runs)
    assert world.forces[1].research.progress > 0  # (the lab researches)


@pytest.mark.parametrize("entities", [100, 1_000])
def test_steam_powered_factory_ups(perf_figures, entities: int) -> None:
    """The powered factory on steam: pumps, boilers (refuelled each minute, off the clock) and engines
    whose steam its networks draw every tick. While a network's demand stands still its plants' ticks
    repeat and run in bulk (steady_steam.py): each change of demand ends such a run for a few ticks, so
    the 1,000-entity factory (demand changing nearly every tick) gains less than the 100-entity one."""
    world = World.new(load_vanilla(), 1)
    built = powered_factory(world, entities, power="steam")
    surface = world.get_surface(1)
    boilers = surface.find_entities_filtered(name="boiler")
    refuel(boilers)
    simulation = world.simulation
    simulation.run_until(MINUTE)  # warm-up: plates and gears flowing
    label = f"steam-powered factory, {built:,} entities"
    record_steady_minutes(perf_figures, simulation, label, between=lambda: refuel(boilers))
    chests = surface.find_entities_filtered(name="wooden-chest")
    assert sum(c.inventories[1].get_item_count("iron-gear-wheel") for c in chests) > 0  # (the line runs)
    assert world.forces[1].research.progress > 0  # (the lab researches)
    engines = surface.find_entities_filtered(name="steam-engine")
    assert all(e.machine is not None and e.machine.state == "working" for e in engines)


def fluid_factory(world: World, entities: int) -> list[Entity]:
    """Units of ten entities: an offshore pump on water, eight pipes, a boiler; the boilers."""
    surface = world.get_surface(1)
    units = entities // 10
    for x in range(-6, -1):
        for y in range(-2, units * 4 + 2):
            surface.tiles.set(x, y, "water")
    boilers = []
    for unit in range(units):
        y = unit * 4 + 1.5
        surface.create_entity("offshore-pump", (-0.5, y), direction=12, force="player")
        for x in range(8):
            surface.create_entity("pipe", (x + 0.5, y), force="player")
        boiler = surface.create_entity("boiler", (9.5, y - 0.5), force="player")
        boilers.append(boiler)
    return boilers


def refuel(boilers: list[Entity]) -> None:
    """A stack of coal (6,666 ticks' worth) tops each boiler's one fuel slot up (each minute)."""
    for boiler in boilers:
        next(i for i in boiler.inventories.values() if i.name == "fuel").insert("coal", 50)


@pytest.mark.parametrize("entities", [100, 1_000])
def test_fluid_factory_ups(perf_figures, entities: int) -> None:
    """Offshore pumps -> pipes -> boilers making steam, a stand-in consumer taking each boiler's steam
    once a game second (60 units: what it made), so every boiler and pump works every tick."""
    world = World.new(load_vanilla(), 1)
    boilers = fluid_factory(world, entities)
    refuel(boilers)
    simulation = world.simulation
    simulation.run_until(60)  # warm-up: the water reaches the boilers
    tick = 60
    for _ in range(3):
        refuel(boilers)
        for boiler in boilers:
            take(boiler, 2, 10**6)
        steps = simulation.steps_run
        elapsed = 0.0
        for second in range(60):
            tick += 60
            began = time.perf_counter()
            simulation.run_until(tick)
            elapsed += time.perf_counter() - began
            if second < 59:
                for boiler in boilers:
                    take(boiler, 2, 10**6)
        perf_figures.record(f"fluid factory, {entities:,} entities: UPS", MINUTE / elapsed, "ticks/s")
        perf_figures.record(
            f"fluid factory, {entities:,} entities: steps/tick", (simulation.steps_run - steps) / MINUTE, "steps"
        )
        assert all(boiler.machine is not None and boiler.machine.state == "working" for boiler in boilers)


def belt_ring(world: World, belts: int, per_lane: int) -> None:
    """A loop of about ``belts`` transport belts round a square, ``per_lane`` items on each lane of each:
    a line that moves for ever (the loop passes its front onto its back)."""
    surface = world.get_surface(1)
    side = max(2, belts // 4 + 1)
    spots = [(k, 0, 4) for k in range(side - 1)] + [(side - 1, k, 8) for k in range(side - 1)]
    spots += [(side - 1 - k, side - 1, 12) for k in range(side - 1)] + [(0, side - 1 - k, 0) for k in range(side - 1)]
    # (All built first: the lines are rebuilt, the whole surface's, once before their next use.)
    built = [
        surface.create_entity("transport-belt", (x + 0.5, y + 0.5), direction=d, force="player") for x, y, d in spots
    ]
    for entity in reversed(built):  # (front first: each item goes in behind the others, a quick insert)
        assert entity.belt is not None
        for lane in entity.belt.lines:
            for k in reversed(range(per_lane)):
                transport_lines.insert_at(lane, k * 64, "iron-ore")  # (a curve's short inner lane takes fewer)


@pytest.mark.parametrize("belts", [100, 1_000, 10_000])
def test_moving_belt_line_ups(perf_figures, belts: int) -> None:
    """Issue 15's figures: a moving loop of belts, half full (2 items a lane), three game minutes."""
    world = World.new(load_vanilla(), 1)
    belt_ring(world, belts, 2)
    simulation = world.simulation
    simulation.run_until(MINUTE)
    record_steady_minutes(perf_figures, simulation, f"moving belt loop, {belts:,} belts")


def test_full_moving_line_costs_what_one_belt_costs(perf_figures) -> None:
    """A loop of 1,000 belts with 3 items on each lane against a loop of 4: a game hour each."""
    for belts in (4, 1_000):
        world = World.new(load_vanilla(), 1)
        belt_ring(world, belts, 3)
        simulation = world.simulation
        simulation.run_until(1)
        began = time.perf_counter()
        simulation.run_until(60 * MINUTE)
        perf_figures.record(
            f"nearly full moving loop of {belts:,} belts, a game hour: wall", time.perf_counter() - began
        )


def test_stopped_belts_cost_nothing(perf_figures) -> None:
    """10,000 belts whose items stand at dead ends, over a game hour."""
    world = World.new(load_vanilla(), 1)
    surface = world.get_surface(1)
    built = [
        surface.create_entity("transport-belt", ((n % 100) * 2 + 0.5, (n // 100) * 2 + 0.5), force="player")
        for n in range(10_000)
    ]
    for entity in built:
        assert entity.belt is not None
        entity.belt.lines[0].insert_at_back("coal")
    world.simulation.run_until(60)  # every item at its belt's end: the lines sleep
    began = time.perf_counter()
    world.simulation.run_until(60 * MINUTE)
    perf_figures.record("10,000 stopped belts, a game hour: wall", time.perf_counter() - began)


def split_rings(world: World, side: int, every: int) -> int:
    """Two loops of belts, one inside the other (squares of ``side`` and ``side - 2`` tiles), joined by a
    splitter across both every ``every`` tiles of their top and bottom sides; 2 items on each lane of each
    belt. Items move for ever, passing from loop to loop at each splitter. Returns the splitters built."""
    surface = world.get_surface(1)
    splitters = 0
    for offset, size in ((0, side), (1, side - 2)):
        spots = [(k, 0, 4) for k in range(size - 1)] + [(size - 1, k, 8) for k in range(size - 1)]
        spots += [(size - 1 - k, size - 1, 12) for k in range(size - 1)]
        spots += [(0, size - 1 - k, 0) for k in range(size - 1)]
        for x, y, d in spots:
            x, y = x + offset, y + offset
            if 2 <= x < side - 2 and x % every == 0 and y in (0, 1, side - 2, side - 1):
                continue  # (a splitter's tile)
            surface.create_entity("transport-belt", (x + 0.5, y + 0.5), direction=d, force="player")
    for x in range(2, side - 2):
        if x % every == 0:
            surface.create_entity("splitter", (x + 0.5, 1.0), direction=4, force="player")
            surface.create_entity("splitter", (x + 0.5, side - 1.0), direction=12, force="player")
            splitters += 2
    for entity in surface.find_entities_filtered(type="transport-belt"):
        assert entity.belt is not None
        for lane in entity.belt.lines:
            for k in reversed(range(2)):
                transport_lines.insert_at(lane, k * 64, "iron-ore")
    return splitters


@pytest.mark.parametrize("side", [26, 251])
def test_belt_loops_through_splitters_ups(perf_figures, side: int) -> None:
    """Two nested belt loops (about 100 and 1,000 belts) mixed by a splitter every 10 tiles of two sides."""
    world = World.new(load_vanilla(), 1)
    splitters = split_rings(world, side, 10)
    belts = len(world.get_surface(1).find_entities_filtered(type="transport-belt"))
    simulation = world.simulation
    simulation.run_until(MINUTE)
    record_steady_minutes(perf_figures, simulation, f"belt loops of {belts:,} belts through {splitters} splitters")


def belt_fed_factory(world: World, entities: int) -> None:
    """Units of ten entities in a column going north: a burner drill on iron ore drops onto two belts, an
    inserter takes the ore off their end into a stone furnace, a second puts its plates onto two more
    belts, and a third takes them off into a chest."""
    surface = world.get_surface(1)
    for unit in range(entities // 10):
        x, y = (unit % 100) * 4, (unit // 100) * 14
        column = x - 0.5
        for dx in (-0.5, 0.5):
            for dy in (-0.5, 0.5):
                surface.create_entity("iron-ore", (x + dx, y + dy), force="neutral", amount=100_000)
        fuelled = [surface.create_entity("burner-mining-drill", (x, y), force="player")]  # drops at y - 1.3
        for dy in (1.5, 2.5, 7.5, 8.5):
            surface.create_entity("transport-belt", (column, y - dy), direction=0, force="player")
        fuelled.append(surface.create_entity("stone-furnace", (column, y - 5), force="player"))
        for dy in (3.5, 6.5, 9.5):  # (facing south: each takes from the tile south of it, drops north)
            fuelled.append(surface.create_entity("burner-inserter", (column, y - dy), force="player", direction=8))
        surface.create_entity("wooden-chest", (column, y - 10.5), force="player")
        for machine in fuelled:
            next(i for i in machine.inventories.values() if i.name == "fuel").insert("coal", 50)


@pytest.mark.parametrize("entities", [100, 1_000, 10_000])
def test_belt_fed_factory_ups(perf_figures, entities: int) -> None:
    """Issue 15's belt-fed factory: drills onto belts, inserters off them into furnaces and onto belts
    again, into chests. Goal (for the note): >= 10,000 UPS at 100 entities. Measured when written (2 shared
    cores): ~88,000 at 100, ~8,700 at 1,000, ~610 at 10,000 (its units all start on one tick, so its
    events come in bursts: ~76 steps a tick at 10,000)."""
    plates = steady_factory_plates(perf_figures, belt_fed_factory, entities, "belt-fed factory")
    assert all(plates)  # (every unit runs)
