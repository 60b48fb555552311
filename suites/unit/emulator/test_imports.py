"""The emulator's imports go one way: no module reaches itself through others.

A circle makes import order matter and hides which module owns what; this
guards what the registry (``lua_api/registry.py``), the model's protocols and
``config.py`` untangled. Imports inside functions and under TYPE_CHECKING
count as well (grimp sees them all).
"""

from __future__ import annotations

import grimp

EMULATOR = "fle_testkit.emulator"


def _circles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in graph.find_modules_directly_imported_by(module) & modules:
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return circles


def test_no_import_circles_inside_the_emulator() -> None:
    graph = grimp.build_graph("fle_testkit", cache_dir=None)
    modules = {EMULATOR} | graph.find_descendants(EMULATOR)
    assert _circles(graph, modules) == []


def test_the_emulator_imports_nothing_of_the_rest_of_fle_testkit() -> None:
    graph = grimp.build_graph("fle_testkit", cache_dir=None)
    emulator = {EMULATOR} | graph.find_descendants(EMULATOR)
    outside = {
        (module, imported)
        for module in emulator
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.startswith("fle_testkit") and imported not in emulator and imported != "fle_testkit"
    }
    assert outside == set()
