"""Game time: GameClock, EventRegistry and Level.advance with a fake time source
(exact tick counts), then the process: ticking, pausing, auto-pause, no spinning.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from fle_testkit.emulator.clock import GameClock
from fle_testkit.emulator.events import EventRegistry
from fle_testkit.emulator.gamedata import load_vanilla
from fle_testkit.emulator.level import Level
from fle_testkit.emulator.model.world import World
from fle_testkit.emulator.process import CORE_LUALIB


class FakeTime:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class Busy(FakeTime):
    """Every look at the clock finds 10 ms gone, as if each tick's work took that long."""

    def __call__(self) -> float:
        self.now += 0.01
        return self.now


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


# --- GameClock ------------------------------------------------------------------------
class TestGameClock:
    @pytest.mark.parametrize(
        "speed, seconds, tick", [(1, 1, 60), (1, 2.5, 150), (2.5, 1, 150), (0.5, 1, 30), (10, 0.1, 60)]
    )
    def test_sixty_ticks_per_second_times_speed(self, fake: FakeTime, speed: float, seconds: float, tick: int) -> None:
        clock = GameClock(0, speed, now=fake)
        fake.sleep(seconds)
        assert clock.due_tick() == tick

    def test_starts_from_the_given_tick(self, fake: FakeTime) -> None:
        clock = GameClock(1000, 1.0, now=fake)
        assert clock.due_tick() == 1000
        fake.sleep(1)
        assert clock.due_tick() == 1060

    def test_partial_ticks_round_down(self, fake: FakeTime) -> None:
        clock = GameClock(0, 1.0, now=fake)
        fake.sleep(1 / 120)
        assert clock.due_tick() == 0

    def test_paused_clock_does_not_move(self, fake: FakeTime) -> None:
        clock = GameClock(0, 1.0, now=fake)
        clock.reanchor(0, paused=True)
        fake.sleep(10)
        assert clock.due_tick() == 0
        assert clock.seconds_until(60) is None

    def test_unpausing_resumes_without_a_jump(self, fake: FakeTime) -> None:
        clock = GameClock(0, 1.0, now=fake)
        fake.sleep(1)
        clock.reanchor(60, paused=True)
        fake.sleep(100)
        clock.reanchor(60, paused=False)
        fake.sleep(1)
        assert clock.due_tick() == 120

    def test_speed_change_applies_from_the_reanchor(self, fake: FakeTime) -> None:
        clock = GameClock(0, 1.0, now=fake)
        fake.sleep(1)
        clock.reanchor(clock.due_tick(), speed=4.0)
        fake.sleep(1)
        assert clock.due_tick() == 60 + 240
        assert clock.speed == 4.0

    def test_seconds_until_a_tick(self, fake: FakeTime) -> None:
        clock = GameClock(0, 2.0, now=fake)
        assert clock.seconds_until(120) == pytest.approx(1.0)
        fake.sleep(2)
        assert clock.seconds_until(120) == 0.0


# --- EventRegistry ----------------------------------------------------------------------
class TestEventRegistry:
    def test_handlers_are_set_and_removed(self) -> None:
        events = EventRegistry()
        events.set_handler(0, "f")
        assert events.wants_ticks(0)
        events.set_handler(0, None)
        assert events.handlers == {}
        assert not events.wants_ticks(0)

    def test_nth_tick_wants_ticks(self) -> None:
        events = EventRegistry()
        events.set_nth_tick(10, "f")
        assert events.wants_ticks(0)
        events.set_nth_tick(10, None)
        assert not events.wants_ticks(0)

    def test_due_nth_in_period_order(self) -> None:
        events = EventRegistry()
        for period in (10, 7, 3):
            events.set_nth_tick(period, f"every-{period}")
        assert events.due_nth(30) == [(3, "every-3"), (10, "every-10")]
        assert events.due_nth(31) == []

    def test_next_nth_tick(self) -> None:
        events = EventRegistry()
        assert events.next_nth_tick(25) is None
        events.set_nth_tick(10, "a")
        events.set_nth_tick(7, "b")
        assert events.next_nth_tick(25) == 28
        assert events.next_nth_tick(28) == 30
        assert events.next_nth_tick(-1) == 0


# --- Level.advance -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gamedata():
    return load_vanilla()


def make_level(gamedata, fake: FakeTime, tmp_path: Path, control: str = "", **kwargs) -> tuple[Level, list[str]]:
    logged: list[str] = []
    level = Level.new(
        gamedata=gamedata,
        name="lab",
        scenario_files={"control.lua": control.encode()},
        world=World.new(gamedata, 1),
        log=logged.append,
        script_log=logged.append,
        script_output=tmp_path,
        core_lualib=CORE_LUALIB,
        now=fake,
        **kwargs,
    )
    return level, logged


def lua(level: Level, code: str) -> str:
    return level.run_command(code, "=(test)").rstrip("\n")


RECORD_TICKS = """
seen = {}
script.on_event(defines.events.on_tick, function(event)
  seen[#seen + 1] = event.tick
  if event.tick ~= game.tick then error("event.tick ~= game.tick") end
end)
"""


class TestLevelTime:
    def test_ticks_follow_the_clock(self, gamedata, fake: FakeTime, tmp_path: Path) -> None:
        level, _ = make_level(gamedata, fake, tmp_path)
        fake.sleep(1)
        level.advance()
        assert level.tick == 60
        fake.sleep(2)
        assert lua(level, "rcon.print(game.tick)") == "180"

    def test_game_speed_scales_ticks(self, gamedata, fake: FakeTime, tmp_path: Path) -> None:
        level, _ = make_level(gamedata, fake, tmp_path)
        lua(level, "game.speed = 10")
        fake.sleep(1)
        assert lua(level, "rcon.print(game.tick)") == "600"
        lua(level, "game.speed = 0.5")
        fake.sleep(2)
        assert lua(level, "rcon.print(game.tick)") == "660"

    def test_speeds_compare_exactly(self, gamedata, fake: FakeTime, tmp_path: Path) -> None:
        slow, _ = make_level(gamedata, fake, tmp_path)
        fast, _ = make_level(gamedata, fake, tmp_path, speed=3.0)
        fake.sleep(7)
        slow.advance()
        fast.advance()
        assert (slow.tick, fast.tick) == (420, 1260)

    def test_no_ticks_while_tick_paused(self, gamedata, fake: FakeTime, tmp_path: Path) -> None:
        level, _ = make_level(gamedata, fake, tmp_path)
        fake.sleep(1)
        lua(level, "game.tick_paused = true")
        fake.sleep(100)
        assert lua(level, "rcon.print(game.tick)") == "60"
        lua(level, "game.tick_paused = false")
        fake.sleep(1)
        assert lua(level, "rcon.print(game.tick)") == "120"

    def test_no_ticks_when_auto_paused(self, gamedata, fake: FakeTime, tmp_path: Path) -> None:
        level, _ = make_level(gamedata, fake, tmp_path, auto_paused=True)
        fake.sleep(100)
        level.advance()
        assert level.tick == 0
        assert level.next_work_tick() is None or level.clock.seconds_until(level.next_work_tick()) is None

    def test_tick_paused_state_is_restored_from_construction(self, gamedata, fake: FakeTime, tmp_path: Path) -> None:
        level, _ = make_level(gamedata, fake, tmp_path, tick=500, tick_paused=True)
        fake.sleep(10)
        level.advance()
        assert (level.tick, level.tick_paused) == (500, True)

    def test_on_tick_runs_once_for_every_due_tick(self, gamedata, fake: FakeTime, tmp_path: Path) -> None:
        level, logged = make_level(gamedata, fake, tmp_path, control=RECORD_TICKS)
        fake.sleep(1)
        level.advance()
        seen = [int(t) for t in lua(level, "rcon.print(table.concat(seen, ' '))").split()]
        assert len(seen) == 60
        assert seen == list(range(seen[0], seen[0] + 60))
        assert level.tick == 60
        assert logged == []  # event.tick always equalled game.tick

    def test_on_tick_catches_up_in_one_batch(self, gamedata, fake: FakeTime, tmp_path: Path) -> None:
        level, _ = make_level(gamedata, fake, tmp_path, control=RECORD_TICKS)
        fake.sleep(1)
        level.advance()
        fake.sleep(2.5)
        level.advance()
        assert lua(level, "rcon.print(#seen)") == "210"

    def test_a_game_that_cannot_keep_up_runs_slower_and_owes_no_ticks(self, gamedata, tmp_path: Path) -> None:
        busy = Busy()
        level, _ = make_level(gamedata, busy, tmp_path, control=RECORD_TICKS)
        busy.sleep(10)  # 600 ticks due
        level.advance()
        ran = level.tick
        assert 0 < ran < 60  # stopped after CATCH_UP_SECONDS of work, not 6 s of it
        assert level.ticks_fallen_behind >= 600 - ran - 1
        assert level.clock.due_tick() - ran < 10  # the clock goes on from the tick reached
        assert lua(level, "rcon.print(#seen)") != ""  # a command is answered, not held behind a catch-up
        level.advance(until=ran + 100)  # an explicit target is always reached
        assert level.tick == ran + 100

    def test_a_game_that_cannot_keep_up_says_so_in_the_log(self, gamedata, tmp_path: Path) -> None:
        busy = Busy()
        level, logged = make_level(
            gamedata, busy, tmp_path, control="script.on_event(defines.events.on_tick, function() end)"
        )
        busy.sleep(10)  # 600 ticks due; each look at the clock costs 10 ms
        level.advance()
        assert level.pace.behind and level.pace.achieved_ups is not None and level.pace.achieved_ups < 60
        assert any(line.startswith("Info Emulator: the game is running slower than asked") for line in logged)
        level.advance(until=level.tick + 10)  # (an explicit target: no report)
        assert sum("slower than asked" in line for line in logged) == 1

    def test_on_nth_tick_runs_on_multiples(self, gamedata, fake: FakeTime, tmp_path: Path) -> None:
        control = "fired = {} script.on_nth_tick(10, function(e) fired[#fired + 1] = e.tick .. ':' .. e.nth_tick end)"
        level, _ = make_level(gamedata, fake, tmp_path, control=control)
        fake.sleep(1)
        level.advance()
        assert lua(level, "rcon.print(table.concat(fired, ' '))") == "0:10 10:10 20:10 30:10 40:10 50:10"

    def test_on_nth_tick_with_several_periods(self, gamedata, fake: FakeTime, tmp_path: Path) -> None:
        control = "n = {} script.on_nth_tick({4, 6}, function(e) n[e.nth_tick] = (n[e.nth_tick] or 0) + 1 end)"
        level, _ = make_level(gamedata, fake, tmp_path, control=control)
        fake.sleep(0.4)  # ticks 0..23
        level.advance()
        assert lua(level, "rcon.print(n[4] .. ' ' .. n[6])") == "6 4"

    def test_handlers_registered_by_a_command_run(self, gamedata, fake: FakeTime, tmp_path: Path) -> None:
        level, _ = make_level(gamedata, fake, tmp_path)
        lua(level, "count = 0 script.on_nth_tick(30, function() count = count + 1 end)")
        fake.sleep(2)
        assert lua(level, "rcon.print(count)") == "4"

    def test_removed_handler_stops_running(self, gamedata, fake: FakeTime, tmp_path: Path) -> None:
        level, _ = make_level(gamedata, fake, tmp_path, control=RECORD_TICKS)
        fake.sleep(1)
        level.advance()
        lua(level, "script.on_event(defines.events.on_tick, nil)")
        fake.sleep(1)
        assert lua(level, "rcon.print(#seen .. ' ' .. game.tick)") == "60 120"
        assert level.next_work_tick() is None

    def test_next_work_tick(self, gamedata, fake: FakeTime, tmp_path: Path) -> None:
        level, _ = make_level(gamedata, fake, tmp_path, control="script.on_nth_tick(50, function() end)")
        fake.sleep(1)
        level.advance()
        assert level.next_work_tick() == 101  # tick 100's handler has run once the clock reaches 101
        lua(level, "script.on_event(defines.events.on_tick, function() end)")
        assert level.next_work_tick() == level.tick + 1

    def test_handler_error_is_logged_and_time_goes_on(self, gamedata, fake: FakeTime, tmp_path: Path) -> None:
        control = "script.on_nth_tick(20, function() error('handler broke') end)"
        level, logged = make_level(gamedata, fake, tmp_path, control=control)
        fake.sleep(1)
        level.advance()
        assert level.tick == 60
        # three failures, one line: repeats are counted, not logged (serverlog.RepeatFilter)
        assert len(logged) == 1
        assert "handler broke" in logged[0]


# --- the process -----------------------------------------------------------------------------
def ticks(client) -> int:
    return int(client.send_command("/sc rcon.print(game.tick)"))


@pytest.fixture(scope="module")
def server(module_emulator):
    return module_emulator("--start-server-load-scenario", "lab")


@pytest.mark.rcon_client
class TestProcessClock:
    def test_ticks_advance_with_auto_pause_off(self, server) -> None:
        with server.connect() as client:
            readings = []
            for _ in range(4):
                readings.append(ticks(client))
                time.sleep(0.1)
        assert readings == sorted(readings)
        assert readings[-1] > readings[0]

    def test_no_ticks_while_tick_paused(self, server) -> None:
        with server.connect() as client:
            client.send_command("/sc game.tick_paused = true")
            try:
                before = ticks(client)
                time.sleep(0.3)
                assert ticks(client) == before
            finally:
                client.send_command("/sc game.tick_paused = false")
            time.sleep(0.1)
            assert ticks(client) > before


@pytest.mark.rcon_client
def test_default_settings_auto_pause_without_players(emulator, write_data: Path) -> None:
    defaults = write_data / "defaults.json"
    defaults.write_text(json.dumps({"autosave_slots": 0}))  # auto_pause left at its default (true)
    server = emulator("--start-server-load-scenario", "lab", extra=("--server-settings", str(defaults)))
    with server.connect() as client:
        assert ticks(client) == 0
        time.sleep(0.3)
        assert ticks(client) == 0


class TestHandlersThatChangeTime:
    def test_a_handler_changing_speed_does_not_reenter_the_catch_up(
        self, gamedata, fake: FakeTime, tmp_path: Path
    ) -> None:
        control = RECORD_TICKS.replace(
            'if event.tick ~= game.tick then error("event.tick ~= game.tick") end',
            "if event.tick == 2 then game.speed = 2 end",
        )
        level, logged = make_level(gamedata, fake, tmp_path, control)
        fake.sleep(10 / 60)  # ten ticks due
        level.advance()
        assert lua(level, "rcon.print(table.concat(seen, ','))") == "0,1,2,3,4,5,6,7,8,9"
        assert lua(level, "rcon.print(game.speed)") == "2"
        assert logged == []

    def test_a_handler_pausing_the_game_stops_the_clock_from_its_tick(
        self, gamedata, fake: FakeTime, tmp_path: Path
    ) -> None:
        control = RECORD_TICKS.replace(
            'if event.tick ~= game.tick then error("event.tick ~= game.tick") end',
            "if event.tick == 3 then game.tick_paused = true end",
        )
        level, _ = make_level(gamedata, fake, tmp_path, control)
        fake.sleep(10 / 60)
        level.advance()
        fake.sleep(5)
        assert lua(level, "rcon.print(game.tick_paused)") == "true"
        frozen = lua(level, "rcon.print(game.tick)")
        fake.sleep(5)
        assert lua(level, "rcon.print(game.tick)") == frozen


class TestNoSpinning:
    """The ticker sleeps until the next handler is due: never a zero wait."""

    @pytest.mark.parametrize("period", [1, 60])
    def test_after_catching_up_the_next_nth_tick_is_in_the_future(
        self, gamedata, fake: FakeTime, tmp_path: Path, period: int
    ) -> None:
        level, _ = make_level(gamedata, fake, tmp_path, f"script.on_nth_tick({period}, function() end)")
        for _ in range(5):
            fake.sleep(0.37)
            level.advance()
            assert level.clock.seconds_until(level.next_work_tick()) > 0

    def test_with_on_tick_the_next_work_is_one_tick_away(self, gamedata, fake: FakeTime, tmp_path: Path) -> None:
        level, _ = make_level(gamedata, fake, tmp_path, RECORD_TICKS)
        fake.sleep(1)
        level.advance()
        assert level.clock.seconds_until(level.next_work_tick()) == pytest.approx(1 / 60, abs=1e-9)


class TestBytesThatAreNotUtf8:
    def test_an_error_message_of_raw_bytes_is_a_lua_error(self, gamedata, fake: FakeTime, tmp_path: Path) -> None:
        from fle_testkit.emulator.lua.runtime import LuaRuntimeError

        level, _ = make_level(gamedata, fake, tmp_path)
        with pytest.raises(LuaRuntimeError, match="\ufffd"):
            lua(level, 'error("\\255")')
        assert lua(level, "rcon.print(1 + 1)") == "2"

    def test_a_chunk_returning_raw_bytes_is_fine(self, gamedata, fake: FakeTime, tmp_path: Path) -> None:
        level, _ = make_level(gamedata, fake, tmp_path)
        assert lua(level, 'do return "\\255" end') == ""

    def test_a_handler_failing_with_raw_bytes_does_not_stop_the_clock(
        self, gamedata, fake: FakeTime, tmp_path: Path
    ) -> None:
        level, logged = make_level(gamedata, fake, tmp_path, 'script.on_nth_tick(1, function() error("\\255") end)')
        fake.sleep(1)
        level.advance()
        assert level.tick == 60
        assert logged and "\ufffd" in logged[0]


# --- the clock contract with machines ---------------------------------------------------
DRILL_ON_ORE = """
local s = game.surfaces[1]
for _, p in pairs({{-0.5, -0.5}, {0.5, -0.5}, {-0.5, 0.5}, {0.5, 0.5}}) do
  s.create_entity{name = "iron-ore", position = p, amount = 1000}
end
drill = s.create_entity{name = "burner-mining-drill", position = {0, 0}, force = "player"}
chest = s.create_entity{name = "wooden-chest", position = {-0.5, -1.5}, force = "player"}
drill.insert{name = "coal", count = 5}
"""


class TestMachinesFollowTheClock:
    def test_every_tick_counted_has_run_for_the_machines(self, gamedata, fake: FakeTime, tmp_path: Path) -> None:
        level, _ = make_level(gamedata, fake, tmp_path)
        lua(level, DRILL_ON_ORE)
        fake.sleep(60)  # a minute: 3600 ticks, a burner drill's 0.25 ore/s makes 15
        assert lua(level, "rcon.print(game.tick .. ' ' .. chest.get_item_count('iron-ore'))") == "3600 15"
        assert level.rate.ticks == 3600

    def test_an_idle_game_jumps(self, gamedata, fake: FakeTime, tmp_path: Path) -> None:
        level, _ = make_level(gamedata, fake, tmp_path)
        lua(level, "game.surfaces[1].create_entity{name = 'stone-furnace', position = {0, 0}, force = 'player'}")
        fake.sleep(1)
        level.advance()  # the furnace's first tick finds nothing to do: it sleeps
        fake.sleep(100)
        level.advance()
        assert level.tick == 6060
        assert level.world.simulation.next_step_tick() is None
        assert level.next_work_tick() is None  # the server may sleep until a command comes

    def test_handlers_see_the_machines_of_the_ticks_before(self, gamedata, fake: FakeTime, tmp_path: Path) -> None:
        control = (
            "counts = {} script.on_nth_tick(240, function(e) "
            "counts[#counts + 1] = storage.chest and storage.chest.get_item_count('iron-ore') or -1 end)"
        )
        level, _ = make_level(gamedata, fake, tmp_path, control=control)
        lua(level, DRILL_ON_ORE + " storage.chest = chest")
        fake.sleep(20)  # ticks 0..1199: handlers on 0, 240, 480, ...: the drill's ores come on 239, 479, ...
        assert lua(level, "rcon.print(table.concat(counts, ','))") == "0,1,2,3,4"

    def test_a_busy_simulation_runs_slower_and_owes_no_ticks(self, gamedata, tmp_path: Path) -> None:
        busy = Busy()
        level, _ = make_level(gamedata, busy, tmp_path)
        code = "for x = 0, 400, 4 do " + DRILL_ON_ORE.replace("{0, 0}", "{x, 0}").replace(
            "{-0.5, -1.5}", "{x - 0.5, -1.5}"
        ).replace("= p,", "= {p[1] + x, p[2]},")
        lua(level, code + " end")
        busy.sleep(1000)  # 60,000 ticks due
        level.advance()
        assert 0 < level.tick < 60_000
        assert level.ticks_fallen_behind >= 60_000 - level.tick - 1000
        assert level.world.simulation.now == level.tick

    def test_next_work_tick_wakes_for_machines_in_batches(self, gamedata, fake: FakeTime, tmp_path: Path) -> None:
        level, _ = make_level(gamedata, fake, tmp_path)
        lua(level, DRILL_ON_ORE)
        following = level.next_work_tick()
        assert following is not None and following > level.tick
