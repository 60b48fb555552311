"""The `storage` table as bytes, for a save's `script.dat`, and back.

Factorio persists each script's `storage` table in the save and restores it
on load, keeping what Lua can tell apart: nested tables, tables reached along
several paths (shared, even cyclic, references stay one table), `1` apart from
`"1"`, float keys, strings as arbitrary bytes, and every double including
infinities, NaN values and -0. Functions are refused with an error, and so
(until the emulator can name API objects in a save) are threads and userdata.
Metatables are not saved (Factorio keeps only those registered with
`script.register_metatable`, which is the lua_api layer's concern).

The document is our own, not Factorio's binary format: UTF-8 JSON,

    {"format": "fle-testkit/storage", "version": 1,
     "root": VALUE, "tables": [[[KEY, VALUE], ...], ...]}

where a KEY or VALUE is a JSON string (a Lua string that is valid UTF-8),
``{"bytes": BASE64}`` (any other Lua string), a JSON number (a finite double;
integral ones are written without a fraction and read back as doubles),
``{"number": "inf" | "-inf" | "nan"}``, ``true``/``false``, or
``{"table": INDEX}`` (an index into ``tables``). Tables are numbered by a
breadth-first walk in sorted key order, so one storage always gives the same
bytes.

The walk over the live table runs inside Lua, because lupa cannot hand Python
a Lua string that is not valid UTF-8 when the runtime decodes strings (its
default), nor a -0 (it turns integral doubles into ints), and reports a fresh
coroutine as a function. Lua renders every value as ASCII text; Python parses
that and writes the document. Decoding builds the tables from Python and hands
lupa bytes objects, which reach Lua unchanged whatever the runtime's encoding.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import unquote_to_bytes

from fle_testkit.emulator import messages
from fle_testkit.emulator.errors import EmulatorError


__all__ = [
    "FORMAT",
    "VERSION",
    "StorageError",
    "decode_storage",
    "encode_storage",
]

FORMAT = "fle-testkit/storage"
VERSION = 1

_PLURALS = {"function": "functions", "thread": "threads", "userdata": "userdata"}


class StorageError(EmulatorError):
    """`storage` cannot be saved, or a saved document cannot be read.

    For a value that cannot be saved, ``path`` names where it sits (as Lua
    would write it, from ``storage``) and ``lua_type`` its type.
    """

    def __init__(self, message: str, *, path: str | None = None, lua_type: str | None = None):
        super().__init__(message)
        self.path = path
        self.lua_type = lua_type


# --- reading a live Lua value -------------------------------------------------

# Compiled per call: lupa runtimes cannot be weakly referenced, so there is no
# safe per-runtime cache, and compiling this is cheap next to writing a save.
# It captures the base functions when it is compiled.
#
# Returns true, TEXT or false, TYPE, WHERE ("value" | "key"), PATH where TEXT is
# the root token on the first line and then one line per table (table N on
# line N+1), each a tab-separated list KEY, VALUE, KEY, VALUE, ...; PATH is the
# tab-separated key tokens from the root to the bad value (or to the table
# holding the bad key). Tokens: s<percent-escaped bytes>, n<%.17g>, T, F,
# t<table number>. Everything is ASCII.
_SNAPSHOT_LUA = r"""
local next, type, format, gsub, char, concat = next, type, string.format, string.gsub, string.char, table.concat
local escape = {}
for byte = 0, 255 do escape[char(byte)] = format("%%%02X", byte) end
return function(root, object_ref)
  local id_of, tables, parent, via = {}, {}, {}, {}
  local function token(v, owner, key_token)
    local tv = type(v)
    if tv == "string" then return "s" .. gsub(v, "[%%%c\128-\255]", escape) end
    if tv == "number" then return "n" .. format("%.17g", v) end
    if tv == "boolean" then return v and "T" or "F" end
    if tv == "table" then
      local id = id_of[v]
      if not id then
        id = #tables + 1
        id_of[v], tables[id], parent[id], via[id] = id, v, owner, key_token
      end
      return "t" .. id
    end
    if tv == "userdata" and object_ref then
      local ref = object_ref(v)
      if ref then return "o" .. gsub(ref, "[%%%c\128-\255\t]", escape) end
    end
    return nil, tv
  end
  local function path_to(id, last)
    local reversed = {last}
    while id and parent[id] do
      reversed[#reversed + 1] = via[id]
      id = parent[id]
    end
    local path = {}
    for i = #reversed, 1, -1 do path[#path + 1] = reversed[i] end
    return concat(path, "\t")
  end
  local root_token, bad = token(root, nil, nil)
  if not root_token then return false, bad, "value", "" end
  local lines = {root_token}
  local i = 1
  while tables[i] do
    local t, parts = tables[i], {}
    local k, v = next(t)
    while k ~= nil do
      local kt, bad_key = token(k, i, "?")
      if not kt then return false, bad_key, "key", path_to(i, nil) end
      local vt, bad_value = token(v, i, kt)
      if not vt then return false, bad_value, "value", path_to(i, kt) end
      parts[#parts + 1] = kt
      parts[#parts + 1] = vt
      k, v = next(t, k)
    end
    lines[i + 1] = concat(parts, "\t")
    i = i + 1
  end
  return true, concat(lines, "\n")
end
"""


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """An API object (a LuaEntity, say) in storage, by the reference its hook gave."""

    ref: str


@dataclass(frozen=True, slots=True)
class TableRef:
    """A table in a `Snapshot`, by its index in ``Snapshot.tables``."""

    index: int


# A Lua value as Python sees it here: bytes (string), float (number),
# bool (boolean), TableRef (table) or ObjectRef (an API object).
LuaValue = bytes | float | bool | TableRef | ObjectRef

ObjectReferencer = Callable[[Any], "str | None"]
"""Gives a saveable reference for an API object, or None when it has none."""
ObjectResolver = Callable[[str], Any]
"""Turns a reference back into an API object of the loaded game."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A Lua value and every table reachable from it, as plain Python."""

    root: LuaValue
    tables: list[list[tuple[LuaValue, LuaValue]]]


@dataclass(frozen=True, slots=True)
class Unserialisable:
    """Where a snapshot stopped: a value of a type that has no plain form."""

    lua_type: str
    is_key: bool
    path: list[LuaValue]  # keys from the root; for a bad key, the path of its table


def compile_walker(runtime: Any) -> Any:
    """The walker, compiled once per state before any level code runs.

    It captures ``next``, ``type`` and the string functions when compiled, so a
    level that replaces them later cannot change how its storage is saved.
    """
    return runtime.execute(_SNAPSHOT_LUA)


def snapshot(
    runtime: Any, value: Any, object_ref: ObjectReferencer | None = None, walker: Any = None
) -> Snapshot | Unserialisable:
    """Read `value` (a Lua value of `runtime`) and all it reaches, exactly."""
    walk = walker if walker is not None else compile_walker(runtime)
    result = walk(value, object_ref)  # several Lua results always arrive as a tuple
    if result[0] is True:
        return _parse_snapshot(_ascii(result[1]))
    _, lua_type, where, path = result
    path_text = _ascii(path)
    tokens = [_parse_token(t) for t in path_text.split("\t")] if path_text else []
    return Unserialisable(lua_type=_ascii(lua_type), is_key=_ascii(where) == "key", path=tokens)


def _ascii(text: str | bytes) -> str:
    # A runtime made with encoding=None returns bytes; the default returns str.
    return text.decode("ascii") if isinstance(text, bytes) else text


def _parse_token(token: str) -> LuaValue:
    tag, body = token[:1], token[1:]
    if tag == "s":
        return unquote_to_bytes(body)
    if tag == "n":
        return float(body)  # accepts inf, -inf, nan, -nan as %.17g writes them
    if tag == "T":
        return True
    if tag == "F":
        return False
    if tag == "t":
        return TableRef(int(body) - 1)
    if tag == "o":
        return ObjectRef(unquote_to_bytes(body).decode("utf-8"))
    raise StorageError(f"cannot read the storage walk: unknown token {token!r}")


def _parse_snapshot(text: str) -> Snapshot:
    lines = text.split("\n")
    tables = []
    for line in lines[1:]:
        tokens = [_parse_token(t) for t in line.split("\t")] if line else []
        tables.append(list(zip(tokens[0::2], tokens[1::2])))
    return Snapshot(root=_parse_token(lines[0]), tables=tables)


# --- paths, as Lua would write them ---------------------------------------------

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_LUA_KEYWORDS = frozenset(
    "and break do else elseif end false for function goto if in local nil not or "
    "repeat return then true until while".split()
)


def lua_path(root_name: str, keys: list[LuaValue]) -> str:
    """`storage.players[3].callback` from the keys leading there."""
    parts = [root_name]
    for key in keys:
        if isinstance(key, bytes):
            text = key.decode("utf-8", "replace")
            if _IDENTIFIER.match(text) and text not in _LUA_KEYWORDS and text.isascii():
                parts.append("." + text)
            else:
                parts.append("[" + _lua_quote(key) + "]")
        elif isinstance(key, bool):
            parts.append("[true]" if key else "[false]")
        elif isinstance(key, float):
            parts.append("[" + lua_number(key) + "]")
        elif isinstance(key, ObjectRef):
            parts.append(f"[{key.ref}]")
        else:
            parts.append("[table]")
    return "".join(parts)


def lua_number(x: float) -> str:
    """A number the way Factorio's Lua prints it: integral doubles without `.0`."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x.is_integer() and abs(x) < 2**63:
        return str(int(x))
    return repr(x)


def _lua_quote(raw: bytes) -> str:
    out = ['"']
    for byte in raw:
        ch = chr(byte)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 32 <= byte < 127:
            out.append(ch)
        else:
            out.append(f"\\{byte}")
    out.append('"')
    return "".join(out)


# --- encoding -------------------------------------------------------------------


def encode_storage(
    runtime: Any, storage: Any, object_ref: ObjectReferencer | None = None, walker: Any = None
) -> bytes:
    """The bytes for `script.dat` holding `storage` (a Lua table of `runtime`).

    API objects are saved by the reference ``object_ref`` gives them, as
    Factorio keeps a LuaEntity in storage across a save. Raises StorageError
    naming the path and type of the first function, thread or other userdata
    found in `storage` (as key or value).
    """
    snap = snapshot(runtime, storage, object_ref, walker)
    if isinstance(snap, Unserialisable):
        raise _unserialisable_error(snap)
    order, tables = _canonical_order(snap)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "root": _encode_value(snap.root, order),
        "tables": [
            [[_encode_value(k, order), _encode_value(v, order)] for k, v in entries]
            for entries in tables
        ],
    }
    text = json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.encode("utf-8")


def _unserialisable_error(bad: Unserialisable) -> StorageError:
    path = lua_path("storage", bad.path)
    headline = messages.CANNOT_SERIALISE.format(plural=_PLURALS.get(bad.lua_type, bad.lua_type))
    if bad.is_key:
        detail = f"{path} has a key of type {bad.lua_type}"
    else:
        detail = f"{path} is a {bad.lua_type}"
    return StorageError(f"{headline}: {detail}", path=path, lua_type=bad.lua_type)


def _sort_key(key: LuaValue) -> tuple:
    if isinstance(key, bool):
        return (2, key)
    if isinstance(key, float):
        return (0, key)
    if isinstance(key, bytes):
        return (1, key)
    if isinstance(key, ObjectRef):
        return (4, key.ref)
    return (3, key.index)


def _canonical_order(snap: Snapshot) -> tuple[dict[int, int], list[list[tuple[LuaValue, LuaValue]]]]:
    """Renumber tables breadth-first from the root, entries in sorted key order.

    Returns old index -> new index and the tables in their new order.
    """
    order: dict[int, int] = {}
    queue: deque[int] = deque()
    result: list[list[tuple[LuaValue, LuaValue]]] = []

    def visit(value: LuaValue) -> None:
        if isinstance(value, TableRef) and value.index not in order:
            order[value.index] = len(order)
            queue.append(value.index)

    visit(snap.root)
    while queue:
        entries = sorted(snap.tables[queue.popleft()], key=lambda kv: _sort_key(kv[0]))
        for key, value in entries:
            visit(key)
            visit(value)
        result.append(entries)
    return order, result


def _encode_value(value: LuaValue, order: dict[int, int]) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53 and math.copysign(1.0, value) > 0:
            return int(value)  # shorter, and exact: 26 rather than 26.0 (-0.0 stays a float)
        if math.isfinite(value):
            return value
        return {"number": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return {"bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, ObjectRef):
        return {"object": value.ref}
    return {"table": order[value.index]}


# --- decoding -------------------------------------------------------------------


def decode_storage(runtime: Any, data: bytes, resolve: ObjectResolver | None = None) -> Any:
    """The `storage` table (a new Lua value of `runtime`) that `data` holds.

    ``resolve`` turns saved API-object references back into objects. Raises
    StorageError, saying what is wrong, for anything that is not a document
    `encode_storage` wrote.
    """
    document = _load_document(data)
    raw_tables = document["tables"]
    tables = [runtime.table() for _ in raw_tables]
    for index, entries in enumerate(raw_tables):
        where = f"tables[{index}]"
        if not isinstance(entries, list):
            raise _corrupt(f"{where} is not a list")
        table = tables[index]
        seen_keys: set = set()
        for position, entry in enumerate(entries):
            if not (isinstance(entry, list) and len(entry) == 2):
                raise _corrupt(f"{where}[{position}] is not a [key, value] pair")
            key = _decode_value(entry[0], tables, f"{where}[{position}] key", resolve)
            value = _decode_value(entry[1], tables, f"{where}[{position}] value", resolve)
            if isinstance(key, float) and math.isnan(key):
                raise _corrupt(f"{where}[{position}] has a NaN key")
            marker = _key_identity(key)
            if marker in seen_keys:
                raise _corrupt(f"{where}[{position}] repeats the key {entry[0]!r}")
            seen_keys.add(marker)
            table[key] = value
    return _decode_value(document["root"], tables, "root", resolve)


def _key_identity(key: Any) -> tuple:
    if isinstance(key, bool):
        return ("boolean", key)
    if isinstance(key, float):
        return ("number", key)  # 0.0 == -0.0, as for Lua keys
    if isinstance(key, bytes):
        return ("string", key)
    return ("table", id(key))


def _load_document(data: bytes) -> dict:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise StorageError(f"storage data must be bytes, not {type(data).__name__}")
    try:
        document = json.loads(bytes(data).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _corrupt(f"it is not UTF-8 JSON ({exc})") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise _corrupt(f"it has no \"format\": {FORMAT!r} marker (a real Factorio script.dat is binary)")
    version = document.get("version")
    if version != VERSION:
        raise _corrupt(f"its version is {version!r}; this emulator reads version {VERSION}")
    if "root" not in document or not isinstance(document.get("tables"), list):
        raise _corrupt('it lacks "root" or a "tables" list')
    return document


def _corrupt(reason: str) -> StorageError:
    return StorageError(f"Cannot read storage: the document is not a valid {FORMAT} document: {reason}")


_SPECIAL_NUMBERS = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}


def _decode_value(raw: Any, tables: list, where: str, resolve: ObjectResolver | None = None) -> Any:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)):
        try:
            return float(raw)
        except OverflowError as exc:
            raise _corrupt(f"{where} is a number beyond a double") from exc
    if isinstance(raw, str):
        try:
            return raw.encode("utf-8")
        except UnicodeEncodeError as exc:  # a lone surrogate written as \ud800
            raise _corrupt(f"{where} is not a valid string ({exc})") from exc
    if isinstance(raw, dict) and len(raw) == 1:
        ((tag, body),) = raw.items()
        if tag == "table" and isinstance(body, int) and not isinstance(body, bool):
            if 0 <= body < len(tables):
                return tables[body]
            raise _corrupt(f"{where} refers to table {body}, but there are {len(tables)}")
        if tag == "bytes" and isinstance(body, str):
            try:
                return base64.b64decode(body.encode("ascii"), validate=True)
            except (ValueError, UnicodeEncodeError) as exc:
                raise _corrupt(f"{where} has bad base64 ({exc})") from exc
        if tag == "number" and body in _SPECIAL_NUMBERS:
            return _SPECIAL_NUMBERS[body]
        if tag == "object" and isinstance(body, str):
            if resolve is None:
                raise _corrupt(f"{where} is an API object ({body}) and nothing can restore it")
            return resolve(body)
    raise _corrupt(f"{where} is not a storage value: {raw!r:.80}")
