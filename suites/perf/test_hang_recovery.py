"""What a hang costs: from the runaway command to the watchdog's verdict, the end of the server, its recovery.

    pytest suites/perf/test_hang_recovery.py

Reported, never asserted. The verdict can come no sooner than the command
timeout (``LIMIT`` here); what matters is how little it adds on top.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from emulator_process import write_scenario

from fle_testkit.backends import EmbeddedBackend
from fle_testkit.savedir import SaveRoot
from fle_testkit.server import FactorioServer
from fle_testkit.session import GameSession
from fle_testkit.watchdog import Hang, Watchdog

LIMIT = 0.5
ROUNDS = 5


def test_hang_detection_and_recovery(tmp_path: Path, perf_figures) -> None:
    server = FactorioServer(EmbeddedBackend(), SaveRoot(tmp_path / "saves").claim_any())
    server.bootstrap(write_scenario(tmp_path, "lab", ""))
    game = GameSession(server)
    game.start()
    try:
        for _ in range(ROUNDS):
            verdicts: list[tuple[Hang, float]] = []
            watchdog = Watchdog(
                server,
                limit=LIMIT,
                end_process=True,
                interval=0.05,
                grace=0.5,
                on_hang=lambda hang, found=verdicts: found.append((hang, time.perf_counter())),
            ).start()
            started = time.perf_counter()
            caller = threading.Thread(target=_hang, args=(game,), daemon=True)
            caller.start()
            caller.join(timeout=60)
            released = time.perf_counter()
            watchdog.settle()
            watchdog.stop()
            ((_, verdict_at),) = verdicts
            perf_figures.record("hang: command -> verdict (limit 0.5 s)", verdict_at - started)
            perf_figures.record("hang: command -> caller released", released - started)
            game.recover()
            perf_figures.record("hang: recover (restart from the newest good save)", server.timings.last("recover"))
    finally:
        server.kill()
        server.save_dir.release()


def _hang(game: GameSession) -> None:
    try:
        game.client.send("/sc while true do end", timeout=120)
    except Exception:  # released by the watchdog ending the server: expected
        pass
