"""Two worlds in one process share no state: the same factory built twice runs to the same saved state.

The unit and perf suites build many worlds in one process (a level of the server holds one), so
nothing a world leaves behind (a module's cache, the shared game data, the memory its objects took)
may change how another one runs. The factory is a steam plant powering drills, furnaces, inserters
and gear assemblers: its machines wait on one another (two inserters on each assembler), and the
order they wake in decides the order their network's demand changes, which its engines' steam follows.
"""

from __future__ import annotations

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model import World
from fle_testkit.emulator.model.crafter import set_recipe
from fle_testkit.emulator.model.entity import Entity

#: Units of the factory: at their peaks more than its steam plant (a boiler, two engines: 1.8 MW) gives,
#: so its network runs short at times. Each unit's two inserters wait on its assembler: the more units,
#: the surer two worlds put some such pair in different orders when a set's order decided it.
UNITS = 16


def fuel(entity: Entity, count: int) -> None:
    next(i for i in entity.inventories.values() if i.name == "fuel").insert("coal", count)


def steam_factory(world: World) -> None:
    """A steam plant west of :data:`UNITS` units, each an electric drill on iron ore into a stone
    furnace, an inserter into a gear assembler, an inserter into a chest and a substation."""
    surface = world.get_surface(1)
    for x in range(-36, -31):
        for y in range(-3, 7):
            surface.tiles.set(x, y, "water")
    surface.create_entity("offshore-pump", (-30.5, 1.5), direction=12, force="player")
    fuel(surface.create_entity("boiler", (-28.5, 1.0), direction=0, force="player"), 50)
    for i in range(2):
        surface.create_entity("steam-engine", (-28.5, -3.0 - 5 * i), direction=0, force="player")
    surface.create_entity("substation", (-25, -6), force="player")
    surface.create_entity("substation", (-9, -6), force="player")
    gears = world.forces[1].recipe("iron-gear-wheel")
    for unit in range(UNITS):
        x = unit * 8
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                surface.create_entity("iron-ore", (x + dx + 0.5, dy + 0.5), force="neutral", amount=100_000)
        surface.create_entity("electric-mining-drill", (x + 0.5, 0.5), force="player")  # drops at y = -1.35
        fuel(surface.create_entity("stone-furnace", (x + 1, -2), force="player"), 50)
        surface.create_entity("inserter", (x + 0.5, -3.5), force="player", direction=8)
        set_recipe(surface.create_entity("assembling-machine-1", (x + 0.5, -5.5), force="player"), gears)
        surface.create_entity("inserter", (x + 0.5, -7.5), force="player", direction=8)
        surface.create_entity("wooden-chest", (x + 0.5, -8.5), force="player")
        surface.create_entity("substation", (x + 3, -3), force="player")


def test_the_same_factory_built_twice_in_one_process_runs_alike() -> None:
    gamedata = load_vanilla()
    first, second = World.new(gamedata, 1), World.new(gamedata, 1)
    steam_factory(first)
    steam_factory(second)  # (while the first lives: its objects sit elsewhere in memory)
    first.simulation.run_until(900)
    second.simulation.run_until(900)
    chests = first.get_surface(1).find_entities_filtered(name="wooden-chest")
    assert sum(c.inventories[1].get_item_count("iron-gear-wheel") for c in chests) > 0  # (the factory works)
    assert first.to_state() == second.to_state()
