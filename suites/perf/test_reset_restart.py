"""Reset and restart through the plugin's per-worker server: these timings are
what ``--perf-report`` saves and ``--perf-compare`` checks.

    pytest suites/perf/test_reset_restart.py --perf-report
"""

from __future__ import annotations

import pytest

from fle_testkit.session import GameSession

ROUNDS = 10
BUILD = (
    "for i = 1, 50 do game.surfaces[1].create_entity{name = 'iron-chest', position = {i, 5}, force = 'player'}"
    ".get_inventory(1).insert{name = 'iron-plate', count = 100} end"
)


@pytest.mark.parametrize("round_", range(ROUNDS))
@pytest.mark.parametrize("mode", ["lua", "save"])
def test_reset(factorio_session: GameSession, mode: str, round_: int) -> None:
    factorio_session.client.lua(BUILD)
    factorio_session.reset(mode)
    assert (
        factorio_session.client.eval("#game.surfaces[1].find_entities_filtered{force = 'player', name = 'iron-chest'}")
        == 0
    )


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_restart(factorio_session: GameSession, round_: int) -> None:
    factorio_session.client.lua(BUILD)
    factorio_session.server.restart()
    assert (
        factorio_session.client.eval("#game.surfaces[1].find_entities_filtered{force = 'player', name = 'iron-chest'}")
        == 50
    )
