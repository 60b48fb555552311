"""Reading values out of the Lua tables of a finished data stage."""

from __future__ import annotations

from typing import Any

from .prototypes import EMPTY_BOX, Box, Minable, Product, parse_energy


def is_table(value: Any) -> bool:
    return hasattr(value, "keys") and hasattr(value, "values") and not isinstance(value, dict)


def to_python(value: Any) -> Any:
    """A Lua table as a dict (string keys) or list (1..n keys); scalars unchanged."""
    if not is_table(value):
        return number(value)
    items = {key: to_python(item) for key, item in value.items()}
    if items and all(isinstance(k, int) for k in items) and sorted(items) == list(range(1, len(items) + 1)):
        return [items[k] for k in range(1, len(items) + 1)]
    return items


def number(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def as_float(value: Any) -> float | None:
    return None if value is None else float(value)


def seq(table: Any) -> list[Any]:
    """The array part of a Lua table (or [] for nil); a lone string counts as one."""
    if table is None:
        return []
    if isinstance(table, str):
        return [table]
    return [table[i] for i in range(1, len(table) + 1)]


def strings(table: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in seq(table))


def box(table: Any) -> Box:
    if table is None:
        return EMPTY_BOX
    corners = []
    for key_index, key_name in ((1, "left_top"), (2, "right_bottom")):
        corner = table[key_index] if table[key_index] is not None else table[key_name]
        x = corner[1] if corner[1] is not None else corner["x"]
        y = corner[2] if corner[2] is not None else corner["y"]
        corners.append((float(x), float(y)))
    return (corners[0], corners[1])


def vector(table: Any) -> tuple[float, float] | None:
    """A Vector (``{x, y}`` or ``{x=, y=}``), or None when absent."""
    if table is None:
        return None
    x = table[1] if table[1] is not None else table["x"]
    y = table[2] if table[2] is not None else table["y"]
    return (float(x), float(y))


def energy(value: Any, default: float = 0.0) -> float:
    return default if value is None else parse_energy(value)


def product(table: Any) -> Product:
    if table["name"] is None:  # short form {"name", amount}
        return Product("item", str(table[1]), number(table[2]) if table[2] is not None else 1)
    amount = table["amount"]
    probability = 1.0 if table["probability"] is None else float(table["probability"])
    shared = table["shared_probability"]  # 2.1 data: a slice of one shared roll
    if shared is not None:
        probability = round(float(shared["max"]) - float(shared["min"]), 12)
    return Product(
        type=str(table["type"] or "item"),
        name=str(table["name"]),
        amount=None if amount is None else number(amount),
        amount_min=number(table["amount_min"]),
        amount_max=number(table["amount_max"]),
        probability=probability,
        temperature=table["temperature"],
        fluidbox_index=int(table["fluidbox_index"] or 0),
    )


def products(table: Any, single_key: str = "result", count_key: str = "count") -> tuple[Product, ...]:
    if table["results"] is not None:
        return tuple(product(p) for p in seq(table["results"]))
    if table[single_key] is not None:
        count = table[count_key] if table[count_key] is not None else 1
        return (Product("item", str(table[single_key]), number(count)),)
    return ()


def minable(table: Any) -> Minable | None:
    if table is None:
        return None
    return Minable(
        mining_time=float(table["mining_time"] or 0.0),
        products=products(table),
        required_fluid=table["required_fluid"],
        fluid_amount=float(table["fluid_amount"] or 0.0),
    )


def first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)
