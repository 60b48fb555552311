"""The world of one game: surfaces, forces, counters and the map seed.

A new game has surface 1 "nauvis" and forces "player", "enemy" and "neutral"
(indexes 1..3), as Factorio 2.0 does. ``to_state`` gives plain JSON-safe data
and ``from_state`` rebuilds an equal world, unit numbers and counters included,
so a save holds the world without pickling Python objects.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .cycles import run_in_cycles
from .errors import InvalidArgumentError, ModelError, NotFoundError, StateError
from .force import Force
from .machines import machine_for
from .mapgen import MapLayout
from .pathfinding import PathRequest
from .power import PowerGrid
from .rendering import Rendering
from .research import wake_key
from .script_inventories import ScriptInventories
from .simulation import Simulation
from .statistics import FlowStatistics
from .surface import Surface
from .transport_lines import belt_changed

if TYPE_CHECKING:
    from ..gamedata import GameData
    from .entity import Entity

#: Format tag and version of :meth:`World.to_state`.
STATE_FORMAT = "fle-testkit-world"
STATE_VERSION = 1
#: Factorio allows at most 64 forces.
MAX_FORCES = 64
DEFAULT_FORCES = ("player", "enemy", "neutral")
DEFAULT_SURFACE = "nauvis"


class World:
    __slots__ = (
        "on_destroyed",
        "on_moved",
        "gamedata",
        "seed",
        "surfaces",
        "forces",
        "statistics",
        "unit_number_counter",
        "entity_id_counter",
        "map_settings",
        "rendering",
        "path_requests",
        "path_request_counter",
        "script_inventories",
        "simulation",
    )

    def __init__(self, gamedata: GameData, seed: int) -> None:
        """An empty world; use :meth:`new` for a new game's."""
        self.gamedata = gamedata
        self.seed = int(seed)
        self.surfaces: dict[int, Surface] = {}
        self.forces: dict[int, Force] = {}
        # Flow statistics by (kind, force index, surface index), made when first asked for.
        self.statistics: dict[tuple[str, int, int], FlowStatistics] = {}
        self.unit_number_counter = 1  # the next unit number to hand out
        self.entity_id_counter = 1
        # LuaGameScript::map_settings: nested plain values, changed in place by scripts.
        self.map_settings: dict[str, Any] = copy.deepcopy(gamedata.map_settings)
        # Render objects are not saved (a deviation: Factorio saves them); their ids stay unique.
        self.rendering = Rendering(self.surfaces)
        # LuaSurface::request_path calls not answered yet. Not saved: a request
        # pending at a save is lost (real Factorio's handling of that is unknown).
        self.path_requests: list[PathRequest] = []
        self.path_request_counter = 0
        # LuaGameScript::create_inventory's inventories, saved with the world as Factorio saves them.
        self.script_inventories = ScriptInventories(gamedata.items)
        # The machines that run with time (simulation.py); its tick is the game's, kept by the level.
        self.simulation = Simulation(
            machine_for,
            lambda e: self.flow_statistics("item", e.force, e.surface.index),
            gamedata.recipes,
            gamedata.fluids,
            gamedata.tiles,
            lambda e: self.flow_statistics("fluid", e.force, e.surface.index),
        )
        self.simulation.cycles = run_in_cycles
        self.simulation.power = PowerGrid(
            self.simulation,
            lambda surface, network, member: surface.electric.network_statistics(
                network, member.force.index, gamedata.entities
            ),
        )
        self.simulation.belt_changed = belt_changed
        # Told of each entity destroyed, after it is invalid (the Lua API forgets what Lua kept of it).
        self.on_destroyed: list[Callable[[Entity], None]] = []
        self.on_moved: list[Callable[[Entity], None]] = []  # told after an entity's position changed

    @classmethod
    def new(cls, gamedata: GameData, seed: int, layout: MapLayout | None = None) -> World:
        """A new game's world; ``layout`` (a generated named map) is laid on nauvis."""
        world = cls(gamedata, seed)
        nauvis = world.create_surface(DEFAULT_SURFACE)
        for name in DEFAULT_FORCES:
            world.create_force(name)
        if layout is not None:
            for (tile_x, tile_y), tile in layout.tiles.items():
                nauvis.tiles.set(tile_x, tile_y, tile)
            for name, x, y, amount in layout.resources:
                nauvis.create_entity(name, (x, y), force="neutral", amount=amount)
            for name, x, y in layout.trees:
                nauvis.create_entity(name, (x, y), force="neutral")
        return world

    def next_path_request_id(self) -> int:
        self.path_request_counter += 1
        return self.path_request_counter

    def __repr__(self) -> str:
        return f"<World seed={self.seed} surfaces={len(self.surfaces)} forces={len(self.forces)}>"

    # --- counters -------------------------------------------------------------

    def next_unit_number(self) -> int:
        """Hand out the next unit number (never reused, kept across saves)."""
        number = self.unit_number_counter
        self.unit_number_counter += 1
        return number

    def next_entity_id(self) -> int:
        """Hand out the next entity id (creation order, never reused)."""
        number = self.entity_id_counter
        self.entity_id_counter += 1
        return number

    # --- surfaces and forces --------------------------------------------------

    def create_surface(self, name: str) -> Surface:
        if not isinstance(name, str) or not name:
            raise InvalidArgumentError(f"surface name must be a non-empty string, got {name!r}")
        if any(s.name == name for s in self.surfaces.values()):
            raise InvalidArgumentError(f"surface {name!r} already exists")
        index = max(self.surfaces, default=0) + 1
        surface = self.surfaces[index] = Surface(self, index, name)
        return surface

    def get_surface(self, key: int | str) -> Surface:
        """A surface by index or by name."""
        if isinstance(key, int) and not isinstance(key, bool):
            surface = self.surfaces.get(key)
        else:
            surface = next((s for s in self.surfaces.values() if s.name == key), None)
        if surface is None:
            raise NotFoundError(f"no surface {key!r}")
        return surface

    def create_force(self, name: str) -> Force:
        if not isinstance(name, str) or not name:
            raise InvalidArgumentError(f"force name must be a non-empty string, got {name!r}")
        if any(f.name == name for f in self.forces.values()):
            raise InvalidArgumentError(f"force {name!r} already exists")
        if len(self.forces) >= MAX_FORCES:
            raise ModelError(f"no more than {MAX_FORCES} forces can exist")
        index = max(self.forces, default=0) + 1
        force = self.forces[index] = Force(self.gamedata, index, name)
        self._adopt(force)
        return force

    def _adopt(self, force: Force) -> None:
        """A change of the force's research wakes its labs that wait for one."""
        force.research.changed = functools.partial(self.simulation.notify, wake_key(force.index))

    def get_force(self, key: Force | int | str) -> Force:
        """A force by object (must belong to this world), index or name."""
        if isinstance(key, Force):
            if self.forces.get(key.index) is not key:
                raise NotFoundError(f"force {key.name!r} is not of this world")
            return key
        if isinstance(key, int) and not isinstance(key, bool):
            force = self.forces.get(key)
        else:
            force = next((f for f in self.forces.values() if f.name == key), None)
        if force is None:
            raise NotFoundError(f"no force {key!r}")
        return force

    def kill_all_units(self, force: Force) -> int:
        """Remove every unit (biter, "unit" type) of ``force`` on every surface; how many."""
        units = [e for s in self.surfaces.values() for e in s.find_entities_filtered(type="unit", force=force)]
        for unit in units:
            unit.destroy()
        return len(units)

    def flow_statistics(self, kind: str, force: Force | int | str, surface: Surface | int | str) -> FlowStatistics:
        """The ``kind`` ("item" or "fluid") production statistics of a force on a surface."""
        owner = self.get_force(force)
        if isinstance(surface, Surface):
            if self.surfaces.get(surface.index) is not surface:
                raise NotFoundError(f"surface {surface.name!r} is not of this world")
            place = surface
        else:
            place = self.get_surface(surface)
        key = (kind, owner.index, place.index)
        found = self.statistics.get(key)
        if found is None:
            names = self.gamedata.fluids if kind == "fluid" else self.gamedata.items
            found = self.statistics[key] = FlowStatistics(kind, owner.index, place.index, names)
        return found

    # --- state ----------------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        self.simulation.sync_all()  # machines' progress and fuel as of now
        return {
            "format": STATE_FORMAT,
            "version": STATE_VERSION,
            "seed": self.seed,
            "unit_number_counter": self.unit_number_counter,
            "entity_id_counter": self.entity_id_counter,
            "path_request_counter": self.path_request_counter,
            "forces": [force.to_state() for _, force in sorted(self.forces.items())],
            "surfaces": [surface.to_state() for _, surface in sorted(self.surfaces.items())],
            "statistics": [stats.to_state() for _, stats in sorted(self.statistics.items())],
            "map_settings": copy.deepcopy(self.map_settings),
            "next_render_id": self.rendering.next_id,
            "script_inventories": self.script_inventories.to_state(),
            "simulation": self.simulation.to_state(),
        }

    @classmethod
    def from_state(cls, gamedata: GameData, state: dict[str, Any]) -> World:
        """Rebuild the world :meth:`to_state` described; :class:`StateError` if impossible."""
        if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
            raise StateError("not a world state")
        if state.get("version") != STATE_VERSION:
            raise StateError(f"world state version {state.get('version')!r} is not {STATE_VERSION}")
        try:
            world = cls(gamedata, state["seed"])
            world.simulation.now = int(state.get("simulation", {}).get("tick", 0))  # before machines exist
            for force_state in state["forces"]:
                force = world.forces[int(force_state["index"])] = Force(
                    gamedata, int(force_state["index"]), str(force_state["name"])
                )
                world._adopt(force)
                force.load_state(force_state)
            for surface_state in state["surfaces"]:
                index = int(surface_state["index"])
                surface = world.surfaces[index] = Surface(world, index, str(surface_state["name"]))
                surface.load_state(surface_state)
                for entity_state in surface_state["entities"]:
                    surface.restore_entity(entity_state)
                surface.fluids.load_state(surface_state.get("fluids", ()))  # absent in older states
            world.simulation.load_order(state.get("simulation", {}))
            for stats_state in state.get("statistics", ()):  # absent in states written before it existed
                stats = world.flow_statistics(
                    str(stats_state["kind"]), int(stats_state["force"]), int(stats_state["surface"])
                )
                stats.load_state(stats_state)
            if "map_settings" in state:  # absent in states written before it existed
                world.map_settings = copy.deepcopy(state["map_settings"])
            world.rendering.next_id = int(state.get("next_render_id", 1))
            world.script_inventories.load_state(state.get("script_inventories", {}))  # absent in older states
            world.unit_number_counter = int(state["unit_number_counter"])
            world.entity_id_counter = int(state["entity_id_counter"])
            world.path_request_counter = int(state.get("path_request_counter", 0))
        except ModelError as error:
            raise StateError(f"cannot restore the world: {error}") from error
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            raise StateError(f"malformed world state: {error!r}") from error
        return world
