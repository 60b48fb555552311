"""``helpers`` (LuaHelpers): the 2.0 home of JSON and file helpers."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from .. import messages
from ..lua import json_codec
from ..lua.runtime import LuaApiError
from .base import LuaObject, lua_method
from .bootstrap import localised_text


class LuaHelpers(LuaObject):
    """JSON conversion and ``write_file`` (into script-output only).

    Only these members of LuaHelpers are built; the rest are not yet.
    """

    lua_class_name = "LuaHelpers"

    @lua_method
    def table_to_json(self, data: Any) -> str:
        return json_codec.table_to_json(
            self.ctx.sandbox.lua, data, walker=self.ctx.sandbox.walker, memory_left=self.ctx.sandbox.memory_left()
        )

    @lua_method
    def json_to_table(self, json: Any) -> Any:
        if not isinstance(json, str):
            raise LuaApiError(messages.JSON_TEXT_EXPECTED)
        sandbox = self.ctx.sandbox
        return json_codec.json_to_table(
            sandbox.lua, json, check=sandbox.check_host_work, keep_order=sandbox.remember_order
        )

    @lua_method
    def write_file(self, filename: Any, data: Any, append: Any = False, for_player: Any = None) -> None:
        path = PurePosixPath(str(filename))
        if path.is_absolute() or ".." in path.parts or not path.parts:
            raise LuaApiError(messages.FILENAME_OUTSIDE_SCRIPT_OUTPUT.format(filename=filename))
        target = self.ctx.level.script_output.joinpath(*path.parts)
        text = localised_text(self.ctx, data)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "a" if append else "w", encoding="utf-8") as handle:
                handle.write(text)
        except (OSError, ValueError) as error:
            # The OS error names the host path of script-output: say only why.
            reason = (error.strerror if isinstance(error, OSError) else None) or messages.OS_ERROR_REASON
            raise LuaApiError(messages.CANNOT_WRITE_SCRIPT_OUTPUT.format(filename=filename, reason=reason)) from error
