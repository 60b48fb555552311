"""``fle-testkit image``: build the stand-in image the docker backend is tested against."""

from __future__ import annotations

import argparse

from .image import build_image, image_tag


def register(groups: argparse._SubParsersAction) -> None:
    image = groups.add_parser(
        "image",
        help="the stand-in Factorio image (the emulator in factoriotools/factorio's layout)",
        description="Build fle-testkit/factorio-emulator:<version> locally: a debootstrap Debian root "
        "(imported once and reused) with the emulator at /opt/factorio/bin/x64/factorio.",
    )
    commands = image.add_subparsers(dest="command", required=True, metavar="COMMAND")
    build = commands.add_parser("build", help="build the image (idempotent: an unchanged tree is not rebuilt)")
    build.add_argument("--tag", default=None, help=f"image tag (default: {image_tag()})")
    build.add_argument("--rebuild", action="store_true", help="build even when the image is up to date")
    build.set_defaults(handler=_build)


def _build(args: argparse.Namespace) -> int:
    build_image(args.tag, rebuild=args.rebuild, progress=lambda line: print(f"fle-testkit image: {line}", flush=True))
    return 0
