"""What FLE's own game-side Lua costs the embedded server: its alerts, in process.

FLE's ``alerts.lua`` looks over every player entity once a game second
(``get_issues``: its fuel, inventories, output, power, the tile in front of a
belt), some 40 reads and calls of the API an entity. At game speed 100 that is
a hundred looks a wall second: this, more than the simulation, is what bounds
a trajectory's wall time against its game time. The figure: one look over a
small factory of 130 entities on an ore patch (20 burner drills, furnaces and
inserters, 60 belts, 10 chests).
"""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path

import pytest
from level_lua import blank_level, lua

LOOKS = 20
FACTORY = """
storage.utils = {get_contents_compat = function(inventory)  -- as FLE's initialise.lua defines it
    if not inventory then return {} end
    local contents = {}
    for _, item in pairs(inventory.get_contents()) do contents[item.name] = (contents[item.name] or 0) + item.count end
    return contents
end}
local s = game.surfaces[1]
for x = 0, 63 do for y = 0, 31 do s.create_entity{name = 'iron-ore', position = {x + 0.5, y + 0.5}, amount = 1000} end end
for k = 0, 19 do
  local drill = s.create_entity{name = 'burner-mining-drill', position = {2 * k + 1, 1}, force = 'player', direction = 8}
  drill.insert{name = 'coal', count = 5}
  local furnace = s.create_entity{name = 'stone-furnace', position = {2 * k + 1, 3}, force = 'player'}
  furnace.insert{name = 'coal', count = 5}
  s.create_entity{name = 'burner-inserter', position = {2 * k + 0.5, 4.5}, force = 'player', direction = 8}
end
for x = 0, 59 do s.create_entity{name = 'transport-belt', position = {x + 0.5, 5.5}, force = 'player', direction = 4} end
for k = 0, 9 do s.create_entity{name = 'wooden-chest', position = {2 * k + 0.5, 8.5}, force = 'player'} end
"""
LOOK = (
    "local n = 0 for _, e in pairs(game.surfaces[1].find_entities_filtered{force = 'player'}) do"
    " n = n + #storage.utils.get_issues(e) end rcon.print(n)"
)


def test_fle_alerts_look_over_a_small_factory(perf_figures, tmp_path: Path) -> None:
    pytest.importorskip("fle", reason="FLE is not installed: pip install 'fle-testkit[fle]'")
    alerts = resources.files("fle").joinpath("env/mods/alerts.lua").read_text(encoding="utf-8")
    level = blank_level(tmp_path, FACTORY)
    lua(level, alerts)
    assert int(lua(level, LOOK)) > 0  # it found issues (the belts lead nowhere, the chests are empty...)
    for _ in range(LOOKS):
        began = time.perf_counter()
        lua(level, LOOK)
        perf_figures.record("FLE alerts: one look over 130 entities", time.perf_counter() - began)
