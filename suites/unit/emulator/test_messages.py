"""Text an RCON client can see is written in ``messages.py``, nowhere else.

A Lua API error reaches the client as the reply's error text; writing it
inline would let the wording drift from the one place that says what is
confirmed against real Factorio and what is not.
"""

from __future__ import annotations

import ast
from pathlib import Path

import fle_testkit.emulator

EMULATOR = Path(fle_testkit.emulator.__file__).parent
# Errors whose text reaches the client: Lua errors and helpers' JSON refusals.
CLIENT_VISIBLE = {"LuaApiError", "JsonError"}


def _inline_texts(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in CLIENT_VISIBLE
            and node.args
            and isinstance(node.args[0], (ast.Constant, ast.JoinedStr))
        ):
            found.append(f"{path.relative_to(EMULATOR)}:{node.lineno}")
    return found


def test_client_visible_errors_take_their_text_from_messages() -> None:
    sources = [p for p in sorted(EMULATOR.rglob("*.py")) if p.name != "messages.py"]
    assert [site for path in sources for site in _inline_texts(path)] == []
