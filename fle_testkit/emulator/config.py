"""What one server process is asked to do, resolved from its command line.

``cli`` builds a :class:`ServerConfig` and ``process`` runs one: with the
types here, the process needs nothing of the parser, and imports go one way
(cli → process → config).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar, cast

from .errors import EmulatorError
from .rcon.codec import MAX_PACKET_SIZE

T = TypeVar("T")


class UsageError(EmulatorError):
    """The command line is wrong; the message is what Factorio would print."""


@dataclass(frozen=True)
class ServerSettings:
    """The parts of ``--server-settings`` the emulator honours.

    Defaults are those of Factorio's server-settings.example.json.
    """

    auto_pause: bool = True
    autosave_interval: int = 10  # minutes of game time
    autosave_slots: int = 5  # 0 = no autosaves
    name: str = ""

    @classmethod
    def from_file(cls, path: Path) -> ServerSettings:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise UsageError(f"Error: cannot read server settings {path}: {error.strerror}") from error
        except json.JSONDecodeError as error:
            raise UsageError(f"Error: server settings {path} is not valid JSON: {error}") from error
        if not isinstance(raw, dict):
            raise UsageError(f"Error: server settings {path} must hold a JSON object")

        def field(key: str, kind: type[T], default: T) -> T:
            value = raw.get(key, default)
            # JSON's true/false only for booleans ("false" is a string, and truthy);
            # whole numbers only for counts.
            if (
                kind is bool
                and not isinstance(value, bool)
                or kind is int
                and (isinstance(value, bool) or not isinstance(value, int))
            ):
                raise UsageError(f"Error: server settings {path}: {key} must be a {kind.__name__}, not {value!r}")
            return cast(T, value)

        return cls(
            auto_pause=field("auto_pause", bool, cls.auto_pause),
            autosave_interval=field("autosave_interval", int, cls.autosave_interval),
            autosave_slots=field("autosave_slots", int, cls.autosave_slots),
            name=str(raw.get("name", "")),
        )


DEFAULT_LUA_TIME_LIMIT = 10.0
DEFAULT_LUA_MEMORY_LIMIT_MB = 1024


@dataclass(frozen=True)
class LuaLimits:
    """How far one level's Lua may go before the embedded server stops it.

    Real Factorio has neither limit: a runaway command hangs it and a memory
    bomb takes the host's memory. A test server must stay killable and
    answer the next test, so both are on by default; 0 turns each off.

    ``time_limit``: seconds one console command or one event handler may run.
    10 s is far above anything a harness or FLE runs in one command (FLE's
    longest tool calls take well under a second of Lua), and well below the
    deadlines harnesses give an RCON reply (FLE's client waits 20-30 s), so a
    runaway loop is answered with an error before the client gives up.
    ``memory_limit_mb``: the Lua state's heap. 1024 MB holds a large factory's
    ``storage`` many times over and stops a memory bomb long before the host
    (or a CI runner with a few GB) runs out.
    """

    time_limit: float = DEFAULT_LUA_TIME_LIMIT
    memory_limit_mb: int = DEFAULT_LUA_MEMORY_LIMIT_MB


@dataclass(frozen=True)
class RconLimits:
    """What one RCON listener lets clients hold (issue 9): memory, sockets, time.

    Real Factorio's limits are unknown; these are the emulator's own, chosen so
    that nobody without the password can make the server hold more than a few
    KB per socket, while an authenticated client may send several-MB requests
    (DESIGN, "RCON": FLE uploads 68 KB scripts; some tools send whole blobs).

    - ``pre_auth_packet_size``: the largest size field before authentication.
      An auth packet is 10 bytes plus the password, so 4096 (Valve's own packet
      limit) leaves room for any sane password and caps what an unauthenticated
      socket can make the server buffer at a few KB.
    - ``max_packet_size``: the largest size field after authentication
      (the codec's 16 MiB).
    - ``max_connections``: open RCON connections at once; one more is closed at
      accept. 64 is far above what a harness opens (one or two per worker) and
      keeps the worst case of unauthenticated memory at well under 1 MB.
    - ``auth_timeout``: seconds a connection may stay open without logging in.
      Clients authenticate in their first round trip, so 10 s only ever hits a
      peer that connected and went silent.
    """

    pre_auth_packet_size: int = 4096
    max_packet_size: int = MAX_PACKET_SIZE
    max_connections: int = 64
    auth_timeout: float = 10.0


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class ServerConfig:
    """Everything one server process was asked to do, resolved to paths."""

    mode: str  # one of cli.RUNNING_OPTIONS, without the dashes
    target: str | None  # the save file or scenario name the mode names
    write_data: Path
    game: Endpoint
    rcon: Endpoint | None
    rcon_password: str | None
    settings: ServerSettings = field(default_factory=ServerSettings)
    map_gen_seed: int | None = None
    console_log: Path | None = None
    mod_directory: Path | None = None
    lua_limits: LuaLimits = field(default_factory=LuaLimits)
    rcon_limits: RconLimits = field(default_factory=RconLimits)

    @property
    def saves_dir(self) -> Path:
        return self.write_data / "saves"

    @property
    def scenarios_dir(self) -> Path:
        return self.write_data / "scenarios"

    @property
    def script_output_dir(self) -> Path:
        return self.write_data / "script-output"

    def save_path(self, name: str) -> Path:
        """Factorio's rule: a bare name means ``saves/NAME.zip``."""
        if os.sep in name or "/" in name:
            path = Path(name)
            return path if path.suffix == ".zip" else path.with_name(path.name + ".zip")
        return self.saves_dir / (name if name.endswith(".zip") else f"{name}.zip")
