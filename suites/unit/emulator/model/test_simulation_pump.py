"""Pumps in the tick simulation (pump.py): fluid from the segment behind a pump into the one ahead, at its
pumping speed (the wiki's "Pump": 1,200 units a second), only while powered."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import oracle

from fle_testkit.emulator.model import Surface, World
from fle_testkit.emulator.model.entity import Entity
from fle_testkit.emulator.model.fluid_segments import take
from fle_testkit.emulator.model.status import status


def pumped_line(surface: Surface, behind: int = 1, ahead: int = 1, power: bool = True) -> tuple[Entity, list, list]:
    """``behind`` pipes south of a pump facing north at (0.5, 1.0) and ``ahead`` pipes north of it; a pole
    and a solar panel (60 kW for its 30 kW) when ``power``."""
    back = [surface.create_entity("pipe", (0.5, 2.5 + i), force="player") for i in range(behind)]
    pump = surface.create_entity("pump", (0.5, 1.0), direction=0, force="player")
    front = [surface.create_entity("pipe", (0.5, -0.5 - i), force="player") for i in range(ahead)]
    if power:
        surface.create_entity("small-electric-pole", (2.5, 0.5), force="player")
        surface.create_entity("solar-panel", (5.5, 0.5), force="player")
    return pump, back, front


def amount(surface: Surface, entity: Entity) -> Fraction:
    return Fraction(surface.fluids.segment(entity, 1).amount)


class TestPump:
    def test_a_pump_parts_the_segments_behind_and_ahead(self, world: World, surface: Surface) -> None:
        pump, back, front = pumped_line(surface)
        segments = surface.fluids
        assert segments.segment(pump, 1) is segments.segment(front[0], 1)
        assert segments.segment(back[0], 1) is not segments.segment(pump, 1)
        assert segments.segment(back[0], 1).capacity == 100 and segments.segment(pump, 1).capacity == 500

    def test_a_pump_moves_1200_units_a_second(self, world: World, surface: Surface) -> None:
        assert oracle.pumping_rate("pump") == oracle.DOCUMENTED_FLUIDS[("pump", "water")]
        pump, back, front = pumped_line(surface, behind=1, ahead=30)
        segments = surface.fluids
        for tick in range(1, 61):
            segments.give(back[0], 1, "water", 100, 15.0)  # (a source that never runs dry)
            world.simulation.run_until(tick)
        assert amount(surface, front[0]) == oracle.pumping_rate("pump")
        assert status(pump) == "working"

    def test_it_stops_when_ahead_is_full_and_goes_on_when_drained(self, world: World, surface: Surface) -> None:
        pump, back, front = pumped_line(surface, behind=10)
        surface.fluids.give(back[0], 1, "water", 1000, 15.0)
        world.simulation.run_until(100)
        assert amount(surface, front[0]) == 500 and amount(surface, back[0]) == 500
        assert status(pump) == "full_output"
        steps = world.simulation.steps_run
        world.simulation.run_until(1000)
        assert world.simulation.steps_run == steps  # (asleep)
        take(front[0], 1, 50)
        world.simulation.run_until(1010)
        assert amount(surface, front[0]) == 500 and amount(surface, back[0]) == 450

    def test_with_nothing_behind_it_waits_for_fluid(self, world: World, surface: Surface) -> None:
        pump, back, front = pumped_line(surface)
        world.simulation.run_until(10)
        assert status(pump) == "no_input_fluid"
        surface.fluids.give(back[0], 1, "water", 30, 15.0)
        world.simulation.run_until(20)
        assert amount(surface, front[0]) == 30 and amount(surface, back[0]) == 0

    def test_unpowered_it_moves_nothing(self, world: World, surface: Surface) -> None:
        pump, back, front = pumped_line(surface, power=False)
        surface.fluids.give(back[0], 1, "water", 100, 15.0)
        world.simulation.run_until(60)
        assert status(pump) == "no_power" and amount(surface, front[0]) == 0

    def test_fluid_of_another_kind_ahead_blocks_it(self, world: World, surface: Surface) -> None:
        pump, back, front = pumped_line(surface)
        surface.fluids.give(front[0], 1, "crude-oil", 10, 25.0)
        surface.fluids.give(back[0], 1, "water", 10, 15.0)
        world.simulation.run_until(10)
        assert status(pump) == "full_output" and amount(surface, back[0]) == 10


class TestEngine:
    @staticmethod
    def build(world: World) -> list[Entity]:
        """An offshore pump feeding three pipes, a pump, and a pipe to a boiler making steam from a coal."""
        surface = world.get_surface(1)
        for x in range(-6, -1):
            for y in range(-3, 12):
                surface.tiles.set(x, y, "water")
        offshore = surface.create_entity("offshore-pump", (-0.5, 6.5), direction=12, force="player")
        pipes = [surface.create_entity("pipe", (0.5 + i, 6.5), force="player") for i in range(3)]
        turn = surface.create_entity("pipe", (3.5, 6.5), force="player")
        riser = [surface.create_entity("pipe", (3.5, 5.5 - i), force="player") for i in range(2)]
        pump = surface.create_entity("pump", (3.5, 3.0), direction=0, force="player")
        ahead = surface.create_entity("pipe", (3.5, 1.5), force="player")
        boiler = surface.create_entity("boiler", (5.5, 1.0), direction=0, force="player")  # (water in from the west)
        next(i for i in boiler.inventories.values() if i.name == "fuel").insert("coal", 1)
        surface.create_entity("small-electric-pole", (1.5, 3.5), force="player")
        surface.create_entity("solar-panel", (-0.5, 1.5), force="player")
        return [offshore, *pipes, turn, *riser, pump, ahead, boiler]

    def test_per_tick_stepping_gives_the_same_fluids(self, same_both_ways: Any) -> None:
        same_both_ways(self.build, 600)

    def test_a_pump_survives_a_save_exactly(self, world: World, resumed: Any) -> None:
        self.build(world)
        world.simulation.run_until(37)
        loaded = resumed(world, 900)
        boiler = loaded.get_surface(1).find_entities_filtered(name="boiler")[0]
        assert loaded.get_surface(1).fluids.box_content(boiler, 2) == ("steam", 133, 165.0)  # (a coal's worth)
