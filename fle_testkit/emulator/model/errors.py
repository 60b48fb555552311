"""Errors of the world model.

Messages are plain and precise; the Lua-facing layer rewords them the way
Factorio words its own errors.
"""

from __future__ import annotations

from ..errors import EmulatorError


class ModelError(EmulatorError):
    """Base of every error the world model raises."""


class UnknownPrototypeError(ModelError):
    """A name that is not a prototype of the expected kind (entity, item, ...)."""

    def __init__(self, kind: str, name: object) -> None:
        super().__init__(f"unknown {kind} prototype: {name!r}")
        self.kind = kind
        self.name = name


class NotFoundError(ModelError):
    """A surface, force, technology or recipe that the world does not have."""


class InvalidObjectError(ModelError):
    """An operation on an entity or inventory that has been destroyed."""


class InvalidArgumentError(ModelError):
    """An argument outside what the operation accepts (negative count, bad direction, ...)."""


class StateError(ModelError):
    """A serialised world that cannot be restored with the current game data."""
