"""ScenarioBuilder: content-hash names, builds written once, Lua syntax checked."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from fle_testkit.errors import ScenarioError
from fle_testkit.scenario import (
    BASE_CONTROL,
    HARNESS_ENTRY,
    Scenario,
    ScenarioBuilder,
    harness_lua_dir,
    packaged_scenarios_dir,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def modules(tmp_path: Path) -> Path:
    """A private copy of the harness modules, safe to change."""
    return Path(shutil.copytree(harness_lua_dir(), tmp_path / "lua"))


@pytest.fixture
def base(tmp_path: Path) -> Path:
    directory = tmp_path / "mybase"
    (directory / "lib").mkdir(parents=True)
    (directory / "control.lua").write_text(
        'local helper = require("lib.helper")\nscript.on_init(function() storage.base_ran = helper.answer end)\n'
    )
    (directory / "lib" / "helper.lua").write_text("return {answer = 42}\n")
    (directory / "description.json").write_text('{"order": "b", "multiplayer-compatible": true}')
    return directory


def test_the_modules_are_found_in_the_checkout() -> None:
    assert harness_lua_dir() == REPO / "lua"
    assert (packaged_scenarios_dir() / "lab" / "control.lua").is_file()


def test_a_build_is_named_by_its_content_and_holds_base_and_modules(tmp_path: Path) -> None:
    scenario = ScenarioBuilder("lab", out_root=tmp_path / "out").build()
    assert re.fullmatch(r"fle-lab-[0-9a-f]{12}", scenario.name)
    assert scenario.path == tmp_path / "out" / scenario.name
    files = scenario.files()
    assert {"control.lua", BASE_CONTROL, "description.json", HARNESS_ENTRY, "fle_testkit/checksum.lua"} <= set(files)
    assert list(files) == sorted(files)
    assert files[BASE_CONTROL].read_bytes() == (packaged_scenarios_dir() / "lab" / "control.lua").read_bytes()
    control = files["control.lua"].read_text()
    assert control.index('require("base_control")') < control.index('fle_testkit = require("fle_testkit.harness")')
    assert [p.name for p in (tmp_path / "out").iterdir()] == [scenario.name]  # no temporary left behind


def test_the_same_inputs_give_the_same_directory_without_rewriting(tmp_path: Path, modules: Path) -> None:
    first = ScenarioBuilder("lab", modules_dir=modules, out_root=tmp_path / "out").build()
    stamps = {rel: path.stat().st_mtime_ns for rel, path in first.files().items()}
    inode = first.path.stat().st_ino
    second = ScenarioBuilder("lab", modules_dir=modules, out_root=tmp_path / "out").build()
    assert second == first
    assert first.path.stat().st_ino == inode
    assert {rel: path.stat().st_mtime_ns for rel, path in second.files().items()} == stamps


def test_a_changed_module_or_base_file_gives_a_new_build(tmp_path: Path, modules: Path, base: Path) -> None:
    out = tmp_path / "out"
    original = ScenarioBuilder(base, modules_dir=modules, out_root=out).build()
    assert original.name.startswith("fle-mybase-")
    with (modules / "fle_testkit" / "reset.lua").open("a") as handle:
        handle.write("-- changed\n")
    changed_module = ScenarioBuilder(base, modules_dir=modules, out_root=out).build()
    (base / "lib" / "helper.lua").write_text("return {answer = 43}\n")
    changed_base = ScenarioBuilder(base, modules_dir=modules, out_root=out).build()
    assert len({original.name, changed_module.name, changed_base.name}) == 3
    assert (changed_base.path / "lib" / "helper.lua").read_text() == "return {answer = 43}\n"
    assert original.path.is_dir()  # earlier builds stay for whoever still uses them


def test_a_syntax_error_names_the_file_and_line_and_writes_nothing(tmp_path: Path, modules: Path) -> None:
    broken = modules / "fle_testkit" / "extra.lua"
    broken.write_text("local a = 1\n\nlocal b = = 2\n")
    with pytest.raises(ScenarioError) as raised:
        ScenarioBuilder("lab", modules_dir=modules, out_root=tmp_path / "out").build()
    assert f"{broken}:3: Lua syntax error:" in str(raised.value)
    assert (raised.value.file, raised.value.line) == (str(broken), 3)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_syntax_error_in_the_base_is_found_too(tmp_path: Path, base: Path) -> None:
    (base / "lib" / "helper.lua").write_text("return {answer = 42\n")
    with pytest.raises(ScenarioError, match=re.escape(str(base / "lib" / "helper.lua")) + r":\d+: Lua syntax error"):
        ScenarioBuilder(base, out_root=tmp_path / "out").build()


def test_lua_52_syntax_is_accepted(tmp_path: Path, base: Path) -> None:
    (base / "lib" / "goto.lua").write_text("for i = 1, 3 do\n  if i == 2 then goto continue end\n  ::continue::\nend\n")
    ScenarioBuilder(base, out_root=tmp_path / "out").build()


def test_conflicting_names_are_refused(tmp_path: Path, base: Path, modules: Path) -> None:
    (base / BASE_CONTROL).write_text("-- mine\n")
    with pytest.raises(ScenarioError, match=BASE_CONTROL):
        ScenarioBuilder(base, modules_dir=modules, out_root=tmp_path / "out").build()
    (base / BASE_CONTROL).unlink()
    (base / "fle_testkit").mkdir()
    (base / "fle_testkit" / "reset.lua").write_text("return {}\n")
    with pytest.raises(ScenarioError, match="fle_testkit/reset.lua"):
        ScenarioBuilder(base, modules_dir=modules, out_root=tmp_path / "out").build()


def test_an_unknown_base_is_refused_with_the_shipped_names(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="lab"):
        ScenarioBuilder(tmp_path / "missing", out_root=tmp_path / "out")


def test_a_base_without_control_lua_gets_only_the_harness(tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "description.json").write_text("{}")
    scenario = ScenarioBuilder(bare, out_root=tmp_path / "out").build()
    assert BASE_CONTROL not in scenario.files()
    assert "base_control" not in (scenario.path / "control.lua").read_text()


def test_copy_to_installs_once(tmp_path: Path) -> None:
    scenario = ScenarioBuilder("lab", out_root=tmp_path / "out").build()
    installed = scenario.copy_to(tmp_path / "write-data" / "scenarios")
    assert installed == tmp_path / "write-data" / "scenarios" / scenario.name
    assert Scenario(installed).files().keys() == scenario.files().keys()
    stamp = (installed / "control.lua").stat().st_mtime_ns
    assert scenario.copy_to(tmp_path / "write-data" / "scenarios") == installed
    assert (installed / "control.lua").stat().st_mtime_ns == stamp


@pytest.mark.rcon_client
def test_the_base_control_lua_still_runs(tmp_path: Path, base: Path, write_data: Path, emulator) -> None:
    scenario = ScenarioBuilder(base, out_root=tmp_path / "out").build()
    scenario.copy_to(write_data / "scenarios")
    server = emulator("--start-server-load-scenario", scenario.name)
    with server.connect() as client:
        reply = client.send_command(
            "/sc rcon.print(storage.base_ran .. ' ' .. type(fle_testkit.snapshot.take) .. ' ' .. type(fle_testkit.reset.run))"
        )
    server.stop()
    assert reply == "42 function function"
