"""Which fluid box of a crafting machine each fluid ingredient and result of a recipe uses.

A recipe's fluid ingredient (or result) with a ``fluidbox_index`` uses the machine's input (or
output) box of that number; one without takes the next of those boxes not yet used, in the
prototype's order (the prototype docs' FluidIngredientPrototype/FluidProductPrototype
``fluidbox_index``; the base data numbers basic oil processing's crude oil 2 and petroleum 3, the
boxes advanced oil processing gives them in order). A recipe whose fluids do not all find a box
cannot be crafted in that machine.
"""

from __future__ import annotations

from typing import Any

#: Fluid box production types that take fluid in (an assembling machine 2's box is "input").
INPUT_TYPES = frozenset({"input", "input-output"})


def _assign(wanted: list[Any], boxes: list[int]) -> list[tuple[Any, int]] | None:
    used: list[int] = []
    found = []
    for part in wanted:
        if part.fluidbox_index:
            index = boxes[part.fluidbox_index - 1] if part.fluidbox_index <= len(boxes) else None
        else:
            index = next((b for b in boxes if b not in used), None)
        if index is None or index in used:
            return None
        used.append(index)
        found.append((part, index))
    return found


def recipe_boxes(machine: Any, recipe: Any) -> tuple[list[tuple[Any, int]], list[tuple[Any, int]]] | None:
    """(fluid ingredients with their box, fluid results with their box), 1-based box indices; None when
    the machine's boxes cannot take the recipe's fluids."""
    boxes = machine.fluid_boxes
    inputs = [i for i, box in enumerate(boxes, start=1) if box.production_type in INPUT_TYPES]
    outputs = [i for i, box in enumerate(boxes, start=1) if box.production_type == "output"]
    ingredients = _assign([i for i in recipe.ingredients if i.type == "fluid"], inputs)
    results = _assign([p for p in recipe.results if p.type == "fluid"], outputs)
    if ingredients is None or results is None:
        return None
    return ingredients, results
