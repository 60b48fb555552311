"""A long-lived cluster of Factorio servers in containers, one save directory each.

``Cluster(saves)`` manages servers ``0..N-1`` whose save directories are
``saves/0``, ``saves/1``, ... (bound to ``/factorio/saves``). The cluster
outlives the process that made it, so no flock is held while it runs (a dir is
claimed only while ``up`` works on it); instead every container is labelled with
its save directory and a server is refused when a container already runs on it.
What later commands need (image, RCON password, ports) is kept in
``cluster.json`` next to the save root (``.fle/cluster.json`` for ``.fle/saves``).

Each server is a ``FactorioServer`` on a long-lived, labelled
``DockerBackend``: the same lifecycle a test's server has (bootstrap from the
scenario if its directory has no save, then start from the latest save), run
in a thread per server so that servers start in parallel, then detached so the
container outlives the command. aiodocker lists, stops and reads the
containers of a cluster that an earlier command brought up. RCON is published on 127.0.0.1 (a random port, or
``27000+n`` with ``fle_compatible``, FLE's own layout, with containers named
``factorio_{n}`` so FLE's discovery finds them) and reached only there.

Library use::

    async with Cluster(".fle/saves", image=..., scenario="lab") as cluster:
        await cluster.up(4)
        for row in await cluster.status(): ...
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from ..backends.docker import LABEL, ContainerOptions, DockerBackend, DockerServer
from ..backends.docker_engine import docker_host, rcon_host
from ..errors import BackendUnavailable, SaveDirLockedError, TestkitError
from ..savedir import CLUSTER_MARKER, Holder, SaveInfo, SaveRoot, latest_save
from ..scenario import Scenario, ScenarioBuilder
from ..server import FactorioServer
from .image import image_tag

SERVER = f"{LABEL}.server"
SAVE_DIR = f"{LABEL}.save-dir"
SAVES_ROOT = f"{LABEL}.saves-root"
ROLE = f"{LABEL}.role"  # "server" (long-lived) or "bootstrap"
STATE_FILE = "cluster.json"
# FLE's own cluster layout (fle/cluster/run_envs.py): RCON 27000+n, game 34197+n, password "factorio".
FLE_RCON_BASE = 27000
FLE_GAME_BASE = 34197
FLE_PASSWORD = "factorio"

Progress = Callable[[str], None]


class ClusterError(TestkitError):
    """The cluster cannot do what was asked: a busy port or save dir, an unknown server, a server that failed."""


@dataclass
class ClusterServer:
    """One server of the cluster as recorded in ``cluster.json``."""

    n: int
    name: str
    save_dir: str
    rcon_port: int | None = None  # host port, published on 127.0.0.1
    game_port: int | None = None  # host UDP port (fle_compatible only)
    container: str | None = None  # id of the running container


@dataclass
class ServerStatus:
    n: int
    name: str
    state: str  # the container's state, or "missing"
    endpoint: str  # host:port
    save_dir: str
    latest: SaveInfo | None


class Cluster:
    """N servers in containers of ``image``, one save directory each, under ``saves``.

    ``image``, ``scenario``, ``fle_compatible`` and ``password`` matter to
    ``up`` only; the other commands read what ``up`` recorded in ``cluster.json``.
    """

    def __init__(
        self,
        saves: str | os.PathLike[str] = ".fle/saves",
        *,
        image: str | None = None,
        scenario: str | os.PathLike[str] = "lab",
        fle_compatible: bool = False,
        password: str | None = None,
        progress: Progress | None = None,
        ready_timeout: float = 60.0,
        stop_timeout: float = 30.0,
    ) -> None:
        self.saves = SaveRoot(saves)
        self.root = self.saves.path.parent  # .fle
        self.state_path = self.root / STATE_FILE
        self.image = image or image_tag()
        self.scenario = scenario
        self.fle_compatible = fle_compatible
        self.password = password or (FLE_PASSWORD if fle_compatible else secrets.token_hex(12))
        self.progress = progress or (lambda line: None)
        self.ready_timeout = ready_timeout
        self.stop_timeout = stop_timeout
        self.host = rcon_host()
        self.servers: dict[int, ClusterServer] = {}
        self._docker: Any = None

    # ---- engine

    async def __aenter__(self) -> Cluster:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._docker is not None:
            docker, self._docker = self._docker, None
            await docker.close()

    async def _engine(self) -> Any:
        if self._docker is not None:
            return self._docker
        try:
            import aiodocker
        except ImportError as error:
            raise BackendUnavailable(
                "fle-testkit cluster needs the docker extra: pip install 'fle-testkit[docker]'"
            ) from error
        where = docker_host() or "the default socket (/var/run/docker.sock)"
        try:
            docker = aiodocker.Docker(url=docker_host())
        except Exception as error:  # no socket at all: aiodocker asserts or raises ValueError
            raise BackendUnavailable(f"no Docker engine at {where}; start dockerd or set DOCKER_HOST") from error
        try:
            await docker.version()
        except Exception as error:
            await docker.close()
            raise BackendUnavailable(
                f"no Docker engine answered at {where} ({type(error).__name__}: {error}); start dockerd "
                "(on Debian: apt-get install docker.io && dockerd &) or set DOCKER_HOST"
            ) from error
        self._docker = docker
        return docker

    async def _containers(self, *, role: str | None = None, n: int | None = None, running: bool = False) -> list[Any]:
        labels = [f"{SAVES_ROOT}={self.saves.path}"]
        if role is not None:
            labels.append(f"{ROLE}={role}")
        if n is not None:
            labels.append(f"{SERVER}={n}")
        docker = await self._engine()
        return await docker.containers.list(all=not running, filters=json.dumps({"label": labels}))

    # ---- state

    def _name(self, n: int) -> str:
        if self.fle_compatible:
            return f"factorio_{n}"
        digest = hashlib.sha256(str(self.saves.path).encode()).hexdigest()[:8]
        return f"fle-cluster-{digest}-{n}"  # never "factorio_": FLE's discovery must not pick these up

    def _save_state(self) -> None:
        state = {
            "saves": str(self.saves.path),
            "image": self.image,
            "password": self.password,
            "fle_compatible": self.fle_compatible,
            "rcon_host": self.host,
            "servers": [asdict(server) for server in sorted(self.servers.values(), key=lambda s: s.n)],
        }
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds the RCON password
        with os.fdopen(fd, "w") as file:
            json.dump(state, file, indent=2)
        os.replace(tmp, self.state_path)

    def load(self) -> Cluster:
        """Read ``cluster.json``; ClusterError if no cluster was brought up here."""
        try:
            state = json.loads(self.state_path.read_text())
        except FileNotFoundError:
            raise ClusterError(
                f"no cluster at {self.saves.path} ({self.state_path} is missing); start one: fle-testkit cluster up -n N"
            ) from None
        except (OSError, ValueError) as error:
            raise ClusterError(f"cannot read {self.state_path}: {error}") from error
        self.image = state["image"]
        self.password = state["password"]
        self.fle_compatible = bool(state.get("fle_compatible"))
        self.host = state.get("rcon_host") or self.host
        self.servers = {s["n"]: ClusterServer(**s) for s in state["servers"]}
        return self

    def server(self, n: int) -> ClusterServer:
        if not self.servers:
            self.load()
        if n not in self.servers:
            known = ", ".join(str(k) for k in sorted(self.servers)) or "none"
            raise ClusterError(f"no server {n} in the cluster at {self.saves.path} (servers: {known})")
        return self.servers[n]

    def endpoint(self, n: int) -> tuple[str, int]:
        """Where server ``n``'s RCON answers: (host, port)."""
        port = self.server(n).rcon_port
        if port is None:
            raise ClusterError(f"server {n} has not been started (no RCON port yet): fle-testkit cluster up")
        return self.host, port

    # ---- commands

    async def up(self, count: int) -> list[ClusterServer]:
        """Start servers 0..count-1 in parallel (bootstrapping those without a save); record them."""
        if count < 1:
            raise ClusterError(f"a cluster needs at least one server, not {count}")
        running = await self._containers(running=True)
        if running:
            names = ", ".join(sorted(c["Names"][0].lstrip("/") for c in running))
            raise ClusterError(
                f"a cluster already runs on {self.saves.path} ({names}); "
                "stop it first (fle-testkit cluster down) or restart one server (fle-testkit cluster restart N)"
            )
        backend = await self._backend()
        self.progress(f"starting {count} server(s) of {self.image} on {self.saves.path}")
        for stale in await self._containers():  # exited leftovers of an earlier cluster here
            await stale.delete(force=True)
        scenario = None
        if any(latest_save(self.saves.dir_path(n)) is None for n in range(count)):
            scenario = ScenarioBuilder(os.fspath(self.scenario), out_root=self.root / "scenarios").build()
        self.servers = {
            n: ClusterServer(
                n,
                self._name(n),
                str(self.saves.dir_path(n)),
                rcon_port=FLE_RCON_BASE + n if self.fle_compatible else None,
                game_port=FLE_GAME_BASE + n if self.fle_compatible else None,
            )
            for n in range(count)
        }
        if self.fle_compatible:  # fixed names and ports: say what is taken before any work
            for server in self.servers.values():
                _check_ports_free(server)
                await self._check_name_free(server)
        self._save_state()
        done = 0

        async def one(server: ClusterServer) -> None:
            nonlocal done
            started = time.monotonic()
            how = await self._bring_up(server, scenario, backend)
            done += 1
            self.progress(
                f"[{done}/{count}] {server.name} ready at {self.host}:{server.rcon_port} "
                f"({how}, {time.monotonic() - started:.1f} s)"
            )

        try:
            results = await asyncio.gather(*(one(s) for s in self.servers.values()), return_exceptions=True)
            errors = [r for r in results if isinstance(r, BaseException)]
            if errors:
                raise errors[0]
        except BaseException:
            for container in await self._containers():
                try:
                    await container.delete(force=True)
                except Exception:
                    pass
            for server in self.servers.values():  # no container serves them any more
                _unmark_served(Path(server.save_dir))
            self.state_path.unlink(missing_ok=True)
            raise
        self._save_state()
        return list(self.servers.values())

    async def down(self) -> list[str]:
        """Stop every server (SIGTERM: each saves over the file it loaded), wait, remove; forget the cluster."""
        containers = await self._containers()
        names = [c["Names"][0].lstrip("/") if c["Names"] else c.id[:12] for c in containers]
        await asyncio.gather(*(self._stop(c) for c in containers))
        served = {(c["Labels"] or {}).get(SAVE_DIR) for c in containers}
        served |= {server.save_dir for server in self.servers.values()}  # also those cluster.json lists
        for save_dir in filter(None, served):
            _unmark_served(Path(save_dir))
        self.state_path.unlink(missing_ok=True)
        return names

    async def status(self) -> list[ServerStatus]:
        self.load()
        by_n = {int(c["Labels"][SERVER]): c for c in await self._containers(role="server")}
        rows = []
        for n, server in sorted(self.servers.items()):
            container = by_n.get(n)
            rows.append(
                ServerStatus(
                    n,
                    server.name,
                    container["State"] if container else "missing",
                    f"{self.host}:{server.rcon_port}",
                    server.save_dir,
                    latest_save(Path(server.save_dir)),
                )
            )
        return rows

    async def logs(self, n: int, tail: int | None = None) -> list[str]:
        self.server(n)
        containers = await self._containers(role="server", n=n)
        if not containers:
            raise ClusterError(
                f"server {n} of the cluster at {self.saves.path} has no container (restart it: fle-testkit cluster restart {n})"
            )
        chunks = await containers[0].log(stdout=True, stderr=True, tail=tail if tail is not None else "all")
        return "".join(chunks).splitlines()

    async def restart(self, n: int) -> ClusterServer:
        """Stop server ``n`` (it saves), start it again from its latest save on the same host port."""
        server = self.server(n)
        for container in await self._containers(n=n):
            await self._stop(container)
        started = time.monotonic()
        await self._bring_up(server, None, await self._backend())
        self._save_state()
        self.progress(
            f"{server.name} ready at {self.host}:{server.rcon_port} (restarted, {time.monotonic() - started:.1f} s)"
        )
        return server

    # ---- one server

    async def _backend(self) -> DockerBackend:
        """A long-lived DockerBackend of the image (it checks the image is present; nothing is pulled)."""
        return await asyncio.to_thread(DockerBackend, self.image, run_id="")

    def _container_options(self, server: ClusterServer) -> ContainerOptions:
        return ContainerOptions(
            name=server.name,
            rcon_port=server.rcon_port,  # fixed with --fle-compatible, and on a restart: the port it had
            game_port=server.game_port,
            labels={SERVER: str(server.n), SAVE_DIR: server.save_dir, SAVES_ROOT: str(self.saves.path)},
            long_lived=True,
        )

    async def _check_name_free(self, server: ClusterServer) -> None:
        import aiodocker

        try:
            other = await (await self._engine()).containers.get(server.name)
        except aiodocker.DockerError as error:
            if error.status == 404:
                return
            raise
        raise ClusterError(
            f"server {server.n}: a container named {server.name} already exists ({other['State']['Status']}) "
            f"and is not this cluster's; remove it (docker rm -f {server.name}) or run without --fle-compatible"
        )

    async def _bring_up(self, server: ClusterServer, scenario: Scenario | None, backend: DockerBackend) -> str:
        """Server ``n``'s lifecycle, as a test's server has it: bootstrap if it has no save, start, leave running."""
        docker = await self._engine()
        busy = await docker.containers.list(filters=json.dumps({"label": [f"{SAVE_DIR}={server.save_dir}"]}))
        if busy:
            raise ClusterError(
                f"server {server.n}: container {busy[0]['Names'][0].lstrip('/')} already runs on {server.save_dir}; "
                "stop it first (fle-testkit cluster down, or docker rm -f it)"
            )
        try:
            # Claimed only while we work on it; afterwards its cluster marker keeps a pytest run off it.
            save_dir = self.saves.claim(server.n, for_cluster=True)
        except SaveDirLockedError as error:
            raise ClusterError(f"server {server.n}: {error}") from error
        try:
            factorio = FactorioServer(
                backend.with_options(self._container_options(server)),
                save_dir,
                password=self.password,
                label=server.name,
                ready_timeout=self.ready_timeout,
                stop_timeout=self.stop_timeout,
            )
            how = "from its latest save"
            if save_dir.latest() is None:
                if scenario is None:
                    raise ClusterError(
                        f"server {server.n}: {server.save_dir} has no save to start from; "
                        "bring the cluster up again to bootstrap it"
                    )
                self.progress(f"{server.name}: bootstrapping from scenario {scenario.name}")
                await asyncio.to_thread(factorio.bootstrap, scenario)
                how = "bootstrapped"
            if self.fle_compatible:
                _check_ports_free(server)
            await asyncio.to_thread(factorio.start)
            process = cast(DockerServer, factorio.process)
            server.rcon_port = process.rcon_port
            server.container = process.container.id
            factorio.detach()  # the container outlives this command
            _mark_served(Path(server.save_dir), server.name)
            return how
        finally:
            save_dir.release()

    async def _stop(self, container: Any) -> None:
        try:
            await container.stop(t=int(self.stop_timeout))  # SIGTERM; SIGKILL after the timeout
        except Exception:
            pass
        try:
            await container.delete(force=True)
        except Exception:
            pass


def _mark_served(directory: Path, name: str) -> None:
    """Tell SaveRoot claimants (a pytest run) that a cluster server uses this directory."""
    holder = Holder(
        pid=None,
        host=socket.gethostname(),
        since=datetime.now(UTC),
        argv=f"fle-testkit cluster, container {name}; stop it with `fle-testkit cluster down`",
    )
    (directory / CLUSTER_MARKER).write_text(holder.to_json())


def _unmark_served(directory: Path) -> None:
    (directory / CLUSTER_MARKER).unlink(missing_ok=True)


def _check_ports_free(server: ClusterServer) -> None:
    """With fixed ports, say which one is taken before the engine gives a vaguer error (local engine only)."""
    if rcon_host() != "127.0.0.1":
        return
    for kind, port in ((socket.SOCK_STREAM, server.rcon_port), (socket.SOCK_DGRAM, server.game_port)):
        if port is None:
            continue
        with socket.socket(socket.AF_INET, kind) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError as error:
                proto = "tcp" if kind == socket.SOCK_STREAM else "udp"
                raise ClusterError(
                    f"server {server.n}: port 127.0.0.1:{port}/{proto} is in use ({error.strerror}); "
                    "--fle-compatible needs RCON 27000+n and game 34197+n free: stop what holds it, "
                    "or run without --fle-compatible (random ports)"
                ) from error
