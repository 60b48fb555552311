"""The ``fle-testkit`` console command: one argparse group per concern.

A group is a module with ``register(subparsers)`` that adds its parser and
sets ``handler`` (``args -> exit code``) on each command. To add a group
(``cluster``, ``image``), write its module and list it in ``GROUPS``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .errors import TestkitError
from .perf.report import testkit_version

GROUPS: tuple[str, ...] = (
    "fle_testkit.perf.cli",
    "fle_testkit.docker.image_cli",
    "fle_testkit.docker.cluster_cli",
    "fle_testkit.fle.trajectory_cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fle-testkit",
        description="fle-testkit's tools that run outside pytest.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {testkit_version()}")
    groups = parser.add_subparsers(dest="group", required=True, metavar="GROUP")
    for module in GROUPS:
        importlib.import_module(module).register(groups)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit code (0 done, 1 a check failed, 2 a usage or input error)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except TestkitError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
