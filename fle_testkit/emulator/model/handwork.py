"""A character at work (one :class:`~.simulation.Machine`): its crafting queue and its manual mining.

**Crafting.** The front entry of the queue (character.py, planned by
crafting.py) crafts one craft at a time. A craft starts by taking its
ingredients from the reserve of its ``begin_crafting`` call; each tick then adds
``speed / energy_required / 60`` to its progress, where ``speed`` is the hand
crafting speed 1 times ``1 + character_crafting_speed_modifier``; at 1 it is
done. A prerequisite craft's products go to the call's reserve, an asked-for
craft's into the character (``insert``); when a call's last craft is done,
whatever of its reserve is left goes back to the character too. The progress
starts from 0 at every craft (Factorio's handling of overshoot for hand
crafting is not documented; at speed 1 every vanilla recipe takes a whole
number of ticks, so this only matters with a modifier). An iron gear wheel
(0.5 s) takes 30 ticks.

**Mining.** With ``mining_state = {mining = true, position = P}`` the character
mines the entity at P: a minable entity whose collision box holds P (not a
resource), else a resource on P's tile, of a category the character mines and
needing no fluid, within reach (``reach_distance``, for a resource
``reach_resource_distance``, from the character's position to the entity's).
Each tick adds ``mining_speed * (1 + character_mining_speed_modifier) /
mining_time / 60``; at 1 the entity is mined as ``LuaControl.mine_entity``
mines it (a resource loses one unit, anything else goes, its products and
contents go into the character) and mining goes on at P. Iron ore (mining time
1) at the character's 0.5 mining speed: 120 ticks an ore.

**Statistics** (the force's item production statistics on the character's
surface): a craft counts its ingredients consumed and its products produced
when it finishes, prerequisite crafts too, as the game's production window
shows hand-crafted intermediates; queueing and cancelling count nothing.
Mined products of resources, trees and rocks count as produced when mined;
an entity picked up (a chest, a furnace) counts nothing.

**Events.** ``on_player_crafted_item`` and ``on_player_mined_entity`` carry the
``player_index`` of the player who controls the character. The emulator has no
players (a headless server's RCON clients are none, and FLE's agents are
characters a script made), so no character has one, and neither is raised.

What blocks it: products that do not fit wait (the queue with them) until the
character's inventories change; so does a mining whose products do not fit.
A character with nothing to craft and nothing to mine sleeps and costs nothing:
``begin_crafting``, ``cancel_crafting`` and ``mining_state`` wake it
(``Simulation.replan``), as does an entity appearing or leaving at the mined
position, or the character moving.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from . import control, research_triggers
from .simulation import Machine, Simulation, exact

if TYPE_CHECKING:
    from .character import CharacterState
    from .entity import Entity
    from .statistics import FlowStatistics

#: The hand crafting speed before modifiers (Factorio: a character crafts at speed 1).
HAND_CRAFTING_SPEED = 1
#: Entity types whose mined products are new items (counted as produced); others give back what they are.
NATURAL = frozenset({"resource", "tree", "simple-entity"})
#: Entities a character never mines through mining_state.
_NOT_MINED = frozenset({"character", "item-entity", "resource"})


def _ticks_to_one(progress: Fraction, rate: Fraction) -> int:
    """Working ticks until ``progress`` reaches 1 at ``rate`` a tick (at least 1)."""
    return max(1, math.ceil((1 - progress) / rate))


class Handwork(Machine):
    __slots__ = (
        "crafting",
        "craft_progress",
        "craft_rate",
        "craft_taken",
        "held",
        "mine_target",
        "mine_progress",
        "mine_rate",
        "mine_blocked",
        "stale",
        "mined",
    )

    wakes_on_change = False  # (an idle character is not woken by every item it is given)

    def __init__(self, entity: Entity, sim: Simulation) -> None:
        super().__init__(entity, sim)
        self.crafting = False  # the front craft has taken its ingredients and is under way
        self.craft_progress = Fraction(0)
        self.craft_rate = Fraction(0)
        self.craft_taken: dict[str, int] = {}  # the ingredients of the craft under way
        self.held: list[tuple[str, int]] = []  # finished products waiting for room
        self.mine_target: Entity | None = None
        self.mine_progress = Fraction(0)
        self.mine_rate = Fraction(0)
        self.mine_blocked = False  # a mining is done and its products do not fit
        self.stale = True  # what is at the mined position must be looked up again
        self.mined = 0  # minings so far: seeds the draw of products with a probability
        self._adopt_ungrouped()

    def _adopt_ungrouped(self) -> None:
        """Entries of a save from before crafting ran (group 0) took their ingredients when queued:
        each becomes a call of its own, reserving those ingredients."""
        state = self.entity.character
        if state is None:
            return
        for entry in state.crafting_queue:
            if entry.group == 0:
                entry.group, state.next_group = state.next_group, state.next_group + 1
                recipe = self.entity.force.recipes[entry.recipe].prototype
                state.reserved[entry.group] = {i.name: int(i.amount) * entry.count for i in recipe.ingredients}

    @property
    def character(self) -> CharacterState:
        state = self.entity.character
        assert state is not None
        return state

    def __repr__(self) -> str:
        return f"<Handwork {self.entity.unit_number} {self.state} craft={float(self.craft_progress):.3f}>"

    # --- a tick ---------------------------------------------------------------

    def step(self, tick: int) -> None:
        crafting = self._craft()
        mining = self._mine()
        if crafting or mining:
            self.state = "working"
            return
        state = self.character
        waiting = bool(self.held) or self.mine_blocked or (state.mining and self.mine_target is not None)
        # Woken by its own inventories when room may have been made (or, out of reach, when it moves:
        # a move wakes it through its watched tile), and by what appears at the mined position.
        self.sleep("waiting" if waiting else "idle", (self.entity.id,) if waiting else (), near=state.mining)

    def _craft(self) -> bool:
        """One tick of the crafting queue; False when it has nothing (more) it can do."""
        if self.held and not self._put_out():
            return False
        queue = self.character.crafting_queue
        if not queue:
            return False
        if not self.crafting:
            self._start(queue[0].recipe, queue[0].group)
        self.craft_progress += self.craft_rate
        if self.craft_progress >= 1:
            self._finish()
            queue = self.character.crafting_queue
            if not queue or self.held:
                return False
            # The next craft works from the next tick on; starting it now saves that tick a step.
            self._start(queue[0].recipe, queue[0].group)
        return True

    def _start(self, recipe_name: str, group: int) -> None:
        recipe = self.entity.force.recipes[recipe_name].prototype
        reserve = self.character.reserved.get(group, {})
        taken: dict[str, int] = {}
        for ingredient in recipe.ingredients:
            # (A reserve always holds a craft's ingredients; min() keeps a malformed save from going negative.)
            count = min(int(ingredient.amount), reserve.get(ingredient.name, 0))
            if count:
                reserve[ingredient.name] -= count
                taken[ingredient.name] = taken.get(ingredient.name, 0) + count
                if not reserve[ingredient.name]:
                    del reserve[ingredient.name]
        self.craft_taken = taken
        self.craft_progress = Fraction(0)
        speed = HAND_CRAFTING_SPEED * (1 + exact(self.character.crafting_speed_modifier))
        energy = exact(recipe.energy_required)
        # A recipe that takes no time (none in vanilla) is done in a tick; a speed at or below 0 never.
        self.craft_rate = Fraction(1) if energy <= 0 else max(Fraction(0), speed / energy / 60)
        self.crafting = True

    def _finish(self) -> None:
        state = self.character
        entry = state.crafting_queue[0]
        recipe = self.entity.force.recipes[entry.recipe].prototype
        statistics = self.statistics()
        for name, count in self.craft_taken.items():
            statistics.on_flow(name, -count)
        made: dict[str, int] = {}
        for product in recipe.results:
            if product.type == "item":
                amount = int(product.amount if product.amount is not None else product.amount_min or 0)
                if amount:
                    made[product.name] = made.get(product.name, 0) + amount
                    statistics.on_flow(product.name, amount)
                    research_triggers.crafted(self.sim, self.entity.force, product.name, amount)
        self.crafting = False
        self.craft_progress = Fraction(0)
        self.craft_taken = {}
        entry.count -= 1
        if entry.prerequisite:
            reserve = state.reserved.setdefault(entry.group, {})
            for name, count in made.items():
                reserve[name] = reserve.get(name, 0) + count
        else:
            self.held += list(made.items())
        if entry.count <= 0:
            state.crafting_queue.pop(0)
            if not any(e.group == entry.group for e in state.crafting_queue):
                self.held += list(state.reserved.pop(entry.group, {}).items())
        self._put_out()

    def _put_out(self) -> bool:
        """Put finished products into the character; False while some do not fit."""
        recipes = self.sim.recipes
        while self.held:
            name, count = self.held[0]
            placed = control.insert(self.entity, name, count, recipes)
            if placed < count:
                self.held[0] = (name, count - placed)
                return False
            self.held.pop(0)
        return True

    def abort_craft(self) -> dict[str, int]:
        """Stop the craft under way (its call was cancelled): its ingredients, to go back to the reserve."""
        taken, self.craft_taken = self.craft_taken, {}
        self.crafting = False
        self.craft_progress = Fraction(0)
        return taken

    # --- mining -----------------------------------------------------------------

    def _mine(self) -> bool:
        """One tick of mining; False when there is nothing it can mine."""
        state = self.character
        if not state.mining or state.mining_position is None:
            self.stale = False
            self.mine_target = None
            self.mine_progress = Fraction(0)
            return False
        target = self._target()
        if target is None or not self._within_reach(target):
            return False
        if not self.mine_blocked:
            self.mine_progress += self.mine_rate
            if self.mine_progress < 1:
                return True
        self.mine_blocked = not self._mined(target)
        if self.mine_blocked:
            return False
        self.mine_progress = Fraction(0)
        return True

    def _target(self) -> Entity | None:
        target = self.mine_target
        if self.stale or (target is not None and not target.valid):
            self.stale = False
            found = self._find_target()
            if target is not None and found is not target:
                self.mine_progress = Fraction(0)  # a new target starts from nothing (a loaded game keeps its own)
                self.mine_blocked = False
            self.mine_target = target = found
            if found is not None:
                minable = found.prototype.minable
                assert minable is not None
                speed = exact(self.entity.prototype.mining_speed or 0.0) * (
                    1 + exact(self.character.mining_speed_modifier)
                )
                time = exact(minable.mining_time)
                self.mine_rate = Fraction(1) if time <= 0 else max(Fraction(0), speed / time / 60)
        return target

    def _find_target(self) -> Entity | None:
        position = self.character.mining_position
        assert position is not None
        surface: Any = self.entity.surface
        for found in surface.find_entities_filtered(position=position):
            if found is not self.entity and found.type not in _NOT_MINED and found.minable:
                return found
        x, y = math.floor(position[0]), math.floor(position[1])
        categories = self.entity.prototype.resource_categories
        for found in surface.find_entities_filtered(area=((x, y), (x + 1, y + 1)), type="resource"):
            minable = found.prototype.minable
            if (
                found.minable
                and minable is not None
                and minable.required_fluid is None
                and (not categories or found.prototype.resource_category in categories)
            ):
                return found
        return None

    def _within_reach(self, target: Entity) -> bool:
        prototype = self.entity.prototype
        reach = prototype.reach_resource_distance if target.type == "resource" else prototype.reach_distance
        here, there = self.entity.position, target.position
        return math.hypot(here.x - there.x, here.y - there.y) <= (reach or 0.0)

    def _mined(self, target: Entity) -> bool:
        """Mine the target once into the character; False (nothing done) when the products do not fit."""
        self.mined += 1
        rng = random.Random(self.entity.id * 7919 + self.mined)
        gained = control.mine_into(self.entity, target, self.sim.recipes, rng)
        if gained is None:
            self.mined -= 1
            return False
        research_triggers.mined(self.sim, self.entity.force, target.name)
        if target.type in NATURAL:
            statistics: FlowStatistics = self.statistics()
            for name, count in gained.items():
                statistics.on_flow(name, count)
        return True

    # --- the engine's questions ---------------------------------------------------

    def plain_ticks(self) -> int:
        if self.stale:
            return 0
        ahead: list[int] = []
        if self.crafting and not self.held:
            ahead.append(_ticks_to_one(self.craft_progress, self.craft_rate) - 1 if self.craft_rate else 2**62)
        if self.mine_target is not None and not self.mine_blocked and self.character.mining:
            ahead.append(_ticks_to_one(self.mine_progress, self.mine_rate) - 1 if self.mine_rate else 2**62)
        if not ahead or (self.character.crafting_queue and not self.crafting and not self.held):
            return 0
        return min(ahead)

    def run_plain(self, ticks: int) -> None:
        if self.crafting and not self.held:
            self.craft_progress += self.craft_rate * ticks
        if self.mine_target is not None and not self.mine_blocked and self.character.mining:
            self.mine_progress += self.mine_rate * ticks

    def watched_tiles(self) -> list[tuple[int, int]]:
        position = self.entity.character.mining_position if self.entity.character is not None else None
        if position is None:
            return []
        return [(math.floor(position[0]), math.floor(position[1]))]

    def surroundings_changed(self) -> None:
        self.stale = True
        if not self.asleep:
            self.sim.touch(self)  # (plans again: the next tick looks at what is there now)

    # --- reading and saving ---------------------------------------------------------

    @property
    def crafting_queue_progress(self) -> float:
        self.sync()
        return float(self.craft_progress) if self.crafting else 0.0

    @property
    def mining_progress(self) -> float:
        self.sync()
        return float(self.mine_progress) if self.character.mining else 0.0

    def to_state(self) -> dict[str, Any]:
        return {
            "crafting": self.crafting,
            "craft_progress": [self.craft_progress.numerator, self.craft_progress.denominator],
            "craft_taken": dict(sorted(self.craft_taken.items())),
            "held": [[name, count] for name, count in self.held],
            "mine_progress": [self.mine_progress.numerator, self.mine_progress.denominator],
            "mined": self.mined,
        }

    def load_state(self, state: dict[str, Any]) -> None:
        self.held = [(str(name), int(count)) for name, count in state.get("held", ())]
        self.mined = int(state.get("mined", 0))
        numerator, denominator = state.get("mine_progress", (0, 1))
        self.mine_progress = Fraction(int(numerator), int(denominator))
        queue = self.character.crafting_queue
        if state.get("crafting") and queue:
            self._start(queue[0].recipe, -1)  # (its rate; the ingredients were taken before the save)
            self.craft_taken = {str(name): int(count) for name, count in state.get("craft_taken", {}).items()}
            numerator, denominator = state.get("craft_progress", (0, 1))
            self.craft_progress = Fraction(int(numerator), int(denominator))
