"""Where the Docker engine is and how its published ports are reached (no engine needed)."""

from __future__ import annotations


def test_a_remote_engine_is_reached_on_its_host_name(monkeypatch) -> None:
    from fle_testkit.backends.docker_engine import publish_address, rcon_host

    assert rcon_host("unix:///var/run/docker.sock") == "127.0.0.1"
    assert rcon_host("tcp://build-box.example:2376") == "build-box.example"
    assert rcon_host("ssh://ci@runner.example") == "runner.example"
    assert publish_address("unix:///var/run/docker.sock") == "127.0.0.1"
    assert publish_address("tcp://build-box.example:2376") == "0.0.0.0"


def test_a_docker_context_is_honoured(tmp_path, monkeypatch) -> None:
    import hashlib
    import json

    from fle_testkit.backends.docker_engine import docker_host

    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": "remote"}))
    meta = tmp_path / "contexts" / "meta" / hashlib.sha256(b"remote").hexdigest()
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(json.dumps({"Endpoints": {"docker": {"Host": "tcp://remote.example:2376"}}}))
    assert docker_host() == "tcp://remote.example:2376"


def test_without_testcontainers_the_docker_backend_is_unavailable_and_says_how_to_install(monkeypatch) -> None:
    """The docker SDK alone (other packages bring it) is not the docker extra."""
    import importlib.util

    import pytest

    from fle_testkit.backends import docker_engine, select
    from fle_testkit.errors import BackendUnavailable

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "testcontainers" else real_find_spec(name, *a)
    )
    usable, why = select.docker_status("any/image:1")
    assert not usable and "testcontainers is missing" in why and "fle-testkit[docker]" in why
    with pytest.raises(BackendUnavailable, match="testcontainers is missing"):
        docker_engine.docker_client(timeout=1)
