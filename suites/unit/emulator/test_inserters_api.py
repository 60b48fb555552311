"""Inserters as Lua sees them while the game runs: the force's hand bonuses (LuaForce), what a
hand moves at once, and the hand itself (LuaEntity.held_stack, held_stack_position)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from level_lua import lab_level, run, run_on_empty_surface

from fle_testkit.emulator.level import Level

F = "game.forces.player"
LINE = """
src = s.create_entity{name = 'iron-chest', position = {0.5, -0.5}, force = 'player'}
ins = s.create_entity{name = 'burner-inserter', position = {0.5, 0.5}, force = 'player'}
dst = s.create_entity{name = 'iron-chest', position = {0.5, 1.5}, force = 'player'}
src.insert{name = 'iron-plate', count = 10} ins.insert{name = 'coal', count = 5}
storage.src, storage.ins, storage.dst = src, ins, dst
"""


@pytest.fixture
def level(tmp_path: Path) -> Level:
    level = lab_level(tmp_path)
    level.run_command(f"{F}.reset()", "reset")
    return level


def lua(level: Level, code: str) -> str:
    return run_on_empty_surface(level, code)


class TestForceBonuses:
    def test_read_write_and_research(self, level: Level) -> None:
        assert lua(level, f"p({F}.inserter_stack_size_bonus, {F}.bulk_inserter_capacity_bonus)") == "0 0"
        lua(level, f"{F}.technologies['inserter-capacity-bonus-2'].research_recursive()")
        assert lua(level, f"p({F}.inserter_stack_size_bonus, {F}.bulk_inserter_capacity_bonus)") == "1 3"
        lua(level, f"{F}.inserter_stack_size_bonus = 4 {F}.bulk_inserter_capacity_bonus = 254")
        assert lua(level, f"p({F}.inserter_stack_size_bonus, {F}.bulk_inserter_capacity_bonus)") == "4 254"

    @pytest.mark.parametrize(
        ("member", "value"),
        [
            ("inserter_stack_size_bonus", "-1"),
            ("bulk_inserter_capacity_bonus", "255"),
            ("bulk_inserter_capacity_bonus", "'x'"),
        ],
    )
    def test_out_of_range_values_are_refused(self, level: Level, member: str, value: str) -> None:
        out = lua(level, f"local ok, e = pcall(function() {F}.{member} = {value} end) p(ok, {F}.{member})")
        assert out == "false 0"


def test_a_hand_of_three_moves_three_plates_at_once(level: Level) -> None:
    lua(level, f"{F}.inserter_stack_size_bonus = 2" + LINE)
    level.advance(until=level.tick + 39)
    out = run(level, "p(storage.dst.get_item_count('iron-plate'), storage.src.get_item_count('iron-plate'))")
    assert out.strip() == "3 7"


def test_an_inserter_fills_a_furnace_up_to_its_insertion_limit(level: Level) -> None:
    lua(
        level,
        "src = s.create_entity{name = 'iron-chest', position = {0.5, -0.5}, force = 'player'} "
        "ins = s.create_entity{name = 'burner-inserter', position = {0.5, 0.5}, force = 'player'} "
        "furnace = s.create_entity{name = 'stone-furnace', position = {1, 2}, force = 'player'} "
        "src.insert{name = 'iron-ore', count = 50} src.insert{name = 'coal', count = 50} "
        "storage.furnace, storage.ins = furnace, ins",
    )
    level.advance(until=level.tick + 60 * 60)
    out = run(
        level,
        "local f = storage.furnace "
        "p(f.get_inventory(defines.inventory.furnace_source).get_item_count('iron-ore'), "
        "f.get_inventory(defines.inventory.fuel).get_item_count('coal'))",
    )
    # 2 ore (a smelt of 3.2 s: one craft a swing, + 1) and 5 coal; the furnace burns and smelts meanwhile.
    ore, coal = (int(n) for n in out.split())
    assert 0 < ore <= 2 and 0 < coal <= 5


class TestTheHand:
    def test_held_stack_and_its_position_follow_the_swing(self, level: Level) -> None:
        lua(level, LINE)
        hand = "local h = storage.ins.held_stack local q = storage.ins.held_stack_position "
        show = hand + "p(h.valid_for_read and (h.name .. ' ' .. h.count) or 'empty', q.x, q.y)"
        assert run(level, show).strip() == "empty 0.5 -0.5"  # at the pickup, before its first tick
        level.advance(until=level.tick + 20)  # 20 of the leg's 39 ticks: 0.52 of the half turn, fully extended
        name, count, x, y = run(level, show).split()
        assert (name, count) == ("iron-plate", "1")
        angle = math.pi * (-0.5 + 20 * 0.013 / 0.5)  # from north, clockwise on the map (y points south)
        assert (float(x), float(y)) == pytest.approx((0.5 + 1.2 * math.cos(angle), 0.5 + 1.2 * math.sin(angle)))
        level.advance(until=level.tick + 19)  # (tick 39: dropped, now swinging back empty)
        assert run(level, show).split()[0] == "empty"

    def test_a_script_fills_and_clears_the_hand(self, level: Level) -> None:
        lua(level, LINE + "storage.src.clear_items_inside()")
        level.advance(until=level.tick + 2)
        run(level, "storage.ins.held_stack.set_stack{name = 'copper-plate', count = 3}")
        level.advance(until=level.tick + 39)
        assert run(level, "p(storage.dst.get_item_count('copper-plate'))").strip() == "3"
        run(level, "storage.ins.held_stack.set_stack{name = 'copper-plate', count = 2}")
        run(level, "storage.ins.held_stack.clear()")
        level.advance(until=level.tick + 200)
        assert run(level, "p(storage.dst.get_item_count('copper-plate'))").strip() == "3"

    def test_only_inserters_have_a_hand(self, level: Level) -> None:
        out = lua(level, LINE + "local ok, e = pcall(function() return dst.held_stack end) p(ok, e)")
        assert out == "false Entity is not an inserter."

    def test_an_electric_inserter_holds_nothing_and_stays_at_its_pickup(self, level: Level) -> None:
        out = lua(
            level,
            "local e = s.create_entity{name = 'inserter', position = {3.5, 0.5}, force = 'player'} "
            "local q = e.held_stack_position p(e.held_stack.valid_for_read, q.x, q.y)",
        )
        assert out == "false 3.5 -0.5"
