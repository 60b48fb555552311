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
