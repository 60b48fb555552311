"""pairs() is deterministic, as Factorio's is: integer keys in order, then the rest in a fixed order.

Factorio iterates the first 1024 integer keys in order and the others in
insertion order; the emulator sorts the others (see lua/runtime.py), so a
table built the same way always iterates the same way.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fle_testkit.emulator.lua.json_codec import json_to_table
from fle_testkit.emulator.lua.runtime import LuaSandbox

#: Prints "key=value;" for every pair, in the order pairs() gives them.
ORDER = "local out = {} for k, v in pairs(t) do out[#out + 1] = tostring(k) .. '=' .. tostring(v) end return table.concat(out, ';')"


@pytest.fixture(scope="module")
def sandbox() -> LuaSandbox:
    return LuaSandbox(lambda name: None)


def order(sandbox: LuaSandbox, build: str) -> str:
    return str(sandbox.lua.execute(f"local t = {build} {ORDER}"))


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        ("{}", ""),
        ("{'a', 'b', 'c'}", "1=a;2=b;3=c"),
        ("{b = 2, a = 1}", "a=1;b=2"),
        # FLE wraps every tool call as {a = ok, b = result} and cuts its reply at '["b"] = '.
        ("{b = 'result', a = true}", "a=true;b=result"),
        ("{[3] = 'c', [1] = 'a', x = 'x', [2] = 'b'}", "1=a;2=b;3=c;x=x"),
        ("{[10] = 'j', [2] = 'b', [-1] = 'm', [1.5] = 'h'}", "-1=m;1.5=h;2=b;10=j"),
        ("{'a', nil, 'c', z = 1}", "1=a;3=c;z=1"),
        ("{[true] = 't', [false] = 'f', s = 's', [1] = 'n'}", "1=n;s=s;false=f;true=t"),
    ],
)
def test_pairs_gives_integer_keys_in_order_then_the_rest_sorted(sandbox: LuaSandbox, build: str, expected: str) -> None:
    assert order(sandbox, build) == expected


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.one_of(st.integers(-50, 50), st.text("abcxyz", min_size=1, max_size=3)), st.integers(), max_size=30
    )
)
def test_tables_built_in_different_orders_iterate_alike(sandbox: LuaSandbox, entries: dict[int | str, int]) -> None:
    def literal(items: list[tuple[int | str, int]]) -> str:
        return "{" + ", ".join(f"[{k!r}] = {v}" for k, v in items) + "}"

    items = list(entries.items())
    assert order(sandbox, literal(items)) == order(sandbox, literal(items[::-1]))


def test_a_field_cleared_while_iterating_is_skipped(sandbox: LuaSandbox) -> None:
    seen = sandbox.lua.execute(
        "local t = {a = 1, b = 2, c = 3} local seen = {} "
        "for k in pairs(t) do seen[#seen + 1] = k; t.b = nil end return table.concat(seen, ',')"
    )
    assert seen == "a,c"


def test_tables_with_their_own_pairs_keep_it(sandbox: LuaSandbox) -> None:
    seen = sandbox.lua.execute(
        "local t = setmetatable({}, {__pairs = function(t) return function(_, k) if k == nil then return 'own', 1 end end, t, nil end}) "
        "local seen = {} for k in pairs(t) do seen[#seen + 1] = k end return table.concat(seen, ',')"
    )
    assert seen == "own"


def test_json_objects_iterate_in_document_order_and_later_keys_after(sandbox: LuaSandbox) -> None:
    text = '{"zeta": 1, "alpha": 2, "mid": {"y": 1, "x": 2}, "alpha": 3}'
    sandbox.globals.t = json_to_table(sandbox.lua, text, keep_order=sandbox.remember_order)
    assert sandbox.lua.execute(ORDER.replace("local out", "t.mid = nil t.c = 0 t.b = 0 local out")) == (
        "zeta=1;alpha=3;b=0;c=0"
    )
    sandbox.globals.t = json_to_table(sandbox.lua, '{"list": [{"y": 1, "x": 2}]}', keep_order=sandbox.remember_order)
    assert sandbox.lua.execute(ORDER.replace("pairs(t)", "pairs(t.list[1])")) == "y=1;x=2"


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.one_of(
            st.integers(-50, 50),
            st.floats(-9, 9).filter(lambda f: not f.is_integer()),
            st.text("aBz_-9", min_size=1, max_size=4),
            st.booleans(),
        ),
        st.integers(),
        max_size=30,
    )
)
def test_keys_come_ranked_numbers_strings_false_true(sandbox: LuaSandbox, entries: dict[object, int]) -> None:
    """The whole order, against one worked out here: numbers ascending, strings in byte order (Lua's `<`
    under the C locale), then false before true."""

    def lua_key(key: object) -> str:
        if isinstance(key, bool):
            return "true" if key else "false"
        return repr(key) if not isinstance(key, str) else f"'{key}'"

    build = "{" + ", ".join(f"[{lua_key(k)}] = {v}" for k, v in entries.items()) + "}"
    numbers = sorted(k for k in entries if not isinstance(k, (bool, str)))
    strings = sorted((k for k in entries if isinstance(k, str)), key=lambda s: s.encode())
    flags = sorted(k for k in entries if isinstance(k, bool))
    got = sandbox.lua.execute(
        f"local t = {build} local out = {{}} for k in pairs(t) do out[#out + 1] = k end return out"
    )
    assert list(got.values()) == [*numbers, *strings, *flags]
