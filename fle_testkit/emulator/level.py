"""One running game: its Lua state, world, clock and registered handlers.

The order of things follows Factorio: a new game runs ``control.lua`` then
``on_init``; a loaded game runs ``control.lua``, restores ``storage``, then
``on_load``. ``game`` is nil in ``control.lua``'s main chunk and in
``on_load``, as in Factorio. Handlers are not saved: they come from
``control.lua`` each time, and so do the metatables it registers
(``script.register_metatable``), which the restored ``storage`` is relinked
to. An on_load that changes ``storage`` fails the load, as in Factorio.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import messages
from .clock import TICKS_PER_SECOND, GameClock, UpdateRate
from .config import LuaLimits
from .events import EventRegistry
from .gamedata import GameData
from .lua import storage_codec
from .lua.metatables import MetatableRegistry
from .lua.runtime import LuaRuntimeError, LuaSandbox, LuaStopped, LuaTimeLimitError, StopRequest
from .lua.storage_guard import StorageGuard, StorageModifiedInOnLoad
from .lua_api import references
from .lua_api.context import ApiContext
from .lua_api.globals import install_globals
from .model.pathfinding import find_path
from .model.world import World
from .pace import PaceReport
from .saves import SaveContents
from .serverlog import RepeatFilter

CORE_LUALIB = "__core__/lualib/"
LEVEL_PREFIX = "__level__/"
ON_TICK = 0  # defines.events.on_tick
COMPACT_EVERY = 256  # commands between frees of host objects Lua no longer reaches...
COMPACT_GROWTH = 256  # ...when at least this many more were handed to Lua since the last
#: Most wall seconds one advance spends running tick handlers. A game whose handlers cannot
#: keep up with 60 x game.speed ticks a second runs slower, as a real server under load
#: does: the clock restarts from the tick reached and the ticks it fell behind are never
#: owed. Without the bound every command would first wait for a catch-up that never ends.
#: It is also how long a command waits for the ticks being run when it arrives (and what
#: one tick takes, at least: a tick is never cut): a real server takes commands between
#: two tick updates. 50 ms made every command of FLE's tools wait ~25 ms at game speed 100,
#: where FLE's alerts keep a small factory behind; the inserter trajectory took 21.2 s, 16.5 s at 5 ms.
CATCH_UP_SECONDS = 0.005
#: Wall seconds between two runs of the machines while no command comes (see next_work_tick).
SIMULATION_BATCH_SECONDS = 0.02


class Level:
    """A game: build it with ``new`` or ``load``, then run commands on it."""

    def __init__(
        self,
        *,
        gamedata: GameData,
        name: str,
        scenario_files: dict[str, bytes],
        world: World,
        log: Callable[[str], None],
        script_log: Callable[[str], None],
        script_output: Path,
        core_lualib: Path,
        tick: int = 0,
        speed: float = 1.0,
        tick_paused: bool = False,
        auto_paused: bool = False,
        now: Callable[[], float] = time.monotonic,
        lua_limits: LuaLimits | None = None,
        stop: StopRequest | None = None,
        catch_up_seconds: float = CATCH_UP_SECONDS,
    ) -> None:
        self.gamedata = gamedata
        self.catch_up_seconds = catch_up_seconds
        self.ticks_fallen_behind = 0  # ticks the wall clock made due that the game never ran
        self.rate = UpdateRate()  # the ticks a second the game achieves while it has work each tick
        self.pace = PaceReport(log, now)  # logs when it falls behind and when it keeps up again
        self.level_name = name
        self.scenario_files = scenario_files
        self.world = world
        self.events = EventRegistry()
        self.script_output = script_output
        self._log = log
        self._event_errors = RepeatFilter(log)
        self._script_log = script_log
        self._core_lualib = core_lualib
        self._tick = tick
        world.simulation.now = tick  # the machines' clock is the game's
        self._tick_paused = tick_paused
        self._auto_paused = auto_paused
        self._now = now
        self.clock = GameClock(tick, speed, now=now)  # `now`: a fake time source in tests
        self.clock.reanchor(tick, paused=tick_paused or auto_paused)
        self._output: list[str] | None = None
        self._commands = 0
        self._advancing = False
        self.sandbox = LuaSandbox(self._find_module, lua_limits, stop)
        # Both keep Lua functions of their own, taken before any level code runs.
        self.metatables = MetatableRegistry(self.sandbox.lua)
        self._storage_guard = StorageGuard(self.sandbox.lua)
        self.in_main_chunk = False  # control.lua's main chunk is running
        self.ctx = ApiContext(sandbox=self.sandbox, gamedata=gamedata, world=world, level=self)
        self._game = install_globals(self.ctx)

    # --- construction -----------------------------------------------------
    @classmethod
    def new(cls, **kwargs: Any) -> Level:
        """A new game from a scenario: control.lua, then on_init."""
        level = cls(**kwargs)
        level._run_control()
        level.sandbox.globals.game = level._game
        if level.events.on_init is not None:
            level.sandbox.call(level.events.on_init)
        return level

    @classmethod
    def load(cls, contents: SaveContents, **kwargs: Any) -> Level:
        """A game from a save: control.lua, storage restored, then on_load."""
        state = contents.level
        level = cls(
            name=contents.meta.get("level_name", contents.name),
            scenario_files=contents.scenario_files,
            world=World.from_state(kwargs["gamedata"], state["world"]),
            tick=state["tick"],
            speed=state.get("speed", 1.0),
            tick_paused=state.get("tick_paused", False),
            **kwargs,
        )
        level._run_control()
        if contents.storage:
            level.sandbox.globals.storage = storage_codec.decode_storage(
                level.sandbox.lua,
                contents.storage,
                references.resolver(level.ctx),
                check=level.sandbox.check_memory,
                restore_metatable=level.metatables.restore,
            )
            level.sandbox.fit_memory_limit()
        level._run_on_load()
        level.sandbox.globals.game = level._game
        return level

    def _run_control(self) -> None:
        source = self.scenario_files.get("control.lua")
        if source is None:
            raise LuaRuntimeError(f"level {self.level_name!r} has no control.lua")
        self.sandbox.globals.game = None
        self.in_main_chunk = True
        try:
            self.sandbox.run(source.decode("utf-8"), "@" + LEVEL_PREFIX + "control.lua")
        finally:
            self.in_main_chunk = False

    def _run_on_load(self) -> None:
        """on_load, then Factorio's check that it left ``storage`` as it was; a change fails the load.

        The record of ``storage`` lives in the Lua state while on_load runs;
        it is the host's, so ``--lua-memory-limit`` grows by its size meanwhile.
        """
        handler = self.events.on_load
        if handler is None:
            return
        recorded = self._storage_guard.record(self.sandbox.globals.storage)
        with self.sandbox.host_memory(recorded.size):
            self.sandbox.call(handler)
        if not self._storage_guard.unchanged(recorded, self.sandbox.globals.storage):
            raise StorageModifiedInOnLoad(messages.STORAGE_MODIFIED_IN_ON_LOAD)

    def _find_module(self, name: str) -> tuple[str, str] | None:
        """Factorio's require: scenario files first, then core lualib."""
        path = name[:-4] if name.endswith(".lua") else name
        if "/" not in path:
            path = path.replace(".", "/")
        if path.startswith(CORE_LUALIB):
            return self._core_module(path[len(CORE_LUALIB) :])
        if path.startswith(LEVEL_PREFIX):
            path = path[len(LEVEL_PREFIX) :]
        if path.startswith("/") or ".." in path.split("/"):
            return None
        data = self.scenario_files.get(path + ".lua")
        if data is not None:
            try:
                return data.decode("utf-8"), "@" + LEVEL_PREFIX + path + ".lua"
            except UnicodeDecodeError:
                return None  # not Lua text; the codec's message must not reach the client
        return self._core_module(path)

    def _core_module(self, path: str) -> tuple[str, str] | None:
        if ".." in path.split("/") or path.startswith("/"):
            return None
        file = self._core_lualib / (path + ".lua")
        try:
            if not file.is_file():
                return None
            source = file.read_text(encoding="utf-8-sig")
        except (OSError, ValueError):
            # A name too long, with a NUL, or not UTF-8: not a module. The error's own
            # text names a host path (site-packages) and must not reach the client.
            return None
        return source, "@" + CORE_LUALIB + path + ".lua"

    # --- commands ---------------------------------------------------------
    def run_command(self, code: str, chunkname: str) -> str:
        """Run console Lua; returns what ``rcon.print`` printed.

        A Lua error raises LuaRuntimeError; output printed before it is lost,
        as in Factorio.
        """
        self.advance()
        self._output = []
        try:
            self.sandbox.run(code, chunkname)
            return "".join(self._output)
        finally:
            self._output = None
            self._commands += 1
            if self._commands % COMPACT_EVERY == 0:
                self.ctx.forget_invalid()
                self.sandbox.compact(COMPACT_GROWTH)

    def rcon_print(self, text: str) -> None:
        if self._output is not None:
            self._output.append(text + "\n")

    def script_log(self, source: str, text: str) -> None:
        self._script_log(messages.SCRIPT_LOG.format(source=source, text=text))

    # --- time -------------------------------------------------------------
    @property
    def tick(self) -> int:
        return self._tick

    @property
    def speed(self) -> float:
        return self.clock.speed

    def set_speed(self, speed: float) -> None:
        if not self._advancing:  # a handler changing it mid-advance must not re-enter advance()
            self.advance()
        self.clock.reanchor(self._tick, speed=speed)

    @property
    def tick_paused(self) -> bool:
        return self._tick_paused

    def set_tick_paused(self, paused: bool) -> None:
        if not self._advancing:
            self.advance()
        self._tick_paused = paused
        self.clock.reanchor(self._tick, paused=paused or self._auto_paused)

    def advance(self, until: int | None = None) -> None:
        """Bring the game up to the tick the wall clock says is due.

        Every tick ``game.tick`` counts has run (the clock contract): the
        machines of the tick simulation (``world.simulation``) step on the ticks
        where something happens to them, and each tick's handlers run in order
        (in one batch when the server was busy). Only when no machine is awake
        and no handler wants ticks does the tick jump: nothing would change.
        """
        due = self.clock.due_tick() if until is None else until
        if due <= self._tick or self._advancing or self.sandbox.stopped:
            return  # (stopped: the server is quitting; the game stays at the tick it reached)
        self._advancing = True
        started, first = self._now(), self._tick
        try:
            simulation = self.world.simulation
            if not self.events.wants_ticks(ON_TICK) and simulation.next_step_tick() is None:
                self._tick = simulation.now = due
                seconds = 0.0
            else:
                self._run_due_ticks(due, limited=until is None)
                seconds = self._now() - started
                self.rate.record(self._tick - first, seconds)
            if until is None:  # (an explicit target is always reached: no pace to report)
                self.pace.advanced(self._tick, due, self._tick - first, seconds, TICKS_PER_SECOND * self.clock.speed)
            self._answer_path_requests()
            self._raise_research_finished()
        finally:
            self._advancing = False

    def _answer_path_requests(self) -> None:
        """Raise on_script_path_request_finished for each request_path made before the tick just run.

        A request made on tick T is answered on tick T + 1. The answers come
        after that batch's on_tick handlers, not between them: only the order
        within one batch of ticks differs from Factorio's.
        """
        world = self.world
        ready = [r for r in world.path_requests if r.tick + 1 < self._tick]
        if not ready:
            return
        world.path_requests = [r for r in world.path_requests if r.tick + 1 >= self._tick]
        event_id = self.gamedata.defines["events"]["on_script_path_request_finished"]
        for request in ready:
            path = find_path(request)
            handler = self.events.handlers.get(event_id)
            if handler is None or self.sandbox.stopped:
                continue
            event: dict[str, Any] = {"name": event_id, "tick": request.tick + 1, "id": request.id}
            if path is not None:
                event["path"] = [{"position": {"x": p.x, "y": p.y}, "needs_destroy_to_reach": False} for p in path]
            else:
                event["try_again_later"] = False
            self._dispatch(handler, event, ("on_event", event_id), self.events.set_handler)

    def _raise_research_finished(self) -> None:
        """Raise on_research_finished for each technology a lab finished in the ticks just run
        (lab.py queues them): after that batch's on_tick handlers, as path requests are answered."""
        finished = self.world.simulation.cache.pop("research-finished", None)
        if not finished:
            return
        event_id = self.gamedata.defines["events"]["on_research_finished"]
        for tick, technology in finished:
            handler = self.events.handlers.get(event_id)
            if handler is None or self.sandbox.stopped:
                continue
            event = {"name": event_id, "tick": tick, "research": self.ctx.wrap(technology), "by_script": False}
            self._dispatch(handler, event, ("on_event", event_id), self.events.set_handler)

    def _run_due_ticks(self, due: int, limited: bool) -> None:
        """Run the ticks before ``due``: machines in bulk up to each tick with handlers, then that tick.

        Within one tick the handlers (on_tick, on_nth_tick) run before the machines
        update. Factorio's own order is not documented for on_tick; handlers-first is
        the most plausible reading (the event reports the tick about to be simulated).
        """
        deadline = self._now() + self.catch_up_seconds if limited else None
        simulation = self.world.simulation
        first = self._tick

        def out_of_time() -> bool:
            # Never before one tick has run: a game whose every advance came too late for its
            # bound (a descheduled process, a slow clock) must still move.
            return deadline is not None and simulation.now > first and self._now() > deadline

        while self._tick < due and not self.sandbox.stopped:
            if out_of_time():
                self._fall_behind(due)
                return
            if ON_TICK in self.events.handlers:
                handler_tick: int | None = self._tick
            else:
                handler_tick = self.events.next_nth_tick(self._tick - 1)  # (tick 0 is a real tick, not "none")
            stop = due if handler_tick is None or handler_tick >= due else handler_tick
            if stop > self._tick:
                self._tick = simulation.run_until(stop, out_of_time if limited else None)
                if self._tick < stop:
                    self._fall_behind(due)
                    return
                continue
            self._run_tick_handlers(self._tick)
            self._tick = simulation.run_until(self._tick + 1)

    def _fall_behind(self, due: int) -> None:
        """The game could not keep up: it runs slower from here (see CATCH_UP_SECONDS), never skips."""
        self.ticks_fallen_behind += due - self._tick
        self.clock.reanchor(self._tick)

    def _run_tick_handlers(self, tick: int) -> None:
        handler = self.events.handlers.get(ON_TICK)
        if handler is not None:
            self._dispatch(handler, {"tick": tick, "name": ON_TICK}, ("on_event", ON_TICK), self.events.set_handler)
        for period, function in self.events.due_nth(tick):
            self._dispatch(
                function, {"tick": tick, "nth_tick": period}, ("on_nth_tick", period), self.events.set_nth_tick
            )

    def _dispatch(
        self,
        function: Any,
        event: dict[str, Any],
        registration: tuple[str, int],
        register: Callable[[int, Any], None],
    ) -> None:
        """Run one handler; an error in it is logged and the game goes on.

        Real Factorio treats an error in an event handler as non-recoverable:
        a mod's error ends the game ("The mod ... caused a non-recoverable
        error"), and a scenario's ends it the same way ("The scenario level
        caused a non-recoverable error"); a headless server then leaves the
        game. That is what we believe from players' reports; it is not
        confirmed on a 2.0 headless server. A test server that died on the
        first handler error would take the rest of a test run with it, so the
        emulator logs the error and keeps serving. The same error repeated
        every tick is logged once, with a count (``RepeatFilter``).

        A handler over ``--lua-time-limit`` is logged once and unregistered:
        it would take as long again on the next tick, and real Factorio would
        have hung on it for good.
        """
        try:
            self.sandbox.call(function, self.sandbox.table_from(event))
        except LuaStopped:
            return  # the server is quitting: not the handler's fault
        except LuaTimeLimitError as error:
            register(registration[1], None)
            self._event_errors.flush()
            self._log(messages.EVENT_HANDLER_STOPPED.format(event=event, message=error.message))
        except LuaRuntimeError as error:
            self._event_errors.report(
                (registration, error.message), messages.ERROR_IN_EVENT.format(event=event, message=error.message)
            )
        else:
            self._event_errors.flush()

    def next_work_tick(self) -> int | None:
        """The next tick at which a handler must run, or None if none must."""
        # Tick T's handlers run once the clock is past it (advance runs ticks < due).
        if ON_TICK in self.events.handlers:
            return self._tick + 1
        following = self.events.next_nth_tick(self._tick - 1)
        step = self.world.simulation.next_step_tick()
        if step is not None:
            # Machines are run in batches a few wall milliseconds apart, not on each of their steps:
            # a command runs whatever is due first anyway, so this only keeps the catch-up short.
            batch = max(1, int(SIMULATION_BATCH_SECONDS * TICKS_PER_SECOND * self.clock.speed))
            step = max(step, self._tick + batch - 1)
            following = step if following is None else min(following, step)
        if self.world.path_requests:  # answered once the tick after the request has run
            answer = min(r.tick for r in self.world.path_requests) + 2
            following = answer - 1 if following is None else min(following, answer - 1)
        return None if following is None else following + 1

    # --- saving -----------------------------------------------------------
    def snapshot(self, *, advance: bool = True) -> SaveContents:
        """Everything a save holds. Raises StorageError if storage can't be saved.

        ``advance=False`` takes the game as it stands: a forked save writer
        must not run handlers (they would log from the child).
        """
        if advance:
            self.advance()
        storage = storage_codec.encode_storage(
            self.sandbox.lua,
            self.sandbox.globals.storage,
            references.reference_of,
            walker=self.sandbox.walker,
            metatable_names=self.metatables.names,
        )
        return SaveContents(
            name=self.level_name,
            scenario_files=self.scenario_files,
            level={
                "tick": self._tick,
                "speed": self.clock.speed,
                "tick_paused": self._tick_paused,
                "world": self.world.to_state(),
            },
            storage=storage,
            meta={"level_name": self.level_name, "factorio_version": messages.FACTORIO_VERSION},
        )
