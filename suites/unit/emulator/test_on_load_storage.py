"""on_load must not change `storage`: Factorio then refuses to load the game.

Auxiliary docs, "Storage": writing to storage during on_load "will lead to an
error to prevent desyncs". Setting metatables is what on_load is for, and is
no change of contents.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from fle_testkit.emulator import messages
from fle_testkit.emulator.config import LuaLimits
from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.level import Level
from fle_testkit.emulator.lua.runtime import LuaRuntimeError
from fle_testkit.emulator.lua.storage_guard import StorageGuard, StorageModifiedInOnLoad
from fle_testkit.emulator.model.world import World
from fle_testkit.emulator.process import CORE_LUALIB
from fle_testkit.emulator.saves import SaveContents

INIT = """\
local routed = {__newindex = function(t, k, v)
  if type(v) == "function" then _G.outside[k] = v else rawset(t, k, v) end
end}
outside = {}
script.register_metatable("routed", routed)
script.on_init(function()
  storage.count = 1
  storage.deep = {list = {1, 2, 3}, more = {name = "x"}}
  storage.actions = setmetatable({}, routed)
end)
script.on_load(function()
%s
end)
"""


@pytest.fixture(scope="module")
def gamedata():
    return load_vanilla()


def common(gamedata, tmp_path: Path, **extra) -> dict:
    return dict(
        gamedata=gamedata,
        log=lambda line: None,
        script_log=lambda line: None,
        script_output=tmp_path / "script-output",
        core_lualib=CORE_LUALIB,
        **extra,
    )


def saved(gamedata, tmp_path: Path, on_load: str, control: str = INIT) -> SaveContents:
    """A save of a new game whose control.lua has ``on_load`` as its on_load body."""
    level = Level.new(
        name="lab",
        scenario_files={"control.lua": (control % on_load).encode()},
        world=World.new(gamedata, 1),
        **common(gamedata, tmp_path),
    )
    return level.snapshot()


@pytest.mark.parametrize(
    "on_load",
    [
        "storage.count = 2",
        "storage.added = true",
        "storage.count = nil",
        "storage.deep.list[4] = 4",
        "storage.deep.more.name = 'y'",
        "table.insert(storage.deep.list, 1, 0)",
        "storage = {}",
        "rawset(storage.actions, 'x', 1)",
        "storage.actions.x = 1",
    ],
)
def test_a_write_in_on_load_fails_the_load(gamedata, tmp_path: Path, on_load: str) -> None:
    contents = saved(gamedata, tmp_path, on_load)
    with pytest.raises(StorageModifiedInOnLoad) as caught:
        Level.load(contents, **common(gamedata, tmp_path))
    assert isinstance(caught.value, LuaRuntimeError)  # the server reports it as a failed load
    assert caught.value.message == messages.STORAGE_MODIFIED_IN_ON_LOAD


@pytest.mark.parametrize(
    "on_load",
    [
        "",
        "local n = storage.count + #storage.deep.list",
        "setmetatable(storage.deep, {__index = function() return 0 end})",
        "setmetatable(storage.deep.list, nil)",
        "storage.actions.tool = function() return 'routed out' end",
        "storage.count = storage.count",
        "storage = {count = storage.count, deep = storage.deep, actions = storage.actions}",
        "storage.extra = 1 storage.extra = nil",
    ],
)
def test_reads_metatables_and_no_net_change_load(gamedata, tmp_path: Path, on_load: str) -> None:
    loaded = Level.load(saved(gamedata, tmp_path, on_load), **common(gamedata, tmp_path))
    assert loaded.run_command("rcon.print(storage.count)", "=(test)") == "1\n"


def test_a_metatable_set_in_on_load_is_kept(gamedata, tmp_path: Path) -> None:
    contents = saved(gamedata, tmp_path, "setmetatable(storage.deep, {__index = function() return 'meta' end})")
    loaded = Level.load(contents, **common(gamedata, tmp_path))
    assert loaded.run_command("rcon.print(storage.deep.anything)", "=(test)") == "meta\n"


def test_the_record_of_storage_does_not_count_against_the_memory_limit(gamedata, tmp_path: Path) -> None:
    """A storage that fits the limit loads, although the check's record of it is held while on_load runs."""
    control = INIT.replace(
        "storage.count = 1", "storage.count = 1 storage.big = {} for i = 1, 300000 do storage.big[i] = i end"
    )
    contents = saved(gamedata, tmp_path, "", control)
    probe = Level.load(contents, **common(gamedata, tmp_path))
    probe.sandbox.lua.execute("collectgarbage('collect')")
    used = probe.sandbox.lua.get_memory_used()
    record = StorageGuard(probe.sandbox.lua).record(probe.sandbox.globals.storage).size
    # A limit the loaded game fits, but not with the record on top.
    limit_mb = math.ceil((used + record // 2) / 2**20)
    assert used + record > limit_mb * 2**20 > used
    loaded = Level.load(contents, **common(gamedata, tmp_path, lua_limits=LuaLimits(memory_limit_mb=limit_mb)))
    assert loaded.run_command("rcon.print(#storage.big)", "=(test)") == "300000\n"
