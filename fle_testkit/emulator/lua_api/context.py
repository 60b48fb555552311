"""What API objects reach: the Lua state, the world, and the running level."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .registry import lua_class_of

if TYPE_CHECKING:
    from ..events import EventRegistry
    from ..gamedata import GameData
    from ..lua.metatables import MetatableRegistry
    from ..lua.runtime import LuaSandbox
    from ..model.world import World


class LevelHooks(Protocol):
    """The parts of the running level the API reads and changes."""

    events: EventRegistry
    level_name: str
    script_output: Path  # where helpers.write_file writes (Factorio's script-output)
    metatables: MetatableRegistry  # script.register_metatable's registrations
    in_main_chunk: bool  # control.lua's main chunk is running (register_metatable's only time)

    @property
    def tick(self) -> int: ...

    @property
    def speed(self) -> float: ...

    def set_speed(self, speed: float) -> None: ...

    @property
    def tick_paused(self) -> bool: ...

    def set_tick_paused(self, paused: bool) -> None: ...

    def rcon_print(self, text: str) -> None: ...

    def script_log(self, source: str, text: str) -> None: ...


@dataclass
class ApiContext:
    sandbox: LuaSandbox
    gamedata: GameData
    world: World
    level: LevelHooks
    tostring: Any = None  # Lua's own tostring, for Factorio's number printing
    wrappers: dict[tuple[str, int], Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.world.on_destroyed.append(self._destroyed)
        self.world.on_moved.append(self._moved)

    def _moved(self, entity: Any) -> None:
        """Lua keeps an entity's position until it moves."""
        found = self.wrappers.get(_key(lua_class_of(type(entity)), entity))
        if found is not None and found.model is entity:
            self.sandbox.moved(found)

    def _destroyed(self, entity: Any) -> None:
        """What Lua kept of an entity and its inventories (their methods, fixed members) goes with them."""
        for model in (entity, *entity.inventories.values()):
            found = self.wrappers.get(_key(lua_class_of(type(model)), model))
            if found is not None and found.model is model:
                self.sandbox.forget(found)

    def forget_invalid(self) -> int:
        """Drop the API objects of things that are gone (destroyed entities...)."""
        gone = [key for key, found in self.wrappers.items() if not found.is_valid()]
        for key in gone:
            del self.wrappers[key]
        return len(gone)

    def wrapper(self, kind: type, model: Any, *args: Any) -> Any:
        """One API object per model object, so ``==`` and table keys behave."""
        key = _key(kind, model)
        found = self.wrappers.get(key)
        if found is None or found.model is not model:
            found = kind(self, model, *args)
            self.wrappers[key] = found
        return found

    def wrap(self, model: Any) -> Any:
        """The API object of ``model``, of the Lua class registered for its type."""
        return self.wrapper(lua_class_of(type(model)), model)


def _key(kind: type, model: Any) -> tuple[str, int]:
    """Where ``wrappers`` keeps the API object of class ``kind`` for ``model``."""
    return kind.__name__, id(model)
