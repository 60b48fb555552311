"""The FLE plugin's hooks: servers fle-testkit starts take FLE's fixed RCON password."""

from __future__ import annotations

import pytest

from ..plugin.runtime import RUNTIME_KEY

# FLE 0.4.3 connects with this password and no other
# (fle/cluster/run_envs.py: RCON_PASSWORD = "factorio"; fle/env/instance.py, connect_to_server).
FLE_RCON_PASSWORD = "factorio"


@pytest.hookimpl(trylast=True)  # after fle-testkit's own pytest_configure made the runtime
def pytest_configure(config: pytest.Config) -> None:
    runtime = config.stash.get(RUNTIME_KEY, None)
    if runtime is None:
        raise pytest.UsageError("fle_testkit.fle needs fle-testkit's plugin; do not disable it with -p no:fle_testkit")
    runtime.started_server_password = FLE_RCON_PASSWORD
