"""Factorio 2.0's `helpers.table_to_json` and `helpers.json_to_table`.

The lua_api layer checks arguments and words Lua errors; these functions do
the conversion. Factorio's rules, as far as they are known:

* compact output, no spaces;
* an empty table is ``{}``; a table whose keys are exactly 1..n is an array;
  any other table is an object whose keys are written as strings;
* integral doubles print without a fraction (``26``);
* `json_to_table` returns nil for text that is not JSON.

Choices where Factorio's behaviour is not confirmed (each awaits a check
against a real server):

* object keys are written in sorted order (numbers by value, then strings by
  bytes, then booleans). Factorio iterates in its own (insertion) order, which
  plain Lua tables do not keep; sorting at least makes the output stable.
* non-integral numbers use the shortest text that reads back as the same
  double (``0.1``, not ``0.10000000000000001``).
* number keys are stringified as numbers print (``"1"``, ``"1.5"``); a table
  with both ``1`` and ``"1"`` as keys therefore writes the key twice.
* a string that is not valid UTF-8 is written with U+FFFD for the bad bytes.
* infinities, NaN, functions, threads, userdata, tables used as keys and
  cyclic tables cannot be written: JsonError, which lua_api raises as a Lua
  error.
* JSON ``null`` reads as nil: at the top level `json_to_table` returns nil; in
  an array the slot stays empty but later elements keep their index
  (``[1,null,3]`` gives ``{[1]=1, [3]=3}``); in an object the key is absent.
  Object keys stay strings (``{"1":2}`` gives ``{["1"]=2}``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from fle_testkit.emulator import messages
from fle_testkit.emulator.errors import EmulatorError
from fle_testkit.emulator.lua.runtime import every
from fle_testkit.emulator.lua.walk import (
    Snapshot,
    TableRef,
    Unserialisable,
    key_order,
    lua_number,
    snapshot,
)

__all__ = ["JsonError", "json_to_table", "table_to_json"]


class JsonError(EmulatorError):
    """A Lua value that has no JSON form."""


# --- table_to_json --------------------------------------------------------------


def table_to_json(runtime: Any, value: Any, walker: Any = None, memory_left: int | None = None) -> str:
    """JSON text for `value` (a Lua value of `runtime`), as Factorio writes it.

    The text is built in Python, outside Lua's allocator, and then handed to
    Lua as a string: text longer than ``memory_left`` (what the Lua state may
    still allocate; None: no limit) could never arrive, so the build stops
    there with Lua's "not enough memory". Without this bound, a table that
    holds the same table twice, 40 levels deep, is a few KB of Lua and 2^40
    entries of JSON.
    """
    snap = snapshot(runtime, value, walker=walker)
    if isinstance(snap, Unserialisable):
        what = "a key" if snap.is_key else "a value"
        raise JsonError(messages.JSON_CANNOT_CONVERT_TYPE.format(what=what, lua_type=snap.lua_type))
    out = _Output(memory_left)
    try:
        _write(snap, snap.root, out, set())
    except RecursionError as exc:
        raise JsonError(messages.JSON_NESTED_TOO_DEEPLY) from exc
    return "".join(out)


class _Output(list[str]):
    """The JSON pieces, refusing to grow past ``budget`` characters (Lua's "not enough memory")."""

    def __init__(self, budget: int | None) -> None:
        super().__init__()
        self._left = budget

    def append(self, piece: str) -> None:
        if self._left is not None:
            self._left -= len(piece)
            if self._left < 0:
                raise JsonError(messages.LUA_NOT_ENOUGH_MEMORY)
        super().append(piece)


def _write(snap: Snapshot, value: Any, out: list[str], open_tables: set[int]) -> None:
    if isinstance(value, bool):
        out.append("true" if value else "false")
    elif isinstance(value, float):
        out.append(_json_number(value))
    elif isinstance(value, bytes):
        out.append(_json_string(value))
    else:
        _write_table(snap, value, out, open_tables)


def _write_table(snap: Snapshot, ref: TableRef, out: list[str], open_tables: set[int]) -> None:
    if ref.index in open_tables:
        raise JsonError(messages.JSON_TABLE_CONTAINS_ITSELF)
    entries = snap.tables[ref.index]
    if not entries:
        out.append("{}")
        return
    open_tables.add(ref.index)
    as_array = _array_order(entries)
    if as_array is not None:
        out.append("[")
        for i, item in enumerate(as_array):
            if i:
                out.append(",")
            _write(snap, item, out, open_tables)
        out.append("]")
    else:
        out.append("{")
        for i, (key, item) in enumerate(sorted(entries, key=lambda kv: key_order(kv[0]))):
            if i:
                out.append(",")
            out.append(_json_key(key))
            out.append(":")
            _write(snap, item, out, open_tables)
        out.append("}")
    open_tables.discard(ref.index)


def _array_order(entries: list[tuple[Any, Any]]) -> list[Any] | None:
    """The values in index order when the keys are exactly 1..n, else None."""
    n = len(entries)
    slots: list[Any] = [None] * n
    for key, item in entries:
        if isinstance(key, bool) or not isinstance(key, float):
            return None
        if not key.is_integer() or not 1 <= key <= n:
            return None
        slots[int(key) - 1] = item  # keys are distinct, so 1..n are all filled
    return slots


def _json_key(key: Any) -> str:
    if isinstance(key, bool):
        return '"true"' if key else '"false"'
    if isinstance(key, float):
        return '"' + _json_number(key) + '"'
    if isinstance(key, bytes):
        return _json_string(key)
    raise JsonError(messages.JSON_TABLE_AS_KEY)


def _json_number(x: float) -> str:
    if not math.isfinite(x):
        raise JsonError(messages.JSON_NUMBER.format(number=lua_number(x)))
    if x.is_integer() and abs(x) < 1e16:
        return str(int(x))
    return repr(x)  # from 1e16 on Python writes integral doubles as 1e+16, not 1e16.0


def _json_string(raw: bytes) -> str:
    return json.dumps(raw.decode("utf-8", "replace"), ensure_ascii=False)


# --- json_to_table --------------------------------------------------------------


def json_to_table(
    runtime: Any,
    text: str | bytes,
    check: Callable[[], None] | None = None,
    keep_order: Callable[[Any, Any], None] | None = None,
) -> Any:
    """The Lua value (of `runtime`) that JSON `text` describes, or None.

    None (nil in Lua) for text that is not JSON and for a top-level ``null``.
    Tables come back as new Lua tables, strings as bytes (which lupa hands to
    Lua unchanged whatever the runtime's encoding), numbers as floats.
    ``check`` is called every few entries of a long build and may raise (the
    memory or time limit): the text is bounded by Lua's memory, the tables it
    expands to are not. ``keep_order(table, keys)``, where given, is told each
    object's keys in document order (Factorio iterates them in that order).
    """
    try:
        if isinstance(text, (bytes, bytearray)):
            text = bytes(text).decode("utf-8")
        if not isinstance(text, str):
            return None
        parsed = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_Object)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None
    try:
        return _to_lua(runtime, parsed, every(check), keep_order)
    except RecursionError:
        return None


class _Object(list):
    """A JSON object's (key, value) pairs in document order."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _to_lua(runtime: Any, value: Any, tick: Callable[[], None], keep_order: Callable[[Any, Any], None] | None) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    table = runtime.table()
    if isinstance(value, _Object):
        order: dict[bytes, None] = {}  # a repeated key keeps its first place, the last value wins
        for key, item in value:
            tick()
            converted = _to_lua(runtime, item, tick, keep_order)
            name = key.encode("utf-8", "surrogatepass")
            table[name] = converted
            order[name] = None
        if keep_order is not None and len(order) > 1:
            keep_order(table, runtime.table_from(list(order)))
    else:
        for index, item in enumerate(value, start=1):
            tick()
            if item is not None:
                table[float(index)] = _to_lua(runtime, item, tick, keep_order)
    return table
