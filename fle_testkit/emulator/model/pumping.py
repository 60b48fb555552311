"""An offshore pump at work (one :class:`~.simulation.Machine`): water into its segment.

Each tick it puts the prototype's ``pumping_speed`` (20 units a tick: 1,200/s) of
the fluid of the tile it stands on (a water tile's ``fluid``: water), at the
fluid's default temperature, into its fluid box's segment (fluid_segments.py),
as much as fits. An offshore pump needs no power in 2.0 (its energy source is
void). With no room it sleeps (``full_output``, the most plausible of the
statuses for it: the game's own choice is not documented) until its segment
changes; no tile fluid under it: ``no_input_fluid``. What it pumps counts as produced in its
force's fluid production statistics.

Working, it steps every tick: its segment is shared with other machines whose
takes would make bulk ticks inexact, and a chain that fills up sleeps whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .fluid_segments import Amount, whole
from .simulation import Machine, Simulation, covered_tiles, exact
from .steady_member import SteadyMember

if TYPE_CHECKING:
    from .entity import Entity


class OffshorePump(SteadyMember, Machine):
    __slots__ = ("rate", "_source", "put", "steady")

    def __init__(self, entity: Entity, sim: Simulation) -> None:
        super().__init__(entity, sim)
        self.rate: Amount = whole(exact(entity.prototype.pumping_speed or 0.0))
        # The tile's fluid, read on the first step and again after the pump moves or turns
        # (tiles are not changed under a built pump: LuaSurface.set_tiles is not built).
        self._source: tuple[str | None] | None = None
        self.put: Amount = 0  # what its last step put in
        self.steady: Any = None  # the steady steam plant it is in (steady_steam.py)

    def plain_ticks(self) -> int:
        return self.steady_ticks()

    def run_plain(self, ticks: int) -> None:
        self.run_steady(ticks)

    def step(self, tick: int) -> None:
        self.steady_over(tick)
        entity = self.entity
        if not entity.active:
            self.sleep("disabled_by_script")
            return
        if self._source is None:
            self._source = (self.source(),)
        source = self._source[0]
        if source is None:
            self.sleep("no_input_fluid")
            return
        temperature = self.sim.fluids[source].default_temperature
        put = self.put = entity.surface.fluids.give(entity, 1, source, self.rate, temperature)
        if put <= 0:
            self.sleep("full_output")
            return
        self.sim.fluid_statistics(entity).on_flow(source, float(put))
        self.state = "working"

    def surroundings_changed(self) -> None:
        self._source = None

    def source(self) -> str | None:
        """The fluid of the first tile under the pump that has one (water tiles: water)."""
        tiles, prototypes = self.entity.surface.tiles, self.sim.tiles
        for x, y in covered_tiles(self.entity):
            prototype = prototypes.get(tiles.name_at(x, y))
            if prototype is not None and prototype.fluid is not None:
                return prototype.fluid
        return None
