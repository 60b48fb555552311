"""Inserters over belts as Lua sees them while the game runs: items taken off a belt into a chest and
put from a chest onto the far lane (LuaTransportLine), the inserter's status meanwhile, and a belt's
status (nil, as in Factorio 2.0: FLE's Lua derives a full belt from ``can_insert_at_back``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from level_lua import lab_level, run, run_on_empty_surface

from fle_testkit.emulator.level import Level

BELT = "s.create_entity{{name = 'transport-belt', position = {{{x}, {y}}}, direction = 4, force = 'player'}}"


@pytest.fixture
def level(tmp_path: Path) -> Level:
    return lab_level(tmp_path)


def belts(y: float, count: int) -> str:
    return " ".join(f"storage.b{k} = " + BELT.format(x=k + 0.5, y=y) for k in range(count))


def test_an_inserter_takes_ore_off_a_belt_into_a_chest(level: Level) -> None:
    run_on_empty_surface(
        level,
        belts(0.5, 4) + " "
        "storage.ins = s.create_entity{name = 'burner-inserter', position = {3.5, 1.5}, force = 'player'} "
        "storage.ins.insert{name = 'coal', count = 5} "
        "storage.dst = s.create_entity{name = 'iron-chest', position = {3.5, 2.5}, force = 'player'} "
        "for i = 1, 3 do storage.b0.get_transport_line(1).insert_at(0.25 * (i - 1), {name = 'iron-ore'}) end",
    )
    status = "p(storage.ins.status == defines.entity_status.waiting_for_source_items, storage.dst.get_item_count())"
    assert run(level, status).strip() == "true 0"
    level.advance(until=level.tick + 60 * 10)
    assert run(level, status).strip() == "true 3"


def test_an_inserter_puts_plates_onto_the_far_lane(level: Level) -> None:
    run_on_empty_surface(
        level,
        belts(2.5, 6) + " "
        "storage.src = s.create_entity{name = 'iron-chest', position = {2.5, 0.5}, force = 'player'} "
        "storage.src.insert{name = 'iron-plate', count = 2} "
        "storage.ins = s.create_entity{name = 'burner-inserter', position = {2.5, 1.5}, force = 'player'} "
        "storage.ins.insert{name = 'coal', count = 5}",
    )
    level.advance(until=level.tick + 60 * 10)
    out = run(
        level,
        "local b = storage.b5 "
        "p(b.get_transport_line(1).get_item_count(), b.get_transport_line(2).get_item_count('iron-plate'), "
        "storage.src.get_item_count())",
    )
    assert out.strip() == "0 2 0"  # (a belt going east: the right lane is the south one, away from the inserter)


def test_a_belt_has_no_status_and_a_full_one_refuses_items_at_its_back(level: Level) -> None:
    out = run_on_empty_surface(
        level,
        belts(0.5, 2) + " "
        "local b = storage.b1 p(b.status == nil) "
        "for k = 1, 2 do for i = 0, 3 do b.get_transport_line(k).insert_at(0.25 * i, {name = 'iron-ore'}) end end "
        "p(b.get_transport_line(1).can_insert_at_back(), b.get_transport_line(2).can_insert_at_back())",
    )
    assert out == "true\nfalse false"
