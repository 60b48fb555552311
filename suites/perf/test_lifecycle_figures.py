"""Issue 3's figures on the embedded backend: each lifecycle phase, in-place
reset against restart-from-save, and what embedding the harness Lua in the
scenario saves: restart + uploading FLE 0.4.3's amount of Lua (~490 KB in 125
RCON commands) against restart alone."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from fle_testkit.backends import EmbeddedBackend
from fle_testkit.savedir import SaveRoot
from fle_testkit.scenario import ScenarioBuilder
from fle_testkit.server import FactorioServer
from fle_testkit.session import GameSession

ROUNDS = 5
UPLOAD_COMMANDS = 125
UPLOAD_BYTES = 490_000


@pytest.fixture(scope="module")
def game(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GameSession]:
    root = tmp_path_factory.mktemp("lifecycle")
    scenario = ScenarioBuilder("lab", out_root=root / "scenarios").build()
    save_dir = SaveRoot(root / "saves").claim_any()
    server = FactorioServer(EmbeddedBackend(), save_dir)
    server.bootstrap(scenario)
    session = GameSession(server)
    session.start()
    yield session
    server.stop()
    save_dir.release()


def fle_sized_scripts() -> list[str]:
    """125 commands of real Lua (function definitions), ~490 KB in all."""
    per_command = UPLOAD_BYTES // UPLOAD_COMMANDS
    scripts = []
    for index in range(UPLOAD_COMMANDS):
        body, n = [f"fle_tools = fle_tools or {{}}; fle_tools[{index}] = {{}}"], 0
        while sum(map(len, body)) < per_command:
            body.append(
                f"fle_tools[{index}][{n}] = function(entity, count) local total = 0 "
                f"for i = 1, count do total = total + i * {n} end return entity, total end"
            )
            n += 1
        scripts.append("\n".join(body))
    return scripts


def test_each_phase(game: GameSession, perf_figures) -> None:
    server = game.server
    for _ in range(ROUNDS):
        server.save("bench")
        server.restart()
    for record in server.timings.records:
        perf_figures.record(
            f"embedded: {record.phase} ({record.detail})" if record.detail else f"embedded: {record.phase}",
            record.seconds,
        )


def test_in_place_reset_against_restart_from_save(game: GameSession, perf_figures) -> None:
    for _ in range(ROUNDS):
        for mode in ("lua", "save"):
            game.client.lua('game.surfaces[1].create_entity{name = "iron-chest", position = {1, 1}, force = "player"}')
            began = time.perf_counter()
            game.reset(mode)
            perf_figures.record(f"reset mode={mode}", time.perf_counter() - began)


def test_restart_with_script_upload_against_restart_alone(game: GameSession, perf_figures) -> None:
    scripts = fle_sized_scripts()
    total = sum(len(s.encode()) for s in scripts)
    for round_ in range(ROUNDS * 2):
        upload = round_ % 2 == 1  # alternate, so neither variant always runs first
        began = time.perf_counter()
        game.server.restart()
        if upload:
            for script in scripts:
                game.client.lua(script)
        name = (
            f"restart + upload {len(scripts)} cmds / {total // 1000} KB"
            if upload
            else "restart alone (harness Lua embedded)"
        )
        perf_figures.record(name, time.perf_counter() - began)
