"""FLE's fixtures on the worker's server, used as FLE's own tests use them."""

from __future__ import annotations

import os
from typing import Any

from fle_testkit.fle.fixtures import DEFAULT_INVENTORY

# Until the emulator has LuaGameScript.reset_game_state, FLE's reset aborts on its
# first line and never sets inventory or research (issue 10, part 3).

RESEARCHED = "/sc rcon.print(tostring(game.forces.player.technologies['automation'].researched))"


def test_each_test_starts_with_fles_default_inventory(namespace: Any) -> None:
    inventory = namespace.inspect_inventory()
    assert {item: inventory[item] for item in DEFAULT_INVENTORY} == DEFAULT_INVENTORY


def test_configure_game_gives_exactly_the_inventory_asked_for(configure_game: Any) -> None:
    namespace = configure_game(inventory={"iron-plate": 7, "coal": 3})
    inventory = namespace.inspect_inventory()
    assert inventory["iron-plate"] == 7
    assert inventory["coal"] == 3
    assert inventory["stone-furnace"] == 0


def test_configure_game_merges_into_the_default_inventory(configure_game: Any) -> None:
    namespace = configure_game(inventory={"iron-gear-wheel": 4}, merge=True)
    inventory = namespace.inspect_inventory()
    assert inventory["iron-gear-wheel"] == 4
    assert inventory["stone-furnace"] == DEFAULT_INVENTORY["stone-furnace"]


def test_the_instance_has_every_technology_researched(instance: Any) -> None:
    assert instance.rcon_client.send_command(RESEARCHED) == "true"


def test_the_unresearched_instance_has_none(unresearched_instance: Any) -> None:
    assert unresearched_instance.rcon_client.send_command(RESEARCHED) == "false"


def test_the_servers_address_is_exported_as_fle_reads_it(instance: Any) -> None:
    assert os.environ["FACTORIO_RCON_PORT"] == str(instance.tcp_port)
    assert os.environ["FACTORIO_HOST"] == instance.address
