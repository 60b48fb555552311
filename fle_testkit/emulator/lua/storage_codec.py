"""The `storage` table as bytes, for a save's `script.dat`, and back.

Factorio persists each script's `storage` table in the save and restores it
on load, keeping what Lua can tell apart: nested tables, tables reached along
several paths (shared, even cyclic, references stay one table), `1` apart from
`"1"`, float keys, strings as arbitrary bytes, and every double including
infinities, NaN values and -0. Functions are refused with an error, and so
(until the emulator can name API objects in a save) are threads and userdata.

A table is saved as what it holds (read raw: its ``__index`` and ``__pairs``
are never called). Its metatable is not saved; as in Factorio (auxiliary docs,
"Storage"), one registered with ``script.register_metatable`` is recorded by
its name and relinked on load, and any other is dropped: the table loads plain.

The document is our own, not Factorio's binary format: UTF-8 JSON,

    {"format": "fle-testkit/storage", "version": 2,
     "root": VALUE, "tables": [[[KEY, VALUE], ...], ...],
     "metatables": [[INDEX, NAME], ...]}

where a KEY or VALUE is a JSON string (a Lua string that is valid UTF-8),
``{"bytes": BASE64}`` (any other Lua string), a JSON number (a finite double;
integral ones are written without a fraction and read back as doubles),
``{"number": "inf" | "-inf" | "nan"}``, ``true``/``false``, or
``{"table": INDEX}`` (an index into ``tables``). ``metatables`` lists, by
ascending INDEX, the tables with a registered metatable and its NAME (a
string as above). Tables are numbered by a breadth-first walk in sorted key
order, so one storage always gives the same bytes. Version 1 (no
``metatables``) is still read.

The walk over the live table is ``walk.py``'s. Decoding builds the tables from
Python and hands lupa bytes objects, which reach Lua unchanged whatever the
runtime's encoding; metatables are attached last, once every table is filled.
"""

from __future__ import annotations

import base64
import json
import math
from collections import deque
from collections.abc import Callable
from typing import Any

from fle_testkit.emulator import messages
from fle_testkit.emulator.errors import EmulatorError
from fle_testkit.emulator.lua.runtime import every
from fle_testkit.emulator.lua.walk import (
    LuaValue,
    ObjectRef,
    ObjectReferencer,
    ObjectResolver,
    Snapshot,
    TableRef,
    Unserialisable,
    key_order,
    lua_path,
    snapshot,
)

__all__ = [
    "FORMAT",
    "VERSION",
    "StorageError",
    "decode_storage",
    "encode_storage",
]

FORMAT = "fle-testkit/storage"
VERSION = 2
READABLE_VERSIONS = (1, 2)

MetatableRestorer = Callable[[Any, bytes], None]
"""Gives a loaded table the metatable registered under a name, or raises when none is."""

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


# --- encoding -------------------------------------------------------------------


def encode_storage(
    runtime: Any,
    storage: Any,
    object_ref: ObjectReferencer | None = None,
    walker: Any = None,
    metatable_names: Any = None,
) -> bytes:
    """The bytes for `script.dat` holding `storage` (a Lua table of `runtime`).

    API objects are saved by the reference ``object_ref`` gives them, as
    Factorio keeps a LuaEntity in storage across a save. A table whose
    metatable ``metatable_names`` (a Lua table: metatable -> name) names is
    saved with that name. Raises StorageError naming the path and type of the
    first function, thread or other userdata found in `storage` (as key or
    value).
    """
    snap = snapshot(runtime, storage, object_ref, walker, metatable_names)
    if isinstance(snap, Unserialisable):
        raise _unserialisable_error(snap)
    order, tables = _canonical_order(snap)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "root": _encode_value(snap.root, order),
        "tables": [[[_encode_value(k, order), _encode_value(v, order)] for k, v in entries] for entries in tables],
        "metatables": [
            [index, _encode_value(name, order)]
            for index, name in sorted((order[old], name) for old, name in snap.metatables.items())
        ],
    }
    text = json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.encode("utf-8")


def _unserialisable_error(bad: Unserialisable) -> StorageError:
    path = lua_path("storage", bad.path)
    headline = messages.CANNOT_SERIALISE.format(plural=_PLURALS.get(bad.lua_type, bad.lua_type))
    template = messages.CANNOT_SERIALISE_KEY if bad.is_key else messages.CANNOT_SERIALISE_VALUE
    return StorageError(
        template.format(headline=headline, path=path, lua_type=bad.lua_type), path=path, lua_type=bad.lua_type
    )


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
        entries = sorted(snap.tables[queue.popleft()], key=lambda kv: key_order(kv[0]))
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


def decode_storage(
    runtime: Any,
    data: bytes,
    resolve: ObjectResolver | None = None,
    check: Callable[[], None] | None = None,
    restore_metatable: MetatableRestorer | None = None,
) -> Any:
    """The `storage` table (a new Lua value of `runtime`) that `data` holds.

    ``resolve`` turns saved API-object references back into objects;
    ``restore_metatable`` relinks each table saved with a metatable name, once
    all tables are filled (what it raises for an unknown name goes through).
    Raises StorageError, saying what is wrong, for anything that is not a
    document `encode_storage` wrote. ``check`` is called every few entries and
    may raise (a storage that does not fit the Lua memory limit).
    """
    document = _load_document(data)
    raw_tables = document["tables"]
    tick = every(check)
    tables = []
    for _ in raw_tables:
        tick()
        tables.append(runtime.table())
    for index, entries in enumerate(raw_tables):
        where = f"tables[{index}]"
        if not isinstance(entries, list):
            raise _corrupt(f"{where} is not a list")
        table = tables[index]
        seen_keys: set = set()
        for position, entry in enumerate(entries):
            tick()
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
    root = _decode_value(document["root"], tables, "root", resolve)
    _restore_metatables(document.get("metatables", []), tables, restore_metatable)
    return root


def _restore_metatables(links: Any, tables: list, restore: MetatableRestorer | None) -> None:
    """Relink saved metatable names, after every table is filled (so no ``__newindex`` runs while loading)."""
    if not isinstance(links, list):
        raise _corrupt('"metatables" is not a list')
    named = []
    previous = -1
    for position, link in enumerate(links):
        where = f"metatables[{position}]"
        if not (isinstance(link, list) and len(link) == 2):
            raise _corrupt(f"{where} is not an [index, name] pair")
        index, raw_name = link
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(tables):
            raise _corrupt(f"{where} refers to table {index!r}, but there are {len(tables)}")
        if index <= previous:
            raise _corrupt(f"{where} is out of order or repeats table {index}")
        previous = index
        name = _decode_value(raw_name, tables, f"{where} name")
        if not isinstance(name, bytes):
            raise _corrupt(f"{where} has a name that is not a string")
        named.append((tables[index], name))
    if not named:
        return
    if restore is None:
        raise _corrupt(f"it names the metatable {named[0][1]!r} and nothing can restore it")
    for table, name in named:
        restore(table, name)


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
        raise _corrupt(f'it has no "format": {FORMAT!r} marker (a real Factorio script.dat is binary)')
    version = document.get("version")
    if isinstance(version, bool) or version not in READABLE_VERSIONS:
        raise _corrupt(f"its version is {version!r}; this emulator reads versions {READABLE_VERSIONS}")
    if "root" not in document or not isinstance(document.get("tables"), list):
        raise _corrupt('it lacks "root" or a "tables" list')
    if version == 1 and "metatables" in document:
        raise _corrupt('a version 1 document has no "metatables"')
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
