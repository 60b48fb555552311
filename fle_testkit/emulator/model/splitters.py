"""Splitters on moving transport lines: where a lane's items choose between two outputs.

A splitter has two input belts and two output belts of two lanes each: eight lanes, numbered as
Factorio 2.0's ``defines.transport_line`` numbers them (the game's own table, shipped with the gamedata:
``left_line`` 1 ... ``secondary_right_split_line`` 8) for splitters (1, 2: the left input belt's
left and right lanes, ``left_line``/``right_line``; 3, 4: the right input belt's, ``secondary_left_line``
/``secondary_right_line``; 5 to 8 the same for the outputs, ``left_split_line`` ... ``secondary_right_split_line``).
Each lane is half a tile: an input lane is the end of the line that brings its items (it merges into
the belt behind), an output lane the start of the line that takes them on (the belt ahead merges into
it). The split itself happens between the halves, once a tick for each lane (left lanes and right lanes
apart: "The left and right lane splitting is now completely independent", the wiki's "Splitter" history
for 0.16.16), as that page and its "Splitter UI" section (2018, now "Belt transport system#Splitters") say:

- an item reaching the end of an input lane (within the tick: :meth:`Split.waiting`) goes onto the start of one of the two output lanes of the
  same side, the one its turn gives: items alternate between the outputs (a toggle per lane, flipped by
  each item placed); an output with no room passes the item to the other, so a blocked output, or one with
  no belt ahead (its half tile fills up, then it is blocked), gives everything to the other;
- ``splitter_output_priority`` ``"left"``/``"right"``: the item goes to that output when it has room, else to
  the other; with ``splitter_filter`` set as well, an item of the filter goes only to the priority output
  and every other item only to the other one (each waits while its output is blocked);
- ``splitter_input_priority`` ``"left"``/``"right"``: that input's item is placed first each tick, the other's
  only where room is left; ``"none"``: the inputs take turns (a toggle per lane, flipped by each item taken).

Choices where the game's behaviour is not known here, easy to change:

- which belt is "primary" (``left_line``, lines 1-2 and 5-6): the left one, facing the splitter's direction;
- the toggles start at the left output and the left input, are kept per lane, flip only when an item moves,
  and are saved with the splitter;
- a filter with output priority ``"none"`` does nothing (the wiki: "the slider for the output priority will
  be used for the filter instead"; the game's GUI only sets a filter with a side);
- each lane's half-tile length (0.5 tile, 128 units), and the item's jump from the end of an input half onto
  its output half: a quarter tile behind the output's back item, at most less than a tick's movement from
  the output's start (see :meth:`Split.entry`), so that compressed lanes pass at the documented rate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from . import belts

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .entity import Entity

LEFT, RIGHT = 0, 1
SPACING = 64  # (transport_lines.SPACING: a quarter tile between items on a lane)
#: ``turns`` on a splitter's belt state: the output each lane tries first, then the input it takes first.
NEW_TURNS = (LEFT, LEFT, LEFT, LEFT)


class Lane(Protocol):
    """What a split needs of a moving line (transport_lines.Line)."""

    names: list[str]
    gaps: list[int]
    speed: int

    def back(self) -> int: ...

    def insert(self, x: int, name: str) -> bool: ...

    def pop_front(self) -> str: ...


class Split:
    """One lane (0 left, 1 right) of one splitter: the lines ending at its two inputs and starting at its outputs."""

    __slots__ = ("entity", "lane", "inputs", "outputs")

    def __init__(self, entity: Entity, lane: int, inputs: Sequence[Any], outputs: Sequence[Any]) -> None:
        self.entity = entity
        self.lane = lane
        self.inputs: list[Any] = list(inputs)  # by side: the line whose end is this input (None: none)
        self.outputs: list[Any] = list(outputs)  # by side: the line that starts at this output

    def __repr__(self) -> str:
        return f"<Split {self.entity.name} {self.entity.id} lane={self.lane}>"

    def waiting(self, line: Lane) -> bool:
        """The input's front item reaches the split within this tick (it is less than a tick's movement away).

        It passes from there, not from standing at the end a tick later: a compressed lane loses no movement
        at the split (items standing a tick at a line's end pass one per whole number of ticks: 20/s on an
        express lane, where the wiki's "Express splitter" passes 22.5 a lane).
        """
        return bool(line.gaps) and line.gaps[-1] < line.speed

    def sides_for(self, name: str) -> list[int]:
        """The outputs an item may take, in the order it tries them."""
        state = belts._belt(self.entity)
        priority = state.output_priority
        if priority == "none":
            first = state.turns[self.lane]
            return [first, 1 - first]
        side = LEFT if priority == "left" else RIGHT
        if state.filter is not None:
            return [side] if name == state.filter else [1 - side]
        return [side, 1 - side]

    def input_order(self) -> list[int]:
        state = belts._belt(self.entity)
        if state.input_priority == "none":
            first = state.turns[2 + self.lane]
        else:
            first = LEFT if state.input_priority == "left" else RIGHT
        return [first, 1 - first]

    def entry(self, target: Lane, source: Lane) -> int | None:
        """Where the source line's front item lands on the output line (None: no room there).

        A quarter tile behind the output's back item, as far as the output moves in less than a tick: a
        compressed lane stays compressed through the split (an express lane's quarter tile is not a whole
        number of ticks: placed at the start only, it would carry 20 items a second, not the wiki's 22.5).
        """
        if target is source and len(source.names) == 1:  # (a loop through the splitter: it makes its own room)
            return 0
        room = target.back() - SPACING
        return None if room < 0 else min(room, target.speed - 1)

    def pass_through(self) -> list[Any]:
        """One tick of the split: each waiting input's front item onto an output with room. The lines changed."""
        state = belts._belt(self.entity)
        changed: list[Any] = []
        for side in self.input_order():
            line = self.inputs[side]
            if line is None or not self.waiting(line):
                continue
            for out in self.sides_for(line.names[-1]):
                target = self.outputs[out]
                x = None if target is None else self.entry(target, line)
                if x is None:
                    continue
                target.insert(x, line.pop_front())
                changed += [line, target]
                if state.output_priority == "none":
                    state.turns[self.lane] = 1 - out
                if state.input_priority == "none":
                    state.turns[2 + self.lane] = 1 - side
                break
        return changed

    def stuck(self, line: Any) -> bool:
        """The input's front item can go nowhere now, and no output it may take is moving to make room."""
        if not self.waiting(line):
            return False
        for out in self.sides_for(line.names[-1]):
            target = self.outputs[out]
            if target is not None and (target.active or self.entry(target, line) is not None):
                return False
        return True


# --- which lanes of two connected entities meet ---------------------------------------------


def tile_pairs(entity: Entity, target: Entity) -> list[tuple[int, int]]:
    """(tile of ``entity``, tile of ``target``) where the first outputs into the second (a splitter has two)."""
    dx, dy = belts.forward(entity.direction)
    found = []
    for s, (x, y) in enumerate(belts.lane_tiles(entity)):
        for t, (tx, ty) in enumerate(belts.lane_tiles(target)):
            if abs(x + dx - tx) < 1e-6 and abs(y + dy - ty) < 1e-6:
                found.append((s, t))
    return found


def output_lanes(entity: Entity, tile: int) -> list[Any]:
    """The two lanes (left, right) items leave ``entity`` on from one of its tiles."""
    lines = belts._belt(entity).lines
    return lines[4 + 2 * tile : 6 + 2 * tile] if entity.type == "splitter" else lines[0:2]


def input_lanes(entity: Entity, tile: int) -> list[Any]:
    """The two lanes (left, right) items enter ``entity`` on at one of its tiles."""
    lines = belts._belt(entity).lines
    return lines[2 * tile : 2 * tile + 2] if entity.type == "splitter" else lines[0:2]


def splits(entity: Entity) -> list[Split]:
    """A splitter's two splits (left lanes, right lanes) over the lines its lanes are part of now."""
    lines = belts._belt(entity).lines
    return [
        Split(entity, k, [lines[k].line, lines[2 + k].line], [lines[4 + k].line, lines[6 + k].line]) for k in (0, 1)
    ]


def split_outputs(segment: Any) -> list[Any]:
    """The output lanes an input lane of a splitter passes its items to (none for other lanes)."""
    owner = segment.owner
    if owner.type != "splitter" or segment.index > 4:
        return []
    lines = belts._belt(owner).lines
    lane = (segment.index - 1) % 2
    return [lines[4 + lane], lines[6 + lane]]
