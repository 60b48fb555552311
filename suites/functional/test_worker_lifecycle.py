"""The per-worker server through the plugin's fixtures.

Each xdist worker has its own server bound to its own save directory
(``.fle/saves/{n}``, n from ``gwN``); every test gets the game reset to the
variant its marker asks for.
"""

from __future__ import annotations

import os

import pytest

from fle_testkit.session import GameSession

CHEST = 'game.surfaces[1].create_entity{name = "iron-chest", position = {4, 4}, force = "player"}'


def test_the_worker_owns_its_save_directory(factorio_server, factorio_saves) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")  # no xdist: directory 0
    assert factorio_saves.path.name == worker[2:]
    assert factorio_saves.held
    assert factorio_saves.path_of("pristine").is_file()
    assert factorio_server.is_alive()


def test_the_pristine_save_was_bootstrapped_from_the_embedded_scenario(factorio_client) -> None:
    # The harness Lua came with the scenario: nothing was uploaded over RCON.
    assert factorio_client.eval("type(fle_testkit) == 'table' and type(fle_testkit.snapshot) == 'table'")


def test_each_test_starts_from_a_reset_game(factorio_session: GameSession) -> None:
    assert (
        factorio_session.client.eval("#game.surfaces[1].find_entities_filtered{force = 'player', type = 'container'}")
        == 0
    )


def test_the_reset_between_tests_removes_what_a_test_built(request, factorio_session: GameSession) -> None:
    from fle_testkit.fixtures.servers import _session_for

    factorio_session.client.lua(CHEST)
    assert factorio_session.client.eval("#game.surfaces[1].find_entities_filtered{name = 'iron-chest'}") == 1
    _session_for(request, request.getfixturevalue("factorio_pool"))  # what the fixture does before every test
    assert factorio_session.client.eval("#game.surfaces[1].find_entities_filtered{name = 'iron-chest'}") == 0


def test_the_default_variant_has_everything_researched(factorio_session: GameSession) -> None:
    assert factorio_session.client.eval("game.forces.player.technologies['automation'].researched")


@pytest.mark.factorio(variant="unresearched")
def test_the_unresearched_variant(factorio_session: GameSession) -> None:
    assert not factorio_session.client.eval("game.forces.player.technologies['automation'].researched")
    assert not factorio_session.client.eval("game.forces.player.recipes['assembling-machine-1'].enabled")


def test_the_ready_made_variants(factorio_session_researched: GameSession) -> None:
    assert "automation" in factorio_session_researched.snapshot().researched


def test_the_ready_made_unresearched_session(factorio_session_unresearched: GameSession) -> None:
    assert "automation" not in factorio_session_unresearched.snapshot().researched


@pytest.mark.factorio(inventory={"iron-plate": 40, "coal": 10})
def test_a_custom_inventory_is_the_lab_agents_inventory(factorio_session: GameSession) -> None:
    from fle_testkit.session import AgentSession

    assert AgentSession(factorio_session).inventory() == {"iron-plate": 40, "coal": 10}


@pytest.mark.factorio(reset="save")
def test_a_reset_from_the_save_before_the_test(factorio_session: GameSession) -> None:
    assert factorio_session.client.eval("storage.fle_testkit.created_tick") == 0
    assert factorio_session.server.timings.last("reset") is not None


def test_a_restart_loads_the_latest_save_and_keeps_the_world(factorio_session: GameSession) -> None:
    factorio_session.client.lua(CHEST + " storage.kept = 'yes'")
    before = factorio_session.checksum()
    factorio_session.server.restart()
    assert factorio_session.checksum() == before
    assert factorio_session.client.eval("storage.kept") == "yes"


def test_restoring_a_snapshot_makes_the_next_start_load_it(factorio_session: GameSession, factorio_saves) -> None:
    server = factorio_session.server
    factorio_session.client.lua("storage.mark = 'snapshot'")
    server.save("mark")
    factorio_session.client.lua("storage.mark = 'later'")
    server.stop()
    factorio_saves.restore("mark")
    server.start()
    assert factorio_session.client.eval("storage.mark") == "snapshot"


@pytest.mark.latency_budget(reset=5.0)
def test_a_reset_within_its_budget(factorio_session: GameSession) -> None:
    factorio_session.reset("save")


def test_a_server_of_its_own(factorio_server_factory, factorio_server) -> None:
    own = factorio_server_factory()
    assert own.server.save_dir.path != factorio_server.save_dir.path
    assert own.server.endpoint != factorio_server.endpoint
    own.client.lua("storage.mine = true")
    assert factorio_server.client.eval("storage.mine") is None
