"""storage_codec: `storage` survives a save exactly, or the save fails naming the culprit."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lupa import lua52

from fle_testkit.emulator.errors import EmulatorError
from fle_testkit.emulator.lua.storage_codec import (
    FORMAT,
    VERSION,
    StorageError,
    decode_storage,
    encode_storage,
)
from fle_testkit.emulator.messages import CANNOT_SERIALISE

# The emulator's runtime decodes strings (lupa's default); a runtime that hands
# Python bytes must work too.
RUNTIME_KINDS = {"utf8": {}, "bytes": {"encoding": None}}


def new_runtime(kind: str = "utf8") -> lua52.LuaRuntime:
    return lua52.LuaRuntime(unpack_returned_tuples=True, **RUNTIME_KINDS[kind])


@pytest.fixture(params=sorted(RUNTIME_KINDS))
def lua(request) -> lua52.LuaRuntime:
    return new_runtime(request.param)


# Walks two values side by side in one runtime: same keys (raw, so 1 and "1"
# differ), same scalars (byte-equal strings, NaN equals NaN, -0 is not 0), and
# tables paired one to one, so a table shared or cyclic in one is shared or
# cyclic at the same places in the other.
SAME_SHAPE_LUA = r"""
return function(a, b)
  local function same_scalar(x, y)
    if type(x) ~= type(y) then return false end
    if type(x) == "number" then
      if x ~= x then return y ~= y end
      if x == 0 and y == 0 then return 1 / x == 1 / y end
    end
    return x == y
  end
  if type(a) ~= "table" then return same_scalar(a, b) or "different roots" end
  if type(b) ~= "table" or a == b then return "root is not a fresh table" end
  local there, back, queue = {[a] = b}, {[b] = a}, {{a, b}}
  local function pair(x, y)
    if there[x] ~= nil or back[y] ~= nil then return there[x] == y end
    there[x], back[y] = y, x
    queue[#queue + 1] = {x, y}
    return true
  end
  local i = 1
  while queue[i] do
    local x, y = queue[i][1], queue[i][2]
    i = i + 1
    local count = 0
    for k, v in next, x do
      count = count + 1
      if type(k) == "table" then return "tables as keys are checked elsewhere" end
      local w = rawget(y, k)
      if w == nil then return "missing key " .. tostring(k) end
      if type(v) == "table" then
        if type(w) ~= "table" or not pair(v, w) then return "table mismatch at " .. tostring(k) end
      elseif not same_scalar(v, w) then
        return "value mismatch at " .. tostring(k)
      end
    end
    for _ in next, y do count = count - 1 end
    if count ~= 0 then return "different key counts" end
  end
  return true
end
"""


def round_trip(lua: lua52.LuaRuntime, storage) -> object:
    data = encode_storage(lua, storage)
    copy = decode_storage(lua, data)
    result = lua.execute(SAME_SHAPE_LUA)(storage, copy)
    assert result is True, result
    return copy


# --- what survives ----------------------------------------------------------------


def test_keys_of_every_kind_stay_apart(lua) -> None:
    storage = lua.execute(
        'return {[1] = "number one", ["1"] = "string one", [1.5] = "a half", [-0.25] = "negative",'
        " [2^53] = 1, [-7] = 2, [true] = 3, [false] = 4, [0] = 5}"
    )
    round_trip(lua, storage)


def test_strings_are_arbitrary_bytes(lua) -> None:
    storage = lua.execute(r'return {["\255\0key"] = "\0\1\128\255 not utf-8", plain = "héllo", empty = ""}')
    copy = round_trip(lua, storage)
    assert lua.eval("function(t) return t['\\255\\0key'] == '\\0\\1\\128\\255 not utf-8' end")(copy) is True


def test_numbers_keep_every_double(lua) -> None:
    storage = lua.execute("return {1/0, -1/0, 0/0, -0.0, 0.1, 1/3, 2^-1074, 1.7976931348623157e308, -2^63, 26}")
    round_trip(lua, storage)
    assert lua.eval("function(t) return 1 / t[4] end")(decode_storage(lua, encode_storage(lua, storage))) == -math.inf


def test_booleans_and_empty_tables(lua) -> None:
    round_trip(lua, lua.execute("return {yes = true, no = false, nothing = {}, nested = {{}, {{}}}}"))


def test_shared_tables_stay_shared_and_distinct_tables_stay_distinct(lua) -> None:
    storage = lua.execute("local s = {n = 1} return {a = s, b = s, c = {n = 1}, list = {s, s}}")
    copy = round_trip(lua, storage)
    assert lua.eval("function(t) return t.a == t.b and t.list[2] == t.a and t.c ~= t.a end")(copy) is True


def test_cycles_survive(lua) -> None:
    storage = lua.execute("local t = {} t.me = t t.child = {parent = t} t.child.child = t.child return t")
    copy = round_trip(lua, storage)
    assert lua.eval("function(t) return t.me == t and t.child.parent == t and t.child.child == t.child end")(copy)


def test_tables_used_as_keys_survive(lua) -> None:
    storage = lua.execute("local k = {id = 1} return {[k] = 'by table', index = k, [{}] = 'other'}")
    copy = decode_storage(lua, encode_storage(lua, storage))
    check = lua.eval(
        """function(t)
          local n = 0
          for _ in next, t do n = n + 1 end
          return n == 3 and t[t.index] == 'by table' and t.index.id == 1
        end"""
    )
    assert check(copy) is True


def test_metatables_are_not_saved(lua) -> None:
    storage = lua.execute("return {obj = setmetatable({x = 1}, {__index = function() return 42 end})}")
    copy = decode_storage(lua, encode_storage(lua, storage))
    assert lua.eval("function(t) return getmetatable(t.obj) == nil and t.obj.y == nil and t.obj.x == 1 end")(copy)


# --- metatables registered by name ----------------------------------------------------

# A level's registrations, as MetatableRegistry keeps them: `names` (metatable ->
# name) for the save's walk, and a restorer for the load.
REGISTERED_LUA = r"""
local point = {__index = function(t, k) if k == "sum" then return rawget(t, "x") + rawget(t, "y") end end}
local tagged = {__index = {kind = "tagged"}}
local names = {[point] = "point", [tagged] = "tag\255ged"}
local by_name = {point = point, ["tag\255ged"] = tagged}
local function restore(t, name)
  local meta = by_name[name]
  if meta == nil then error("unknown metatable " .. name) end
  setmetatable(t, meta)
end
return names, restore, point, tagged
"""


def registered(lua):
    names, restore, point, tagged = lua.execute(REGISTERED_LUA)
    return names, (lambda table, name: restore(table, name)), point, tagged


def test_a_registered_metatable_is_saved_by_name_and_relinked(lua) -> None:
    names, restore, point, tagged = registered(lua)
    build = lua.eval(
        "function(point, tagged) return {p = setmetatable({x = 1, y = 2}, point), t = setmetatable({}, tagged)} end"
    )
    storage = build(point, tagged)
    data = encode_storage(lua, storage, metatable_names=names)
    document = json.loads(data)
    assert document["metatables"] == [[1, "point"], [2, {"bytes": "dGFn/2dlZA=="}]]
    copy = decode_storage(lua, data, restore_metatable=restore)
    check = lua.eval(
        "function(t, point, tagged) return t.p.sum == 3 and getmetatable(t.p) == point"
        " and t.t.kind == 'tagged' and getmetatable(t.t) == tagged end"
    )
    assert check(copy, point, tagged) is True


def test_an_unregistered_metatable_is_dropped(lua) -> None:
    names, restore, point, _ = registered(lua)
    storage = lua.eval(
        "function(point) return {p = setmetatable({x = 1, y = 2}, point), q = setmetatable({}, {}) } end"
    )(point)
    copy = decode_storage(lua, encode_storage(lua, storage, metatable_names=names), restore_metatable=restore)
    assert lua.eval("function(t) return getmetatable(t.p) ~= nil and getmetatable(t.q) == nil end")(copy) is True


def test_a_table_is_saved_as_its_raw_contents_whatever_its_metamethods_show(lua) -> None:
    names, restore, _, _ = registered(lua)
    storage = lua.execute(
        """
        local shown = {__index = function() return "shown" end,
                       __newindex = function() error("no writes") end,
                       __pairs = function(t) return next, {fake = true}, nil end,
                       __len = function() return 99 end}
        return {obj = setmetatable({real = 1}, shown)}
        """
    )
    data = encode_storage(lua, storage, metatable_names=names)
    assert json.loads(data)["tables"][1] == [["real", 1]]
    copy = decode_storage(lua, data, restore_metatable=restore)
    assert lua.eval("function(t) return t.obj.real == 1 and rawget(t.obj, 'fake') == nil end")(copy) is True


def test_a_named_table_is_filled_before_its_metatable_is_attached(lua) -> None:
    # (lupa sets fields with lua_settable: a __newindex that raised there would abort the process.)
    names, _, _, _ = lua.execute(REGISTERED_LUA)
    watched, ran = lua.execute("local ran = {} return {__newindex = function(t, k, v) ran[#ran + 1] = k end}, ran")
    names[watched] = b"watched"
    storage = lua.eval("function(m) return {g = setmetatable({a = 1, b = {}}, m)} end")(watched)
    attach = lua.eval("function(t, m) setmetatable(t, m) end")
    data = encode_storage(lua, storage, metatable_names=names)
    copy = decode_storage(lua, data, restore_metatable=lambda table, _: attach(table, watched))
    assert len(ran) == 0
    assert lua.eval("function(t) return rawget(t.g, 'a') == 1 and type(rawget(t.g, 'b')) == 'table' end")(copy) is True


def test_metatable_names_keep_the_bytes_deterministic(lua) -> None:
    names, _, point, tagged = registered(lua)
    build = lua.eval(
        "function(point, tagged) local shared = setmetatable({x = 1, y = 1}, point)"
        " return {b = shared, a = {shared, setmetatable({}, tagged)}, c = setmetatable({}, tagged)} end"
    )
    first = encode_storage(lua, build(point, tagged), metatable_names=names)
    assert first == encode_storage(lua, build(point, tagged), metatable_names=names)
    # Breadth-first in key order: a = 1, b = the shared point = 2, c = 3, then a[2] = 4.
    tagged_name = {"bytes": "dGFn/2dlZA=="}
    assert json.loads(first)["metatables"] == [[2, "point"], [3, tagged_name], [4, tagged_name]]


def test_a_name_the_restorer_does_not_know_fails_the_load_with_its_error(lua) -> None:
    names, _, point, _ = registered(lua)
    data = encode_storage(lua, lua.eval("function(p) return {setmetatable({}, p)} end")(point), metatable_names=names)

    def refuse(table, name: bytes) -> None:
        raise EmulatorError(f"not registered: {name!r}")

    with pytest.raises(EmulatorError, match="not registered: b'point'"):
        decode_storage(lua, data, restore_metatable=refuse)


def test_a_named_table_cannot_be_read_without_a_restorer(lua) -> None:
    names, _, point, _ = registered(lua)
    data = encode_storage(lua, lua.eval("function(p) return {setmetatable({}, p)} end")(point), metatable_names=names)
    with pytest.raises(StorageError, match="names the metatable b'point' and nothing can restore it"):
        decode_storage(lua, data)


def test_a_version_1_document_still_loads(lua) -> None:
    data = b'{"format":"fle-testkit/storage","version":1,"root":{"table":0},"tables":[[["a",{"table":1}]],[[1,"x"]]]}'
    copy = decode_storage(lua, data)
    assert lua.eval("function(t) return t.a[1] == 'x' end")(copy) is True


def test_decoding_into_another_runtime_gives_the_same_document() -> None:
    first, second = new_runtime("utf8"), new_runtime("bytes")
    storage = first.execute(r'local s = {"\255"} return {s, s, x = {y = {z = 1.25}}, [{}] = true}')
    data = encode_storage(first, storage)
    assert encode_storage(second, decode_storage(second, data)) == data


def test_the_same_storage_always_gives_the_same_bytes(lua) -> None:
    build = "return {b = 1, a = {3, 2, 1}, [10] = 'x', [2] = 'y', [true] = {}, c = {d = {}}}"
    assert encode_storage(lua, lua.execute(build)) == encode_storage(lua, lua.execute(build))


def test_document_is_versioned_utf8_json(lua) -> None:
    document = json.loads(encode_storage(lua, lua.execute("return {a = 'b'}")).decode("utf-8"))
    assert document == {
        "format": FORMAT,
        "version": VERSION,
        "root": {"table": 0},
        "tables": [[["a", "b"]]],
        "metatables": [],
    }
    assert VERSION == 2


# --- what cannot be saved -----------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "path", "lua_type"),
    [
        ("return {players = {[3] = {callback = function() end}}}", "storage.players[3].callback", "function"),
        ("return {f = print}", "storage.f", "function"),
        ("return {co = coroutine.create(function() end)}", "storage.co", "thread"),
        ("return {list = {1, 2, io.stdout}}", "storage.list[3]", "userdata"),
        ('return {["a b"] = {[1.5] = {[true] = print}}}', 'storage["a b"][1.5][true]', "function"),
        ('return {["end"] = {x = print}}', 'storage["end"].x', "function"),
    ],
)
def test_unsaveable_values_name_their_path_and_type(lua, build: str, path: str, lua_type: str) -> None:
    with pytest.raises(StorageError) as caught:
        encode_storage(lua, lua.execute(build))
    error = caught.value
    assert isinstance(error, EmulatorError)
    assert (error.path, error.lua_type) == (path, lua_type)
    assert path in str(error) and lua_type in str(error)


def test_function_wording_is_factorios(lua) -> None:
    with pytest.raises(StorageError, match="^Cannot serialise lua functions: storage.f is a function$"):
        encode_storage(lua, lua.execute("return {f = print}"))
    assert CANNOT_SERIALISE.format(plural="functions") == "Cannot serialise lua functions"


def test_a_function_as_a_key_is_refused(lua) -> None:
    with pytest.raises(StorageError, match=r"storage\.inner has a key of type function"):
        encode_storage(lua, lua.execute("return {inner = {[print] = 1}}"))


def test_a_python_object_in_storage_is_refused(lua) -> None:
    storage = lua.table()
    storage[b"entity"] = object()
    with pytest.raises(StorageError, match="storage.entity is a userdata"):
        encode_storage(lua, storage)


# --- what cannot be read ------------------------------------------------------------

DOC = '{"format":"fle-testkit/storage","version":1,'
DOC2 = '{"format":"fle-testkit/storage","version":2,"root":{"table":0},"tables":[[],[]],'


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"PK\x03\x04\x14\x00\x00\x00binary",
        b"\xff\xfe",
        b"[]",
        b'{"format":"something-else","version":1,"root":1,"tables":[]}',
        b'{"format":"fle-testkit/storage","version":99,"root":1,"tables":[]}',
        (DOC + '"tables":[]}').encode(),
        (DOC + '"root":{"table":0},"tables":{}}').encode(),
        (DOC + '"root":{"table":1},"tables":[[]]}').encode(),
        (DOC + '"root":{"table":-1},"tables":[[]]}').encode(),
        (DOC + '"root":{"table":0},"tables":[[["a"]]]}').encode(),
        (DOC + '"root":{"table":0},"tables":[[["a",1],["a",2]]]}').encode(),
        (DOC + '"root":{"table":0},"tables":[[[{"number":"nan"},1]]]}').encode(),
        (DOC + '"root":{"table":0},"tables":[[[null,1]]]}').encode(),
        (DOC + '"root":{"table":0},"tables":[[["a",[1]]]]}').encode(),
        (DOC + '"root":{"bytes":"not base64!"},"tables":[]}').encode(),
        (DOC + '"root":{"number":"huge"},"tables":[]}').encode(),
        (DOC + '"root":"\\ud800","tables":[]}').encode(),
        (DOC + '"root":1' + "0" * 400 + ',"tables":[]}').encode(),
        (DOC + '"root":{"table":0},"tables":["x"]}').encode(),
        (DOC + '"root":{"table":0},"tables":[[]],"metatables":[]}').encode(),
        (DOC2 + '"metatables":{}}').encode(),
        (DOC2 + '"metatables":[[0]]}').encode(),
        (DOC2 + '"metatables":[[2,"m"]]}').encode(),
        (DOC2 + '"metatables":[[true,"m"]]}').encode(),
        (DOC2 + '"metatables":[[1,"m"],[0,"m"]]}').encode(),
        (DOC2 + '"metatables":[[0,"m"],[0,"n"]]}').encode(),
        (DOC2 + '"metatables":[[0,7]]}').encode(),
        (DOC2 + '"metatables":[[0,"m"]]}').encode(),
        b'{"format":"fle-testkit/storage","version":true,"root":1,"tables":[]}',
    ],
)
def test_corrupt_or_foreign_documents_are_refused_clearly(data: bytes) -> None:
    with pytest.raises(StorageError, match="Cannot read storage"):
        decode_storage(new_runtime(), data)


def test_non_bytes_input_is_refused() -> None:
    with pytest.raises(StorageError, match="must be bytes"):
        decode_storage(new_runtime(), "text")  # type: ignore[arg-type]


@given(st.binary(max_size=200))
def test_random_bytes_never_crash_the_decoder(data: bytes) -> None:
    try:
        decode_storage(new_runtime(), data)
    except StorageError:
        pass


# --- the property -------------------------------------------------------------------

number_keys = st.one_of(
    st.integers(-(2**53), 2**53).map(float),
    st.floats(allow_nan=False),
)
lua_keys = st.one_of(st.binary(max_size=8), number_keys, st.booleans())
scalar_values = st.one_of(st.binary(max_size=12), st.floats(), st.integers(-(10**6), 10**6).map(float), st.booleans())
# A value is a scalar or ("table", n): a reference to the n-th table, so the
# same table can be reached along several paths, including back to itself.
values = st.one_of(scalar_values, st.tuples(st.just("table"), st.integers(0, 5)))
table_contents = st.lists(
    st.tuples(lua_keys, values),
    max_size=6,
    unique_by=lambda kv: (type(kv[0]).__name__, 0.0 if kv[0] == 0 else kv[0]),
)


def build_graph(lua: lua52.LuaRuntime, contents: list) -> object:
    tables = [lua.table() for _ in contents]
    for table, entries in zip(tables, contents, strict=True):
        for key, value in entries:
            if isinstance(value, tuple):
                value = tables[value[1] % len(tables)]
            table[key] = value
    return tables[0]


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(sorted(RUNTIME_KINDS)), contents=st.lists(table_contents, min_size=1, max_size=6))
def test_any_plain_storage_survives_encode_then_decode(kind: str, contents: list) -> None:
    lua = new_runtime(kind)
    storage = build_graph(lua, contents)
    round_trip(lua, storage)


class _Thing:
    """Stands in for an API object: a Python object Lua sees as userdata."""

    def __init__(self, ref: str | None) -> None:
        self.ref = ref


def test_api_objects_are_saved_by_reference_and_resolved_on_load() -> None:
    lua = lua52.LuaRuntime(unpack_returned_tuples=True)
    storage = lua.eval("{}")
    storage["chest"] = _Thing("LuaEntity:7")
    storage["again"] = storage["chest"]
    data = encode_storage(lua, storage, lambda obj: obj.ref if isinstance(obj, _Thing) else None)
    assert b'"object":"LuaEntity:7"' in data

    restored = decode_storage(lua, data, lambda ref: _Thing(ref + "!"))
    assert restored["chest"].ref == "LuaEntity:7!"


def test_an_object_without_a_reference_is_refused_with_its_path() -> None:
    lua = lua52.LuaRuntime(unpack_returned_tuples=True)
    storage = lua.eval("{deep = {}}")
    storage["deep"]["thing"] = _Thing(None)
    with pytest.raises(StorageError, match=r"Cannot serialise lua userdata: storage\.deep\.thing is a userdata"):
        encode_storage(lua, storage, lambda obj: obj.ref if isinstance(obj, _Thing) else None)


def test_a_saved_object_cannot_be_read_without_a_resolver() -> None:
    lua = lua52.LuaRuntime(unpack_returned_tuples=True)
    storage = lua.eval("{}")
    storage["x"] = _Thing("LuaForce:player")
    data = encode_storage(lua, storage, lambda obj: obj.ref)
    with pytest.raises(StorageError, match="API object"):
        decode_storage(lua, data)
