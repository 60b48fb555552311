-- fle-testkit harness: put a game back into a known state in place (no reload).
--
--   fle_testkit.reset.run{
--     force = "player",          -- whose entities, research and statistics
--     surface = 1,               -- where
--     all_forces = false,        -- true: clear every force's entities, not only `force`'s
--     keep_characters = true,    -- false: characters are destroyed too
--     inventory = {["iron-plate"] = 50, ...},  -- each character's main inventory becomes this
--     character = c, characters = {...},       -- default: storage.agent_characters
--     research = "all" | "none", -- research_all_technologies() or reset()
--     speed = 1,                 -- game.speed
--     clear_statistics = true,   -- item and fluid production statistics of force on surface
--   }
-- returns {destroyed = n, inserted = {[name] = n}} (inserted: summed over characters).
-- Factorio 2.0 API only.

local common = require("fle_testkit.common")

local reset = {}

local function clear_entities(surface, force, opts)
  local filter = {}
  if not opts.all_forces then filter.force = force end
  local keep_characters = opts.keep_characters ~= false
  local destroyed = 0
  for _, entity in pairs(surface.find_entities_filtered(filter)) do
    -- Destroying one entity can take others with it: check before each.
    if entity.valid and not (keep_characters and entity.type == "character") then
      if entity.destroy() then destroyed = destroyed + 1 end
    end
  end
  return destroyed
end

local function set_inventories(opts)
  local inserted = {}
  local names = common.sorted_keys(opts.inventory)
  local characters = common.characters(opts)
  if #characters == 0 then  -- an inventory for nobody would pass unnoticed
    error("fle_testkit.reset: an inventory was asked for, but the game has no agent character "
      .. "(none given, and storage.agent_characters holds none): the scenario must create one, "
      .. "as fle-testkit's lab scenario does", 3)
  end
  for _, found in ipairs(characters) do
    local inventory = found.entity.get_inventory(defines.inventory.character_main)
    if inventory ~= nil then
      inventory.clear()
      for _, name in ipairs(names) do
        local count = opts.inventory[name]
        if count > 0 then
          inserted[name] = (inserted[name] or 0) + inventory.insert{name = name, count = count}
        end
      end
    end
  end
  return inserted
end

function reset.run(opts)
  opts = opts or {}
  local force = common.force(opts.force)
  local surface = common.surface(opts.surface)
  local result = {destroyed = clear_entities(surface, force, opts), inserted = {}}
  if opts.inventory ~= nil then result.inserted = set_inventories(opts) end
  if opts.research == "all" then
    force.research_all_technologies()
  elseif opts.research == "none" then
    force.reset()
  elseif opts.research ~= nil then
    error("fle_testkit.reset: research must be \"all\" or \"none\", got " .. tostring(opts.research), 2)
  end
  if opts.speed ~= nil then game.speed = opts.speed end
  if opts.clear_statistics ~= false then
    force.get_item_production_statistics(surface).clear()
    force.get_fluid_production_statistics(surface).clear()
  end
  return result
end

return reset
