"""The FLE plugin (``-p fle_testkit.fle``) without FLE's tests: what it starts, skips and exports."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import pytest

sys.path.insert(0, str(Path(__file__).parents[1]))

from test_plugin import GAMEDATA_CACHE, LEAKY_ENV, SERVER_RUN  # noqa: E402

from fle_testkit.backends.external import Endpoint  # noqa: E402
from fle_testkit.fle.fixtures import INSTALL_HINT, _uses_fle, endpoint_of  # noqa: E402
from fle_testkit.fle.hooks import FLE_RCON_PASSWORD  # noqa: E402

pytest_plugins = ["pytester"]
FLE_RUN = (*SERVER_RUN, "-p", "fle_testkit.fle")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*LEAKY_ENV, "FACTORIO_HOST", "FACTORIO_RCON_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FLE_TESTKIT_CACHE_DIR", GAMEDATA_CACHE)


def test_tests_that_use_no_fle_fixture_start_no_server(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture
        def game():  # a module's own `game` is not FLE's
            return "mine"

        def test_plain():
            pass

        def test_own_game(game):
            assert game == "mine"
        """
    )
    result = pytester.runpytest_subprocess(*FLE_RUN)
    result.assert_outcomes(passed=2)
    assert not (pytester.path / ".fle" / "saves").exists()


def test_fle_fixtures_skip_with_the_install_hint_when_fle_cannot_be_imported(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("import sys\nsys.modules['fle'] = None  # `import fle` raises ImportError\n")
    pytester.makepyfile("def test_uses_fle(namespace):\n    pass\n")
    result = pytester.runpytest_subprocess(*FLE_RUN, "-rs")
    result.assert_outcomes(skipped=1)
    skip_line = next(line for line in result.outlines if line.startswith("SKIPPED"))
    assert "FLE cannot be imported" in skip_line and INSTALL_HINT in skip_line
    assert not (pytester.path / ".fle" / "saves").exists(), "no server is started for a test that skips"


def test_servers_started_under_the_fle_plugin_take_fles_password(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_password(factorio_server):
            assert factorio_server.password == "factorio"
        """
    )
    result = pytester.runpytest_subprocess(*FLE_RUN)
    result.assert_outcomes(passed=1)


def test_without_the_fle_plugin_started_servers_keep_a_random_password(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_password(factorio_server):\n    assert factorio_server.password != 'factorio'\n")
    result = pytester.runpytest_subprocess(*SERVER_RUN)
    result.assert_outcomes(passed=1)


def test_a_game_speed_that_is_not_positive_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest_subprocess(*FLE_RUN, "--fle-game-speed=0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--fle-game-speed: '0' is not valid (must be greater than 0)*"])


def test_the_password_is_the_one_fle_connects_with() -> None:
    run_envs = pytest.importorskip("fle.cluster.run_envs", reason=f"FLE is not installed: {INSTALL_HINT}")
    assert run_envs.RCON_PASSWORD == FLE_RCON_PASSWORD


def test_a_module_that_imports_fle_is_told_apart_from_one_that_does_not() -> None:
    class FromFle:
        __module__ = "fle.env.instance"

    fle_user = ModuleType("test_builds_its_own")
    fle_user.FactorioInstance = FromFle  # type: ignore[attr-defined]
    other = ModuleType("test_other")
    other.pytest = pytest  # type: ignore[attr-defined]
    other.flexible = ModuleType("flexible")  # type: ignore[attr-defined]
    assert _uses_fle(fle_user)
    assert not _uses_fle(other)
    assert not _uses_fle(None)


def test_the_endpoint_is_read_from_the_servers_host_and_port() -> None:
    class Server:
        endpoint = "127.0.0.1:27015"

    assert endpoint_of(Server()) == Endpoint("127.0.0.1", 27015)  # type: ignore[arg-type]


def test_fle_fixtures_get_a_server_of_their_own_so_other_tests_can_still_save(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        seen = {}

        def test_fle_leaves_a_function_in_storage(fle_server):
            seen["fle"] = fle_server
            fle_server.client.lua("storage.fle_tool = function() end")  # as FLE's instance does

        def test_other_tests_servers_still_save(factorio_server):
            assert factorio_server is not seen["fle"]
            assert factorio_server.save_dir.path.name == "0", "the worker's own directory, though FLE's started first"
            assert seen["fle"].save_dir.path.name != "0"
            assert "(fle)" in seen["fle"].label
            factorio_server.save("after-fle")
        """
    )
    result = pytester.runpytest_subprocess(*FLE_RUN, "-p", "no:randomly")
    result.assert_outcomes(passed=2)


def test_reset_save_restarts_the_fle_server_from_its_pristine_save(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os
        import pytest

        seen = {}
        LEFT = "rcon.print(tostring(storage.left_behind))"

        def test_leaves_something_behind(instance, fle_server):
            fle_server.client.lua("storage.left_behind = 'first'")
            seen["process"] = fle_server.process

        @pytest.mark.factorio(reset="save")
        def test_starts_from_the_pristine_save(instance, fle_server):
            assert fle_server.process is not seen["process"]
            assert fle_server.client.lua(LEFT) == "nil"
            assert os.environ["FACTORIO_RCON_PORT"] == fle_server.endpoint.rsplit(":", 1)[1]
            assert instance.namespace.inspect_inventory()["iron-plate"] == 50  # FLE's reset ran after
            fle_server.client.lua("storage.left_behind = 'second'")
            seen["process"] = fle_server.process

        def test_an_unmarked_test_resets_in_place(instance, fle_server):
            assert fle_server.process is seen["process"]
            assert fle_server.client.lua(LEFT) == "second"
        """
    )
    result = pytester.runpytest_subprocess(*FLE_RUN, "-p", "no:randomly")
    result.assert_outcomes(passed=3)


def test_the_instances_idle_executor_threads_are_gone_before_fles_cleanup_joins_threads() -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from fle_testkit.fle.fixtures import _clean_up

    class Instance:
        def __init__(self) -> None:
            self._executor = ThreadPoolExecutor(max_workers=2)
            self._executor.submit(lambda: None).result()  # an idle worker thread now exists
            self.waited_for: list[str] = []

        def cleanup(self) -> None:  # FLE's: joins every live non-daemon thread, 5 s each
            self.waited_for = [t.name for t in threading.enumerate() if t in self._threads and t.is_alive()]

    instance = Instance()
    instance._threads = set(instance._executor._threads)  # type: ignore[attr-defined]
    assert instance._threads, "the stand-in must start an executor thread"  # type: ignore[attr-defined]
    _clean_up(instance)
    assert instance.waited_for == []
