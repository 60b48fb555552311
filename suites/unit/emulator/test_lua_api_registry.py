"""The table from model type to Lua class (``lua_api/registry.py``)."""

from __future__ import annotations

import pytest

from fle_testkit.emulator import gamedata, model
from fle_testkit.emulator.lua_api import registry
from fle_testkit.emulator.lua_api.base import LuaObject
from fle_testkit.emulator.model.burner import Burner
from fle_testkit.emulator.model.inventory import StackRef
from fle_testkit.emulator.model.rendering import RenderObject
from fle_testkit.emulator.model.statistics import FlowStatistics
from fle_testkit.emulator.model.tiles import TileAt
from fle_testkit.emulator.model.transport_lines import TransportLine

SHOWN = {
    model.Entity: "LuaEntity",
    model.Surface: "LuaSurface",
    model.Force: "LuaForce",
    model.Technology: "LuaTechnology",
    model.Recipe: "LuaRecipe",
    model.Inventory: "LuaInventory",
    StackRef: "LuaItemStack",
    Burner: "LuaBurner",
    TransportLine: "LuaTransportLine",
    FlowStatistics: "LuaFlowStatistics",
    RenderObject: "LuaRenderObject",
    TileAt: "LuaTile",
    gamedata.ItemPrototype: "LuaItemPrototype",
    gamedata.EntityPrototype: "LuaEntityPrototype",
    gamedata.RecipePrototype: "LuaRecipePrototype",
    gamedata.FluidPrototype: "LuaFluidPrototype",
    gamedata.TechnologyPrototype: "LuaTechnologyPrototype",
    gamedata.TilePrototype: "LuaTilePrototype",
}


@pytest.mark.parametrize("model_type", list(SHOWN), ids=lambda t: t.__name__)
def test_every_model_type_lua_sees_has_its_class(model_type: type) -> None:
    lua_class = registry.lua_class_of(model_type)
    assert issubclass(lua_class, LuaObject) and lua_class.lua_class_name == SHOWN[model_type]


def test_the_table_holds_nothing_else() -> None:
    assert set(registry.registered()) == set(SHOWN)


def test_a_subclass_is_shown_by_its_base_class() -> None:
    class Chest(model.Entity):
        __slots__ = ()

    assert registry.lua_class_of(Chest) is registry.lua_class_of(model.Entity)


def test_an_unknown_type_is_an_emulator_error() -> None:
    with pytest.raises(registry.RegistryError, match="no Lua class shows World"):
        registry.lua_class_of(model.World)


def test_a_second_class_for_one_type_is_refused() -> None:
    class Impostor(LuaObject):
        lua_class_name = "LuaEntity"

    with pytest.raises(registry.RegistryError, match="shown by both LuaEntity and Impostor"):
        registry.shows(model.Entity)(Impostor)
    assert registry.lua_class_of(model.Entity).__name__ == "LuaEntity"
