"""CPU an idle embedded server uses: none, with and without tick handlers.

The behaviour (the ticker never waits zero seconds) is tested exactly in
suites/unit/emulator/test_clock.py; this reports what it costs in CPU time.
"""

from __future__ import annotations

import time

import psutil
import pytest


@pytest.mark.parametrize("handlers", ["none", "on_nth_tick(60)", "on_tick"])
def test_idle_cpu(emulator, perf_figures, handlers: str) -> None:
    server = emulator("--start-server-load-scenario", "lab")
    setup = {
        "none": "",
        "on_nth_tick(60)": "/sc script.on_nth_tick(60, function() end)",
        "on_tick": "/sc script.on_event(defines.events.on_tick, function() end)",
    }[handlers]
    if setup:
        with server.connect() as client:
            client.send_command(setup)
    process = psutil.Process(server.process.pid)
    before, began = process.cpu_times(), time.perf_counter()
    time.sleep(2.0)
    after, elapsed = process.cpu_times(), time.perf_counter() - began
    used = (after.user - before.user) + (after.system - before.system)
    perf_figures.record(f"idle CPU, handlers: {handlers}", 100 * used / elapsed, "% of a core")
    server.stop()
