"""LuaForce research (queue, progress, add/cancel), LuaTechnology members, kill_all_units,
game.reset_game_state / player / map_settings: as FLE's reset, set_research,
get_research_progress and save/load_research_state use them."""

from __future__ import annotations

import pytest
from level_lua import error, lab_level, run, value

from fle_testkit.emulator.level import Level
from fle_testkit.emulator.model.research import MAX_QUEUE
from fle_testkit.emulator.model.world import World


@pytest.fixture(scope="module")
def level(tmp_path_factory: pytest.TempPathFactory) -> Level:
    return lab_level(tmp_path_factory.mktemp("research-api"))


@pytest.fixture
def force(level: Level) -> Level:
    """The player force reset, with automation-science-pack researched (as FLE's reset leaves it)."""
    level.run_command(
        "local f = game.forces.player f.reset() f.technologies['automation-science-pack'].researched = true", "reset"
    )
    return level


F = "game.forces.player"


class TestResearchQueue:
    def test_nothing_is_researched_at_first(self, force: Level) -> None:
        assert value(force, f"{F}.current_research == nil") is True
        assert value(force, f"{F}.research_progress") == 0
        assert value(force, f"#{F}.research_queue") == 0

    def test_add_research_starts_the_current_research(self, force: Level) -> None:
        assert value(force, f"{F}.add_research('automation')") is True
        assert value(force, f"{F}.current_research.name") == "automation"
        assert value(force, f"{F}.current_research.object_name") == "LuaTechnology"

    def test_add_research_takes_a_technology_or_its_prototype(self, force: Level) -> None:
        assert value(force, f"{F}.add_research({F}.technologies['automation'])") is True
        assert value(force, f"{F}.add_research(prototypes.technology['logistics'])") is True
        assert value(force, f"{{{F}.research_queue[1].name, {F}.research_queue[2].name}}") == [
            "automation",
            "logistics",
        ]

    def test_what_cannot_be_researched_is_not_queued(self, force: Level) -> None:
        # researched already; a trigger technology (no labs); prerequisites missing; twice
        assert value(force, f"{F}.add_research('automation-science-pack')") is False
        assert value(force, f"{F}.add_research('steam-power')") is False
        assert value(force, f"{F}.add_research('automation-2')") is False
        assert value(force, f"{F}.add_research('automation')") is True
        assert value(force, f"{F}.add_research('automation')") is False
        assert value(force, f"#{F}.research_queue") == 1

    def test_a_prerequisite_earlier_in_the_queue_is_enough(self, force: Level) -> None:
        assert value(force, f"{F}.add_research('automation')") is True
        assert value(force, f"{F}.add_research('electric-mining-drill')") is True

    def test_the_queue_has_a_limit(self, force: Level) -> None:
        names = ["automation", "electric-mining-drill", "fast-inserter", "gun-turret", "lamp", "logistics", "military"]
        assert len(names) == MAX_QUEUE
        for name in names:
            assert value(force, f"{F}.add_research('{name}')") is True
        assert value(force, f"{F}.add_research('radar')") is False

    def test_cancel_drops_the_current_research_and_what_depends_on_it(self, force: Level) -> None:
        queue = ["automation", "steel-processing", "logistic-science-pack", "automation-2", "logistics"]
        run(force, " ".join(f"{F}.add_research('{name}')" for name in queue))
        assert value(force, f"#{F}.research_queue") == 5
        run(force, f"{F}.cancel_current_research()")
        names = value(
            force,
            f"(function() local n = {{}} for i, t in ipairs({F}.research_queue) do n[i] = t.name end return n end)()",
        )
        assert names == ["steel-processing", "logistic-science-pack", "logistics"]

    def test_cancel_with_nothing_researched_does_nothing(self, force: Level) -> None:
        run(force, f"{F}.cancel_current_research()")
        assert value(force, f"{F}.current_research == nil") is True

    def test_writing_the_queue_replaces_it_and_drops_what_cannot_be_queued(self, force: Level) -> None:
        run(force, f"{F}.research_queue = {{'logistics', 'automation-2', 'automation'}}")
        assert value(force, f"{{{F}.research_queue[1].name, {F}.research_queue[2].name, #{F}.research_queue}}") == [
            "logistics",
            "automation",
            2,
        ]
        run(force, f"{F}.research_queue = nil")
        assert value(force, f"{F}.current_research == nil") is True

    def test_unknown_names_and_wrong_types_are_errors(self, force: Level) -> None:
        assert "Unknown technology name: no-such-tech" in error(force, f"{F}.add_research('no-such-tech')")
        assert "technology name, LuaTechnology or prototype expected, got number" in error(
            force, f"{F}.add_research(5)"
        )
        assert "table expected, got number" in error(force, f"{F}.research_queue = 3")
        assert "Expected 1 argument but 0 were given" in error(force, f"{F}.add_research()")

    def test_researching_the_current_research_finishes_it(self, force: Level) -> None:
        run(force, f"{F}.add_research('automation') {F}.add_research('logistics')")
        run(force, f"{F}.technologies['automation'].researched = true")
        assert value(force, f"{F}.current_research.name") == "logistics"

    def test_reset_empties_the_queue(self, force: Level) -> None:
        run(force, f"{F}.add_research('automation') {F}.reset()")
        assert value(force, f"{F}.current_research == nil") is True

    def test_previous_research_reads_back_what_was_written(self, force: Level) -> None:
        assert value(force, f"{F}.previous_research == nil") is True
        run(force, f"{F}.previous_research = 'automation'")
        assert value(force, f"{F}.previous_research.name") == "automation"
        run(force, f"{F}.previous_research = nil")
        assert value(force, f"{F}.previous_research == nil") is True

    def test_research_can_be_disabled_and_enabled(self, force: Level) -> None:
        run(force, f"{F}.disable_research()")
        assert value(force, f"{F}.research_enabled") is False
        run(force, f"{F}.enable_research()")
        assert value(force, f"{F}.research_enabled") is True


class TestResearchProgress:
    def test_progress_of_the_current_research(self, force: Level) -> None:
        run(force, f"{F}.add_research('automation') {F}.research_progress = 0.25")
        assert value(force, f"{F}.research_progress") == 0.25

    def test_progress_is_saved_when_the_research_is_cancelled(self, force: Level) -> None:
        run(force, f"{F}.add_research('automation') {F}.research_progress = 0.5 {F}.cancel_current_research()")
        assert value(force, f"{F}.research_progress") == 0
        assert value(force, f"{F}.technologies['automation'].saved_progress") == 0.5
        run(force, f"{F}.add_research('automation')")
        assert value(force, f"{F}.research_progress") == 0.5

    def test_progress_needs_a_current_research_and_a_fraction(self, force: Level) -> None:
        assert "no research in progress" in error(force, f"{F}.research_progress = 0.5")
        run(force, f"{F}.add_research('automation')")
        assert "not a number in the range [0, 1]" in error(force, f"{F}.research_progress = 1.5")
        assert "not a number in the range [0, 1]" in error(force, f"{F}.technologies['logistics'].saved_progress = -1")

    def test_research_state_survives_a_save(self, force: Level) -> None:
        run(force, f"{F}.add_research('automation') {F}.add_research('logistics') {F}.research_progress = 0.75")
        world = World.from_state(force.gamedata, force.world.to_state())
        research = world.get_force("player").research
        assert [t.name for t in research.queue] == ["automation", "logistics"]
        assert research.progress == 0.75


class TestTechnology:
    def test_research_unit_members(self, force: Level) -> None:
        assert value(force, f"{F}.technologies['automation'].research_unit_count") == 10
        assert value(force, f"{F}.technologies['automation'].research_unit_energy") == 600
        assert value(force, f"{F}.technologies['automation'].research_unit_ingredients") == [
            {"name": "automation-science-pack", "amount": 1}
        ]
        assert value(force, f"{F}.technologies['steam-power'].research_unit_count") == 0

    def test_count_formula_is_evaluated_at_the_level(self, force: Level) -> None:
        tech = f"{F}.technologies['mining-productivity-4']"
        formula = value(force, f"{tech}.research_unit_count_formula")
        level = value(force, f"{tech}.level")
        assert formula is not None
        assert value(force, f"{tech}.research_unit_count") == eval(formula.replace("^", "**").replace("L", str(level)))

    def test_successors_and_prerequisites_mirror_each_other(self, force: Level) -> None:
        assert (
            value(force, f"{F}.technologies['automation-science-pack'].successors['automation'].name") == "automation"
        )
        assert value(force, f"{F}.technologies['automation'].successors['automation-2'].name") == "automation-2"

    def test_research_recursive_researches_the_prerequisites(self, force: Level) -> None:
        run(force, f"{F}.technologies['automation-2'].research_recursive()")
        assert value(force, f"{F}.technologies['automation'].researched") is True
        assert value(force, f"{F}.technologies['automation-2'].researched") is True

    def test_reload_and_reset_technologies_keep_research(self, force: Level) -> None:
        run(
            force,
            f"local t = {F}.technologies['automation'] t.researched = true t.enabled = false "
            "t.visible_when_disabled = true t.reload()",
        )
        assert value(
            force,
            f"{{{F}.technologies['automation'].enabled, {F}.technologies['automation'].researched, "
            f"{F}.technologies['automation'].visible_when_disabled}}",
        ) == [True, True, False]
        run(force, f"{F}.technologies['logistics'].enabled = false {F}.reset_technologies()")
        assert value(force, f"{F}.technologies['logistics'].enabled") is True

    def test_upgrade(self, force: Level) -> None:
        assert value(force, f"{F}.technologies['automation'].upgrade") is False


class TestGame:
    def test_reset_game_state_exists_and_returns_nothing(self, level: Level) -> None:
        assert value(level, "game.reset_game_state()") is None

    def test_player_is_nil_for_a_command_no_player_typed(self, level: Level) -> None:
        assert value(level, "game.player == nil") is True

    def test_map_settings_are_the_data_stage_defaults_and_writable(self, level: Level) -> None:
        assert value(level, "game.map_settings.enemy_expansion.enabled") is True
        assert value(level, "game.map_settings.enemy_evolution.time_factor") == 0.000004
        run(
            level, "game.map_settings.enemy_expansion.enabled = false game.map_settings.enemy_evolution.enabled = false"
        )
        assert value(
            level, "{game.map_settings.enemy_expansion.enabled, game.map_settings.enemy_evolution.enabled}"
        ) == [
            False,
            False,
        ]
        run(level, "game.map_settings.enemy_expansion = {enabled = true, max_expansion_distance = 3}")
        assert value(level, "game.map_settings.enemy_expansion.max_expansion_distance") == 3
        assert level.world.map_settings["enemy_expansion"]["enabled"] is True

    def test_map_settings_check_keys_and_kinds(self, level: Level) -> None:
        assert "MapSettings.enemy_expansion doesn't contain key nope" in error(
            level, "game.map_settings.enemy_expansion.nope = 1"
        )
        assert "boolean expected, got number" in error(level, "game.map_settings.pollution.enabled = 1")
        assert "number expected, got string" in error(level, "game.map_settings.pollution.ageing = 'x'")
        assert value(level, "game.map_settings.pollution.object_name") == "MapSettings.pollution"

    def test_map_settings_survive_a_save(self, level: Level) -> None:
        run(level, "game.map_settings.unit_group.max_unit_group_size = 5")
        world = World.from_state(level.gamedata, level.world.to_state())
        assert world.map_settings["unit_group"]["max_unit_group_size"] == 5

    def test_kill_all_units_removes_the_forces_units_only(self, level: Level) -> None:
        run(
            level,
            "local s = game.surfaces[1] "
            "storage.b1 = s.create_entity{name = 'small-biter', position = {40, 40}, force = 'enemy'} "
            "storage.b2 = s.create_entity{name = 'small-biter', position = {44, 40}, force = 'player'} "
            "storage.nest = s.create_entity{name = 'biter-spawner', position = {50, 50}, force = 'enemy'}",
        )
        run(level, "game.forces.enemy.kill_all_units()")
        assert value(level, "{storage.b1.valid, storage.b2.valid, storage.nest.valid}") == [False, True, True]
        run(level, "storage.b2.destroy() storage.nest.destroy()")


def test_resource_categories_of_drills_and_characters(level: Level) -> None:
    assert value(level, "prototypes.entity['electric-mining-drill'].resource_categories") == {"basic-solid": True}
    assert value(level, "prototypes.entity['character'].resource_categories") == {"basic-solid": True}
    assert value(level, "prototypes.entity['iron-chest'].resource_categories == nil") is True
