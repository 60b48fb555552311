"""What a character has beyond its inventories: its hand-crafting queue, mining and walking state.

The queue and the walking state are kept, never advanced: crafting progress
and walking need the tick simulation, which is not built yet (see crafting.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class QueuedCraft:
    """One CraftingQueueItem: ``count`` crafts of ``recipe``."""

    recipe: str
    count: int
    prerequisite: bool = False


@dataclass
class CharacterState:
    crafting_queue: list[QueuedCraft] = field(default_factory=list)
    mining: bool = False
    mining_position: tuple[float, float] | None = None
    walking: bool = False
    walking_direction: int = 0  # defines.direction, 16-way
    running_speed_modifier: float = 0.0  # LuaControl.character_running_speed_modifier

    def to_state(self) -> dict[str, object]:
        return {
            "walking": [self.walking, self.walking_direction],
            "running_speed_modifier": self.running_speed_modifier,
            "crafting_queue": [[c.recipe, c.count, c.prerequisite] for c in self.crafting_queue],
            "mining": self.mining,
            "mining_position": None if self.mining_position is None else list(self.mining_position),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        self.crafting_queue = [QueuedCraft(str(r), int(c), bool(p)) for r, c, p in state.get("crafting_queue") or []]
        self.mining = bool(state.get("mining"))
        position = state.get("mining_position")
        self.mining_position = None if position is None else (float(position[0]), float(position[1]))
        walking, direction = state.get("walking") or (False, 0)
        self.walking, self.walking_direction = bool(walking), int(direction)
        self.running_speed_modifier = float(state.get("running_speed_modifier") or 0.0)
