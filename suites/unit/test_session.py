"""GameSession and AgentSession over a real embedded server built from the lab scenario."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fle_testkit.backends import EmbeddedBackend
from fle_testkit.errors import LuaError, TestkitError
from fle_testkit.savedir import SaveRoot
from fle_testkit.scenario import ScenarioBuilder
from fle_testkit.server import FactorioServer
from fle_testkit.session import AgentSession, GameSession, lua_literal

pytestmark = pytest.mark.rcon_client

ADD_CHEST = (
    'local c = game.surfaces[1].create_entity{name = "iron-chest", position = {2, 2}, force = "player"} '
    'c.get_inventory(defines.inventory.chest).insert{name = "iron-plate", count = 10}'
)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory):
    return ScenarioBuilder("lab", out_root=tmp_path_factory.mktemp("scenarios")).build()


@pytest.fixture
def session(tmp_path: Path, scenario) -> Iterator[GameSession]:
    save_dir = SaveRoot(tmp_path / "saves").claim_any()
    server = FactorioServer(EmbeddedBackend(), save_dir)
    server.bootstrap(scenario)
    game = GameSession(server)
    game.start()
    yield game
    if server.is_alive():
        server.kill()
    save_dir.release()


def test_an_in_place_reset_clears_what_a_test_built(session: GameSession) -> None:
    pristine = session.checksum()
    session.client.lua(ADD_CHEST)
    assert session.checksum() != pristine
    session.reset("lua")
    assert session.client.eval("#game.surfaces[1].find_entities_filtered{force = 'player', name = 'iron-chest'}") == 0
    assert session.client.eval("#game.surfaces[1].find_entities_filtered{force = 'player'}") == 1  # the agent stays


def test_a_reset_from_the_save_restores_the_pristine_game_exactly(session: GameSession) -> None:
    pristine = session.checksum()
    session.client.lua(ADD_CHEST + " storage.dirty = true")
    session.reset("save")
    assert session.checksum() == pristine
    assert session.client.eval("storage.dirty") is None


def test_the_pristine_save_is_never_played_on(session: GameSession) -> None:
    pristine = session.server.save_dir.path_of("pristine").read_bytes()
    session.client.lua("storage.dirty = true")
    session.reset("save")
    session.server.stop()  # saves over the working copy, never over the pristine save
    assert session.server.save_dir.path_of("pristine").read_bytes() == pristine


def test_reset_options_set_research(session: GameSession) -> None:
    session.reset("lua", research="all")
    assert "automation" in session.snapshot().researched
    session.reset("lua", research="none")
    assert "automation" not in session.snapshot().researched


def test_the_checksum_survives_a_save_and_a_restart(session: GameSession) -> None:
    session.client.lua(ADD_CHEST + " storage.kept = {1, 2, {x = 'y'}}")
    before = session.checksum()
    session.server.restart()
    assert session.checksum() == before


def test_resets_are_timed(session: GameSession) -> None:
    session.reset("lua")
    session.reset("save")
    details = [r.detail for r in session.server.timings.records if r.phase == "reset"]
    assert details == ["lua", "save"]


def test_eval_with_snapshot_reports_the_step_and_its_ticks(session: GameSession) -> None:
    session.client.lua("game.speed = 10")
    result = session.eval_with_snapshot(ADD_CHEST, ticks=30)
    assert result.error is None
    assert result.ticks >= 30
    assert result.after.entity_counts.get("iron-chest") == 1
    assert result.before.entity_counts.get("iron-chest") is None


def test_eval_with_snapshot_keeps_a_failing_step_as_data(session: GameSession) -> None:
    result = session.eval_with_snapshot("error('the agent broke it')")
    assert isinstance(result.error, LuaError)
    assert "the agent broke it" in result.error.message
    assert result.after.tick >= result.before.tick


def test_eval_with_snapshot_runs_python_steps(session: GameSession) -> None:
    result = session.eval_with_snapshot(lambda game: game.client.eval("1 + 1"))
    assert result.output == 2


def test_flows_show_what_a_step_produced_and_consumed(session: GameSession) -> None:
    result = session.eval_with_snapshot(
        "local stats = game.forces.player.get_item_production_statistics(1) "
        "stats.on_flow('iron-gear-wheel', 5) stats.on_flow('iron-plate', -10)"
    )
    assert result.produced() == {"iron-gear-wheel": 5}
    assert result.consumed() == {"iron-plate": 10}


def test_an_agent_sees_its_own_character_inventory(session: GameSession) -> None:
    session.client.lua(
        "storage.agent_characters = {game.surfaces[1].create_entity{name = 'character', position = {0, 0}, force = 'player'}}"
    )
    session.reset("lua", inventory={"iron-plate": 50, "coal": 5})
    assert AgentSession(session, 1).inventory() == {"iron-plate": 50, "coal": 5}
    assert AgentSession(session, 2).inventory() == {}


def test_waiting_for_ticks_on_a_paused_game_says_why(session: GameSession) -> None:
    session.client.lua("game.tick_paused = true")
    now = session.client.eval("game.tick")
    with pytest.raises(TestkitError, match="is the game paused"):
        session.wait_ticks(now + 10, timeout=0.3)


def test_lua_literals_round_trip_through_lua() -> None:
    from lupa import lua52

    lua = lua52.LuaRuntime()
    value = lua.eval(lua_literal({"inventory": {"iron-plate": 5}, "flags": [True, False], "name": 'q"]]\n'}))
    assert value["inventory"]["iron-plate"] == 5
    assert value["flags"][2] is False
    assert value["name"] == 'q"]]\n'


def test_the_step_delta_carries_factorios_production_score(session: GameSession) -> None:
    result = session.eval_with_snapshot(
        "local stats = game.forces.player.get_item_production_statistics(1) "
        "stats.on_flow('iron-gear-wheel', 10) stats.on_flow('iron-gear-wheel', -4)"
    )
    # production-score.lua counts names that were consumed: 10 made - 4 used = 6 gears at their price.
    price = session.client.eval("require('production-score').generate_price_list()['iron-gear-wheel']")
    assert result.score_gained == int(6 * price)
    assert result.after.score == result.score_gained + result.before.score


def test_a_lua_reset_of_a_stopped_server_reloads_the_pristine_save(session: GameSession) -> None:
    session.client.lua("storage.dirty = true")
    session.server.kill()
    session.reset("lua")
    assert session.server.is_alive()
    assert session.client.eval("storage.dirty") is None
    assert [r.detail for r in session.server.timings.records if r.phase == "reset"][-1] == "save"
