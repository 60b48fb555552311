-- FLE's functions, kept out of `storage`, and FLE's Lua run again after a load.
--
-- FLE (the Factorio Learning Environment) keeps its tools and helpers as
-- functions in storage: `storage.actions.NAME = function ...`,
-- `storage.utils.NAME = function ...`, and a few on storage itself
-- (`storage.get_lua_script_checksums`...). Factorio 2.0 refuses to save a
-- function in storage ("Functions are not allowed in storage and will throw an
-- error when saving"), so a game FLE has used could not be saved. Here those
-- tables get a metatable that keeps every function written to them in a table
-- of this module (outside storage) and answers reads of those keys from it.
-- The tables stay in storage, holding only data; their metatables are
-- registered with script.register_metatable, so a save records them and a load
-- restores them.
--
-- After a load the function tables are empty, and FLE's Lua cannot simply run
-- again where a load runs code: some of it reads `game` at its top level (nil
-- in the main chunk and in on_load) and much of it writes storage (an error in
-- on_load). So a load only marks FLE's Lua as pending (`defer`), and the first
-- read that misses in one of these tables runs it, before answering. That read
-- comes from a console command (FLE calling `storage.actions.NAME`), where
-- `game` exists and storage may be written: FLE's Lua then runs exactly as
-- when FLE sends it, top-level resets included (`storage.crafting_queue = {}`).

local M = {}

-- The tables FLE writes functions to, besides storage itself.
local ROUTED = {"actions", "utils"}

local pending = nil  -- FLE's Lua, to run at the first miss after a load

local function run_pending()
  local run = pending
  pending = nil  -- first: the run itself reads these tables
  run()
end

local function router(name)
  local functions = {}
  local mt = {
    __index = function(_, key)
      local value = functions[key]
      if value == nil and pending ~= nil then
        run_pending()
        value = functions[key]
      end
      return value
    end,
    __newindex = function(t, key, value)
      if type(value) == "function" then
        functions[key] = value
      else
        functions[key] = nil
        rawset(t, key, value)
      end
    end,
  }
  script.register_metatable("fle-testkit/fle/" .. name, mt)
  return mt
end

local root_mt = router("storage")
local table_mts = {}
for _, name in ipairs(ROUTED) do
  table_mts[name] = router(name)
end

-- Gives `store` (storage) the routing metatables, creating the routed tables if
-- absent. Writes storage: call it where that is allowed (on_init, a command).
function M.install(store)
  setmetatable(store, root_mt)
  for name, mt in pairs(table_mts) do
    local t = rawget(store, name)
    if t == nil then
      rawset(store, name, setmetatable({}, mt))
    else
      setmetatable(t, mt)
    end
  end
end

-- For on_load: sets metatables only (a load restores registered ones; storage
-- itself, or a save made before they were registered, may still need them).
function M.reattach(store)
  setmetatable(store, root_mt)
  for name, mt in pairs(table_mts) do
    local t = rawget(store, name)
    if type(t) == "table" then setmetatable(t, mt) end
  end
end

-- For on_load: `run` (FLE's Lua) runs at the first read that misses.
function M.defer(run)
  pending = run
end

return M
