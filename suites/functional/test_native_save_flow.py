"""Factorio's native save flow, end to end, on the embedded server.

Bootstrap once from a scenario (``--start-server-load-scenario``, ``/save``
over RCON, stop), then every start loads the latest save
(``--start-server-load-latest``). Each test owns its write-data directory, so
the suite runs the same under ``pytest -n 8``.

These drive the emulator process directly, as a harness drives Factorio;
test_worker_lifecycle.py does the same through the plugin's fixtures.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
from pathlib import Path

import pytest
from emulator_process import write_scenario

CHECKSUM = """/sc
local chest = game.surfaces[1].find_entity("iron-chest", {0.5, 0.5})
local inv = chest.get_inventory(defines.inventory.chest)
rcon.print(helpers.table_to_json({
  unit = chest.unit_number,
  plates = inv.get_item_count("iron-plate"),
  automation = game.forces.player.technologies["automation"].researched,
  storage = storage,
}))"""

BUILD_WORLD = """/sc
local chest = game.surfaces[1].create_entity{name = "iron-chest", position = {0.5, 0.5}, force = "player"}
chest.get_inventory(defines.inventory.chest).insert{name = "iron-plate", count = 150}
game.forces.player.technologies["automation"].researched = true
storage.note = "kept"
storage.numbers = {1, 2.5, [10] = -3}
"""


def bootstrap(emulator, name: str = "pristine") -> Path:
    """Scenario → ``/save NAME`` → stop: the save directory's first save."""
    server = emulator("--start-server-load-scenario", "lab")
    with server.connect() as client:
        client.send_command(f"/save {name}")
    server.wait_for(re.escape("Saving finished"))
    assert server.stop() == 0
    return server.write_data / "saves" / f"{name}.zip"


def test_bootstrap_writes_the_pristine_save(emulator) -> None:
    save = bootstrap(emulator)
    assert save.is_file()
    assert not list(save.parent.glob("*.tmp.zip"))


def test_restart_from_latest_keeps_the_world(emulator) -> None:
    bootstrap(emulator)
    first = emulator("--start-server-load-latest")
    with first.connect() as client:
        client.send_command(BUILD_WORLD)
        before = client.send_command(CHECKSUM)
    assert first.stop() == 0  # SIGTERM saves over the loaded file

    second = emulator("--start-server-load-latest")
    with second.connect() as client:
        after = client.send_command(CHECKSUM)
    second.stop()
    assert after == before
    assert '"plates":150' in after and '"note":"kept"' in after


def test_on_init_runs_once_and_on_load_on_every_restart(emulator) -> None:
    bootstrap(emulator)
    for expected_loads in (1, 1):  # on_load runs once per process; on_init never again
        server = emulator("--start-server-load-latest")
        with server.connect() as client:
            boots = client.send_command("/sc rcon.print(storage.boots)")
            loads = client.send_command("/sc rcon.print(loaded_count)")
        server.stop()
        assert boots == "1"
        assert loads == str(expected_loads)


def test_restoring_an_older_save_makes_it_the_one_loaded(emulator) -> None:
    pristine = bootstrap(emulator)
    # Stopping saves over the loaded file, so a restore point is a copy.
    snapshot = pristine.with_name("snapshot.zip")
    shutil.copy2(pristine, snapshot)
    os.utime(snapshot, ns=(pristine.stat().st_mtime_ns - 10**9,) * 2)
    server = emulator("--start-server-load-latest")
    with server.connect() as client:
        client.send_command("/sc storage.note = 'changed'")
    server.stop()

    assert server.lines and "Loading map " + str(pristine) in "\n".join(server.lines)
    snapshot.touch()  # Factorio picks the newest by mtime: restoring = making it newest
    restarted = emulator("--start-server-load-latest")
    with restarted.connect() as client:
        note = client.send_command("/sc rcon.print(tostring(storage.note))")
    restarted.stop()
    assert note == "nil"


def test_a_killed_server_comes_back_from_its_last_good_save(emulator) -> None:
    bootstrap(emulator)
    server = emulator("--start-server-load-latest")
    with server.connect() as client:
        client.send_command("/sc storage.note = 'saved'")
        client.send_command("/save pristine")
        server.wait_for(re.escape("Saving finished"))
        client.send_command("/sc storage.note = 'lost'")
    server.stop(signal.SIGKILL)

    revived = emulator("--start-server-load-latest")
    with revived.connect() as client:
        note = client.send_command("/sc rcon.print(storage.note)")
    revived.stop()
    assert note == "saved"


@pytest.mark.parametrize("scenario", ["lab", "modular"])
def test_scenario_modules_travel_inside_the_save(emulator, write_data: Path, scenario: str) -> None:
    """Lua the harness needs is embedded in the scenario, so restarts upload nothing."""
    if scenario == "modular":
        write_scenario(
            write_data,
            "modular",
            control='local helper = require("helper")\ncommands_ready = helper.ready()\n',
            **{"helper.lua": "return { ready = function() return 'yes' end }\n"},
        )
    server = emulator("--start-server-load-scenario", scenario)
    with server.connect() as client:
        client.send_command("/save pristine")
    server.wait_for(re.escape("Saving finished"))
    server.stop()

    restarted = emulator("--start-server-load-latest")
    with restarted.connect() as client:
        ready = client.send_command("/sc rcon.print(tostring(commands_ready))")
    restarted.stop()
    assert ready == ("yes" if scenario == "modular" else "nil")
