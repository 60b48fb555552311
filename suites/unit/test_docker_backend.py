"""The docker backend against the stand-in image, for real: containers, bound
save directories, loopback-only RCON, labels, and nothing left behind.

Needs a Docker engine and ``fle-testkit image build``; skipped otherwise.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from emulator_process import write_scenario

from fle_testkit.errors import BackendUnavailable
from fle_testkit.savedir import SaveRoot
from fle_testkit.server import FactorioServer

pytestmark = [pytest.mark.docker, pytest.mark.rcon_client]

LAB = "script.on_init(function() storage.boots = 1 end)\n"


def _engine_and_image() -> tuple[object, str] | str:
    """The engine and the image under test, or why they cannot be had."""
    from fle_testkit.docker.image import image_tag

    image = os.environ.get("FLE_TESTKIT_IMAGE") or image_tag()
    try:
        from fle_testkit.backends.docker_engine import docker_client

        client = docker_client(timeout=5)
        client.images.get(image)
    except Exception as error:
        return f"no Docker engine, or image {image} is not built (fle-testkit image build): {error}"
    return client, image


_FOUND = _engine_and_image()
if isinstance(_FOUND, str):
    if os.environ.get("FLE_TESTKIT_REQUIRE_DOCKER"):  # CI: a skip would hide that docker went untested
        raise RuntimeError(_FOUND)
    pytest.skip(_FOUND, allow_module_level=True)
CLIENT, IMAGE = _FOUND


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    return write_scenario(tmp_path, "lab", LAB)


@pytest.fixture
def backend():
    from fle_testkit.backends.docker import DockerBackend

    return DockerBackend(IMAGE, run_id=f"test-{os.getpid()}-{time.monotonic_ns()}")


def containers_of(run_id: str) -> list:
    """This test's containers (sparse: other workers may remove theirs meanwhile)."""
    found = CLIENT.containers.list(all=True, sparse=True, filters={"label": f"fle-testkit.run-id={run_id}"})
    return [CLIENT.containers.get(c.id) for c in found]


def test_a_container_per_server_bound_to_its_save_directory(backend, servers, scenario, tmp_path) -> None:
    root = SaveRoot(tmp_path / "saves")
    first = FactorioServer(backend, root.claim_any())
    second = FactorioServer(backend, root.claim_any())
    servers += [first, second]
    for server in (first, second):
        server.bootstrap(scenario)
        server.start()
    # the pristine save was written by the container into the host's save directory
    assert (first.save_dir.path / "pristine.zip").is_file()
    assert first.process.describe() != second.process.describe()
    assert len(containers_of(backend.run_id)) == 2
    first.client.lua("storage.who = 'first'")
    assert second.client.eval("storage.who") is None


def test_rcon_is_reached_on_loopback_only(backend, servers, scenario, tmp_path) -> None:
    server = FactorioServer(backend, SaveRoot(tmp_path / "saves").claim_any())
    servers.append(server)
    server.bootstrap(scenario)
    server.start()
    assert server.endpoint.startswith("127.0.0.1:")
    (container,) = containers_of(backend.run_id)
    bindings = container.attrs["NetworkSettings"]["Ports"]["27015/tcp"]
    assert [b["HostIp"] for b in bindings] == ["127.0.0.1"]


def test_restart_from_the_latest_save_keeps_the_world(backend, servers, scenario, tmp_path) -> None:
    server = FactorioServer(backend, SaveRoot(tmp_path / "saves").claim_any())
    servers.append(server)
    server.bootstrap(scenario)
    server.start()
    server.client.lua(
        'local c = game.surfaces[1].create_entity{name = "iron-chest", position = {1, 1}, force = "player"} '
        'c.get_inventory(1).insert{name = "coal", count = 9} storage.kept = "yes"'
    )
    server.restart()  # SIGTERM: the container saves over the file it loaded, then a new one loads it
    assert server.client.eval("storage.kept") == "yes"
    assert (
        server.client.eval(
            "game.surfaces[1].find_entity('iron-chest', {1.5, 1.5}).get_inventory(1).get_item_count('coal')"
        )
        == 9
    )


def test_every_container_is_labelled(backend, servers, scenario, tmp_path) -> None:
    server = FactorioServer(backend, SaveRoot(tmp_path / "saves").claim_any(), label="labelled server")
    servers.append(server)
    server.bootstrap(scenario)
    server.start()
    (container,) = containers_of(backend.run_id)
    labels = container.labels
    assert labels["fle-testkit.managed"] == "true"
    assert labels["fle-testkit.owner-pid"] == str(os.getpid())
    assert labels["fle-testkit.server"] == "labelled server"
    assert labels["fle-testkit.save-dir"] == str(server.save_dir.path.resolve())


def test_after_a_normal_stop_no_container_is_left(backend, servers, scenario, tmp_path) -> None:
    server = FactorioServer(backend, SaveRoot(tmp_path / "saves").claim_any())
    servers.append(server)
    server.bootstrap(scenario)
    server.start()
    assert server.stop() == 0
    assert containers_of(backend.run_id) == []


def test_the_container_of_a_killed_owner_is_removed_by_its_reaper(scenario, tmp_path) -> None:
    """A harness killed with SIGKILL runs no cleanup: its reaper removes its container."""
    run_id = f"orphan-{os.getpid()}-{time.monotonic_ns()}"
    script = (
        "import time\n"
        "from fle_testkit.backends.docker import DockerBackend\n"
        "from fle_testkit.savedir import SaveRoot\n"
        "from fle_testkit.server import FactorioServer\n"
        f"s = FactorioServer(DockerBackend({IMAGE!r}, run_id={run_id!r}), SaveRoot({str(tmp_path / 'saves')!r}).claim_any())\n"
        f"s.bootstrap({str(scenario)!r}); s.start(); print('up', flush=True); time.sleep(600)\n"
    )
    owner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout.readline().strip() == "up"
        (container,) = containers_of(run_id)
    finally:
        owner.kill()
        owner.wait()
    from fle_testkit.readiness import Deadline, poll

    def gone() -> bool | None:
        return True if not CLIENT.containers.list(all=True, sparse=True, filters={"id": container.id}) else None

    poll(gone, Deadline(20), on_timeout=lambda attempts: AssertionError(f"{container.short_id} outlived its owner"))


def test_containers_of_a_dead_owner_are_removed_by_the_next_run(tmp_path) -> None:
    """Where no reaper ran (it was killed too), the next backend's sweep removes what is left."""
    import socket

    from fle_testkit.backends.docker import sweep_orphans

    run_id = f"orphan-{os.getpid()}-{time.monotonic_ns()}"
    CLIENT.containers.create(
        IMAGE,
        ["--help"],
        labels={
            "fle-testkit.managed": "true",
            "fle-testkit.run-id": run_id,
            "fle-testkit.owner-pid": "999999999",
            "fle-testkit.owner-host": socket.gethostname(),
        },
    )
    assert len(containers_of(run_id)) == 1
    assert sweep_orphans(CLIENT)
    assert containers_of(run_id) == []


def test_a_missing_image_says_how_to_get_it() -> None:
    from fle_testkit.backends.docker import DockerBackend

    with pytest.raises(BackendUnavailable, match=r"not present and will not be pulled.*fle-testkit image build"):
        DockerBackend("fle-testkit/no-such-image:0", run_id="x")


def test_no_engine_says_how_to_start_one(monkeypatch) -> None:
    from fle_testkit.backends.docker import DockerBackend

    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(
        BackendUnavailable, match=r"no Docker engine answered at unix:///nonexistent/docker.sock.*dockerd"
    ):
        DockerBackend(IMAGE, run_id="x")


def test_the_stand_in_image_has_factorios_layout_and_ports() -> None:
    image = CLIENT.images.get(IMAGE)
    config = image.attrs["Config"]
    assert config["Entrypoint"] == ["/opt/factorio/bin/x64/factorio"]
    assert {"27015/tcp", "34197/udp"} <= set(config["ExposedPorts"])
    assert "/factorio" in config["Volumes"]
    listing = CLIENT.containers.run(
        IMAGE, entrypoint=["/bin/sh", "-c"], command=["ls -l /opt/factorio /factorio"], remove=True, network_mode="none"
    ).decode()
    for name in ("saves", "config", "mods", "scenarios", "script-output"):
        assert f"{name} -> /factorio/{name}" in listing


def test_the_stand_in_image_takes_factorios_command_line() -> None:
    output = CLIENT.containers.run(IMAGE, ["--help"], remove=True, network_mode="none").decode()
    for flag in ("--start-server-load-scenario", "--start-server-load-latest", "--rcon-bind", "--server-settings"):
        assert flag in output


def test_the_sweeper_leaves_cluster_containers_alone(tmp_path) -> None:
    from fle_testkit.backends.docker import sweep_orphans

    kept = CLIENT.containers.create(
        IMAGE,
        ["--help"],
        labels={"fle-testkit.managed": "true", "fle-testkit.cluster": "true", "fle-testkit.owner-pid": "999999999"},
    )
    try:
        sweep_orphans(CLIENT)
        assert CLIENT.containers.get(kept.id).id == kept.id
    finally:
        kept.remove(force=True)
