"""Technology count formulas ("2^(L-6)*1000"): Factorio's math expressions of the level L.

Only what technology formulas use is read: numbers, ``L``, + - * / ^ and
parentheses (``^`` is power and binds tighter than unary minus, as usual).
Parsed with Python's own parser after ``^`` becomes ``**``; any other node
is refused, so nothing but arithmetic is ever evaluated.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable

from .errors import InvalidArgumentError

_BINARY: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}


def evaluate_count_formula(formula: str, level: int) -> float:
    """The value of ``formula`` with L = ``level``."""
    try:
        tree = ast.parse(formula.replace("^", "**"), mode="eval")
    except SyntaxError:
        raise InvalidArgumentError(f"not a count formula: {formula!r}") from None
    return _value(tree.body, float(level), formula)


def _value(node: ast.AST, level: float, formula: str) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.Name) and node.id in ("L", "l"):
        return level
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _value(node.operand, level, formula)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_value(node.left, level, formula), _value(node.right, level, formula))
    raise InvalidArgumentError(f"not a count formula: {formula!r}")
