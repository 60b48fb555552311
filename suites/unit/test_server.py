"""FactorioServer on the embedded, binary and external backends, with real processes."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest
from emulator_process import outlives, write_scenario

from fle_testkit.backends import BinaryBackend, EmbeddedBackend, Endpoint, ExternalBackend
from fle_testkit.errors import BackendUnavailable, ServerError, UnsupportedOperation
from fle_testkit.savedir import SaveRoot
from fle_testkit.server import FactorioServer

pytestmark = pytest.mark.rcon_client

LAB = """
script.on_init(function() storage.boots = 1 end)
script.on_load(function() loads = (loads or 0) + 1 end)
"""


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    return write_scenario(tmp_path, "lab", LAB)


@pytest.fixture
def save_root(tmp_path: Path) -> SaveRoot:
    return SaveRoot(tmp_path / ".fle" / "saves")


def embedded(save_root: SaveRoot, servers: list[FactorioServer], **options) -> FactorioServer:
    server = FactorioServer(EmbeddedBackend(), save_root.claim_any(), **options)
    servers.append(server)
    return server


def test_bootstrap_writes_the_pristine_save_into_its_own_directory(save_root, servers, scenario) -> None:
    first = embedded(save_root, servers)
    second = embedded(save_root, servers)
    path = first.bootstrap(scenario)
    assert path == first.save_dir.path / "pristine.zip"
    assert [info.name for info in first.save_dir.list()] == ["pristine"]
    assert second.save_dir.list() == []
    assert not first.is_alive()


def test_the_last_log_lines_are_the_last_n_also_once_the_server_stopped(save_root, servers, scenario) -> None:
    server = embedded(save_root, servers)
    server.bootstrap(scenario)  # the server has stopped: its log is kept
    everything = server.logs()
    assert len(everything) > 3
    assert server.logs(2) == everything[-2:]
    assert server.logs(0) == []


def test_restart_from_the_latest_save_keeps_storage_and_entities(save_root, servers, scenario) -> None:
    server = embedded(save_root, servers)
    server.bootstrap(scenario)
    server.start()
    server.client.lua(
        'local e = game.surfaces[1].create_entity{name="iron-chest", position={3, 3}, force="player"} '
        'e.get_inventory(1).insert{name="coal", count=7} storage.kept = "yes"'
    )
    server.restart()
    assert server.client.eval("storage.kept") == "yes"
    assert (
        server.client.eval(
            "game.surfaces[1].find_entity('iron-chest', {3.5, 3.5}).get_inventory(1).get_item_count('coal')"
        )
        == 7
    )
    assert server.client.eval("storage.boots") == 1  # on_init ran once, at bootstrap
    assert server.client.eval("loads") == 1  # on_load ran in this process


def test_restoring_an_older_copy_makes_the_next_start_load_it(save_root, servers, scenario) -> None:
    server = embedded(save_root, servers)
    server.bootstrap(scenario)
    server.save_dir.copy("pristine", "before")
    server.start()
    server.client.lua("storage.boots = 99")
    server.stop()  # saves over pristine.zip, the file it loaded
    server.save_dir.restore("before")
    server.start()
    assert server.client.eval("storage.boots") == 1


def test_two_servers_side_by_side_share_neither_directory_nor_port(save_root, servers, scenario) -> None:
    first, second = embedded(save_root, servers), embedded(save_root, servers)
    for server in (first, second):
        server.bootstrap(scenario)
        server.start()
    assert first.save_dir.path != second.save_dir.path
    assert first.endpoint != second.endpoint
    first.client.lua("storage.who = 'first'")
    assert second.client.eval("storage.who") is None


def test_a_server_killed_with_sigkill_comes_back_from_its_last_good_save(save_root, servers, scenario) -> None:
    server = embedded(save_root, servers)
    server.bootstrap(scenario)
    server.start()
    server.client.lua("storage.note = 'saved'")
    server.save("pristine")
    server.client.lua("storage.note = 'lost'")
    server.kill()
    server.start()
    assert server.client.eval("storage.note") == "saved"


def test_every_phase_is_timed(save_root, servers, scenario) -> None:
    server = embedded(save_root, servers, label="server under test")
    server.bootstrap(scenario)
    server.start()
    server.save("extra")
    server.restart()
    phases = [record.phase for record in server.timings.records]
    for phase in ("spawn", "ready", "save", "stop", "bootstrap", "start", "restart"):
        assert phase in phases
    assert all(record.seconds > 0 and record.label == "server under test" for record in server.timings.records)


def test_a_server_that_dies_while_starting_raises_with_its_last_log_lines(save_root, servers, tmp_path) -> None:
    broken = tmp_path / "scenarios" / "broken"
    broken.mkdir(parents=True)
    (broken / "control.lua").write_text("this is not lua\n")
    server = embedded(save_root, servers)
    with pytest.raises(ServerError) as caught:
        server.bootstrap(broken)
    message = str(caught.value)
    assert "exited with code 1 while starting" in message
    assert "Last log lines:" in message and "control.lua" in message
    assert not server.is_alive()


def test_starting_without_a_save_says_to_bootstrap_first(save_root, servers) -> None:
    server = embedded(save_root, servers)
    with pytest.raises(ServerError, match="bootstrap it from a scenario first"):
        server.start()


def test_a_second_start_while_running_is_refused(save_root, servers, scenario) -> None:
    server = embedded(save_root, servers)
    server.bootstrap(scenario)
    server.start()
    with pytest.raises(ServerError, match="already running"):
        server.start()


@pytest.fixture
def factorio_install(tmp_path: Path) -> Path:
    """A stand-in install: bin/x64/factorio runs the emulator with the flags it gets."""
    executable = tmp_path / "factorio" / "bin" / "x64" / "factorio"
    executable.parent.mkdir(parents=True)
    executable.write_text(f'#!/bin/sh\nexec {sys.executable} -m fle_testkit.emulator "$@"\n')
    executable.chmod(executable.stat().st_mode | stat.S_IXUSR)
    return executable


def test_the_binary_backend_runs_a_local_factorio_with_the_same_flags(
    save_root, servers, scenario, factorio_install
) -> None:
    server = FactorioServer(BinaryBackend(factorio_install), save_root.claim_any())
    servers.append(server)
    server.bootstrap(scenario)
    server.start()
    assert server.client.eval("storage.boots") == 1
    config = (server.run_dir / "config" / "config.ini").read_text()
    assert f"read-data={factorio_install.parent.parent.parent / 'data'}" in config


def test_the_binary_backend_refuses_a_path_that_is_not_an_executable(tmp_path) -> None:
    with pytest.raises(BackendUnavailable, match="--factorio-binary"):
        BinaryBackend(tmp_path / "nothing-here")


def test_the_external_backend_connects_but_owns_no_lifecycle(save_root, servers, scenario) -> None:
    running = embedded(save_root, servers)
    running.bootstrap(scenario)
    running.start()
    host, port = running.endpoint.split(":")
    external = FactorioServer(
        ExternalBackend([Endpoint(host, int(port))]), save_root.claim_any(), password=running.password
    )
    external.start()
    assert external.client.eval("storage.boots") == 1
    with pytest.raises(UnsupportedOperation, match="stop it where it was started"):
        external.stop()
    with pytest.raises(UnsupportedOperation, match="bootstrap from a scenario"):
        FactorioServer(ExternalBackend([Endpoint(host, int(port))]), save_root.claim_any()).bootstrap(scenario)


def test_backends_state_what_they_own_and_external_ones_split_per_server(tmp_path) -> None:
    local = EmbeddedBackend()
    assert local.capabilities.owns_process and local.capabilities.has_log
    assert local.for_server(3) is local
    external = ExternalBackend([Endpoint("127.0.0.1", 27000), Endpoint("127.0.0.1", 27001)])
    assert not external.capabilities.owns_process and not external.capabilities.has_log
    assert external.for_server(1).endpoints == [Endpoint("127.0.0.1", 27001)]
    from fle_testkit.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="only 2 endpoints"):
        external.for_server(2)


def test_an_external_endpoint_must_be_host_and_port() -> None:
    from fle_testkit.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="is not HOST:PORT"):
        Endpoint.parse("localhost")
    assert Endpoint.parse("127.0.0.1:27000") == Endpoint("127.0.0.1", 27000)


def test_servers_die_with_the_process_that_started_them(tmp_path, scenario) -> None:
    """A harness killed with SIGKILL leaves no server behind (Linux parent-death signal)."""
    import subprocess

    script = tmp_path / "owner.py"
    script.write_text(
        "import sys, time\n"
        "from fle_testkit.savedir import SaveRoot\n"
        "from fle_testkit.server import FactorioServer\n"
        "from fle_testkit.backends import EmbeddedBackend\n"
        f"s = FactorioServer(EmbeddedBackend(), SaveRoot({str(tmp_path / 'saves')!r}).claim_any())\n"
        f"s.bootstrap({str(scenario)!r}); s.start()\n"
        "print(s.process.pid, flush=True); time.sleep(600)\n"
    )
    owner = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    server_pid = int(owner.stdout.readline())
    owner.kill()
    owner.wait()
    assert not outlives(server_pid), f"server {server_pid} outlived its owner"


def test_two_save_roots_side_by_side_never_share_a_run_directory(tmp_path, scenario) -> None:
    first = FactorioServer(EmbeddedBackend(), SaveRoot(tmp_path / "saves-a").claim(0))
    second = FactorioServer(EmbeddedBackend(), SaveRoot(tmp_path / "saves-b").claim(0))
    try:
        assert first.run_dir != second.run_dir
        for server in (first, second):
            server.bootstrap(scenario)
        assert [i.name for i in first.save_dir.list()] == ["pristine"]
        assert [i.name for i in second.save_dir.list()] == ["pristine"]
    finally:
        first.save_dir.release()
        second.save_dir.release()


def test_a_refused_password_fails_at_once(save_root, servers, scenario) -> None:
    from fle_testkit.errors import RconAuthError

    running = embedded(save_root, servers)
    running.bootstrap(scenario)
    running.start()
    host, port = running.endpoint.split(":")
    wrong = FactorioServer(
        ExternalBackend([Endpoint(host, int(port))]), save_root.claim_any(), password="not-it", ready_timeout=60
    )
    # Before the fix this retried until the ready timeout and raised ServerStartTimeout.
    with pytest.raises(RconAuthError, match="refused the password"):
        wrong.start()


def test_exits_are_described_by_signal_or_code() -> None:
    from fle_testkit.backends.base import describe_exit

    assert describe_exit(-9) == "exited with signal 9 (SIGKILL)"
    assert describe_exit(137) == "exited with code 137 (signal 9, SIGKILL)"  # a container killed by SIGKILL
    assert describe_exit(1) == "exited with code 1"
    assert describe_exit(0) == "exited with code 0"


def test_recover_sets_a_damaged_newest_save_aside_and_starts_from_the_good_one(save_root, servers, scenario) -> None:
    server = embedded(save_root, servers)
    server.bootstrap(scenario)
    server.start()
    server.client.lua("storage.boots = 41")
    server.stop()  # saves over pristine.zip
    damaged = server.saves_path / "newer.zip"
    damaged.write_bytes(b"PK\x03\x04 not really a zip")
    assert server.save_dir.latest().name == "newer"
    server.kill()
    assert server.exit_status() is None  # nothing ran, nothing ended
    set_aside = server.recover()
    assert [path.name for path in set_aside] == ["newer.zip.bad"]
    assert server.client.eval("storage.boots") == 41
    assert server.timings.last("recover") > 0


def test_a_killed_server_says_how_it_ended(save_root, servers, scenario) -> None:
    server = embedded(save_root, servers)
    server.bootstrap(scenario)
    server.start()
    assert server.exit_status() is None
    server.process.kill()
    server.process.wait(10)
    assert server.exit_status() == "exited with signal 9 (SIGKILL)"


def test_a_server_busy_in_lua_dies_with_the_process_that_started_it(tmp_path, scenario) -> None:
    """SIGTERM may not end a server whose Lua is busy; the reaper's SIGKILL does, once the harness is gone."""
    import subprocess

    script = tmp_path / "owner.py"
    script.write_text(
        "import threading, time\n"
        "from fle_testkit.savedir import SaveRoot\n"
        "from fle_testkit.server import FactorioServer\n"
        "from fle_testkit.backends import EmbeddedBackend\n"
        f"s = FactorioServer(EmbeddedBackend(), SaveRoot({str(tmp_path / 'saves')!r}).claim_any())\n"
        f"s.bootstrap({str(scenario)!r}); s.start()\n"
        "threading.Thread(target=lambda: s.client.send('/sc while true do end', timeout=600), daemon=True).start()\n"
        "time.sleep(0.5); print(s.process.pid, flush=True); time.sleep(600)\n"
    )
    owner = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    server_pid = int(owner.stdout.readline())
    owner.kill()
    owner.wait()
    assert not outlives(server_pid), f"server {server_pid}, busy in Lua, outlived its owner"


def test_a_save_that_fails_says_why_at_once(save_root, servers, scenario) -> None:
    """Factorio refuses to save functions in storage; the server's log says so, and save() fails with it."""
    server = embedded(save_root, servers, command_timeout=120)
    server.bootstrap(scenario)
    server.start()
    server.client.lua("storage.f = function() end")
    with pytest.raises(ServerError, match=r"broken.zip not saved: .*Error while saving"):
        server.save("broken")
    assert not (server.saves_path / "broken.zip").exists()


def test_a_start_that_waits_says_what_it_waits_for(save_root, servers) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    said: list[str] = []
    server = FactorioServer(
        ExternalBackend([Endpoint("127.0.0.1", closed)]),
        save_root.claim_any(),
        label="worker gw9",
        ready_timeout=1.0,
        progress=said.append,
        progress_interval=0.05,
    )
    servers.append(server)
    with pytest.raises(ServerError):
        server.start()
    assert said, "no word while waiting"
    assert said[0].startswith(f"worker gw9: still waiting for an answer over RCON at 127.0.0.1:{closed} (")
