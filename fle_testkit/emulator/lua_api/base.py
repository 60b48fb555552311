"""What every Lua-facing object shares: declared members, validity, arguments.

A class lists its Lua members with decorators, named exactly as Factorio names
them; anything not declared does not exist for Lua ("LuaX doesn't contain key
y."), so the emulator cannot grow an API Factorio does not have by accident.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from lupa import lua52

from .. import messages
from ..lua.runtime import METHOD, LuaApiError, LuaExposed
from ..model.errors import ModelError, UnknownPrototypeError

if TYPE_CHECKING:
    from .context import ApiContext


Member = TypeVar("Member", bound=Callable[..., Any])


def _mark(function: Member, kind: str, name: str | None = None) -> Member:
    """Tag a method with how Lua reaches it; ``LuaObject`` reads the tags when it builds its members."""
    tagged: Any = function
    tagged.__lua_kind__ = kind
    if name is not None:
        tagged.__lua_name__ = name
    return function


def lua_property(function: Member) -> Member:
    """A readable member; pair with ``@name.setter``-style ``lua_setter``."""
    return _mark(function, "property")


def lua_setter(name: str) -> Callable[[Member], Member]:
    return lambda function: _mark(function, "setter", name)


def lua_method(function: Member) -> Member:
    return _mark(function, "method")


def factorio_worded(error: ModelError) -> LuaApiError:
    """A model error as Factorio words it, for Lua.

    Used in plain ``except`` clauses, not a context manager: every member read
    from Lua passes here, and FLE's reads run into the tens of thousands.
    """
    if isinstance(error, UnknownPrototypeError):
        template = UNKNOWN_NAME.get(error.kind, messages.UNKNOWN_ENTITY_NAME)
        return LuaApiError(template.format(name=error.name))
    return LuaApiError(str(error))


UNKNOWN_NAME = {
    "entity": messages.UNKNOWN_ENTITY_NAME,
    "item": messages.UNKNOWN_ITEM_NAME,
    "technology": messages.UNKNOWN_TECHNOLOGY,
    "tile": messages.UNKNOWN_TILE_NAME,
}


@cache
def _arity(method: Callable) -> tuple[int, int]:
    """How many Lua arguments a method takes (without self): (required, at most).

    Trailing optional arguments (those with a Python default) may be
    omitted, as in Factorio; fewer than the required ones is an error.
    """
    params = list(inspect.signature(method).parameters.values())[1:]
    required = sum(1 for p in params if p.default is inspect.Parameter.empty)
    return required, len(params)


def _expected_count(low: int, high: int) -> str:
    """Factorio's "Expected 1 argument", "Expected 0 or 1 arguments" (real 2.0 errors).

    A span wider than one ("1 to 3 arguments") is not confirmed word for word.
    """
    if low == high:
        return f"{high} argument{'' if high == 1 else 's'}"
    if high == low + 1:
        return f"{low} or {high} arguments"
    return f"{low} to {high} arguments"


def _field_reader(name: str) -> Callable:
    def read(self: LuaObject) -> Any:
        return getattr(self.model, name)

    return read


def _object_reader(name: str) -> Callable:
    def read(self: LuaObject) -> Any:
        return self.ctx.wrap(getattr(self.model, name))

    return read


class LuaObject(LuaExposed):
    """Base of the API classes: ``valid``, ``object_name``, declared members."""

    lua_class_name = "LuaObject"
    # Members read straight from ``self.model`` under the same name.
    lua_fields: ClassVar[tuple[str, ...]] = ()
    # Members that are another model object, read from ``self.model`` under the same name and wrapped.
    lua_objects: ClassVar[tuple[str, ...]] = ()
    _properties: ClassVar[dict[str, Callable]] = {}
    _setters: ClassVar[dict[str, Callable]] = {}
    _methods: ClassVar[dict[str, Callable]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        properties: dict[str, Callable] = {}
        setters: dict[str, Callable] = {}
        methods: dict[str, Callable] = {}
        for klass in reversed(cls.__mro__):
            for name, member in vars(klass).items():
                kind = getattr(member, "__lua_kind__", None)
                if kind == "property":
                    properties[name.rstrip("_")] = member
                elif kind == "setter":
                    setters[member.__lua_name__] = member
                elif kind == "method":
                    methods[name.rstrip("_")] = member
        for name in cls.lua_fields:
            properties.setdefault(name, _field_reader(name))
        for name in cls.lua_objects:
            properties.setdefault(name, _object_reader(name))
        cls._properties, cls._setters, cls._methods = properties, setters, methods

    def __init__(self, ctx: ApiContext, model: Any = None) -> None:
        self.ctx = ctx
        self.model = model
        self._lua_cache: dict[Any, Any] = {}

    # Validity: objects whose model thing can disappear override this.
    def is_valid(self) -> bool:
        return True

    def lua_index(self, key: Any) -> Any:
        if key == "valid":
            return self.is_valid()
        if key == "object_name":
            return self.lua_class_name
        getter = self._properties.get(key)
        method = self._methods.get(key) if getter is None else None
        if getter is None and method is None:
            return self.index_other(key)
        self.check_valid()
        if getter is None:
            return METHOD  # Lua makes the closure; the call comes back through lua_call
        cached = self._lua_cache.get(key)
        if cached is not None:
            return cached
        try:
            value = getter(self)
        except ModelError as error:
            raise factorio_worded(error) from error
        if isinstance(value, LuaCustomTable):
            # Its contents are read live, so one per owner and key is enough; and a
            # long-lived object is what Lua may safely hold (see runtime.METHOD).
            self._lua_cache[key] = value
        return value

    def index_other(self, key: Any) -> Any:
        """Keys that are not members (``LuaCustomTable[name]``); default: none."""
        raise LuaApiError(messages.DOESNT_CONTAIN_KEY.format(cls=self.lua_class_name, key=key))

    def lua_newindex(self, key: Any, value: Any) -> None:
        setter = self._setters.get(key)
        if setter is None:
            if key in self._properties or key in self._methods:
                raise LuaApiError(messages.READ_ONLY_KEY.format(cls=self.lua_class_name, key=key))
            raise LuaApiError(messages.DOESNT_CONTAIN_KEY.format(cls=self.lua_class_name, key=key))
        self.check_valid()
        try:
            setter(self, value)
        except ModelError as error:
            raise factorio_worded(error) from error

    def check_valid(self) -> None:
        if not self.is_valid():
            raise LuaApiError(messages.INVALID_OBJECT.format(cls=self.lua_class_name))

    def lua_call(self, key: Any, args: tuple[Any, ...]) -> Any:
        method = self._methods.get(key)
        if method is None:
            raise LuaApiError(messages.DOESNT_CONTAIN_KEY.format(cls=self.lua_class_name, key=key))
        # Factorio 2.0 methods are called with '.', but a ':' call passes the
        # object first; accept both so neither style breaks.
        if args and args[0] is self:
            args = args[1:]
        low, high = _arity(method)
        if not low <= len(args) <= high:
            raise LuaApiError(
                messages.ARGUMENT_COUNT.format(
                    name=method.__name__.rstrip("_"), expected=_expected_count(low, high), given=len(args)
                )
            )
        self.check_valid()
        try:
            return method(self, *args)
        except ModelError as error:
            raise factorio_worded(error) from error

    # Conversions every API class needs.
    def table(self, value: Any) -> Any:
        return self.ctx.sandbox.table_from(value)

    def __str__(self) -> str:
        return f"[{self.lua_class_name}]"


class LuaCustomTable(LuaObject):
    """Factorio's read-only table of API objects, indexed by number or name."""

    lua_class_name = "LuaCustomTable"

    def __init__(
        self,
        ctx: ApiContext,
        items: Callable[[], list[tuple[Any, Any]]],
        by_name: Callable[[Any], Any] | None = None,
        constant: bool = False,
    ) -> None:
        super().__init__(ctx)
        self._items = items
        self._by_name = by_name
        # Entries that never change (the game's prototypes): Lua may keep what one pairs() went over.
        self.lua_pairs_constant = constant

    def index_other(self, key: Any) -> Any:
        if self._by_name is not None:
            found = self._by_name(key)
            if found is not None:
                return found
        for item_key, value in self._items():
            if item_key == key:
                return value
        return None

    def lua_newindex(self, key: Any, value: Any) -> None:
        raise LuaApiError(messages.READ_ONLY_KEY.format(cls=self.lua_class_name, key=key))

    def lua_pairs(self) -> Iterable[tuple[Any, Any]]:
        return self._items()

    def lua_len(self) -> int:
        return len(self._items())


def named_table(ctx: ApiContext, source: Mapping[str, Any], constant: bool = False) -> LuaCustomTable:
    """A LuaCustomTable over a name → model mapping, read live, each model wrapped (``constant``: the
    mapping never changes, the game's prototypes)."""

    def items() -> list[tuple[Any, Any]]:
        return [(name, ctx.wrap(value)) for name, value in source.items()]

    def by_name(key: Any) -> Any:
        value = source.get(key) if isinstance(key, str) else None
        return None if value is None else ctx.wrap(value)

    return LuaCustomTable(ctx, items, by_name, constant)


def is_table(value: Any) -> bool:
    return lua52.lua_type(value) == "table"


def lua_type_name(value: Any) -> str:
    """Lua's ``type()`` of a value as the host sees it (numbers and strings arrive as Python's)."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, (str, bytes)):
        return "string"
    if isinstance(value, LuaExposed):
        return "userdata"
    return lua52.lua_type(value) or type(value).__name__


def table_fields(value: Any, function: str, argument: int = 1) -> dict[Any, Any]:
    """A Lua table argument as a dict (one level), or a Factorio-style error."""
    if not is_table(value):
        got = lua_type_name(value)
        raise LuaApiError(messages.TABLE_EXPECTED.format(argument=argument, function=function, got=got))
    return dict(value.items())


def string_list(value: Any) -> list[str] | None:
    """A filter value that may be a string or an array of strings."""
    if value is None:
        return None
    if is_table(value):
        return [str(v) for v in value.values()]
    return [str(value)]


def position_arg(value: Any, what: str = "position") -> tuple[float, float]:
    """A MapPosition: ``{x=, y=}`` or ``{1, 2}``."""
    if not is_table(value):
        raise LuaApiError(messages.INVALID_POSITION_TABLE.format(what=what))
    x = value["x"] if value["x"] is not None else value[1]
    y = value["y"] if value["y"] is not None else value[2]
    if not isinstance(x, (int, float)) or not isinstance(y, (int, float)):
        raise LuaApiError(messages.INVALID_POSITION_NUMBERS.format(what=what))
    return float(x), float(y)
