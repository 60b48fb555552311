"""The docker backend's labels, worked out without an engine."""

from __future__ import annotations

import os

from fle_testkit.backends.base import LaunchSpec
from fle_testkit.backends.docker import ContainerOptions, labels_for


def test_labels_say_who_owns_a_container_and_what_it_runs(tmp_path) -> None:
    """A test's container names its owner (so the sweeper can judge it); a cluster's names none."""
    bootstrap = LaunchSpec("scenario", "lab", tmp_path / "run", tmp_path / "saves", "pw", label="worker gw1")
    owned = labels_for(bootstrap, "run-1")
    assert owned["fle-testkit.role"] == "bootstrap"
    assert owned["fle-testkit.owner-pid"] == str(os.getpid()) and owned["fle-testkit.run-id"] == "run-1"
    assert "fle-testkit.cluster" not in owned
    start = LaunchSpec("latest", None, tmp_path / "run", tmp_path / "saves", "pw")
    cluster = labels_for(start, "", ContainerOptions(labels={"fle-testkit.server": "3"}, long_lived=True))
    assert cluster["fle-testkit.role"] == "server" and cluster["fle-testkit.cluster"] == "true"
    assert cluster["fle-testkit.server"] == "3"  # the caller's labels win
    assert not {"fle-testkit.owner-pid", "fle-testkit.run-id"} & set(cluster)
