"""A factory running whole cycles at once (model/cycles.py), as Lua reads it: every member a script
reads (statuses, progress, burners, hands, chests, resources, the production statistics) shows what a
game stepping every tick shows, however long the game ran between two reads."""

from __future__ import annotations

from pathlib import Path

from level_lua import STATUS, blank_level, lua

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.level import Level
from fle_testkit.emulator.model import World

FACTORY = (
    STATUS
    + """
for _, tech in pairs(game.forces.player.technologies) do tech.researched = true end
local s = game.surfaces[1]
units = {}
for i = 0, 2 do
  local x = i * 6
  for _, d in pairs({{-0.5, -0.5}, {0.5, -0.5}, {-0.5, 0.5}, {0.5, 0.5}}) do
    s.create_entity{name = 'iron-ore', position = {x + d[1], d[2]}, amount = 5000}
  end
  local unit = {
    drill = s.create_entity{name = 'burner-mining-drill', position = {x, 0}, force = 'player'},
    furnace = s.create_entity{name = 'stone-furnace', position = {x - 0.5, -2}, force = 'player'},
    inserter = s.create_entity{name = 'burner-inserter', position = {x - 0.5, -3.5}, direction = 8, force = 'player'},
    chest = s.create_entity{name = 'wooden-chest', position = {x - 0.5, -4.5}, force = 'player'},
  }
  for _, name in pairs({'drill', 'furnace', 'inserter'}) do unit[name].insert{name = 'coal', count = 40} end
  unit.hand = unit.inserter.held_stack  -- (kept, and read later without the inserter)
  units[#units + 1] = unit
end
"""
)

READ = """
for i, u in pairs(units) do
  local hand = u.inserter.held_stack
  p(i, status(u.drill), status(u.furnace), status(u.inserter), u.drill.mining_progress,
    u.furnace.crafting_progress, u.drill.burner.remaining_burning_fuel, u.furnace.burner.remaining_burning_fuel,
    u.inserter.burner.remaining_burning_fuel, u.drill.burner.inventory.get_item_count('coal'),
    u.furnace.get_inventory(defines.inventory.furnace_result).get_item_count('iron-plate'), hand.valid_for_read and hand.count or 0,
    u.chest.get_item_count('iron-plate'), u.furnace.products_finished)
end
local ore = 0
for _, r in pairs(game.surfaces[1].find_entities_filtered{type = 'resource'}) do ore = ore + r.amount end
p(ore)
"""
# Each is read first in turn (what is read first finds the groups frozen): the statistics count what the
# groups made in their cycles before any entity is read, and a hand kept by the script shows the hand now.
HANDS = """
for i, u in pairs(units) do p(i, u.hand.valid_for_read and u.hand.count or 0) end
"""
STATISTICS = """
local st = game.forces.player.get_item_production_statistics(1)
p(st.get_input_count('iron-ore'), st.get_input_count('iron-plate'), st.get_output_count('coal'))
"""


def levels(tmp_path: Path) -> tuple[Level, Level]:
    gamedata = load_vanilla()
    made = []
    for name in ("cycling", "stepping"):
        world = World.new(gamedata, 1)
        if name == "stepping":
            world.simulation.cycles = None
        made.append(blank_level(tmp_path / name, FACTORY, world=world))
    return made[0], made[1]


def test_every_read_of_a_factory_running_cycles_shows_what_stepping_shows(tmp_path: Path) -> None:
    cycling, stepping = levels(tmp_path)
    reads = [HANDS, STATISTICS, READ]
    for round, ticks in enumerate((3 * 3600, 5, 611, 2 * 3600, 1, 6000, 9000, 4000, 7000)):
        for level in (cycling, stepping):
            level.advance(until=level.tick + ticks)
        first = round % len(reads)
        for code in reads[first:] + reads[:first]:
            assert lua(cycling, code) == lua(stepping, code), f"at tick {cycling.tick}: {code}"
    assert cycling.world.simulation.cycle_jumps > 0
    assert cycling.world.simulation.steps_run < stepping.world.simulation.steps_run / 2


def test_a_hand_kept_by_a_script_shows_what_the_inserter_holds_now(tmp_path: Path) -> None:
    """Read at a tick where stepping's inserters hold a plate: the cycling game, frozen since long
    before, shows the same hands through the stacks the script kept, read before anything else."""
    cycling, stepping = levels(tmp_path)
    for level in (cycling, stepping):
        level.advance(until=3 * 3600)
    empty = lua(stepping, HANDS)
    while lua(stepping, HANDS) == empty:  # (the stepping game, a tick at a time, to a tick mid-swing)
        stepping.advance(until=stepping.tick + 1)
    cycling.advance(until=stepping.tick)
    assert cycling.world.simulation.cycle_jumps > 0
    assert lua(cycling, HANDS) == lua(stepping, HANDS) != empty
