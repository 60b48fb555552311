"""The servers of one process (one pytest worker), started on first use.

Each distinct scenario gets its own server and save directory: the worker's
own ``.fle/saves/{n}`` for the configured scenario, the next free ones for
others, whichever starts first. A tenant (FLE's fixtures) gets servers of its own, so what it leaves in
a game never reaches other tests. Everything is stopped and released by ``close()``, also after
failures; timings of every server stay readable afterwards for the report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .backends import Backend
from .errors import SaveDirLockedError, TestkitError
from .savedir import SaveDir, SaveRoot
from .scenario import Scenario, ScenarioBuilder
from .server import FactorioServer
from .session import GameSession
from .timings import PhaseTiming
from .watchdog import Hang, Watchdog

Progress = Callable[[str], None]


@dataclass
class PoolConfig:
    backend: Backend
    saves_root: Path
    index: int  # the worker's number: gwN -> N, no xdist -> 0
    label: str  # "worker gw3"
    reserved: int = 1  # directories 0..reserved-1 belong to workers; extra servers claim above them
    scenario: str | Path = "lab"
    scenario_root: Path = Path(".fle/scenarios")
    ready_timeout: float = 120.0
    command_timeout: float = 60.0  # a server that answers no command within it is hung
    password: str | None = None
    progress: Progress = field(default=lambda message: None)


class ServerUnusable(TestkitError):
    """The worker's server hung and is not fle-testkit's to restart (external): its tests are skipped."""


@dataclass
class _Owned:
    """A server this pool started, with its directory, its game and the watchdog on it."""

    server: FactorioServer
    save_dir: SaveDir
    game: GameSession
    watchdog: Watchdog | None = None


class ServerPool:
    def __init__(self, config: PoolConfig) -> None:
        self.config = config
        self.root = SaveRoot(config.saves_root)
        self._games: dict[str, GameSession] = {}
        self._owned: list[_Owned] = []
        self._retired: list[_Owned] = []  # stopped, kept for their timings
        self._scenarios: dict[str, Scenario] = {}
        self._failed: dict[str, TestkitError] = {}
        self._unusable: str | None = None  # why the (external) servers cannot be used any more
        self.notes: list[str] = []  # things the run header or summary should say

    @property
    def owns_servers(self) -> bool:
        """False for servers someone else runs: they are connected to, never bootstrapped, reset or stopped."""
        return self.config.backend.capabilities.owns_process

    def game(self, scenario: str | Path | Scenario | None = None, *, tenant: str | None = None) -> GameSession:
        """The shared, running game of ``scenario`` (default: the configured one).

        ``scenario`` is a base scenario to build the harness's scenario from
        (a name or a directory), or a ``Scenario`` already built (FLE's).

        A ``tenant`` gets a shared game of its own: FLE's instance keeps its
        functions in ``storage``, which no save can hold, and other tests on
        that server could not save any more. Servers someone else runs cannot
        be multiplied; there every tenant shares the worker's one server.
        """
        key = self._key(scenario)
        slot = key if tenant is None or not self.owns_servers else f"{key} [{tenant}]"
        if self._unusable is not None:
            raise ServerUnusable(self._unusable)
        if slot in self._failed:
            raise self._failed[slot]  # one failed bootstrap is enough: don't retry it per test
        if slot not in self._games:
            try:
                self._games[slot] = self._start(key, shared=True, tenant=tenant if slot != key else None)
            except TestkitError as error:
                self._failed[slot] = error
                raise
        return self._games[slot]

    def dedicated(self, scenario: str | Path | Scenario | None = None) -> GameSession:
        """A server of its own (for a test that needs one); stop it with ``release``."""
        return self._start(self._key(scenario), shared=False)

    def release(self, game: GameSession) -> None:
        for owned in list(self._owned):
            if owned.server is game.server:
                self._stop(owned)
                self._owned.remove(owned)

    def servers(self) -> list[FactorioServer]:
        """The servers this pool runs now."""
        return [owned.server for owned in self._owned]

    def timings(self) -> list[PhaseTiming]:
        return [record for owned in self._owned + self._retired for record in owned.server.timings.records]

    def hangs_since(self, seq: int) -> list[Hang]:
        """The hangs the watchdogs found after ``seq`` (a ``timings.mark()``), waiting for probes in flight."""
        watchdogs = [owned.watchdog for owned in self._owned if owned.watchdog is not None]
        for watchdog in watchdogs:
            watchdog.settle()
        return sorted((hang for w in watchdogs for hang in w.hangs if hang.seq > seq), key=lambda hang: hang.seq)

    def recover(self, hangs: list[Hang]) -> None:
        """Bring back the servers these hangs ended, so the next test runs on a healthy one."""
        for owned in self._owned:
            found = owned.watchdog.hangs if owned.watchdog is not None else []
            if any(hang.ended and hang in found for hang in hangs):
                set_aside = owned.game.recover()
                self.config.progress(
                    f"{owned.server.label}: recovered after a hang in {owned.server.timings.last('recover'):.2f} s"
                )
                self.notes.extend(
                    f"{owned.server.label}: a save that did not validate was set aside (kept) as {path}"
                    for path in set_aside
                )

    def close(self) -> None:
        """Stop every server and release every directory; errors are collected, not raised first."""
        failures: list[str] = []
        for owned in self._owned:
            try:
                self._stop(owned)
            except Exception as error:  # one server's failure must not leave the others running
                failures.append(f"{owned.server.label}: {type(error).__name__}: {error}")
        self._owned, self._games = [], {}
        if failures:
            raise TestkitError("stopping servers failed:\n" + "\n".join(failures))

    # --- internals --------------------------------------------------------
    def _start(self, scenario_key: str, *, shared: bool, tenant: str | None = None) -> GameSession:
        # The worker's own directory belongs to its default game, whichever game starts first.
        own = shared and tenant is None and scenario_key == str(self.config.scenario)
        save_dir = self._claim(first_choice=own)
        if own:
            label = self.config.label
        elif tenant is not None:
            label = f"{self.config.label} ({tenant})"
        else:
            label = f"{self.config.label} #{len(self._owned)}"
        server = FactorioServer(
            self.config.backend,
            save_dir,
            password=self.config.password,
            label=label,
            ready_timeout=self.config.ready_timeout,
            command_timeout=self.config.command_timeout,
            progress=self.config.progress,
        )
        game = GameSession(server)
        owned = _Owned(server, save_dir, game)
        self._owned.append(owned)
        if not self.owns_servers:
            self.config.progress(f"{label}: connecting to {self.config.backend.describe()}")
            server.start()
        else:
            scenario = self._scenario(scenario_key)
            self.config.progress(f"{label}: bootstrapping {scenario.name} in {save_dir.path}")
            server.bootstrap(scenario)
            game.start()
            self.config.progress(
                f"{label}: ready at {server.endpoint} "
                f"(bootstrap {server.timings.last('bootstrap'):.2f} s, start {server.timings.last('start'):.2f} s)"
            )
        owned.watchdog = Watchdog(
            server, limit=self.config.command_timeout, end_process=self.owns_servers, on_hang=self._on_hang
        ).start()
        return game

    def _on_hang(self, hang: Hang) -> None:
        self.config.progress(f"{hang.server}: hung (no answer within {hang.limit:g} s); {hang.ended or 'left running'}")
        if not hang.ended:
            self._unusable = hang.message()

    def _claim(self, first_choice: bool) -> SaveDir:
        if first_choice:
            try:
                return self.root.claim(self.config.index)
            except SaveDirLockedError as error:
                save_dir = self.root.claim_any(start=self.config.reserved)
                self.notes.append(
                    f"{self.config.label}: {self.root.dir_path(self.config.index)} is held by another process "
                    f"({error.holder.describe() if error.holder else 'unknown'}); used {save_dir.path} instead"
                )
                return save_dir
        return self.root.claim_any(start=self.config.reserved)

    def _key(self, scenario: str | Path | Scenario | None) -> str:
        """The name a scenario's games go by; a built scenario is remembered under it."""
        if isinstance(scenario, Scenario):
            key = str(scenario.path)
            self._scenarios[key] = scenario
            return key
        return str(scenario or self.config.scenario)

    def _scenario(self, key: str) -> Scenario:
        if key not in self._scenarios:
            base: str | Path = key if key == "lab" else Path(key)
            self._scenarios[key] = ScenarioBuilder(base, out_root=self.config.scenario_root).build()
        return self._scenarios[key]

    def _stop(self, owned: _Owned) -> None:
        if owned.watchdog is not None:
            owned.watchdog.stop()
        try:
            if owned.server.is_alive() and self.owns_servers:
                owned.server.stop()
        finally:
            owned.save_dir.release()
            self._retired.append(owned)
