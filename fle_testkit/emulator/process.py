"""A server process: start a level, serve RCON, tick, save, quit.

The log follows real Factorio's order, which harnesses read to know the state:
``Loading map`` → ``Hosting game`` → ``... to(InGame)`` → ``Starting RCON
interface``. SIGTERM, SIGINT and ``/quit`` save over the file that was loaded
(a game started from a scenario has none) and exit 0.

While serving, ``/save`` and autosaves are written in the background
(:mod:`.background_save`): the game keeps ticking and answering RCON, and a
quit waits for a save in flight before its own.
"""

from __future__ import annotations

import asyncio
import random
import signal
import socket
from pathlib import Path

import draftsman

from . import messages
from .background_save import BackgroundSaves, SaveRequest
from .config import Endpoint, ServerConfig
from .console import Console
from .errors import EmulatorError
from .gamedata import GameData, cache_path, load_vanilla
from .level import Level
from .lua.runtime import LuaRuntimeError, StopRequest
from .lua.storage_codec import StorageError
from .model.errors import StateError
from .model.world import World
from .rcon import RconServer
from .saves import SaveFileError, latest_save, read_save, read_scenario, write_save
from .scenario_map import MAP_FILE, ScenarioMapError, scenario_layout
from .serverlog import ServerLog

CORE_LUALIB = Path(draftsman.__file__).parent / "factorio-data" / "core" / "lualib"
TICKS_PER_MINUTE = 60 * 60
EXIT_OK, EXIT_ERROR = 0, 1

# `--create` has no freeplay scenario to build from (draftsman's factorio-data
# ships none): it makes a map with an empty control.lua.
EMPTY_SCENARIO = {"control.lua": b"-- created by --create\n"}


class StartupError(EmulatorError):
    """The server cannot start; the message is the log line to print."""


class Server:
    """One emulated headless server, from its command line to Goodbye."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.log = ServerLog(config.write_data / "factorio-current.log", config.console_log)
        self.seed = config.map_gen_seed if config.map_gen_seed is not None else random.randrange(2**32)
        self.level: Level | None = None
        self.loaded_from: Path | None = None
        self._quit_reason: str | None = None
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self._udp: socket.socket | None = None
        self._autosave_slot = 0
        # Shared with the level's Lua: a signal stops Lua that holds the thread.
        self._lua_stop = StopRequest()
        self._saves: BackgroundSaves | None = None  # while serving

    # --- the console's view ---------------------------------------------
    @property
    def running(self) -> Level:
        """The level being served; the console and the ticker exist only after it loaded."""
        if self.level is None:
            raise EmulatorError("no level is loaded yet")
        return self.level

    def run_lua(self, code: str) -> str:
        try:
            return self.running.run_command(code, code)
        finally:
            self._wake.set()  # handlers, speed or pause may have changed

    def game_tick(self) -> int:
        self.running.advance()
        return self.running.tick

    def save_as(self, name: str | None) -> str:
        if name is None:
            if self.loaded_from is None:
                raise SaveFileError(messages.CANT_SAVE_DEFAULT)
            path = self.loaded_from
        else:
            if "/" in name or "\\" in name or name.startswith("."):
                # The console saves into saves/ only: a path would write anywhere.
                raise SaveFileError(messages.SAVE_NAME_NOT_BARE.format(name=name))
            path = self.config.save_path(name)
        announce = messages.SAVING_GAME.format(path=path)
        if self._saves is not None:
            # Written by a forked child while the game goes on; a failure is logged (with its path: the log
            # is the operator's), and the reply has already been sent.
            self._saves.request(
                SaveRequest(path, announce, lambda error: messages.SAVE_FAILED.format(path=path, error=error))
            )
            return messages.SAVE_DONE_REPLY
        try:
            self._save(path, announce)
        except (SaveFileError, OSError, ValueError) as error:
            cause = error.__cause__ if isinstance(error, SaveFileError) else error
            if not isinstance(cause, (OSError, ValueError)):
                raise  # the emulator's own words (a function in storage, ...): safe to show
            # The full error, host path included, goes to the log; the reply says only why.
            self.log.line(messages.ERROR_SAVING_MAP.format(error=error))
            reason = (cause.strerror if isinstance(cause, OSError) else None) or messages.OS_ERROR_REASON
            raise SaveFileError(messages.SAVE_CANNOT_WRITE_PUBLIC.format(name=path.name, reason=reason)) from error
        return messages.SAVE_DONE_REPLY

    def request_quit(self) -> None:
        self._quit_reason = messages.QUITTING_REMOTE
        self._stop.set()

    # --- life cycle -----------------------------------------------------
    def _save(self, path: Path, announce: str) -> int:
        """Save to ``path``, logging ``announce`` first and "Saving finished" after."""
        self.log.line(announce)
        contents = self.running.snapshot()
        size = write_save(path, contents)
        self.log.line(messages.SAVING_FINISHED)
        return size

    def _state(self, old: str, new: str, tick: int = messages.NO_TICK) -> None:
        self.log.line(messages.STATE_CHANGE.format(tick=tick, old=old, new=new))

    def _game_data(self) -> GameData:
        if not cache_path().is_file():  # a first start: say why it takes seconds
            self.log.line(messages.BUILDING_GAME_DATA.format(path=cache_path()))
        return load_vanilla()

    def _open_level(self) -> Level:
        config = self.config
        gamedata = self._game_data()
        common = dict(
            gamedata=gamedata,
            log=self.log.line,
            script_log=self.log.line,
            script_output=config.script_output_dir,
            core_lualib=CORE_LUALIB,
            auto_paused=config.settings.auto_pause,
            lua_limits=config.lua_limits,
            stop=self._lua_stop,
        )
        if config.mode == "start-server-load-scenario":
            directory = self._find_scenario(config.target or "")
            self.log.line(messages.LOADING_LEVEL.format(size=_size_of(directory)))
            self.log.line(messages.MAP_VERSION.format(version=messages.FACTORIO_VERSION))
            files = read_scenario(directory)
            try:
                layout = scenario_layout(files, gamedata)
            except ScenarioMapError as error:
                raise StartupError(
                    messages.MULTIPLAYER_FAILED.format(
                        reason=messages.UNKNOWN_MAP.format(file=MAP_FILE, name=directory.name, reason=error)
                    )
                ) from error
            return Level.new(
                name=directory.name,
                scenario_files=files,
                world=World.new(gamedata, self.seed, layout),
                **common,
            )
        if config.mode == "start-server-load-latest":
            path = latest_save(config.saves_dir)
            if path is None:
                raise StartupError(messages.NO_LATEST_SAVE.format(directory=config.saves_dir))
        else:
            path = config.save_path(config.target or "")
        if not path.is_file():
            self.log.line(messages.LOADING_MAP_MISSING.format(path=path))
            raise StartupError(
                messages.MULTIPLAYER_FAILED.format(reason=messages.FILE_DOES_NOT_EXIST.format(path=path))
            )
        self.log.line(messages.LOADING_MAP.format(path=path, size=path.stat().st_size))
        try:
            contents = read_save(path)
        except SaveFileError as error:
            raise StartupError(
                messages.MULTIPLAYER_FAILED.format(reason=messages.CORRUPT_SAVE.format(path=path, reason=error))
            ) from error
        self.log.line(messages.MAP_VERSION.format(version=contents.meta.get("factorio_version", "?")))
        try:
            self.seed = contents.level["world"].get("seed", self.seed)
            level = Level.load(contents, **common)
        except (KeyError, TypeError, ValueError, AttributeError, StateError, StorageError) as error:
            # A save with our header but damaged contents: refuse it, touch nothing.
            reason = messages.LEVEL_DATA_DAMAGED.format(kind=type(error).__name__, error=error)
            raise StartupError(
                messages.MULTIPLAYER_FAILED.format(reason=messages.CORRUPT_SAVE.format(path=path, reason=reason))
            ) from error
        except MemoryError as error:  # lupa's LuaMemoryError: the save's storage does not fit --lua-memory-limit
            reason = messages.LEVEL_OVER_LUA_MEMORY.format(limit=self.config.lua_limits.memory_limit_mb)
            raise StartupError(
                messages.MULTIPLAYER_FAILED.format(reason=messages.CORRUPT_SAVE.format(path=path, reason=reason))
            ) from error
        self.loaded_from = path
        return level

    def _find_scenario(self, name: str) -> Path:
        mod, _, scenario = name.rpartition("/")
        places = []
        if mod and self.config.mod_directory is not None:
            places.append(self.config.mod_directory / mod / "scenarios" / scenario)
        elif mod:
            places.append(self.config.write_data / "mods" / mod / "scenarios" / scenario)
        else:
            places.append(self.config.scenarios_dir / name)
        for place in places:
            if (place / "control.lua").is_file():
                return place
        raise StartupError(
            messages.MULTIPLAYER_FAILED.format(
                reason=messages.SCENARIO_NOT_FOUND.format(name=name, places=", ".join(map(str, places)))
            )
        )

    def _bind_game_port(self, endpoint: Endpoint) -> None:
        """Hold the UDP game port as Factorio does, so two servers can't share it."""
        self.log.line(messages.OPENING_SOCKET.format(addr=endpoint))
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            udp.bind((endpoint.host, endpoint.port))
        except OSError as error:
            udp.close()
            raise StartupError(
                messages.MULTIPLAYER_FAILED.format(
                    reason=messages.HOST_ADDRESS_IN_USE.format(addr=endpoint, reason=error.strerror)
                )
            ) from error
        self._udp = udp
        bound = Endpoint(endpoint.host, udp.getsockname()[1])
        self.log.line(messages.HOSTING_GAME.format(addr=bound))

    def create(self) -> int:
        """``--create FILE``: write a new map and exit, as Factorio does."""
        self.log.banner()
        path = self.config.save_path(self.config.target or "")
        gamedata = self._game_data()
        try:
            level = Level.new(
                name=path.name[: -len(".zip")],
                scenario_files=dict(EMPTY_SCENARIO),
                world=World.new(gamedata, self.seed),
                gamedata=gamedata,
                log=self.log.line,
                script_log=self.log.line,
                script_output=self.config.script_output_dir,
                core_lualib=CORE_LUALIB,
            )
            self.level = level
            self._save(path, messages.SAVING_GAME.format(path=path))
        except EmulatorError as error:
            self.log.line(messages.ERROR_CREATING.format(path=path, error=error))
            return self._finish(EXIT_ERROR)
        return self._finish(EXIT_OK)

    async def serve(self) -> int:
        # Signals are handled from the first line on: a harness may stop the
        # server the moment it reads a line, even the readiness line.
        self._handle_signals(asyncio.get_running_loop())
        self.log.banner()
        self._state("Ready", "PreparedToHostGame")
        self._state("PreparedToHostGame", "CreatingGame")
        try:
            self.level = self._open_level()
            self._bind_game_port(self.config.game)
        except (StartupError, LuaRuntimeError, EmulatorError) as error:
            if self._lua_stop.reason is not None:
                # A signal stopped the level's Lua while it loaded: a clean
                # quit with nothing loaded to save over, not a failed start.
                await self._stop.wait()
                self.log.line(self._quit_reason or messages.QUITTING_SIGNAL)
                self.log.line(messages.CANT_SAVE_DEFAULT)
                return self._finish(EXIT_OK)
            self.log.line(
                str(error) if isinstance(error, StartupError) else messages.ERROR_LOADING_LEVEL.format(error=error)
            )
            return self._finish(EXIT_ERROR)
        self._state("CreatingGame", "InGame", tick=self.level.tick)
        level = self.level
        saves = self._saves = BackgroundSaves(self.log.line, level.advance, lambda: level.snapshot(advance=False))

        rcon = None
        if self.config.rcon is not None and self.config.rcon_password:
            console = Console(self, self.log)
            limits = self.config.rcon_limits
            rcon = RconServer(
                self.config.rcon.host,
                self.config.rcon.port,
                self.config.rcon_password,
                console.handle,
                self.log.line,
                max_packet_size=limits.max_packet_size,
                pre_auth_packet_size=limits.pre_auth_packet_size,
                max_connections=limits.max_connections,
                auth_timeout=limits.auth_timeout,
            )
            try:
                await rcon.start()
            except OSError as error:
                self.log.line(messages.RCON_CANNOT_START.format(addr=self.config.rcon, reason=error.strerror))
                return self._finish(EXIT_ERROR)
            self.log.line(messages.RCON_STARTING.format(addr=Endpoint(rcon.host, rcon.port)))

        ticker = asyncio.create_task(self._tick_loop())
        await self._stop.wait()
        ticker.cancel()
        if rcon is not None:
            await rcon.close()
        self.log.line(self._quit_reason or messages.QUITTING_SIGNAL)
        await saves.drain()  # a save in flight (or queued) is finished first
        if self.loaded_from is not None:
            try:
                self._save(self.loaded_from, messages.SAVING_MAP_AS.format(path=self.loaded_from))
            except EmulatorError as error:
                self.log.line(messages.ERROR_SAVING_MAP.format(error=error))
        else:
            self.log.line(messages.CANT_SAVE_DEFAULT)
        return self._finish(EXIT_OK)

    def _finish(self, code: int) -> int:
        _ignore_late_signals()
        if self._udp is not None:
            self._udp.close()
        self.log.line(messages.GOODBYE)
        self.log.close()
        return code

    def _handle_signals(self, loop: asyncio.AbstractEventLoop) -> None:
        """SIGTERM and SIGINT stop the server from any state, busy Lua included.

        asyncio's own signal handlers run on the event loop, which Lua holds
        for as long as a command or handler runs: a runaway loop made the
        server deaf to SIGTERM. A plain Python handler runs between any two
        Python bytecodes, which the Lua count hook provides: it asks the Lua
        to stop (the hook then aborts the chunk), and wakes the loop, which
        runs the quit path (log, save, Goodbye) as for an idle server.
        """

        def handler(signum: int, frame: object) -> None:
            self._lua_stop.stop(messages.LUA_STOPPED_QUITTING)
            loop.call_soon_threadsafe(self._on_signal, signum)

        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, handler)

    def _on_signal(self, signum: int) -> None:
        if self._stop.is_set():
            return
        self.log.line(messages.RECEIVED_SIGNAL.format(signal=signal.Signals(signum).name))
        self._quit_reason = messages.QUITTING_SIGNAL
        self._stop.set()

    # --- time -----------------------------------------------------------
    async def _tick_loop(self) -> None:
        """Run handlers and autosaves when due; sleep (no spinning) otherwise."""
        level = self.running
        interval = self.config.settings.autosave_interval * TICKS_PER_MINUTE
        autosaving = self.config.settings.autosave_slots > 0 and interval > 0
        next_autosave = (level.tick // interval + 1) * interval if autosaving else None
        while True:
            targets = [t for t in (level.next_work_tick(), next_autosave) if t is not None]
            delay = level.clock.seconds_until(min(targets)) if targets else None
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            except TimeoutError:
                pass
            level.advance()
            if next_autosave is not None and level.tick >= next_autosave:
                self._autosave()
                next_autosave = (level.tick // interval + 1) * interval

    def _autosave(self) -> None:
        """Start an autosave; one due while a save is being written is skipped."""
        if self._saves is not None and self._saves.busy:
            return
        self._autosave_slot = self._autosave_slot % self.config.settings.autosave_slots + 1
        path = self.config.saves_dir / f"_autosave{self._autosave_slot}.zip"
        announce = messages.AUTOSAVING.format(slot=self._autosave_slot, path=path)
        if self._saves is not None:
            self._saves.request(
                SaveRequest(path, announce, lambda error: messages.ERROR_AUTOSAVING.format(error=error))
            )
            return
        try:
            self._save(path, announce)
        except EmulatorError as error:
            self.log.line(messages.ERROR_AUTOSAVING.format(error=error))


def _ignore_late_signals() -> None:
    """From Goodbye on the process only exits: a SIGTERM sent then must not
    turn exit code 0 into -15, nor call a handler whose loop has gone."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_IGN)


def _size_of(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


def run(config: ServerConfig) -> int:
    """Run a server until it quits; returns the process exit code."""
    for directory in (config.saves_dir, config.scenarios_dir, config.script_output_dir, config.write_data / "mods"):
        directory.mkdir(parents=True, exist_ok=True)
    server = Server(config)
    if config.mode == "create":
        return server.create()
    return asyncio.run(server.serve())
