"""A force's research: the queue, the current research's progress, the previous one.

Labs advance the current research (lab.py: a finished unit adds 1 / unit
count to its progress, the last one sets ``researched``); a script may write
the progress or set ``researched`` too. The queue follows Factorio 2.0's rules as
the API documents them: it is always enabled (2.0 has no queue setting); a
technology is queued only if the force could research it, i.e. it is not
researched, is enabled, is researched with labs (not by a trigger) and each
prerequisite is researched or earlier in the queue; the first entry is the
current research.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import InvalidArgumentError, StateError

if TYPE_CHECKING:
    from .force import Force, Technology

#: Keys machines wait on for a force's research (labs without one), below every entity id and transport-line
#: anchor: ``WAKE_KEY_BASE - force index``.
WAKE_KEY_BASE = -(2**40)


def wake_key(force_index: int) -> int:
    """What a lab waiting for its force's research sleeps on (Simulation.notify)."""
    return WAKE_KEY_BASE - force_index


def _nothing() -> None:
    pass


#: Factorio's research queue holds at most 7 technologies (the GUI's limit in
#: 1.1; assumed unchanged in 2.0, not confirmed).
MAX_QUEUE = 7


class Research:
    __slots__ = ("force", "queue", "previous", "enabled", "triggered", "changed")

    def __init__(self, force: Force) -> None:
        self.force = force
        self.queue: list[Technology] = []
        self.previous: Technology | None = None
        self.enabled = True
        # What trigger technologies counted so far, by name (research_triggers.py).
        self.triggered: dict[str, int] = {}
        # Told when the current research may have changed (the world wakes the force's idle labs).
        self.changed: Callable[[], None] = _nothing

    @property
    def current(self) -> Technology | None:
        return self.queue[0] if self.queue else None

    # --- the queue ------------------------------------------------------------

    def can_queue(self, technology: Technology, ahead: list[Technology]) -> bool:
        """Whether ``technology`` may join a queue that holds ``ahead``."""
        if technology.researched or not technology.enabled or technology.prototype.unit is None:
            return False
        if technology in ahead or len(ahead) >= MAX_QUEUE:
            return False
        technologies = self.force.technologies
        return all(
            technologies[name].researched or technologies[name] in ahead
            for name in technology.prototype.prerequisites
            if name in technologies
        )

    def add(self, technology: Technology) -> bool:
        """Queue ``technology`` at the back; whether it was queued (LuaForce::add_research)."""
        if not self.can_queue(technology, self.queue):
            return False
        self.queue.append(technology)
        self.changed()
        return True

    def set_queue(self, technologies: list[Technology]) -> None:
        """Replace the queue; entries that cannot be queued are dropped silently, as in Factorio."""
        self.queue = []
        for technology in technologies:
            self.add(technology)
        self.changed()

    def cancel_current(self) -> None:
        """Stop the current research (its progress stays saved) and drop what depended on it."""
        if self.queue:
            del self.queue[0]
            self.set_queue(list(self.queue))

    def finished(self, technology: Technology) -> None:
        """``technology`` became researched: it leaves the queue and keeps no progress."""
        technology.saved_progress = 0.0
        if technology in self.queue:
            self.queue.remove(technology)
            self.changed()

    def clear(self) -> None:
        self.queue = []
        self.changed()

    # --- progress -------------------------------------------------------------

    @property
    def progress(self) -> float:
        """The current research's progress in [0, 1]; 0 when nothing is researched."""
        current = self.current
        return 0.0 if current is None else current.saved_progress

    @progress.setter
    def progress(self, value: float) -> None:
        current = self.current
        if current is None:
            raise InvalidArgumentError("no research in progress")
        current.saved_progress = check_progress(value)

    # --- state ----------------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        return {
            "queue": [t.name for t in self.queue],
            "previous": None if self.previous is None else self.previous.name,
            "enabled": self.enabled,
            "triggered": dict(self.triggered),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        """Restore exactly (the queue is not re-checked: it was valid when saved)."""
        try:
            self.queue = [self.force.technology(str(name)) for name in state["queue"]]
            previous = state["previous"]
            self.previous = None if previous is None else self.force.technology(str(previous))
            self.enabled = bool(state["enabled"])
            self.triggered = {str(name): int(count) for name, count in state.get("triggered", {}).items()}
        except KeyError as error:
            raise StateError(f"malformed research state: missing {error}") from None


def check_progress(value: Any) -> float:
    """A progress fraction: a number in [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise InvalidArgumentError(f"progress must be a number in [0, 1], got {value!r}")
    return float(value)
