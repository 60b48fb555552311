"""What FLE's harvest, insert and place tools read, from Lua: script inventories, LuaEntity.mine,
prototype flags and drill radii, orientation, and generators' output."""

from __future__ import annotations

import pytest
from level_lua import error_on_empty_surface as error_of
from level_lua import lab_level
from level_lua import run_on_empty_surface as run

from fle_testkit.emulator import messages
from fle_testkit.emulator.level import Level


@pytest.fixture(scope="module")
def level(tmp_path_factory: pytest.TempPathFactory) -> Level:
    return lab_level(tmp_path_factory.mktemp("harvest-api"))


def test_create_inventory_gives_an_inventory_without_index_or_name(level: Level) -> None:
    out = run(
        level,
        "local i = game.create_inventory(2, 'Loot') "
        "p(i.object_name, i.index, i.name, #i, i.insert{name = 'coal', count = 120}, i.is_full()) "
        "i.destroy() p(i.valid)",
    )
    assert out.splitlines() == ["LuaInventory nil nil 2 100 true", "false"]


def test_create_inventory_checks_its_size(level: Level) -> None:
    assert error_of(level, "game.create_inventory(-1)").endswith(
        messages.COUNT_EXPECTED.format(function="LuaGameScript::create_inventory", field="size", least=0)
    )
    assert "out of range" in error_of(level, "game.create_inventory(70000)")


def test_only_script_inventories_can_be_destroyed(level: Level) -> None:
    out = error_of(level, "s.create_entity{name = 'iron-chest', position = {0, 0}}.get_inventory(1).destroy()")
    assert out.endswith(messages.INVENTORY_NOT_DESTROYABLE)


def test_mine_puts_a_rock_into_a_script_inventory(level: Level) -> None:
    out = run(
        level,
        "local rock = s.create_entity{name = 'big-rock', position = {1, 0}} "
        "local inv = game.create_inventory(4) "
        "p(rock.mine{inventory = inv, raise_destroyed = true}, rock.valid, inv.get_item_count('stone'))",
    )
    assert out == "true false 20"


def test_mine_without_inventory_leaves_one_unit_less_ore(level: Level) -> None:
    out = run(
        level,
        "local ore = s.create_entity{name = 'coal', position = {3, 3}, amount = 5} "
        "p(ore.mine{ignore_minable = false, raise_destroyed = true}, ore.amount)",
    )
    assert out == "true 4"


def test_mine_wants_a_lua_inventory(level: Level) -> None:
    out = error_of(level, "s.create_entity{name = 'big-rock', position = {1, 0}}.mine{inventory = 5}")
    assert out.endswith(messages.INVENTORY_EXPECTED.format(function="LuaEntity::mine", field="inventory"))


def test_prototype_flags_and_drill_radius(level: Level) -> None:
    out = run(
        level,
        "local item, drill = prototypes.item['copper-wire'], prototypes.entity['electric-mining-drill'] "
        "p(item.has_flag('only-in-cursor'), prototypes.item['coal'].has_flag('only-in-cursor')) "
        "p(drill.has_flag('player-creation'), drill.mining_drill_radius, prototypes.entity['pumpjack'].mining_drill_radius) "
        "p(prototypes.entity['iron-chest'].mining_drill_radius) "
        "p(prototypes.entity['crude-oil'].infinite_resource, prototypes.entity['coal'].infinite_resource, "
        "  prototypes.entity['iron-chest'].infinite_resource)",
    )
    assert out.splitlines() == ["true false", "true 2.49 0.49", "nil", "true false nil"]


def test_entity_orientation_and_has_flag(level: Level) -> None:
    out = run(
        level,
        "local e = s.create_entity{name = 'burner-inserter', position = {0, 0}, direction = defines.direction.east} "
        "p(e.orientation, e.has_flag('player-creation'), e.has_flag('not-on-map'))",
    )
    assert out == "0.25 true false"


def test_generators_report_no_energy_generated_without_a_network(level: Level) -> None:
    out = run(level, "p(s.create_entity{name = 'steam-engine', position = {0, 0}}.energy_generated_last_tick)")
    assert out == "0"
    chest = "s.create_entity{name = 'iron-chest', position = {5, 5}}.energy_generated_last_tick"
    assert error_of(level, f"return {chest}").endswith(messages.NOT_A_GENERATOR)


@pytest.mark.rcon_client
def test_a_script_inventory_in_storage_survives_a_save(emulator) -> None:
    server = emulator("--start-server-load-scenario", "lab")
    with server.connect() as client:
        client.send_command("/sc storage.bag = game.create_inventory(3) storage.bag.insert{name = 'coal', count = 7}")
        client.send_command("/sc storage.gone = game.create_inventory(1) storage.gone.destroy()")
        assert client.send_command("/save kept") is None
    server.stop()

    restarted = emulator("--start-server", "kept")
    with restarted.connect() as client:
        out = client.send_command(
            "/sc rcon.print(#storage.bag .. ' ' .. storage.bag.get_item_count('coal') .. ' ' .. tostring(storage.gone.valid))"
        )
    restarted.stop()
    assert out is not None and out.split() == ["3", "7", "false"]
