"""What a machine of a steady steam plant (steady_steam.py) does while its ticks repeat."""

from __future__ import annotations

from typing import Any


class SteadyMember:
    """A pump, boiler or stepping engine: plain ticks up to the end of its plant's repeated ticks.

    Mixed into a :class:`~.simulation.Machine` whose ``__slots__`` names ``steady``."""

    __slots__ = ()

    def steady_ticks(self) -> int:
        me: Any = self
        steady = me.steady
        return max(0, steady.end - me.synced) if steady is not None else 0

    def run_steady(self, ticks: int) -> None:
        me: Any = self
        if me.steady is not None:
            me.steady.advance(me.synced + ticks)

    def steady_over(self, tick: int) -> None:
        """At the start of its step: past the planned ticks, it steps as before."""
        steady = getattr(self, "steady", None)
        if steady is not None and tick >= steady.end:
            steady.finish()

    def touched(self) -> bool:
        steady = getattr(self, "steady", None)
        if steady is None:
            return False
        # The others plan again in their order, then this one, as a touch puts an awake machine last.
        steady.interrupt(self)
        return False
