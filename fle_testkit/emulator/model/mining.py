"""A burner or electric mining drill at work (one :class:`~.simulation.Machine`).

Each working tick adds ``mining_speed / mining_time / 60`` to the mining
progress, where ``mining_time`` is the resource's (iron ore: 1), and burns one
tick of fuel (see burner.py), or for an electric drill asks its network for
``energy_usage`` and runs at the network's satisfaction (power.py). When the progress reaches 1 the drill mines once:
one unit of the resource's amount goes (a depleted resource is removed) and its
products go out at the drop position: into the entity there (any inventory
that takes the item, as ``insert`` fills it: a chest, a furnace's source or
fuel slot), or, with no entity there, onto the ground as one item entity.
What does not fit is held, and the drill waits (``waiting_for_space_in_destination``)
until the entity there changes, or the ground there clears.

Choices where the game's exact behaviour is not known, easy to change here:

- the resource mined is the first one a search of the mining area finds (newest first), chosen again at each
  mining; a resource that changes kind mid-way changes the rate from the next mining on;
- the ground takes one item entity at the drop position, and blocks while one lies there;
- mined products count as produced (force item production statistics) when mined;
- a drill whose drop position is on a belt puts each product on the lane nearest that position
  (transport_lines.drop_onto); blocked there, it sleeps until the lines have a gap at that point
  (belt_waits.py), as an inserter's hand does.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import control, ground, research_triggers, targets, transport_lines
from .belt_waits import GapWait
from .burner import Burner, BurnerMachine
from .simulation import Simulation, exact

if TYPE_CHECKING:
    from .entity import Entity


class MiningDrill(BurnerMachine):
    __slots__ = ("target", "mined", "destination", "looked")

    def __init__(self, entity: Entity, sim: Simulation, burner: Any) -> None:
        super().__init__(entity, sim, burner)
        self.target: Entity | None = None
        self.mined = 0  # minings so far: seeds the draw of products with a probability
        self.destination: Entity | None = None  # the entity at the drop position, once looked for
        self.looked = False  # whether ``destination`` is what is there (see surroundings_changed)

    # --- a tick ---------------------------------------------------------------

    def step(self, tick: int) -> None:
        if self.stopped() or (self.holding() and not self._output()):
            return
        target = self._find_target()
        if target is None:
            self.sleep("no_minable_resources" if self.burner.has_fuel() else self.burner.out_of_energy, near=True)
            return
        if self.work():
            self._mine(target)
            self._output()

    def ready(self) -> bool:
        return self.target is not None and self.target.valid

    # --- the parts of a tick ----------------------------------------------------

    def _find_target(self) -> Entity | None:
        target = self.target
        if target is None or not target.valid:
            surface: Any = self.entity.surface
            target = self.target = targets.mining_target(self.entity, surface)
            if target is not None and target.prototype.minable is not None:
                self.rate = (
                    exact(self.entity.prototype.mining_speed or 0.0) / exact(target.prototype.minable.mining_time) / 60
                )
        if target is not None and (target.prototype.minable is None or self.rate <= 0):
            return None  # (a resource that takes no time or gives nothing is not mined)
        return target

    def _mine(self, target: Entity) -> None:
        self.mined += 1
        products = control.mining_products(target, random.Random(self.entity.id * 7919 + self.mined))
        statistics = self.statistics()
        for name, count in products.items():
            statistics.on_flow(name, count)
            self.held.append((name, count))
        research_triggers.mined(self.sim, self.entity.force, target.name)
        control.take_one(target)

    def _output(self) -> bool:
        """Put the held products out; False (and asleep) when something stays held."""
        entity = self.entity
        surface: Any = entity.surface
        position = targets.drop_position(entity)
        destination = self.destination
        if not self.looked or (destination is not None and not destination.valid):
            destination = self.destination = targets.target_at(entity, position, surface)
            self.looked = True
        while self.held:
            name, count = self.held[0]
            if destination is not None and destination.belt is not None and position is not None:
                # Onto the belt lane nearest the drop position; while there is no room it tries each tick.
                placed = 0
                while placed < count and transport_lines.drop_onto(destination, position.x, position.y, name):
                    placed += 1
                if placed < count:
                    self.held[0] = (name, count - placed)
                    self.sleep("waiting_for_space_in_destination", (destination.id,), near=True)
                    return False
            elif destination is not None:
                placed = 0
                for inventory in control.insert_targets(destination, name, self.sim.recipes):
                    placed += inventory.insert(name, count - placed)
                    if placed == count:
                        break
            elif position is not None and not ground.taken(surface, position):
                ground.put_down(surface, position, name, 1)
                placed = 1
            else:
                placed = 0
            if placed < count:
                self.held[0] = (name, count - placed)
                waits = () if destination is None else (destination.id,)
                self.sleep("waiting_for_space_in_destination", waits, near=True)
                return False
            self.held.pop(0)
        return True

    # --- repeating cycles (cycles.py) ----------------------------------------------

    def cycle_links(self) -> tuple[bool, list[Entity]]:
        """The resources under it and the entity at its drop position. It may repeat burning fuel, mining
        finite resources whose products are certain (a drawn product follows the count of minings), into an
        entity that is not a belt."""
        entity = self.entity
        surface: Any = entity.surface
        destination = self._destination_now()
        resources = list(targets.mining_targets(entity, surface))  # (it moves on to the next when one runs out)
        eligible = (
            isinstance(self.burner, Burner)
            and destination is not None
            and destination.belt is None
            and bool(resources)
            and all(r.amount is not None and not r.prototype.infinite_resource and _certain(r) for r in resources)
        )
        return eligible, [*resources, *([destination] if destination is not None else [])]

    def deliveries(self, pickable: Callable[[Entity], set[str]]) -> list[tuple[Entity, set[str]]]:
        entity = self.entity
        surface: Any = entity.surface
        destination = self._destination_now()
        if destination is None:
            return []
        products = {
            product.name
            for resource in targets.mining_targets(entity, surface)
            if resource.prototype.minable is not None
            for product in resource.prototype.minable.products
            if product.type == "item"
        }
        return [(destination, products)]

    def _destination_now(self) -> Entity | None:
        """The entity at its drop position, looked for now (not what it last found)."""
        entity = self.entity
        surface: Any = entity.surface
        return targets.target_at(entity, targets.drop_position(entity), surface)

    def cycle_phase(self) -> tuple[Any, ...]:
        target, destination = self.target, self.destination
        return (
            *super().cycle_phase(),
            None if target is None else (target.id, target.valid),
            None if destination is None else destination.id,
            self.looked,
        )

    def cycle_counters(self) -> dict[str, int]:
        return {"mined": self.mined}

    # --- wakes and saving -------------------------------------------------------

    def sleep(self, state: str, waits_on: Any = (), near: bool = False) -> None:
        """Blocked; held products over a belt wait for a gap there (also when a loaded game puts it back
        to sleep)."""
        super().sleep(state, waits_on, near)
        lines = transport_lines.existing_system(self.entity)
        if lines is not None:
            lines.waits.drop(self)
        if state != "waiting_for_space_in_destination" or not self.held:
            return
        position = targets.drop_position(self.entity)
        destination = self.destination
        if not self.looked or (destination is not None and not destination.valid):
            surface: Any = self.entity.surface
            destination = targets.target_at(self.entity, position, surface)
        if destination is None or destination.belt is None or position is None:
            return
        point = transport_lines.nearest_point(destination, position.x, position.y)
        if point is not None:
            transport_lines.system(destination).wait_for(GapWait(self, point[0], point[1]))

    def watched_tiles(self) -> list[tuple[int, int]]:
        """The tile of the drop position and the tiles of the mining area."""
        entity = self.entity
        tiles = []
        position = targets.drop_position(entity)
        if position is not None:
            tiles.append((math.floor(position.x), math.floor(position.y)))
        radius = entity.prototype.resource_searching_radius or 0.0
        centre = entity.position
        for x in range(math.floor(centre.x - radius), math.ceil(centre.x + radius)):
            for y in range(math.floor(centre.y - radius), math.ceil(centre.y + radius)):
                if (x, y) not in tiles:
                    tiles.append((x, y))
        return tiles

    def surroundings_changed(self) -> None:
        self.looked = False

    def to_state(self) -> dict[str, Any]:
        return {**super().to_state(), "mined": self.mined}

    def load_state(self, state: dict[str, Any]) -> None:
        super().load_state(state)
        self.mined = int(state.get("mined", 0))

    @property
    def mining_progress(self) -> float:
        self.sync()
        return float(self.progress)


def _certain(resource: Entity) -> bool:
    """Whether each mining of ``resource`` yields the same products (no chance, no range of amounts)."""
    minable = resource.prototype.minable
    return minable is not None and all(
        product.probability >= 1 and product.amount is not None for product in minable.products
    )
