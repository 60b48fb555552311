"""The harness always recovers: hung servers mid-suite, a killed pytest master, servers killed mid-save.

Each probe is bounded in count and time. Figures are not asserted here: what
is asserted is what must hold (tests pass after a hang, no process is left, no
save is half-written).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import psutil
import pytest
from emulator_process import emulator_processes, leftover_emulators, write_scenario

from fle_testkit.backends import EmbeddedBackend
from fle_testkit.errors import SaveDirError
from fle_testkit.readiness import Deadline, poll
from fle_testkit.savedir import SaveRoot
from fle_testkit.server import FactorioServer

pytest_plugins = ["pytester"]
QUIET = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:asyncio", "--factorio-backend=embedded")


def test_a_hung_server_mid_suite_fails_one_test_and_the_following_pass(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("n", range(4))
        def test_before(n, factorio_session):
            assert factorio_session.client.eval("1 + 1") == 2

        def test_hangs_it(factorio_session):
            factorio_session.client.send("/sc while true do end", timeout=300)

        @pytest.mark.parametrize("n", range(6))
        def test_after(n, factorio_session):
            factorio_session.client.lua("storage.n = (storage.n or 0) + 1")
            assert factorio_session.client.eval("1 + 1") == 2
        """
    )
    result = pytester.runpytest_subprocess(*QUIET, "-n", "2", "--factorio-command-timeout=2", timeout=300)
    result.assert_outcomes(passed=10, failed=1)
    result.stdout.fnmatch_lines(["*test_hangs_it*", "*it is hung, busy with the command '/sc while true do end'*"])
    assert leftover_emulators(pytester.path) == []


def test_sigkill_of_the_pytest_master_with_a_hung_server_leaves_no_process(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from pathlib import Path

        def publish(name, pid):
            # Written whole, then renamed: the outer test never reads a half-written file.
            Path("." + name).write_text(str(pid))
            Path("." + name).rename(name)

        def test_hangs_and_waits(factorio_session, worker_id):
            publish(f"hung-{worker_id}", factorio_session.server.process.pid)
            factorio_session.client.send("/sc while true do end", timeout=600)

        def test_other(factorio_session, worker_id):
            publish(f"other-{worker_id}", factorio_session.server.process.pid)
            factorio_session.client.send("/sc while true do end", timeout=600)
        """
    )
    master = pytester.popen(
        [sys.executable, "-m", "pytest", *QUIET, "-n", "2", "--factorio-command-timeout=600"],
        stdout=pytester.path.joinpath("out.txt").open("w"),
        stderr=pytester.path.joinpath("err.txt").open("w"),
    )
    try:
        poll(
            lambda: (
                True if len(list(pytester.path.glob("hung-*")) + list(pytester.path.glob("other-*"))) == 2 else None
            ),
            Deadline(120),
            on_timeout=lambda attempts: AssertionError(
                "the inner run never hung its servers:\n" + pytester.path.joinpath("out.txt").read_text()
            ),
        )
        servers = [int(path.read_text()) for path in [*pytester.path.glob("hung-*"), *pytester.path.glob("other-*")]]
        workers = psutil.Process(master.pid).children(recursive=True)
    finally:
        master.send_signal(signal.SIGKILL)
        master.wait()
    # Every process the run started (workers, servers, reapers) is gone, without anyone's cleanup.
    _, alive = psutil.wait_procs([*workers, *_processes(servers)], timeout=20)
    for process in alive:
        process.kill()
    assert alive == [], f"left running after the master was killed: {alive}"
    assert emulator_processes(pytester.path) == []


def _processes(pids: list[int]) -> list[psutil.Process]:
    found = []
    for pid in pids:
        try:
            found.append(psutil.Process(pid))
        except psutil.NoSuchProcess:
            pass
    return found


KILLS = 50


def test_sigkill_during_save_never_leaves_a_half_written_save(tmp_path: Path, servers: list) -> None:
    """50 kills at moments spread over a /save: the file is whole or absent, and the server starts again."""
    server = FactorioServer(EmbeddedBackend(), SaveRoot(tmp_path / "saves").claim_any())
    servers.append(server)
    server.bootstrap(write_scenario(tmp_path, "lab", ""))
    server.start()
    # A storage big enough that a save takes a while to write.
    server.client.lua("storage.rows = {} for i = 1, 20000 do storage.rows[i] = {i, tostring(i) .. 'x'} end")
    server.stop()
    for kill in range(KILLS):
        server.start()
        _save_async(server, f"kill-{kill}")
        time.sleep((kill % 10) * 0.004)  # kill at moments spread from "just asked" to "nearly written"
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait(10)
        server.kill()
        target = server.saves_path / f"kill-{kill}.zip"
        if target.exists():
            try:
                server.save_dir.validate(target.name)
            except SaveDirError as error:
                pytest.fail(f"kill {kill}: a half-written {target.name}: {error}")
    server.start()  # the latest save loads
    assert server.client.eval("#storage.rows") == 20000


def _save_async(server: FactorioServer, name: str) -> None:
    """Send /save without waiting for its reply: the kill lands while it is being written."""
    import socket
    import struct

    host, port = server.endpoint.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        for packet_id, kind, body in ((1, 3, server.password), (2, 2, f"/save {name}")):
            payload = struct.pack("<ii", packet_id, kind) + body.encode() + b"\x00\x00"
            raw.sendall(struct.pack("<i", len(payload)) + payload)
        raw.recv(64)  # the auth reply; the /save reply is not waited for
