"""The emulator as a process: its log lines and their order, signals, exit codes.

Harnesses read readiness and state from these lines (DESIGN, "Log lines"), so
the tests match them as a harness would: by text, in order.
"""

from __future__ import annotations

import re
import signal
import socket
from pathlib import Path

import pytest
from emulator_process import RCON_LINE, EmulatorProcess, emulator_args, make_save, run_to_exit, write_scenario

from fle_testkit.emulator import messages

pytestmark = pytest.mark.rcon_client

BANNER = re.compile(r"^   0\.000 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d; Factorio 2\.0\.73 \(build \d+, linux64, headless\)$")
PREFIXED = re.compile(r"^(?=.{8} )\s*\d+\.\d{3} \S")
CONSOLE_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[")
HOSTING = r"Hosting game at IP ADDR:\(\{[\d.]+:\d+\}\)"
IN_GAME = r"changing state from\(CreatingGame\) to\(InGame\)"
RCON = r"Starting RCON interface at IP ADDR:\(\{127\.0\.0\.1:\d+\}\)"


def positions(lines: list[str], *patterns: str) -> list[int]:
    """Index of the first line matching each pattern, searching after the previous one."""
    found, start = [], 0
    for pattern in patterns:
        regex = re.compile(pattern)
        index = next((i for i in range(start, len(lines)) if regex.search(lines[i])), None)
        assert index is not None, f"no line matching {pattern!r} after line {start}:\n" + "\n".join(lines)
        found.append(index)
        start = index + 1
    return found


def tail_after(lines: list[str], pattern: str) -> list[str]:
    """The lines from the first one matching ``pattern`` on, without their prefixes."""
    start = positions(lines, pattern)[0]
    return [line[9:] if PREFIXED.match(line) else line for line in lines[start:]]


def remote_quit(server: EmulatorProcess) -> list[str]:
    """Send ``/quit`` over RCON, check the server exits 0, and return its log lines from ``Quitting`` on."""
    with server.connect() as client:
        client.send_command("/quit")
    assert server.process.wait(20) == 0
    server.stop()
    return tail_after(server.lines, "Quitting")


class TestStartupLog:
    def test_scenario_start_logs_banner_then_hosting_ingame_rcon(self, emulator) -> None:
        server = emulator("--start-server-load-scenario", "lab")
        assert BANNER.match(server.lines[0]), server.lines[0]
        hosting, in_game, rcon = positions(server.lines, HOSTING, IN_GAME, RCON)
        assert hosting < in_game < rcon
        assert not any("Loading map" in line for line in server.lines)

    def test_every_log_line_has_the_elapsed_prefix(self, emulator) -> None:
        server = emulator("--start-server-load-scenario", "lab")
        server.stop()
        for line in server.lines:
            assert PREFIXED.match(line), line

    def test_save_start_logs_loading_map_with_its_size_first(self, emulator, write_data: Path) -> None:
        save = make_save(write_data, "world")
        server = emulator("--start-server", "world")
        loading, hosting, in_game, rcon = positions(
            server.lines, re.escape(f"Loading map {save}: {save.stat().st_size} bytes."), HOSTING, IN_GAME, RCON
        )
        assert loading < hosting < in_game < rcon
        assert server.lines[loading].endswith(f" Loading map {save}: {save.stat().st_size} bytes.")

    def test_log_file_holds_the_same_lines_and_keeps_the_previous(self, emulator, write_data: Path) -> None:
        first = emulator("--start-server-load-scenario", "lab")
        assert first.stop() == 0
        current = write_data / "factorio-current.log"
        assert current.read_text().splitlines() == first.lines
        second = emulator("--start-server-load-scenario", "lab")
        assert second.stop() == 0
        assert (write_data / "factorio-previous.log").read_text().splitlines() == first.lines
        assert current.read_text().splitlines() == second.lines


class TestShutdown:
    @pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
    def test_signal_saves_over_the_loaded_file_then_goodbye(self, emulator, write_data: Path, sig: int) -> None:
        save = make_save(write_data, "world")
        server = emulator("--start-server", "world")
        assert server.stop(sig) == 0
        name = signal.Signals(sig).name
        assert tail_after(server.lines, f"Received {name}") == [
            f"Received {name}, shutting down",
            "Quitting: signal.",
            messages.SAVING_MAP_AS.format(path=save),
            messages.SAVING_FINISHED,
            "Goodbye",
        ]

    def test_signal_right_after_the_first_line_is_handled(self, emulator) -> None:
        """A harness may stop a server at any line it reads, long before it is ready."""
        server = emulator("--start-server-load-scenario", "lab", wait=False).start(ready=BANNER)
        assert server.stop(signal.SIGTERM) == 0
        assert "Received SIGTERM, shutting down" in [line[9:] for line in server.lines]
        assert server.lines[-1].endswith(" Goodbye")

    def test_signal_on_a_scenario_game_cannot_save_and_exits_0(self, emulator, write_data: Path) -> None:
        server = emulator("--start-server-load-scenario", "lab")
        assert server.stop(signal.SIGTERM) == 0
        assert tail_after(server.lines, "Received SIGTERM") == [
            "Received SIGTERM, shutting down",
            "Quitting: signal.",
            "Can't save to default location: Default location not known",
            "Goodbye",
        ]
        assert list((write_data / "saves").iterdir()) == []

    def test_remote_quit_saves_the_same_way(self, emulator, write_data: Path) -> None:
        save = make_save(write_data, "world")
        server = emulator("--start-server", "world")
        assert remote_quit(server) == [
            "Quitting: remote-quit.",
            messages.SAVING_MAP_AS.format(path=save),
            messages.SAVING_FINISHED,
            "Goodbye",
        ]

    def test_remote_quit_on_a_scenario_game(self, emulator) -> None:
        server = emulator("--start-server-load-scenario", "lab")
        assert remote_quit(server) == [
            "Quitting: remote-quit.",
            "Can't save to default location: Default location not known",
            "Goodbye",
        ]

    def test_signal_after_goodbye_keeps_exit_code_0(self, emulator) -> None:
        """A harness that stops a server which is already quitting still sees a clean exit."""
        server = emulator("--start-server-load-scenario", "lab")
        with server.connect() as client:
            client.send_command("/quit")
        server.wait_for(r" Goodbye$")
        assert server.stop(signal.SIGTERM) == 0

    def test_stopping_with_a_client_connected_logs_no_traceback(self, emulator) -> None:
        server = emulator("--start-server-load-scenario", "lab")
        with server.connect() as client:
            assert client.send_command("/c rcon.print('up')") == "up"
            assert server.stop() == 0
        assert not [line for line in server.lines if "Traceback" in line or "Exception in callback" in line]


class TestChat:
    def test_chat_is_logged_and_written_to_console_log(self, emulator, write_data: Path) -> None:
        console_log = write_data / "console.log"
        server = emulator("--start-server-load-scenario", "lab", extra=("--console-log", str(console_log)))
        with server.connect() as client:
            client.send_command("hello")
        server.wait_for(re.escape("[CHAT] <server>: hello"), timeout=10)
        chat = [line for line in server.lines if "[CHAT]" in line]
        assert len(chat) == 1
        assert CONSOLE_LINE.match(chat[0]) and chat[0].endswith(" [CHAT] <server>: hello")
        assert console_log.read_text().splitlines() == chat

    def test_c_commands_are_echoed_to_the_console_log_sc_are_not(self, emulator, write_data: Path) -> None:
        console_log = write_data / "console.log"
        server = emulator("--start-server-load-scenario", "lab", extra=("--console-log", str(console_log)))
        with server.connect() as client:
            client.send_command("/c local loud = 1")
            client.send_command("/sc local quiet = 1")
        assert server.stop() == 0  # every line read
        echoed = console_log.read_text()
        assert "[COMMAND] <server> (command): local loud = 1" in echoed
        assert "quiet" not in echoed
        assert not any("quiet" in line for line in server.lines)


class TestStartupFailures:
    """A start that cannot succeed: a clear line, Goodbye, exit code 1."""

    def run(self, write_data: Path, *running: str) -> tuple[int, list[str]]:
        done = run_to_exit(emulator_args(write_data, list(running)), cwd=write_data)
        lines = done.stdout.splitlines()
        assert lines and lines[-1].endswith(" Goodbye"), done.stdout + done.stderr
        assert not any(RCON_LINE.search(line) for line in lines)
        assert "Traceback" not in done.stdout + done.stderr
        return done.returncode, lines

    def test_missing_scenario(self, write_data: Path) -> None:
        code, lines = self.run(write_data, "--start-server-load-scenario", "nope")
        assert code == 1
        assert any(
            "scenario 'nope' not found" in line and str(write_data / "scenarios" / "nope") in line for line in lines
        )

    def test_missing_save(self, write_data: Path) -> None:
        code, lines = self.run(write_data, "--start-server", "absent")
        assert code == 1
        missing = write_data / "saves" / "absent.zip"
        assert any(f"File {missing} does not exist." in line for line in lines)

    def test_load_latest_without_saves(self, write_data: Path) -> None:
        code, lines = self.run(write_data, "--start-server-load-latest")
        assert code == 1
        assert any(f"No latest save file found in {write_data / 'saves'}." in line for line in lines)

    def test_load_latest_ignores_tmp_saves_when_none_other(self, write_data: Path) -> None:
        (write_data / "saves").mkdir()
        (write_data / "saves" / "half.tmp.zip").write_bytes(b"half-written")
        code, lines = self.run(write_data, "--start-server-load-latest")
        assert code == 1
        assert any("No latest save file found" in line for line in lines)

    def test_scenario_with_a_lua_error(self, write_data: Path) -> None:
        broken = write_data / "scenarios" / "broken"
        broken.mkdir(parents=True)
        (broken / "control.lua").write_text("error('control.lua is broken')\n")
        code, lines = self.run(write_data, "--start-server-load-scenario", "broken")
        assert code == 1
        assert any("control.lua is broken" in line for line in lines)

    def test_a_save_whose_on_load_writes_storage(self, write_data: Path) -> None:
        """Factorio refuses to load it: the error, then Goodbye, exit code 1."""
        control = (
            "script.on_init(function() storage.loads = 0 end)\n"
            "script.on_load(function() storage.loads = storage.loads + 1 end)\n"
        )
        write_scenario(write_data, "counting", control=control)
        make_save(write_data, "counting", scenario="counting")
        code, lines = self.run(write_data, "--start-server", "counting")
        assert code == 1
        assert any(line.endswith(messages.STORAGE_MODIFIED_IN_ON_LOAD) for line in lines)

    def test_game_port_in_use(self, write_data: Path) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
            taken.bind(("127.0.0.1", 0))
            port = taken.getsockname()[1]
            args = emulator_args(write_data, ["--start-server-load-scenario", "lab"], "--port", str(port))
            done = run_to_exit(args, cwd=write_data)
        assert done.returncode == 1
        assert f"127.0.0.1:{port}" in done.stdout
        assert not RCON_LINE.search(done.stdout)

    def test_rcon_port_in_use(self, write_data: Path) -> None:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            args = emulator_args(write_data, ["--start-server-load-scenario", "lab"], "--rcon-port", str(port))
            done = run_to_exit(args, cwd=write_data)
        assert done.returncode == 1
        assert f"127.0.0.1:{port}" in done.stdout
        assert done.stdout.splitlines()[-1].endswith(" Goodbye")


def test_a_first_start_logs_that_it_builds_the_game_data_cache(
    write_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fle_testkit.emulator import process
    from fle_testkit.emulator.cli import parse

    config = parse(emulator_args(write_data, ["--start-server-load-latest"]))
    assert not isinstance(config, str)
    server = process.Server(config)
    missing, present = tmp_path / "missing.pickle", tmp_path / "present.pickle"
    present.write_bytes(b"")
    monkeypatch.setattr(process, "load_vanilla", lambda: "game data")
    for cache in (missing, present):
        monkeypatch.setattr(process, "cache_path", lambda cache=cache: cache)
        assert server._game_data() == "game data"
    logged = (write_data / "factorio-current.log").read_text()
    assert logged.count("building the embedded server's game-data cache") == 1
    assert str(missing) in logged
