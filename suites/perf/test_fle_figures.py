"""Issue 10's figures: FLE 0.4.3 on the embedded backend.

- construction of FLE's ``FactorioInstance``: cold (a server FLE never used,
  so FLE loads all its Lua) and warm (FLE's Lua already in the game);
- FLE's ``reset()`` between tests (goal: 50 ms);
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

from fle_testkit.backends import EmbeddedBackend
from fle_testkit.backends.external import Endpoint
from fle_testkit.fle.fixtures import INSTALL_HINT, build_instance
from fle_testkit.fle.hooks import FLE_RCON_PASSWORD
from fle_testkit.savedir import SaveRoot
from fle_testkit.scenario import ScenarioBuilder
from fle_testkit.server import FactorioServer

COLD_ROUNDS = 3
WARM_ROUNDS = 3
RESETS = 20
RAISED_SPEED = 100.0  # --fle-game-speed for the second tests/actions figure
CHECKOUT_VARIABLE = "FLE_TESTKIT_FLE_CHECKOUT"
OUTCOME = re.compile(r"(\d+) (passed|failed|errors?|skipped)")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FactorioServer]:
    pytest.importorskip("fle.env", reason=f"FLE is not installed: {INSTALL_HINT}")
    root = tmp_path_factory.mktemp("fle-figures")
    scenario = ScenarioBuilder("lab", out_root=root / "scenarios").build()
    save_dir = SaveRoot(root / "saves").claim_any()
    made = FactorioServer(EmbeddedBackend(), save_dir, password=FLE_RCON_PASSWORD, label="fle figures")
    made.bootstrap(scenario)
    made.start()
    yield made
    made.stop()
    save_dir.release()


def construct(server: FactorioServer) -> Any:
    """FLE's instance as FLE's tests/conftest.py builds it."""
    from fle.env import FactorioInstance

    return build_instance(FactorioInstance, Endpoint.parse(server.endpoint))


def test_instance_construction_cold_and_warm(server: FactorioServer, perf_figures) -> None:
    for _ in range(COLD_ROUNDS):
        server.restart()  # loads the bootstrap save: none of FLE's Lua is in the game
        for round_ in range(1 + WARM_ROUNDS):
            began = time.perf_counter()
            instance = construct(server)
            elapsed = time.perf_counter() - began
            instance.cleanup()
            perf_figures.record("FLE instance construction " + ("cold" if round_ == 0 else "warm"), elapsed)


def test_reset_between_tests(server: FactorioServer, perf_figures) -> None:
    instance = construct(server)
    try:
        for _ in range(RESETS):
            instance.namespace.place_entity(instance.namespace.Prototype.IronChest, position=(5, 5))
            began = time.perf_counter()
            instance.reset(reset_position=True)
            perf_figures.record("FLE reset()", time.perf_counter() - began)
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
