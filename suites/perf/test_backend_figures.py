"""Issue 5's figures: container start to ready and restart from save through
Docker, side by side with the embedded backend in the same run. The docker
half needs an engine and the stand-in image (fle-testkit image build)."""

from __future__ import annotations

import os
import time

import pytest

from fle_testkit.backends import EmbeddedBackend
from fle_testkit.savedir import SaveRoot
from fle_testkit.scenario import ScenarioBuilder
from fle_testkit.server import FactorioServer

ROUNDS = 5


def make_backend(name: str):
    if name == "embedded":
        return EmbeddedBackend()
    from fle_testkit.errors import BackendUnavailable

    try:
        from fle_testkit.backends.docker import DockerBackend
        from fle_testkit.docker.image import image_tag

        return DockerBackend(os.environ.get("FLE_TESTKIT_IMAGE") or image_tag(), run_id=f"perf-{os.getpid()}")
    except (ImportError, BackendUnavailable) as error:  # no extra, no engine, no image
        pytest.skip(f"docker figures need an engine and the stand-in image: {error}")


@pytest.mark.parametrize("backend_name", ["embedded", "docker"])
def test_start_and_restart(backend_name: str, tmp_path, perf_figures) -> None:
    backend = make_backend(backend_name)
    scenario = ScenarioBuilder("lab", out_root=tmp_path / "scenarios").build()
    save_dir = SaveRoot(tmp_path / "saves").claim_any()
    server = FactorioServer(backend, save_dir)
    try:
        began = time.perf_counter()
        server.bootstrap(scenario)
        perf_figures.record(f"{backend_name}: bootstrap (scenario -> save -> stop)", time.perf_counter() - began)
        for _ in range(ROUNDS):
            began = time.perf_counter()
            server.start()
            perf_figures.record(f"{backend_name}: start to ready (load latest)", time.perf_counter() - began)
            server.client.lua("storage.n = (storage.n or 0) + 1")
            began = time.perf_counter()
            server.restart()
            perf_figures.record(f"{backend_name}: restart from save", time.perf_counter() - began)
            server.stop()
    finally:
        if server.is_alive():
            server.kill()
        save_dir.release()
