"""FLE's namespace on each research variant, for the tool tests (test_fle_tools_*.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture(params=[True, False], ids=["researched", "unresearched"])
def researched(request: pytest.FixtureRequest) -> bool:
    """The variant: every technology researched, or none (FLE's ``all_technologies_researched=False``)."""
    return bool(request.param)


@pytest.fixture
def configure_variant(configure_game: Any, researched: bool) -> Callable[..., Any]:
    """``configure_game`` (FLE's reset) on the test's research variant."""

    def configure(**options: Any) -> Any:
        return configure_game(all_technologies_researched=researched, **options)

    return configure


@pytest.fixture
def tools(configure_variant: Callable[..., Any]) -> Any:
    """FLE's namespace after FLE's reset on the variant, with FLE's test inventory, at spawn."""
    return configure_variant()
