"""``fle-testkit cluster``: a long-lived cluster of servers in containers (up, down, status, logs, restart)."""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from .cluster import Cluster
from .image import image_tag


def register(groups: argparse._SubParsersAction) -> None:
    cluster = groups.add_parser(
        "cluster",
        help="a cluster of Factorio servers in Docker containers, one save directory each",
        description="Servers 0..N-1 in containers, each on its own .fle/saves/{n}, RCON published on 127.0.0.1. "
        "What later commands need (image, ports, RCON password) is kept in cluster.json next to the save root.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--saves", default=".fle/saves", help="the save root; server n uses SAVES/n (default: .fle/saves)"
    )
    commands = cluster.add_subparsers(dest="command", required=True, metavar="COMMAND")

    up = commands.add_parser("up", parents=[common], help="start N servers in parallel (bootstrapping empty save dirs)")
    up.add_argument("-n", "--servers", type=int, required=True, metavar="N", help="how many servers")
    up.add_argument("--image", default=None, help=f"server image (default: the stand-in, {image_tag()})")
    up.add_argument(
        "--scenario", default="lab", help="bootstrap scenario: 'lab' or a scenario directory (default: lab)"
    )
    up.add_argument(
        "--fle-compatible",
        action="store_true",
        help="FLE's layout: containers factorio_{n}, RCON on 127.0.0.1:27000+n, game 34197+n/udp, "
        "RCON password 'factorio' (so FLE's conftest and `fle cluster` find them)",
    )
    up.add_argument(
        "--password", default=None, help="RCON password (default: generated, or 'factorio' with --fle-compatible)"
    )
    up.set_defaults(handler=_run(_up))

    down = commands.add_parser(
        "down", parents=[common], help="stop every server (each saves first) and remove its container"
    )
    down.set_defaults(handler=_run(_down))

    status = commands.add_parser("status", parents=[common], help="a table of the servers and the RCON password")
    status.set_defaults(handler=_run(_status))

    logs = commands.add_parser("logs", parents=[common], help="server N's log")
    logs.add_argument("n", type=int, metavar="N")
    logs.add_argument("--tail", type=int, default=None, metavar="K", help="only the last K lines")
    logs.set_defaults(handler=_run(_logs))

    restart = commands.add_parser(
        "restart", parents=[common], help="stop server N (it saves) and start it from its latest save"
    )
    restart.add_argument("n", type=int, metavar="N")
    restart.set_defaults(handler=_run(_restart))


def _progress(line: str) -> None:
    print(f"fle-testkit cluster: {line}", flush=True)


def _run(command: Callable[[Cluster, argparse.Namespace], Awaitable[int]]) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        async def main() -> int:
            options: dict[str, Any] = {}
            if args.command == "up":
                options = dict(
                    image=args.image, scenario=args.scenario, fle_compatible=args.fle_compatible, password=args.password
                )
            async with Cluster(args.saves, progress=_progress, **options) as cluster:
                return await command(cluster, args)

        return asyncio.run(main())

    return handler


async def _up(cluster: Cluster, args: argparse.Namespace) -> int:
    started = time.monotonic()
    servers = await cluster.up(args.servers)
    _progress(
        f"{len(servers)} server(s) up in {time.monotonic() - started:.1f} s; RCON password {cluster.password} "
        f"(in {cluster.state_path})"
    )
    return 0


async def _down(cluster: Cluster, args: argparse.Namespace) -> int:
    names = await cluster.down()
    _progress(f"stopped and removed {', '.join(names)}" if names else f"no cluster containers for {cluster.saves.path}")
    return 0


async def _status(cluster: Cluster, args: argparse.Namespace) -> int:
    rows = await cluster.status()
    table = [("n", "name", "state", "rcon", "save dir", "latest save")]
    for row in rows:
        latest = "-"
        if row.latest is not None:
            latest = f"{row.latest.name} ({datetime.fromtimestamp(row.latest.mtime):%Y-%m-%d %H:%M:%S})"
        table.append((str(row.n), row.name, row.state, row.endpoint, row.save_dir, latest))
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for r in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=False)).rstrip())
    print(f"image: {cluster.image}")
    print(f"rcon password: {cluster.password}")
    return 0 if all(row.state == "running" for row in rows) else 1


async def _logs(cluster: Cluster, args: argparse.Namespace) -> int:
    for line in await cluster.logs(args.n, args.tail):
        print(line)
    return 0


async def _restart(cluster: Cluster, args: argparse.Namespace) -> int:
    await cluster.restart(args.n)
    return 0
