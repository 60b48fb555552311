"""Electric networks derived from positions: wire reach, supply areas, ids, and their upkeep."""

from __future__ import annotations

from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.model import Entity, Surface, World

GD = load_vanilla()


def pole(
    surface: Surface, x: float, y: float = 0.5, name: str = "small-electric-pole", force: str = "player"
) -> Entity:
    return surface.create_entity(name, (x, y), force=force)


def network(entity: Entity) -> int | None:
    return entity.surface.electric.network_id(entity)


def test_poles_in_wire_reach_share_a_network_and_others_do_not(surface: Surface) -> None:
    a, b, far = pole(surface, 0.5), pole(surface, 7.5), pole(surface, 15.5)  # 7 apart (reach 7.5), then 8
    assert network(a) == network(b) == a.id
    assert network(far) == far.id != network(a)


def test_the_shorter_reach_of_the_two_poles_decides(surface: Surface) -> None:
    medium, medium_too = (
        pole(surface, 0.5, name="medium-electric-pole"),
        pole(surface, 8.5, name="medium-electric-pole"),
    )
    assert network(medium) == network(medium_too)  # 8 apart, within 9
    small = pole(surface, 16.5)  # 8 from the second medium pole: within its 9, beyond a small pole's 7.5
    assert network(small) == small.id != network(medium_too)


def test_a_machine_in_a_supply_area_is_on_that_network(surface: Surface) -> None:
    p = pole(surface, 0.5)  # supply area 2.5 each way: x from -2 to 3
    inside = surface.create_entity("assembling-machine-1", (3.5, 0.5), force="player")  # box from x 2.3
    outside = surface.create_entity("assembling-machine-1", (0.5, 4.5), force="player")  # box from y 3.3
    chest = surface.create_entity("iron-chest", (1.5, 0.5), force="player")  # not electric
    assert network(inside) == network(p) == p.id
    assert network(outside) is None and network(chest) is None


def test_removing_the_middle_pole_splits_the_network(surface: Surface) -> None:
    left, middle, right = pole(surface, 0.5), pole(surface, 7.5), pole(surface, 14.5)
    assert network(left) == network(middle) == network(right) == left.id
    middle.destroy()
    assert network(left) == left.id  # the part with the oldest pole keeps the id
    assert network(right) == right.id


def test_a_teleported_pole_reads_its_new_place(surface: Surface) -> None:
    a, b = pole(surface, 0.5), pole(surface, 30.5)
    machine = surface.create_entity("assembling-machine-1", (32.5, 0.5), force="player")
    assert network(a) != network(b) and network(machine) == network(b)
    b.teleport(6.5, 0.5)
    assert network(b) == network(a) and network(machine) is None
    machine.teleport(8.5, 0.5)  # box from x 7.3, within the moved pole's area (up to 9)
    assert network(machine) == network(a)


def test_turning_an_entity_can_put_it_in_or_out_of_supply(surface: Surface) -> None:
    p = pole(surface, 0.5)  # supply area up to x 3
    engine = surface.create_entity("steam-engine", (5.5, 0.5), direction=0, force="player")  # 3 wide, 5 long
    assert network(engine) is None
    engine.direction = 4  # now 5 wide: its box starts at x 3.15, still out
    assert network(engine) is None
    engine.teleport(4.5, 0.5)
    assert network(engine) == network(p)  # from x 2.15 turned east
    engine.direction = 0  # 3 wide again: from x 3.15
    assert network(engine) is None


def test_other_forces_poles_are_not_wired_but_supply(world: World, surface: Surface) -> None:
    world.create_force("rivals")
    ours, theirs = pole(surface, 0.5), pole(surface, 5.5, force="rivals")
    assert network(ours) != network(theirs)
    lamp = surface.create_entity("small-lamp", (7.5, 0.5), force="player")  # only in the rivals' pole's area
    assert network(lamp) == network(theirs)


def test_ids_differ_between_surfaces(world: World, surface: Surface) -> None:
    other = world.create_surface("elsewhere")
    assert network(pole(surface, 0.5)) != network(pole(other, 0.5))


def test_networks_come_back_after_a_save_from_positions_alone(world: World, surface: Surface) -> None:
    a, b, c = pole(surface, 0.5), pole(surface, 7.5), pole(surface, 20.5)
    surface.create_entity("assembling-machine-1", (21.5, 2.5), force="player")
    before = {e.id: network(e) for e in surface.entities}
    again = World.from_state(GD, world.to_state()).get_surface(1)
    assert {e.id: network(e) for e in again.entities} == before
    assert before[a.id] == before[b.id] != before[c.id]


def test_a_network_shares_one_statistics_object(surface: Surface) -> None:
    names = GD.entities
    left, middle, right = pole(surface, 0.5), pole(surface, 7.5), pole(surface, 14.5)
    stats = surface.electric.statistics(left, names)
    stats.on_flow("steam-engine", 5)
    assert surface.electric.statistics(right, names) is stats
    middle.destroy()
    assert surface.electric.statistics(left, names) is stats
    split_off = surface.electric.statistics(right, names)
    assert split_off is not stats and split_off.get_input_count("steam-engine") == 0
