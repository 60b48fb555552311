"""Grid snapping, box rotation and overlap, directions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fle_testkit.emulator.model.errors import InvalidArgumentError
from fle_testkit.emulator.model.geometry import (
    CHUNK_SIZE,
    BoundingBox,
    Position,
    check_direction,
    rotate_box,
    rotated_size,
    snap_to_grid,
)


@pytest.mark.parametrize(
    ("x", "y", "w", "h", "expected"),
    [
        (0, 0, 1, 1, (0.5, 0.5)),
        (0.99, -0.01, 1, 1, (0.5, -0.5)),
        (-3.2, 7.7, 1, 1, (-3.5, 7.5)),
        (0.3, 0.3, 2, 2, (0.0, 0.0)),
        (0.6, -0.6, 2, 2, (1.0, -1.0)),
        (0.4, 0.4, 3, 3, (0.5, 0.5)),
        (10.2, 3.9, 3, 2, (10.5, 4.0)),
        (1.23, 4.56, 0, 0, (1.23, 4.56)),
    ],
)
def test_snap_to_grid(x: float, y: float, w: int, h: int, expected: tuple[float, float]) -> None:
    assert snap_to_grid(x, y, w, h) == expected


@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6), st.integers(1, 10), st.integers(1, 10))
def test_snapped_footprint_lies_on_tile_edges(x: float, y: float, w: int, h: int) -> None:
    sx, sy = snap_to_grid(x, y, w, h)
    assert (sx - w / 2).is_integer() and (sy - h / 2).is_integer()
    assert abs(sx - x) <= 0.5 + 1e-9 and abs(sy - y) <= 0.5 + 1e-9
    assert snap_to_grid(sx, sy, w, h) == (sx, sy)


def test_rotate_box_quarter_turns() -> None:
    box = BoundingBox(-1.5, -1.0, 1.5, 0.5)  # wide, off-centre
    assert rotate_box(box, 0) == box
    assert rotate_box(box, 4) == BoundingBox(-0.5, -1.5, 1.0, 1.5)  # east
    assert rotate_box(box, 8) == BoundingBox(-1.5, -0.5, 1.5, 1.0)  # south
    assert rotate_box(box, 12) == BoundingBox(-1.0, -1.5, 0.5, 1.5)  # west
    assert rotate_box(box, 5) == rotate_box(box, 4)  # between east and south: as east


def test_rotated_size_swaps_for_east_and_west() -> None:
    assert rotated_size(3, 2, 0) == (3, 2)
    assert rotated_size(3, 2, 4) == (2, 3)
    assert rotated_size(3, 2, 8) == (3, 2)
    assert rotated_size(3, 2, 12) == (2, 3)


def test_box_overlap_excludes_touching_edges() -> None:
    a = BoundingBox(0, 0, 1, 1)
    assert a.overlaps(BoundingBox(0.5, 0.5, 2, 2))
    assert not a.overlaps(BoundingBox(1, 0, 2, 1))
    assert a.contains(1, 1) and not a.contains(1.01, 0.5)
    assert BoundingBox.of(((2, 3), (-1, -4))) == BoundingBox(-1, -4, 2, 3)


def test_chunks_cover_the_box() -> None:
    assert list(BoundingBox(-1, -1, 1, 1).chunks()) == [(-1, -1), (-1, 0), (0, -1), (0, 0)]
    assert list(BoundingBox(5, 5, 5, 5).chunks()) == [(0, 0)]
    assert list(BoundingBox(CHUNK_SIZE, 0, CHUNK_SIZE, 0).chunks()) == [(1, 0)]


@pytest.mark.parametrize("direction", [0, 4, 8, 12, 15, 3.0])
def test_valid_directions(direction: float) -> None:
    assert check_direction(direction) == int(direction)


@pytest.mark.parametrize("direction", [-1, 16, 2.5, "north", None, True])
def test_invalid_directions(direction: object) -> None:
    with pytest.raises(InvalidArgumentError, match="direction"):
        check_direction(direction)


def test_position_distance() -> None:
    assert Position(0, 0).distance_to(Position(3, 4)) == 5
