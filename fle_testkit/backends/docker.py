"""The docker backend: one container per server, made with testcontainers.

The image's entrypoint is overridden to run ``/opt/factorio/bin/x64/factorio``
with the lifecycle's flags. The server's SaveDir is bound to
``/factorio/saves``, the scenario to ``/factorio/scenarios/NAME``, its config
to ``/factorio/config``. RCON (27015/tcp) is published on 127.0.0.1 with a
random host port and reached only there (DESIGN, "Docker": never a container
or bridge address). Every container carries ``fle-testkit.*`` labels; at start
the backend removes containers whose owning process is gone (Ryuk is not
used: it cannot be pulled offline).
"""

from __future__ import annotations

import copy
import os
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import BackendUnavailable
from ..savedir import pid_alive
from .base import OWNS_PROCESS, LaunchSpec, LogBuffer, write_json
from .docker_engine import docker_client, docker_host, publish_address, rcon_host
from .reaper import reaper

FACTORIO = "/opt/factorio/bin/x64/factorio"
RCON_PORT = 27015
GAME_PORT = 34197
LABEL = "fle-testkit"
MANAGED = f"{LABEL}.managed"
CLUSTER = f"{LABEL}.cluster"  # long-lived: outlives the process that made it


@dataclass(frozen=True)
class ContainerOptions:
    """How a server's containers are made, beyond what a LaunchSpec says.

    The defaults are a test's: a random host port, no name, owned by this
    process (swept once it is gone). A long-lived cluster names its
    containers, may fix their ports, and outlives the command that made them.
    """

    name: str | None = None  # the container's name (FLE's discovery looks for factorio_N)
    rcon_port: int | None = None  # host port RCON is published on; None: any free one
    game_port: int | None = None  # host port of the game's UDP port; None: not published
    labels: Mapping[str, str] = field(default_factory=dict)  # more labels, over the backend's own
    long_lived: bool = False  # no owner: never swept; only whoever made it removes it


def labels_for(spec: LaunchSpec, run_id: str, options: ContainerOptions = ContainerOptions()) -> dict[str, str]:
    labels = {
        MANAGED: "true",
        f"{LABEL}.server": spec.label,
        f"{LABEL}.save-dir": str(spec.save_dir),
        f"{LABEL}.role": "bootstrap" if spec.mode == "scenario" else "server",
    }
    if options.long_lived:
        labels[CLUSTER] = "true"
    else:
        labels |= {
            f"{LABEL}.run-id": run_id,
            f"{LABEL}.owner-pid": str(os.getpid()),
            f"{LABEL}.owner-host": socket.gethostname(),
        }
    return labels | dict(options.labels)


class DockerServer:
    """A running container; its log streams into a LogBuffer."""

    def __init__(self, container: Any, rcon_port: int, host: str) -> None:
        self.container = container
        self.rcon_host = host
        self.rcon_port = rcon_port
        self.log = LogBuffer()
        self._exit_code: int | None = None
        self._removed = False
        self._follower = threading.Thread(target=self._follow, name="fle-testkit-docker-log", daemon=True)
        self._follower.start()

    def _follow(self) -> None:
        pending = b""
        try:
            for chunk in self.container.logs(stream=True, follow=True):
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    self.log.append(line.decode("utf-8", "replace").rstrip("\r"))
        except Exception:  # the container went away: the log simply ends
            pass
        finally:
            if pending:
                self.log.append(pending.decode("utf-8", "replace"))
            self.log.close()

    def _status(self) -> str:
        try:
            self.container.reload()
        except Exception:
            return "removed"
        return str(self.container.status)

    def is_alive(self) -> bool:
        return self._exit_code is None and self._status() in ("created", "running", "restarting")

    def exit_code(self) -> int | None:
        if self._exit_code is None and self._status() in ("exited", "dead"):
            self._exit_code = int(self.container.attrs["State"]["ExitCode"])
        return self._exit_code

    def terminate(self) -> None:
        if self.is_alive():
            self._signal("SIGTERM")  # Factorio saves over the loaded file, then exits

    def kill(self) -> None:
        if self.is_alive():
            self._signal("SIGKILL")

    def _signal(self, name: str) -> None:
        import docker

        try:
            self.container.kill(signal=name)
        except (docker.errors.NotFound, docker.errors.APIError):
            pass  # it exited between the check and the signal: nothing to stop

    def wait(self, timeout: float) -> int | None:
        """The engine tells when the container exits (no polling, which would skew stop timings)."""
        if self._exit_code is None:
            try:
                status = self.container.wait(timeout=timeout)
            except Exception:  # the SDK's read timeout: still running
                return self.exit_code()
            self._exit_code = int(status.get("StatusCode", -1))
        self._follower.join(timeout=5)
        self._remove()
        return self._exit_code

    def _remove(self) -> None:
        if not self._removed:
            try:
                self.container.remove(force=True)
            except Exception:
                pass
            self._removed = True
            reaper().forget_container(self.container.id)

    def describe(self) -> str:
        return f"container {self.container.short_id}"


class DockerBackend:
    """Servers as containers of ``image`` (real Factorio's, or the stand-in)."""

    name = "docker"
    capabilities = OWNS_PROCESS
    _swept = False

    def __init__(self, image: str, *, run_id: str, options: ContainerOptions = ContainerOptions()) -> None:
        self.image = image
        self.run_id = run_id
        self.options = options
        self.client = docker_client()
        self._check_image()
        if not DockerBackend._swept:
            DockerBackend._swept = True
            sweep_orphans(self.client)

    def for_server(self, index: int) -> DockerBackend:
        return self

    def with_options(self, options: ContainerOptions) -> DockerBackend:
        """The same engine and image, making containers as ``options`` say (one per cluster server)."""
        configured = copy.copy(self)
        configured.options = options
        return configured

    def describe(self) -> str:
        return f"docker ({self.image} on {docker_host() or 'the local engine'})"

    def _check_image(self) -> None:
        import docker

        try:
            self.client.images.get(self.image)
        except docker.errors.ImageNotFound:
            raise BackendUnavailable(
                f"docker backend: image {self.image} is not present and will not be pulled; "
                f"`docker pull {self.image}` where the network allows, or build the stand-in with "
                "`fle-testkit image build` and pass --factorio-image fle-testkit/factorio-emulator:<version>"
            ) from None

    def launch(self, spec: LaunchSpec) -> DockerServer:
        from testcontainers.core.config import testcontainers_config
        from testcontainers.core.container import DockerContainer

        testcontainers_config.ryuk_disabled = True  # no Ryuk: our labels and sweeper clean up
        config_dir = spec.run_dir.resolve() / "config"
        write_json(config_dir / "server-settings.json", spec.server_settings)
        container = DockerContainer(self.image, docker_client_kw={"base_url": docker_host()} if docker_host() else None)
        container.with_command(
            [
                *spec.running_flags(),
                "--port",
                str(GAME_PORT),
                "--rcon-bind",
                f"0.0.0.0:{RCON_PORT}",  # inside the container; published on loopback only
                "--rcon-password",
                spec.password,
                "--server-settings",
                "/factorio/config/server-settings.json",
                *(["--map-gen-seed", str(spec.seed)] if spec.seed is not None and spec.mode == "scenario" else []),
            ]
        )
        container.with_volume_mapping(str(spec.save_dir.resolve()), "/factorio/saves", "rw")
        container.with_volume_mapping(str(config_dir), "/factorio/config", "rw")
        if spec.scenario_dir is not None:
            container.with_volume_mapping(str(spec.scenario_dir.resolve()), f"/factorio/scenarios/{spec.target}", "ro")
        # testcontainers would publish on every interface: publish on loopback explicitly.
        # (docker-py takes an (address, port) pair where testcontainers' annotation says a port.)
        ports: dict[str, Any] = container.ports
        ports[f"{RCON_PORT}/tcp"] = (publish_address(), self.options.rcon_port)
        if self.options.game_port is not None:
            ports[f"{GAME_PORT}/udp"] = (publish_address(), self.options.game_port)
        if self.options.name is not None:
            container.with_name(self.options.name)
        container.with_kwargs(
            entrypoint=[FACTORIO], labels=labels_for(spec, self.run_id, self.options), network_mode="bridge"
        )
        try:
            container.start()
        except Exception as error:
            raise BackendUnavailable(f"docker backend: cannot start a container of {self.image}: {error}") from error
        wrapped = container.get_wrapped_container()
        wrapped.reload()
        bindings = (wrapped.attrs["NetworkSettings"]["Ports"] or {}).get(f"{RCON_PORT}/tcp") or []
        if not bindings:
            wrapped.remove(force=True)
            raise BackendUnavailable(
                f"docker backend: RCON port {RCON_PORT}/tcp of {wrapped.short_id} was not published"
            )
        if not self.options.long_lived:  # a cluster's containers outlive this process on purpose
            reaper().watch_container(wrapped.id, docker_host())
        return DockerServer(wrapped, int(bindings[0]["HostPort"]), rcon_host())


def sweep_orphans(client: Any) -> list[str]:
    """Remove fle-testkit containers on this host whose owning process is gone.

    Cluster containers (``fle-testkit cluster up``) outlive the command that
    made them on purpose; only ``cluster down`` removes them.
    """
    import docker

    removed = []
    here = socket.gethostname()
    # sparse: no inspect per container, which fails (NotFound) when another
    # process removes one of them between the listing and the inspect.
    for container in client.containers.list(all=True, sparse=True, filters={"label": f"{MANAGED}=true"}):
        labels = container.attrs.get("Labels") or {}
        if labels.get(CLUSTER) == "true" or labels.get(f"{LABEL}.owner-host") != here:
            continue
        pid = int(labels.get(f"{LABEL}.owner-pid", "0") or 0)
        if pid and pid_alive(pid):
            continue
        try:
            container.remove(force=True)
            removed.append(container.short_id)
        except docker.errors.NotFound:
            pass  # someone else removed it first
        except docker.errors.APIError:
            pass  # being removed already ("removal in progress"): gone either way
    return removed
