"""Imports flow one way, and nothing imports itself through others.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``): the layers
plugin → fixtures → session → server → backends, the emulator importing
nothing of the rest, and no import circle at any depth. This runs them in the
unit suite, so ``pytest suites/unit`` catches what CI's ``lint-imports`` would.
Imports inside functions and under TYPE_CHECKING count as well.
"""

from __future__ import annotations

from pathlib import Path

from importlinter.cli import EXIT_STATUS_SUCCESS, lint_imports

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_the_import_contracts_hold(capsys) -> None:
    status = lint_imports(config_filename=str(PYPROJECT), no_cache=True)
    assert status == EXIT_STATUS_SUCCESS, capsys.readouterr().out
