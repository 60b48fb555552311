"""What each FLE tool call costs: every call through the FLE fixtures' instance, timed.

FLE's own post-tool hooks run only when a tool returns, so a tool that raises
would go unseen; instead each tool on the instance's namespaces (FLE's own
hook wrapper, as ``setup_tools`` put it there) is wrapped once more, and the
call is timed whether it returns or raises. Records go to the FLE server's
timings, so the lifecycle table and the perf report show them beside reset
and restart: ``fle_tool[place_entity]``, and failed calls apart as
``fle_tool_failed[place_entity]``. Admin tools keep FLE's leading underscore
(``fle_tool[_reset]``: the game side of FLE's ``reset()``).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from ..timings import Timings

TOOL_PHASE = "fle_tool"
FAILED_TOOL_PHASE = "fle_tool_failed"
_TIMED = "__fle_testkit_timed__"  # marks a wrapper of ours, so no tool is wrapped twice


def tool_names(instance: Any) -> list[str]:
    """The namespace attributes holding FLE's tools: ``name`` (agent tools) and ``_name`` (admin).

    A tool is what FLE's hook wrapper wraps (``__wrapped__``), an instance of
    the tool's controller class: the namespace's own methods (``reset``) are not tools.
    """
    namespace = instance.first_namespace
    names = []
    for name, controller in getattr(instance, "controllers", {}).items():
        for attribute in (name, f"_{name}"):
            wrapped = getattr(getattr(namespace, attribute, None), "__wrapped__", None)
            if type(wrapped) is type(controller):
                names.append(attribute)
    return sorted(names)


def time_tools(instance: Any, timings: Timings) -> int:
    """Time every tool call on the instance's namespaces into ``timings``; returns how many tools."""
    names = tool_names(instance)
    for namespace in instance.namespaces:
        for name in names:
            tool = getattr(namespace, name)
            if not getattr(tool, _TIMED, False):
                setattr(namespace, name, _timed(tool, name, timings))
    return len(names)


def _timed(tool: Callable[..., Any], name: str, timings: Timings) -> Callable[..., Any]:
    @functools.wraps(tool)
    def call(*args: Any, **kwargs: Any) -> Any:
        started_at, began = time.time(), time.perf_counter()
        try:
            result = tool(*args, **kwargs)
        except BaseException:
            timings.add(FAILED_TOOL_PHASE, time.perf_counter() - began, started_at, name)
            raise
        timings.add(TOOL_PHASE, time.perf_counter() - began, started_at, name)
        return result

    setattr(call, _TIMED, True)
    return call
