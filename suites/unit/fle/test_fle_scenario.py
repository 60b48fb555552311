"""Building FLE's scenario, checked against FLE's own script manager (no server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fle_testkit.errors import ScenarioError
from fle_testkit.fle.scenario import build_fle_scenario, fle_scripts
from fle_testkit.scenario import ScenarioBuilder

pytest.importorskip("fle.env.lua_manager", reason="FLE is not installed")


class ChecksumsOnlyRcon:
    """An RCON client that answers FLE's checksum query with given sums, and nothing else."""

    port = 0

    def __init__(self, sums: dict[str, str]) -> None:
        self.sums = sums
        self.sent: list[str] = []

    def send_command(self, command: str) -> str:
        self.sent.append(command)
        return json.dumps(self.sums) if "get_lua_script_checksums()" in command else ""


def _what_fle_would_upload(sums: dict[str, str]) -> set[str]:
    from fle.env.lua_manager import LuaScriptManager

    manager = LuaScriptManager(ChecksumsOnlyRcon(sums), cache_scripts=True)
    return set(manager.tool_scripts) | set(manager.lib_scripts)


def test_fles_script_manager_finds_every_script_already_in_the_scenario() -> None:
    sums = {s.key: s.md5 for s in fle_scripts()}
    assert _what_fle_would_upload(sums) == set()


def test_a_script_whose_sum_differs_would_be_uploaded() -> None:
    sums = {s.key: s.md5 for s in fle_scripts()}
    sums["agent/move_to/server.lua"] = "0" * 32
    del sums["utils"]
    assert _what_fle_would_upload(sums) == {"agent/move_to/server.lua", "utils"}


def test_the_scripts_come_in_the_order_fle_sends_them() -> None:
    keys = [s.key for s in fle_scripts()]
    assert keys[:2] == ["checksum", "initialise"]
    assert keys[-7:] == ["lualib_util", "utils", "alerts", "connection_points", "recipe_fluid_connection_mappings",
                         "serialize", "serialize_direction_fix"]  # fmt: skip
    tools = keys[2:-7]
    assert tools == sorted(tools, key=lambda key: (key.rsplit("/", 1)[0], key.endswith("server.lua"), key))


def test_the_scenario_holds_each_file_as_a_function_and_runs_them_in_on_init(tmp_path: Path) -> None:
    scenario = build_fle_scenario(tmp_path)
    files = scenario.files()
    move_to = next(s for s in fle_scripts() if s.key == "agent/move_to/server.lua")
    text = files[move_to.path].read_text()
    assert text.startswith("return function(...) " + move_to.text.splitlines()[0])
    control = files["control.lua"].read_text()
    assert f'require("{move_to.module}")' in control
    assert f'["agent/move_to/server.lua"] = "{move_to.md5}"' in control
    assert "script.on_init(" in control and "fle_storage.defer(" in control
    assert json.loads(files["emulator-map.json"].read_text()) == {"map": "fle-lab"}


def test_a_missing_fle_library_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLE_MODS_DIR", str(tmp_path / "mods"))
    with pytest.raises(ScenarioError, match=r"mods/checksum\.lua"):
        fle_scripts()


def test_an_extra_file_may_not_replace_one_of_the_base_scenario(tmp_path: Path) -> None:
    base = tmp_path / "base"
    base.mkdir()
    (base / "control.lua").write_text("-- base\n")
    (base / "map.lua").write_text("-- map\n")
    builder = ScenarioBuilder(base, out_root=tmp_path / "out", extra_files={"map.lua": b"-- other\n"})
    with pytest.raises(ScenarioError, match="'map.lua' is both an extra file"):
        builder.build()
