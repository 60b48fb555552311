"""FLE's research tools, and crafting behind research, on both variants; score, sleep and print."""

from __future__ import annotations

from typing import Any

import pytest
from fle.env.entities import Position
from fle.env.game_types import Prototype, Technology

# Factorio 2.0's automation: 10 units of one automation science pack each.
AUTOMATION_COST = [("automation-science-pack", 10)]
LOCKED = r"assembling-machine-1 is not unlocked yet \(requires automation technology\)"


def _pairs(ingredients: list[Any]) -> list[tuple[str, int]]:
    return [(ingredient.name, ingredient.count) for ingredient in ingredients]


def test_crafting_a_recipe_unlocked_by_research_needs_that_research(tools: Any, researched: bool) -> None:
    before = tools.inspect_inventory()[Prototype.AssemblingMachine1]
    if researched:
        assert tools.craft_item(Prototype.AssemblingMachine1, 1) == 1
        assert tools.inspect_inventory()[Prototype.AssemblingMachine1] == before + 1
    else:
        with pytest.raises(Exception, match=LOCKED):
            tools.craft_item(Prototype.AssemblingMachine1, 1)
        assert tools.inspect_inventory()[Prototype.AssemblingMachine1] == before


def test_set_research_starts_an_unresearched_technology_and_says_its_cost(tools: Any, researched: bool) -> None:
    if researched:
        with pytest.raises(Exception, match="Technology automation is already researched"):
            tools.set_research(Technology.Automation)
        return
    assert _pairs(tools.set_research(Technology.Automation)) == AUTOMATION_COST
    assert _pairs(tools.get_research_progress()) == AUTOMATION_COST  # the current research, nothing done yet


def test_set_research_of_an_unknown_technology_fails(tools: Any) -> None:
    with pytest.raises(Exception, match="Technology no-such-tech does not exist"):
        tools.set_research("no-such-tech")


def test_get_research_progress_names_what_is_left_to_research(tools: Any, researched: bool) -> None:
    remaining = _pairs(tools.get_research_progress(Technology.Automation))
    assert remaining == ([] if researched else AUTOMATION_COST)


def test_get_research_progress_without_current_research_fails(tools: Any) -> None:
    with pytest.raises(Exception, match="No research currently in progress"):
        tools.get_research_progress()


def test_get_research_progress_of_an_unknown_technology_fails(tools: Any) -> None:
    with pytest.raises(Exception, match="Technology no-such-tech doesn't exist"):
        tools.get_research_progress("no-such-tech")


def test_hand_crafting_raises_the_score_but_not_the_automated_score(tools: Any) -> None:
    score, automated = tools.score()
    tools.craft_item(Prototype.IronGearWheel, 5)
    score_after, automated_after = tools.score()
    assert score_after > score
    assert automated_after <= automated


def test_sleep_advances_fles_clock_by_sixty_ticks_a_second(tools: Any, instance: Any) -> None:
    before = instance.get_elapsed_ticks()
    assert tools.sleep(1) is True
    assert instance.get_elapsed_ticks() - before == 60


def test_print_joins_its_arguments_with_tabs(tools: Any) -> None:
    assert tools.print("placed at", Position(x=1, y=2)) == "placed at\tx=1.0 y=2.0"
    assert tools.print(42) == "42"  # not a str or model: printed by the server
