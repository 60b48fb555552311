"""The electric networks of one surface: which poles are wired together and whom they supply.

Topology only: no energy flows. The emulator keeps no copper wires; it derives
the networks from positions, as if every pole had been auto-connected where it
stands (Factorio 2.0 wires a pole built by a player or by ``create_entity`` to
the poles in reach):

- two poles of one force are linked when their centres are at most the smaller
  of their ``maximum_wire_distance`` apart. Assumed: real auto-connect wires a
  new pole to only some poles in reach (it skips poles it already reaches
  through another, and a pole takes a bounded number of wires); for membership
  that gives the same networks, except where such a limit leaves a pole in
  reach unwired. Poles of other forces are never linked (assumed: auto-connect
  wires only its own force's poles). Wires a script would add or remove are not
  modelled, nor power switches;
- a network is a connected component of those links;
- an entity with an electric energy source is on the network of a pole whose
  supply area (the square of ``supply_area_distance`` around the pole's centre)
  overlaps its collision box, whatever the pole's force (assumed: Factorio's
  sub networks connect entities "in range of those poles", force unmentioned).
  Covered by several networks it takes one (Factorio connects it to one only);
  here the one with the smallest id.

A network's id is the smallest :attr:`Entity.id` (the world's creation serial,
saved with each entity) among its poles: a positive integer, unique across
surfaces, kept while that pole stands; when networks merge the oldest pole's id
wins, when one splits the part without that pole gets a new id. Factorio
numbers networks from a counter, so the numbers differ, not the equalities.

Nothing new is saved: the topology follows from the saved positions. It is
worked out when first asked for and kept until an electric pole or electric
entity on the surface is created, destroyed, moved or turned.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import TYPE_CHECKING, Protocol

from .geometry import BoundingBox
from .statistics import FlowStatistics

if TYPE_CHECKING:
    from .entity import Entity

POLE_TYPE = "electric-pole"


class Place(Protocol):
    """What the networks need of their surface (a :class:`Surface`)."""

    index: int


def is_electric(entity: Entity) -> bool:
    """A pole, or an entity that takes or gives electricity (its energy source is electric)."""
    return entity.type == POLE_TYPE or entity.prototype.energy_source == "electric"


def supply_area(pole: Entity) -> BoundingBox:
    distance = pole.prototype.supply_area_distance or 0.0
    centre = pole.position
    return BoundingBox(centre.x - distance, centre.y - distance, centre.x + distance, centre.y + distance)


def _in_reach(a: Entity, b: Entity) -> bool:
    if a.force.index != b.force.index:
        return False
    reach = min(a.prototype.maximum_wire_distance or 0.0, b.prototype.maximum_wire_distance or 0.0)
    pa, pb = a.position, b.position
    dx, dy = pa.x - pb.x, pa.y - pb.y
    return dx * dx + dy * dy <= reach * reach


def _touches(area: BoundingBox, entity: Entity) -> bool:
    box = entity.bounding_box
    if box.is_empty:
        centre = entity.position
        return area.contains(centre.x, centre.y)
    return area.overlaps(box)


def pole_networks(poles: list[Entity]) -> dict[int, int]:
    """Entity id -> network id for every pole (poles in creation order)."""
    parent = {pole.id: pole.id for pole in poles}

    def root(key: int) -> int:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    # Poles are bucketed by squares as wide as the longest reach: linked poles are in neighbouring squares.
    side = max((pole.prototype.maximum_wire_distance or 0.0 for pole in poles), default=0.0) or 1.0
    cells: dict[tuple[int, int], list[Entity]] = {}
    for pole in poles:
        position = pole.position
        cx, cy = math.floor(position.x / side), math.floor(position.y / side)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for other in cells.get((cx + dx, cy + dy), ()):
                    if _in_reach(pole, other):
                        a, b = root(pole.id), root(other.id)
                        parent[max(a, b)] = min(a, b)  # the root is the oldest pole: the network's id
        cells.setdefault((cx, cy), []).append(pole)
    return {pole.id: root(pole.id) for pole in poles}


def supplied_networks(poles: list[Entity], users: list[Entity], of_pole: dict[int, int]) -> dict[int, int]:
    """Entity id -> network id for the non-pole electric entities some pole's supply area reaches."""
    by_chunk: dict[tuple[int, int], list[tuple[BoundingBox, int]]] = {}
    for pole in poles:
        area = supply_area(pole)
        for chunk in area.chunks():
            by_chunk.setdefault(chunk, []).append((area, of_pole[pole.id]))
    found: dict[int, int] = {}
    for entity in users:
        reaching = [
            network
            for chunk in entity.bounding_box.chunks()
            for area, network in by_chunk.get(chunk, ())
            if _touches(area, entity)
        ]
        if reaching:
            found[entity.id] = min(reaching)
    return found


class ElectricNetworks:
    """One surface's networks, worked out on demand; the surface reports its electric entities' changes."""

    __slots__ = ("_surface", "_members", "_ids", "_statistics", "version")

    def __init__(self, surface: Place) -> None:
        self._surface = surface
        self._members: dict[int, Entity] = {}  # the electric entities, by Entity.id
        self._ids: dict[int, int] | None = None  # entity id -> network id, until something changes
        self._statistics: dict[int, FlowStatistics] = {}  # by network id
        self.version = 0  # counts changes of the topology (power.py rebuilds its networks on one)

    def added(self, entity: Entity) -> None:
        if is_electric(entity):
            self._members[entity.id] = entity
            self._ids = None
            self.version += 1

    def removed(self, entity: Entity) -> None:
        if self._members.pop(entity.id, None) is not None:
            self._ids = None
            self.version += 1

    def moved(self, entity: Entity) -> None:
        """The entity moved or turned: its links or its supply may be others now."""
        if entity.id in self._members:
            self._ids = None
            self.version += 1

    def network_id(self, entity: Entity) -> int | None:
        """The id of the entity's network, or None when it is on none (or takes no electricity)."""
        return self._network_ids().get(entity.id)

    def statistics(self, pole: Entity, names: Collection[str]) -> FlowStatistics:
        """The pole's network's "electric" flow statistics, one object for all its poles.

        Made empty when first read and kept under the network's id (see the module's
        docstring for when an id lives on); not saved, as nothing writes them but scripts.
        """
        return self.network_statistics(self._network_ids()[pole.id], pole.force.index, names)

    def network_statistics(self, network: int, force_index: int, names: Collection[str]) -> FlowStatistics:
        stats = self._statistics.get(network)
        if stats is None:
            stats = self._statistics[network] = FlowStatistics("electric", force_index, self._surface.index, names)
        return stats

    def _network_ids(self) -> dict[int, int]:
        ids = self._ids
        if ids is None:
            members = sorted(self._members.values(), key=lambda entity: entity.id)
            poles = [entity for entity in members if entity.type == POLE_TYPE]
            users = [entity for entity in members if entity.type != POLE_TYPE]
            of_pole = pole_networks(poles)
            ids = self._ids = {**of_pole, **supplied_networks(poles, users, of_pole)}
            networks = set(of_pole.values())
            self._statistics = {k: v for k, v in self._statistics.items() if k in networks}
        return ids
