"""FLE's fixtures, as FLE 0.4.3's ``tests/conftest.py`` defines them, on the worker's server.

One ``FactorioInstance`` per worker (session scope), built on the FLE server
fle-testkit gives that worker; FLE's own ``reset()`` between the tests that use
it. Where fle-testkit starts the servers, that server plays FLE's scenario with
FLE's Lua in it (``fle_testkit.fle.scenario``), so an instance uploads no script,
and ``@pytest.mark.factorio(reset="save")`` restarts it from the scenario's
pristine save before the test (the instance follows the server to its new
address). Tests that use no FLE fixture are left alone, so the plugin can be
active for a whole tree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

from ..backends.external import Endpoint
from ..errors import ScenarioError
from ..fixtures.servers import marker_options, shared_game
from ..plugin.runtime import RUNTIME_KEY
from ..pool import ServerPool
from ..server import FactorioServer
from ..session import GameSession
from .scenario import build_fle_scenario
from .tool_timing import time_tools

# What FLE 0.4.3's tests/conftest.py gives its `instance`.
DEFAULT_INVENTORY = {
    "coal": 50,
    "copper-plate": 50,
    "iron-plate": 50,
    "iron-chest": 2,
    "burner-mining-drill": 3,
    "electric-mining-drill": 1,
    "assembling-machine-1": 1,
    "stone-furnace": 9,
    "transport-belt": 50,
    "boiler": 1,
    "burner-inserter": 32,
    "pipe": 15,
    "steam-engine": 1,
    "small-electric-pole": 10,
    "fast-transport-belt": 10,
    "express-transport-belt": 10,
}
DEFAULT_SPEED = 10.0  # FLE's conftest: instance.set_speed(10.0)

FLE_FIXTURES = frozenset({"instance", "namespace", "game", "configure_game", "unresearched_instance"})
RESETS_ITSELF = frozenset({"configure_game", "unresearched_instance"})  # as FLE's conftest skips configure_game
FLE_TENANT = "fle"  # the pool's name for the FLE fixtures' servers
INSTALL_HINT = "pip install 'fle-testkit[fle]'"


def endpoint_of(server: FactorioServer) -> Endpoint:
    """The worker's server's RCON address, as FLE takes it (host, port)."""
    return Endpoint.parse(server.endpoint)


def _export(endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch) -> None:
    # Some FLE tests build their own instance from these (default 27000).
    monkeypatch.setenv("FACTORIO_HOST", endpoint.host)
    monkeypatch.setenv("FACTORIO_RCON_PORT", str(endpoint.port))


def _factorio_instance_class() -> Any:
    """FLE's FactorioInstance, or a skip that says how to install FLE."""
    try:
        from fle.env import FactorioInstance
    except ImportError as error:  # FLE absent, or one of its imports is (a2a-sdk>=1 breaks FLE 0.4.3)
        pytest.skip(f"FLE cannot be imported ({error}); install it with: {INSTALL_HINT}")
    return FactorioInstance


def build_instance(factorio_instance: Any, endpoint: Endpoint, **options: Any) -> Any:
    """A FactorioInstance as FLE's tests/conftest.py builds it (``options`` add to FLE's)."""
    return factorio_instance(
        address=endpoint.host,
        tcp_port=endpoint.port,
        all_technologies_researched=True,
        cache_scripts=True,
        fast=True,
        inventory=dict(DEFAULT_INVENTORY),
        **options,
    )


def _uses_fle(module: ModuleType | None) -> bool:
    """Whether a test module imported anything from FLE (so it may build its own FactorioInstance)."""
    if module is None:
        return False
    for value in vars(module).values():
        name = value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", None)
        if isinstance(name, str) and name.split(".")[0] == "fle":
            return True
    return False


def _fle_fixtures_used(request: pytest.FixtureRequest) -> set[str]:
    """The FLE fixtures the test uses, directly or through its fixtures.

    By definition, not by name: a module's own ``game`` or ``instance``
    fixture overrides this plugin's, and such a test is not an FLE test.
    """
    info = getattr(request.node, "_fixtureinfo", None)  # pytest's resolved closure (no public API has it)
    if info is None:
        return set(request.fixturenames) & FLE_FIXTURES
    used = set()
    for name in FLE_FIXTURES & set(info.names_closure):
        definitions = info.name2fixturedefs.get(name) or ()
        if definitions and definitions[-1].func.__module__ == __name__:
            used.add(name)
    return used


class FleGame:
    """The worker's FLE game, and the address its clients know it by.

    A restart (a save reset, a recovery) gives the server a new RCON port and
    maybe a game FLE never saw (the pristine save has no agent characters):
    ``follow`` moves the instance's RCON client there (FLE's own ``reconnect``),
    has FLE initialise the game again, and exports the new address for tests
    that build their own instance.
    """

    def __init__(self, game: GameSession, monkeypatch: pytest.MonkeyPatch) -> None:
        self.game = game
        self._monkeypatch = monkeypatch
        self._known: dict[int, object] = {}  # id(instance) -> the server process it is connected to
        self.export()

    @property
    def server(self) -> FactorioServer:
        return self.game.server

    def export(self) -> None:
        _export(endpoint_of(self.server), self._monkeypatch)

    def connected(self, instance: Any) -> None:
        """Record that ``instance`` was built on the server as it runs now."""
        self._known[id(instance)] = self.server.process

    def follow(self, instance: Any) -> None:
        """Reconnect ``instance`` when the server was restarted since it last connected."""
        self.export()
        if self._known.get(id(instance)) is self.server.process:
            return
        endpoint = endpoint_of(self.server)
        instance.rcon_client.close()
        instance.rcon_client.ip_address, instance.rcon_client.port = endpoint.host, endpoint.port
        instance.address, instance.tcp_port = endpoint.host, endpoint.port
        instance.reconnect()
        instance.initialise(instance.fast, instance.all_technologies_researched)  # as FLE's construction does
        self.connected(instance)


def _fle_scenario(pool: ServerPool) -> Any:
    """FLE's scenario where fle-testkit starts the servers; None (the servers as they are) elsewhere."""
    if not pool.owns_servers:
        return None
    try:
        return build_fle_scenario(pool.config.scenario_root)
    except ScenarioError as error:
        pytest.skip(f"FLE's scenario cannot be built: {error}")


@pytest.fixture(scope="session")
def fle_game(factorio_pool: ServerPool) -> Iterator[FleGame]:
    """The worker's FLE game, its address exported as FLE's tests read it (FACTORIO_HOST, FACTORIO_RCON_PORT).

    A server of its own, on FLE's scenario: what FLE leaves in a game never
    reaches other tests.
    """
    game = shared_game(factorio_pool, _fle_scenario(factorio_pool), tenant=FLE_TENANT)
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield FleGame(game, monkeypatch)


@pytest.fixture(scope="session")
def fle_server(fle_game: FleGame) -> FactorioServer:
    """The worker's FLE server."""
    return fle_game.server


@pytest.fixture(scope="session")
def instance(request: pytest.FixtureRequest) -> Iterator[Any]:
    """FLE's FactorioInstance on the worker's server: every technology researched, FLE's test inventory.

    Every tool call on it is timed (``fle_testkit.fle.tool_timing``).
    """
    factorio_instance = _factorio_instance_class()  # before the server: without FLE, nothing starts
    fle: FleGame = request.getfixturevalue("fle_game")
    speed = request.config.stash[RUNTIME_KEY].settings.fle_game_speed or DEFAULT_SPEED
    made = build_instance(factorio_instance, endpoint_of(fle.server), reset_speed=speed)
    fle.connected(made)
    time_tools(made, fle.server.timings)
    try:
        made.set_speed(speed)
        made.default_initial_inventory = dict(made.initial_inventory)
        yield made
    finally:
        _clean_up(made)


def _clean_up(instance: Any) -> None:
    """FLE's ``cleanup()``, without its 5 s wait per idle worker thread.

    FLE's cleanup joins every live non-daemon thread (5 s each) before it shuts
    down its own executor, whose idle threads only end at that shutdown: each
    worker's last test would wait 5-10 s for nothing. Shutting the executor
    down first is what cleanup does anyway, in the order that does not wait.
    """
    executor = getattr(instance, "_executor", None)
    if executor is not None:
        executor.shutdown(wait=True, cancel_futures=True)
    instance.cleanup()


def _restore_default_inventory(instance: Any) -> None:
    instance.initial_inventory = dict(instance.default_initial_inventory)


@pytest.fixture(autouse=True)
def _fle_reset_between_tests(request: pytest.FixtureRequest) -> None:
    """FLE's reset before each test that uses an FLE fixture; other tests are not touched.

    With ``@pytest.mark.factorio(reset="save")`` (and for a server a test
    stopped) the server first restarts from the FLE scenario's pristine save.
    A test of a module that imports FLE but uses none of its fixtures (it
    builds its own instance from FACTORIO_RCON_PORT) gets the worker's server
    started and its address exported.
    """
    names = _fle_fixtures_used(request)
    if names:
        fle: FleGame = request.getfixturevalue("fle_game")
        pool: ServerPool = request.getfixturevalue("factorio_pool")
        if pool.owns_servers and (marker_options(request.node).get("reset") == "save" or not fle.server.is_alive()):
            fle.game.reset("save")
        fle_instance = request.getfixturevalue("instance")
        fle.follow(fle_instance)
        if not names & RESETS_ITSELF:
            _restore_default_inventory(fle_instance)
            fle_instance.reset(reset_position=True)
    elif _uses_fle(getattr(request, "module", None)):
        request.getfixturevalue("fle_game").export()


@pytest.fixture
def namespace(instance: Any) -> Any:
    """The instance's first agent namespace (FLE's tools)."""
    return instance.namespace


@pytest.fixture
def game(namespace: Any) -> Any:
    """FLE's alias of ``namespace``."""
    return namespace


@pytest.fixture
def configure_game(instance: Any) -> Callable[..., Any]:
    """``configure_game(inventory=, merge=, persist_inventory=, reset_position=, all_technologies_researched=)``.

    Resets the instance from the default inventory with those options and
    returns a fresh namespace, as FLE's conftest does.
    """

    def configure(
        inventory: dict[str, int] | None = None,
        merge: bool = False,
        persist_inventory: bool = False,
        *,
        reset_position: bool = True,
        all_technologies_researched: bool = True,
    ) -> Any:
        _restore_default_inventory(instance)
        instance.reset(reset_position=reset_position, all_technologies_researched=all_technologies_researched)
        if inventory is not None:
            wanted = {**instance.initial_inventory, **inventory} if merge else dict(inventory)
            if persist_inventory:
                instance.initial_inventory = wanted
            instance.first_namespace._set_inventory(wanted)
        return instance.namespace

    return configure


@pytest.fixture
def unresearched_instance(instance: Any) -> Any:
    """The worker's instance reset with no technology researched (the next FLE test resets it back)."""
    _restore_default_inventory(instance)
    instance.reset(reset_position=True, all_technologies_researched=False)
    return instance
