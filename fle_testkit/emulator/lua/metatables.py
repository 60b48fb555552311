"""The metatables a level registered with ``script.register_metatable``, for one Lua state.

Factorio saves a table in ``storage`` with the name of its metatable when that
metatable is registered, and relinks the table to the metatable registered
under that name when the game loads (auxiliary docs, "Storage"). This keeps
the registrations of one Lua state: names to metatables for a load, and
metatables to names (a Lua table the save's walk reads) for a save.
Registrations come from control.lua's main chunk on every start, new game or
load; they are not saved.
"""

from __future__ import annotations

from typing import Any

from .. import messages
from .runtime import LuaRuntimeError


class MetatableRegistry:
    """Names and metatables registered in one Lua state.

    Build it before any level code runs: it keeps the state's own
    ``setmetatable``, which a level could replace later.
    """

    def __init__(self, runtime: Any) -> None:
        self._by_name: dict[bytes, Any] = {}
        self.names = runtime.table()  # metatable -> name, for the save's walk
        self._setmetatable = runtime.eval("setmetatable")
        self._rawequal = runtime.eval("rawequal")  # lupa's objects do not compare by identity

    def register(self, name: bytes, metatable: Any) -> bool:
        """Register ``metatable`` under ``name``; False when the name holds another metatable.

        The same metatable under the same name again (a module run twice) is
        no change. A metatable registered under two names is saved with the
        first: on a load either name gives the same metatable back, and one
        name keeps a save deterministic. What Factorio records then is not known.
        """
        taken = self._by_name.get(name)
        if taken is not None:
            return bool(self._rawequal(taken, metatable))
        self._by_name[name] = metatable
        if self.names[metatable] is None:
            self.names[metatable] = name
        return True

    def restore(self, table: Any, name: bytes) -> None:
        """Relink a loaded table to the metatable registered under ``name``.

        A save naming a metatable that control.lua no longer registers fails
        to load, with an error naming it. The auxiliary docs do not say what
        Factorio does then; refusing is the plausible reading of "relinked to
        the registered table on loading", and loading the table plain instead
        would hide a scenario bug until some ``__index`` came back nil.
        """
        metatable = self._by_name.get(name)
        if metatable is None:
            raise LuaRuntimeError(messages.METATABLE_NOT_REGISTERED.format(name=name.decode("utf-8", "replace")))
        self._setmetatable(table, metatable)
