"""The foreign load: the machine's CPU time less the run's own, whose exited children still count as its own."""

from __future__ import annotations

import subprocess
import sys

import psutil
import pytest

from fle_testkit.perf.load import Load, LoadMeter, busier

BURN = "import time\nend = time.process_time() + {seconds}\nwhile time.process_time() < end: pass\n"


def test_a_child_that_burned_cpu_and_exited_is_the_runs_own_load() -> None:
    meter = LoadMeter()
    meter.start()
    subprocess.run([sys.executable, "-c", BURN.format(seconds=0.4)], check=True)
    load = meter.stop()
    assert load.own_cpus * load.seconds >= 0.4  # the child's 0.4 CPU-seconds (and its interpreter's start)
    assert load.cpu_count == psutil.cpu_count()


def test_cpu_burned_outside_the_tree_is_foreign_load() -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        meter = LoadMeter(root=sleeper.pid)  # this test process is the sleeper's parent: outside its tree
        meter.start()
        exec(BURN.format(seconds=0.4))
        load = meter.stop()
    finally:
        sleeper.kill()
        sleeper.wait(timeout=10)
    assert load.foreign_cpus * load.seconds >= 0.3  # the 0.4 CPU-seconds burned here, give or take a clock tick
    assert load.own_cpus * load.seconds < 0.1


def test_loads_round_trip_and_older_reports_have_none() -> None:
    load = Load(foreign_cpus=0.5, own_cpus=1.25, seconds=10.0, cpu_count=4)
    assert Load.from_dict(load.to_dict()) == load
    assert Load.from_dict(None) is None and Load.from_dict({}) is None
    assert load.foreign_share == pytest.approx(0.125)


@pytest.mark.parametrize(
    ("now", "before", "busier_than_before"),
    [(0.7, [0.1, 0.4], True), (0.5, [0.1, 0.4], False), (0.3, [], False)],
    ids=["beyond a tenth of the machine", "within it", "nothing to compare with"],
)
def test_busier_compares_with_the_busiest_baseline_run(
    now: float, before: list[float], busier_than_before: bool
) -> None:
    def load(others: float) -> Load:
        return Load(foreign_cpus=others, own_cpus=1.0, seconds=5.0, cpu_count=2)

    assert (busier(load(now), [load(others) for others in before]) is not None) == busier_than_before
