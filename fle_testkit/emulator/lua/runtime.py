"""One Lua 5.2 state, sandboxed the way a Factorio level's Lua state is.

Factorio runs a modified Lua 5.2; lupa's ``lua52`` is the same language. What
the sandbox removes (DESIGN, "Safety"): the ``python`` bridge, ``io``, ``os``,
``package``, ``loadfile``, ``dofile``, ``string.dump`` and binary chunks. What
stays is what a Factorio mod can use. ``require`` is replaced by one that only
finds scenario files and Factorio's core lualib.

Python objects reach Lua only as ``LuaExposed`` instances (the API objects).
lupa's attribute handlers send every index on any Python object here; anything
that is not ``LuaExposed`` is refused, so no Python internals leak to Lua.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from lupa import lua52

from .. import messages
from ..config import LuaLimits
from ..errors import EmulatorError
from .walk import compile_walker

# Lua globals of a stock Lua 5.2 state that a Factorio level does not have.
REMOVED_GLOBALS = ("io", "os", "package", "dofile", "loadfile", "loadstring", "module", "python", "coroutine")

ModuleFinder = Callable[[str], "tuple[str, str] | None"]
"""Maps a ``require`` name to (source, chunk name), or None when not found."""


class LuaRuntimeError(EmulatorError):
    """A Lua error that escaped to the top of a chunk; ``message`` is Lua's text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StopRequest:
    """Asks the Lua that is running now, and all Lua after it, to stop.

    Set from a signal handler (the quit path), read by the sandbox's count
    hook: it is a plain attribute, so setting it is safe at any bytecode.
    One object is shared by the server and its level's sandbox, so a signal
    stops Lua even while the level is still being built.
    """

    def __init__(self) -> None:
        self.reason: str | None = None

    def stop(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason


class LuaApiError(EmulatorError):
    """Raised by API objects; reaches Lua as an ordinary error with this message."""


class LuaExposed:
    """Base of every Python object Lua may see (the ``Lua*`` API classes).

    Subclasses answer indexing, assignment, iteration and length. The default
    refuses everything, worded as Factorio words an unknown key.
    """

    lua_class_name = "LuaObject"
    # True where every member reads the same for the object's whole life (the
    # prototypes): Lua keeps what it read and asks the host only once per
    # member. A table read is kept as a template and each read gets a fresh
    # copy, as Factorio hands out a new table on every read.
    lua_constant = False
    # Members that read the same for the object's whole life while it is valid (an entity's name),
    # never a table, and methods that answer one argument the same for its whole life (an entity's
    # get_inventory): Lua keeps what it read until the host forgets the object (LuaSandbox.forget),
    # which must happen when the object becomes invalid.
    lua_fixed: ClassVar[frozenset[str]] = frozenset()

    def lua_index(self, key: Any) -> Any:
        raise LuaApiError(messages.DOESNT_CONTAIN_KEY.format(cls=self.lua_class_name, key=key))

    def lua_newindex(self, key: Any, value: Any) -> None:
        raise LuaApiError(messages.DOESNT_CONTAIN_KEY.format(cls=self.lua_class_name, key=key))

    def lua_pairs(self) -> Iterable[tuple[Any, Any]]:
        raise LuaApiError(messages.CANT_BE_ITERATED.format(cls=self.lua_class_name))

    def lua_len(self) -> int:
        raise LuaApiError(messages.HAS_NO_LENGTH.format(cls=self.lua_class_name))

    def lua_call(self, key: Any, args: tuple[Any, ...]) -> Any:
        """Call method ``key`` (``lua_index`` answered METHOD for it)."""
        raise LuaApiError(messages.DOESNT_CONTAIN_KEY.format(cls=self.lua_class_name, key=key))

    def lua_equals(self, other: Any) -> bool:
        return self is other

    def __str__(self) -> str:
        return f"[{self.lua_class_name}]"


class _Method:
    """What ``lua_index`` answers for a method: Lua then makes the closure itself."""

    def __repr__(self) -> str:
        return "METHOD"


METHOD = _Method()

# Status codes of the host hooks: no Python exception and no short-lived Python
# object ever crosses into Lua. lupa can hand Lua the wrong object when one it
# released is still awaiting Lua's garbage collector (lupa issue #294), so the
# only Python objects Lua holds are long-lived: API objects (cached per model
# object) and these hooks.
FAILED, VALUE, IS_METHOD, CONSTANT, FIXED, IS_FIXED_METHOD, POSITION, KEPT_POSITION = 0, 1, 2, 3, 4, 5, 6, 7


class NewPosition:
    """What a getter answers for a MapPosition made anew on every read (``LuaEntity.position``, the most
    read member there is): Lua builds the ``{x=, y=}`` table itself from the two numbers, at a fraction
    of what building it from here costs. ``kept``: the ``position`` member of an object that tells Lua
    when it moves (LuaSandbox.moved), so Lua keeps the numbers and later reads never reach the host."""

    __slots__ = ("x", "y", "kept")

    def __init__(self, x: float, y: float, kept: bool = False) -> None:
        self.x = x
        self.y = y
        self.kept = kept


# Instructions between two looks at the clock and the stop request. A look is
# one call into Python (about a microsecond); at ~10^8 Lua instructions a
# second this is ~10^4 looks a second: a stop lands within a millisecond or so
# of a tight loop, for about one percent of its speed.
HOOK_EVERY = 10_000

# The allocator's limit while host code runs: none (see LuaSandbox._host_call).
UNLIMITED_MEMORY = 2**62
# Entries a long host-side build (JSON, a loaded storage) makes between two checks of the limits.
HOST_CHECK_EVERY = 1024


def _failure(error: Exception) -> tuple[int, str]:
    if isinstance(error, MemoryError):  # lupa's LuaMemoryError is one: a host call hit the memory limit
        return FAILED, messages.LUA_NOT_ENOUGH_MEMORY
    if isinstance(error, EmulatorError):
        return FAILED, str(error)
    # A Python or OS error's text may name host paths: only its type reaches Lua.
    return FAILED, messages.INTERNAL_ERROR.format(kind=type(error).__name__)


def _host_error_message(error: BaseException) -> str:
    """What Lua sees of a Python exception that escaped into it (never its host text)."""
    if isinstance(error, EmulatorError):
        return str(error)
    return messages.INTERNAL_ERROR.format(kind=type(error).__name__)


#: Reads of a MapPosition and a BoundingBox in Lua (LuaSandbox.position_of, area_of): the fields as the
#: host-side readers take them (``x`` before ``[1]``, ``left_top`` before ``[1]``), nil when not a table.
_SHAPE_READERS = """
local type = type
local function position(p)
  if type(p) ~= 'table' then return nil end
  local x, y = p.x, p.y
  if x == nil then x = p[1] end
  if y == nil then y = p[2] end
  return x, y
end
local function area(a)
  if type(a) ~= 'table' then return nil end
  local left_top, right_bottom = a.left_top, a.right_bottom
  if left_top == nil then left_top = a[1] end
  if right_bottom == nil then right_bottom = a[2] end
  local x1, y1 = position(left_top)
  local x2, y2 = position(right_bottom)
  return x1, y1, x2, y2
end
return position, area
"""


def _numbers(values: tuple[Any, ...]) -> bool:
    return all(isinstance(v, (int, float)) for v in values)


def _hook_index(obj: Any, key: Any) -> tuple[Any, ...]:
    if not isinstance(obj, LuaExposed):
        return FAILED, f"attempt to index a host object (key {key!r})"
    try:
        value = obj.lua_index(key)
    except Exception as error:
        return _failure(error)
    if type(value) is NewPosition:
        return (KEPT_POSITION if value.kept and key == "position" else POSITION), value.x, value.y  # (unpacked)
    if value is METHOD:
        return (IS_FIXED_METHOD if key in obj.lua_fixed else IS_METHOD), None
    if obj.lua_constant:
        return CONSTANT, value
    return (FIXED if key in obj.lua_fixed else VALUE), value


def _hook_newindex(obj: Any, key: Any, value: Any) -> tuple[int, Any]:
    if not isinstance(obj, LuaExposed):
        return FAILED, f"attempt to modify a host object (key {key!r})"
    try:
        obj.lua_newindex(key, value)
    except Exception as error:
        return _failure(error)
    return VALUE, None


def _hook_call(obj: Any, key: Any, *args: Any) -> tuple[int, Any]:
    try:
        return VALUE, obj.lua_call(key, args)
    except Exception as error:
        return _failure(error)


def guarded(function: Callable[..., Any]) -> Callable[..., tuple[int, Any]]:
    """A host function as the ``protect`` Lua helper expects it: (status, result or message)."""

    def call(*args: Any) -> tuple[int, Any]:
        try:
            return VALUE, function(*args)
        except Exception as error:
            return _failure(error)

    return call


def _hook_len(obj: Any) -> tuple[int, Any]:
    if not isinstance(obj, LuaExposed):
        return FAILED, "attempt to get the length of a host object"
    try:
        return VALUE, obj.lua_len()
    except Exception as error:
        return _failure(error)


def _index(obj: Any, key: Any) -> Any:
    if isinstance(obj, LuaExposed):
        return obj.lua_index(key)
    raise LuaApiError(messages.HOST_OBJECT_INDEX.format(key=key))


def _newindex(obj: Any, key: Any, value: Any) -> None:
    if isinstance(obj, LuaExposed):
        obj.lua_newindex(key, value)
        return
    raise LuaApiError(messages.HOST_OBJECT_MODIFY.format(key=key))


# Runs once in a fresh state, with the debug library still present: it gives
# API objects their metamethods, swaps in the safe functions and then removes
# what a level must not reach. Every name it needs arrives as an argument.
_SETUP = r"""
local sample, hooks, finder, removed, check, hook_count = ...
local mt = debug.getmetatable(sample)
-- lupa keeps the userdata of Python objects in a weak-valued registry table,
-- indexed by luaL_ref. A userdata awaiting its finalizer has already lost its
-- weak entry, so luaL_ref hands the slot to the next object while lupa still
-- maps the old object to it: Lua then receives the wrong object (lupa issue
-- #294, seen here on Lua 5.2 too). A strong table never frees a slot. The
-- only Python objects Lua receives are long-lived (API objects cached per model
-- object, the hooks), so nothing accumulates.
local references = debug.getregistry()["LUPA_PYTHON_REFERENCES_TABLE"]
local weak_values, collect = {__mode = "v"}, collectgarbage
setmetatable(references, nil)
-- Between commands (nothing is being pushed), unreachable userdata may go:
-- weak for two full cycles, so each is both cleared and finalized (its slot
-- returned to luaL_ref's free list) before anything is pushed again. A full
-- cycle costs the whole heap (tens of ms with a large storage), so it runs
-- only once the table has grown by `min_growth` slots since the last one.
local compacted_size = 0
local function reference_slots()  -- held objects; luaL_ref's free list is numbers
  local n = 0
  for _, v in next, references do
    if type(v) ~= "number" then n = n + 1 end
  end
  return n
end
local function compact(min_growth)
  if reference_slots() < compacted_size + min_growth then return false end
  setmetatable(references, weak_values)
  collect("collect")
  collect("collect")
  setmetatable(references, nil)
  compacted_size = reference_slots()
  return true
end
local hook_index, hook_newindex, hook_call, hook_pairs, hook_len = hooks.index, hooks.newindex, hooks.call, hooks.pairs, hooks.len
-- Members of constant objects (LuaExposed.lua_constant), by object: read
-- from here without a call into the host; tables are copied on every read.
local constants = setmetatable({}, {__mode = "k"})
local function copy(t)
  local c = {}
  for k, v in next, t do
    if type(v) == "table" then c[k] = copy(v) else c[k] = v end
  end
  return c
end
-- What an object's reads answered that holds for its whole life (its methods, and members the
-- host marks fixed: an entity's name and type), by object: read from here after, without a call
-- into the host (FLE's alerts read an entity's type a dozen times, once a game second). A fixed
-- method (an entity's get_inventory) keeps its answer to each one argument too. When the object
-- becomes invalid the host forgets it (LuaSandbox.forget): its entry goes, so reading it errors as
-- before, and a fixed method already read asks the host again. Other objects that become invalid
-- (an item stack, a render object) keep their methods: a method read again from one errors when
-- called, not when read.
local kept = setmetatable({}, {__mode = "k"})
local gone = setmetatable({}, {__mode = "k"})
-- An entity's position as two numbers, by object, until it moves (LuaSandbox.moved) or becomes invalid:
-- each read still gets a table of its own, built here.
local where = setmetatable({}, {__mode = "k"})
local function forget(o)
  kept[o] = nil
  where[o] = nil
  gone[o] = true
end
local function moved(o)
  where[o] = nil
end
local function fixed_method(o, k)
  local memo, none = {}, {}
  return function(...)
    local a = ...
    if select("#", ...) == 1 and not gone[o] and (type(a) == "number" or type(a) == "string") then
      local v = memo[a]
      if v == nil then
        local s, r = hook_call(o, k, a)
        if s ~= 1 then error(r, 0) end
        if r == nil then v = none else v = r end
        memo[a] = v
      end
      if v == none then return nil end
      return v
    end
    local s, r = hook_call(o, k, ...)
    if s == 1 then return r end
    error(r, 0)
  end
end
-- A host failure comes back as (0, message) and is raised here, as Lua's own error.
mt.__index = function(o, k)
  local known = constants[o]
  if known ~= nil then
    local v = known[k]
    if v ~= nil then
      if type(v) == "table" then return copy(v) end
      return v
    end
  end
  if k == "position" then
    local xy = where[o]
    if xy ~= nil then return {x = xy[1], y = xy[2]} end
  end
  local mine = kept[o]
  if mine ~= nil then
    local v = mine[k]
    if v ~= nil then return v end
  end
  local status, value, y = hook_index(o, k)
  if status == 1 then return value end
  if status == 6 then return {x = value, y = y} end
  if status == 7 then
    where[o] = {value, y}
    return {x = value, y = y}
  end
  if status == 4 then
    if mine == nil then mine = {}; kept[o] = mine end
    mine[k] = value
    return value
  end
  if status == 3 then
    if known == nil then known = {}; constants[o] = known end
    known[k] = value
    if type(value) == "table" then return copy(value) end
    return value
  end
  if status == 2 or status == 5 then
    local f = status == 5 and fixed_method(o, k) or function(...)
      local s, r = hook_call(o, k, ...)
      if s == 1 then return r end
      error(r, 0)
    end
    if mine == nil then mine = {}; kept[o] = mine end
    mine[k] = f
    return f
  end
  error(value, 0)
end
mt.__newindex = function(o, k, v)
  local status, message = hook_newindex(o, k, v)
  if status ~= 1 then error(message, 0) end
end
-- What pairs() over an object whose entries never change (prototypes.item...) went over, by object:
-- read once (FLE's score goes over every prototype table, and wrapping a thousand prototypes each time
-- was most of its cost). Only read here, never handed to the level.
local pairs_kept = setmetatable({}, {__mode = "k"})
mt.__pairs = function(o)
  local keys, values
  local kept = pairs_kept[o]
  if kept ~= nil then
    keys, values = kept[1], kept[2]
  else
    local status
    status, keys, values = hook_pairs(o)
    if status == 3 then pairs_kept[o] = {keys, values}
    elseif status ~= 1 then error(keys, 0) end
  end
  local i = 0
  return function() i = i + 1; if keys[i] ~= nil then return keys[i], values[i] end end, o, nil
end
mt.__len = function(o)
  local status, n = hook_len(o)
  if status ~= 1 then error(n, 0) end
  return n
end
mt.__eq = function(a, b) return hooks.equals(a, b) end
mt.__concat = function(a, b) return tostring(a) .. tostring(b) end
-- As in Factorio, getmetatable() on an API object answers "private": the
-- metamethods (which reach the host) stay out of the level's hands.
mt.__metatable = "private"

-- Factorio's pairs() is deterministic (auxiliary docs, "Libraries and
-- functions"): the first 1024 integer keys come in order, the others in
-- insertion order. Plain Lua cannot see insertion order, so the emulator
-- takes the nearest order it can keep deterministic: integer keys ascending,
-- then strings sorted, then booleans; keys that cannot be ordered (tables,
-- functions, API objects) last, as `next` finds them. A table constructor
-- written in sorted order ({a = ..., b = ...}, as FLE's wrapped calls are)
-- thus iterates as in the game. Tables the engine builds know their
-- insertion order (`key_order`, filled by remember_order: json_to_table's
-- objects, in document order); keys added to them later come after, sorted.
-- The order is not saved: after a load those tables iterate sorted. `next`
-- itself stays raw.
local raw_pairs, raw_next, getmt, rawget, rawlen = pairs, next, debug.getmetatable, rawget, rawlen
local sort = table.sort
-- Sorted as ranked (integers, then strings, then false before true, then the rest as found),
-- each kind with Lua's own `<` and no comparator: a comparator is a Lua call per comparison,
-- and sorting the keys was most of what a pairs() over a table of names cost.
local function sorted_keys(t)
  local numbers, strings, rest = {}, {}, {}
  local has_false, has_true = false, false
  for k in raw_next, t do
    local kind = type(k)
    if kind == "number" then numbers[#numbers + 1] = k
    elseif kind == "string" then strings[#strings + 1] = k
    elseif k == false then has_false = true
    elseif k == true then has_true = true
    else rest[#rest + 1] = k end
  end
  sort(numbers)
  sort(strings)
  local n = #numbers
  for i = 1, #strings do numbers[n + i] = strings[i] end
  if has_false then numbers[#numbers + 1] = false end
  if has_true then numbers[#numbers + 1] = true end
  n = #numbers
  for i = 1, #rest do numbers[n + i] = rest[i] end
  return numbers
end
local key_order = setmetatable({}, {__mode = "k"})
local function remember_order(t, keys) key_order[t] = keys end
local function known_keys(t, recorded)
  local keys, seen, extra, more = {}, {}, {}, false
  for i = 1, #recorded do
    local k = recorded[i]
    if rawget(t, k) ~= nil then keys[#keys + 1] = k; seen[k] = true end
  end
  for k in raw_next, t do
    if not seen[k] then extra[k] = true; more = true end
  end
  if more then
    local later = sorted_keys(extra)
    for i = 1, #later do keys[#keys + 1] = later[i] end
  end
  return keys
end
local function by_keys(t, keys)
  local i = 0
  return function()
    while true do
      i = i + 1
      local k = keys[i]
      if k == nil then return nil end
      local v = rawget(t, k)
      if v ~= nil then return k, v end  -- a field set to nil while iterating is skipped
    end
  end
end
local function by_index(t, n)
  local i = 0
  return function()
    while i < n do
      i = i + 1
      local v = rawget(t, i)
      if v ~= nil then return i, v end
    end
  end
end
pairs = function(t)
  if type(t) ~= "table" then return raw_pairs(t) end
  local meta = getmt(t)
  if meta ~= nil and rawget(meta, "__pairs") ~= nil then return raw_pairs(t) end
  local recorded = key_order[t]
  if recorded ~= nil then return by_keys(t, known_keys(t, recorded)), t, nil end
  local n = rawlen(t)
  for k in raw_next, t do
    if type(k) ~= "number" or k < 1 or k > n or k % 1 ~= 0 then return by_keys(t, sorted_keys(t)), t, nil end
  end
  return by_index(t, n), t, nil
end

local is_host_error, host_error_message = hooks.is_host_error, hooks.host_error_message
local tostring, type, select, error = tostring, type, select, error
local function as_message(e)
  if type(e) == "userdata" and is_host_error(e) then return host_error_message(e) end
  return e
end
local raw_pcall, raw_xpcall, raw_load = pcall, xpcall, load
-- The limits (time, a quit signal): a count hook asks the host every
-- `hook_count` instructions whether the running chunk must stop. Once it
-- must, `aborting` holds the reason and no pcall of the level's can swallow
-- it: each re-raises it, so the chunk unwinds to the top.
local aborting = nil
local function limit_hook()
  local stop = check()
  if stop ~= nil then
    aborting = stop
    error(stop, 0)
  end
end
local function fix(ok, ...)
  if aborting ~= nil then error(aborting, 0) end
  if ok then return ok, ... end
  return ok, as_message((...))
end
pcall = function(f, ...) return fix(raw_pcall(f, ...)) end
xpcall = function(f, handler, ...)
  return fix(raw_xpcall(f, function(e) return handler(as_message(e)) end, ...))
end
-- Text chunks only: binary chunks can break out of any Lua sandbox.
load = function(chunk, name, mode, env)
  if env == nil then return raw_load(chunk, name, "t") end
  return raw_load(chunk, name, "t", env)
end

local loaded = {}
local function require(name)
  if type(name) ~= "string" then error("bad argument #1 to 'require' (string expected)", 2) end
  local cached = loaded[name]
  if cached ~= nil then return cached end
  local source, chunkname = finder(name)
  if source == nil then error("module " .. name .. " not found", 2) end
  local chunk, err = raw_load(source, chunkname, "t")
  if not chunk then error(err, 0) end
  local result = chunk(name)
  if result == nil then result = true end
  loaded[name] = result
  return result
end
_G.require = require

-- Host functions set as globals go through this: (status, result or message).
local function protect(fn)
  return function(...)
    local status, result = fn(...)
    if status == 1 then return result end
    error(result, 0)
  end
end

-- Only a failure's message comes back, never a chunk's results: a result that
-- is not valid UTF-8 could not even be handed to Python.
local function message_of(e)
  e = as_message(e)
  if type(e) == "string" then return e end
  return tostring(e)
end
local function outcome(ok, e)
  local stopped = aborting
  aborting = nil
  if stopped ~= nil then return false, stopped end
  if ok then return true end
  return false, e
end
local function run(code, chunkname)
  aborting = nil
  local chunk, err = raw_load(code, chunkname, "t")
  if not chunk then return false, err end
  return outcome(raw_xpcall(chunk, message_of))
end
local function invoke(f, ...)
  aborting = nil
  return outcome(raw_xpcall(f, message_of, ...))
end

string.dump = nil
for _, name in ipairs(removed) do _G[name] = nil end
-- Installed from here, before `debug` is cut down: the level never sees
-- sethook, so it can neither remove the hook nor install its own.
if hook_count > 0 then debug.sethook(limit_hook, "", hook_count) end
debug = { traceback = debug.traceback, getinfo = debug.getinfo }
return run, protect, compact, invoke, remember_order, forget, moved
"""


class LuaSandbox:
    """A sandboxed Lua 5.2 state with Factorio's globals slots.

    ``run`` executes a chunk and reports a Lua error as LuaRuntimeError with
    Lua's message, never a Python traceback.
    """

    def __init__(
        self, find_module: ModuleFinder, limits: LuaLimits | None = None, stop: StopRequest | None = None
    ) -> None:
        self.limits = limits if limits is not None else LuaLimits()
        self.stop_request = stop if stop is not None else StopRequest()
        self._depth = 0  # nesting of run/call: limits apply only while level code runs
        self._deadline: float | None = None
        self._timed_out: str | None = None
        memory = self.limits.memory_limit_mb * 2**20
        self.lua = lua52.LuaRuntime(
            unpack_returned_tuples=True,
            register_eval=False,
            register_builtins=False,
            attribute_handlers=(_index, _newindex),
            max_memory=memory or None,
        )
        self.globals = self.lua.globals()
        # Lua's allocator refuses only while level Lua runs; see _host_call.
        self._memory_limit = memory
        self._enforcing = True  # lupa starts with the limit set
        self._lift_memory_limit()
        hooks = self.table_from(
            {
                "index": self._host_call(_hook_index),
                "newindex": self._host_call(_hook_newindex),
                "call": self._host_call(_hook_call),
                "pairs": self._host_call(self._pairs),
                "len": self._host_call(_hook_len),
                "equals": lambda a, b: isinstance(a, LuaExposed) and a.lua_equals(b),
                "is_host_error": lambda e: isinstance(e, BaseException),
                "host_error_message": _host_error_message,
            }
        )

        def finder(name: str) -> tuple[str | None, str | None]:
            found = find_module(name)
            return found if found is not None else (None, None)

        self._read_position, self._read_area = self.lua.execute(_SHAPE_READERS)
        setup = self.lua.execute("return function(...) " + _SETUP + " end")
        # Compiled now, while the base functions are still the real ones.
        self.walker = compile_walker(self.lua)
        self._sample = LuaExposed()  # whose metatable all host objects share; kept alive
        # Installed even with no time limit: it is also how a signal stops Lua.
        hook_count = HOOK_EVERY
        (
            self._run,
            self._protect,
            self._compact,
            self._invoke,
            self.remember_order,
            self._forget,
            self._moved,
        ) = setup(self._sample, hooks, finder, self.table_from(list(REMOVED_GLOBALS)), self._check, hook_count)
        self._collect = self.lua.eval("function() collectgarbage('collect') end")

    def moved(self, obj: LuaExposed) -> None:
        """``obj``'s position changed: Lua reads it from the host again."""
        self._moved(obj)

    def forget(self, obj: LuaExposed) -> None:
        """Drop what Lua kept of ``obj`` (its methods, its fixed members): it has become invalid."""
        self._forget(obj)

    def compact(self, min_growth: int = 0) -> bool:
        """Free host objects Lua no longer reaches, if ``min_growth`` more were handed to Lua since last time.

        Call only between commands. True when it collected.
        """
        return bool(self._compact(min_growth))

    def host_function(self, function: Callable[..., Any]) -> Any:
        """``function`` as a Lua function whose failures are ordinary Lua errors."""
        return self._protect(self._host_call(guarded(function)))

    # --- the memory limit -------------------------------------------------
    # lupa builds tables and sets their fields with unprotected Lua API calls:
    # were the allocator to refuse inside one (Python building an event table,
    # an API result, a decoded storage), Lua would panic and abort the whole
    # process. So the limit is in force only while level Lua code runs; host
    # code runs with it lifted, and what host code built is measured against
    # the limit when it hands back to Lua (``_host_call``) or, for long
    # builds, every few entries (``check_memory``).

    def _lift_memory_limit(self) -> bool:
        was, self._enforcing = self._enforcing, False
        if self._memory_limit and was:
            self.lua.set_max_memory(UNLIMITED_MEMORY)
        return was

    def _enforce_memory_limit(self) -> bool:
        was, self._enforcing = self._enforcing, True
        if self._memory_limit and not was:
            self.lua.set_max_memory(self._memory_limit)
        return was

    def _restore_memory_limit(self, enforced: bool) -> None:
        if enforced:
            self._enforce_memory_limit()
        else:
            self._lift_memory_limit()

    def over_memory_limit(self) -> bool:
        """Whether the state holds more than ``--lua-memory-limit`` allows."""
        return bool(self._memory_limit) and self.lua.get_memory_used() > self._memory_limit

    def memory_left(self) -> int | None:
        """What the state may still allocate under ``--lua-memory-limit`` (None: no limit)."""
        if not self._memory_limit:
            return None
        return max(0, self._memory_limit - self.lua.get_memory_used())

    def check_memory(self) -> None:
        """Raise LuaOutOfMemory once host code has built more than the limit allows (long builds call this)."""
        if self.over_memory_limit():
            raise LuaOutOfMemory(messages.LUA_NOT_ENOUGH_MEMORY)

    def fit_memory_limit(self) -> None:
        """Collect garbage if over the limit; raise LuaOutOfMemory if that is not enough."""
        if self.over_memory_limit():
            self._collect()
            self.check_memory()

    @contextmanager
    def host_memory(self, size: int) -> Iterator[None]:
        """Level code in this block may use ``size`` more bytes: what the host keeps in the state meanwhile is not the level's.

        For host data that must live while level code runs (the on_load
        guard's record of storage): counted against the limit, it would make a
        level fail for memory the game itself would not have used.
        """
        if not self._memory_limit or size <= 0:
            yield
            return
        self._memory_limit += size
        try:
            yield
        finally:
            self._memory_limit -= size
            if self._enforcing:
                self.lua.set_max_memory(self._memory_limit)

    def check_host_work(self) -> None:
        """For long host-side builds: stop at the memory limit, the time limit or a stop request, as Lua would."""
        self.check_memory()
        reason = self._check()
        if reason is not None:
            raise LuaRuntimeError(reason)

    def _host_call(self, hook: Callable[..., tuple[Any, ...]]) -> Callable[..., tuple[Any, ...]]:
        """``hook`` (a status-returning host hook) run with the memory limit lifted and checked after."""

        lua = self.lua

        def call(*args: Any) -> tuple[Any, ...]:
            # _lift_memory_limit and _restore_memory_limit written out: this runs on every read and
            # call Lua makes of the API, a few microseconds each.
            limit = self._memory_limit
            if not (limit and self._enforcing):
                return hook(*args)
            self._enforcing = False
            lua.set_max_memory(UNLIMITED_MEMORY)
            try:
                result = hook(*args)
                if lua.get_memory_used() > self._memory_limit:
                    result = (FAILED, messages.LUA_NOT_ENOUGH_MEMORY)  # what it built goes with the reply
                return result
            finally:
                self._enforcing = True
                lua.set_max_memory(self._memory_limit)

        return call

    def _pairs(self, obj: Any) -> tuple[int, Any, Any]:
        keys, values = [], []
        if not isinstance(obj, LuaExposed):
            return FAILED, "attempt to iterate a host object", None
        try:
            for key, value in obj.lua_pairs():
                keys.append(key)
                values.append(value)
        except Exception as error:
            return (*_failure(error), None)
        status = CONSTANT if getattr(obj, "lua_pairs_constant", False) else VALUE
        return status, self.table_from(keys), self.table_from(values)

    def run(self, code: str, chunkname: str) -> None:
        """Run ``code``; ``chunkname`` is what Lua names it in error messages."""
        self._limited(lambda: self._run(code, chunkname))

    def call(self, function: Any, *args: Any) -> None:
        """Call a Lua function (a handler) under protection; its results are dropped."""
        self._limited(lambda: self._invoke(function, *args))

    @property
    def stopped(self) -> bool:
        """True once a stop was requested: no more level code runs."""
        return self.stop_request.reason is not None

    def _limited(self, protected_call: Callable[[], Any]) -> None:
        """Run level code under the time limit, the stop request and the memory limit.

        The deadline is the outermost call's: Lua a host function calls back
        into (``helpers``, serpent) counts against the command that called it.
        """
        if self.stop_request.reason is not None:
            raise LuaStopped(self.stop_request.reason)
        outer = self._depth == 0
        if outer:
            limit = self.limits.time_limit
            self._deadline = time.monotonic() + limit if limit > 0 else None
            self._timed_out = None
        self._depth += 1
        enforced = self._enforce_memory_limit()
        try:
            if self.over_memory_limit():  # host code (a load, an event table) left more than the limit
                self._collect()
                if self.over_memory_limit():
                    raise LuaRuntimeError(messages.LUA_NOT_ENOUGH_MEMORY)
            _raise_failure(protected_call)
        except LuaRuntimeError as error:
            if error.message == messages.LUA_NOT_ENOUGH_MEMORY:
                self._collect()  # give the memory back before anything else runs
            if outer and self.stop_request.reason is not None and error.message == self.stop_request.reason:
                raise LuaStopped(error.message) from None
            if outer and self._timed_out is not None and error.message == self._timed_out:
                raise LuaTimeLimitError(error.message) from None
            raise
        finally:
            self._restore_memory_limit(enforced)
            self._depth -= 1
            if outer:
                self._deadline = None
                self._timed_out = None

    def _check(self) -> str | None:
        """The count hook's question: must the running level code stop, and why?

        Calling into Python here also lets Python run a signal handler that
        arrived while Lua held the thread (Python runs them between bytecodes).
        """
        if self._depth == 0:
            return None  # the emulator's own Lua (walks for saves) is not limited
        if self.stop_request.reason is not None:
            return self.stop_request.reason
        if self._timed_out is None and self._deadline is not None and time.monotonic() > self._deadline:
            # Real Factorio has no such limit: it would run this Lua forever
            # and hang. The embedded server stops it so a harness never waits
            # on a process that can only be killed.
            self._timed_out = messages.LUA_TIME_LIMIT.format(seconds=_seconds(self.limits.time_limit))
        return self._timed_out

    def position_of(self, value: Any) -> tuple[float, float] | None:
        """A MapPosition table (``{x=, y=}`` or ``{1, 2}``) as numbers, or None if it is not one (the caller
        then reads it the slow way, for the error). One call into Lua instead of up to five lookups from here."""
        found = self._read_position(value)
        if found is None or not _numbers(found):
            return None
        return float(found[0]), float(found[1])

    def area_of(self, value: Any) -> tuple[tuple[float, float], tuple[float, float]] | None:
        """A BoundingBox table (``{{x1, y1}, {x2, y2}}`` or ``{left_top=, right_bottom=}``) as numbers, or None
        if it is not one: one call into Lua instead of up to ten lookups from here."""
        found = self._read_area(value)
        if found is None or not _numbers(found):
            return None
        return (float(found[0]), float(found[1])), (float(found[2]), float(found[3]))

    def table_from(self, value: Any) -> Any:
        """A Lua table from a Python list (1-based) or dict, recursively (nested dicts, lists and tuples).

        lupa builds it in one call: twice as fast as setting item by item, and
        prototype reads (FLE's score walks every recipe) build many.
        """
        return self.lua.table_from(value, recursive=True)

    def table(self, *items: Any, **fields: Any) -> Any:
        return self.lua.table(*items, **fields)


class LuaTimeLimitError(LuaRuntimeError):
    """Level code ran past ``--lua-time-limit`` and the embedded server stopped it."""


class LuaOutOfMemory(LuaRuntimeError, MemoryError):
    """Host code built more Lua data than ``--lua-memory-limit`` allows (Lua's "not enough memory")."""


class LuaStopped(LuaRuntimeError):
    """Level code was stopped because the server is quitting (a signal)."""


def _seconds(value: float) -> str:
    return f"{value:g}"


def _raise_failure(protected_call: Callable[[], Any]) -> None:
    """Raise LuaRuntimeError for a failed protected call, whatever bytes its message holds.

    lupa decodes Lua strings as UTF-8; a message that is not (``error("\\255")``)
    is decoded here with replacement characters instead of escaping as a
    UnicodeDecodeError that would wedge the level.
    """
    try:
        result = protected_call()
    except UnicodeDecodeError as error:
        raise LuaRuntimeError(bytes(error.object).decode("utf-8", "replace")) from None
    except lua52.LuaMemoryError:
        # The allocator refused outside any Lua pcall (lupa converting a value).
        raise LuaRuntimeError(messages.LUA_NOT_ENOUGH_MEMORY) from None
    if isinstance(result, tuple) and not result[0]:
        raise LuaRuntimeError(str(result[1]))


def every(check: Callable[[], None] | None, n: int = HOST_CHECK_EVERY) -> Callable[[], None]:
    """A function that calls ``check`` once every ``n`` calls (a no-op without ``check``)."""
    if check is None:
        return lambda: None
    count = 0

    def tick() -> None:
        nonlocal count
        count += 1
        if count % n == 0:
            check()

    return tick


def lua_type(value: Any) -> str | None:
    return lua52.lua_type(value)
