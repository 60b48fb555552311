"""LuaControl: what LuaEntity shares with a player (items in and out, reach, crafting, mining).

In Factorio 2.0 LuaEntity extends LuaControl, so every entity has these
members; the character-only ones (reach distances, crafting, mining) raise
"Entity is not a character." on other entities (wording not confirmed).

The crafting queue and mining run with the tick simulation (model/handwork.py).
Not built: ``force.manual_crafting_speed_modifier`` and
``manual_mining_speed_modifier`` (only the character's own modifiers count), and
the player events of crafting and mining (the emulator has no players; see
handwork.py).
"""

from __future__ import annotations

import math
from typing import Any

from .. import messages
from ..gamedata import ItemPrototype, RecipePrototype
from ..lua.runtime import LuaApiError
from ..model import control, crafting
from ..model.character import CharacterState
from ..model.entity import Entity
from ..model.errors import ModelError
from ..model.force import Recipe
from ..model.geometry import check_direction
from ..model.handwork import Handwork
from .base import LuaObject, factorio_worded, is_table, lua_method, lua_property, lua_setter, position_arg, table_fields
from .inventory import item_stack
from .registry import is_lua_object_of


def item_name_arg(value: Any, function: str) -> str | None:
    """An ItemWithQualityID (a name, a LuaItemPrototype or ``{name=, quality=}``); nil stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if is_lua_object_of(value, ItemPrototype):
        return str(value.model.name)
    if is_table(value) and isinstance(value["name"], str):
        return str(value["name"])
    raise LuaApiError(messages.ITEM_EXPECTED.format(function=function))


def count_arg(value: Any, function: str, field: str, least: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < least:
        raise LuaApiError(messages.COUNT_EXPECTED.format(function=function, field=field, least=least))
    return int(value)


def _distance(key: str) -> Any:
    """A read-only member giving the character prototype's ``key`` distance."""

    def read(self: LuaControlMembers) -> float:
        return float(getattr(self.character().prototype, key))

    return lua_property(read)


class LuaControlMembers(LuaObject):
    """The LuaControl members of LuaEntity; ``self.model`` is an :class:`Entity`."""

    model: Entity

    # --- reading the world's recipes -----------------------------------------

    def recipe_arg(self, value: Any, function: str) -> Recipe:
        """A RecipeID (a name, LuaRecipe or LuaRecipePrototype) as the entity's force's recipe."""
        if is_lua_object_of(value, Recipe, RecipePrototype):
            value = value.model.name
        if not isinstance(value, str):
            raise LuaApiError(messages.RECIPE_EXPECTED.format(function=function))
        recipe = self.model.force.recipes.get(value)
        if recipe is None:
            raise LuaApiError(messages.UNKNOWN_RECIPE_NAME.format(name=value))
        return recipe

    def character(self) -> Entity:
        if self.model.character is None:
            raise LuaApiError(messages.NOT_A_CHARACTER)
        return self.model

    # --- items -----------------------------------------------------------------

    @lua_method
    def get_main_inventory(self) -> Any:
        """The character's, container's, vehicle's or wagon's main inventory; nil for others
        (a furnace's inventory 1 is its fuel, not a main inventory)."""
        inventory = control.main_inventory(self.model)
        return None if inventory is None else self.ctx.wrap(inventory)

    @lua_method
    def get_item_count(self, item: Any = None) -> int:
        name = item_name_arg(item, "LuaControl::get_item_count")
        return control.get_item_count(self.model, name)

    @lua_method
    def insert(self, items: Any) -> int:
        name, count = item_stack(items, "LuaControl::insert")
        return control.insert(self.model, name, count, self.ctx.gamedata.recipes)

    @lua_method
    def can_insert(self, items: Any) -> bool:
        name, count = item_stack(items, "LuaControl::can_insert")
        return count > 0 and control.insertable_count(self.model, name, self.ctx.gamedata.recipes) > 0

    @lua_method
    def remove_item(self, items: Any) -> int:
        name, count = item_stack(items, "LuaControl::remove_item")
        return control.remove_item(self.model, name, count)

    @lua_method
    def clear_items_inside(self) -> None:
        control.clear_items_inside(self.model)

    # --- reach (the character prototype's distances; force bonuses are 0) ----

    reach_distance = _distance("reach_distance")
    resource_reach_distance = _distance("reach_resource_distance")
    build_distance = _distance("build_distance")
    drop_item_distance = _distance("drop_item_distance")
    item_pickup_distance = _distance("item_pickup_distance")
    loot_pickup_distance = _distance("loot_pickup_distance")

    # --- running (the character prototype's speed, the tile under it) -----------

    @lua_property
    def character_running_speed(self) -> float:
        """The prototype's running_speed times (1 + the character's modifier) times the
        walking_speed_modifier of the tile under it. Real Factorio also counts exoskeletons,
        stickers and the force's modifier, none of which the emulator has."""
        character = self.character()
        state = character.character
        assert state is not None
        position = character.position
        tile = character.surface.tiles.name_at(math.floor(position.x), math.floor(position.y))
        speed = character.prototype.running_speed or 0.0
        return speed * (1.0 + state.running_speed_modifier) * self.ctx.gamedata.tiles[tile].walking_speed_modifier

    @lua_property
    def character_running_speed_modifier(self) -> float:
        state = self.character().character
        assert state is not None
        return state.running_speed_modifier

    @lua_setter("character_running_speed_modifier")
    def set_character_running_speed_modifier(self, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise LuaApiError(
                messages.NUMBER_EXPECTED.format(function="LuaControl::character_running_speed_modifier", field="value")
            )
        state = self.character().character
        assert state is not None
        state.running_speed_modifier = float(value)

    @lua_property
    def walking_state(self) -> Any:
        state = self.character().character
        assert state is not None
        return self.table({"walking": state.walking, "direction": state.walking_direction})

    @lua_setter("walking_state")
    def set_walking_state(self, value: Any) -> None:
        """Kept as written; the character walks only with the tick simulation. A state without a
        direction keeps the last one (FLE writes ``{walking = false}``)."""
        fields = table_fields(value, "LuaControl::walking_state")
        state = self.character().character
        assert state is not None
        direction = fields.get("direction")
        if direction is not None:
            try:
                state.walking_direction = check_direction(direction)
            except ModelError as error:
                raise factorio_worded(error) from None
        state.walking = bool(fields.get("walking"))

    # --- hand crafting ---------------------------------------------------------

    @lua_method
    def begin_crafting(self, params: Any) -> int:
        function = "LuaControl::begin_crafting"
        fields = table_fields(params, function)
        if "count" not in fields:
            raise LuaApiError(messages.ARGUMENT_REQUIRED.format(function=function, field="count"))
        if "recipe" not in fields:
            raise LuaApiError(messages.ARGUMENT_REQUIRED.format(function=function, field="recipe"))
        count = count_arg(fields["count"], function, "count")
        recipe = self.recipe_arg(fields["recipe"], function)
        return crafting.begin_crafting(self.character(), recipe, count)

    @lua_method
    def cancel_crafting(self, params: Any) -> None:
        function = "LuaControl::cancel_crafting"
        fields = table_fields(params, function)
        index = count_arg(fields.get("index"), function, "index", 1)
        count = count_arg(fields.get("count"), function, "count", 1)
        character = self.character()
        assert character.character is not None
        if index > len(character.character.crafting_queue):
            raise LuaApiError(messages.CRAFTING_QUEUE_INDEX.format(index=index))
        crafting.cancel_crafting(character, index, count, character.force.recipes)

    @lua_method
    def get_craftable_count(self, recipe: Any) -> int:
        return crafting.craftable_count(self.character(), self.recipe_arg(recipe, "LuaControl::get_craftable_count"))

    @lua_property
    def crafting_queue(self) -> Any:
        """Array of CraftingQueueItem, or nil when the queue is empty (as the API docs say)."""
        state = self.character().character
        assert state is not None
        if not state.crafting_queue:
            return None
        return self.table(
            [
                {"index": i, "recipe": c.recipe, "count": c.count, "prerequisite": c.prerequisite}
                for i, c in enumerate(state.crafting_queue, 1)
            ]
        )

    @lua_property
    def crafting_queue_size(self) -> int:
        state = self.character().character
        assert state is not None
        return len(state.crafting_queue)

    @lua_property
    def crafting_queue_progress(self) -> float:
        """The progress of the craft under way, 0..1; 0 when none is (the tick simulation's, handwork.py)."""
        machine = self.character().machine
        return machine.crafting_queue_progress if isinstance(machine, Handwork) else 0.0

    @lua_property
    def character_crafting_speed_modifier(self) -> float:
        return self._state().crafting_speed_modifier

    @lua_setter("character_crafting_speed_modifier")
    def set_character_crafting_speed_modifier(self, value: Any) -> None:
        """Read by each craft as it starts (the craft under way keeps its speed)."""
        self._state().crafting_speed_modifier = self._modifier(value, "character_crafting_speed_modifier")

    @lua_property
    def character_mining_speed_modifier(self) -> float:
        return self._state().mining_speed_modifier

    @lua_setter("character_mining_speed_modifier")
    def set_character_mining_speed_modifier(self, value: Any) -> None:
        """Read when the character takes a new entity to mine."""
        self._state().mining_speed_modifier = self._modifier(value, "character_mining_speed_modifier")
        self._replan()

    @lua_property
    def character_mining_progress(self) -> float:
        """The progress of the mining under way, 0..1; 0 when not mining."""
        machine = self.character().machine
        return machine.mining_progress if isinstance(machine, Handwork) else 0.0

    def _state(self) -> CharacterState:
        state = self.character().character
        assert state is not None
        return state

    @staticmethod
    def _modifier(value: Any, member: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise LuaApiError(messages.NUMBER_EXPECTED.format(function=f"LuaControl::{member}", field="value"))
        return float(value)

    def _replan(self) -> None:
        machine = self.model.machine
        if machine is not None:
            machine.sim.replan(machine)

    # --- mining ---------------------------------------------------------------

    @lua_method
    def mine_entity(self, entity: Any, force: Any = False) -> bool:
        if not is_lua_object_of(entity, Entity):
            raise LuaApiError(messages.ENTITY_EXPECTED.format(function="LuaControl::mine_entity"))
        entity.check_valid()
        return control.mine_entity(self.model, entity.model, self.ctx.gamedata.recipes, bool(force))

    @lua_property
    def mining_state(self) -> Any:
        state = self.character().character
        assert state is not None
        if not state.mining or state.mining_position is None:
            return self.table({"mining": state.mining})
        x, y = state.mining_position
        return self.table({"mining": True, "position": {"x": x, "y": y}})

    @lua_setter("mining_state")
    def set_mining_state(self, value: Any) -> None:
        """The character mines what is at ``position`` from the next tick on (handwork.py)."""
        fields = table_fields(value, "LuaControl::mining_state")
        state = self.character().character
        assert state is not None
        state.mining = bool(fields.get("mining"))
        position = fields.get("position")
        state.mining_position = position_arg(position) if state.mining and position is not None else None
        self._replan()
