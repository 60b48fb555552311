"""A burner or electric inserter at work (one :class:`~.simulation.Machine`).

The hand swings between the pickup position and the drop position
(targets.py: the prototype's ``pickup_position`` and ``insert_position``
turned to the entity's direction). One swing, a *leg*, takes
``max(ceil(turn / rotation_speed), ceil(|r_drop - r_pickup| / extension_speed))``
ticks, where ``turn`` is the angle between the two vectors in turns (half a turn
in vanilla) and ``r`` their lengths: the hand turns and extends at once, and
picks up and drops on tick boundaries. A burner inserter (rotation speed 0.013)
moves one item every 2 x 39 ticks chest to chest: 0.769 items/s (suites/oracle.py).

Each leg burns ``energy_per_rotation x turn + energy_per_movement x |r_drop - r_pickup|``
(70 kJ a swing there and back for the 1.1 burner inserter, 57 swings a coal, as the
wiki measured), spread evenly over its ticks; an idle inserter burns nothing.

A step at the pickup with an empty hand takes the first item (inventory order,
then slot order) that the destination takes, up to the hand's size (:func:`hand_size`), from:
the pickup target's output inventories (a furnace's result, burnt results) and
main inventory (a chest), or an item lying on the tile of the pickup position.
The destination takes an item when some inventory of the entity at the drop
position accepts it (control.insert_targets: fuel only into fuel slots, a
furnace's source only what it smelts; never module slots), or, with no entity
there, when no item lies at the drop position yet (the item is put down there).
At the drop the hand empties into the destination; what does not fit stays in
the hand and the inserter waits (``waiting_for_space_in_destination``).

A burner inserter feeds itself: a fuel item it picks up while its fuel slot is
empty goes into its own fuel slot (it then picks again), and one holding fuel
when it runs out mid-swing refuels from its hand. Without fuel at all it still
picks fuel for itself, so it starts from a chest of coal.

The hand's size is Factorio 2.0's: 1 + the prototype's ``stack_size_bonus`` + the force's
``bulk_inserter_capacity_bonus`` for a bulk inserter (prototype flag ``bulk``) or its
``inserter_stack_size_bonus`` for any other, the force's part only when the prototype's
``uses_inserter_stack_size_bonus`` holds (technology comments in the base data: a bulk inserter
moves 2 once researched, 12 at inserter capacity bonus 7; an inserter 3). A hand holds one item
stack, so never more than the item's stack size.

A machine's inputs and fuel slots take items only below Factorio's automated insertion limits
(insertion_limits.py): a stone furnace 2 ore, 5 fuel items; the whole hand goes in below them.

Choices where the game's exact behaviour is not known, easy to change here:

- from an inventory or the ground the hand never waits for more: it takes what is there, up to
  its size, and swings (a chest's last 3 plates go at once in a hand of 12). Waiting for a full hand
  is belt behaviour (belts are not modelled here) and the prototype flag ``wait_for_full_hand``
  (Space Age's stack inserter only, not in the base data);
- a hand takes from one item on the ground at a time, not from several on the tile;
- the hand's position (``held_stack_position``) turns and extends at the prototype's speeds along
  the shorter arc, clockwise on the map for a half turn (the game's way round is not documented);
  a script that writes the hand (``held_stack``) sends it to the drop, or back empty, from where it is;
- an inserter feeds itself when its fuel slot is empty (the game's threshold is not documented).

Belts are picked from and dropped onto as inserter_belts.py says: the near lane first, the far lane
to drop on, one item a gap; asleep over a belt, the surface's transport lines wake the inserter on the
tick an item or a gap reaches its hand (belt_waits.py), never by polling.

An electric inserter runs the same way on a power.ElectricSource: its swing's energy is what it
asks of its network while it swings, the network's satisfaction scales its speed, and without
power it stays still and shows ``no_power``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from . import control, ground, inserter_belts, insertion_limits, targets
from .burner import Burner, BurnerMachine
from .geometry import Position
from .inventory import EntityStack
from .simulation import Simulation, exact

if TYPE_CHECKING:
    from .entity import Entity
    from .inventory import Inventory

PICKUP_INVENTORIES = control.PICKUP_INVENTORIES
#: The states in which a hand over a belt waits for the belt (inserter_belts.py).
BELT_WAITS = frozenset({"working", "waiting_for_source_items", "waiting_for_space_in_destination"})


def hand_size(entity: Entity) -> int:
    """How many items the inserter's hand takes at once (see the module docstring); any inserter,
    electric ones too."""
    prototype = entity.prototype
    size = 1 + int(prototype.stack_size_bonus)
    if prototype.uses_inserter_stack_size_bonus:
        force = entity.force
        size += force.bulk_inserter_capacity_bonus if prototype.bulk else force.inserter_stack_size_bonus
    return size


def hand_for(entity: Entity, item: str) -> int:
    """Items of ``item`` the inserter's hand takes at once: its size, within one stack of the item."""
    return min(hand_size(entity), entity.force.gamedata.items[item].stack_size)


def _turn_and_reach(prototype: Any) -> tuple[Fraction, Fraction]:
    """The turn (0..1/2) between the pickup and insert vectors, and the change of the hand's length."""
    (px, py), (dx, dy) = prototype.pickup_position, prototype.insert_position
    angle = abs(math.atan2(px * dy - py * dx, px * dx + py * dy)) / (2 * math.pi)  # 0..0.5 turn
    turn = Fraction(1, 2) if math.isclose(angle, 0.5) else Fraction(angle).limit_denominator(10**6)
    return turn, abs(exact(math.hypot(dx, dy)) - exact(math.hypot(px, py)))


def leg(prototype: Any) -> tuple[int, Fraction]:
    """Ticks one swing takes, and the joules it burns (see the module docstring)."""
    turn, reach = _turn_and_reach(prototype)
    rotation, extension = exact(prototype.rotation_speed), exact(prototype.extension_speed)
    ticks = max(math.ceil(turn / rotation), math.ceil(reach / extension) if reach else 0, 1)
    joules = exact(prototype.energy_per_rotation) * turn + exact(prototype.energy_per_movement) * reach
    return ticks, joules


class Inserter(BurnerMachine):
    __slots__ = ("hand", "moving", "source", "destination", "looked")

    def __init__(self, entity: Entity, sim: Simulation, burner: Any) -> None:
        super().__init__(entity, sim, burner)
        key = ("inserter-leg", entity.name)
        found = sim.cache.get(key)
        if found is None:
            found = sim.cache[key] = leg(entity.prototype)
        ticks, joules = found
        self.need = joules / ticks / exact(entity.prototype.effectivity)
        if self.need.denominator == 1:
            self.need = self.need.numerator
        self.energy_per_tick = float(joules / ticks)
        self.rate = Fraction(1, ticks)
        self.hand: tuple[str, int] | None = None  # what the hand holds
        self.moving = False  # a swing is under way (towards the drop when the hand holds something)
        self.source: Entity | None = None  # the entities at the pickup and drop positions, once looked for
        self.destination: Entity | None = None
        self.looked = False

    # --- a tick ---------------------------------------------------------------

    def step(self, tick: int) -> None:
        if self.stopped():
            return
        if self.moving:
            if self._work():
                self.moving = False
                if self.hand is not None and self._drop():
                    self.moving = True  # back to the pickup from the next tick on
            return
        if self.hand is not None:  # at the drop, waiting for room
            if self._drop():
                self.moving = True
            return
        if self._pick():
            self.moving = True
            if self._work():  # (a leg of one tick)
                self.moving = False
                if self._drop():
                    self.moving = True

    def ready(self) -> bool:
        return self.moving

    def _work(self) -> bool:
        """One tick of the swing; a hand holding fuel refuels an inserter that ran out."""
        arrived = self.work()
        if self.asleep and self.state == "no_fuel" and self._refuel_from_hand():
            self.asleep, self.waits_on, self.waits_near = False, frozenset(), False
            arrived = self.work()
        return arrived

    # --- what is at either end ----------------------------------------------------

    def _look(self) -> None:
        if self.looked and (self.source is None or self.source.valid):
            if self.destination is None or self.destination.valid:
                return
        entity = self.entity
        surface: Any = entity.surface
        self.source = targets.target_at(entity, targets.pickup_position(entity), surface)
        self.destination = targets.target_at(entity, targets.drop_position(entity), surface)
        self.looked = True

    def _wants(self, item: str) -> bool:
        """Whether the destination takes one of ``item`` now."""
        destination = self.destination
        if destination is None:
            position = targets.drop_position(self.entity)
            return position is not None and not ground.taken(self.entity.surface, position)
        if inserter_belts.reaches(destination):
            return True  # (a belt takes any item; the hand waits there for a gap)
        return any(i.get_insertable_count(item) > 0 for i in self._drop_inventories(destination, item))

    def _drop_inventories(self, destination: Entity, item: str) -> list[Inventory]:
        """Where the hand's ``item`` goes: never module slots, and only below the insertion limits."""
        recipes = self.sim.recipes
        found = control.insert_targets(destination, item, recipes)
        return [
            i
            for i in found
            if not i.name.endswith("_modules") and insertion_limits.allows(destination, i, item, recipes)
        ]

    def _feeds_itself(self, item: str) -> bool:
        fuel = self.burner.inventory
        if fuel is None:
            return False  # (an electric inserter)
        return fuel.is_empty() and fuel.accepts(item) and self.burner.inventory.item(item).fuel_value > 0

    def _waits(self) -> tuple[int, ...]:
        return tuple(e.id for e in (self.source, self.destination) if e is not None)

    # --- picking up -------------------------------------------------------------

    def _pick(self) -> bool:
        """Take what the destination (or the inserter itself) wants; False (asleep) when nothing."""
        self._look()
        for _ in range(2):  # (a fuel item taken for itself, then one for the hand)
            found = self._find_item()
            if found is None:
                break
            take, item = found
            itself = self._feeds_itself(item)
            count = take(item, 1 if itself else hand_for(self.entity, item))
            if itself:
                self.burner.inventory.insert(item, count)
                continue
            self.hand = (item, count)
            if self.burner.has_fuel():
                return True
            self.sleep(self.burner.out_of_energy, self._waits(), near=True)
            return False
        if not self.burner.has_fuel():
            self.sleep(self.burner.out_of_energy, self._waits(), near=True)
        elif self._has_anything():
            self.sleep("waiting_for_space_in_destination", self._waits(), near=True)
        else:
            self.sleep("waiting_for_source_items", self._waits(), near=True)
        return False

    def _find_item(self) -> tuple[Any, str] | None:
        """How to take the first item wanted (a function of name and count), and its name."""
        source = self.source
        if inserter_belts.reaches(source):
            return inserter_belts.find(self.entity, source, self._takes)
        if source is not None:
            for inventory in source.inventories.values():
                if inventory.name not in PICKUP_INVENTORIES:
                    continue
                for stack in inventory:
                    if stack is not None and self._takes(stack[0]):
                        return _from_inventory(inventory), stack[0]
            return None
        position = targets.pickup_position(self.entity)
        if position is None:
            return None
        for item in ground.items_on_tile(self.entity.surface, position):
            name = item.stack[0] if item.stack else None
            if name is not None and self._takes(name):
                return _from_ground(item), name
        return None

    def _takes(self, item: str) -> bool:
        return self._feeds_itself(item) or self._wants(item)

    def _has_anything(self) -> bool:
        source = self.source
        if inserter_belts.reaches(source):
            return bool(inserter_belts.names_on(source))
        if source is None:
            position = targets.pickup_position(self.entity)
            return position is not None and bool(ground.items_on_tile(self.entity.surface, position))
        return any(not i.is_empty() for i in source.inventories.values() if i.name in PICKUP_INVENTORIES)

    def _refuel_from_hand(self) -> bool:
        hand = self.hand
        if hand is None or not self._feeds_itself(hand[0]):
            return False
        name, count = hand
        self.burner.inventory.insert(name, 1)
        self.hand = (name, count - 1) if count > 1 else None
        return True

    # --- dropping -----------------------------------------------------------------

    def _drop(self) -> bool:
        """Empty the hand at the drop position; False (asleep) while something stays in it."""
        self._look()
        if self.hand is None:
            return True
        name, count = self.hand
        destination = self.destination
        if inserter_belts.reaches(destination):
            return self._drop_onto_belt(destination, name, count)
        if destination is not None:
            placed = 0
            for inventory in self._drop_inventories(destination, name):
                placed += inventory.insert(name, count - placed)
                if placed == count:
                    break
        else:
            position = targets.drop_position(self.entity)
            placed = 0
            if position is not None and not ground.taken(self.entity.surface, position):
                ground.put_down(self.entity.surface, position, name, count)
                placed = count
        if placed < count:
            self.hand = (name, count - placed)
            self.sleep("waiting_for_space_in_destination", self._waits(), near=True)
            return False
        self.hand = None
        return True

    def _drop_onto_belt(self, belt: Entity, name: str, count: int) -> bool:
        """One item onto the belt if it fits; the rest of the hand waits for the next gap."""
        position = targets.drop_position(self.entity)
        placed = position is not None and inserter_belts.drop(self.entity, belt, position, name)
        if placed and count == 1:
            self.hand = None
            return True
        if placed:
            self.hand = (name, count - 1)
        # (working while the hand empties item by item; waiting when not even one went)
        self.sleep("working" if placed else "waiting_for_space_in_destination", self._waits(), near=True)
        return False

    # --- repeating cycles (cycles.py) ----------------------------------------------

    def cycle_links(self) -> tuple[bool, list[Entity]]:
        """The entities at its pickup and drop positions. One burning fuel between two entities (not
        belts, not the ground) may repeat."""
        source, destination = self._ends_now()
        links = [e for e in (source, destination) if e is not None]
        eligible = (
            isinstance(self.burner, Burner)
            and source is not None
            and destination is not None
            and source.belt is None
            and destination.belt is None
        )
        return eligible, links

    def deliveries(self, pickable: Callable[[Entity], set[str]]) -> list[tuple[Entity, set[str]]]:
        source, destination = self._ends_now()
        if source is None or destination is None:
            return []
        return [(destination, pickable(source))]

    def cycle_carries(self) -> int:
        return hand_size(self.entity)

    def _ends_now(self) -> tuple[Entity | None, Entity | None]:
        """The entities at its pickup and drop positions, looked for now (not what it last found)."""
        entity = self.entity
        surface: Any = entity.surface
        return (
            targets.target_at(entity, targets.pickup_position(entity), surface),
            targets.target_at(entity, targets.drop_position(entity), surface),
        )

    def cycle_phase(self) -> tuple[Any, ...]:
        source, destination = self.source, self.destination
        return (
            *super().cycle_phase(),
            self.hand,
            self.moving,
            None if source is None else source.id,
            None if destination is None else destination.id,
            self.looked,
        )

    # --- the hand as a script sees it (LuaEntity.held_stack, held_stack_position) -------

    def set_hand(self, stack: tuple[str, int] | None) -> None:
        """A script wrote the hand: the inserter swings to the drop with what it now holds, or back
        to the pickup with nothing (from where the hand is)."""
        self.sync()
        was = self.hand
        self.hand = stack
        if (was is None) == (stack is None):
            pass
        elif self.moving:  # (turn round mid-swing: what is left of the leg is what was done of it)
            self.progress = 1 - self.progress if self.progress else Fraction(0)
        else:
            self.moving, self.progress = True, Fraction(0)
        self.sim.touch(self)

    def hand_position(self) -> Position:
        """Where the hand is: along its leg, turning and extending at the prototype's speeds."""
        self.sync()
        entity = self.entity
        centre = entity.position
        pickup, drop = targets.pickup_position(entity), targets.drop_position(entity)
        if pickup is None or drop is None:
            return centre
        going = self.hand is not None  # (towards the drop)
        start, end = (pickup, drop) if going else (drop, pickup)
        if not self.moving:
            return drop if going else pickup
        prototype = entity.prototype
        turn, reach = _turn_and_reach(prototype)
        ticks, _ = self.sim.cache[("inserter-leg", entity.name)]
        elapsed = self.progress * ticks
        turned = min(Fraction(1), elapsed * exact(prototype.rotation_speed or 0.0) / turn) if turn else Fraction(1)
        extended = min(Fraction(1), elapsed * exact(prototype.extension_speed or 0.0) / reach) if reach else Fraction(1)
        (sx, sy), (ex, ey) = (start.x - centre.x, start.y - centre.y), (end.x - centre.x, end.y - centre.y)
        a0, a1 = math.atan2(sy, sx), math.atan2(ey, ex)
        if math.isclose(abs(a1 - a0), math.pi):
            a1 = a0 + math.pi  # (half a turn either way: clockwise on the map, as y points south)
        elif a1 - a0 > math.pi:
            a1 -= 2 * math.pi
        elif a0 - a1 > math.pi:
            a1 += 2 * math.pi
        angle = a0 + (a1 - a0) * float(turned)
        r0, r1 = math.hypot(sx, sy), math.hypot(ex, ey)
        radius = r0 + (r1 - r0) * float(extended)
        return Position(centre.x + radius * math.cos(angle), centre.y + radius * math.sin(angle))

    # --- wakes and saving -----------------------------------------------------------

    def sleep(self, state: str, waits_on: Any = (), near: bool = False) -> None:
        """Blocked; over a belt, the surface's lines wake it when an item or a gap reaches the hand
        (also when a loaded game puts it back to sleep)."""
        super().sleep(state, waits_on, near)
        inserter_belts.forget(self, self.entity)
        if state not in BELT_WAITS:
            return
        self._look()
        if self.hand is None and inserter_belts.reaches(self.source):
            ignore = frozenset(n for n in inserter_belts.names_on(self.source) if not self._takes(n))
            inserter_belts.wait_for_items(self, self.source, ignore)
        elif self.hand is not None and inserter_belts.reaches(self.destination):
            position = targets.drop_position(self.entity)
            if position is not None:
                inserter_belts.wait_for_gap(self, self.entity, self.destination, position)

    def watched_tiles(self) -> list[tuple[int, int]]:
        """The tiles of the pickup and drop positions."""
        tiles = []
        for position in (targets.pickup_position(self.entity), targets.drop_position(self.entity)):
            if position is not None:
                tile = (math.floor(position.x), math.floor(position.y))
                if tile not in tiles:
                    tiles.append(tile)
        return tiles

    def surroundings_changed(self) -> None:
        self.looked = False

    def to_state(self) -> dict[str, Any]:
        return {**super().to_state(), "hand": None if self.hand is None else list(self.hand), "moving": self.moving}

    def load_state(self, state: dict[str, Any]) -> None:
        rate = self.rate
        super().load_state(state)
        self.rate = rate
        hand = state.get("hand")
        self.hand = None if hand is None else (str(hand[0]), int(hand[1]))
        self.moving = bool(state.get("moving", False))


class HandStack(EntityStack):
    """An inserter's hand as a LuaItemStack sees it (``LuaEntity.held_stack``).

    An inserter the simulation does not run (electric ones, until power is modelled) holds nothing,
    and a script's write to its hand is dropped: it has no machine to keep it in.
    """

    __slots__ = ()

    def _machine(self) -> Inserter | None:
        machine = self.entity.machine
        if not isinstance(machine, Inserter):
            return None
        machine.sync()  # (a hand kept by a script and read later: its group brought up to date)
        return machine

    @property
    def stack(self) -> tuple[str, int] | None:
        machine = self._machine()
        return machine.hand if machine is not None and self.entity.valid else None

    def set(self, name: str | None, count: int = 0) -> None:
        machine = self._machine()
        if machine is not None:
            machine.set_hand(None if name is None or count <= 0 else (name, count))


def _from_inventory(inventory: Inventory) -> Any:
    def take(name: str, count: int) -> int:
        return inventory.remove(name, min(count, inventory.get_item_count(name)))

    return take


def _from_ground(item: Entity) -> Any:
    def take(name: str, count: int) -> int:
        have = item.stack[1] if item.stack is not None else 0
        taken = min(count, have)
        if taken == have:
            item.destroy()
        else:
            item.stack = (name, have - taken)
        return taken

    return take
