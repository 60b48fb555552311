"""Factorio's command line: the flags, their meanings, and exit codes.

Most cases parse in-process; a few run the real process to prove the exit
code and where the message goes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from emulator_process import EmulatorProcess, emulator_args, run_to_exit, write_scenario

from fle_testkit.emulator import cli, messages
from fle_testkit.emulator.cli import parse
from fle_testkit.emulator.config import UsageError

# Every flag the contract names (DESIGN, "Command line").
CONTRACT_FLAGS = (
    "--create",
    "--start-server",
    "--start-server-load-latest",
    "--start-server-load-scenario",
    "--port",
    "--bind",
    "--rcon-port",
    "--rcon-bind",
    "--rcon-password",
    "--server-settings",
    "--map-gen-settings",
    "--map-settings",
    "--map-gen-seed",
    "--server-adminlist",
    "--server-banlist",
    "--server-whitelist",
    "--use-server-whitelist",
    "--mod-directory",
    "--config",
    "--console-log",
)


class TestHelp:
    def test_help_lists_every_contract_flag(self) -> None:
        text = parse(["--help"])
        assert isinstance(text, str)
        missing = [flag for flag in CONTRACT_FLAGS if not re.search(rf"(^|[\s,]){re.escape(flag)}\b", text, re.M)]
        assert missing == []
        assert re.search(r"(^|\s)-c\b", text)

    def test_help_runs_as_a_process_and_exits_0(self, tmp_path: Path) -> None:
        done = run_to_exit(["--help"], cwd=tmp_path)
        assert done.returncode == 0
        assert "--start-server-load-scenario" in done.stdout
        assert done.stderr == ""

    def test_version_names_the_release(self) -> None:
        assert (
            parse(["--version"])
            == f"Version: {messages.FACTORIO_VERSION} (build {messages.FACTORIO_BUILD}, linux64, headless)"
        )


class TestRefusedCommandLines:
    def test_unknown_flag_is_named_in_the_error(self) -> None:
        with pytest.raises(UsageError, match=re.escape("unrecognised option '--frobnicate'")):
            parse(["--start-server-load-latest", "--frobnicate"])

    def test_abbreviated_flag_is_not_accepted(self) -> None:
        with pytest.raises(UsageError, match="--start-server-load-sc"):
            parse(["--start-server-load-sc", "lab"])

    def test_two_running_options_are_refused(self) -> None:
        with pytest.raises(UsageError, match="--start-server-load-latest and --start-server-load-scenario"):
            parse(["--start-server-load-latest", "--start-server-load-scenario", "lab"])

    def test_no_running_option_is_refused(self) -> None:
        with pytest.raises(UsageError, match="no running option"):
            parse(["--port", "1234"])

    def test_flag_without_its_value_is_refused(self) -> None:
        with pytest.raises(UsageError, match="--start-server"):
            parse(["--start-server"])

    def test_non_numeric_port_is_refused(self) -> None:
        with pytest.raises(UsageError, match="--port"):
            parse(["--start-server-load-latest", "--port", "many"])

    def test_rcon_without_password_is_refused(self) -> None:
        with pytest.raises(UsageError, match="--rcon-password"):
            parse(["--start-server-load-latest", "--rcon-port", "27015"])

    def test_rcon_bind_without_port_is_refused(self) -> None:
        with pytest.raises(UsageError, match="--rcon-bind"):
            parse(["--start-server-load-latest", "--rcon-bind", "127.0.0.1", "--rcon-password", "x"])

    def test_unreadable_server_settings_are_refused(self, tmp_path: Path) -> None:
        bad = tmp_path / "settings.json"
        bad.write_text("{not json")
        with pytest.raises(UsageError, match=re.escape(str(bad))):
            parse(["--start-server-load-latest", "--server-settings", str(bad)])
        with pytest.raises(UsageError, match="cannot read"):
            parse(["--start-server-load-latest", "--server-settings", str(tmp_path / "absent.json")])

    @pytest.mark.parametrize(
        "argv, message",
        [
            (["--start-server-load-latest", "--frobnicate"], "unrecognised option '--frobnicate'"),
            (["--start-server-load-latest", "--start-server-load-scenario", "lab"], "cannot be used together"),
            (["--port", "0"], "no running option"),
        ],
        ids=["unknown-flag", "two-running-options", "no-running-option"],
    )
    def test_process_prints_the_error_and_exits_1(self, tmp_path: Path, argv: list[str], message: str) -> None:
        done = run_to_exit(argv, cwd=tmp_path)
        assert done.returncode == 1
        assert message in done.stderr
        assert "Traceback" not in done.stderr + done.stdout
        # Refused before anything starts: no log file, no directories made.
        assert list(tmp_path.iterdir()) == []


class TestMeanings:
    def test_running_option_and_target(self) -> None:
        config = parse(["--start-server-load-scenario", "base/freeplay"])
        assert (config.mode, config.target) == ("start-server-load-scenario", "base/freeplay")
        latest = parse(["--start-server-load-latest"])
        assert (latest.mode, latest.target) == ("start-server-load-latest", None)

    def test_bare_save_name_means_saves_dir(self, tmp_path: Path) -> None:
        config = parse(["-c", str(write_config(tmp_path)), "--start-server", "mysave"])
        assert config.save_path(config.target) == tmp_path / "saves" / "mysave.zip"
        assert config.save_path("mysave.zip") == tmp_path / "saves" / "mysave.zip"

    def test_save_path_with_a_directory_is_taken_as_is(self, tmp_path: Path) -> None:
        config = parse(["--start-server", str(tmp_path / "elsewhere" / "x.zip")])
        assert config.save_path(config.target) == tmp_path / "elsewhere" / "x.zip"
        assert config.save_path(str(tmp_path / "y")) == tmp_path / "y.zip"

    def test_config_ini_write_data_is_honoured(self, tmp_path: Path) -> None:
        config = parse(["--config", str(write_config(tmp_path / "data")), "--start-server-load-latest"])
        assert config.write_data == (tmp_path / "data").resolve()
        assert config.saves_dir == config.write_data / "saves"
        assert config.scenarios_dir == config.write_data / "scenarios"
        assert config.script_output_dir == config.write_data / "script-output"

    def test_without_config_write_data_is_the_working_directory(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        assert parse(["--start-server-load-latest"]).write_data == tmp_path

    def test_installed_as_factorio_binary_write_data_is_the_install_root(self, tmp_path: Path) -> None:
        binary = tmp_path / "factorio" / "bin" / "x64" / "factorio"
        binary.parent.mkdir(parents=True)
        binary.touch()
        assert parse(["--start-server-load-latest"], executable=binary).write_data == tmp_path / "factorio"

    def test_config_without_write_data_falls_back(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        ini = tmp_path / "config.ini"
        ini.write_text("[other]\nx=1\n")
        monkeypatch.chdir(tmp_path)
        assert parse(["-c", str(ini), "--start-server-load-latest"]).write_data == tmp_path

    def test_rcon_port_binds_loopback_only(self) -> None:
        config = parse(["--start-server-load-latest", "--rcon-port", "27015", "--rcon-password", "pw"])
        assert (config.rcon.host, config.rcon.port) == ("127.0.0.1", 27015)
        assert config.rcon_password == "pw"

    def test_rcon_bind_names_the_address(self) -> None:
        config = parse(["--start-server-load-latest", "--rcon-bind", "0.0.0.0:27015", "--rcon-password", "pw"])
        assert (config.rcon.host, config.rcon.port) == ("0.0.0.0", 27015)

    def test_no_rcon_flags_means_no_rcon(self) -> None:
        assert parse(["--start-server-load-latest"]).rcon is None

    def test_game_port_defaults_and_bind(self) -> None:
        # The game port binds where RCON binds (loopback by default), not 0.0.0.0.
        assert str(parse(["--start-server-load-latest"]).game) == f"127.0.0.1:{cli.DEFAULT_GAME_PORT}"
        rcon_everywhere = ["--rcon-bind", "0.0.0.0:27015", "--rcon-password", "pw"]
        assert str(parse(["--start-server-load-latest", *rcon_everywhere]).game) == f"0.0.0.0:{cli.DEFAULT_GAME_PORT}"
        assert str(parse(["--start-server-load-latest", "--rcon-port", "1", "--rcon-password", "pw"]).game).startswith(
            "127.0.0.1:"
        )
        # --bind wins, as in real Factorio.
        assert str(parse(["--start-server-load-latest", *rcon_everywhere, "--bind", "127.0.0.1:4000"]).game) == (
            "127.0.0.1:4000"
        )
        assert str(parse(["--start-server-load-latest", "--bind", "127.0.0.1:4000"]).game) == "127.0.0.1:4000"
        # --port wins over the port of --bind.
        assert (
            str(parse(["--start-server-load-latest", "--bind", "127.0.0.1:4000", "--port", "5000"]).game)
            == "127.0.0.1:5000"
        )

    def test_seed_console_log_and_mod_directory(self, tmp_path: Path) -> None:
        config = parse(
            [
                "--start-server-load-latest",
                "--map-gen-seed",
                "4242",
                "--console-log",
                str(tmp_path / "console.log"),
                "--mod-directory",
                str(tmp_path / "mods"),
            ]
        )
        assert config.map_gen_seed == 4242
        assert config.console_log == tmp_path / "console.log"
        assert config.mod_directory == tmp_path / "mods"

    def test_server_whitelist_flags_are_accepted(self, tmp_path: Path) -> None:
        config = parse(
            [
                "--start-server-load-latest",
                "--server-whitelist",
                "w.json",
                "--use-server-whitelist",
                "--server-banlist",
                "b.json",
                "--server-adminlist",
                "a.json",
                "--map-gen-settings",
                "mg.json",
                "--map-settings",
                "m.json",
            ]
        )
        assert config.mode == "start-server-load-latest"


@pytest.mark.rcon_client
def test_process_honours_config_ini_write_data(tmp_path: Path) -> None:
    """Started from another directory, saves land in ``write-data`` of ``-c``."""
    write_data = tmp_path / "data"
    write_scenario(write_data)
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    server = EmulatorProcess(
        write_data, emulator_args(write_data, ["--start-server-load-scenario", "lab"]), cwd=elsewhere
    ).start()
    with server.connect() as client:
        client.send_command("/save placed")
    server.wait_for(re.escape(messages.SAVING_FINISHED))
    assert server.stop() == 0
    assert (write_data / "saves" / "placed.zip").is_file()
    assert (write_data / "factorio-current.log").is_file()
    assert list(elsewhere.iterdir()) == []


def write_config(write_data: Path) -> Path:
    write_data.mkdir(parents=True, exist_ok=True)
    ini = write_data / "config.ini"
    ini.write_text(f"[path]\nwrite-data={write_data}\n")
    return ini


class TestLuaLimitFlags:
    """The embedded server's own flags: documented in --help, checked, exit 1 on bad values."""

    def test_help_names_both_flags_and_their_defaults(self) -> None:
        text = parse(["--help"])
        assert isinstance(text, str)
        assert "--lua-time-limit SECONDS" in text and "default 10" in text
        assert "--lua-memory-limit MB" in text and "default 1024" in text

    def test_defaults_and_values(self) -> None:
        config = parse(["--start-server", "x"])
        assert not isinstance(config, str)
        assert (config.lua_limits.time_limit, config.lua_limits.memory_limit_mb) == (10.0, 1024)
        config = parse(["--start-server", "x", "--lua-time-limit", "0.5", "--lua-memory-limit", "0"])
        assert not isinstance(config, str)
        assert (config.lua_limits.time_limit, config.lua_limits.memory_limit_mb) == (0.5, 0)

    @pytest.mark.parametrize(
        "flag, value",
        [
            ("--lua-time-limit", "-1"),
            ("--lua-time-limit", "soon"),
            ("--lua-time-limit", "nan"),
            ("--lua-time-limit", "inf"),
            ("--lua-memory-limit", "-5"),
            ("--lua-memory-limit", "1.5"),
            ("--lua-memory-limit", "lots"),
        ],
    )
    def test_bad_values_are_refused(self, flag: str, value: str) -> None:
        with pytest.raises(UsageError, match=re.escape(f"{flag} {value!r}")):
            parse(["--start-server", "x", flag, value])

    def test_a_bad_value_exits_1_with_the_error_on_stderr(self, tmp_path: Path) -> None:
        done = run_to_exit(["--start-server", "x", "--lua-time-limit", "soon"], cwd=tmp_path)
        assert done.returncode == 1
        assert "--lua-time-limit 'soon'" in done.stderr


class TestRconLimits:
    def test_defaults(self) -> None:
        limits = parse(["--start-server-load-latest"]).rcon_limits
        assert (limits.max_connections, limits.auth_timeout) == (64, 10.0)
        assert limits.pre_auth_packet_size == 4096

    def test_flags(self) -> None:
        args = ["--start-server-load-latest", "--rcon-max-connections", "3", "--rcon-auth-timeout", "0.5"]
        limits = parse(args).rcon_limits
        assert (limits.max_connections, limits.auth_timeout) == (3, 0.5)

    @pytest.mark.parametrize(
        "flag", [("--rcon-max-connections", "0"), ("--rcon-auth-timeout", "0"), ("--rcon-auth-timeout", "nan")]
    )
    def test_bad_values_are_refused(self, flag: tuple[str, str]) -> None:
        with pytest.raises(UsageError, match=flag[0]):
            parse(["--start-server-load-latest", *flag])
