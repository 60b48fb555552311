"""``rendering`` (LuaRendering) and LuaRenderObject, as FLE's tools draw their debug shapes."""

from __future__ import annotations

import pytest
from level_lua import error, lab_level, run, value

from fle_testkit.emulator.level import Level

CIRCLE = "{color = {r = 1, g = 0, b = 0}, surface = game.surfaces[1], radius = 0.5, target = {x = 1, y = 2}"


@pytest.fixture(scope="module")
def level(tmp_path_factory: pytest.TempPathFactory) -> Level:
    return lab_level(tmp_path_factory.mktemp("rendering-api"))


@pytest.fixture
def clean(level: Level) -> Level:
    run(level, "rendering.clear()")
    return level


def test_draw_circle_returns_an_object_that_reads_back(clean: Level) -> None:
    run(clean, f"storage.c = rendering.draw_circle({CIRCLE}, filled = false, only_in_alt_mode = true, width = 1}})")
    assert value(clean, "storage.c.object_name") == "LuaRenderObject"
    assert value(clean, "storage.c.type") == "circle"
    assert value(clean, "storage.c.radius") == 0.5
    assert value(clean, "storage.c.color") == {"r": 1, "g": 0, "b": 0, "a": 1}
    assert value(clean, "storage.c.target") == {"position": {"x": 1, "y": 2}}
    assert value(clean, "storage.c.only_in_alt_mode") is True
    assert value(clean, "storage.c.surface.name") == "nauvis"


def test_fields_are_writable_and_checked(clean: Level) -> None:
    run(clean, f"storage.c = rendering.draw_circle({CIRCLE}}})")
    run(clean, "storage.c.radius = 3 storage.c.target = {5, 6}")
    assert value(clean, "{storage.c.radius, storage.c.target.position.x}") == [3, 5]
    assert "must be a number, got string" in error(clean, "storage.c.radius = 'big'")
    assert "not available for render objects of type circle" in error(clean, "local x = storage.c.from")
    assert "LuaRenderObject doesn't contain key nonsense" in error(clean, "local x = storage.c.nonsense")


def test_required_fields(clean: Level) -> None:
    assert "radius is required" in error(
        clean, "rendering.draw_circle{color = {1, 0, 0}, surface = 1, target = {0, 0}}"
    )
    assert "surface is required" in error(
        clean, "rendering.draw_line{color = {1, 0, 0}, width = 1, from = {0, 0}, to = {1, 1}}"
    )
    assert "color must be a table" in error(clean, f"rendering.draw_circle({CIRCLE}, color = 5}})")


def test_lines_rectangles_text_arcs_polygons(clean: Level) -> None:
    run(
        clean,
        "local s = game.surfaces[1] "
        "storage.l = rendering.draw_line{surface = s, from = {0, 0}, to = {1, 1}, color = {1, 0, 1}, width = 2, dash_length = 0} "
        "storage.r = rendering.draw_rectangle{surface = s, left_top = {0, 0}, right_bottom = {2, 2}, color = {0, 1, 0}} "
        "storage.t = rendering.draw_text{surface = s, target = {0, 0}, text = 'hi', color = {1, 1, 1}} "
        "storage.a = rendering.draw_arc{surface = s, target = {0, 0}, color = {1, 1, 1}, max_radius = 2, min_radius = 1, "
        "start_angle = 0, angle = 1} "
        "storage.p = rendering.draw_polygon{surface = s, color = {1, 1, 1}, vertices = {{0, 0}, {1, 0}, {0, 1}}}",
    )
    assert value(clean, "{storage.l.type, storage.r.type, storage.t.type, storage.a.type, storage.p.type}") == [
        "line",
        "rectangle",
        "text",
        "arc",
        "polygon",
    ]
    assert value(clean, "storage.t.text") == "hi"
    assert value(clean, "#storage.p.vertices") == 3
    run(clean, "storage.r.set_corners({1, 1}, {3, 3}) storage.l.set_dashes(0.5, 0.25)")
    assert value(clean, "{storage.r.left_top.position.x, storage.l.gap_length}") == [1, 0.25]
    assert "not available for render objects of type circle" in error(
        clean, f"rendering.draw_circle({CIRCLE}}}).set_dashes(1, 1)"
    )


def test_ids_listing_destroy_and_clear(clean: Level) -> None:
    run(clean, f"storage.a = rendering.draw_circle({CIRCLE}}}) storage.b = rendering.draw_circle({CIRCLE}}})")
    assert value(clean, "storage.b.id - storage.a.id") == 1
    assert value(clean, "#rendering.get_all_objects()") == 2
    assert value(clean, "rendering.get_object_by_id(storage.a.id) == storage.a") is True
    run(clean, "storage.a_id = storage.a.id storage.a.destroy() storage.a.destroy()")  # a second destroy is no error
    assert value(clean, "{storage.a.valid, #rendering.get_all_objects()}") == [False, 1]
    assert value(clean, "rendering.get_object_by_id(storage.a_id) == nil") is True
    assert "LuaRenderObject API call when LuaRenderObject was invalid" in error(clean, "local r = storage.a.radius")
    run(clean, "rendering.clear()")
    assert value(clean, "{storage.b.valid, #rendering.get_all_objects()}") == [False, 0]


def test_time_to_live_expires_objects(clean: Level) -> None:
    run(clean, f"storage.c = rendering.draw_circle({CIRCLE}, time_to_live = 10}})")
    assert value(clean, "storage.c.time_to_live") == 10
    clean.advance(clean.tick + 10)
    assert value(clean, "storage.c.valid") is False


def test_an_object_on_a_destroyed_entity_goes_with_it(clean: Level) -> None:
    run(
        clean,
        "storage.e = game.surfaces[1].create_entity{name = 'iron-chest', position = {70, 70}, force = 'player'} "
        "storage.c = rendering.draw_circle{color = {1, 0, 0}, surface = 1, radius = 1, target = storage.e}",
    )
    assert value(clean, "storage.c.target.entity == storage.e") is True
    run(clean, "storage.e.destroy()")
    assert value(clean, "storage.c.valid") is False
