"""Replay a trajectory on an FLE instance and judge it by FLE's own task verifier.

The replay does what FLE's runner does for an agent: the task sets the game up
(``task.setup``: its inventory, every technology researched), FLE's gym
environment resets it and runs each step's program through FLE's namespace,
and after every step FLE's ``ThroughputTask.verify`` sleeps holdouts until the
throughput stops rising. The first step whose verdict is a success ends the
run, as in FLE. With ``verification = "final"`` the steps run without the
verifier, and it runs once after the last.

Two of FLE's own behaviours shape the reset, and are kept: the environment's
reset with no game state resets to the instance's inventory (the task's, after
``setup``) and researches everything only if the instance was built to (so the
variant is set on the instance before it); a reset *with* the task's starting
game state would lose the inventory on pydantic 2 (FLE serialises
``Inventory.__dict__``, empty for a model's extra fields), so it is not used.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..timings import Timings, mark
from .trajectory import Expectation, Tolerance, Trajectory

TRAJECTORY_PHASE = "trajectory"
#: Where the game of a replay that missed its expectations is kept, for a look.
FAILED_SAVES = Path(".fle") / "trajectories" / "failed"


@dataclass(frozen=True)
class StepResult:
    """One step and the snapshots around it, as FLE's environment takes them: the production score
    before and after, the flows between (what the step made, holdouts included) and the game state
    after (``GameState.to_raw()``, what a replay could resume from)."""

    number: int
    wall: float  # seconds, the program and (every-step) the verifier's holdouts
    ticks: int  # FLE's elapsed ticks after the step
    reward: float
    success: bool
    error: bool
    output: str
    score_before: float = float("nan")
    score_after: float = float("nan")
    produced: dict[str, float] = field(default_factory=dict)  # item -> made during the step
    state: str = ""

    @property
    def score_delta(self) -> float:
        return self.score_after - self.score_before


@dataclass(frozen=True)
class Mismatch:
    what: str
    expected: str
    measured: str


@dataclass
class Replay:
    """What a replay reached, step by step, and the final verdict of FLE's verifier."""

    trajectory: Trajectory
    steps: list[StepResult] = field(default_factory=list)
    success: bool = False
    throughput: float = float("nan")
    score: float = float("nan")
    verifier_meta: dict[str, Any] = field(default_factory=dict)
    fle_reset: float = 0.0  # seconds FLE's environment took to reset the game before the first step

    @property
    def wall(self) -> float:
        return sum(step.wall for step in self.steps)

    @property
    def game_seconds(self) -> float:
        return self.steps[-1].ticks / 60 if self.steps else 0.0

    @property
    def produced(self) -> dict[str, float]:
        """Items made over the replay: the sum of the steps' flow deltas."""
        total: dict[str, float] = {}
        for step in self.steps:
            for item, amount in step.produced.items():
                total[item] = total.get(item, 0.0) + amount
        return total

    def _figures(self) -> list[tuple[str, Tolerance, float]]:
        expect = self.trajectory.expect
        pairs = [("throughput", expect.throughput, self.throughput), ("score", expect.score, self.score)]
        made = self.produced
        pairs += [(f"made {item}", wanted, made.get(item, 0.0)) for item, wanted in sorted(expect.produced.items())]
        return [(name, wanted, measured) for name, wanted, measured in pairs if wanted is not None]

    def mismatches(self) -> list[Mismatch]:
        expect = self.trajectory.expect
        found = []
        if expect.success is not None and expect.success != self.success:
            found.append(Mismatch("success", str(expect.success), str(self.success)))
        for name, wanted, measured in self._figures():
            if not wanted.holds(measured):
                found.append(Mismatch(name, wanted.describe(), f"{measured:g}"))
        return found

    def table(self) -> str:
        """Each step (wall time, game time, reward, verdict) and each expectation against what it reached."""
        lines = [f"trajectory {self.trajectory.name} ({self.trajectory.task}, {self.trajectory.variant})"]
        lines += [f"  departs from the task: {said}" for said in self.trajectory.overrides]
        lines.append(f"  {'step':>4}  {'wall':>8}  {'game':>8}  {'reward':>8}  {'score +':>8}  {'verdict':<7}  made")
        for step in self.steps:
            verdict = "error" if step.error else ("success" if step.success else "-")
            game = f"{step.ticks / 60:.0f} s"
            made = ", ".join(f"{item} {amount:g}" for item, amount in sorted(step.produced.items())) or "-"
            lines.append(
                f"  {step.number:>4}  {step.wall:>7.2f}s  {game:>8}  {step.reward:>8g}  {step.score_delta:>8.3g}"
                f"  {verdict:<7}  {made}"
            )
        lines.append(f"  {'':>4}  {'expected':>12}  {'measured':>12}")
        expect = self.trajectory.expect
        rows: list[tuple[str, str, str]] = []
        if expect.success is not None:
            rows.append(("success", str(expect.success), str(self.success)))
        rows += [(name, wanted.describe(), f"{measured:g}") for name, wanted, measured in self._figures()]
        lines += [f"  {name:>10}  {wanted:>12}  {measured:>12}" for name, wanted, measured in rows]
        errors = [step for step in self.steps if step.error]
        lines += [
            f"  step {step.number} output:\n    " + step.output.strip().replace("\n", "\n    ") for step in errors
        ]
        return "\n".join(lines)


def replay(trajectory: Trajectory, instance: Any, timings: Timings | None = None) -> Replay:
    """Run ``trajectory`` on ``instance`` (an FLE ``FactorioInstance``) from the task's setup.

    ``timings`` (a server's) gets the replay's wall time as ``trajectory[<name>]``, with the game
    time it covered, FLE's reset and the server's resets and restarts meanwhile, so the lifecycle
    table and the perf report carry them beside the harness's resets and restarts."""
    from fle.env.gym_env.action import Action
    from fle.env.gym_env.environment import FactorioGymEnv
    from fle.eval.tasks import TaskFactory

    task = TaskFactory.create_task(trajectory.task)
    if trajectory.inventory is not None:
        task.starting_inventory = dict(trajectory.inventory)
    task.setup(instance)
    instance.all_technologies_researched = trajectory.variant == "researched"
    instance.set_speed_and_unpause(trajectory.speed)  # the environment keeps the speed it finds
    every_step = trajectory.verification == "every-step"
    env = FactorioGymEnv(instance=instance, task=task if every_step else None, enable_vision=False)
    env.pause_after_action = False
    started_at, started, since = time.time(), time.perf_counter(), mark()
    env.reset(options={"game_state": None})
    result = Replay(trajectory, fle_reset=time.perf_counter() - started)
    score = float(getattr(env, "initial_score", float("nan")))
    for number, step in enumerate(trajectory.steps, start=1):
        began = time.perf_counter()
        _, reward, terminated, _, info = env.step(Action(code=step.code, agent_idx=0))
        wall = time.perf_counter() - began
        before, score = score, float(info.get("production_score", float("nan")))
        result.steps.append(
            StepResult(
                number=number,
                wall=wall,
                ticks=int(info.get("ticks") or 0),
                reward=float(reward),
                success=bool(terminated),
                error=bool(info.get("error_occurred")),
                output=str(info.get("result", "")),
                score_before=before,
                score_after=score,
                produced=_made(info.get("flows")),
                state=_raw(info.get("output_game_state")),
            )
        )
        result.score = score
        if every_step:
            # FLE's ThroughputTask overrides the step's reward with its best holdout's throughput.
            result.success, result.throughput = bool(terminated), float(reward)
            result.verifier_meta = {task.throughput_key: result.throughput}
            if terminated:
                break
    if not every_step:
        response = task.verify(0, instance, step_statistics={})
        result.success = bool(response.success)
        result.verifier_meta = dict(response.meta)
        result.throughput = float(response.meta.get(task.throughput_key, float("nan")))
    if timings is not None:
        during = [record.phase for record in timings.records if record.seq > since]
        figures = {"game_s": result.game_seconds, "fle_reset_s": result.fle_reset}
        figures |= {"resets": during.count("reset"), "restarts": during.count("restart")}
        timings.add(TRAJECTORY_PHASE, time.perf_counter() - started, started_at, trajectory.name, figures)
    return result


def _made(flows: Any) -> dict[str, float]:
    """What a step's flow delta (FLE's ``ProductionFlows``) says was made, item by item."""
    output = getattr(flows, "output", None) or {}
    return {str(item): float(amount) for item, amount in output.items() if amount}


def _raw(state: Any) -> str:
    """A step's game state as FLE serialises it (empty when the environment gave none)."""
    return state.to_raw() if state is not None else ""


def keep_failed_save(server: Any, result: Replay, root: Path = FAILED_SAVES) -> Path:
    """Save the game a replay left and move the file out of the server's save directory, with the
    game state FLE took after each step beside it (``<save>.step<N>.json``).

    Moved, not left there: the newest save in a server's directory is what it starts from next.
    """
    name = result.trajectory.name
    saved = server.save(f"trajectory-{name}")
    root.mkdir(parents=True, exist_ok=True)
    kept = root / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.zip"
    shutil.move(saved, kept)
    for step in result.steps:
        if step.state:
            kept.with_suffix(f".step{step.number}.json").write_text(step.state, encoding="utf-8")
    return kept


#: How far a rebaselined figure may move before it counts as changed, when it had no tolerance.
REBASELINE_REL_TOLERANCE = 0.1


def rebaseline(trajectory: Trajectory, result: Replay, path: Path) -> list[str]:
    """Expect what ``result`` reached: write it into ``path`` and say each change (``old -> new``).

    Tolerances stay as they were (a figure with none gets 10 %); the file is rewritten from its
    fields, so comments in it are not kept.
    """
    from dataclasses import replace

    from .recorder import write

    old = trajectory.expect

    def moved(previous: Tolerance | None, measured: float) -> Tolerance:
        if previous is None:
            return Tolerance(measured, rel=REBASELINE_REL_TOLERANCE)
        return replace(previous, value=measured)

    made = result.produced
    new = Expectation(
        success=result.success,
        throughput=moved(old.throughput, result.throughput),
        score=moved(old.score, result.score),
        # (Only the items it already expected: what a run makes in all counts its holdouts.)
        produced={item: moved(wanted, made.get(item, 0.0)) for item, wanted in old.produced.items()},
    )
    changes = []
    if old.success != new.success:
        changes.append(f"success {old.success} -> {new.success}")
    figures = [("throughput", old.throughput, new.throughput), ("score", old.score, new.score)]
    figures += [(f"made {item}", wanted, new.produced[item]) for item, wanted in sorted(old.produced.items())]
    for name, before, after in figures:
        if before is None or after is None or before.value != after.value:
            changes.append(
                f"{name} {before.describe() if before else 'none'} -> {after.describe() if after else 'none'}"
            )
    write(replace(trajectory, expect=new), path, overwrite=True)
    return changes
