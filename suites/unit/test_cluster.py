"""``fle-testkit cluster`` against the Docker engine and the stand-in image.

Each test's cluster lives under its own tmp dir, so its containers carry a
``fle-testkit.saves-root`` label no other run shares; a finalizer removes them.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from fle_testkit.cli import main
from fle_testkit.client import FactorioClient
from fle_testkit.docker.cluster import FLE_PASSWORD, SAVES_ROOT, Cluster, ClusterError
from fle_testkit.docker.image import image_tag
from fle_testkit.errors import BackendUnavailable

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def engine():
    """The docker SDK client; skips the module when there is no engine or no stand-in image."""
    from fle_testkit.backends.docker_engine import docker_client

    try:
        client = docker_client(timeout=10)
    except BackendUnavailable as error:
        pytest.skip(f"no Docker engine: {error}")
    import docker

    try:
        client.images.get(image_tag())
    except docker.errors.ImageNotFound:
        pytest.skip(f"the stand-in image {image_tag()} is missing: build it with `fle-testkit image build`")
    yield client
    client.close()


def _remove_all(engine, saves: Path) -> None:
    for container in engine.containers.list(all=True, filters={"label": f"{SAVES_ROOT}={saves.absolute()}"}):
        container.remove(force=True)


def _containers(engine, saves: Path) -> list:
    return engine.containers.list(all=True, filters={"label": f"{SAVES_ROOT}={saves.absolute()}"})


@pytest.fixture
def saves(engine, tmp_path: Path) -> Iterator[Path]:
    """A save root of this test's own; whatever runs on it is removed at the end."""
    root = tmp_path / ".fle" / "saves"
    yield root
    _remove_all(engine, root)


@pytest.fixture(scope="module")
def two(engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``cluster up -n 2`` once for the module; its save root."""
    root = tmp_path_factory.mktemp("cluster") / ".fle" / "saves"
    try:
        assert main(["cluster", "up", "-n", "2", "--saves", str(root)]) == 0
        yield root
    finally:
        _remove_all(engine, root)


def _state(saves: Path) -> dict:
    return json.loads((saves.parent / "cluster.json").read_text())


def _client(saves: Path, n: int) -> FactorioClient:
    state = _state(saves)
    server = state["servers"][n]
    return FactorioClient("127.0.0.1", server["rcon_port"], state["password"], connect_timeout=10)


def test_up_labels_and_publishes_on_loopback(engine, two: Path) -> None:
    containers = {int(c.labels["fle-testkit.server"]): c for c in _containers(engine, two)}
    assert sorted(containers) == [0, 1]
    for n, container in containers.items():
        assert container.status == "running"
        assert container.labels["fle-testkit.managed"] == "true"
        assert container.labels["fle-testkit.cluster"] == "true"
        assert container.labels["fle-testkit.save-dir"] == str(two.absolute() / str(n))
        bindings = container.attrs["NetworkSettings"]["Ports"]["27015/tcp"]
        assert [b["HostIp"] for b in bindings] == ["127.0.0.1"]
        assert int(bindings[0]["HostPort"]) == _state(two)["servers"][n]["rcon_port"]
        assert (two / str(n) / "pristine.zip").is_file()
    assert (two.parent / "cluster.json").stat().st_mode & 0o077 == 0  # it holds the password


def test_status_shows_both_servers(two: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cluster", "status", "--saves", str(two)]) == 0
    out = capsys.readouterr().out.splitlines()
    state = _state(two)
    rows = [line.split() for line in out[1:3]]
    assert [row[0] for row in rows] == ["0", "1"]
    for row, server in zip(rows, state["servers"], strict=True):
        assert row[1:5] == [server["name"], "running", f"127.0.0.1:{server['rcon_port']}", server["save_dir"]]
        assert row[5] == "pristine"
    assert f"rcon password: {state['password']}" in out


def test_rcon_answers_on_each_published_port(two: Path) -> None:
    for n in (0, 1):
        with _client(two, n) as client:
            assert client.eval("6 * 7") == 42


def test_restart_keeps_the_world_and_the_port(engine, two: Path) -> None:
    before = _state(two)["servers"][1]
    with _client(two, 1) as client:
        client.lua("storage.cluster_test = 'kept'")
    assert main(["cluster", "restart", "1", "--saves", str(two)]) == 0
    after = _state(two)["servers"][1]
    assert after["rcon_port"] == before["rcon_port"]
    assert after["container"] != before["container"]
    with _client(two, 1) as client:
        assert client.eval("storage.cluster_test") == "kept"
    with _client(two, 0) as client:  # the other server was left alone
        assert client.eval("storage.cluster_test") is None


def test_logs_show_the_rcon_line(two: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cluster", "logs", "0", "--saves", str(two)]) == 0
    assert "Starting RCON interface" in capsys.readouterr().out
    assert main(["cluster", "logs", "0", "--tail", "2", "--saves", str(two)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_unknown_server_and_second_up_are_refused(two: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cluster", "logs", "7", "--saves", str(two)]) == 2
    assert "no server 7" in capsys.readouterr().err
    assert main(["cluster", "restart", "7", "--saves", str(two)]) == 2
    assert "servers: 0, 1" in capsys.readouterr().err
    assert main(["cluster", "up", "-n", "2", "--saves", str(two)]) == 2
    assert "already runs" in capsys.readouterr().err


def test_missing_image_says_how_to_build_it(saves: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cluster", "up", "-n", "1", "--saves", str(saves), "--image", "fle-testkit/no-such-image:0"]) == 2
    assert "fle-testkit image build" in capsys.readouterr().err


async def test_down_saves_and_removes_everything(engine, saves: Path) -> None:
    """The library API: down stops with SIGTERM (the server saves), and a later up loads that save."""
    async with Cluster(saves) as cluster:
        await cluster.up(1)
        host, port = cluster.endpoint(0)
        assert host == "127.0.0.1"
        with FactorioClient(host, port, cluster.password, connect_timeout=10) as client:
            client.lua("storage.cluster_test = 'saved by down'")
        from fle_testkit.errors import SaveDirLockedError
        from fle_testkit.savedir import SaveRoot

        with pytest.raises(SaveDirLockedError, match="fle-testkit cluster"):
            SaveRoot(saves).claim(0)  # a pytest run must not start a second server on it
        assert await cluster.down() == [cluster.servers[0].name]
    assert _containers(engine, saves) == []
    SaveRoot(saves).claim(0).release()  # free again after down
    assert not (saves.parent / "cluster.json").exists()
    async with Cluster(saves) as cluster:
        await cluster.up(1)  # no bootstrap: the save dir has a save
        with FactorioClient(*cluster.endpoint(0), cluster.password, connect_timeout=10) as client:
            assert client.eval("storage.cluster_test") == "saved by down"
        await cluster.down()
    assert _containers(engine, saves) == []


def _busy(kind: int, port: int) -> bool:
    with socket.socket(socket.AF_INET, kind) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def test_fle_compatible_names_ports_and_password(engine, saves: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import docker

    if _busy(socket.SOCK_STREAM, 27000) or _busy(socket.SOCK_DGRAM, 34197):
        pytest.skip("127.0.0.1:27000/tcp or 34197/udp is in use (an FLE cluster?); --fle-compatible needs them")
    try:
        engine.containers.get("factorio_0")
        pytest.skip("a container named factorio_0 exists already")
    except docker.errors.NotFound:
        pass
    if main(["cluster", "up", "-n", "1", "--fle-compatible", "--saves", str(saves)]) != 0:
        err = capsys.readouterr().err
        if "in use" in err or "already exists" in err:  # another run took them meanwhile
            pytest.skip(err)
        pytest.fail(err)
    # What FLE's discovery does: docker ps --filter name=factorio_, then the published ports.
    (container,) = [
        c
        for c in engine.containers.list(filters={"name": "factorio_"})
        if c.labels.get(SAVES_ROOT) == str(saves.absolute())
    ]
    assert container.name == "factorio_0"
    ports = container.attrs["NetworkSettings"]["Ports"]
    assert ports["27015/tcp"] == [{"HostIp": "127.0.0.1", "HostPort": "27000"}]
    assert ports["34197/udp"] == [{"HostIp": "127.0.0.1", "HostPort": "34197"}]
    with FactorioClient("127.0.0.1", 27000, FLE_PASSWORD, connect_timeout=10) as client:
        assert client.eval("1 + 1") == 2
    # A second fle-compatible cluster cannot have the same ports.
    other = saves.parent.parent / "other" / "saves"
    assert main(["cluster", "up", "-n", "1", "--fle-compatible", "--saves", str(other)]) == 2
    assert "127.0.0.1:27000/tcp is in use" in capsys.readouterr().err
    assert main(["cluster", "down", "--saves", str(saves)]) == 0
    assert _containers(engine, saves) == [] and _containers(engine, other) == []


def test_cluster_error_is_a_testkit_error() -> None:
    from fle_testkit.errors import TestkitError

    assert issubclass(ClusterError, TestkitError)
