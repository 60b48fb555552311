"""A long-lived cluster of Factorio servers in containers, one save directory each.

``Cluster(saves)`` manages servers ``0..N-1`` whose save directories are
``saves/0``, ``saves/1``, ... (bound to ``/factorio/saves``). The cluster
outlives the process that made it, so no flock is held while it runs (a dir is
claimed only while ``up`` works on it); instead every container is labelled with
its save directory and a server is refused when a container already runs on it.
What later commands need (image, RCON password, ports) is kept in
``cluster.json`` next to the save root (``.fle/cluster.json`` for ``.fle/saves``).

Each server: if its directory has no save, bootstrap it (a container started
with ``--start-server-load-scenario``, ``/save pristine`` over RCON, removed),
then run the long-lived container with ``--start-server-load-latest``. Servers
start in parallel. RCON is published on 127.0.0.1 (a random port, or
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
import re
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..backends.base import DEFAULT_SERVER_SETTINGS
from ..backends.docker import FACTORIO, GAME_PORT, LABEL, MANAGED, RCON_PORT
from ..client import AsyncFactorioClient
from ..errors import BackendUnavailable, RconError, SaveDirLockedError, TestkitError
from ..savedir import CLUSTER_MARKER, Holder, SaveInfo, SaveRoot, latest_save
from ..scenario import ScenarioBuilder
from ..server import RCON_READY, SAVING_FINISHED  # the log lines Factorio's state is read from
from .engine import docker_host, publish_address, rcon_host
from .image import image_tag

CLUSTER = f"{LABEL}.cluster"
SERVER = f"{LABEL}.server"
SAVE_DIR = f"{LABEL}.save-dir"
SAVES_ROOT = f"{LABEL}.saves-root"
ROLE = f"{LABEL}.role"  # "server" (long-lived) or "bootstrap"
STATE_FILE = "cluster.json"
PRISTINE = "pristine"
# FLE's own cluster layout (fle/cluster/run_envs.py): RCON 27000+n, game 34197+n, password "factorio".
FLE_RCON_BASE = 27000
FLE_GAME_BASE = 34197
FLE_PASSWORD = "factorio"
LOG_TAIL = 20

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


class _Log:
    """A container's log, followed in the background, with a way to wait for a line."""

    def __init__(self, container: Any) -> None:
        self.lines: list[str] = []
        self.closed = False
        self._changed = asyncio.Condition()
        self._task = asyncio.create_task(self._follow(container))

    async def _follow(self, container: Any) -> None:
        pending = ""
        try:
            async for chunk in container.log(stdout=True, stderr=True, follow=True):
                pending += chunk
                *lines, pending = pending.split("\n")
                async with self._changed:
                    self.lines.extend(line.rstrip("\r") for line in lines)
                    self._changed.notify_all()
        except Exception:  # the container went away: the log simply ends
            pass
        finally:
            async with self._changed:
                if pending:
                    self.lines.append(pending)
                self.closed = True
                self._changed.notify_all()

    async def wait_for(self, pattern: re.Pattern[str], start: int, timeout: float) -> int | None:
        """Index of the first line from ``start`` on that matches; None if the log ended or time ran out."""
        try:
            async with asyncio.timeout(timeout):
                async with self._changed:
                    while True:
                        for i in range(start, len(self.lines)):
                            if pattern.search(self.lines[i]):
                                return i
                        start = len(self.lines)
                        if self.closed:
                            return None
                        await self._changed.wait()
        except TimeoutError:
            return None

    def tail(self, count: int = LOG_TAIL) -> list[str]:
        return self.lines[-count:]

    async def close(self) -> None:
        self._task.cancel()
        try:
            await self._task
        except (asyncio.CancelledError, Exception):
            pass


@dataclass
class _Started:
    container: Any
    log: _Log
    rcon_port: int


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
        await self._check_image()
        self.progress(f"starting {count} server(s) of {self.image} on {self.saves.path}")
        for stale in await self._containers():  # exited leftovers of an earlier cluster here
            await stale.delete(force=True)
        scenario = None
        if any(latest_save(self.saves.dir_path(n)) is None for n in range(count)):
            scenario = ScenarioBuilder(self.scenario, out_root=self.root / "scenarios").build()
        config = self.root / "cluster" / "config"
        config.mkdir(parents=True, exist_ok=True)
        (config / "server-settings.json").write_text(json.dumps(DEFAULT_SERVER_SETTINGS, indent=2))
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
            how = await self._bring_up(server, scenario)
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
        await self._bring_up(server, None)
        self._save_state()
        self.progress(
            f"{server.name} ready at {self.host}:{server.rcon_port} (restarted, {time.monotonic() - started:.1f} s)"
        )
        return server

    # ---- one server

    async def _check_image(self) -> None:
        import aiodocker

        docker = await self._engine()
        try:
            await docker.images.inspect(self.image)
        except aiodocker.DockerError as error:
            if error.status != 404:
                raise BackendUnavailable(f"cannot inspect image {self.image}: {error}") from error
            raise BackendUnavailable(
                f"image {self.image} is not present and will not be pulled; build the stand-in with "
                f"`fle-testkit image build`, or `docker pull {self.image}` where the network allows"
            ) from None

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

    async def _bring_up(self, server: ClusterServer, scenario: Any) -> str:
        docker = await self._engine()
        busy = await docker.containers.list(filters=json.dumps({"label": [f"{SAVE_DIR}={server.save_dir}"]}))
        if busy:
            raise ClusterError(
                f"server {server.n}: container {busy[0]['Names'][0].lstrip('/')} already runs on {server.save_dir}; "
                "stop it first (fle-testkit cluster down, or docker rm -f it)"
            )
        try:
            save_dir = self.saves.claim(
                server.n, for_cluster=True
            )  # only while we work on it: a pytest run may hold it
        except SaveDirLockedError as error:
            raise ClusterError(f"server {server.n}: {error}") from error
        try:
            how = "from its latest save"
            if save_dir.latest() is None:
                if scenario is None:
                    raise ClusterError(
                        f"server {server.n}: {server.save_dir} has no save to start from; bring the cluster up again to bootstrap it"
                    )
                self.progress(f"{server.name}: bootstrapping from scenario {scenario.name}")
                await self._bootstrap(server, scenario)
                how = "bootstrapped"
            if self.fle_compatible:
                _check_ports_free(server)
            started = await self._run(
                server,
                ["--start-server-load-latest"],
                role="server",
                rcon_port=server.rcon_port,
                game_port=server.game_port,
                name=server.name,
            )
            try:
                await self._wait_ready(server, started)
            except BaseException:
                await started.container.delete(force=True)
                raise
            finally:
                await started.log.close()
            server.rcon_port = started.rcon_port
            server.container = started.container.id
            _mark_served(Path(server.save_dir), server.name)
            return how
        finally:
            save_dir.release()

    async def _bootstrap(self, server: ClusterServer, scenario: Any) -> None:
        started = await self._run(
            server,
            ["--start-server-load-scenario", scenario.name],
            role="bootstrap",
            scenario=(Path(scenario.path), scenario.name),
        )
        log = started.log
        try:
            client = await self._wait_ready(server, started, keep_client=True)
            mark = len(log.lines)
            try:
                await client.send(f"/save {PRISTINE}")
            finally:
                await client.close()
            if await log.wait_for(SAVING_FINISHED, mark, self.ready_timeout) is None:
                raise ClusterError(f"{server.name}: no 'Saving finished' after /save {PRISTINE}\n" + _tail(log))
            if latest_save(Path(server.save_dir)) is None:
                raise ClusterError(
                    f"{server.name}: /save {PRISTINE} wrote nothing into {server.save_dir}\n" + _tail(log)
                )
        finally:
            await log.close()
            await started.container.delete(force=True)  # a scenario server has no file to save over: nothing to lose

    async def _run(
        self,
        server: ClusterServer,
        running: list[str],
        *,
        role: str,
        rcon_port: int | None = None,
        game_port: int | None = None,
        name: str | None = None,
        scenario: tuple[Path, str] | None = None,
    ) -> _Started:
        import aiodocker

        address = publish_address()
        mounts = [
            _bind(server.save_dir, "/factorio/saves"),
            _bind(self.root / "cluster" / "config", "/factorio/config", read_only=True),
        ]
        if scenario is not None:
            mounts.append(_bind(scenario[0], f"/factorio/scenarios/{scenario[1]}", read_only=True))
        ports = {f"{RCON_PORT}/tcp": [{"HostIp": address, "HostPort": str(rcon_port or "")}]}
        if game_port is not None:
            ports[f"{GAME_PORT}/udp"] = [{"HostIp": address, "HostPort": str(game_port)}]
        config = {
            "Image": self.image,
            "Entrypoint": [FACTORIO],
            "Cmd": [
                *running,
                "--port",
                str(GAME_PORT),
                "--rcon-bind",
                f"0.0.0.0:{RCON_PORT}",  # inside the container; published on loopback only
                "--rcon-password",
                self.password,
                "--server-settings",
                "/factorio/config/server-settings.json",
            ],
            "Labels": {
                MANAGED: "true",
                CLUSTER: "true",
                SERVER: str(server.n),
                SAVE_DIR: server.save_dir,
                SAVES_ROOT: str(self.saves.path),
                ROLE: role,
            },
            "ExposedPorts": {port: {} for port in ports},
            "HostConfig": {"Mounts": mounts, "PortBindings": ports, "NetworkMode": "bridge"},
        }
        docker = await self._engine()
        try:
            container = await docker.containers.create(config, name=name)
        except aiodocker.DockerError as error:
            if error.status == 409:
                raise ClusterError(
                    f"server {server.n}: a container named {name} already exists and is not this cluster's; "
                    f"remove it (docker rm -f {name}) or run without --fle-compatible"
                ) from error
            raise ClusterError(
                f"server {server.n}: cannot create a container of {self.image}: {error.message}"
            ) from error
        try:
            await container.start()
        except aiodocker.DockerError as error:
            await container.delete(force=True)
            if "port is already allocated" in error.message or "address already in use" in error.message:
                raise ClusterError(
                    f"server {server.n}: host port {address}:{rcon_port} or its game port is in use "
                    f"({error.message}); stop what holds it"
                    + (" or run without --fle-compatible" if self.fle_compatible else "")
                ) from error
            raise ClusterError(
                f"server {server.n}: cannot start a container of {self.image}: {error.message}"
            ) from error
        port = rcon_port
        if not port:
            bindings = (await container.show())["NetworkSettings"]["Ports"].get(f"{RCON_PORT}/tcp") or []
            if not bindings:
                await container.delete(force=True)
                raise ClusterError(f"server {server.n}: RCON port {RCON_PORT}/tcp was not published")
            port = int(bindings[0]["HostPort"])
        return _Started(container, _Log(container), port)

    async def _wait_ready(
        self, server: ClusterServer, started: _Started, *, keep_client: bool = False
    ) -> AsyncFactorioClient:
        """Ready: the log said RCON started, and an authenticated command was answered."""
        deadline = time.monotonic() + self.ready_timeout
        log, port = started.log, started.rcon_port
        if await log.wait_for(RCON_READY, 0, self.ready_timeout) is None:
            state = (await started.container.show())["State"]
            what = (
                f"exited with code {state['ExitCode']}"
                if not state["Running"]
                else f"not ready after {self.ready_timeout:.0f} s"
            )
            raise ClusterError(
                f"{server.name} ({self.image}) {what}: never logged 'Starting RCON interface'\n" + _tail(log)
            )
        client = AsyncFactorioClient(
            self.host, port, self.password, connect_timeout=max(0.1, deadline - time.monotonic())
        )
        try:
            await client.connect()
            await client.send("/sc rcon.print('ready')")
        except RconError as error:
            await client.close()
            raise ClusterError(
                f"{server.name}: RCON at {self.host}:{port} did not answer ({error})\n" + _tail(log)
            ) from error
        if not keep_client:
            await client.close()
        return client

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


def _bind(source: str | Path, target: str, *, read_only: bool = False) -> dict[str, Any]:
    return {"Type": "bind", "Source": str(Path(source).absolute()), "Target": target, "ReadOnly": read_only}


def _tail(log: _Log) -> str:
    return "Last log lines:\n" + "\n".join("    " + line for line in log.tail())


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
