"""Choosing and building a backend from settings; ``auto`` says why it chose.

``auto`` takes docker when a Docker engine answers and the image is present
locally (nothing is pulled), and embedded otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import BackendUnavailable, ConfigurationError
from .base import Backend
from .docker_engine import docker_client, missing_docker_extra  # DOCKER_HOST and docker contexts, as the backend uses
from .external import Endpoint, ExternalBackend
from .local import BinaryBackend, EmbeddedBackend


@dataclass(frozen=True)
class Choice:
    name: str
    reason: str


def docker_status(image: str, timeout: float = 2.0) -> tuple[bool, str]:
    """(usable, why): an engine that answers and ``image`` present locally."""
    missing = missing_docker_extra()
    if missing is not None:
        return False, missing
    import docker

    try:
        client = docker_client(timeout=timeout)
    except BackendUnavailable:
        return False, "no Docker engine answered"
    try:
        client.images.get(image)
    except docker.errors.ImageNotFound:
        return False, f"a Docker engine answered but image {image} is not present locally"
    except docker.errors.APIError as error:
        return False, f"a Docker engine answered but could not tell whether image {image} is present ({error})"
    finally:
        client.close()
    return True, f"a Docker engine answered and image {image} is present"


def choose(requested: str, image: str, external: tuple[str, ...] | list[str] = ()) -> Choice:
    """The backend to use. Endpoints of running servers (``--factorio-external``) mean
    external: ``auto`` takes them, and any other backend beside them is a contradiction."""
    if external and requested not in ("auto", "external"):
        raise ConfigurationError(
            f"--factorio-external names running servers ({', '.join(external)}) but --factorio-backend is "
            f"{requested!r}, which starts its own. Fix: --factorio-backend=external, or drop --factorio-external"
        )
    if external:
        return Choice("external", "asked for" if requested == "external" else "auto: --factorio-external given")
    if requested != "auto":
        return Choice(requested, "asked for")
    usable, why = docker_status(image)
    return Choice("docker" if usable else "embedded", f"auto: {why}")


def build(name: str, *, binary: str | None, external: list[str], image: str, run_id: str = "") -> Backend:
    """The backend object for a chosen name, or a clear error saying what is missing."""
    if name == "embedded":
        return EmbeddedBackend()
    if name == "binary":
        if not binary:
            raise ConfigurationError(
                "the binary backend needs Factorio's executable: set --factorio-binary "
                "(ini factorio_binary, env FLE_TESTKIT_BINARY) to .../bin/x64/factorio"
            )
        return BinaryBackend(Path(binary))
    if name == "external":
        return ExternalBackend([Endpoint.parse(text) for text in external])
    if name == "docker":
        from .docker import DockerBackend  # needs the docker extra; imported only when chosen

        return DockerBackend(image, run_id=run_id)
    raise ConfigurationError(f"unknown backend {name!r}")
