"""A burner energy source: the fuel an entity holds and the item it is burning.

Every entity whose prototype has a burner energy source (stone furnace,
burner inserter, burner mining drill, boiler...) owns one; it shares the
entity's ``fuel`` and ``burnt_result`` inventories. Nothing burns without the
tick simulation, so ``currently_burning`` and ``heat`` change only when a
script writes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .errors import InvalidArgumentError

if TYPE_CHECKING:
    from ..gamedata import ItemPrototype
    from .entity import Entity
    from .inventory import Inventory


class Burner:
    __slots__ = (
        "owner",
        "inventory",
        "burnt_result_inventory",
        "fuel_categories",
        "_currently_burning",
        "_remaining_burning_fuel",
        "_heat",
    )

    def __init__(
        self,
        owner: Entity,
        inventory: Inventory,
        burnt_result_inventory: Inventory | None,
        fuel_categories: tuple[str, ...],
    ) -> None:
        self.owner = owner
        self.inventory = inventory
        self.burnt_result_inventory = burnt_result_inventory
        self.fuel_categories = fuel_categories
        self._currently_burning: ItemPrototype | None = None
        self._remaining_burning_fuel = 0.0
        self._heat = 0.0

    def __repr__(self) -> str:
        burning = self._currently_burning.name if self._currently_burning else None
        return f"<Burner burning={burning} remaining={self._remaining_burning_fuel}>"

    @property
    def valid(self) -> bool:
        return bool(self.owner.valid)

    @property
    def currently_burning(self) -> ItemPrototype | None:
        return self._currently_burning

    @currently_burning.setter
    def currently_burning(self, item: ItemPrototype | None) -> None:
        """Writing corrects the remaining fuel, as the API docs say: a fresh item burns from full."""
        if item is not None and item.fuel_category not in self.fuel_categories:
            raise InvalidArgumentError(f"{item.name} is not a fuel of categories {', '.join(self.fuel_categories)}")
        self._currently_burning = item
        self._remaining_burning_fuel = item.fuel_value if item is not None else 0.0

    @property
    def remaining_burning_fuel(self) -> float:
        return self._remaining_burning_fuel

    @remaining_burning_fuel.setter
    def remaining_burning_fuel(self, value: float) -> None:
        """Silently nothing without a burning item (API docs); otherwise kept within 0..the item's fuel value."""
        if self._currently_burning is None:
            return
        self._remaining_burning_fuel = min(max(0.0, float(value)), self._currently_burning.fuel_value)

    @property
    def heat(self) -> float:
        return self._heat

    @heat.setter
    def heat(self, value: float) -> None:
        # Factorio's bound, heat_capacity, is not modelled; only negatives are refused here.
        self._heat = max(0.0, float(value))

    def to_state(self) -> dict[str, object]:
        return {
            "currently_burning": self._currently_burning.name if self._currently_burning else None,
            "remaining_burning_fuel": self._remaining_burning_fuel,
            "heat": self._heat,
        }

    def load_state(self, state: dict[str, Any], items: Mapping[str, ItemPrototype]) -> None:
        name = state.get("currently_burning")
        self._currently_burning = items[str(name)] if name is not None else None
        self._remaining_burning_fuel = float(state.get("remaining_burning_fuel") or 0.0)
        self._heat = float(state.get("heat") or 0.0)
