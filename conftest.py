"""Repo-root conftest: activate the plugin when fle-testkit is not installed.

Installed (``pip install -e .``), the ``pytest11`` entry point registers it;
registering it twice would be an error, so this only steps in without it.
"""

from importlib.metadata import entry_points

# The FLE fixtures too: suites/functional/fle uses them, and every other test
# of the repo shows they leave tests that do not use them alone.
if not any(ep.value == "fle_testkit.plugin" for ep in entry_points(group="pytest11")):
    pytest_plugins = ["fle_testkit.plugin", "fle_testkit.fle"]
else:
    pytest_plugins = ["fle_testkit.fle"]
