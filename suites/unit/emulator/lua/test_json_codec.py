"""json_codec: helpers.table_to_json / helpers.json_to_table as Factorio 2.0 does them."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lupa import lua52

from fle_testkit.emulator.errors import EmulatorError
from fle_testkit.emulator.lua.json_codec import JsonError, json_to_table, table_to_json


@pytest.fixture(params=["utf8", "bytes"])
def lua(request) -> lua52.LuaRuntime:
    extra = {"encoding": None} if request.param == "bytes" else {}
    return lua52.LuaRuntime(unpack_returned_tuples=True, **extra)


def to_json(lua: lua52.LuaRuntime, expression: str) -> str:
    return table_to_json(lua, lua.execute("return " + expression))


# --- table_to_json --------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("{}", "{}"),
        ("{1, 2, 3}", "[1,2,3]"),
        ("{'a', {}, {{}}}", '["a",{},[{}]]'),
        ("{a = 1, b = true, c = false}", '{"a":1,"b":true,"c":false}'),
        ("{[1] = 'x', [2] = 'y', n = 2}", '{"1":"x","2":"y","n":2}'),
        ("{[1] = 1, [3] = 3}", '{"1":1,"3":3}'),
        ("{[2] = 'x'}", '{"2":"x"}'),
        ("{[1.5] = 'x', [-1] = 'y'}", '{"-1":"y","1.5":"x"}'),
        ("{[true] = 1}", '{"true":1}'),
        ("{x = {y = {z = {1}}}}", '{"x":{"y":{"z":[1]}}}'),
    ],
)
def test_tables(lua, expression: str, expected: str) -> None:
    assert to_json(lua, expression) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("{26}", "[26]"),
        ("{-3}", "[-3]"),
        ("{0.5}", "[0.5]"),
        ("{0.1}", "[0.1]"),
        ("{1/3}", "[0.3333333333333333]"),
        ("{2^53}", "[9007199254740992]"),
        ("{1e300}", "[1e+300]"),
        ("{-0.0}", "[0]"),
    ],
)
def test_numbers_integral_without_fraction_others_round_trip(lua, expression: str, expected: str) -> None:
    out = to_json(lua, expression)
    assert out == expected
    assert json.loads(out)[0] == lua.execute("return (" + expression + ")[1]")


def test_strings_are_escaped(lua) -> None:
    assert to_json(lua, r'{"q\"b\\n\n t\t c\1 /"}') == r'["q\"b\\n\n t\t c\u0001 /"]'


def test_unicode_passes_through(lua) -> None:
    assert to_json(lua, '{["é"] = "日本"}') == '{"é":"日本"}'


def test_bytes_that_are_not_utf8_become_replacement_characters(lua) -> None:
    assert to_json(lua, r'{"a\255b"}') == '["a\ufffdb"]'


def test_shared_tables_are_written_twice(lua) -> None:
    assert to_json(lua, "(function() local s = {1} return {s, s} end)()") == "[[1],[1]]"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("{f = print}", "type function"),
        ("{coroutine.create(print)}", "type thread"),
        ("(function() local t = {} t.me = t return t end)()", "contains itself"),
        ("{[{}] = 1}", "table used as a key"),
        ("{1/0}", "inf"),
        ("{0/0}", "nan"),
    ],
)
def test_values_without_a_json_form_raise(lua, expression: str, message: str) -> None:
    with pytest.raises(JsonError, match=message) as caught:
        to_json(lua, expression)
    assert isinstance(caught.value, EmulatorError)


def test_deep_nesting_raises_instead_of_crashing(lua) -> None:
    deep = lua.execute("local t = {} local top = t for i = 1, 5000 do t[1] = {} t = t[1] end return top")
    with pytest.raises(JsonError, match="nested"):
        table_to_json(lua, deep)


# --- json_to_table --------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "nope", "[1,", "{'a': 1}", "[1] x", "NaN", "[Infinity]", '{"a"}', "1 2"])
def test_invalid_json_gives_nil(lua, text: str) -> None:
    assert json_to_table(lua, text) is None


def test_null_at_top_level_gives_nil(lua) -> None:
    assert json_to_table(lua, "null") is None


def test_arrays_become_sequences_and_objects_keep_string_keys(lua) -> None:
    value = json_to_table(lua, '{"list": [10, 20.5, "x", true], "1": "one", "nested": {"a": []}}')
    check = lua.eval(
        """function(t)
          return #t.list == 4 and t.list[1] == 10 and t.list[2] == 20.5 and t.list[3] == "x"
            and t.list[4] == true and t["1"] == "one" and t[1] == nil and next(t.nested.a) == nil
        end"""
    )
    assert check(value) is True


def test_null_inside_leaves_a_gap(lua) -> None:
    value = json_to_table(lua, '[1, null, 3, {"a": null, "b": 2}]')
    check = lua.eval("function(t) return t[1] == 1 and t[2] == nil and t[3] == 3 and t[4].a == nil and t[4].b == 2 end")
    assert check(value) is True


def test_scalars_at_top_level(lua) -> None:
    assert json_to_table(lua, "3") == 3.0
    assert json_to_table(lua, "true") is True
    assert json_to_table(lua, '"hé"') == "hé".encode()


def test_strings_reach_lua_byte_exact(lua) -> None:
    value = json_to_table(lua, '["h\\u00e9", "\\n"]')
    assert lua.eval("function(t) return t[1] == 'h\\195\\169' and t[2] == '\\n' end")(value) is True


def test_bytes_input_is_read_as_utf8(lua) -> None:
    assert json_to_table(lua, b"[1]") is not None
    assert json_to_table(lua, b"\xff") is None


def test_huge_numbers_become_infinity(lua) -> None:
    value = json_to_table(lua, "[1e400, -1" + "0" * 400 + "]")
    assert lua.eval("function(t) return t[1] == 1/0 and t[2] == -1/0 end")(value) is True


def test_deep_nesting_gives_nil(lua) -> None:
    assert json_to_table(lua, "[" * 100_000 + "]" * 100_000) is None


# --- round trip -------------------------------------------------------------------

json_values = st.recursive(
    st.one_of(
        st.booleans(),
        st.integers(-(2**53), 2**53),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=8),
    ),
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=4),
        st.dictionaries(st.text(max_size=5), children, max_size=4),
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(value=json_values)
def test_json_survives_a_trip_through_lua(value) -> None:
    lua = lua52.LuaRuntime(unpack_returned_tuples=True)
    table = json_to_table(lua, json.dumps(value))
    if not isinstance(value, (list, dict)):
        return  # a scalar comes back as a Python value, not a table
    out = table_to_json(lua, table)
    assert json.loads(out) == value


def test_empty_array_comes_back_as_an_empty_object(lua) -> None:
    # Lua cannot tell an empty array from an empty object; Factorio writes {}.
    assert table_to_json(lua, json_to_table(lua, "[]")) == "{}"


def test_floats_read_back_exactly(lua) -> None:
    for x in (0.1, 1 / 3, 5e-324, 1.7976931348623157e308, -2.5):
        out = table_to_json(lua, json_to_table(lua, json.dumps([x])))
        assert json.loads(out) == [x] and not math.isnan(json.loads(out)[0])
