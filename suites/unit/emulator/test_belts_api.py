"""LuaTransportLine, LuaEntity's belt members and LuaFluidBox's connection methods, from Lua."""

from __future__ import annotations

import pytest
from level_lua import lab_level
from level_lua import run_on_empty_surface as run

from fle_testkit.emulator.level import Level


@pytest.fixture(scope="module")
def level(tmp_path_factory: pytest.TempPathFactory) -> Level:
    return lab_level(tmp_path_factory.mktemp("belts-api"))


def test_transport_lines_take_items_until_full(level: Level) -> None:
    """Within one tick nothing moves: the back takes one item, and a lane four, a quarter tile apart."""
    out = run(
        level,
        "local b = s.create_entity{name = 'transport-belt', position = {0.5, 0.5}, force = 'player'} "
        "local l = b.get_transport_line(1) "
        "for i = 1, 3 do l.insert_at_back{name = 'iron-ore', count = 1} end p(#l, l.line_length) "
        "for i = 1, 3 do p(l.can_insert_at(i / 4), l.insert_at(i / 4, {name = 'copper-ore'})) end "
        "p(l.can_insert_at_back(), #l, l.get_item_count('iron-ore'), l.owner == b, b.get_max_transport_line_index()) "
        "local c = l.get_contents() p(c[1].name, c[1].count, c[1].quality, l[4].name, l[1].name) "
        "p(pcall(b.get_transport_line, 3)) "
        "p(pcall(l.insert_at_back, {name = 'nope'})) "
        "p(l.insert_at(0.6, {name = 'coal'}), l.remove_item{name = 'copper-ore', count = 2}, #l) "
        "l.clear() p(#l, l.can_insert_at_back())",
    )
    lines = out.split("\n")
    assert lines[:4] == ["1 1", "true true", "true true", "true true"]
    assert lines[4:6] == ["false 4 1 true 2", "iron-ore 1 normal copper-ore iron-ore"]
    assert lines[6].startswith("false Invalid transport line index 3")
    assert lines[7] == "false Unknown item name: nope"
    assert lines[8:] == ["false 2 2", "0 true"]


def test_belt_neighbours_and_underground_pairs(level: Level) -> None:
    out = run(
        level,
        "local a = s.create_entity{name = 'transport-belt', position = {0.5, 0.5}, direction = 4, force = 'player'} "
        "local b = s.create_entity{name = 'transport-belt', position = {1.5, 0.5}, direction = 4, force = 'player'} "
        "local n = a.belt_neighbours p(#n.inputs, #n.outputs, n.outputs[1] == b) "
        "local i = s.create_entity{name = 'underground-belt', position = {0.5, 5.5}, direction = 4, type = 'input', "
        "force = 'player'} "
        "local o = s.create_entity{name = 'underground-belt', position = {3.5, 5.5}, direction = 4, type = 'output', "
        "force = 'player'} "
        "p(i.belt_to_ground_type, o.belt_to_ground_type, i.neighbours == o, o.neighbours == i) "
        "p(pcall(function() return a.belt_to_ground_type end))",
    )
    lines = out.split("\n")
    assert lines[:2] == ["0 1 true", "input output true true"]
    assert lines[2] == "false Entity transport-belt is not a belt connectable."


def test_splitter_settings(level: Level) -> None:
    out = run(
        level,
        "local sp = s.create_entity{name = 'splitter', position = {0, 0.5}, force = 'player'} "
        "p(sp.splitter_input_priority, sp.splitter_filter) "
        "sp.splitter_output_priority = 'left' sp.splitter_filter = 'iron-plate' "
        "p(sp.splitter_output_priority, sp.splitter_filter.name, sp.get_max_transport_line_index()) "
        "p(pcall(function() sp.splitter_input_priority = 'up' end))",
    )
    lines = out.split("\n")
    assert lines[:2] == ["none nil", "left iron-plate 8"]
    assert lines[2].startswith("false Invalid splitter priority: up")


def test_fluidbox_connections_prototype_and_segments(level: Level) -> None:
    out = run(
        level,
        "local a = s.create_entity{name = 'pipe', position = {0.5, 0.5}, force = 'player'} "
        "local b = s.create_entity{name = 'pipe', position = {1.5, 0.5}, force = 'player'} "
        "local fb = a.fluidbox p(#fb.get_pipe_connections(1), fb.get_capacity(1), #fb.get_connections(1)) "
        "for _, c in pairs(fb.get_pipe_connections(1)) do if c.target then "
        "p(c.target_position.x, c.target_position.y, c.target.owner == b, c.target_fluidbox_index, c.connection_type) "
        "end end "
        "p(fb.get_fluid_segment_id(1) == b.fluidbox.get_fluid_segment_id(1), next(fb.get_fluid_segment_contents(1))) "
        "local proto = fb.get_prototype(1) p(proto.object_name, proto.volume, proto.index, #proto.pipe_connections) "
        "local boiler = s.create_entity{name = 'boiler', position = {10, 10.5}, force = 'player'} "
        "p(boiler.fluidbox.get_filter(1).name, boiler.fluidbox.get_prototype(2).production_type) "
        "p(pcall(fb.get_capacity, 2))",
    )
    lines = out.split("\n")
    assert lines[:5] == [
        "4 100 1",
        "1.5 0.5 true 1 normal",
        "true nil",
        "LuaFluidBoxPrototype 100 1 4",
        "water output",
    ]
    assert lines[5].startswith("false Fluidbox index 2 out of range")


def test_health_is_writable_within_bounds(level: Level) -> None:
    out = run(
        level,
        "local c = s.create_entity{name = 'iron-chest', position = {0.5, 0.5}, force = 'player'} "
        "c.health = 50 p(c.health) c.health = 1e9 p(c.health) c.health = -5 p(c.health, c.valid)",
    )
    assert out.split("\n") == ["50", "200", "0 true"]


def test_belts_refuse_teleport_where_other_entities_move(level: Level) -> None:
    """LuaControl::teleport: transport belts won't allow teleportation (false, and no move)."""
    out = run(
        level,
        "local b = s.create_entity{name = 'transport-belt', position = {0.5, 0.5}, force = 'player'} "
        "local u = s.create_entity{name = 'underground-belt', position = {2.5, 0.5}, type = 'input', force = 'player'} "
        "local c = s.create_entity{name = 'iron-chest', position = {4.5, 0.5}, force = 'player'} "
        "p(b.teleport{0, 0}, b.position.x, b.position.y, u.teleport{2, 0}, u.position.x) "
        "p(c.teleport{4, 0}, c.position.x, c.position.y) "
        "p(c.teleport({6, 0}, nil, false, false), c.position.x, c.position.y)",
    )
    # A building lands on the grid unless snap_to_grid is false (2.0's fourth argument).
    assert out.split("\n") == ["false 0.5 0.5 false 2.5", "true 4.5 0.5", "true 6 0"]


def test_a_splitters_eight_lines_and_its_neighbours(level: Level) -> None:
    """2.0's defines.transport_line for splitters: 1-4 the inputs (left belt, then right), 5-8 the outputs."""
    out = run(
        level,
        "local a = s.create_entity{name = 'transport-belt', position = {-0.5, 1.5}, force = 'player'} "
        "local sp = s.create_entity{name = 'splitter', position = {0, 0.5}, force = 'player'} "
        "local l = s.create_entity{name = 'transport-belt', position = {-0.5, -0.5}, force = 'player'} "
        "local r = s.create_entity{name = 'transport-belt', position = {0.5, -0.5}, force = 'player'} "
        "local n = sp.belt_neighbours p(#n.inputs, n.inputs[1] == a, #n.outputs, n.outputs[1] == l, n.outputs[2] == r) "
        "p(sp.get_max_transport_line_index(), sp.get_transport_line(8).line_length) "
        "local outs = sp.get_transport_line(defines.transport_line.left_line).output_lines "
        "p(#outs, outs[1].owner == sp, outs[1] == sp.get_transport_line(5), outs[2] == sp.get_transport_line(7)) "
        "p(#sp.get_transport_line(6).input_lines, #a.get_transport_line(1).output_lines) "
        "p(pcall(sp.get_transport_line, 9))",
    )
    lines = out.split("\n")
    assert lines[:4] == ["1 true 2 true true", "8 0.5", "2 true true true", "2 1"]
    assert lines[4].startswith("false Invalid transport line index 9")


def test_a_splitter_sends_items_by_its_settings(level: Level) -> None:
    """A belt into a splitter facing north: half the items come out each side; with output priority right and
    a filter of coal, coal goes right and the rest left (the first round: stone, the front item, went left)."""
    setup = (
        "a = s.create_entity{name = 'transport-belt', position = {-0.5, 1.5}, force = 'player'} "
        "sp = s.create_entity{name = 'splitter', position = {0, 0.5}, force = 'player'} "
        "l = s.create_entity{name = 'transport-belt', position = {-0.5, -0.5}, force = 'player'} "
        "r = s.create_entity{name = 'transport-belt', position = {0.5, -0.5}, force = 'player'} "
        "for i = 0, 3 do a.get_transport_line(1).insert_at(i / 4, {name = i % 2 == 0 and 'coal' or 'stone'}) end"
    )
    run(level, setup)
    level.advance(until=level.tick + 120)
    count = "p(l.get_transport_line(1).get_item_count(), r.get_transport_line(1).get_item_count())"
    assert level.run_command(count, "test").strip() == "2 2"
    feed = setup[setup.index("for i") :]
    level.run_command("sp.splitter_output_priority = 'right' sp.splitter_filter = 'coal' " + feed, "test")
    level.advance(until=level.tick + 120)
    out = level.run_command(count + " p(r.get_transport_line(1).get_item_count('coal'))", "test")
    assert out.strip() == "4 4\n4"
