"""LuaEntity."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import messages
from ..lua.runtime import LuaApiError, NewPosition
from ..model import control, crafter, ground, targets
from ..model.electric_buffer import buffer_size
from ..model.entity import Entity
from ..model.ground import GroundStack
from ..model.inserting import HandStack, Inserter
from ..model.inventory import Inventory
from ..model.mining import MiningDrill
from ..model.smelting import Furnace
from ..model.status import status as entity_status
from .base import lua_method, lua_property, lua_setter, position_arg, table_fields
from .belts import LuaBeltMembers
from .control import LuaControlMembers
from .fluidbox import LuaEntityFluidMembers, LuaFluidBox
from .registry import is_lua_object_of, shows

#: Each crafting machine type's output inventory (``get_output_inventory``).
OUTPUT_INVENTORIES = ("furnace_result", "assembling_machine_output", "rocket_silo_output")


@shows(Entity)
class LuaEntity(LuaControlMembers, LuaBeltMembers, LuaEntityFluidMembers):
    """An entity on a surface. Only the members listed here are built."""

    lua_class_name = "LuaEntity"
    lua_fields = ("name", "type", "unit_number", "health")
    lua_objects = ("surface", "force", "prototype")
    # (Forgotten when it is destroyed; an entity's inventories and lanes are made with it.)
    lua_fixed = frozenset({"name", "type", "unit_number", "prototype", "get_inventory", "get_transport_line"})

    def is_valid(self) -> bool:
        return self.model.valid

    def check_valid(self) -> None:
        super().check_valid()
        cycle = self.model.cycle
        if cycle is not None:
            cycle.touched()  # (its group of machines runs whole cycles at once: brought up to date first)

    @lua_property
    def position(self) -> Any:
        position = self.model.position
        return NewPosition(position.x, position.y, kept=True)  # (World.on_moved tells Lua when it moves)

    @lua_property
    def direction(self) -> int:
        return self.model.direction

    @lua_setter("direction")
    def set_direction(self, value: Any) -> None:
        if not isinstance(value, (int, float)):
            raise LuaApiError(messages.INVALID_DIRECTION)
        self.model.direction = int(value)

    @lua_setter("health")
    def set_health(self, value: Any) -> None:
        """Kept between 0 and the prototype's max health; an entity without health ignores it
        (real Factorio's answer there is not known). Writing 0 does not kill, as in Factorio."""
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise LuaApiError(messages.COUNT_EXPECTED.format(function="LuaEntity::health", field="value", least=0))
        if self.model.health is not None:
            self.model.health = min(max(0.0, float(value)), self.model.prototype.max_health)

    @lua_property
    def orientation(self) -> float:
        """The direction as a RealOrientation (0 north, 0.25 east...). Vehicles turn smoothly, but the
        emulator has none, so every entity's orientation is its direction over 16 (and is not writable)."""
        return self.model.direction / 16

    @lua_method
    def has_flag(self, flag: Any) -> bool:
        """Whether the entity's prototype has this EntityPrototypeFlag."""
        if not isinstance(flag, str):
            raise LuaApiError(messages.FLAG_EXPECTED.format(function="LuaEntity::has_flag"))
        return flag in self.model.prototype.flags

    @lua_property
    def surface_index(self) -> int:
        return self.model.surface.index

    @lua_property
    def amount(self) -> Any:
        if self.model.amount is None:
            raise LuaApiError(messages.NOT_A_RESOURCE)
        return self.model.amount

    @lua_setter("amount")
    def set_amount(self, value: Any) -> None:
        """Resources only (FLE's reset refills ore with it). Real Factorio's answer to 0 is
        unknown; any whole count >= 0 is taken here, fractions truncated as uint32 casts do."""
        if self.model.amount is None:
            raise LuaApiError(messages.NOT_A_RESOURCE)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise LuaApiError(messages.COUNT_EXPECTED.format(function="LuaEntity::amount", field="amount", least=0))
        self.model.amount = int(value)

    @lua_property
    def bounding_box(self) -> Any:
        box = self.model.bounding_box
        return self.table(
            {"left_top": {"x": box.left, "y": box.top}, "right_bottom": {"x": box.right, "y": box.bottom}}
        )

    @lua_method
    def get_inventory(self, index: Any) -> Any:
        if not isinstance(index, (int, float)):
            raise LuaApiError(messages.INVENTORY_INDEX_EXPECTED)
        inventory = self.model.get_inventory(int(index))
        return None if inventory is None else self.ctx.wrap(inventory)

    @lua_method
    def get_output_inventory(self) -> Any:
        return self._first_inventory(lambda name: name in OUTPUT_INVENTORIES)

    def _first_inventory(self, wanted: Callable[[str], bool]) -> Any:
        """The entity's first inventory whose name is ``wanted``, or nil."""
        for inventory in self.model.inventories.values():
            if wanted(inventory.name):
                return self.ctx.wrap(inventory)
        return None

    @lua_property
    def burner(self) -> Any:
        """nil for an entity without a burner energy source, as in Factorio."""
        burner = self.model.burner
        return None if burner is None else self.ctx.wrap(burner)

    @lua_property
    def status(self) -> Any:
        """A defines.entity_status number, or nil: what the machine's last tick found (see model/status.py)."""
        name = entity_status(self.model)
        return None if name is None else self.ctx.gamedata.defines["entity_status"][name]

    # Inserter and drill targets (model/targets.py). Factorio's behaviour for entities
    # that are neither is not known; they read nil here, which FLE's checks expect.

    @staticmethod
    def _position_table(position: Any) -> Any:
        return None if position is None else NewPosition(position.x, position.y)

    def _entity_or_nil(self, entity: Any) -> Any:
        return None if entity is None else self.ctx.wrap(entity)

    @lua_property
    def pickup_position(self) -> Any:
        return self._position_table(targets.pickup_position(self.model))

    @lua_property
    def drop_position(self) -> Any:
        return self._position_table(targets.drop_position(self.model))

    @lua_property
    def pickup_target(self) -> Any:
        surface: Any = self.model.surface
        return self._entity_or_nil(targets.target_at(self.model, targets.pickup_position(self.model), surface))

    @lua_property
    def drop_target(self) -> Any:
        surface: Any = self.model.surface
        return self._entity_or_nil(targets.target_at(self.model, targets.drop_position(self.model), surface))

    @lua_property
    def stack(self) -> Any:
        """Item entities (items on the ground): the stack it carries, a LuaItemStack."""
        if self.model.type != ground.ITEM_ENTITY:
            raise LuaApiError(messages.NOT_AN_ITEM_ENTITY)
        # One stack object per entity (kept by this one LuaEntity), so two reads are the same LuaItemStack.
        found = self._lua_cache.get(GroundStack)  # (a key no Lua member name can be)
        if found is None:
            found = self._lua_cache[GroundStack] = GroundStack(self.model, self.ctx.gamedata.items)
        return self.ctx.wrap(found)

    def _inserter(self) -> Inserter | None:
        """The inserter's running machine (None for one the simulation does not run yet); an error
        on any other entity."""
        if self.model.type != "inserter":
            raise LuaApiError(messages.NOT_AN_INSERTER)
        machine = self.model.machine
        return machine if isinstance(machine, Inserter) else None

    @lua_property
    def held_stack(self) -> Any:
        """Inserters: the hand, a LuaItemStack (empty while it holds nothing). Writing it (set_stack,
        clear) sends the hand to the drop with what it holds, or back to the pickup empty."""
        self._inserter()
        found = self._lua_cache.get(HandStack)  # (one per entity, as ``stack``)
        if found is None:
            found = self._lua_cache[HandStack] = HandStack(self.model, self.ctx.gamedata.items)
        return self.ctx.wrap(found)

    @lua_property
    def held_stack_position(self) -> Any:
        """Inserters: where the hand is, on its way between pickup_position and drop_position
        (at the pickup for one the simulation does not run)."""
        machine = self._inserter()
        position = machine.hand_position() if machine is not None else targets.pickup_position(self.model)
        return self._position_table(position if position is not None else self.model.position)

    @lua_property
    def mining_target(self) -> Any:
        surface: Any = self.model.surface
        return self._entity_or_nil(targets.mining_target(self.model, surface))

    @lua_property
    def energy_generated_last_tick(self) -> float:
        """Generators only: what it gave its network in the last tick (power.py)."""
        if self.model.type not in ("generator", "burner-generator"):
            raise LuaApiError(messages.NOT_A_GENERATOR)
        generated = getattr(self.model.machine, "generated_last_tick", None)
        return float(generated()) if generated is not None else 0.0

    @lua_property
    def electric_buffer_size(self) -> float | None:
        """nil without an electric energy source; the size model/electric_buffer.py gives (read only here:
        2.0 also lets a script set it, which the emulator does not model)."""
        return buffer_size(self.model)

    @lua_property
    def electric_network_statistics(self) -> Any:
        """Electric poles only: one statistics object shared by every pole of the network (see
        model/electric.py), counting the joules its members made and used (model/power.py); they
        are not saved."""
        if self.model.type != "electric-pole":
            raise LuaApiError(messages.NOT_AN_ELECTRIC_POLE)
        self.ctx.world.simulation.sync_power()
        return self.ctx.wrap(self.model.surface.electric.statistics(self.model, self.ctx.gamedata.entities))

    @lua_property
    def electric_network_id(self) -> Any:
        """The network's id, nil off every network; networks follow from positions (model/electric.py)."""
        return self.model.surface.electric.network_id(self.model)

    @lua_property
    def fluidbox(self) -> Any:
        return self.ctx.wrapper(LuaFluidBox, self.model)

    @lua_property
    def player(self) -> Any:
        """The player connected to this character: always nil, as the emulated headless
        server has no players (game.players is empty); a character is made by script.
        On anything but a character it is refused as LuaControl's character members are."""
        self.character()
        return None

    @lua_property
    def grid(self) -> Any:
        """Equipment grids are not modelled: always nil (a car or armoured character would have one)."""
        return None

    @lua_property
    def active(self) -> bool:
        return self.model.active

    @lua_setter("active")
    def set_active(self, value: Any) -> None:
        self.model.active = bool(value)
        self.model.changed()  # a stopped machine sleeps, a started one wakes

    @lua_property
    def mining_progress(self) -> float:
        """Mining drills: progress towards the next mining, 0..1 (0 for drills the simulation does not run yet)."""
        if self.model.type != "mining-drill":
            raise LuaApiError(messages.NOT_A_MINING_DRILL)
        machine = self.model.machine
        return machine.mining_progress if isinstance(machine, MiningDrill) else 0.0

    def _furnace(self) -> Furnace | None:
        """The crafting machine the simulation runs for this entity; None for one it does not run yet
        (assembling machines and electric furnaces wait for the power simulation). An entity that is
        no crafting machine at all is an error, as in Factorio."""
        if self.model.type not in crafter.CRAFTING_MACHINE_TYPES:
            raise LuaApiError(messages.NOT_A_CRAFTING_MACHINE)
        machine = self.model.machine
        return machine if isinstance(machine, Furnace) else None

    @lua_property
    def crafting_progress(self) -> float:
        """Crafting machines: progress of the craft under way, 0..1 (0 for machines not run yet)."""
        furnace = self._furnace()
        return furnace.crafting_progress if furnace is not None else 0.0

    @lua_property
    def products_finished(self) -> int:
        """Crafting machines: crafts finished in the machine's lifetime."""
        furnace = self._furnace()
        return furnace.products_finished if furnace is not None else 0

    @lua_method
    def is_crafting(self) -> bool:
        """Crafting machines: whether a craft is under way."""
        furnace = self._furnace()
        return furnace is not None and furnace.crafting

    @lua_property
    def destructible(self) -> bool:
        return self.model.destructible

    @lua_setter("destructible")
    def set_destructible(self, value: Any) -> None:
        self.model.destructible = bool(value)

    @lua_method
    def get_module_inventory(self) -> Any:
        """The inventory of module slots (furnace, assembler, drill, lab, beacon, silo), or nil."""
        return self._first_inventory(lambda name: name.endswith("_modules"))

    @lua_property
    def minable(self) -> bool:
        return self.model.minable

    @lua_setter("minable")
    def set_minable(self, value: Any) -> None:
        self.model.minable_flag = bool(value)

    @lua_property
    def energy(self) -> float:
        machine = self.model.machine
        if machine is not None:
            machine.sync()  # (an accumulator's charge moves between its steps)
            buffered = getattr(machine, "buffered", None) or getattr(machine, "generated_last_tick", None)
            if buffered is not None:  # (a generator's buffer: see power.py's SteamEngine.buffered)
                return float(buffered())
        return self.model.energy

    @lua_setter("energy")
    def set_energy(self, value: Any) -> None:
        if not isinstance(value, (int, float)):
            raise LuaApiError(messages.COUNT_EXPECTED.format(function="LuaEntity::energy", field="value", least=0))
        self.model.energy = max(0.0, float(value))
        set_charge = getattr(self.model.machine, "set_charge", None)
        if set_charge is not None:
            set_charge(self.model.energy)

    @lua_method
    def rotate(self, options: Any = None) -> bool:
        """``rotate{reverse=, by_player=}``: a quarter turn; false when the entity cannot turn."""
        fields = {} if options is None else table_fields(options, "LuaEntity::rotate")
        return self.model.rotate(reverse=bool(fields.get("reverse")))

    @lua_method
    def get_recipe(self) -> Any:
        """The recipe (Factorio 2.0 also returns its quality as a second value, which is not modelled)."""
        try:
            recipe = crafter.get_recipe(self.model)
        except crafter.NotACraftingMachineError as error:
            raise LuaApiError(messages.NOT_A_CRAFTING_MACHINE) from error
        return None if recipe is None else self.ctx.wrap(recipe)

    @lua_method
    def set_recipe(self, recipe: Any = None, quality: Any = None) -> Any:
        """Returns the items taken out of the machine, as ``{name=, count=, quality=}`` entries."""
        chosen = None if recipe is None else self.recipe_arg(recipe, "LuaEntity::set_recipe")
        try:
            removed = crafter.set_recipe(self.model, chosen)
        except crafter.NotACraftingMachineError as error:
            raise LuaApiError(messages.NOT_A_CRAFTING_MACHINE) from error
        except crafter.RecipeNotAllowedError as error:
            if self.model.prototype.fixed_recipe is not None:
                raise LuaApiError(messages.FIXED_RECIPE.format(entity=self.model.name)) from error
            name = chosen.name if chosen is not None else None
            raise LuaApiError(messages.RECIPE_NOT_ALLOWED.format(recipe=name, entity=self.model.name)) from error
        return self.table([{"name": name, "count": count, "quality": "normal"} for name, count in removed])

    @lua_method
    def can_be_destroyed(self) -> bool:
        """Always true: nothing the emulator models (rocket parts, platform hubs) refuses destroy()."""
        return True

    @lua_method
    def destroy(self, options: Any = None) -> bool:
        self.model.destroy()
        return True

    @lua_method
    def mine(self, options: Any = None) -> bool:
        """``mine{inventory=, force=, raise_destroyed=, ignore_minable=}``; see model/control.py ``mine``.

        ``raise_destroyed`` is accepted but raises nothing: the emulator raises no events.
        """
        function = "LuaEntity::mine"
        fields = {} if options is None else table_fields(options, function)
        inventory = fields.get("inventory")
        if inventory is not None:
            if not is_lua_object_of(inventory, Inventory):
                raise LuaApiError(messages.INVENTORY_EXPECTED.format(function=function, field="inventory"))
            inventory.check_valid()
        return control.mine(
            self.model,
            None if inventory is None else inventory.model,
            force=bool(fields.get("force")),
            ignore_minable=bool(fields.get("ignore_minable")),
        )

    @lua_method
    def teleport(
        self, position: Any, surface: Any = None, raise_teleported: Any = None, snap_to_grid: Any = None
    ) -> bool:
        """2.0's teleport(position, surface?, raise_teleported?, snap_to_grid?); another surface and
        script_raised_teleported are not modelled (the emulator has one surface)."""
        x, y = position_arg(position)
        return self.model.teleport(x, y, snap_to_grid=snap_to_grid is not False)

    def lua_equals(self, other: Any) -> bool:
        return isinstance(other, LuaEntity) and other.model is self.model
