"""Save files: saves.py in-process, then saving and loading through the process.

A save is one top folder with the scenario's files, level.dat0,
level-init.dat and script.dat; it is written through NAME.tmp.zip and
renamed, so a failed save never leaves a half-written NAME.zip.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import zipfile
import zlib
from pathlib import Path

import pytest
from emulator_process import emulator_args, make_save, run_to_exit, write_scenario

from fle_testkit.emulator import messages, saves
from fle_testkit.emulator.saves import (
    FORMAT_VERSION,
    WORLD_MAGIC,
    SaveContents,
    SaveFileError,
    latest_save,
    read_save,
    read_scenario,
    save_name,
    write_save,
)


def contents(name: str = "lab", **files: bytes) -> SaveContents:
    return SaveContents(
        name=name,
        scenario_files={"control.lua": b"-- control\n", **files},
        level={"tick": 7, "speed": 1.0, "tick_paused": False, "world": {"seed": 1}},
        storage=b"storage-bytes",
        meta={"level_name": name, "factorio_version": "2.0.73"},
    )


def zip_with(path: Path, entries: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def level_dat(version: int = FORMAT_VERSION) -> bytes:
    return WORLD_MAGIC + zlib.compress(
        json.dumps({"format_version": version, "meta": {}, "level": {"tick": 0}}).encode()
    )


# --- in-process: writing -------------------------------------------------------------
class TestWrite:
    def test_layout_is_one_top_folder_named_after_the_save(self, tmp_path: Path) -> None:
        path = tmp_path / "saves" / "mine.zip"
        size = write_save(path, contents(**{"lib/helper.lua": b"return 1", "info.json": b"{}"}))
        assert size == path.stat().st_size
        with zipfile.ZipFile(path) as archive:
            names = sorted(archive.namelist())
        assert names == [
            "mine/control.lua",
            "mine/info.json",
            "mine/level-init.dat",
            "mine/level.dat0",
            "mine/lib/helper.lua",
            "mine/script.dat",
        ]

    def test_round_trip(self, tmp_path: Path) -> None:
        path = tmp_path / "mine.zip"
        original = contents(**{"lib/helper.lua": b"return 1"})
        write_save(path, original)
        back = read_save(path)
        assert back.name == "mine"
        assert back.scenario_files == original.scenario_files
        assert back.level == original.level
        assert back.storage == original.storage
        assert back.meta == original.meta

    def test_level_files_of_a_scenario_are_not_copied(self, tmp_path: Path) -> None:
        path = tmp_path / "mine.zip"
        write_save(path, contents(**{"level.dat0": b"stale", "script.dat": b"stale"}))
        with zipfile.ZipFile(path) as archive:
            assert archive.read("mine/level.dat0").startswith(WORLD_MAGIC)
            assert archive.read("mine/script.dat") == b"storage-bytes"

    def test_written_through_tmp_zip_and_renamed(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        renames: list[tuple[str, str]] = []
        real_replace = os.replace

        def spy(src, dst):
            renames.append((Path(src).name, Path(dst).name))
            assert Path(src).is_file() and zipfile.is_zipfile(src)
            real_replace(src, dst)

        monkeypatch.setattr(saves.os, "replace", spy)
        write_save(tmp_path / "mine.zip", contents())
        assert renames == [("mine.tmp.zip", "mine.zip")]
        assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.zip"]

    def test_failure_mid_write_keeps_the_old_save_and_leaves_no_tmp(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "mine.zip"
        write_save(path, contents())
        old = path.read_bytes()
        real_writestr = zipfile.ZipFile.writestr

        def full_disk(self, name, data, *args, **kwargs):
            if str(name).endswith("level.dat0"):
                raise OSError(28, "No space left on device")
            return real_writestr(self, name, data, *args, **kwargs)

        monkeypatch.setattr(zipfile.ZipFile, "writestr", full_disk)
        with pytest.raises(SaveFileError, match=re.escape(f"cannot write {path}: No space left on device")):
            write_save(path, contents(**{"new.lua": b"-- new"}))
        assert path.read_bytes() == old
        assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.zip"]

    def test_failure_at_rename_leaves_no_tmp(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        def refuse(src, dst):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(saves.os, "replace", refuse)
        with pytest.raises(SaveFileError):
            write_save(tmp_path / "mine.zip", contents())
        assert list(tmp_path.iterdir()) == []

    def test_save_name(self) -> None:
        assert save_name(Path("a/b/mine.zip")) == "mine"
        assert save_name(Path("mine")) == "mine"


# --- in-process: reading ----------------------------------------------------------------
class TestRead:
    def test_corrupt_zip(self, tmp_path: Path) -> None:
        path = tmp_path / "bad.zip"
        path.write_bytes(b"PK\x03\x04 this is not really a zip")
        with pytest.raises(SaveFileError, match=re.escape(str(path)) + ".*not a valid zip"):
            read_save(path)

    def test_two_top_folders(self, tmp_path: Path) -> None:
        path = zip_with(tmp_path / "two.zip", {"a/level.dat0": level_dat(), "b/control.lua": b""})
        with pytest.raises(SaveFileError, match=r"exactly one top folder, found \['a', 'b'\]"):
            read_save(path)

    def test_file_at_the_top_level(self, tmp_path: Path) -> None:
        path = zip_with(tmp_path / "flat.zip", {"level.dat0": level_dat()})
        with pytest.raises(SaveFileError, match="exactly one top folder"):
            read_save(path)

    def test_no_level_dat(self, tmp_path: Path) -> None:
        path = zip_with(tmp_path / "empty.zip", {"x/control.lua": b""})
        with pytest.raises(SaveFileError, match="has no level.dat0"):
            read_save(path)

    def test_real_factorio_save(self, tmp_path: Path) -> None:
        path = zip_with(tmp_path / "real.zip", {"real/level.dat0": b"\x02\x00\x49\x00binary", "real/control.lua": b""})
        with pytest.raises(SaveFileError, match=re.escape(str(path)) + " is a save of real Factorio"):
            read_save(path)

    def test_newer_format_version(self, tmp_path: Path) -> None:
        path = zip_with(tmp_path / "new.zip", {"new/level.dat0": level_dat(FORMAT_VERSION + 1)})
        with pytest.raises(SaveFileError, match=f"save format {FORMAT_VERSION + 1}, newer than this emulator reads"):
            read_save(path)

    def test_damaged_level_dat(self, tmp_path: Path) -> None:
        path = zip_with(tmp_path / "dmg.zip", {"dmg/level.dat0": WORLD_MAGIC + b"not zlib"})
        with pytest.raises(SaveFileError, match="damaged level.dat0"):
            read_save(path)

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(SaveFileError, match="does not exist"):
            read_save(tmp_path / "absent.zip")

    def test_read_scenario_takes_every_file(self, tmp_path: Path) -> None:
        directory = write_scenario(
            tmp_path, "lab", control="-- c", **{"lib/a.lua": "return 1", "locale/en/x.cfg": "[x]"}
        )
        assert read_scenario(directory) == {"control.lua": b"-- c", "lib/a.lua": b"return 1", "locale/en/x.cfg": b"[x]"}

    def test_read_scenario_needs_control_lua(self, tmp_path: Path) -> None:
        (tmp_path / "empty").mkdir()
        with pytest.raises(SaveFileError, match="has no control.lua"):
            read_scenario(tmp_path / "empty")


class TestLatest:
    def test_newest_by_mtime_ignoring_tmp(self, tmp_path: Path) -> None:
        for name, mtime in [("old.zip", 1000), ("new.zip", 2000), ("newest.tmp.zip", 3000), ("notes.txt", 4000)]:
            (tmp_path / name).write_bytes(b"x")
            os.utime(tmp_path / name, (mtime, mtime))
        assert latest_save(tmp_path) == tmp_path / "new.zip"

    def test_mtime_not_name_decides(self, tmp_path: Path) -> None:
        for name, mtime in [("a.zip", 2000), ("z.zip", 1000)]:
            (tmp_path / name).write_bytes(b"x")
            os.utime(tmp_path / name, (mtime, mtime))
        assert latest_save(tmp_path) == tmp_path / "a.zip"

    def test_none_without_saves(self, tmp_path: Path) -> None:
        assert latest_save(tmp_path / "absent") is None
        (tmp_path / "only.tmp.zip").write_bytes(b"x")
        assert latest_save(tmp_path) is None


# --- through the process ------------------------------------------------------------------
ORDER_CONTROL = """\
trace = {}
trace[#trace + 1] = "control:" .. tostring(storage.mark)
script.on_init(function() storage.mark = "init"; trace[#trace + 1] = "init" end)
script.on_load(function() trace[#trace + 1] = "load:" .. tostring(storage.mark) end)
"""

FINGERPRINT = """/sc rcon.print(helpers.table_to_json({
  tick = game.tick, speed = game.speed, paused = game.tick_paused,
  entities = (function() local out = {} for _, e in pairs(game.surfaces[1].find_entities_filtered{}) do
    out[#out + 1] = {e.name, e.unit_number, e.position, e.force.name, e.direction} end return out end)(),
  plates = game.surfaces[1].find_entity('iron-chest', {0.5, 0.5}).get_inventory(defines.inventory.chest).get_contents(),
  automation = game.forces.player.technologies['automation'].researched,
  recipe = game.forces.player.recipes['assembling-machine-1'].enabled,
  storage = storage,
}))"""

BUILD_WORLD = """/sc
local s = game.surfaces[1]
local chest = s.create_entity{name = 'iron-chest', position = {0.5, 0.5}, force = 'player'}
chest.get_inventory(defines.inventory.chest).insert{name = 'iron-plate', count = 150}
s.create_entity{name = 'wooden-chest', position = {4.5, -3.5}, direction = defines.direction.east}
game.forces.player.technologies['automation'].researched = true
storage.note = 'kept'
storage.numbers = {1, 2.5, [10] = -3}
game.speed = 3
game.tick_paused = true
"""


def saved_storage(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(f"{save_name(path)}/script.dat")


@pytest.mark.rcon_client
class TestThroughTheProcess:
    def test_console_save_writes_the_zip_and_logs(self, emulator, write_data: Path) -> None:
        write_scenario(write_data, "lab", **{"lib/helper.lua": "return {}", "info.json": "{}"})
        server = emulator("--start-server-load-scenario", "lab")
        with server.connect() as client:
            assert client.send_command("/save manual") is None
        path = write_data / "saves" / "manual.zip"
        server.wait_for(re.escape(messages.SAVING_FINISHED), timeout=10)
        saving = [line for line in server.lines if "Saving" in line]
        assert [line[9:] for line in saving] == [messages.SAVING_GAME.format(path=path), messages.SAVING_FINISHED]
        with zipfile.ZipFile(path) as archive:
            assert sorted(archive.namelist()) == [
                "manual/control.lua",
                "manual/info.json",
                "manual/level-init.dat",
                "manual/level.dat0",
                "manual/lib/helper.lua",
                "manual/script.dat",
            ]
        assert not list((write_data / "saves").glob("*.tmp.zip"))

    def test_scenario_runs_on_init_and_a_save_runs_on_load(self, emulator, write_data: Path) -> None:
        write_scenario(write_data, "lab", control=ORDER_CONTROL)
        first = emulator("--start-server-load-scenario", "lab")
        with first.connect() as client:
            assert client.send_command("/sc rcon.print(table.concat(trace, ' '))") == "control:nil init"
            client.send_command("/save order")
        assert first.stop() == 0
        second = emulator("--start-server", "order")
        with second.connect() as client:
            assert client.send_command("/sc rcon.print(table.concat(trace, ' '))") == "control:nil load:init"

    def test_start_server_with_a_bare_name_loads_saves_name_zip(self, emulator, write_data: Path) -> None:
        save = make_save(write_data, "bare")
        server = emulator("--start-server", "bare")
        assert any(f"Loading map {save}:" in line for line in server.lines)

    def test_load_latest_takes_the_newest_by_mtime_and_ignores_tmp(self, emulator, write_data: Path) -> None:
        older, newer = make_save(write_data, "older"), make_save(write_data, "newer")
        os.utime(older, (1000, 1000))
        os.utime(newer, (2000, 2000))
        tmp = write_data / "saves" / "newest.tmp.zip"
        tmp.write_bytes(b"half-written")
        os.utime(tmp, (3000, 3000))
        server = emulator("--start-server-load-latest")
        assert any(f"Loading map {newer}:" in line for line in server.lines)
        assert tmp.read_bytes() == b"half-written"

    def test_function_in_storage_refuses_the_save_and_keeps_the_previous(self, emulator, write_data: Path) -> None:
        server = emulator("--start-server-load-scenario", "lab")
        path = write_data / "saves" / "guarded.zip"
        with server.connect() as client:
            client.send_command("/save guarded")
            server.wait_for(re.escape(messages.SAVING_FINISHED), timeout=10)
            before = path.read_bytes()
            client.send_command("/sc storage.callback = function() end")
            assert client.send_command("/save guarded") is None  # written in the background: the log says how it went
            failure = server.wait_for("Map cannot be saved: ", timeout=10)
            assert failure.endswith(
                messages.SAVE_FAILED.format(
                    path=path, error="Cannot serialise lua functions: storage.callback is a function"
                )
            )
            assert client.send_command("/sc rcon.print('alive')") == "alive"
        assert path.read_bytes() == before
        assert not list((write_data / "saves").glob("*.tmp.zip"))

    @pytest.mark.parametrize("how", ["SIGTERM", "/quit", "/server-save"])
    def test_save_over_the_loaded_file(self, emulator, write_data: Path, how: str) -> None:
        save = make_save(write_data, "world")
        server = emulator("--start-server", "world")
        with server.connect() as client:
            client.send_command(f"/sc storage.written_by = '{how}'")
            if how.startswith("/"):
                client.send_command(how)
        if how == "/server-save":
            server.wait_for(re.escape(messages.SAVING_FINISHED))
            assert server.stop() == 0
        elif how == "/quit":
            assert server.process.wait(20) == 0
            server.stop()
        else:
            assert server.stop(signal.SIGTERM) == 0
        assert how.encode() in saved_storage(save)
        assert sorted(p.name for p in save.parent.iterdir()) == ["world.zip"]

    def test_world_survives_save_and_restart(self, emulator, write_data: Path) -> None:
        first = emulator("--start-server-load-scenario", "lab")
        with first.connect() as client:
            client.send_command(BUILD_WORLD)
            before = json.loads(client.send_command(FINGERPRINT))
            client.send_command("/save world")
        assert first.stop() == 0
        second = emulator("--start-server-load-latest")
        with second.connect() as client:
            after = json.loads(client.send_command(FINGERPRINT))
        assert after == before
        assert before["plates"] == [{"name": "iron-plate", "count": 150, "quality": "normal"}]
        assert (before["speed"], before["paused"], before["automation"], before["recipe"]) == (3, True, True, True)
        assert before["storage"]["note"] == "kept"
        assert len(before["entities"]) == 2


BAD_SAVES = {
    "corrupt-zip": lambda path: path.write_bytes(b"PK\x03\x04 truncated garbage"),
    "two-top-folders": lambda path: zip_with(path, {"a/level.dat0": level_dat(), "b/control.lua": b""}),
    "real-factorio-save": lambda path: zip_with(
        path, {"bad/level.dat0": b"\x02\x00binary world", "bad/control.lua": b""}
    ),
    "newer-format": lambda path: zip_with(
        path, {"bad/level.dat0": level_dat(FORMAT_VERSION + 1), "bad/control.lua": b""}
    ),
}


@pytest.mark.parametrize("make_bad", list(BAD_SAVES.values()), ids=list(BAD_SAVES))
def test_bad_save_is_refused_and_left_unchanged(write_data: Path, make_bad) -> None:
    path = write_data / "saves" / "bad.zip"
    path.parent.mkdir(parents=True, exist_ok=True)
    make_bad(path)
    original = path.read_bytes()
    done = run_to_exit(emulator_args(write_data, ["--start-server", "bad"]), cwd=write_data)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    refusal = [line for line in lines if f"Cannot load map {path}" in line]
    assert len(refusal) == 1, done.stdout
    assert lines[-1].endswith(" Goodbye")
    assert "Traceback" not in done.stdout + done.stderr
    assert path.read_bytes() == original
    assert sorted(p.name for p in path.parent.iterdir()) == ["bad.zip"]


class TestDamagedContents:
    @pytest.mark.parametrize("level", [{"tick": "x"}, {"world": {}}, ["not", "a", "dict"]])
    def test_a_save_with_our_header_but_damaged_level_data_is_refused(self, write_data: Path, level) -> None:
        from fle_testkit.emulator.saves import WORLD_MAGIC

        path = write_data / "saves" / "damaged.zip"
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("damaged/control.lua", "")
            body = {"format_version": 1, "meta": {}, "level": level}
            archive.writestr("damaged/level.dat0", WORLD_MAGIC + zlib.compress(json.dumps(body).encode()))
        before = path.read_bytes()
        done = run_to_exit(emulator_args(write_data, ["--start-server", "damaged"]), cwd=write_data)
        assert done.returncode == 1
        assert "Cannot load map" in done.stdout and "damaged" in done.stdout
        assert "Traceback" not in done.stdout + done.stderr
        assert path.read_bytes() == before


class TestConsoleSaveNames:
    def test_a_save_name_with_a_path_is_refused(self, emulator, write_data: Path) -> None:
        server = emulator("--start-server-load-scenario", "lab")
        with server.connect() as client:
            outside = client.send_command("/save /tmp/outside-the-saves")
            dotted = client.send_command("/save ../up")
        server.stop()
        assert outside.startswith("Map cannot be saved: save name '/tmp/outside-the-saves' must be a bare name")
        assert dotted.startswith("Map cannot be saved: save name '../up' must be a bare name")
        assert not Path("/tmp/outside-the-saves.zip").exists()


# --- reading with a size bound (zip bombs) ---------------------------------------------
def lie_about_size(path: Path, member: str, size: int) -> None:
    """Rewrite the uncompressed size that ``member``'s headers declare (local and central)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    data[info.header_offset + 22 : info.header_offset + 26] = size.to_bytes(4, "little")
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_length = int.from_bytes(data[central + 28 : central + 30], "little")
        if data[central + 46 : central + 46 + name_length] == member.encode():
            data[central + 24 : central + 28] = size.to_bytes(4, "little")
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))


def bomb(path: Path, payload: int, declared: int | None = None) -> Path:
    """A save whose script.dat is ``payload`` zero bytes (deflate packs them ~1000:1)."""
    zip_with(path, {"bomb/level.dat0": level_dat(), "bomb/control.lua": b""})
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("bomb/script.dat", "w") as member:
            for _ in range(payload // (1 << 20)):
                member.write(bytes(1 << 20))
    if declared is not None:
        lie_about_size(path, "bomb/script.dat", declared)
    return path


class TestReadBounds:
    @pytest.fixture(autouse=True)
    def small_bounds(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(saves, "MAX_MEMBER_BYTES", 1 << 20)
        monkeypatch.setattr(saves, "MAX_TOTAL_BYTES", 3 << 19)

    def test_a_member_over_the_bound_is_refused_by_its_header(self, tmp_path: Path) -> None:
        path = bomb(tmp_path / "bomb.zip", 2 << 20)
        assert path.stat().st_size < 20_000
        with pytest.raises(SaveFileError) as caught:
            read_save(path)
        assert str(caught.value) == messages.SAVE_MEMBER_TOO_LARGE.format(
            path=path, member="bomb/script.dat", bound=1 << 20
        )

    def test_members_over_the_total_bound_are_refused(self, tmp_path: Path) -> None:
        path = zip_with(
            tmp_path / "many.zip",
            {"many/level.dat0": level_dat(), "many/a.bin": bytes(1 << 20), "many/b.bin": bytes(1 << 20)},
        )
        with pytest.raises(SaveFileError, match="its files unpack to more than 1572864 bytes"):
            read_save(path)

    def test_a_header_that_understates_the_size_is_caught_while_streaming(self, tmp_path: Path) -> None:
        path = bomb(tmp_path / "liar.zip", 2 << 20, declared=1000)
        with pytest.raises(SaveFileError) as caught:
            read_save(path)
        assert f"{path}: member bomb/script.dat is damaged or its size header lies" in str(caught.value)

    def test_a_stream_longer_than_its_header_is_stopped_at_the_bound(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # zipfile stops at the declared size; were a reader to go on, the count while reading stops it.
        path = bomb(tmp_path / "stream.zip", 1 << 20, declared=1000)
        real_open = zipfile.ZipFile.open

        def endless(self: zipfile.ZipFile, name: str, *args: object, **kwargs: object) -> io.BytesIO:
            if name.endswith("script.dat"):
                return io.BytesIO(bytes(2 << 20))
            return real_open(self, name, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(zipfile.ZipFile, "open", endless)
        with pytest.raises(SaveFileError, match="member bomb/script.dat unpacks to more than 1048576 bytes"):
            read_save(path)

    def test_a_save_within_the_bounds_reads(self, tmp_path: Path) -> None:
        write_save(tmp_path / "fine.zip", contents())
        assert read_save(tmp_path / "fine.zip").storage == b"storage-bytes"


def test_a_zip_bomb_is_refused_at_start_with_the_file_and_the_bound(write_data: Path) -> None:
    path = bomb(write_data / "saves" / "bad.zip", 1 << 20, declared=saves.MAX_MEMBER_BYTES + 1)
    done = run_to_exit(emulator_args(write_data, ["--start-server", "bad"]), cwd=write_data)
    assert done.returncode == 1
    refusal = [line for line in done.stdout.splitlines() if f"Cannot load map {path}" in line]
    assert len(refusal) == 1, done.stdout
    assert f"unpacks to more than {saves.MAX_MEMBER_BYTES} bytes" in refusal[0]
    assert "Traceback" not in done.stdout + done.stderr


class TestLuaMemoryOnLoad:
    def test_a_save_whose_storage_does_not_fit_the_lua_memory_limit_is_refused(
        self, emulator, write_data: Path
    ) -> None:
        server = emulator("--start-server-load-scenario", "lab")
        with server.connect() as client:
            client.send_command(
                "/sc storage.big = {} for i = 1, 8 do storage.big[i] = string.rep(tostring(i), 2^22) end"
            )
            client.send_command("/save big")
        server.wait_for("Saving finished")
        server.stop()
        path = write_data / "saves" / "big.zip"
        before = path.read_bytes()
        done = run_to_exit(
            emulator_args(write_data, ["--start-server", "big"], "--lua-memory-limit", "24"), cwd=write_data
        )
        assert done.returncode == 1
        assert "Cannot load map" in done.stdout and "--lua-memory-limit of 24 MB" in done.stdout
        assert "Traceback" not in done.stdout + done.stderr
        assert path.read_bytes() == before
