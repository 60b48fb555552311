"""The pytest plugin, seen from outside: pytester runs of small test files.

Runs that start no server run in-process (fast); runs that start servers run
in a subprocess (``runpytest_subprocess``), and the costly ones are shared:
each is made once and several tests assert on it (``SharedRuns``).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from emulator_process import emulator_processes  # noqa: E402
from plugin_helpers import INNER_CONFTEST, Run, SharedRuns, run_servers  # noqa: E402

from fle_testkit.emulator.gamedata.cache import cache_dir  # noqa: E402
from fle_testkit.perf.render import REGRESSED_HEADING as REGRESSED  # noqa: E402
from fle_testkit.perf.storage import machine_id  # noqa: E402
from fle_testkit.settings import SETTINGS, Settings  # noqa: E402

pytest_plugins = ["pytester"]

# Inner runs leave out plugins they do not need: an in-process run re-imports
# what it loads (hypothesis alone costs ~0.4 s), and asyncio's warnings are noise.
QUIET = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:asyncio")
# Runs that start servers name the backend: what `auto` picks depends on the machine's Docker.
SERVER_RUN = (*QUIET, "--factorio-backend=embedded")

# Read before pytester points HOME at its tmp dir: inner runs share the real
# game-data cache instead of rebuilding it each time.
GAMEDATA_CACHE = str(cache_dir())

# Environment that would leak into inner runs from the one running this module.
LEAKY_ENV = (
    *(s.env for s in SETTINGS),
    "PYTEST_XDIST_WORKER",
    "PYTEST_XDIST_WORKER_COUNT",
    "PYTEST_XDIST_TESTRUNUID",
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD",
    "PYTEST_PLUGINS",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in LEAKY_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FLE_TESTKIT_CACHE_DIR", GAMEDATA_CACHE)


@pytest.fixture(scope="module")
def shared() -> SharedRuns:
    return SharedRuns()


# --- settings: each one at each level ------------------------------------------

# For every setting, the value given at each level (as a user types it) and
# what it resolves to. Distinct per level, so precedence shows which won.
# ready-timeout's option is 0: a falsy value must still win (UNSET sentinel).
CASES: dict[str, dict[str, tuple[Any, Any]]] = {
    # Every level also names external servers, which only the external backend (or auto) may take.
    "factorio_backend": {"option": ("external", "external"), "env": ("auto", "auto"), "ini": ("external", "external")},
    "factorio_image": {
        "option": ("opt/factorio:1", "opt/factorio:1"),
        "env": ("env/factorio:2", "env/factorio:2"),
        "ini": ("ini/factorio:3", "ini/factorio:3"),
    },
    "factorio_binary": {
        "option": ("/opt/bin/x64/factorio", "/opt/bin/x64/factorio"),
        "env": ("/env/bin/x64/factorio", "/env/bin/x64/factorio"),
        "ini": ("/ini/bin/x64/factorio", "/ini/bin/x64/factorio"),
    },
    "factorio_external": {
        "option": (["127.0.0.1:1001", "127.0.0.1:1002"], ["127.0.0.1:1001", "127.0.0.1:1002"]),
        "env": (["127.0.0.1:2001", "127.0.0.1:2002"], ["127.0.0.1:2001", "127.0.0.1:2002"]),
        "ini": (["127.0.0.1:3001", "127.0.0.1:3002"], ["127.0.0.1:3001", "127.0.0.1:3002"]),
    },
    "factorio_rcon_password": {
        "option": ("opt-secret", "opt-secret"),
        "env": ("env-secret", "env-secret"),
        "ini": ("ini-secret", "ini-secret"),
    },
    "factorio_scenario": {
        "option": ("/opt/scenario", "/opt/scenario"),
        "env": ("/env/scenario", "/env/scenario"),
        "ini": ("/ini/scenario", "/ini/scenario"),
    },
    "factorio_saves": {
        "option": ("opt-saves", "opt-saves"),
        "env": ("env-saves", "env-saves"),
        "ini": ("ini-saves", "ini-saves"),
    },
    "factorio_ready_timeout": {"option": ("0", 0.0), "env": ("6.5", 6.5), "ini": ("7.25", 7.25)},
    "factorio_command_timeout": {"option": ("1.5", 1.5), "env": ("2.5", 2.5), "ini": ("3.5", 3.5)},
    "fle_game_speed": {"option": ("20", 20.0), "env": ("30", 30.0), "ini": ("0.5", 0.5)},
    "latency_budget": {
        "option": (["reset=1", "save=2"], ["reset=1", "save=2"]),
        "env": (["reset=3", "save=4"], ["reset=3", "save=4"]),
        "ini": (["reset=5", "save=6"], ["reset=5", "save=6"]),
    },
    "perf_report": {
        "option": ("opt-name", "opt-name"),
        "env": ("env-name", "env-name"),
        "ini": ("ini-name", "ini-name"),
    },
    "perf_compare": {"option": ("1", "1"), "env": ("2", "2"), "ini": ("3", "3")},
    "perf_compare_fail": {
        "option": (["median:10%", "p95:20%"], ["median:10%", "p95:20%"]),
        "env": (["median:11%", "p95:21%"], ["median:11%", "p95:21%"]),
        "ini": (["median:12%", "p95:22%"], ["median:12%", "p95:22%"]),
    },
    "perf_baseline_runs": {"option": ("7", 7), "env": ("8", 8), "ini": ("9", 9)},
}
BY_DEST = {s.dest: s for s in SETTINGS}

DUMP_SETTINGS = """
import dataclasses
import json
from pathlib import Path
from fle_testkit.plugin.runtime import RUNTIME_KEY

def test_dump(request):
    runtime = request.config.stash[RUNTIME_KEY]
    (Path(request.config.rootpath) / "settings.json").write_text(json.dumps(dataclasses.asdict(runtime.settings)))
"""


def option_args(level_values: dict[str, Any]) -> list[str]:
    args = []
    for dest, value in level_values.items():
        option = BY_DEST[dest].option
        args += [f"{option}={v}" for v in value] if isinstance(value, list) else [f"{option}={value}"]
    return args


def set_env(monkeypatch: pytest.MonkeyPatch, level_values: dict[str, Any]) -> None:
    for dest, value in level_values.items():
        monkeypatch.setenv(BY_DEST[dest].env, ",".join(value) if isinstance(value, list) else value)


def ini_text(level_values: dict[str, Any]) -> str:
    lines = ["[pytest]"]
    for dest, value in level_values.items():
        if isinstance(value, list):
            lines += [f"{dest} ="] + [f"    {v}" for v in value]
        else:
            lines.append(f"{dest} = {value}")
    return "\n".join(lines) + "\n"


def pyproject_text(level_values: dict[str, Any]) -> str:
    lines = ["[tool.pytest.ini_options]"] + [f"{dest} = {json.dumps(value)}" for dest, value in level_values.items()]
    return "\n".join(lines) + "\n"


def raw(level: str) -> dict[str, Any]:
    return {dest: levels[level][0] for dest, levels in CASES.items()}


def as_settings(values: dict[str, Any]) -> Settings:
    """A Settings from plain values (JSON has no tuples: lists become them)."""
    return Settings(**{dest: tuple(v) if isinstance(v, list) else v for dest, v in values.items()})


def expected(level: str) -> Settings:
    return as_settings({dest: levels[level][1] for dest, levels in CASES.items()})


def resolved_settings(pytester: pytest.Pytester, *args: str) -> tuple[Settings, pytest.RunResult]:
    """Settings as the plugin resolved them in an in-process run (no server is started)."""
    pytester.makepyfile(test_dump=DUMP_SETTINGS)
    result = pytester.runpytest(*QUIET, *args)
    result.assert_outcomes(passed=1)
    return as_settings(json.loads((pytester.path / "settings.json").read_text())), result


def test_every_setting_has_cases() -> None:
    assert set(CASES) == set(BY_DEST), "each setting needs a value per level in CASES"


def test_settings_fields_match_the_settings_table() -> None:
    """Settings is written out by hand: its fields and defaults must not drift from SETTINGS."""
    fields = dataclasses.fields(Settings)
    assert [f.name for f in fields] == [s.dest for s in SETTINGS]
    assert len(fields) == len(SETTINGS)
    for field, setting in zip(fields, SETTINGS, strict=True):
        assert field.default == (() if setting.multiple else setting.default), field.name


def test_settings_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().factorio_backend = "docker"  # type: ignore[misc]


def test_plugin_loads_through_its_entry_point_with_defaults(pytester: pytest.Pytester) -> None:
    settings, result = resolved_settings(pytester)
    result.stdout.fnmatch_lines(["fle-testkit: backend * (auto: *); saves .fle/saves", "plugins:*fle-testkit-*"])
    assert settings == Settings()
    assert dataclasses.asdict(settings) == {s.dest: (s.default if not s.multiple else ()) for s in SETTINGS}


@pytest.mark.parametrize("level", ["option", "env", "ini", "pyproject"])
def test_each_setting_resolves_from(level: str, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    values_level = "ini" if level == "pyproject" else level
    args: list[str] = []
    if level == "option":
        args = option_args(raw("option"))
    elif level == "env":
        set_env(monkeypatch, raw("env"))
    elif level == "ini":
        pytester.makeini(ini_text(raw("ini")))
    else:
        pytester.makepyprojecttoml(pyproject_text(raw("ini")))
    settings, result = resolved_settings(pytester, *args)
    assert settings == expected(values_level)
    reason = "asked for" if settings.factorio_backend == "external" else "auto: --factorio-external given"
    result.stdout.fnmatch_lines([f"fle-testkit: backend external ({reason}); saves {settings.factorio_saves}"])


@pytest.mark.parametrize(
    "levels, winner",
    [(("option", "env", "ini"), "option"), (("env", "ini"), "env"), (("option", "ini"), "option")],
    ids=["option-beats-env-and-ini", "env-beats-ini", "option-beats-ini"],
)
def test_precedence(
    levels: tuple[str, ...], winner: str, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = option_args(raw("option")) if "option" in levels else []
    if "env" in levels:
        set_env(monkeypatch, raw("env"))
    pytester.makeini(ini_text(raw("ini")))
    settings, result = resolved_settings(pytester, *args)
    assert settings == expected(winner)
    result.stdout.fnmatch_lines([f"fle-testkit: backend external *; saves {raw(winner)['factorio_saves']}"])


# --- backends ---------------------------------------------------------------------

USES_SERVER = """
def test_uses_server(factorio_server):
    pass
"""


def test_embedded_asked_for_says_so(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest(*QUIET, "--factorio-backend=embedded")
    result.stdout.fnmatch_lines(["fle-testkit: backend embedded (asked for); saves .fle/saves"])


def test_external_endpoints_alone_choose_the_external_backend_and_say_so(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest(*QUIET, "--factorio-external=127.0.0.1:27015")
    result.stdout.fnmatch_lines(["fle-testkit: backend external (auto: --factorio-external given); saves .fle/saves"])


def test_an_external_server_that_never_answers_is_waited_for_aloud_once_and_reported_briefly(
    pytester: pytest.Pytester,
) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    pytester.makepyfile(
        """
        def test_one(factorio_server):
            pass

        def test_two(factorio_server):
            pass
        """
    )
    result = pytester.runpytest_subprocess(
        *QUIET, f"--factorio-external=127.0.0.1:{closed}", "--factorio-ready-timeout=6", "-p", "no:randomly"
    )
    result.assert_outcomes(errors=2)
    output = result.stdout.str()
    assert f"still waiting for an answer over RCON at 127.0.0.1:{closed} (5 s of 6 s)" in output
    assert output.count("still waiting for") == 1, "the second test must not wait again"
    failures = output[output.index("= ERRORS =") : output.index("short test summary")]
    assert len(failures.splitlines()) < 20, failures
    assert "asyncio" not in failures and "Traceback" not in failures


def test_binary_backend_without_binary_is_a_clear_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(USES_SERVER)
    result = pytester.runpytest(*QUIET, "--factorio-backend=binary")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "fle-testkit: backend binary (asked for)*",
            "*the binary backend needs Factorio's executable: set --factorio-binary*",
        ]
    )


def test_docker_backend_without_an_engine_says_what_is_missing(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    pytester.makepyfile(USES_SERVER)
    result = pytester.runpytest(*QUIET, "--factorio-backend=docker")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["fle-testkit: backend docker (image *, asked for)*"])
    result.stdout.re_match_lines(
        [r".*(no Docker engine answered at unix:///nonexistent/docker\.sock|needs the docker extra).*"]
    )


# --- markers ---------------------------------------------------------------------


def test_markers_are_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*QUIET, "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.factorio(*", "@pytest.mark.latency_budget(*"])


def test_markers_pass_strict_markers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.factorio(variant="unresearched")
        @pytest.mark.latency_budget(reset=1)
        def test_marked():
            pass
        """
    )
    pytester.runpytest(*QUIET, "--strict-markers").assert_outcomes(passed=1)


@pytest.mark.parametrize(
    "marker, message",
    [
        (
            'factorio(colour="red")',
            "@pytest.mark.factorio takes keywords variant, inventory, scenario, reset; got ['colour']",
        ),
        ('factorio("lab")', "@pytest.mark.factorio takes keywords variant, inventory, scenario, reset; got ['lab']"),
        ('factorio(variant="tech")', "variant must be one of researched, unresearched, not 'tech'"),
        ('factorio(reset="disk")', "reset must be 'lua' or 'save', not 'disk'"),
        (
            'latency_budget(reset="fast")',
            "@pytest.mark.latency_budget(reset='fast'): a budget is a number of seconds >= 0",
        ),
        (
            "latency_budget(rest=0.5)",
            "@pytest.mark.latency_budget: 'rest' is not a phase; phases are spawn, ready,",
        ),
        (
            "latency_budget(0.5)",
            "@pytest.mark.latency_budget takes keywords PHASE=SECONDS (e.g. reset=0.5); got positional [0.5]",
        ),
    ],
    ids=[
        "factorio-unknown-keyword",
        "factorio-positional",
        "factorio-variant",
        "factorio-reset",
        "budget-not-a-number",
        "budget-typo",
        "budget-positional",
    ],
)
def test_bad_marker_is_a_clear_error(marker: str, message: str, pytester: pytest.Pytester) -> None:
    # No server starts: the marker is checked before the pool starts one.
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.{marker}
        def test_marked(factorio_session):
            pass
        """
    )
    result = pytester.runpytest(*QUIET)
    result.assert_outcomes(errors=1)
    assert message in result.stdout.str()
    result.stdout.no_fnmatch_line("INTERNALERROR>*")


# --- deprecated fixture names ---------------------------------------------------------

RENAMED_FIXTURES = {
    "game_session": "factorio_session",
    "researched_session": "factorio_session_researched",
    "unresearched_session": "factorio_session_unresearched",
}


def test_old_fixture_names_work_and_warn_naming_the_new_one(pytester: pytest.Pytester) -> None:
    # The project's own warning filter: a deprecated name must not fail a test under it.
    pytester.makeini("[pytest]\nfilterwarnings = error::pytest.PytestUnraisableExceptionWarning\n")
    pytester.makepyfile(
        "\n".join(
            f"def test_{old}({old}, {new}):\n    assert {old} is {new}\n" for old, new in RENAMED_FIXTURES.items()
        )
    )
    result = pytester.runpytest_subprocess(*SERVER_RUN)
    result.assert_outcomes(passed=3, warnings=3)
    for old, new in RENAMED_FIXTURES.items():
        result.stdout.fnmatch_lines(
            [
                f"*DeprecationWarning: the fixture {old!r} is deprecated and will be removed in the next release: use {new!r}"
            ]
        )


# --- bad settings fail at startup --------------------------------------------------


@pytest.mark.parametrize(
    "args, env, message",
    [
        (["--latency-budget=reset"], {}, "*--latency-budget: 'reset' is not PHASE=SECONDS*"),
        ([], {"FLE_TESTKIT_LATENCY_BUDGET": "reset=soon"}, "*--latency-budget: 'reset=soon' is not PHASE=SECONDS*"),
        (["--perf-compare-fail=median:lots"], {}, "*--perf-compare-fail: rule 'median:lots' is not understood*"),
        (["--perf-compare-fail=speed:10%"], {}, "*--perf-compare-fail: rule 'speed:10%' names field 'speed'*"),
        ([], {"FLE_TESTKIT_BACKEND": "podman"}, "*--factorio-backend: 'podman' is not one of auto, embedded*"),
        ([], {"FLE_TESTKIT_READY_TIMEOUT": "soon"}, "*--factorio-ready-timeout: 'soon' is not valid*"),
        (["--latency-budget=resett=0.5"], {}, "*--latency-budget: 'resett=0.5' * 'resett' is not a phase; phases *"),
        (["--latency-budget=reset[=0.5"], {}, "*'reset[' is not a phase*"),
        (
            ["--factorio-external=127.0.0.1:1", "--factorio-backend=embedded"],
            {},
            "*--factorio-external names running servers (127.0.0.1:1) but --factorio-backend is 'embedded'*",
        ),
    ],
    ids=[
        "budget-option",
        "budget-env",
        "rule-syntax",
        "rule-field",
        "backend-env",
        "timeout-env",
        "budget-typo",
        "budget-detail",
        "external-beside-embedded",
    ],
)
def test_bad_setting_is_a_usage_error_at_startup(
    args: list[str], env: dict[str, str], message: str, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    pytester.makepyfile("def test_never_runs(): raise AssertionError")
    result = pytester.runpytest(*QUIET, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_bad_budget_in_ini_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nlatency_budget = reset:0.5\n")
    pytester.makepyfile("def test_never_runs(): raise AssertionError")
    result = pytester.runpytest(*QUIET)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--latency-budget: 'reset:0.5' is not PHASE=SECONDS*"])


# --- runs that start servers (subprocess, shared) ------------------------------------


def test_leftover_check_sees_a_live_emulator(
    emulator: Any, write_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The cleanup tests below assert an empty list: make sure it is not empty by construction."""
    server = emulator("--start-server-load-scenario", "lab")
    assert [line for line in emulator_processes(write_data) if f"pid {server.process.pid}:" in line]
    assert emulator_processes(tmp_path_factory.mktemp("elsewhere")) == []


BUDGET_LINE = r"^Latency budget exceeded: reset\[lua\] took [0-9.]+ s, over its budget of 0\.000001 s"

SINGLE_TESTS = """
import pytest

def test_default_session(factorio_session, factorio_saves, record):
    record("saves", factorio_saves.path)

@pytest.mark.factorio(reset="save", variant="unresearched")
def test_save_reset(factorio_session):
    pass

@pytest.mark.latency_budget(reset=0.000001)
def test_tiny_budget(factorio_session):
    pass
"""


@pytest.fixture
def single_run(pytester: pytest.Pytester, shared: SharedRuns) -> Run:
    """No xdist: one server in .fle/saves/0; JUnit XML and a perf report; one test over its marker's budget."""

    def make() -> Run:
        pytester.makeconftest(INNER_CONFTEST)
        pytester.makepyfile(test_single=SINGLE_TESTS)
        return run_servers(
            pytester,
            *SERVER_RUN,
            "--junitxml=junit.xml",
            "--perf-report",
            lock_dirs=(".fle/saves/0",),
            read=("junit.xml", ".fle/perf/*/*.json"),
        )

    return shared.get("single", make)


def test_without_xdist_one_server_uses_saves_0(single_run: Run) -> None:
    single_run.result.assert_outcomes(passed=2, failed=1)
    assert Path(single_run.out["saves"]) == single_run.path / ".fle" / "saves" / "0"
    single_run.result.stdout.fnmatch_lines(
        [
            "fle-testkit: backend embedded (asked for); saves .fle/saves",
            "fle-testkit: server 0: bootstrapping * in */.fle/saves/0",
            "fle-testkit: server 0: ready at 127.0.0.1:*",
        ]
    )
    assert single_run.stdout.count("lifecycle timings") == 1


def test_marker_budget_failure_gives_figure_and_budget(single_run: Run) -> None:
    single_run.result.stdout.fnmatch_lines(
        [
            "*_ test_tiny_budget _*",
        ]
    )
    single_run.result.stdout.re_match_lines([BUDGET_LINE + r" \(server 0\)$"])
    figure = re.search(r"reset\[lua\] took ([0-9.e-]+) s", single_run.stdout)
    assert figure is not None and float(figure.group(1)) > 0.000001


def test_junit_xml_carries_phase_properties(single_run: Run) -> None:
    suite = ET.fromstring(single_run.files["junit.xml"])
    properties = {
        case.get("name"): {p.get("name"): float(p.get("value")) for p in case.iter("property")}
        for case in suite.iter("testcase")
    }
    assert properties["test_default_session"]["fle_testkit.reset[lua]_s"] > 0
    assert properties["test_save_reset"]["fle_testkit.reset[save]_s"] > 0
    assert "fle_testkit.bootstrap_s" in properties["test_default_session"]  # the first test starts the server


def test_perf_report_is_saved_with_schema_2(single_run: Run) -> None:
    reports = [name for name in single_run.files if name.startswith(".fle/perf/")]
    assert len(reports) == 1 and re.fullmatch(r"\.fle/perf/[^/]+/0001_[^/]+\.json", reports[0]), reports
    report = json.loads(single_run.files[reports[0]])
    assert report["schema"] == 2
    assert {"reset[lua]", "reset[save]", "bootstrap"} <= {b["name"] for b in report["benchmarks"]}
    load = report["fle_testkit"]["load"]  # the run's own CPU (tests, its server) is told from the machine's
    assert load["own_cpus"] > 0 and load["foreign_cpus"] >= 0 and load["seconds"] > 0
    single_run.result.stdout.fnmatch_lines(["fle-testkit: perf report saved to */.fle/perf/*/0001_*.json"])


def test_no_server_or_lock_outlives_a_run_with_a_failure(single_run: Run) -> None:
    assert single_run.leftovers == []
    assert single_run.locks_free == {".fle/saves/0": True}


INI_BUDGET_TESTS = """
import pytest

@pytest.mark.latency_budget(reset=60)
def test_marker_overrides_default(factorio_session, factorio_saves, record):
    record("saves", factorio_saves.path)

def test_default_budget(factorio_session):
    pass

def test_not_reached(factorio_session):
    pass
"""


@pytest.fixture
def ini_run(pytester: pytest.Pytester, shared: SharedRuns) -> Run:
    """Budget and save root from the ini file, stopped by -x after the second test."""

    def make() -> Run:
        pytester.makeini("[pytest]\nlatency_budget = reset=0.000001\nfactorio_saves = ini-saves\n")
        pytester.makeconftest(INNER_CONFTEST)
        pytester.makepyfile(test_ini=INI_BUDGET_TESTS)
        return run_servers(pytester, *SERVER_RUN, "-x", lock_dirs=("ini-saves/0",))

    return shared.get("ini", make)


def test_ini_default_budget_fails_a_test_and_marker_overrides_it(ini_run: Run) -> None:
    ini_run.result.assert_outcomes(passed=1, failed=1)
    ini_run.result.stdout.fnmatch_lines(
        [
            "*_ test_default_budget _*",
        ]
    )
    ini_run.result.stdout.re_match_lines([BUDGET_LINE + r" \(server 0\)$"])
    assert "test_not_reached" not in ini_run.stdout


def test_ini_save_root_is_used(ini_run: Run) -> None:
    ini_run.result.stdout.fnmatch_lines(["fle-testkit: backend * saves ini-saves"])
    assert Path(ini_run.out["saves"]) == ini_run.path / "ini-saves" / "0"


def test_no_server_or_lock_outlives_exitfirst(ini_run: Run) -> None:
    assert ini_run.leftovers == []
    assert ini_run.locks_free == {"ini-saves/0": True}


XDIST_TESTS = """
import pytest

@pytest.mark.latency_budget(reset=60)
@pytest.mark.parametrize("i", range(4))
def test_worker_dir(i, factorio_session, factorio_saves, worker_id, record):
    record(f"{worker_id}-{i}", factorio_saves.path)
    assert factorio_saves.path.name == worker_id[2:]

def test_over_option_budget(factorio_session):
    pass
"""


@pytest.fixture
def xdist_run(pytester: pytest.Pytester, shared: SharedRuns) -> Run:
    """-n 2: a server per worker; a default budget from the option fails one test."""

    def make() -> Run:
        pytester.makeconftest(INNER_CONFTEST)
        pytester.makepyfile(test_workers=XDIST_TESTS)
        with pytest.MonkeyPatch.context() as wide:
            wide.setenv("COLUMNS", "240")  # the short summary cuts lines at the terminal's width
            return run_servers(
                pytester,
                *SERVER_RUN,
                "-n",
                "2",
                "--latency-budget=reset=0.000001",
                "-rf",
                lock_dirs=(".fle/saves/0", ".fle/saves/1"),
                read=(".fle/run/progress-*",),
            )

    return shared.get("xdist", make)


def test_xdist_workers_get_their_own_save_dirs(xdist_run: Run) -> None:
    xdist_run.result.assert_outcomes(passed=4, failed=1)
    seen = {(name.split("-")[0], Path(text)) for name, text in xdist_run.out.items()}
    assert seen == {("gw0", xdist_run.path / ".fle/saves/0"), ("gw1", xdist_run.path / ".fle/saves/1")}


def test_xdist_progress_lines_and_one_merged_table(xdist_run: Run) -> None:
    for worker, n in (("gw0", 0), ("gw1", 1)):
        xdist_run.result.stdout.fnmatch_lines([f"fle-testkit: worker {worker}: bootstrapping * in */.fle/saves/{n}"])
        xdist_run.result.stdout.fnmatch_lines([f"fle-testkit: worker {worker}: ready at 127.0.0.1:*"])
    assert xdist_run.stdout.count("lifecycle timings") == 1
    # Five resets, from both workers: the table is the merge of their timings.
    assert re.search(r"^reset\[lua\]\s+5\s", xdist_run.stdout, re.MULTILINE), xdist_run.stdout
    assert "sent no timings" not in xdist_run.stdout
    assert xdist_run.files == {}  # the progress file is removed at the end


def test_xdist_option_budget_fails_a_test(xdist_run: Run) -> None:
    xdist_run.result.stdout.fnmatch_lines(
        [
            "*_ test_over_option_budget _*",
        ]
    )
    xdist_run.result.stdout.re_match_lines([BUDGET_LINE + r" \(worker gw[01]\)$"])
    # The short summary keeps the figure, also from a worker.
    xdist_run.result.stdout.re_match_lines(
        [r"^FAILED .*test_over_option_budget - AssertionError: Latency budget exceeded: reset\[lua\] took "]
    )


def test_no_server_or_lock_outlives_an_xdist_run(xdist_run: Run) -> None:
    assert xdist_run.leftovers == []
    assert xdist_run.locks_free == {".fle/saves/0": True, ".fle/saves/1": True}


CRASH_TESTS = """
import os

def test_survivor(factorio_session):
    pass

def test_crash(factorio_session, factorio_server, factorio_saves, worker_id, record):
    record("crashed", f"{worker_id} {factorio_saves.path}")
    os._exit(1)
"""


@pytest.fixture
def crash_run(pytester: pytest.Pytester, shared: SharedRuns) -> Run:
    """-n 2, one worker dies mid-test with its server running; no restart."""

    def make() -> Run:
        pytester.makeconftest(INNER_CONFTEST)
        pytester.makepyfile(test_crash=CRASH_TESTS)
        return run_servers(
            pytester, *SERVER_RUN, "-n", "2", "--max-worker-restart=0", lock_dirs=(".fle/saves/0", ".fle/saves/1")
        )

    return shared.get("crash", make)


def test_crashed_worker_is_reported_missing(crash_run: Run) -> None:
    worker, _ = crash_run.out["crashed"].split(" ", 1)
    assert crash_run.result.ret == pytest.ExitCode.TESTS_FAILED
    crash_run.result.stdout.fnmatch_lines(
        [
            "*fle-testkit: lifecycle timings*",
            f"worker {worker} sent no timings (it crashed or was killed): its figures are missing",
        ]
    )


def test_crashed_worker_leaves_no_server_and_frees_its_dir(crash_run: Run) -> None:
    _, saves = crash_run.out["crashed"].split(" ", 1)
    assert crash_run.leftovers == []
    assert crash_run.locks_free[str(Path(saves).relative_to(crash_run.path))] is True
    assert all(crash_run.locks_free.values())


# The two tests below request single_run: run alone, they make it in their own
# pytester directory, so their own run names its test file to leave test_single.py out.


def doctored_baselines(single_run: Run, root: Path, runs: int = 3) -> list[Path]:
    """single_run's report, every time 1000x smaller, saved ``runs`` times as runs of test_compare.py's
    kind under ``root``'s perf storage: any real run of that kind is a regression against them."""
    name = next(n for n in single_run.files if n.startswith(".fle/perf/"))
    paths = []
    for number in range(1, runs + 1):
        report = json.loads(single_run.files[name])
        report["fle_testkit"].update(suite=["test_compare.py"], workers=1)
        # Measured on a machine others had whole: no run of these tests (under xdist, beside other
        # tests) can be busier than that, and be not judged for it.
        cpus = os.cpu_count() or 1
        report["fle_testkit"]["load"] = {"foreign_cpus": cpus, "own_cpus": 0.5, "seconds": 10.0, "cpu_count": cpus}
        for benchmark in report["benchmarks"]:
            scale = 1000 * (1 + number / 100)  # runs differ a little, as real runs do
            benchmark["stats"] = {
                k: v / scale if isinstance(v, float) and k != "ops" else v for k, v in benchmark["stats"].items()
            }
            # As if measured often enough to count (verdict.MIN_ROUNDS), whatever single_run hit.
            benchmark["stats"]["rounds"] = max(benchmark["stats"]["rounds"], 3)
        path = root / ".fle" / "perf" / machine_id() / f"{number:04d}_baseline.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report))
        paths.append(path)
    return paths


COMPARE_TESTS = """
import pytest

# Three tests, three resets: a run needs 3 rounds of a phase for the verdict to judge it.
@pytest.mark.parametrize("round_", range(3))
def test_one(factorio_session, factorio_saves, record, round_):
    record("saves", factorio_saves.path)
"""


def test_perf_compare_fail_rule_fails_the_run_on_regression(single_run: Run, pytester: pytest.Pytester) -> None:
    doctored_baselines(single_run, pytester.path)
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile(test_compare=COMPARE_TESTS)
    run = run_servers(
        pytester,
        *SERVER_RUN,
        "--factorio-saves=custom",
        "test_compare.py",
        "--perf-compare",
        "--perf-compare-fail=median:10%",
    )
    run.result.assert_outcomes(passed=3)
    assert run.result.ret == pytest.ExitCode.TESTS_FAILED
    run.result.stdout.fnmatch_lines(["this run against 3 runs (0001_baseline .. 0003_baseline); *", REGRESSED])
    run.result.stdout.re_match_lines([r"^reset\[lua\] +median:10% .* REGRESSED$", r"^\treset\[lua\] - median:10%: "])
    # The save root from the option is where the server's directory landed.
    run.result.stdout.fnmatch_lines(["fle-testkit: backend * saves custom"])
    assert Path(run.out["saves"]) == run.path / "custom" / "0"
    assert run.leftovers == []


def test_perf_compare_with_generous_rule_passes(
    single_run: Run, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    doctored_baselines(single_run, pytester.path)
    monkeypatch.setenv("FLE_TESTKIT_SAVES", "env-saves")
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile(test_compare=COMPARE_TESTS)
    run = run_servers(
        pytester, *SERVER_RUN, "test_compare.py", "--perf-compare", "--perf-compare-fail=median:100000000%"
    )
    assert run.result.ret == pytest.ExitCode.OK
    run.result.stdout.fnmatch_lines(["this run against 3 runs *"])
    run.result.stdout.re_match_lines([r"^reset\[lua\] +median:1e\+08% .* within limit$"])
    assert REGRESSED not in run.stdout
    # The save root from the environment is where the server's directory landed.
    assert Path(run.out["saves"]) == run.path / "env-saves" / "0"
    assert run.leftovers == []


def test_one_baseline_run_is_inconclusive_and_fails_nothing(single_run: Run, pytester: pytest.Pytester) -> None:
    (baseline, *_) = doctored_baselines(single_run, pytester.path, runs=1)
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile(test_compare=COMPARE_TESTS)
    run = run_servers(
        pytester, *SERVER_RUN, "test_compare.py", f"--perf-compare={baseline}", "--perf-compare-fail=median:10%"
    )
    assert run.result.ret == pytest.ExitCode.OK
    run.result.stdout.fnmatch_lines(
        ["*Inconclusive (*): not judged, neither passed nor failed:", "*1 baseline run measured it; 3 needed*"]
    )
    assert REGRESSED not in run.stdout


def test_a_failing_test_carries_its_servers_last_log_lines(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_breaks(factorio_session):
            factorio_session.client.lua("log('a line the failure report must show')")
            assert False, "broken on purpose"
        """
    )
    result = pytester.runpytest_subprocess(*QUIET, "--factorio-backend=embedded")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*fle-testkit: server 0 log (pid *)*", "*Script *: a line the failure report must show*"]
    )


def test_external_endpoints_from_the_option_are_comma_separated() -> None:
    from fle_testkit.settings import BY_NAME, resolve

    values = resolve(BY_NAME["factorio_external"], ["127.0.0.1:27000,127.0.0.1:27001"], None, environ={})
    assert values == ["127.0.0.1:27000", "127.0.0.1:27001"]
    assert resolve(BY_NAME["factorio_external"], None, ["a:1, b:2"], environ={}) == ["a:1", "b:2"]


def test_settings_resolve_from_getoption_getini_and_environ() -> None:
    options = {"factorio_external": ["127.0.0.1:27000,127.0.0.1:27001"]}
    ini = {"factorio_saves": "ini-saves"}
    settings = Settings.resolve(
        lambda dest: options.get(dest), lambda key: ini.get(key), {"FLE_TESTKIT_READY_TIMEOUT": "5"}
    )
    assert settings.factorio_external == ("127.0.0.1:27000", "127.0.0.1:27001")
    assert (settings.factorio_saves, settings.factorio_ready_timeout) == ("ini-saves", 5.0)
    assert settings.factorio_backend == "auto"


def test_a_shared_server_a_test_killed_comes_back_for_the_next_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_kills_it(factorio_session):
            factorio_session.server.kill()

        def test_still_has_a_game(factorio_session):
            assert factorio_session.client.eval("1 + 1") == 2
        """
    )
    result = pytester.runpytest_subprocess(*QUIET, "--factorio-backend=embedded")
    result.assert_outcomes(passed=2)


def test_a_first_compare_run_saves_its_report_and_compares_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(USES_SERVER)
    result = pytester.runpytest_subprocess(
        *QUIET, "--factorio-backend=embedded", "--perf-report", "--perf-compare-fail=median:10%"
    )
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "*no saved perf report of this kind (suite *, backend embedded, *) to compare with yet*",
            "*perf report saved to *0001_*",
        ]
    )


def test_perf_compare_alone_takes_the_latest_run_of_the_same_kind(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_a=USES_SERVER, test_b=USES_SERVER)
    run = (*QUIET, "--factorio-backend=embedded")
    assert pytester.runpytest_subprocess(*run, "test_a.py", "--perf-report").ret == 0  # 0001: test_a.py
    assert pytester.runpytest_subprocess(*run, "test_b.py", "--perf-report").ret == 0  # 0002: test_b.py, newer
    result = pytester.runpytest_subprocess(*run, "test_a.py", "--perf-compare")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["this run against 0001_*"])
    result = pytester.runpytest_subprocess(*run, "test_a.py", "--perf-compare=2")
    result.stdout.fnmatch_lines(
        ["this run against 0002_*", "The runs differ (not like with like):", "\tsuite: test_b.py -> test_a.py"]
    )


def test_a_test_path_taken_as_a_perf_options_value_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_a="def test_nothing(): pass")
    result = pytester.runpytest(*QUIET, "--perf-compare", "test_a.py")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--perf-compare took 'test_a.py', a test path, as its value*"])


def test_a_test_that_hangs_its_server_fails_saying_so_and_the_next_gets_a_recovered_server(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import threading

        def test_hangs_it(factorio_session):
            factorio_session.client.lua("storage.before_the_hang = true")
            factorio_session.client.send("/sc while true do end", timeout=120)

        def test_after_the_hang(factorio_session):
            assert factorio_session.client.eval("1 + 1") == 2
        """
    )
    result = pytester.runpytest_subprocess(
        *QUIET, "--factorio-backend=embedded", "--factorio-command-timeout=1", "-rA", timeout=180
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*server 0 answered no RCON command for 1 s (--factorio-command-timeout): it is hung, busy with "
            "the command '/sc while true do end'. fle-testkit ended it (it exited with *",
            "Last log lines:",
        ]
    )
    result.stdout.fnmatch_lines(["*server 0: recovered after a hang in * s*"])
    result.stdout.re_match_lines([r"^recover\s+1\s"])  # the phase is in the timings table


def test_a_server_that_dies_during_a_test_says_how_it_ended(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os, signal

        def test_loses_its_server(factorio_session):
            os.kill(factorio_session.server.process.pid, signal.SIGKILL)
            factorio_session.server.process.wait(10)
            factorio_session.client.eval("1 + 1")
        """
    )
    result = pytester.runpytest_subprocess(*QUIET, "--factorio-backend=embedded")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*fle-testkit: server 0's server exited with signal 9 (SIGKILL)*"])


def test_a_hung_external_server_fails_one_test_and_skips_the_rest(pytester: pytest.Pytester, tmp_path: Path) -> None:
    from emulator_process import write_scenario

    from fle_testkit.backends import EmbeddedBackend
    from fle_testkit.savedir import SaveRoot
    from fle_testkit.server import FactorioServer

    server = FactorioServer(EmbeddedBackend(), SaveRoot(tmp_path / "saves").claim_any(), label="someone else's")
    try:
        server.bootstrap(write_scenario(tmp_path, "lab", ""))
        server.start()
        pytester.makepyfile(
            """
            def test_hangs_it(factorio_client):
                factorio_client.send("/sc while true do end", timeout=120)  # freed by the watchdog

            def test_skipped(factorio_client):
                pass

            def test_skipped_too(factorio_session):
                pass
            """
        )
        result = pytester.runpytest_subprocess(
            *QUIET,
            "--factorio-backend=external",
            f"--factorio-external={server.endpoint}",
            f"--factorio-rcon-password={server.password}",
            "--factorio-command-timeout=1",
            "-rs",
            timeout=180,
        )
        result.assert_outcomes(failed=1, skipped=2)
        result.stdout.fnmatch_lines(["*it is hung*It is not fle-testkit's to end (external backend)*"])
        result.stdout.fnmatch_lines(["SKIPPED*answered no RCON command for 1 s*"])
        assert server.is_alive()  # not ours to end
    finally:
        server.kill()
        server.save_dir.release()
