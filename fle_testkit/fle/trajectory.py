"""A recorded agent run of an FLE task, one TOML file per trajectory, and what it must reach.

A trajectory names the FLE task it plays (a key of FLE's task registry, e.g.
``iron_ore_throughput``), the map it was recorded on, the variant (FLE's
``ThroughputTask`` researches every technology; ``unresearched`` overrides
that and says so), an inventory that replaces the task's (optional, and said
so), when FLE's verifier runs (after every step, as FLE's environment does,
or once at the end), the game speed (FLE's runner's 10 unless it says), the
steps (FLE programs, run as FLE's gym environment runs an agent's program)
and the expected performance, each figure with its tolerance::

    task = "iron_ore_throughput"
    map = "fle-lab"
    variant = "researched"
    verification = "every-step"

    [[steps]]
    note = "three burner drills into chests"
    code = '''
    ...
    '''

    [expect]
    success = true
    throughput = {value = 45, rel = 0.1}
    produced = {iron-ore = {value = 90, rel = 0.5}}

TOML because a trajectory is read in review: programs stay multi-line
strings, every field is named, and a diff shows what changed.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigurationError

VARIANTS = ("researched", "unresearched")
VERIFICATIONS = ("every-step", "final")
#: Maps a trajectory may name: the emulator's FLE lab map, which FLE's scenario plays on the
#: embedded server (real Factorio plays FLE's own lab map from its blueprint.zip).
MAPS = ("fle-lab",)
_TOP_KEYS = {
    "task",
    "map",
    "variant",
    "inventory",
    "verification",
    "speed",
    "steps",
    "expect",
    "budgets",
    "description",
}
#: The game speed FLE's runner plays at (fle/env/gym_env/registry.py sets 10). A holdout is
#: FLE's ``sleep`` in wall-clock time, so its window also holds the round trips around it: the
#: faster the game, the more ticks those add to a measured throughput.
FLE_RUNNER_SPEED = 10.0


class TrajectoryError(ConfigurationError):
    """A trajectory file that cannot be read: the message names the file and the field."""


@dataclass(frozen=True)
class Tolerance:
    """An expected figure: ``value`` within ``abs`` or ``rel`` x ``value``, whichever is wider, and
    ``over`` x ``value`` more above it. ``over`` is for FLE's holdouts: a holdout is ``sleep(60)`` in
    wall time between two reads of the statistics, so its window holds the round trips around the
    sleep too, and a loaded machine measures more than the game's rate, never less."""

    value: float
    rel: float = 0.0
    abs: float = 0.0
    over: float = 0.0

    @property
    def slack(self) -> float:
        return max(self.abs, self.rel * abs(self.value))

    def holds(self, measured: float) -> bool:
        if not math.isfinite(measured):
            return False
        above = self.slack + self.over * abs(self.value) + 1e-9
        return -self.slack - 1e-9 <= measured - self.value <= above

    def describe(self) -> str:
        said = f"{self.value:g} ± {self.slack:g}"
        return said + (f" (+{self.over:.0%})" if self.over else "")

    def to_dict(self) -> dict[str, float]:
        found = {"value": self.value, "rel": self.rel, "abs": self.abs}
        return found | ({"over": self.over} if self.over else {})


@dataclass(frozen=True)
class Expectation:
    """What the replay must reach: FLE's task verdict, and figures within tolerance (None: not checked)."""

    success: bool | None = None
    throughput: Tolerance | None = None  # the task verifier's best holdout
    score: Tolerance | None = None  # FLE's production score at the end
    # Items made over the whole replay, holdouts included: the sum of each step's flow delta
    # (FLE's ``ProductionFlows.get_new_flows``, its ``output``), by item name.
    produced: dict[str, Tolerance] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        """Nothing expected yet (a run imported from program files records no performance)."""
        return self.success is None and self.throughput is None and self.score is None and not self.produced

    def to_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {} if self.success is None else {"success": self.success}
        for name, tolerance in (("throughput", self.throughput), ("score", self.score)):
            if tolerance is not None:
                found[name] = tolerance.to_dict()
        if self.produced:
            found["produced"] = {item: tolerance.to_dict() for item, tolerance in sorted(self.produced.items())}
        return found


@dataclass(frozen=True)
class Step:
    code: str
    note: str = ""


@dataclass(frozen=True)
class Trajectory:
    task: str
    steps: tuple[Step, ...]
    expect: Expectation
    map: str = "fle-lab"
    variant: str = "researched"
    inventory: dict[str, int] | None = None  # replaces the task's starting inventory
    verification: str = "every-step"
    speed: float = FLE_RUNNER_SPEED
    budgets: dict[str, float] = field(default_factory=dict)  # latency budgets, phase -> seconds
    description: str = ""
    path: Path | None = None

    @property
    def name(self) -> str:
        return self.path.stem if self.path is not None else self.task

    def to_dict(self) -> dict[str, Any]:
        """The file's fields, as :meth:`from_dict` reads them (what the recorder writes)."""
        data: dict[str, Any] = {"task": self.task, "map": self.map, "variant": self.variant}
        if self.description:
            data = {"description": self.description, **data}
        if self.inventory is not None:
            data["inventory"] = dict(self.inventory)
        data["verification"] = self.verification
        data["speed"] = self.speed
        data["steps"] = [
            {"note": step.note, "code": step.code} if step.note else {"code": step.code} for step in self.steps
        ]
        data["expect"] = self.expect.to_dict()
        if self.budgets:
            data["budgets"] = dict(self.budgets)
        return data

    @property
    def overrides(self) -> list[str]:
        """How this trajectory departs from the task's own setup (said in reports)."""
        said = []
        if self.variant != "researched":
            said.append(f"variant {self.variant} (the task researches everything)")
        if self.inventory is not None:
            said.append("its own inventory (not the task's)")
        return said

    @classmethod
    def load(cls, path: str | Path) -> Trajectory:
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as error:
            raise TrajectoryError(f"{path}: no such trajectory file") from error
        except tomllib.TOMLDecodeError as error:
            raise TrajectoryError(f"{path}: not TOML: {error}") from error
        return cls.from_dict(data, path)

    @classmethod
    def from_dict(cls, data: dict[str, Any], path: Path | None = None) -> Trajectory:
        where = str(path) if path is not None else "trajectory"

        def fail(message: str) -> TrajectoryError:
            return TrajectoryError(f"{where}: {message}")

        unknown = sorted(set(data) - _TOP_KEYS)
        if unknown:
            raise fail(f"unknown field(s) {', '.join(unknown)}; fields are {', '.join(sorted(_TOP_KEYS))}")
        task = data.get("task")
        if not isinstance(task, str) or not task:
            raise fail("'task' must name an FLE task (e.g. \"iron_ore_throughput\")")
        choices = {"map": MAPS, "variant": VARIANTS, "verification": VERIFICATIONS}
        chosen = {key: data.get(key, options[0]) for key, options in choices.items()}
        for key, options in choices.items():
            if chosen[key] not in options:
                raise fail(f"{key!r} is {chosen[key]!r}; one of {', '.join(options)}")
        steps = data.get("steps")
        if not isinstance(steps, list) or not steps:
            raise fail("'steps' must be a non-empty array of tables with 'code'")
        parsed_steps = []
        for number, step in enumerate(steps, start=1):
            if not isinstance(step, dict) or not isinstance(step.get("code"), str) or not step["code"].strip():
                raise fail(f"step {number} needs 'code', an FLE program")
            parsed_steps.append(Step(code=step["code"], note=str(step.get("note", ""))))
        inventory = data.get("inventory")
        if inventory is not None and (
            not isinstance(inventory, dict)
            or not all(isinstance(k, str) and isinstance(v, int) and v >= 0 for k, v in inventory.items())
        ):
            raise fail("'inventory' must map item names to counts >= 0")
        speed = data.get("speed", FLE_RUNNER_SPEED)
        if isinstance(speed, bool) or not isinstance(speed, (int, float)) or speed <= 0:
            raise fail("'speed' must be a game speed > 0 (FLE's runner plays at 10)")
        budgets = data.get("budgets", {})
        if not isinstance(budgets, dict) or not all(isinstance(v, (int, float)) and v > 0 for v in budgets.values()):
            raise fail("'budgets' must map phases to seconds > 0")
        return cls(
            task=task,
            steps=tuple(parsed_steps),
            expect=_expectation(data.get("expect"), fail),
            map=chosen["map"],
            variant=chosen["variant"],
            inventory=dict(inventory) if inventory is not None else None,
            verification=chosen["verification"],
            speed=float(speed),
            budgets={str(k): float(v) for k, v in budgets.items()},
            description=str(data.get("description", "")),
            path=path,
        )


def _expectation(data: Any, fail: Any) -> Expectation:
    if data is None:
        return Expectation()
    if not isinstance(data, dict):
        raise fail("'expect' must be a table of what the replay reaches (success, throughput, score, produced)")
    unknown = sorted(set(data) - {"success", "throughput", "score", "produced"})
    if unknown:
        raise fail(f"unknown expectation(s) {', '.join(unknown)}; expect success, throughput, score or produced")
    success = data.get("success")
    if success is not None and not isinstance(success, bool):
        raise fail("'expect.success' must be true or false")
    produced = data.get("produced", {})
    if not isinstance(produced, dict):
        raise fail("'expect.produced' must be a table of item names to what the replay makes of each")
    return Expectation(
        success=success,
        throughput=_optional_tolerance(data.get("throughput"), "throughput", fail),
        score=_optional_tolerance(data.get("score"), "score", fail),
        produced={str(item): _tolerance(wanted, f"produced.{item}", fail) for item, wanted in produced.items()},
    )


def _optional_tolerance(data: Any, name: str, fail: Any) -> Tolerance | None:
    return None if data is None else _tolerance(data, name, fail)


def _tolerance(data: Any, name: str, fail: Any) -> Tolerance:
    if isinstance(data, (int, float)) and not isinstance(data, bool):
        return Tolerance(float(data))
    if not isinstance(data, dict) or not isinstance(data.get("value"), (int, float)):
        raise fail(f"'expect.{name}' must be a number or {{value = N, rel = R, abs = A, over = O}}")
    extra = sorted(set(data) - {"value", "rel", "abs", "over"})
    if extra:
        raise fail(f"'expect.{name}' has unknown key(s) {', '.join(extra)}")
    rel, absolute, over = data.get("rel", 0.0), data.get("abs", 0.0), data.get("over", 0.0)
    if not all(isinstance(v, (int, float)) and v >= 0 for v in (rel, absolute, over)):
        raise fail(f"'expect.{name}' tolerances must be numbers >= 0")
    return Tolerance(float(data["value"]), float(rel), float(absolute), float(over))
