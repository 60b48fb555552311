"""Save directories: locking between processes, Factorio's latest-save rule,
validation, copy, restore and prune."""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fle_testkit.errors import ConfigurationError, SaveDirError, SaveDirLockedError
from fle_testkit.savedir import LOCK_FILE_NAME, SaveDir, SaveRoot

SECOND = 1_000_000_000
BASE = 1_700_000_000 * SECOND  # a fixed, whole-second mtime for saves made by tests


def make_save(
    directory: Path,
    name: str,
    *,
    mtime_ns: int | None = None,
    members: dict[str, bytes] | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    """A small save zip: one top folder with control.lua and level.dat0 (or ``members``)."""
    path = directory / (name if name.endswith(".zip") else name + ".zip")
    top = path.name[: -len(".zip")]
    if members is None:
        members = {f"{top}/control.lua": b"-- control\n", f"{top}/level.dat0": b"level " + top.encode()}
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


@pytest.fixture
def root(tmp_path: Path) -> SaveRoot:
    return SaveRoot(tmp_path / ".fle" / "saves")


@pytest.fixture
def save_dir(root: SaveRoot) -> Iterator[SaveDir]:
    with root.claim(0) as held:
        yield held


# --- other processes ---------------------------------------------------------

CHILD = """
import sys
from fle_testkit.savedir import SaveRoot
root = SaveRoot(sys.argv[1])
held = root.claim_any() if sys.argv[2] == "any" else root.claim(int(sys.argv[2]))
print(held.index, flush=True)
sys.stdin.read()
held.release()
"""


class Holder:
    """A ``python -c`` child that claims a directory and holds it until told to stop."""

    def __init__(self, root: SaveRoot, which: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(root.path), which],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def wait_claimed(self) -> int:
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(30)
            pytest.fail(f"holder exited without claiming: {self.process.stderr.read()}")
        return int(line)

    def finish(self) -> None:
        self.process.stdin.close()
        assert self.process.wait(30) == 0, self.process.stderr.read()


@pytest.fixture
def spawn_holder() -> Iterator[Callable[[SaveRoot, str], Holder]]:
    children: list[Holder] = []

    def spawn(root: SaveRoot, which: str) -> Holder:
        child = Holder(root, which)
        children.append(child)
        return child

    yield spawn
    for child in children:
        if child.process.poll() is None:
            child.process.kill()
            child.process.wait(30)
        for stream in (child.process.stdin, child.process.stdout, child.process.stderr):
            stream.close()


def test_another_process_holding_a_directory_makes_claim_fail_naming_it(root, spawn_holder):
    child = spawn_holder(root, "0")
    assert child.wait_claimed() == 0

    with pytest.raises(SaveDirLockedError) as caught:
        root.claim(0)

    message = str(caught.value)
    assert repr(str(root.path / "0")) in message
    assert f"pid {child.process.pid!r}" in message
    assert repr(socket.gethostname()) in message
    assert "since " in message and "claim_any()" in message and f"kill {child.process.pid}" in message
    assert caught.value.holder.pid == child.process.pid
    assert caught.value.directory == root.path / "0"
    assert isinstance(caught.value, (SaveDirError, BlockingIOError))


def test_claim_any_skips_a_directory_another_process_holds(root, spawn_holder):
    spawn_holder(root, "0").wait_claimed()
    with root.claim_any() as mine:
        assert mine.index == 1
        assert mine.path == root.path / "1"


def test_a_directory_released_by_another_process_can_be_claimed(root, spawn_holder):
    child = spawn_holder(root, "0")
    child.wait_claimed()
    child.finish()
    with root.claim(0) as mine:
        assert mine.previous_holder is None  # a clean release leaves no record


def test_a_holder_killed_with_sigkill_leaves_a_directory_the_next_claimant_takes(root, spawn_holder):
    child = spawn_holder(root, "0")
    child.wait_claimed()
    child.process.send_signal(signal.SIGKILL)
    child.process.wait(30)

    with root.claim(0) as mine:
        assert mine.held
        assert mine.previous_holder is not None
        assert mine.previous_holder.pid == child.process.pid


def test_processes_claiming_at_once_get_distinct_directories(root, spawn_holder):
    children = [spawn_holder(root, "any") for _ in range(4)]
    indexes = sorted(child.wait_claimed() for child in children)
    assert indexes == [0, 1, 2, 3]
    for child in children:
        child.finish()


def test_a_forked_child_neither_keeps_nor_drops_the_parents_lock(root):
    held = root.claim(0)
    to_child_r, to_child_w = os.pipe()
    from_child_r, from_child_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: report, try to release, wait for the parent
        try:
            os.write(from_child_w, b"1" if held.held else b"0")
            held.release()
            os.write(from_child_w, b"r")
            os.read(to_child_r, 1)
        finally:
            os._exit(0)
    try:
        assert os.read(from_child_r, 1) == b"0"  # the child does not count as holder
        assert os.read(from_child_r, 1) == b"r"  # ...and its release() changed nothing
        with pytest.raises(SaveDirLockedError):
            root.claim(0)
        held.release()  # the child is still alive: the lock must not stay with it
        root.claim(0).release()
    finally:
        os.write(to_child_w, b"x")
        os.waitpid(pid, 0)
        for fd in (to_child_r, to_child_w, from_child_r, from_child_w):
            os.close(fd)


# --- in this process ----------------------------------------------------------


def test_claim_makes_the_directory_and_a_dotfile_lock(root):
    with root.claim(3) as held:
        assert held.path == root.path / "3" and held.index == 3
        assert held.saves == held.path  # bound to Factorio's saves/ as it is
        assert os.fspath(held) == str(held.path)
        assert (held.path / LOCK_FILE_NAME).is_file()
        assert LOCK_FILE_NAME.startswith(".") and not LOCK_FILE_NAME.endswith(".zip")
        assert held.list() == [] and held.latest() is None


def test_a_second_claim_in_the_same_process_fails_and_says_so(root):
    with root.claim(0):
        with pytest.raises(SaveDirLockedError, match="that is this process"):
            root.claim(0)


def test_claim_any_takes_the_lowest_free_index(root):
    first, third = root.claim(0), root.claim(2)
    second = root.claim_any()
    fourth = root.claim_any()
    assert (second.index, fourth.index) == (1, 3)
    for held in (first, second, third, fourth):
        held.release()


def test_claim_any_with_a_limit_lists_every_directory_tried(root):
    held = [root.claim(0), root.claim(1)]
    with pytest.raises(SaveDirLockedError) as caught:
        root.claim_any(limit=2)
    message = str(caught.value)
    assert repr(str(root.path / "0")) in message and repr(str(root.path / "1")) in message
    assert "limit=" in message
    for each in held:
        each.release()


def test_a_holder_without_a_record_is_reported_as_unknown(root):
    directory = root.path / "0"
    directory.mkdir(parents=True)
    fd = os.open(directory / LOCK_FILE_NAME, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(SaveDirLockedError, match="left no record"):
            root.claim(0)
    finally:
        os.close(fd)


def test_release_twice_is_harmless_and_the_directory_can_be_claimed_again(root):
    held = root.claim(0)
    held.release()
    held.release()
    assert not held.held
    with root.claim(0) as again:
        assert again.held
    assert not again.held


def test_a_released_dir_still_reads_but_refuses_changes(root):
    held = root.claim(0)
    make_save(held.path, "a")
    held.release()
    assert held.latest().name == "a"
    assert held.validate("a").name == "a"
    for change in (lambda: held.copy("a"), lambda: held.restore("a"), lambda: held.prune(keep=0)):
        with pytest.raises(SaveDirError, match=r"(?s)was released.*claim\(0\)"):
            change()


@pytest.mark.parametrize("bad", [-1, 1.0, "0", True, None])
def test_a_bad_index_is_a_configuration_error(root, bad):
    with pytest.raises(ConfigurationError, match=repr(bad).replace("(", r"\(")):
        root.claim(bad)


def test_the_root_path_is_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert SaveRoot().path == tmp_path / ".fle" / "saves"


# --- names and the latest-save rule ----------------------------------------------


def test_path_of_a_bare_name_means_name_zip(save_dir):
    assert save_dir.path_of("bootstrap") == save_dir.path / "bootstrap.zip"
    assert save_dir.path_of("bootstrap.zip") == save_dir.path / "bootstrap.zip"


@pytest.mark.parametrize("bad", ["", ".zip", "../x", "a/b", "..", "a\\b"])
def test_path_of_refuses_names_outside_the_directory(save_dir, bad):
    with pytest.raises(SaveDirError, match="not valid|empty"):
        save_dir.path_of(bad)


def test_latest_is_the_newest_zip_by_mtime(save_dir):
    make_save(save_dir.path, "old", mtime_ns=BASE)
    make_save(save_dir.path, "new", mtime_ns=BASE + SECOND)
    make_save(save_dir.path, "zzz", mtime_ns=BASE - SECOND)
    latest = save_dir.latest()
    assert latest.name == "new" and latest.path == save_dir.path / "new.zip"
    assert [info.name for info in save_dir.list()] == ["new", "old", "zzz"]
    info = save_dir.list()[0]
    assert info.mtime_ns == BASE + SECOND and info.mtime == (BASE + SECOND) / 1e9
    assert info.size == (save_dir.path / "new.zip").stat().st_size


def test_latest_ignores_tmp_zips_and_other_files(save_dir):
    make_save(save_dir.path, "real", mtime_ns=BASE)
    make_save(save_dir.path, "half-written.tmp", mtime_ns=BASE + 10 * SECOND)
    (save_dir.path / "notes.txt").write_text("x")
    (save_dir.path / "folder.zip").mkdir()
    assert save_dir.latest().name == "real"
    assert [info.name for info in save_dir.list()] == ["real"]


def test_equal_mtimes_are_broken_by_name_as_the_emulator_does(save_dir):
    from fle_testkit.emulator.saves import latest_save

    for name in ("b", "c", "a"):
        make_save(save_dir.path, name, mtime_ns=BASE)
    assert save_dir.latest().name == "c"
    assert [info.name for info in save_dir.list()] == ["c", "b", "a"]
    assert latest_save(save_dir.path) == save_dir.latest().path


def test_a_tie_between_a_name_and_its_extension_goes_as_the_emulator_breaks_it(save_dir):
    """The tie-break compares file names: "a.zip" > "a-b.zip", though "a" < "a-b"."""
    from fle_testkit.emulator.saves import latest_save

    for name in ("a", "a-b"):
        make_save(save_dir.path, name, mtime_ns=BASE)
    assert save_dir.latest().name == "a"
    assert latest_save(save_dir.path) == save_dir.latest().path


def test_the_harness_reads_factorios_save_rules_from_the_emulator():
    from fle_testkit.emulator import save_rules
    from fle_testkit.savedir import LEVEL_FILES, TMP_SUFFIX, ZIP_SUFFIX, directory

    assert (ZIP_SUFFIX, TMP_SUFFIX) == (save_rules.ZIP_SUFFIX, save_rules.TMP_SUFFIX)
    assert LEVEL_FILES == save_rules.SAVE_MARKER_FILES
    assert directory.saves_newest_first is save_rules.saves_newest_first


@given(mtimes=st.dictionaries(st.sampled_from(["a", "a-b", "a.b", "b", "x.tmp"]), st.integers(0, 1), max_size=5))
@settings(max_examples=60, deadline=None)
def test_the_harness_predicts_the_save_the_emulator_loads(mtimes):
    """Ties are common here (two mtimes for up to five saves), where a rule would drift first."""
    from fle_testkit.emulator.saves import latest_save as loaded_by_emulator
    from fle_testkit.savedir import latest_save

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        for name, step in mtimes.items():
            make_save(directory, name, mtime_ns=BASE + step * SECOND)
        predicted = latest_save(directory)
        assert (None if predicted is None else predicted.path) == loaded_by_emulator(directory)


def test_info_of_a_missing_save_lists_the_saves_there(save_dir):
    make_save(save_dir.path, "a")
    with pytest.raises(SaveDirError) as caught:
        save_dir.info("nope")
    assert "'nope.zip'" in str(caught.value) and "['a']" in str(caught.value)
    assert repr(str(save_dir.path)) in str(caught.value)


# --- validate ---------------------------------------------------------------------


def test_validate_accepts_a_save_with_level_dat0_or_level_dat(save_dir):
    make_save(save_dir.path, "new")
    make_save(save_dir.path, "old", members={"old-folder/control.lua": b"", "old-folder/level.dat": b"x"})
    assert save_dir.validate("new").name == "new"
    assert save_dir.validate("old.zip").name == "old"  # the folder need not match the file name


def test_validate_refuses_a_file_that_is_not_a_zip(save_dir):
    (save_dir.path / "junk.zip").write_bytes(b"this is not a zip")
    with pytest.raises(SaveDirError, match="not a valid zip archive") as caught:
        save_dir.validate("junk")
    assert repr(str(save_dir.path / "junk.zip")) in str(caught.value)
    assert "Fix:" in str(caught.value)


def test_validate_refuses_a_truncated_zip(save_dir):
    path = make_save(save_dir.path, "cut")
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(SaveDirError, match="zip archive"):
        save_dir.validate("cut")


def test_validate_refuses_a_member_that_fails_its_crc(save_dir):
    path = make_save(
        save_dir.path,
        "bad",
        compression=zipfile.ZIP_STORED,
        members={"bad/control.lua": b"-- control\n", "bad/level.dat0": b"LEVELDATA"},
    )
    data = path.read_bytes()
    path.write_bytes(data.replace(b"LEVELDATA", b"LEVELDATB"))
    with pytest.raises(SaveDirError, match=r"'bad/level.dat0' fails its CRC"):
        save_dir.validate("bad")


def test_validate_refuses_two_top_folders(save_dir):
    make_save(save_dir.path, "two", members={"a/level.dat0": b"x", "b/level.dat0": b"y"})
    with pytest.raises(SaveDirError, match=r"exactly one top folder, found 2: \['a', 'b'\]"):
        save_dir.validate("two")


def test_validate_refuses_files_outside_a_folder(save_dir):
    make_save(save_dir.path, "loose", members={"level.dat0": b"x"})
    with pytest.raises(SaveDirError, match=r"outside any folder \(\['level.dat0'\]\)"):
        save_dir.validate("loose")


def test_validate_refuses_a_zip_without_level_data(save_dir):
    make_save(save_dir.path, "scenario", members={"scenario/control.lua": b"", "scenario/info.json": b"{}"})
    with pytest.raises(SaveDirError, match="no level data.*'scenario/level.dat0'"):
        save_dir.validate("scenario")


def test_validate_refuses_an_empty_zip(save_dir):
    make_save(save_dir.path, "empty", members={})
    with pytest.raises(SaveDirError, match="empty zip"):
        save_dir.validate("empty")


def test_validate_refuses_a_tmp_zip(save_dir):
    make_save(save_dir.path, "x.tmp")
    with pytest.raises(SaveDirError, match=r"temporary file.*\*\.tmp\.zip"):
        save_dir.validate("x.tmp")


# --- copy -----------------------------------------------------------------------------


def test_a_copy_of_the_latest_save_does_not_become_latest(save_dir):
    from fle_testkit.emulator.saves import latest_save

    make_save(save_dir.path, "older", mtime_ns=BASE - SECOND)
    source = make_save(save_dir.path, "current", mtime_ns=BASE)

    copied = save_dir.copy("current", "zz-sorts-last")

    assert copied.path == save_dir.path / "zz-sorts-last.zip"
    assert copied.path.read_bytes() == source.read_bytes()
    assert source.stat().st_mtime_ns == BASE  # the original is untouched
    assert copied.mtime_ns < BASE
    assert save_dir.latest().name == "current"
    assert latest_save(save_dir.path) == source  # what a restart would load
    assert not list(save_dir.path.glob("*.tmp.zip"))


def test_a_copy_of_a_save_tied_with_the_latest_does_not_become_latest(save_dir):
    make_save(save_dir.path, "a", mtime_ns=BASE)
    make_save(save_dir.path, "b", mtime_ns=BASE)  # latest by name
    save_dir.copy("a", "z")
    assert save_dir.latest().name == "b"


def test_a_copy_of_an_older_save_keeps_its_mtime(save_dir):
    make_save(save_dir.path, "old", mtime_ns=BASE - 5 * SECOND)
    make_save(save_dir.path, "current", mtime_ns=BASE)
    assert save_dir.copy("old", "old-copy").mtime_ns == BASE - 5 * SECOND
    assert save_dir.latest().name == "current"


def test_copy_names_default_to_the_next_free_number(save_dir):
    make_save(save_dir.path, "s", mtime_ns=BASE)
    assert save_dir.copy("s").name == "s-copy-1"
    assert save_dir.copy("s").name == "s-copy-2"


def test_copy_refuses_to_replace_a_save_unless_told(save_dir):
    make_save(save_dir.path, "s", mtime_ns=BASE)
    other = make_save(save_dir.path, "t", mtime_ns=BASE - SECOND, members={"t/level.dat0": b"other"})
    with pytest.raises(SaveDirError, match="(?s)'t.zip'.*exists.*overwrite=True"):
        save_dir.copy("s", "t")
    save_dir.copy("s", "t", overwrite=True)
    assert other.read_bytes() == (save_dir.path / "s.zip").read_bytes()
    assert save_dir.latest().name == "s"


def test_copy_refuses_a_tmp_name_itself_and_a_broken_source(save_dir):
    make_save(save_dir.path, "s")
    with pytest.raises(SaveDirError, match="ignores \\*.tmp.zip"):
        save_dir.copy("s", "x.tmp")
    with pytest.raises(SaveDirError, match="onto itself"):
        save_dir.copy("s", "s.zip")
    (save_dir.path / "broken.zip").write_bytes(b"nope")
    with pytest.raises(SaveDirError, match="not a valid zip"):
        save_dir.copy("broken", "copy")
    assert not (save_dir.path / "copy.zip").exists()


def test_snapshot_is_a_deprecated_alias_of_copy(save_dir):
    make_save(save_dir.path, "s", mtime_ns=BASE)
    with pytest.warns(DeprecationWarning, match="SaveDir.snapshot is deprecated.*use SaveDir.copy"):
        copied = save_dir.snapshot("s", "t")
    assert copied.path.read_bytes() == (save_dir.path / "s.zip").read_bytes()
    with pytest.warns(DeprecationWarning):
        assert save_dir.snapshot("s").name == "s-copy-1"


# --- restore --------------------------------------------------------------------------


def test_restore_makes_a_save_the_latest(save_dir):
    from fle_testkit.emulator.saves import latest_save

    old = make_save(save_dir.path, "old", mtime_ns=BASE - SECOND)
    make_save(save_dir.path, "current", mtime_ns=BASE)

    restored = save_dir.restore("old")

    assert save_dir.latest().name == "old"
    assert restored.mtime_ns > BASE
    assert latest_save(save_dir.path) == old
    assert (save_dir.path / "current.zip").stat().st_mtime_ns == BASE  # others untouched


def test_restore_beats_saves_with_mtimes_in_the_future(save_dir):
    future = time.time_ns() + 3600 * SECOND
    make_save(save_dir.path, "old", mtime_ns=BASE)
    make_save(save_dir.path, "future", mtime_ns=future)
    assert save_dir.restore("old").mtime_ns > future
    assert save_dir.latest().name == "old"


def test_restore_and_copy_order_strictly_on_a_one_second_filesystem(save_dir, monkeypatch):
    real_utime = os.utime

    def coarse_utime(path, times=None, *, ns=None, **kwargs):
        atime, mtime = ns
        return real_utime(path, ns=(atime - atime % SECOND, mtime - mtime % SECOND), **kwargs)

    future = (time.time_ns() // SECOND + 3600) * SECOND  # "now" alone cannot win
    make_save(save_dir.path, "old", mtime_ns=BASE)
    make_save(save_dir.path, "current", mtime_ns=future)
    monkeypatch.setattr(os, "utime", coarse_utime)

    restored = save_dir.restore("old")
    assert restored.mtime_ns == future + SECOND
    assert save_dir.latest().name == "old"

    copied = save_dir.copy("old", "zz")
    assert copied.mtime_ns == future  # below old's, on a whole second
    assert save_dir.latest().name == "old"


def test_restore_says_so_when_the_filesystem_keeps_no_mtimes(save_dir, monkeypatch):
    make_save(save_dir.path, "old", mtime_ns=BASE)
    make_save(save_dir.path, "current", mtime_ns=BASE + SECOND)
    monkeypatch.setattr(os, "utime", lambda *args, **kwargs: None)
    with pytest.raises(SaveDirError, match="cannot move the mtime.*above every other save"):
        save_dir.restore("old")


def test_restore_refuses_a_broken_save_and_leaves_the_latest_alone(save_dir):
    make_save(save_dir.path, "current", mtime_ns=BASE)
    broken = make_save(save_dir.path, "broken", mtime_ns=BASE - SECOND, members={"a/x": b"", "b/y": b""})
    with pytest.raises(SaveDirError, match="one top folder"):
        save_dir.restore("broken")
    assert broken.stat().st_mtime_ns == BASE - SECOND
    assert save_dir.latest().name == "current"


def test_restore_of_the_only_save_keeps_it_latest(save_dir):
    make_save(save_dir.path, "only", mtime_ns=BASE)
    assert save_dir.restore("only").name == "only"
    assert save_dir.latest().name == "only"


def test_restore_of_a_missing_save_names_it(save_dir):
    with pytest.raises(SaveDirError, match="no save 'gone.zip'"):
        save_dir.restore("gone")


# --- prune ----------------------------------------------------------------------------------


def test_prune_keeps_the_newest(save_dir):
    for k, name in enumerate(["a", "b", "c", "d"]):
        make_save(save_dir.path, name, mtime_ns=BASE + k * SECOND)
    removed = save_dir.prune(keep=2)
    assert sorted(info.name for info in removed) == ["a", "b"]
    assert [info.name for info in save_dir.list()] == ["d", "c"]


def test_prune_never_deletes_a_protected_save_or_a_tmp_zip(save_dir):
    for k, name in enumerate(["a", "b", "c", "d"]):
        make_save(save_dir.path, name, mtime_ns=BASE + k * SECOND)
    make_save(save_dir.path, "writing.tmp", mtime_ns=BASE - SECOND)
    removed = save_dir.prune(keep=1, protect={"a.zip", "b"})
    assert [info.name for info in removed] == ["c"]
    assert [info.name for info in save_dir.list()] == ["d", "b", "a"]
    assert (save_dir.path / "writing.tmp.zip").exists()
    assert (save_dir.path / LOCK_FILE_NAME).exists()


def test_prune_accepts_one_protected_name_as_a_string(save_dir):
    make_save(save_dir.path, "keep-me", mtime_ns=BASE)
    make_save(save_dir.path, "newer", mtime_ns=BASE + SECOND)
    assert [info.name for info in save_dir.prune(keep=0, protect="keep-me")] == ["newer"]
    assert [info.name for info in save_dir.list()] == ["keep-me"]


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_prune_refuses_a_bad_keep(save_dir, bad):
    with pytest.raises(ConfigurationError, match="keep"):
        save_dir.prune(keep=bad)


def test_claim_any_can_start_above_a_reserved_range(tmp_path) -> None:
    root = SaveRoot(tmp_path / "saves")
    with root.claim_any(start=8) as extra:
        assert extra.index == 8
        with root.claim_any(start=8) as another:
            assert another.index == 9


def test_a_directory_a_cluster_serves_counts_as_held(tmp_path) -> None:
    from fle_testkit.savedir import CLUSTER_MARKER, Holder

    root = SaveRoot(tmp_path / "saves")
    directory = root.dir_path(0)
    directory.mkdir(parents=True)
    (directory / CLUSTER_MARKER).write_text(
        Holder(pid=None, host="here", since=None, argv="fle-testkit cluster").to_json()
    )
    with pytest.raises(SaveDirLockedError, match="fle-testkit cluster"):
        root.claim(0)
    assert root.claim_any().index == 1  # the next free one
    root.claim(0, for_cluster=True).release()  # the cluster itself may


def test_damaged_newest_saves_are_set_aside_and_kept_until_a_good_one_is_the_latest(save_dir):
    make_save(save_dir.path, "good", mtime_ns=BASE)
    cut = make_save(save_dir.path, "cut")
    cut.write_bytes(cut.read_bytes()[:-30])
    os.utime(cut, ns=(BASE + SECOND, BASE + SECOND))
    empty = save_dir.path / "empty.zip"
    empty.write_bytes(b"not a zip")
    os.utime(empty, ns=(BASE + 2 * SECOND, BASE + 2 * SECOND))
    damaged_bytes = cut.read_bytes()
    moved = save_dir.set_aside_damaged()
    assert [path.name for path in moved] == ["empty.zip.bad", "cut.zip.bad"]
    assert save_dir.latest().name == "good"
    assert (save_dir.path / "cut.zip.bad").read_bytes() == damaged_bytes  # kept, never deleted
    assert save_dir.set_aside_damaged() == []  # the latest validates: nothing more to do


def test_setting_a_save_aside_twice_keeps_both_copies(save_dir):
    make_save(save_dir.path, "s")
    assert save_dir.set_aside("s").name == "s.zip.bad"
    make_save(save_dir.path, "s")
    assert save_dir.set_aside("s").name == "s.zip.bad-2"
    assert save_dir.latest() is None
