"""Reaching the Docker engine: DOCKER_HOST or the current docker context.

RCON is always reached through a port published on the engine's host: on
127.0.0.1 for a local engine, on the engine's host name for a remote one.
Never a container's or a bridge's address (DESIGN, "Docker").
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..errors import BackendUnavailable


def docker_host() -> str | None:
    """``DOCKER_HOST``, else the current docker context's endpoint, else None (the default socket)."""
    if os.environ.get("DOCKER_HOST"):
        return os.environ["DOCKER_HOST"]
    config_dir = Path(os.environ.get("DOCKER_CONFIG", Path.home() / ".docker"))
    context = os.environ.get("DOCKER_CONTEXT")
    if context is None:
        try:
            context = json.loads((config_dir / "config.json").read_text()).get("currentContext")
        except (OSError, ValueError):
            context = None
    if not context or context == "default":
        return None
    meta = config_dir / "contexts" / "meta" / hashlib.sha256(context.encode()).hexdigest() / "meta.json"
    try:
        return str(json.loads(meta.read_text())["Endpoints"]["docker"]["Host"])
    except (OSError, ValueError, KeyError) as error:
        raise BackendUnavailable(f"docker context {context!r} has no readable endpoint in {meta}") from error


def rcon_host(host: str | None = None) -> str:
    """Where published ports are reached: 127.0.0.1 for a local engine, else its host name."""
    host = docker_host() if host is None else host
    if not host or host.startswith(("unix://", "npipe://")):
        return "127.0.0.1"
    name = urlparse(host).hostname
    return name or "127.0.0.1"


def publish_address(host: str | None = None) -> str:
    """The host IP to publish on: loopback for a local engine; all interfaces of a remote one."""
    return "127.0.0.1" if rcon_host(host) == "127.0.0.1" else "0.0.0.0"


#: The modules of the 'docker' extra the backend imports (the SDK comes with testcontainers,
#: but other packages bring it too, so it alone does not tell the extra is there).
DOCKER_EXTRA_MODULES = ("docker", "testcontainers")


def missing_docker_extra() -> str | None:
    """Why the docker backend cannot run in this environment (a module of its extra is missing), or None."""
    for module in DOCKER_EXTRA_MODULES:
        if importlib.util.find_spec(module) is None:
            return f"the docker backend needs the docker extra ({module} is missing): pip install 'fle-testkit[docker]'"
    return None


def docker_client(timeout: float = 30.0) -> Any:  # a docker.DockerClient (the SDK has no types)
    """A client of the engine, or BackendUnavailable saying how to get one."""
    missing = missing_docker_extra()
    if missing is not None:
        raise BackendUnavailable(missing)
    import docker

    host = docker_host()
    try:
        client = (
            docker.DockerClient(base_url=host, timeout=int(timeout)) if host else docker.from_env(timeout=int(timeout))
        )
        client.ping()
    except Exception as error:  # the SDK raises many kinds: no socket, refused, TLS...
        where = host or "the default socket (/var/run/docker.sock)"
        raise BackendUnavailable(
            f"no Docker engine answered at {where} ({type(error).__name__}: {error}); start dockerd "
            "(on Debian: apt-get install docker.io && dockerd &) or set DOCKER_HOST"
        ) from error
    return client
