"""Script render objects (``rendering.draw_*``): kept, listed and destroyed, never drawn.

Nothing is shown to anyone (the emulator has no players or screen), but a
script may read an object back, change it, list all of them or destroy them,
so each is kept with its fields. An object dies when destroyed, when its
``time_to_live`` ticks have passed, when its surface is deleted, or when an
entity it is attached to is gone (2.0 docs of LuaRendering).
Ids are handed out once per game and never reused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .entity import Entity
    from .surface import Surface


@dataclass(frozen=True, slots=True)
class Target:
    """A ScriptRenderTarget: a fixed position, or an entity plus an offset."""

    position: tuple[float, float] | None = None
    entity: Entity | None = None
    offset: tuple[float, float] = (0.0, 0.0)

    @property
    def alive(self) -> bool:
        return self.entity is None or self.entity.valid


@dataclass(slots=True)
class RenderObject:
    id: int
    type: str  # "circle", "line", "rectangle", "text", "arc", "polygon"
    surface: Surface
    fields: dict[str, Any]  # plain values by their Lua name (color, width, radius, ...)
    targets: dict[str, Target | list[Target]]  # target, from, to, left_top, right_bottom, vertices
    created: int  # tick
    time_to_live: int = 0  # ticks; 0: never expires
    destroyed: bool = False

    def alive(self, tick: int) -> bool:
        if self.destroyed:
            return False
        if self.time_to_live and tick >= self.created + self.time_to_live:
            return False
        for target in self.targets.values():
            if any(not t.alive for t in (target if isinstance(target, list) else [target])):
                return False
        return True


@dataclass(slots=True)
class Rendering:
    """All render objects of a game, in drawing order (back to front)."""

    surfaces: dict[int, Surface]  # the world's, to tell a deleted surface
    objects: dict[int, RenderObject] = field(default_factory=dict)
    next_id: int = 1

    def is_alive(self, found: RenderObject, tick: int) -> bool:
        return found.alive(tick) and self.surfaces.get(found.surface.index) is found.surface

    def add(
        self, kind: str, surface: Surface, fields: dict[str, Any], targets: dict[str, Any], tick: int
    ) -> RenderObject:
        time_to_live = int(fields.pop("time_to_live", 0) or 0)
        found = RenderObject(self.next_id, kind, surface, fields, targets, tick, time_to_live)
        self.objects[found.id] = found
        self.next_id += 1
        return found

    def live(self, tick: int) -> list[RenderObject]:
        """The objects still alive; the dead are forgotten."""
        for dead in [o for o in self.objects.values() if not self.is_alive(o, tick)]:
            dead.destroyed = True
            del self.objects[dead.id]
        return list(self.objects.values())

    def get(self, object_id: int, tick: int) -> RenderObject | None:
        found = self.objects.get(object_id)
        return found if found is not None and self.is_alive(found, tick) else None

    def destroy(self, found: RenderObject) -> None:
        found.destroyed = True
        self.objects.pop(found.id, None)

    def clear(self) -> None:
        for found in self.objects.values():
            found.destroyed = True
        self.objects.clear()

    def bring_to_front(self, found: RenderObject) -> None:
        if self.objects.pop(found.id, None) is not None:
            self.objects[found.id] = found

    def move_to_back(self, found: RenderObject) -> None:
        if self.objects.pop(found.id, None) is not None:
            self.objects = {found.id: found, **self.objects}
