"""storage_guard: tells whether `storage` holds what it held, as a CRC of its serialisation would.

A change of contents anywhere is caught; a metatable set, or a table replaced
by an equal one, is not a change.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lupa import lua52

from fle_testkit.emulator.lua.storage_guard import RECORD_BYTES_PER_SLOT, StorageGuard

STORAGE = """
local shared = {n = 1}
local key = {id = 7}
return {
  list = {1, 2, 3, "four", true},
  nested = {deep = {deeper = {value = "x"}}},
  a = shared, b = shared,
  [key] = "by table", key = key,
  zero = 0, nan = 0/0, half = 0.5,
  [false] = "false key",
}
"""


@pytest.fixture
def lua() -> lua52.LuaRuntime:
    return lua52.LuaRuntime(unpack_returned_tuples=True)


def after(lua: lua52.LuaRuntime, change: str) -> bool:
    """Whether the guard calls storage unchanged after ``change`` (Lua run on `storage`, may return a new one)."""
    guard = StorageGuard(lua)
    storage = lua.execute(STORAGE)
    recorded = guard.record(storage)
    changed = lua.execute(f"local storage = ... {change} return storage", storage)
    return guard.unchanged(recorded, changed)


@pytest.mark.parametrize(
    "change",
    [
        "",
        "local _ = storage.list[1] .. tostring(storage.nested.deep)",
        "setmetatable(storage.nested, {__index = function() return 1 end})",
        "setmetatable(storage, {})",
        "storage.list[1] = 1",
        "storage = {list = storage.list, nested = storage.nested, a = storage.a, b = storage.b,"
        " [storage.key] = 'by table', key = storage.key, zero = 0, nan = 0/0, half = 0.5, [false] = 'false key'}",
        "storage.nested = {deep = {deeper = {value = 'x'}}}",
        "local s = storage.a storage.a = {n = 1} storage.b = storage.a",
        "storage.extra = 1 storage.extra = nil",
    ],
)
def test_what_is_no_change(lua, change: str) -> None:
    assert after(lua, change) is True


@pytest.mark.parametrize(
    "change",
    [
        "storage.new = 1",
        "storage.half = nil",
        "storage.list[5] = false",
        "storage.list[6] = 6",
        "storage.nested.deep.deeper.value = 'y'",
        "storage.nested.deep.deeper.more = {}",
        "storage.nested = {deep = {deeper = {value = 'z'}}}",
        "storage.b = {n = 1}",
        "storage.zero = -0.0",
        "storage.nan = 1",
        "storage[storage.key] = 'changed'",
        "storage.key.id = 8",
        "storage[false] = nil storage[true] = 'false key'",
        "storage = {}",
        "storage = 'not a table'",
        "storage.list = setmetatable({}, {__index = {1, 2, 3, 'four', true}})",
        "rawset(storage.nested, 'raw', 1)",
        "storage.list[1] = '1'",
    ],
)
def test_what_is_a_change(lua, change: str) -> None:
    assert after(lua, change) is False


def test_a_scalar_storage(lua) -> None:
    guard = StorageGuard(lua)
    assert guard.unchanged(guard.record("text"), "text") is True
    assert guard.unchanged(guard.record("text"), "other") is False
    assert guard.unchanged(guard.record(None), lua.table()) is False


def test_api_objects_compare_by_what_they_name(lua) -> None:
    class Thing:
        pass

    guard = StorageGuard(lua)
    storage = lua.table()
    storage["e"] = thing = Thing()
    recorded = guard.record(storage)
    assert guard.unchanged(recorded, storage) is True
    storage["e"] = Thing()
    assert guard.unchanged(recorded, storage) is False
    storage["e"] = thing
    assert guard.unchanged(recorded, storage) is True


def test_no_metamethod_runs_while_recording_or_checking(lua) -> None:
    guard = StorageGuard(lua)
    storage, ran = lua.execute(
        """
        local ran = {}
        local loud = {}
        for _, event in ipairs({"__index", "__newindex", "__pairs", "__len", "__eq"}) do
          loud[event] = function() ran[#ran + 1] = event end
        end
        return {t = setmetatable({a = 1}, loud), u = setmetatable({}, loud)}, ran
        """
    )
    recorded = guard.record(storage)
    copy = lua.eval("function(s, m) return {t = setmetatable({a = 1}, m), u = setmetatable({}, m)} end")(
        storage, lua.eval("getmetatable")(storage["t"])
    )
    assert guard.unchanged(recorded, copy) is True
    assert len(ran) == 0


def test_the_record_size_bounds_what_it_takes_in_the_state(lua) -> None:
    storage = lua.execute("local t = {} for i = 1, 5000 do t[i] = {i, tostring(i)} end return t")
    guard = StorageGuard(lua)
    used = lua.eval("function() collectgarbage('collect') return collectgarbage('count') * 1024 end")
    before = used()
    recorded = guard.record(storage)
    assert 0 < used() - before <= recorded.size
    assert recorded.size % RECORD_BYTES_PER_SLOT == 0


# --- the property -----------------------------------------------------------------

scalars = st.one_of(st.integers(-3, 3).map(float), st.sampled_from([b"a", b"b", True, False]))
shapes = st.lists(
    st.dictionaries(st.sampled_from([b"x", b"y", b"z"]), st.one_of(scalars, st.integers(0, 4))), min_size=1, max_size=5
)


def build(lua: lua52.LuaRuntime, shape: list) -> object:
    tables = [lua.table() for _ in shape]
    for table, fields in zip(tables, shape, strict=True):
        for key, value in fields.items():
            table[key] = tables[value % len(tables)] if isinstance(value, int) else value
    return tables[0]


@settings(max_examples=100, deadline=None)
@given(shape=shapes, target=st.integers(0, 4), key=st.sampled_from([b"x", b"y", b"z", b"w"]), value=scalars)
def test_any_single_write_of_a_new_value_is_caught(shape: list, target: int, key: bytes, value) -> None:
    lua = lua52.LuaRuntime(unpack_returned_tuples=True)
    guard = StorageGuard(lua)
    storage = build(lua, shape)
    recorded = guard.record(storage)
    assert guard.unchanged(recorded, storage) is True
    # The tables reachable from the root, in the order the shape lists them.
    reachable = lua.execute(
        "local root = ... local seen, out = {[root] = true}, {root} local i = 1"
        " while out[i] do for _, v in next, out[i] do"
        " if type(v) == 'table' and not seen[v] then seen[v] = true out[#out + 1] = v end end i = i + 1 end"
        " return out",
        storage,
    )
    table = reachable[target % len(reachable) + 1]
    write = lua.eval("function(t, k, v) local old = rawget(t, k) rawset(t, k, v) return rawequal(old, v) end")
    same_value = write(table, key, value)
    assert guard.unchanged(recorded, storage) is same_value
