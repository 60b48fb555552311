"""Factorio's headless command line, for the emulator.

The emulator accepts the flags of ``bin/x64/factorio`` with the same meanings
(DESIGN, "Command line"), so a harness builds one command line for the real
game and for the emulator. Anything else is refused with exit code 1.
"""

from __future__ import annotations

import argparse
import configparser
import sys
from collections.abc import Sequence
from pathlib import Path

from . import messages
from .config import (
    DEFAULT_LUA_MEMORY_LIMIT_MB,
    DEFAULT_LUA_TIME_LIMIT,
    Endpoint,
    LuaLimits,
    RconLimits,
    ServerConfig,
    ServerSettings,
    UsageError,
)

RUNNING_OPTIONS = (
    "--create",
    "--start-server",
    "--start-server-load-latest",
    "--start-server-load-scenario",
)
DEFAULT_GAME_PORT = 34197


class _Parser(argparse.ArgumentParser):
    """argparse, with Factorio's wording and exit code 1 for mistakes."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"Error: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="factorio",
        description="fle-testkit's Factorio-compatible headless server.",
        allow_abbrev=False,
        add_help=False,
    )
    general = parser.add_argument_group("General options")
    general.add_argument("-h", "--help", action="store_true", help="display help")
    general.add_argument("--version", action="store_true", help="show version information")
    general.add_argument("-c", "--config", metavar="PATH", help="config file to use (reads write-data= from [path])")
    general.add_argument("--mod-directory", metavar="PATH", help="mod directory to use")

    running = parser.add_argument_group("Running options")
    running.add_argument("--create", metavar="FILE", help="create a new map")
    running.add_argument("--start-server", metavar="FILE", help="start a multiplayer server")
    running.add_argument(
        "--start-server-load-latest",
        action="store_true",
        help="start a multiplayer server and load the latest available save",
    )
    running.add_argument(
        "--start-server-load-scenario",
        metavar="[MOD/]NAME",
        help="start a multiplayer server and load the specified scenario",
    )
    running.add_argument(
        "--map-gen-settings",
        metavar="FILE",
        help="map generation settings for use with --create or --start-server-load-scenario",
    )
    running.add_argument(
        "--map-gen-seed", metavar="SEED", type=int, help="map generation seed; overrides the seed in --map-gen-settings"
    )
    running.add_argument(
        "--map-settings", metavar="FILE", help="map settings for use with --create or --start-server-load-scenario"
    )

    server = parser.add_argument_group("Server options")
    server.add_argument("--port", metavar="N", type=int, help="network port to use")
    server.add_argument("--bind", metavar="ADDRESS[:PORT]", help="IP address (and optionally port) to bind to")
    server.add_argument(
        "--rcon-port", metavar="N", type=int, help="port to use for RCON (the emulator binds 127.0.0.1)"
    )
    server.add_argument("--rcon-bind", metavar="ADDRESS:PORT", help="IP address and port to use for RCON")
    server.add_argument("--rcon-password", metavar="PASSWORD", help="password for RCON")
    server.add_argument("--server-settings", metavar="FILE", help="path to file with server settings")
    server.add_argument("--use-server-whitelist", action="store_true", help="only players on the whitelist may join")
    server.add_argument("--server-whitelist", metavar="FILE", help="path to file with server whitelist")
    server.add_argument("--server-banlist", metavar="FILE", help="path to file with server banlist")
    server.add_argument("--server-adminlist", metavar="FILE", help="path to file with server adminlist")
    server.add_argument("--console-log", metavar="FILE", help="console messages will be saved to the specified file")

    # The emulator's own flags: real Factorio has none of them (and no such
    # limits), so a harness that passes one cannot run the real game with the
    # same command line.
    emulator = parser.add_argument_group("Emulator options (the embedded server only)")
    emulator.add_argument(
        "--lua-time-limit",
        metavar="SECONDS",
        default=str(DEFAULT_LUA_TIME_LIMIT),
        help=f"stop a console command or event handler whose Lua runs longer (default {DEFAULT_LUA_TIME_LIMIT:g}; "
        "0 = no limit, hang as real Factorio does)",
    )
    emulator.add_argument(
        "--lua-memory-limit",
        metavar="MB",
        default=str(DEFAULT_LUA_MEMORY_LIMIT_MB),
        help=f"memory the level's Lua may use; beyond it Lua gets 'not enough memory' "
        f"(default {DEFAULT_LUA_MEMORY_LIMIT_MB}; 0 = no limit)",
    )
    emulator.add_argument(
        "--rcon-max-connections",
        metavar="N",
        type=int,
        default=RconLimits.max_connections,
        help=f"RCON connections open at once; more are closed at accept (default {RconLimits.max_connections})",
    )
    emulator.add_argument(
        "--rcon-auth-timeout",
        metavar="SECONDS",
        type=float,
        default=RconLimits.auth_timeout,
        help=f"close an RCON connection that has not logged in after SECONDS (default {RconLimits.auth_timeout:g})",
    )
    return parser


def _lua_limits(args: argparse.Namespace) -> LuaLimits:
    """The limits as numbers; a bad value is a usage error (exit code 1), not a traceback."""
    try:
        seconds = float(args.lua_time_limit)
    except ValueError:
        seconds = -1.0
    if not (seconds >= 0 and seconds != float("inf")):  # (also refuses nan)
        raise UsageError(messages.CLI_BAD_LUA_TIME_LIMIT.format(value=args.lua_time_limit))
    try:
        megabytes = int(args.lua_memory_limit)
    except ValueError:
        megabytes = -1
    if megabytes < 0:
        raise UsageError(messages.CLI_BAD_LUA_MEMORY_LIMIT.format(value=args.lua_memory_limit))
    return LuaLimits(time_limit=seconds, memory_limit_mb=megabytes)


def parse(argv: Sequence[str], executable: Path | None = None) -> ServerConfig | str:
    """Resolve a command line to a ServerConfig, or to text to print and exit 0.

    Raises UsageError (exit code 1) for anything Factorio would refuse.
    """
    parser = build_parser()
    args, unknown = parser.parse_known_args(list(argv))
    if unknown:
        flag = next((u for u in unknown if u.startswith("-")), unknown[0])
        raise UsageError(messages.CLI_UNKNOWN_OPTION.format(option=flag))
    if args.help:
        return parser.format_help()
    if args.version:
        return f"Version: {messages.FACTORIO_VERSION} (build {messages.FACTORIO_BUILD}, linux64, headless)"

    chosen = [opt for opt in RUNNING_OPTIONS if getattr(args, opt[2:].replace("-", "_")) not in (None, False)]
    if len(chosen) > 1:
        raise UsageError(messages.CLI_TWO_RUNNING_OPTIONS.format(first=chosen[0], second=chosen[1]))
    if not chosen:
        raise UsageError(messages.CLI_NO_RUNNING_OPTION)
    mode = chosen[0][2:]
    target = getattr(args, mode.replace("-", "_"))
    if target is True:
        target = None

    lua_limits = _lua_limits(args)
    rcon = _rcon_endpoint(args)
    if rcon is not None and not args.rcon_password:
        raise UsageError("Error: RCON needs a password: pass --rcon-password")
    if args.rcon_max_connections < 1:
        raise UsageError(
            messages.CLI_BAD_VALUE.format(option="--rcon-max-connections", value=args.rcon_max_connections)
        )
    if not args.rcon_auth_timeout > 0:
        raise UsageError(messages.CLI_BAD_VALUE.format(option="--rcon-auth-timeout", value=args.rcon_auth_timeout))

    return ServerConfig(
        mode=mode,
        target=target,
        write_data=_write_data(args.config, executable),
        game=_game_endpoint(args, rcon),
        rcon=rcon,
        rcon_password=args.rcon_password,
        settings=ServerSettings.from_file(Path(args.server_settings)) if args.server_settings else ServerSettings(),
        map_gen_seed=args.map_gen_seed,
        console_log=Path(args.console_log) if args.console_log else None,
        mod_directory=Path(args.mod_directory) if args.mod_directory else None,
        lua_limits=lua_limits,
        rcon_limits=RconLimits(max_connections=args.rcon_max_connections, auth_timeout=args.rcon_auth_timeout),
    )


def _split_host_port(value: str, flag: str) -> tuple[str, int | None]:
    host, sep, port = value.rpartition(":")
    if not sep:
        return value, None
    try:
        return host.strip("[]"), int(port)
    except ValueError:
        raise UsageError(f"Error: {flag} {value!r} is not ADDRESS:PORT") from None


def _game_endpoint(args: argparse.Namespace, rcon: Endpoint | None) -> Endpoint:
    """Where the UDP game port is bound.

    Real Factorio binds it on 0.0.0.0. The emulator plays no multiplayer, so it
    binds where RCON binds (127.0.0.1 unless ``--rcon-bind`` names an address;
    DESIGN, "Safety"), or on loopback without RCON. ``--bind`` wins, as in
    real Factorio.
    """
    host, port = (rcon.host if rcon is not None else "127.0.0.1"), None
    if args.bind:
        host, port = _split_host_port(args.bind, "--bind")
    port = args.port if args.port is not None else port
    return Endpoint(host, DEFAULT_GAME_PORT if port is None else port)


def _rcon_endpoint(args: argparse.Namespace) -> Endpoint | None:
    """RCON runs only when asked for.

    Real Factorio binds ``--rcon-port`` on 0.0.0.0; the emulator binds
    127.0.0.1 unless ``--rcon-bind`` names an address (DESIGN, "Safety").
    """
    if args.rcon_bind:
        host, port = _split_host_port(args.rcon_bind, "--rcon-bind")
        if port is None:
            raise UsageError(f"Error: --rcon-bind {args.rcon_bind!r} is not ADDRESS:PORT")
        return Endpoint(host, port)
    if args.rcon_port is not None:
        return Endpoint("127.0.0.1", args.rcon_port)
    return None


def _write_data(config: str | None, executable: Path | None) -> Path:
    """Where saves/, scenarios/ and the log live.

    With ``-c config.ini`` it is ``[path] write-data=``. Without, real Factorio
    uses the install directory (two levels above ``bin/x64/factorio``); the
    emulator does the same when installed that way, else the working directory.
    """
    exe_dir = executable.resolve().parent if executable else None
    if config:
        parsed = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            with open(config, encoding="utf-8") as handle:
                parsed.read_file(handle)
        except OSError as error:
            raise UsageError(f"Error: cannot read config file {config}: {error.strerror}") from error
        except configparser.Error as error:
            raise UsageError(f"Error: config file {config} is not valid: {error}") from error
        value = parsed.get("path", "write-data", fallback=None)
        if value:
            if exe_dir is not None:
                value = value.replace("__PATH__executable__", str(exe_dir))
            value = value.replace("__PATH__system-write-data__", str(Path.home() / ".factorio"))
            return Path(value).resolve()
    if exe_dir is not None and exe_dir.parts[-2:] == ("bin", "x64"):
        return exe_dir.parent.parent
    return Path.cwd()


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point: parse, then run the server until it quits."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        parsed = parse(argv, executable=Path(sys.argv[0]))
    except UsageError as error:
        print(error, file=sys.stderr)
        return 1
    if isinstance(parsed, str):
        print(parsed)
        return 0
    from .process import run  # deferred: --help must not pay for the Lua runtime

    return run(parsed)
