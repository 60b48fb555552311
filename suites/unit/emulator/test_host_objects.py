"""API objects keep their identity in Lua however many come and go.

lupa can hand Lua the wrong Python object when the userdata of one it
released is still awaiting Lua's collector (lupa issue #294); the sandbox
keeps its host objects strongly referenced and frees them only between
commands. Before that fix, the loop below failed within 50 rounds with
"attempt to index a host object" or "LuaTechnology doesn't contain key clear".
"""

from __future__ import annotations

import pytest
from level_lua import lab_level

from fle_testkit.emulator.level import COMPACT_EVERY, Level


@pytest.fixture(scope="module")
def level(tmp_path_factory: pytest.TempPathFactory) -> Level:
    return lab_level(tmp_path_factory.mktemp("host-objects"))


def test_objects_keep_their_identity_through_many_resets_and_snapshots(level: Level) -> None:
    for round_ in range(400):
        research = "'none'" if round_ % 2 else "'all'"
        level.run_command(f"fle_testkit.reset.run({{research = {research}}})", "reset")
        snapshot = level.run_command("rcon.print(fle_testkit.snapshot.json({}))", "snapshot")
        assert snapshot.startswith("{")
        # Hundreds of userdata pushed and dropped: the pressure that made Lua collect them.
        level.run_command(
            "for _, recipe in pairs(game.forces.player.recipes) do local x = recipe.enabled end", "recipes"
        )


def test_destroyed_entities_do_not_pile_up_and_survivors_stay_themselves(level: Level) -> None:
    level.run_command(
        "storage.keeper = game.surfaces[1].create_entity{name = 'wooden-chest', position = {-5, -5}, force = 'player'}",
        "keep",
    )
    before = len(level.ctx.wrappers)
    for _ in range(COMPACT_EVERY * 3):
        level.run_command(
            "local e = game.surfaces[1].create_entity{name = 'iron-chest', position = {3, 3}, force = 'player'} "
            "e.get_inventory(1).insert{name = 'coal', count = 1} e.destroy()",
            "churn",
        )
    assert len(level.ctx.wrappers) <= before + COMPACT_EVERY * 2
    same = level.run_command(
        "rcon.print(storage.keeper == game.surfaces[1].find_entity('wooden-chest', {-4.5, -4.5}))", "check"
    )
    assert same == "true\n"


def test_compaction_runs_only_once_enough_host_objects_were_handed_to_lua(level: Level) -> None:
    # A full collection costs the whole heap: with nothing new handed to Lua it is skipped,
    # so a large `storage` does not stall the game loop every few hundred commands.
    level.sandbox.compact()
    assert level.sandbox.compact(min_growth=64) is False
    level.run_command(
        "storage.chests = {} for i = 1, 100 do storage.chests[i] = game.surfaces[1].create_entity"
        "{name = 'iron-chest', position = {i + 10.5, 20.5}, force = 'player'} end",
        "many",
    )
    assert level.sandbox.compact(min_growth=64) is True
    assert level.sandbox.compact(min_growth=64) is False
    assert level.run_command("rcon.print(storage.chests[7].position.x)", "check") == "17.5\n"


def test_prototype_members_are_read_once_and_tables_are_fresh_on_every_read(level: Level) -> None:
    """Prototypes are constant: Lua keeps what it read, but hands out a new table each time, as Factorio does."""
    out = level.run_command(
        "local recipe = prototypes.recipe['iron-gear-wheel'] "
        "local first = recipe.ingredients "
        "first[1].amount = 99 first[2] = 'added' "
        "local second = recipe.ingredients "
        "rcon.print(table.concat({tostring(first ~= second), second[1].amount, tostring(second[2]), recipe.name}, ' '))",
        "constant",
    )
    fresh, amount, added, name = out.split()
    assert (fresh, amount, added, name) == ("true", "2", "nil", "iron-gear-wheel")
    error = level.run_command(
        "rcon.print(select(2, pcall(function() return prototypes.recipe['iron-gear-wheel'].nope end)))", "e"
    )
    assert "doesn't contain key nope" in error, "an unknown member is still an error on every read"
