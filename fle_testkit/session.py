"""GameSession and AgentSession: the game as tests and agents see it.

A GameSession owns a server, its client and its save directory. Resetting is
either in place (the embedded ``reset`` Lua module: fast, same process) or
from the pristine save (a restart: slower, exact). Snapshots (tick, flows,
research, entity counts) taken around a step give its effect as a delta.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .client import FactorioClient, lua_string
from .errors import GameTimeout, LuaError, TestkitError
from .readiness import Backoff, Deadline, poll
from .server import PRISTINE, FactorioServer

ResetMode = Literal["lua", "save"]
WORKING_SAVE = "session"  # the save a session plays on; the pristine save is never loaded directly


def lua_literal(value: Any) -> str:
    """A Python value as a Lua expression (dicts, lists, str, numbers, bools, None)."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return lua_string(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"[{lua_literal(k)}] = {lua_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "{" + ", ".join(lua_literal(v) for v in value) + "}"
    raise TypeError(f"cannot write {value!r} as Lua")


@dataclass(frozen=True)
class Snapshot:
    """What ``fle_testkit.snapshot`` reports about the game at one moment."""

    tick: int
    raw: dict[str, Any]

    @property
    def item_flows(self) -> dict[str, dict[str, float]]:
        """``{"input": {name: n}, "output": {name: n}}``: Factorio's item production statistics.

        As in Factorio's statistics, ``input`` counts what was produced (the
        left side of the production GUI) and ``output`` what was consumed.
        """
        items: dict[str, dict[str, float]] = self.raw.get("production", {}).get("items", {"input": {}, "output": {}})
        return items

    @property
    def score(self) -> int:
        """Factorio's production score of the force (core lualib's production-score)."""
        return int(self.raw.get("score", 0))

    @property
    def researched(self) -> set[str]:
        return set(self.raw.get("research", {}).get("researched", []))

    @property
    def entity_counts(self) -> dict[str, int]:
        counts: dict[str, int] = self.raw.get("entities", {})
        return counts


@dataclass(frozen=True)
class StepResult:
    """A step's effect: before, after, their difference, and its error if any."""

    before: Snapshot
    after: Snapshot
    output: Any = None
    error: LuaError | None = None
    ticks: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ticks", self.after.tick - self.before.tick)

    @property
    def score_gained(self) -> int:
        """How the production score moved during the step."""
        return self.after.score - self.before.score

    def produced(self) -> dict[str, float]:
        """Items produced during the step, by name."""
        return _delta(self.before.item_flows.get("input", {}), self.after.item_flows.get("input", {}))

    def consumed(self) -> dict[str, float]:
        """Items consumed during the step, by name."""
        return _delta(self.before.item_flows.get("output", {}), self.after.item_flows.get("output", {}))


def _delta(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    gained = {name: after.get(name, 0) - before.get(name, 0) for name in set(before) | set(after)}
    return {name: amount for name, amount in gained.items() if amount}


class GameSession:
    """The game of one server, reset between uses.

    The pristine save is kept untouched: a session plays on a working copy
    (``session.zip``), because a stopped server saves over the file it loaded.
    """

    def __init__(
        self,
        server: FactorioServer,
        *,
        pristine: str = PRISTINE,
        reset_mode: ResetMode = "lua",
        reset_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.server = server
        self.pristine = pristine
        self.reset_mode: ResetMode = reset_mode
        self.reset_options = dict(reset_options or {})

    @property
    def client(self) -> FactorioClient:
        return self.server.client

    def start(self) -> None:
        """Start the server on a fresh working copy of the pristine save."""
        self._fresh_working_copy()
        self.server.start()

    def reset(self, mode: ResetMode | None = None, **options: Any) -> None:
        """Back to the pristine state: in place (``lua``) or by reloading the save (``save``).

        A game whose server was stopped or killed (by a test, say) is always
        reloaded from the save.
        """
        mode = mode or self.reset_mode
        if mode == "lua" and not self.server.is_alive():
            mode = "save"  # nothing to reset in place: reload the pristine save instead
        merged = {**self.reset_options, **options}
        with self.server.timings.measure("reset", mode):
            if mode == "lua":
                self.client.lua(f"fle_testkit.reset.run({lua_literal(merged)})")
            elif mode == "save":
                self.server.kill()  # the state is discarded: no need to save it
                self._fresh_working_copy()
                self.server.start()
                if merged:
                    self.client.lua(f"fle_testkit.reset.run({lua_literal(merged)})")
            else:
                raise TestkitError(f"reset mode must be 'lua' or 'save', not {mode!r}")

    def recover(self) -> list[Path]:
        """The game back on a healthy server after a hang or a crash; timed as ``recover``.

        As ``FactorioServer.recover`` (kill, set damaged saves aside, start
        from the newest good save), except that it never plays on the pristine
        save itself: when that is all that is left, it starts on a fresh copy.
        """
        with self.server.timings.measure("recover"):
            self.server.kill()
            set_aside = self.server.save_dir.set_aside_damaged()
            latest = self.server.save_dir.latest()
            if latest is None or latest.name == self.pristine:
                self._fresh_working_copy()
            self.server.start()
        return set_aside

    def _fresh_working_copy(self) -> None:
        """Copy the pristine save to the working save and make it the one Factorio loads."""
        save_dir = self.server.save_dir
        save_dir.copy(self.pristine, WORKING_SAVE, overwrite=True)
        save_dir.restore(WORKING_SAVE)

    def snapshot(self, **options: Any) -> Snapshot:
        raw = json.loads(self.client.lua(f"rcon.print(fle_testkit.snapshot.json({lua_literal(options)}))"))
        return Snapshot(tick=int(raw.get("tick", 0)), raw=raw)

    def checksum(self) -> str:
        return self.client.lua("rcon.print(fle_testkit.checksum.compute())")

    def eval_with_snapshot(
        self, step: str | Callable[[GameSession], Any], ticks: int = 0, timeout: float = 60.0
    ) -> StepResult:
        """Snapshot, run ``step`` (Lua text or a callable), let ``ticks`` pass, snapshot again."""
        before = self.snapshot()
        output: Any = None
        error: LuaError | None = None
        try:
            output = self.client.lua(step) if isinstance(step, str) else step(self)
        except LuaError as failure:
            error = failure
        if ticks:
            self.wait_ticks(before.tick + ticks, timeout)
        return StepResult(before=before, after=self.snapshot(), output=output, error=error)

    def wait_ticks(self, tick: int, timeout: float = 60.0) -> int:
        """Poll until the game reaches ``tick`` (it runs 60 x game.speed ticks a second)."""
        now = 0

        def reached() -> int | None:
            nonlocal now
            now = int(self.client.lua("rcon.print(game.tick)"))
            return now if now >= tick else None

        return poll(
            reached,
            Deadline(timeout),
            backoff=Backoff(first=0.005, cap=0.1),
            on_timeout=lambda attempts: GameTimeout(
                f"game tick {now} did not reach {tick} within {timeout:.0f} s (is the game paused?)"
            ),
        )


class AgentSession:
    """One agent's view of a GameSession: its character and inventory.

    Agents are the characters FLE keeps in ``storage.agent_characters``
    (1-based); an agent without one sees only the shared game.
    """

    def __init__(self, game: GameSession, index: int = 1) -> None:
        self.game = game
        self.index = index

    def _character(self) -> str:
        return f"(storage.agent_characters or {{}})[{int(self.index)}]"

    def inventory(self) -> dict[str, int]:
        reply = self.game.client.lua(
            f"local c = {self._character()} "
            "if not (c and c.valid) then rcon.print('{}') return end "
            "local out = {} for _, item in pairs(c.get_inventory(defines.inventory.character_main).get_contents()) do "
            "out[item.name] = (out[item.name] or 0) + item.count end rcon.print(helpers.table_to_json(out))"
        )
        return {name: int(count) for name, count in json.loads(reply or "{}").items()}

    def snapshot(self) -> Snapshot:
        return self.game.snapshot(character_index=self.index)
