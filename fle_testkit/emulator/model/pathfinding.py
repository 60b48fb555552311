"""LuaSurface.request_path's search: A* over tile centres.

Factorio's pathfinder is hierarchical and spreads its work over ticks; the
emulator answers with a plain 8-connected A* on the grid of tile centres
around the start, where a node is free when a box of the request's size there
collides with no tile or entity sharing a layer with the request's mask (the
entity to ignore excepted). A diagonal step needs both side steps free, so
paths never cut a corner. The search stops at the goal's node or at a free
node within ``radius`` of the goal; the path then ends at the goal itself when
a box there is free (a step from that node), else at that node. Of equally
short paths it takes the one whose diagonal steps come first (ties go to the
node with the least estimate left).
Every node of the path is a waypoint, one tile apart (diagonal steps
included): FLE, written against real Factorio, lays belts along a path's
waypoints and fills only gaps longer than two tiles, so real paths are at
least that dense. ``path_resolution_modifier`` is not modelled: the grid is
always one tile (real Factorio doubles or halves it per step). The search gives up after :data:`MAX_NODES` nodes, which is then a
"not found".
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .collision import entity_blocks, tile_blocks
from .geometry import CHUNK_SIZE, BoundingBox, Position

if TYPE_CHECKING:
    from .entity import Entity
    from .force import Force
    from .surface import Surface

MAX_NODES = 60_000
_STEPS = [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1)]


@dataclass
class PathRequest:
    """One request_path call, answered when the tick after ``tick`` runs."""

    id: int
    surface: Surface
    tick: int
    box: BoundingBox  # about the origin
    layers: frozenset[str]
    start: Position
    goal: Position
    radius: float
    ignore: Entity | None
    # pathfind_flags.allow_paths_through_own_entities: the request's force's entities do not
    # block. Real Factorio may still prefer to go round them (its cost is not documented).
    passable_force: Force | None = None


class Obstacles:
    """The boxes of the entities that can block a request, by the nodes whose box they may touch.

    Filled a chunk of nodes at a time, on the first node asked about there:
    one area search per chunk instead of one per node. The surface does not
    change during a search, so what was read stays true.
    """

    def __init__(self, request: PathRequest) -> None:
        self.request = request
        self._loaded: set[tuple[int, int]] = set()
        self._by_node: dict[tuple[int, int], list[BoundingBox]] = {}

    def blocked(self, node: tuple[int, int], placed: BoundingBox) -> bool:
        chunk = (node[0] // CHUNK_SIZE, node[1] // CHUNK_SIZE)
        if chunk not in self._loaded:
            self._load(chunk)
        return any(other.overlaps(placed) for other in self._by_node.get(node, ()))

    def _load(self, chunk: tuple[int, int]) -> None:
        """Index the blockers that a request box centred on a node of ``chunk`` can overlap."""
        self._loaded.add(chunk)
        request, box = self.request, self.request.box
        left, top = chunk[0] * CHUNK_SIZE, chunk[1] * CHUNK_SIZE
        # Node (x, y) places the box at (x + 0.5, y + 0.5): the chunk's nodes reach this far.
        reach = BoundingBox(
            left + 0.5 + box.left,
            top + 0.5 + box.top,
            left + CHUNK_SIZE - 0.5 + box.right,
            top + CHUNK_SIZE - 0.5 + box.bottom,
        )
        ignored = request.ignore
        for other in request.surface.find_entities_filtered(area=reach):
            if other is ignored or (request.passable_force is not None and other.force is request.passable_force):
                continue
            other_box = other.bounding_box
            if other_box.is_empty or request.layers.isdisjoint(other.prototype.collision_layers):
                continue
            # Nodes whose placed box can overlap other_box, kept within this chunk.
            for x in range(
                max(left, math.floor(other_box.left - box.right - 0.5)),
                min(left + CHUNK_SIZE, math.ceil(other_box.right - box.left - 0.5) + 1),
            ):
                for y in range(
                    max(top, math.floor(other_box.top - box.bottom - 0.5)),
                    min(top + CHUNK_SIZE, math.ceil(other_box.bottom - box.top - 0.5) + 1),
                ):
                    self._by_node.setdefault((x, y), []).append(other_box)


def find_path(request: PathRequest) -> list[Position] | None:
    surface, box, layers = request.surface, request.box, request.layers
    ignore = [request.ignore] if request.ignore is not None else []
    origin_x, origin_y = math.floor(request.start.x), math.floor(request.start.y)
    free_cache: dict[tuple[int, int], bool] = {}
    obstacles = Obstacles(request)

    def blocker(placed: BoundingBox) -> Entity | None:
        return entity_blocks(surface, placed, layers, ignore, request.passable_force)

    def centre(node: tuple[int, int]) -> tuple[float, float]:
        return node[0] + 0.5, node[1] + 0.5

    def free(node: tuple[int, int]) -> bool:
        found = free_cache.get(node)
        if found is None:
            x, y = centre(node)
            placed = box.moved(x, y)
            found = not tile_blocks(surface, placed, layers) and not obstacles.blocked(node, placed)
            free_cache[node] = found
        return found

    goal_node = (math.floor(request.goal.x), math.floor(request.goal.y))
    goal_box = box.moved(request.goal.x, request.goal.y)
    goal_clear = not tile_blocks(surface, goal_box, layers) and blocker(goal_box) is None
    reach = max(request.radius, 0.0)

    def at_goal(node: tuple[int, int]) -> bool:
        if node == goal_node:
            return True
        x, y = centre(node)
        return reach > 0 and math.hypot(x - request.goal.x, y - request.goal.y) <= reach

    def estimate(node: tuple[int, int]) -> float:
        dx, dy = abs(node[0] - goal_node[0]), abs(node[1] - goal_node[1])
        return max(dx, dy) + (math.sqrt(2) - 1) * min(dx, dy)

    start = (origin_x, origin_y)
    came: dict[tuple[int, int], tuple[int, int] | None] = {start: None}
    cost = {start: 0.0}
    # Among nodes of equal estimated total, the one farthest along (least estimate left) comes
    # first, then the one reached first. Factorio does not document its tie-break; this common
    # A* rule puts a path's diagonal steps early (FLE's tests, run on real Factorio, expect
    # belts laid from (1, -1) towards (-2, 0) to step diagonally first, through (0.5, 0.5)).
    # Totals are rounded so that sums of the same steps in another order tie.
    queue = [(round(estimate(start), 9), estimate(start), 0, start)]
    order = 0
    while queue:
        *_, node = heapq.heappop(queue)
        if at_goal(node) and (node == start or free(node)):
            return _waypoints(request, _walk_back(came, node), goal_free=goal_clear and _adjacent(node, goal_node))
        if len(came) > MAX_NODES:
            return None
        for dx, dy in _STEPS:
            nxt = (node[0] + dx, node[1] + dy)
            if not free(nxt):
                continue
            if dx and dy and not (free((node[0] + dx, node[1])) and free((node[0], node[1] + dy))):
                continue
            new_cost = cost[node] + (math.sqrt(2) if dx and dy else 1.0)
            if new_cost < cost.get(nxt, math.inf):
                cost[nxt], came[nxt] = new_cost, node
                order += 1
                heapq.heappush(queue, (round(new_cost + estimate(nxt), 9), estimate(nxt), order, nxt))
    return None


def _adjacent(node: tuple[int, int], goal: tuple[int, int]) -> bool:
    return max(abs(node[0] - goal[0]), abs(node[1] - goal[1])) <= 1


def _walk_back(came: dict[tuple[int, int], tuple[int, int] | None], node: tuple[int, int]) -> list[tuple[int, int]]:
    nodes = [node]
    while (before := came[nodes[-1]]) is not None:
        nodes.append(before)
    return nodes[::-1]


def _waypoints(request: PathRequest, nodes: list[tuple[int, int]], goal_free: bool) -> list[Position]:
    points = [request.start] + [Position(x + 0.5, y + 0.5) for x, y in nodes[1:]]
    if goal_free and points[-1] != request.goal:
        points.append(request.goal)  # the free goal is one step from the last node
    return points
