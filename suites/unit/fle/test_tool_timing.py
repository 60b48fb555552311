"""Timing FLE's tool calls, on stand-ins shaped as FLE's setup_tools leaves an instance."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from fle_testkit.fle.tool_timing import FAILED_TOOL_PHASE, TOOL_PHASE, time_tools, tool_names
from fle_testkit.timings import Timings


class PlaceEntity:
    """A tool controller: FLE instantiates one per namespace."""

    def __call__(self, name: str) -> str:
        if name == "nothing":
            raise ValueError("No nothing in inventory")
        return f"placed {name}"


class Reset:
    def __call__(self) -> None:
        return None


def fle_wrapper(tool: Any) -> Any:
    """FLE's create_hook_wrapper: functools.wraps over the controller."""

    @functools.wraps(tool)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return tool(*args, **kwargs)

    return wrapper


class Namespace:
    def reset(self) -> None:  # the namespace's own method, not a tool
        pass


class Instance:
    def __init__(self, agents: int = 1) -> None:
        self.namespaces = [Namespace() for _ in range(agents)]
        self.controllers: dict[str, Any] = {}
        for namespace in self.namespaces:
            self.controllers = {"place_entity": PlaceEntity(), "reset": Reset()}
            namespace.place_entity = fle_wrapper(self.controllers["place_entity"])  # type: ignore[attr-defined]
            namespace._reset = fle_wrapper(self.controllers["reset"])  # type: ignore[attr-defined]

    @property
    def first_namespace(self) -> Namespace:
        return self.namespaces[0]


def test_agent_and_admin_tools_are_found_but_not_the_namespaces_own_methods() -> None:
    assert tool_names(Instance()) == ["_reset", "place_entity"]


def test_a_call_is_timed_under_its_tool_and_answers_as_before() -> None:
    instance, timings = Instance(), Timings("fle")
    time_tools(instance, timings)
    assert instance.first_namespace.place_entity("chest") == "placed chest"  # type: ignore[attr-defined]
    instance.first_namespace._reset()  # type: ignore[attr-defined]
    assert [(r.phase, r.detail) for r in timings.records] == [(TOOL_PHASE, "place_entity"), (TOOL_PHASE, "_reset")]


def test_a_call_that_raises_is_timed_apart_and_still_raises() -> None:
    instance, timings = Instance(), Timings("fle")
    time_tools(instance, timings)
    with pytest.raises(ValueError, match="No nothing"):
        instance.first_namespace.place_entity("nothing")  # type: ignore[attr-defined]
    assert [(r.phase, r.detail) for r in timings.records] == [(FAILED_TOOL_PHASE, "place_entity")]


def test_timing_twice_wraps_once_and_covers_every_agent() -> None:
    instance, timings = Instance(agents=2), Timings("fle")
    time_tools(instance, timings)
    time_tools(instance, timings)
    for namespace in instance.namespaces:
        namespace.place_entity("chest")  # type: ignore[attr-defined]
    assert len(timings.of(TOOL_PHASE)) == 2


def test_tool_phases_are_phases_a_budget_may_name() -> None:
    from fle_testkit.timings import unknown_phase

    assert unknown_phase(f"{TOOL_PHASE}[place_entity]") is None
    assert unknown_phase(FAILED_TOOL_PHASE) is None
