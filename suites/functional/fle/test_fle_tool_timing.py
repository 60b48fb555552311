"""Every FLE tool call through the FLE fixtures is timed, failed calls apart."""

from __future__ import annotations

from typing import Any

import pytest

from fle_testkit.fle.fixtures import FleGame
from fle_testkit.fle.tool_timing import FAILED_TOOL_PHASE, TOOL_PHASE
from fle_testkit.timings import mark


def _calls_since(fle_game: FleGame, since: int) -> list[tuple[str, str]]:
    return [(r.phase, r.detail) for r in fle_game.server.timings.records if r.seq > since]


def test_a_tool_call_is_timed_under_its_name(namespace: Any, fle_game: FleGame) -> None:
    since = mark()
    namespace.inspect_inventory()
    assert _calls_since(fle_game, since) == [(TOOL_PHASE, "inspect_inventory")]


def test_a_tool_that_raises_is_timed_as_failed(namespace: Any, fle_game: FleGame) -> None:
    from fle.env.entities import Position
    from fle.env.game_types import Prototype

    since = mark()
    with pytest.raises(Exception, match="rocket-silo"):
        namespace.place_entity(Prototype.RocketSilo, position=Position(x=0, y=5))  # none in the inventory
    assert (FAILED_TOOL_PHASE, "place_entity") in _calls_since(fle_game, since)
