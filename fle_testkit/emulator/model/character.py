"""What a character has beyond its inventories: its hand-crafting queue, mining and walking state.

The queue is the character's :class:`QueuedCraft` entries in order; one
``begin_crafting`` call makes one *group*: the intermediate crafts it needs
(``prerequisite`` entries) and then the crafts asked for. The items a group
took from the character (and the intermediates its crafts made) are its
``reserved`` items, out of the inventory until a craft uses them, the group
ends (what is left goes back), or a cancel gives them back. The tick
simulation advances the queue and the mining (handwork.py); walking is kept,
never advanced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class QueuedCraft:
    """One CraftingQueueItem: ``count`` crafts of ``recipe``, of the ``begin_crafting`` call ``group``."""

    recipe: str
    count: int
    prerequisite: bool = False
    group: int = 0


@dataclass
class CharacterState:
    crafting_queue: list[QueuedCraft] = field(default_factory=list)
    reserved: dict[int, dict[str, int]] = field(default_factory=dict)  # group -> items held for its crafts
    next_group: int = 1
    mining: bool = False
    mining_position: tuple[float, float] | None = None
    walking: bool = False
    walking_direction: int = 0  # defines.direction, 16-way
    running_speed_modifier: float = 0.0  # LuaControl.character_running_speed_modifier
    crafting_speed_modifier: float = 0.0  # LuaControl.character_crafting_speed_modifier
    mining_speed_modifier: float = 0.0  # LuaControl.character_mining_speed_modifier

    def to_state(self) -> dict[str, object]:
        return {
            "walking": [self.walking, self.walking_direction],
            "running_speed_modifier": self.running_speed_modifier,
            "crafting_speed_modifier": self.crafting_speed_modifier,
            "mining_speed_modifier": self.mining_speed_modifier,
            "crafting_queue": [[c.recipe, c.count, c.prerequisite, c.group] for c in self.crafting_queue],
            "reserved": [[group, dict(sorted(items.items()))] for group, items in sorted(self.reserved.items())],
            "next_group": self.next_group,
            "mining": self.mining,
            "mining_position": None if self.mining_position is None else list(self.mining_position),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        self.crafting_queue = [
            QueuedCraft(str(entry[0]), int(entry[1]), bool(entry[2]), int(entry[3]) if len(entry) > 3 else 0)
            for entry in state.get("crafting_queue") or []
        ]
        self.reserved = {
            int(group): {str(name): int(count) for name, count in items.items()}
            for group, items in state.get("reserved") or []
        }
        self.next_group = int(state.get("next_group") or 1)
        self.mining = bool(state.get("mining"))
        position = state.get("mining_position")
        self.mining_position = None if position is None else (float(position[0]), float(position[1]))
        walking, direction = state.get("walking") or (False, 0)
        self.walking, self.walking_direction = bool(walking), int(direction)
        self.running_speed_modifier = float(state.get("running_speed_modifier") or 0.0)
        self.crafting_speed_modifier = float(state.get("crafting_speed_modifier") or 0.0)
        self.mining_speed_modifier = float(state.get("mining_speed_modifier") or 0.0)
