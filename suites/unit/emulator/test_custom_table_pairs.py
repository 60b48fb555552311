"""pairs() over a LuaCustomTable: the game's prototype tables are read once, every other one live."""

from __future__ import annotations

from pathlib import Path

from level_lua import blank_level, lua

from fle_testkit.emulator.lua_api.base import LuaCustomTable

NAMES = "local out = {} for name, v in pairs(t) do out[#out + 1] = name end rcon.print(table.concat(out, ','))"


def test_a_prototype_table_iterates_alike_every_time(tmp_path: Path) -> None:
    level = blank_level(tmp_path)
    first = lua(level, "t = prototypes.item " + NAMES)
    assert first == lua(level, NAMES) == lua(level, "t = prototypes.item " + NAMES)
    assert len(first.split(",")) == int(lua(level, "rcon.print(#prototypes.item)")) > 100
    assert lua(level, "for n, p in pairs(prototypes.item) do assert(p.name == n) end rcon.print('ok')") == "ok"


def test_a_live_table_shows_what_changed_since_the_last_pairs(tmp_path: Path) -> None:
    level = blank_level(tmp_path)
    entries = [("a", 1)]
    level.sandbox.globals.t = LuaCustomTable(level.ctx, lambda: list(entries))
    assert lua(level, NAMES) == "a"
    entries.append(("b", 2))
    assert lua(level, NAMES) == "a,b"
