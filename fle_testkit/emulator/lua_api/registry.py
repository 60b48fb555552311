"""Which Lua class shows each model type to Lua: one table, filled by the classes.

A Lua class that hands out another kind of object (an entity's surface, a
surface's entities) wraps it with :meth:`ApiContext.wrap`, which looks the
class up here, instead of importing that class: so the ``lua_api`` modules
import ``base`` and this table, never each other. Each class registers itself
with :func:`shows` when its module is imported (the package imports them all);
the table never changes after that, so nothing needs resetting between tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Protocol, TypeVar, cast

from ..errors import EmulatorError

LuaClass = TypeVar("LuaClass", bound=type)


class Shown(Protocol):
    """What every Lua class has: the name Factorio gives it."""

    lua_class_name: ClassVar[str]


_LUA_CLASSES: dict[type, type] = {}


class RegistryError(EmulatorError):
    """A model type shown by two Lua classes, or by none (a missing ``@shows``)."""


def shows(model_type: type) -> Callable[[LuaClass], LuaClass]:
    """Class decorator: objects of ``model_type`` reach Lua as this class."""

    def register(lua_class: LuaClass) -> LuaClass:
        existing = _LUA_CLASSES.setdefault(model_type, lua_class)
        if existing is not lua_class:
            raise RegistryError(f"{model_type.__name__} is shown by both {existing.__name__} and {lua_class.__name__}")
        return lua_class

    return register


def lua_class_of(model_type: type) -> type[Shown]:
    """The Lua class that shows ``model_type`` (or its nearest base class)."""
    for klass in model_type.__mro__:
        found = _LUA_CLASSES.get(klass)
        if found is not None:
            return cast("type[Shown]", found)  # every registered class is a LuaObject
    raise RegistryError(f"no Lua class shows {model_type.__name__}: is its lua_api module imported?")


def is_lua_object_of(value: Any, *model_types: type) -> bool:
    """Whether ``value`` is the Lua object of one of ``model_types`` (a LuaForce for Force...)."""
    return isinstance(value, tuple(lua_class_of(t) for t in model_types))


def registered() -> dict[type, type]:
    """A copy of the table, model type to Lua class."""
    return dict(_LUA_CLASSES)
