"""FLE 0.4.3 on the embedded backend (issues 10 and 11).

- construction of FLE's ``FactorioInstance`` on the harness's plain scenario
  (FLE uploads its Lua: cold on a server FLE never used, warm once its Lua is
  in the game) and on FLE's scenario (FLE's Lua comes with the game), on a
  fresh server and on one restarted from its save (goal: 0.3 s); with the
  bytes and commands each construction sends, the decisive figure on real
  Factorio, where every command waits for the game loop;
- FLE's ``reset()`` in place (goal: 50 ms) against a reset from the FLE
  scenario's pristine save (a restart the instance follows);
- the wall time and outcome of FLE's own ``tests/actions`` under ``-n 8``
  (goal: 45 s on a 2-core machine). FLE's tests are not in its wheel: this one
  runs where ``FLE_TESTKIT_FLE_CHECKOUT`` names a checkout of FLE at v0.4.3.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rcon_tap import RconTap

from fle_testkit.backends import EmbeddedBackend
from fle_testkit.backends.external import Endpoint
from fle_testkit.fle.fixtures import INSTALL_HINT, FleGame, build_instance
from fle_testkit.fle.hooks import FLE_RCON_PASSWORD
from fle_testkit.fle.scenario import build_fle_scenario
from fle_testkit.savedir import SaveRoot
from fle_testkit.scenario import Scenario, ScenarioBuilder
from fle_testkit.server import FactorioServer
from fle_testkit.session import GameSession

ROUNDS = 3
WARM_ROUNDS = 3
RESETS = 20
SAVE_RESETS = 5
RAISED_SPEED = 100.0  # --fle-game-speed for the second tests/actions figure
CHECKOUT_VARIABLE = "FLE_TESTKIT_FLE_CHECKOUT"
OUTCOME = re.compile(r"(\d+) (passed|failed|errors?|skipped)")
SCENARIOS = {
    "plain scenario": lambda root: ScenarioBuilder("lab", out_root=root).build(),
    "FLE scenario": build_fle_scenario,
}


def _game(root: Path, scenario: Scenario, label: str) -> GameSession:
    server = FactorioServer(
        EmbeddedBackend(), SaveRoot(root / "saves").claim_any(), password=FLE_RCON_PASSWORD, label=label
    )
    server.bootstrap(scenario)
    game = GameSession(server)
    game.start()
    return game


@pytest.fixture(scope="module", params=list(SCENARIOS))
def game(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GameSession]:
    pytest.importorskip("fle.env", reason=f"FLE is not installed: {INSTALL_HINT}")
    root = tmp_path_factory.mktemp("fle-figures")
    made = _game(root, SCENARIOS[request.param](root / "scenarios"), f"fle figures ({request.param})")
    made.label = request.param  # type: ignore[attr-defined]
    yield made
    made.server.kill()
    made.server.save_dir.release()


def construct(endpoint: Endpoint) -> Any:
    """FLE's instance as FLE's tests/conftest.py builds it."""
    from fle.env import FactorioInstance

    return build_instance(FactorioInstance, endpoint)


def measure_construction(game: GameSession, perf_figures: Any, name: str) -> None:
    with RconTap(Endpoint.parse(game.server.endpoint).port) as tap:
        began = time.perf_counter()
        instance = construct(Endpoint("127.0.0.1", tap.port))
        elapsed = time.perf_counter() - began
        instance.cleanup()
    perf_figures.record(f"construction, {name}", elapsed)
    perf_figures.record(f"construction, {name}: bytes sent", tap.bytes_sent, unit="B")
    perf_figures.record(f"construction, {name}: commands", len(tap.commands), unit="")


def test_instance_construction(game: GameSession, perf_figures: Any) -> None:
    """Fresh: the server started from the save its scenario bootstrapped. Restarted: stopped after
    FLE used it and started from that save; a game that FLE's functions keep from saving (the plain
    scenario) restarts from the pristine save instead, as a real server would have to."""
    label = game.label  # type: ignore[attr-defined]
    for _ in range(ROUNDS):
        game.reset("save")  # the pristine save: none of FLE's state in the game
        measure_construction(game, perf_figures, f"{label}, fresh server")
        for _ in range(WARM_ROUNDS):
            measure_construction(game, perf_figures, f"{label}, warm")
        try:
            game.server.restart()
        except Exception:  # noqa: BLE001 - FLE's functions in storage: the save is refused
            game.reset("save")
        measure_construction(game, perf_figures, f"{label}, restarted server")


def test_reset_in_place_and_from_the_save(game: GameSession, perf_figures: Any) -> None:
    if game.label != "FLE scenario":  # type: ignore[attr-defined]
        pytest.skip("a reset from the save is the FLE scenario's: the plain one reloads without FLE's Lua")
    instance = construct(Endpoint.parse(game.server.endpoint))
    with pytest.MonkeyPatch.context() as monkeypatch:
        fle = FleGame(game, monkeypatch)
        fle.connected(instance)
        try:
            for _ in range(RESETS):
                instance.namespace.place_entity(instance.namespace.Prototype.IronChest, position=(5, 5))
                began = time.perf_counter()
                instance.reset(reset_position=True)
                perf_figures.record("FLE reset() in place", time.perf_counter() - began)
            for _ in range(SAVE_RESETS):
                began = time.perf_counter()
                game.reset("save")
                fle.follow(instance)
                instance.reset(reset_position=True)
                perf_figures.record("FLE reset from the pristine save", time.perf_counter() - began)
        finally:
            instance.cleanup()


@pytest.mark.parametrize("speed", [None, RAISED_SPEED], ids=["fle-speed", "raised-speed"])
def test_fles_actions_tests_under_eight_workers(perf_figures, speed: float | None) -> None:
    """At FLE's own game speed (10) most of the wall is FLE's real-time sleeps (move_to, sleep);
    ``--fle-game-speed`` raises the speed for the whole run."""
    checkout = os.environ.get(CHECKOUT_VARIABLE)
    if not checkout or not (Path(checkout) / "tests" / "actions").is_dir():
        pytest.skip(f"set {CHECKOUT_VARIABLE} to a checkout of FLE v0.4.3 (with tests/actions) for this figure")
    command = [sys.executable, "-m", "pytest", "-p", "fle_testkit.fle", "--noconftest", "-n", "8", "-q"]
    if speed is not None:
        command += ["--fle-game-speed", str(speed)]
    label = "FLE's speed" if speed is None else f"speed {speed:g}"
    began = time.perf_counter()
    run = subprocess.run([*command, "tests/actions"], cwd=checkout, capture_output=True, text=True, check=False)
    perf_figures.record(f"FLE tests/actions -n 8 wall ({label})", time.perf_counter() - began)
    outcome = {kind.rstrip("s"): int(count) for count, kind in OUTCOME.findall(run.stdout.splitlines()[-1])}
    assert outcome, f"no pytest summary from FLE's tests:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}"
    total = sum(outcome.values())
    perf_figures.record(f"FLE tests/actions passed ({label})", 100.0 * outcome.get("passed", 0) / total, unit="%")
