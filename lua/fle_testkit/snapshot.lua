-- fle-testkit harness: a snapshot of what a test or an agent run changed.
--
--   fle_testkit.snapshot.take{force=, surface=, character=, characters=}
--   fle_testkit.snapshot.json{...}      -- the same, as JSON (helpers.table_to_json)
--
-- force defaults to "player", surface to surface 1; the characters default to
-- FLE's storage.agent_characters. Factorio 2.0 API only.

local common = require("fle_testkit.common")

local snapshot = {}

-- A flow statistics' totals: {input = {[name] = n}, output = {[name] = n}}.
local function flows(statistics)
  local result = {input = {}, output = {}}
  for name, count in pairs(statistics.input_counts) do result.input[name] = count end
  for name, count in pairs(statistics.output_counts) do result.output[name] = count end
  return result
end

-- Factorio's own production score (core lualib), as FLE scores agents. The
-- price list depends only on the prototypes, so it is worked out once per load.
local production_score = require("production-score")
local price_list
local function score(force)
  price_list = price_list or production_score.generate_price_list()
  return production_score.get_production_scores(price_list)[force.name] or 0
end

local function research(force)
  local researched = {}
  for name, technology in pairs(force.technologies) do
    if technology.researched then researched[#researched + 1] = name end
  end
  table.sort(researched)
  -- LuaForce.current_research is real 2.0 API; a stand-in server that lacks it
  -- must not cost the whole snapshot, so it is read under pcall.
  local ok, current = pcall(function() return force.current_research end)
  return {researched = researched, current = ok and current and current.name or nil}
end

local function entity_counts(surface, force)
  local counts = {}
  for _, entity in pairs(surface.find_entities_filtered{force = force}) do
    counts[entity.name] = (counts[entity.name] or 0) + 1
  end
  return counts
end

local function characters(opts)
  local result = {}
  for _, found in ipairs(common.characters(opts)) do
    local entity = found.entity
    result[#result + 1] = {
      key = found.key,
      unit_number = entity.unit_number,
      position = {x = entity.position.x, y = entity.position.y},
      inventory = common.contents(entity.get_inventory(defines.inventory.character_main)),
    }
  end
  return result
end

-- The snapshot as a plain table (no API objects, so it converts to JSON).
function snapshot.take(opts)
  opts = opts or {}
  local force = common.force(opts.force)
  local surface = common.surface(opts.surface)
  return {
    tick = game.tick,
    force = force.name,
    surface = surface.name,
    production = {
      items = flows(force.get_item_production_statistics(surface)),
      fluids = flows(force.get_fluid_production_statistics(surface)),
    },
    research = research(force),
    score = score(force),
    entities = entity_counts(surface, force),
    characters = characters(opts),
  }
end

function snapshot.json(opts)
  return helpers.table_to_json(snapshot.take(opts))
end

return snapshot
