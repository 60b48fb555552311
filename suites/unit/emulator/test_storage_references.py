"""API objects kept in ``storage`` survive a save, as in Factorio."""

from __future__ import annotations

import re

import pytest

from fle_testkit.emulator import messages

pytestmark = pytest.mark.rcon_client

KEEP = """/sc
local surface = game.surfaces[1]
storage.chest = surface.create_entity{name = "iron-chest", position = {0, 0}, force = "player"}
storage.gone = surface.create_entity{name = "wooden-chest", position = {5, 0}}
storage.gone.destroy()
storage.force = game.forces.player
storage.tech = game.forces.player.technologies.automation
storage.item = prototypes.item["coal"]
storage.by_entity = {[storage.chest] = "value keyed by an entity"}
"""

READ = """/sc
local chest = game.surfaces[1].find_entity("iron-chest", {0.5, 0.5})
rcon.print(storage.chest == chest)
rcon.print(storage.chest.unit_number == chest.unit_number)
rcon.print(storage.gone.valid)
rcon.print(storage.force.name .. " " .. storage.tech.name .. " " .. storage.item.name)
"""


def test_references_come_back_as_the_same_things(emulator) -> None:
    server = emulator("--start-server-load-scenario", "lab")
    with server.connect() as client:
        client.send_command(KEEP)
        assert client.send_command("/save kept") is None
    server.stop()

    restarted = emulator("--start-server", "kept")
    with restarted.connect() as client:
        lines = client.send_command(READ).splitlines()
        invalid_use = client.send_command("/sc rcon.print(storage.gone.name)")
    restarted.stop()
    assert lines == ["true", "true", "false", "player automation coal"]
    assert invalid_use == "Cannot execute command. Error: LuaEntity API call when LuaEntity was invalid."


def test_an_object_with_no_saveable_form_fails_the_save_and_keeps_the_old_one(emulator) -> None:
    server = emulator("--start-server-load-scenario", "lab")
    with server.connect() as client:
        client.send_command("/save kept")
        server.wait_for(re.escape(messages.SAVING_FINISHED), timeout=10)
        before = (server.write_data / "saves" / "kept.zip").read_bytes()
        client.send_command("/sc storage.research = game.forces.player.technologies")  # a LuaCustomTable
        assert client.send_command("/save kept") is None  # written in the background: the log says how it went
        failure = server.wait_for("Map cannot be saved: ", timeout=10)
    server.stop()
    assert failure.endswith("Map cannot be saved: Cannot serialise lua userdata: storage.research is a userdata")
    assert (server.write_data / "saves" / "kept.zip").read_bytes() == before


def test_a_reference_to_a_vanished_entity_saves_again_after_a_reload(emulator) -> None:
    server = emulator("--start-server-load-scenario", "lab")
    with server.connect() as client:
        client.send_command(KEEP)
        client.send_command("/save kept")
    server.stop()
    reloaded = emulator("--start-server", "kept")
    with reloaded.connect() as client:
        again = client.send_command("/save kept-again")  # storage.gone is an invalid reference now
    reloaded.stop()
    assert again is None
    third = emulator("--start-server", "kept-again")
    with third.connect() as client:
        valid = client.send_command("/sc rcon.print(storage.gone.valid)")
    third.stop()
    assert valid == "false"


def test_a_level_that_replaces_base_functions_still_saves(emulator) -> None:
    server = emulator("--start-server-load-scenario", "lab")
    with server.connect() as client:
        client.send_command(
            "/sc storage.n = 5 string.format = function() error('mine') end type = function() return 'x' end"
        )
        reply = client.send_command("/save replaced")
        json_reply = client.send_command("/sc rcon.print(helpers.table_to_json({a = 1}))")
    server.stop()
    assert reply is None
    assert json_reply == '{"a":1}'
