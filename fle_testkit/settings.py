"""The plugin's settings: one name everywhere, one place for help text.

Each setting has a command-line option (``--factorio-backend``), an ini key
(``factorio_backend``) and an environment variable
(``FLE_TESTKIT_BACKEND``). The first that is set wins, in this order: the
option, the environment, the ini file, the default. "Set" is decided with an
UNSET sentinel, so a falsy value (``0``, ``""``) can win too.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ConfigurationError
from .timings import unknown_phase

UNSET: Any = object()


@dataclass(frozen=True)
class Setting:
    name: str  # option without dashes, e.g. "factorio-backend"
    env: str
    help: str
    default: Any = None
    choices: tuple[str, ...] | None = None
    parse: Callable[[str], Any] = str
    multiple: bool = False  # repeatable option / comma-separated env / linelist ini

    @property
    def option(self) -> str:
        return "--" + self.name

    @property
    def ini(self) -> str:
        return self.name.replace("-", "_")

    @property
    def dest(self) -> str:
        return self.ini

    def sources(self) -> str:
        return f"{self.option}, ini {self.ini}, env {self.env}"


def positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise ValueError("must be greater than 0")
    return value


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError("must be 1 or more")
    return value


BACKENDS = ("auto", "embedded", "docker", "binary", "external")
DEFAULT_IMAGE = "factoriotools/factorio:2.0.73"

SETTINGS: tuple[Setting, ...] = (
    Setting(
        "factorio-backend",
        "FLE_TESTKIT_BACKEND",
        "how servers run: auto (docker when an engine answers and the image is present, else embedded), "
        "embedded, docker, binary or external",
        "auto",
        BACKENDS,
    ),
    Setting("factorio-image", "FLE_TESTKIT_IMAGE", "docker image of the docker backend", DEFAULT_IMAGE),
    Setting("factorio-binary", "FLE_TESTKIT_BINARY", "path of a local Factorio's bin/x64/factorio (binary backend)"),
    Setting(
        "factorio-external",
        "FLE_TESTKIT_EXTERNAL",
        "RCON endpoints HOST:PORT of running servers, one per worker, comma-separated (external backend)",
        multiple=True,
    ),
    Setting(
        "factorio-rcon-password",
        "FLE_TESTKIT_RCON_PASSWORD",
        "RCON password of external servers (servers fle-testkit starts get a random one)",
    ),
    Setting(
        "factorio-scenario",
        "FLE_TESTKIT_SCENARIO",
        "base scenario to bootstrap from: 'lab' (fle-testkit's) or a scenario directory",
        "lab",
    ),
    Setting("factorio-saves", "FLE_TESTKIT_SAVES", "root of the save directories (.fle/saves/{n})", ".fle/saves"),
    Setting(
        "factorio-ready-timeout",
        "FLE_TESTKIT_READY_TIMEOUT",
        "seconds a server may take to be ready",
        120.0,
        parse=float,
    ),
    Setting(
        "factorio-command-timeout",
        "FLE_TESTKIT_COMMAND_TIMEOUT",
        "seconds a server may take to answer a command; one that does not is hung: it is killed and restarted "
        "from its newest good save, and the test that hung it fails",
        60.0,
        parse=float,
    ),
    Setting(
        "fle-game-speed",
        "FLE_TESTKIT_FLE_GAME_SPEED",
        "game speed of the FLE plugin's instances (default: FLE's own, 10, as its tests set it)",
        parse=positive_float,
    ),
    Setting(
        "latency-budget",
        "FLE_TESTKIT_LATENCY_BUDGET",
        "default budget PHASE=SECONDS (reset, restart, bootstrap, start, save...), repeatable; "
        "a test whose measured phase exceeds it fails",
        multiple=True,
    ),
    Setting(
        "perf-report",
        "FLE_TESTKIT_PERF_REPORT",
        "write the run's reset/restart report under .fle/perf/ (optionally with this name)",
    ),
    Setting(
        "perf-compare", "FLE_TESTKIT_PERF_COMPARE", "compare with a saved report: its number, its path, or 'latest'"
    ),
    Setting(
        "perf-compare-fail",
        "FLE_TESTKIT_PERF_COMPARE_FAIL",
        "fail the run when FIELD is slower beyond a limit, e.g. median:10% (fields min, max, mean, median, p95), "
        "and beyond the run-to-run noise of the baseline runs",
        multiple=True,
    ),
    Setting(
        "perf-baseline-runs",
        "FLE_TESTKIT_PERF_BASELINE_RUNS",
        "how many saved runs of the same kind make the baseline of --perf-compare (3 at least to judge)",
        default=10,  # perf.verdict.DEFAULT_RUNS (settings may not import perf: same layer)
        parse=positive_int,
    ),
)

BY_NAME = {s.dest: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """Every setting's winning value, typed, for one run; fields are named as ``SETTINGS`` names them.

    Written out rather than generated, so a reader (and a type checker) sees
    each field; a unit test keeps the fields and defaults in step with
    ``SETTINGS``. Repeatable settings are tuples, so the whole is immutable.
    """

    factorio_backend: str = "auto"
    factorio_image: str = DEFAULT_IMAGE
    factorio_binary: str | None = None
    factorio_external: tuple[str, ...] = ()
    factorio_rcon_password: str | None = None
    factorio_scenario: str = "lab"
    factorio_saves: str = ".fle/saves"
    factorio_ready_timeout: float = 120.0
    factorio_command_timeout: float = 60.0
    fle_game_speed: float | None = None
    latency_budget: tuple[str, ...] = ()
    perf_report: str | None = None
    perf_compare: str | None = None
    perf_compare_fail: tuple[str, ...] = ()
    perf_baseline_runs: int = 10

    @classmethod
    def resolve(
        cls,
        getoption: Callable[[str], Any],
        getini: Callable[[str], Any],
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        """Each setting from its option (``getoption(dest)``), the environment, its ini key (``getini(ini)``)."""
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            value = resolve(setting, getoption(setting.dest), getini(setting.ini), environ)
            values[setting.dest] = tuple(value) if setting.multiple else value
        return cls(**values)


def resolve(setting: Setting, option_value: Any, ini_value: Any, environ: Mapping[str, str] | None = None) -> Any:
    """The winning value of one setting (option, then env, then ini, then default)."""
    environ = os.environ if environ is None else environ
    raw: Any = UNSET
    if option_value is not None and option_value != []:
        raw = option_value
    elif environ.get(setting.env, "") != "":  # an empty variable counts as unset, like an empty ini value
        raw = [environ[setting.env]] if setting.multiple else environ[setting.env]
    elif ini_value not in (None, "", []):
        raw = ini_value
    if raw is UNSET:
        return setting.default if not setting.multiple else []
    if setting.multiple:  # "a,b" is two values from any source: option, env or ini
        raw = [part.strip() for item in raw for part in str(item).split(",") if part.strip()]
    try:
        value = [setting.parse(v) for v in raw] if setting.multiple else setting.parse(raw)
    except (TypeError, ValueError) as error:
        raise ConfigurationError(
            f"{setting.option}: {raw!r} is not valid ({error}); set via {setting.sources()}"
        ) from error
    if setting.choices and value not in setting.choices:
        raise ConfigurationError(
            f"{setting.option}: {value!r} is not one of {', '.join(setting.choices)}; set via {setting.sources()}"
        )
    return value


def parse_budgets(entries: Iterable[str], origin: str = "--latency-budget") -> dict[str, float]:
    """``["reset=0.5", "restart=2"]`` -> ``{"reset": 0.5, "restart": 2.0}``."""
    budgets: dict[str, float] = {}
    for entry in entries:
        for part in str(entry).split(","):
            phase, sep, seconds = part.strip().partition("=")
            try:
                if not sep or not phase:
                    raise ValueError("expected PHASE=SECONDS")
                problem = unknown_phase(phase.strip())
                if problem is not None:
                    raise ValueError(problem)
                budgets[phase.strip()] = float(seconds)
            except ValueError as error:
                raise ConfigurationError(
                    f"{origin}: {part.strip()!r} is not PHASE=SECONDS (e.g. reset=0.5): {error}"
                ) from error
    return budgets
