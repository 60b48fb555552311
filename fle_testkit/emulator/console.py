"""The server console: what an RCON command body does.

``/c``, ``/command``, ``/sc`` and ``/silent-command`` run Lua; the rest are the
server commands a headless server answers. Text without a leading slash is
chat. Each call returns the reply body, or None for "no reply" (an empty
command, as in Factorio).
"""

from __future__ import annotations

import re
from typing import Protocol, cast

from . import messages
from .errors import EmulatorError
from .lua.runtime import LuaRuntimeError
from .serverlog import ServerLog

COMMAND = re.compile(r"/(\S*)\s?(.*)", re.DOTALL)
LUA_COMMANDS = {"c": True, "command": True, "sc": False, "silent-command": False}  # name -> echoed to the log
TICKS_PER_SECOND = 60


class ConsoleHost(Protocol):
    """What the console needs from the running server."""

    seed: int

    def run_lua(self, code: str) -> str: ...

    def save_as(self, name: str | None) -> str: ...

    def request_quit(self) -> None: ...

    def game_tick(self) -> int: ...


class Console:
    def __init__(self, host: ConsoleHost, log: ServerLog) -> None:
        self._host = host
        self._log = log

    def handle(self, text: str) -> str | None:
        if text == "":
            return None
        if not text.startswith("/"):
            self._log.console(messages.CHAT_LINE, text)
            return ""
        # The command name ends at the first white space (a newline too).
        # Every text that starts with "/" matches: the name may be empty.
        name, argument = cast(re.Match[str], COMMAND.match(text)).groups()
        if name in LUA_COMMANDS:
            return self._lua(argument, echo=LUA_COMMANDS[name])
        command = getattr(self, "_cmd_" + name.replace("-", "_"), None)
        if command is None:
            return messages.UNKNOWN_COMMAND.format(name=name)
        return command(argument.strip())

    def _lua(self, code: str, *, echo: bool) -> str:
        if echo:
            self._log.console(messages.COMMAND_LINE, code)
        try:
            return self._host.run_lua(code)
        except LuaRuntimeError as error:
            return messages.LUA_ERROR_REPLY.format(message=error.message)

    def _cmd_save(self, argument: str) -> str:
        try:
            return self._host.save_as(argument or None)
        except EmulatorError as error:
            return messages.SAVE_ERROR_REPLY.format(message=error)

    def _cmd_server_save(self, argument: str) -> str:
        return self._cmd_save("")

    def _cmd_quit(self, argument: str) -> str:
        self._host.request_quit()
        return ""

    def _cmd_players(self, argument: str) -> str:
        if argument == "online":
            return messages.ONLINE_PLAYERS_REPLY.format(count=0)
        return messages.PLAYERS_REPLY.format(count=0)

    def _cmd_time(self, argument: str) -> str:
        return format_duration(self._host.game_tick() // TICKS_PER_SECOND)

    def _cmd_version(self, argument: str) -> str:
        return messages.VERSION_REPLY

    def _cmd_seed(self, argument: str) -> str:
        return messages.SEED_REPLY.format(seed=self._host.seed)


def format_duration(seconds: int) -> str:
    """Factorio's /time wording: ``1 day, 11 hours, 1 minute and 26 seconds``."""
    parts = []
    for unit, size in messages.TIME_UNITS:
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount} {unit}{'' if amount == 1 else 's'}")
    if not parts:
        return "0 seconds"
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]
