"""The trajectory format: what a file must say, the errors that name what is wrong, and how a
replay's figures are held to the expectations (no server: the replay's results are made here)."""

from __future__ import annotations

import math
from pathlib import Path

import oracle
import pytest

from fle_testkit.fle.replay import Replay, StepResult, keep_failed_save, rebaseline
from fle_testkit.fle.trajectory import Expectation, Tolerance, Trajectory, TrajectoryError

REFERENCES = Path(__file__).parents[2] / "functional" / "trajectories"
MINIMAL = {"task": "iron_ore_throughput", "steps": [{"code": "print(1)"}], "expect": {"success": True}}


def test_the_reference_trajectories_load_and_say_where_they_depart_from_their_task() -> None:
    """A reference named after its task plays the task's own setup (every technology, its inventory); any
    other says how it departs, and at least one researches on the unresearched variant."""
    files = sorted(REFERENCES.glob("*.toml"))
    assert {path.stem for path in files} >= {"iron_ore_throughput", "iron_plate_throughput"}
    loaded = [Trajectory.load(path) for path in files]
    for trajectory in loaded:
        assert trajectory.steps and trajectory.expect.success is True
        own_setup = trajectory.name == trajectory.task
        assert (trajectory.overrides == []) == own_setup, trajectory.name
    assert any(trajectory.variant == "unresearched" for trajectory in loaded)


HOLDOUT = 60  # seconds: FLE's ThroughputTask measures a 60-second holdout
FLE_WELL = 300_000  # a crude-oil well's amount after FLE's reset


def _burner_iron(machines: int) -> float:
    return machines * oracle.mining_rate("burner-mining-drill", "iron-ore") * HOLDOUT


def _copper_circuits(lines: int) -> float:
    """Circuits a holdout from the cable of ``lines`` burner copper lines (drill-limited)."""
    plates = lines * oracle.mining_rate("burner-mining-drill", "copper-ore")
    return (
        plates * _product("copper-cable", "copper-cable") / _ingredient("electronic-circuit", "copper-cable") * HOLDOUT
    )


def _product(recipe: str, item: str) -> int:
    """How many of ``item`` one craft of ``recipe`` makes."""
    return sum(r["amount"] for r in oracle.recipe(recipe)["results"] if r["name"] == item)


def _ingredient(recipe: str, item: str) -> int:
    """How many of ``item`` one craft of ``recipe`` takes."""
    return sum(i["amount"] for i in oracle.recipe(recipe)["ingredients"] if i["name"] == item)


#: What each reference trajectory's build makes a holdout by Factorio's rates (the oracle reads
#: only the prototype data): a reference expects these, never what the emulator printed.
ORACLE_THROUGHPUT = {
    "iron_ore_throughput": lambda: _burner_iron(3),  # three burner drills into chests
    # three drill -> furnace pairs: the drill (0.25/s) is slower than the furnace (0.3125/s)
    "iron_plate_throughput": lambda: min(
        _burner_iron(3), 3 * oracle.crafting_rate("stone-furnace", "iron-plate") * HOLDOUT
    ),
    # five steel furnaces, each fed by an iron furnace that two drills keep busy
    "steel_plate_throughput": lambda: 5 * oracle.crafting_rate("stone-furnace", "steel-plate") * HOLDOUT,
    # three drill -> furnace pairs feed an assembling machine 2 (1.5 gears/s: not the limit)
    "iron_gear_wheel_throughput": lambda: _burner_iron(3) / _ingredient("iron-gear-wheel", "iron-plate"),
    # two assembling machines 2 on red science, fed gears and copper plates to spare
    "automation_science_pack_throughput": lambda: (
        2 * oracle.crafting_rate("assembling-machine-2", "automation-science-pack") * HOLDOUT
    ),
    # two burner copper lines make cable for a circuit machine (the iron comes to spare)
    "electronic_circuit_throughput": lambda: (
        2
        * oracle.mining_rate("burner-mining-drill", "copper-ore")
        * _product("copper-cable", "copper-cable")
        / _ingredient("electronic-circuit", "copper-cable")
        * HOLDOUT
    ),
    # the same copper-limited circuits, one an inserter (gears and plates to spare)
    "inserter_throughput": lambda: (
        2
        * oracle.mining_rate("burner-mining-drill", "copper-ore")
        * _product("copper-cable", "copper-cable")
        / _ingredient("electronic-circuit", "copper-cable")
        / _ingredient("inserter", "electronic-circuit")
        * HOLDOUT
    ),
    # a pumpjack on a well FLE's reset left at 300,000 (fle/env/tools/admin/regenerate_resources/server.lua:9)
    "crude_oil_throughput": lambda: (
        oracle.pumpjack_cycle_units("crude-oil", FLE_WELL)
        * oracle.pumpjack_cycles_per_second("pumpjack", "crude-oil")
        * HOLDOUT
    ),
    # the unresearched variant: labs research steel-processing, then the five steel lines above
    "steel_plate_after_research": lambda: 5 * oracle.crafting_rate("stone-furnace", "steel-plate") * HOLDOUT,
}


@pytest.mark.parametrize("path", sorted(REFERENCES.glob("*.toml")), ids=lambda path: path.stem)
def test_each_reference_trajectory_expects_the_oracles_rate(path: Path) -> None:
    assert path.stem in ORACLE_THROUGHPUT, f"{path.name}: say what the oracle expects of it in ORACLE_THROUGHPUT"
    expected = Trajectory.load(path).expect.throughput
    assert expected is not None and expected.value == float(ORACLE_THROUGHPUT[path.stem]())


def test_defaults_and_overrides_are_said() -> None:
    plain = Trajectory.from_dict(MINIMAL)
    assert (plain.map, plain.variant, plain.verification, plain.inventory, plain.speed) == (
        "fle-lab",
        "researched",
        "every-step",
        None,
        10.0,
    )
    own = Trajectory.from_dict({**MINIMAL, "variant": "unresearched", "inventory": {"coal": 5}})
    assert own.overrides == [
        "variant unresearched (the task researches everything)",
        "its own inventory (not the task's)",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pace": 3}, "unknown field(s) pace"),
        ({"task": ""}, "'task' must name an FLE task"),
        ({"variant": "half"}, "'variant' is 'half'; one of researched, unresearched"),
        ({"verification": "never"}, "'verification' is 'never'; one of every-step, final"),
        ({"map": "nauvis"}, "'map' is 'nauvis'; one of fle-lab"),
        ({"steps": []}, "'steps' must be a non-empty array"),
        ({"steps": [{"code": "  "}]}, "step 1 needs 'code'"),
        ({"inventory": {"coal": -1}}, "'inventory' must map item names to counts >= 0"),
        ({"budgets": {"reset": 0}}, "'budgets' must map phases to seconds > 0"),
        ({"speed": 0}, "'speed' must be a game speed > 0"),
        ({"expect": 5}, "'expect' must be a table"),
        ({"expect": {"speed": 1}}, "unknown expectation(s) speed"),
        ({"expect": {"success": "yes"}}, "'expect.success' must be true or false"),
        ({"expect": {"throughput": {"rel": 0.1}}}, "'expect.throughput' must be a number or"),
        ({"expect": {"throughput": {"value": 5, "slack": 1}}}, "has unknown key(s) slack"),
        ({"expect": {"score": {"value": 5, "rel": -1}}}, "tolerances must be numbers >= 0"),
        ({"expect": {"score": {"value": 5, "over": -0.1}}}, "tolerances must be numbers >= 0"),
        ({"expect": {"produced": 5}}, "'expect.produced' must be a table of item names"),
        ({"expect": {"produced": {"iron-plate": "lots"}}}, "'expect.produced.iron-plate' must be a number"),
    ],
)
def test_a_bad_field_is_named_with_the_file(change: dict, message: str) -> None:
    with pytest.raises(TrajectoryError) as raised:
        Trajectory.from_dict({**MINIMAL, **change}, Path("bad.toml"))
    assert str(raised.value).startswith("bad.toml: ") and message in str(raised.value)


def test_nothing_expected_is_allowed_and_said() -> None:
    bare = Trajectory.from_dict({"task": "iron_ore_throughput", "steps": [{"code": "print(1)"}]})
    assert bare.expect.is_empty and not Trajectory.from_dict(MINIMAL).expect.is_empty
    only_made = Trajectory.from_dict({**MINIMAL, "expect": {"produced": {"iron-plate": 4}}})
    assert not only_made.expect.is_empty


def test_a_trajectory_reads_back_what_it_writes() -> None:
    full = Trajectory.from_dict(
        {
            **MINIMAL,
            "description": "why",
            "variant": "unresearched",
            "inventory": {"coal": 5},
            "speed": 20,
            "steps": [{"code": "a = 1", "note": "first"}, {"code": "print(a)"}],
            "expect": {
                "success": False,
                "throughput": {"value": 3, "rel": 0.5},
                "score": 9,
                "produced": {"iron-plate": {"value": 40, "abs": 5}, "iron-ore": 2},
            },
            "budgets": {"reset": 0.5},
        }
    )
    assert Trajectory.from_dict(full.to_dict()) == full


def test_an_unreadable_file_says_which(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("task = \n")
    with pytest.raises(TrajectoryError, match="broken.toml: not TOML"):
        Trajectory.load(broken)
    with pytest.raises(TrajectoryError, match="no such trajectory file"):
        Trajectory.load(tmp_path / "missing.toml")


def test_a_tolerance_takes_the_wider_of_absolute_and_relative() -> None:
    assert Tolerance(45, abs=2).holds(43) and not Tolerance(45, abs=2).holds(42.9)
    assert Tolerance(100, rel=0.1, abs=2).slack == 10
    assert not Tolerance(0).holds(math.nan)
    assert Tolerance(45, abs=2).describe() == "45 ± 2"


def test_over_widens_a_tolerance_upwards_only() -> None:
    """FLE's holdout windows run long on a loaded machine, never short: more than the rate, never less."""
    loaded = Tolerance(20, abs=4, over=0.35)
    assert loaded.holds(31) and not loaded.holds(31.1)  # 20 + 4 + 7
    assert loaded.holds(16) and not loaded.holds(15.9)  # (below: abs only)
    assert loaded.describe() == "20 ± 4 (+35%)"
    again = Trajectory.from_dict({**MINIMAL, "expect": {"throughput": loaded.to_dict()}}).expect.throughput
    assert again == loaded


def _replay(expect: Expectation, *, success: bool, throughput: float) -> Replay:
    trajectory = Trajectory.from_dict(MINIMAL)
    trajectory = Trajectory(**{**trajectory.__dict__, "expect": expect})
    result = Replay(trajectory, success=success, throughput=throughput, score=10.0)
    result.steps.append(StepResult(1, 1.5, 7440, throughput, success, error=False, output=""))
    return result


def test_a_replay_is_held_to_every_expectation_and_shows_a_table() -> None:
    expect = Expectation(success=True, throughput=Tolerance(45, abs=2))
    assert _replay(expect, success=True, throughput=44).mismatches() == []
    short = _replay(expect, success=False, throughput=30)
    assert [(m.what, m.expected, m.measured) for m in short.mismatches()] == [
        ("success", "True", "False"),
        ("throughput", "45 ± 2", "30"),
    ]
    table = short.table()
    assert "124 s" in table  # 7,440 ticks of game time
    assert "throughput        45 ± 2            30" in table


def _step(number: int, produced: dict[str, float], *, before: float, after: float, state: str = "") -> StepResult:
    return StepResult(number, 1.0, 600 * number, 0.0, False, False, "", before, after, produced, state)


def test_each_step_keeps_its_snapshots_and_the_replay_sums_what_the_steps_made() -> None:
    expect = Expectation(produced={"iron-plate": Tolerance(50, abs=5), "copper-plate": Tolerance(10)})
    result = _replay(expect, success=True, throughput=44)
    result.steps[:] = [
        _step(1, {"iron-ore": 30.0, "iron-plate": 20.0}, before=0.0, after=4.5),
        _step(2, {"iron-plate": 26.0}, before=4.5, after=9.0),
    ]
    assert result.produced == {"iron-ore": 30.0, "iron-plate": 46.0}
    assert result.steps[1].score_delta == 4.5
    assert [(m.what, m.expected, m.measured) for m in result.mismatches()] == [("made copper-plate", "10 ± 0", "0")]
    table = result.table()
    assert "iron-ore 30, iron-plate 20" in table and "made copper-plate" in table


class _Server:
    """A server that saves as FLE's does: a zip in its save directory, whose path it returns."""

    def __init__(self, saves: Path) -> None:
        self.saves = saves

    def save(self, name: str) -> Path:
        saved = self.saves / f"{name}.zip"
        saved.write_bytes(b"PK")
        return saved


def test_a_failed_replay_keeps_its_game_and_each_steps_state_out_of_the_save_directory(tmp_path: Path) -> None:
    saves, kept_root = tmp_path / "saves", tmp_path / "failed"
    saves.mkdir()
    result = _replay(Expectation(success=True), success=False, throughput=0)
    result.steps[:] = [_step(1, {}, before=0, after=1, state='{"tick": 600}'), _step(2, {}, before=1, after=2)]
    kept = keep_failed_save(_Server(saves), result, root=kept_root)
    assert kept.parent == kept_root and kept.suffix == ".zip" and not list(saves.iterdir())
    assert kept.with_suffix(".step1.json").read_text() == '{"tick": 600}'
    assert not kept.with_suffix(".step2.json").exists()  # (FLE gave no state for it)


def test_rebaselining_moves_the_items_it_expected_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    expect = Expectation(success=True, throughput=Tolerance(45, abs=2), produced={"iron-plate": Tolerance(40, rel=0.1)})
    result = _replay(expect, success=True, throughput=45)
    result.steps[:] = [_step(1, {"iron-plate": 60.0, "iron-ore": 80.0}, before=0, after=10)]
    changes = rebaseline(result.trajectory, result, path)
    assert "made iron-plate 40 ± 4 -> 60 ± 6" in changes
    again = Trajectory.load(path).expect
    assert again.produced == {"iron-plate": Tolerance(60, rel=0.1)}  # (iron-ore was not expected: not added)
