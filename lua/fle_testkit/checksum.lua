-- fle-testkit harness: a digest of the game state that survives a save and load.
--
--   fle_testkit.checksum.compute{surface=}   -- 16 hex digits
--   fle_testkit.checksum.describe{surface=}  -- the canonical text that is hashed
--
-- Covered: every entity (surface, name, position, direction, force,
-- unit_number, a resource's amount, every inventory's contents), every force's
-- research (researched flags, current research) and `storage`. Not covered:
-- the tick, game speed and statistics, which change with time or by design.
-- The text never depends on pairs() order: every collection is sorted first.
-- Factorio 2.0 API and its Lua 5.2 (bit32) only.

local common = require("fle_testkit.common")

local checksum = {}

local number = common.number

-- An API object (userdata) by a stable description, never by identity.
local function describe_object(object)
  local ok, class = pcall(function() return object.object_name end)
  if not ok then return "userdata" end
  if not object.valid then return class .. "<invalid>" end
  local function read(key)
    local found, value = pcall(function() return object[key] end)
    if found then return value end
    return nil
  end
  if class == "LuaEntity" then
    local position = object.position
    return "LuaEntity<" .. object.name .. "#" .. tostring(object.unit_number or "-") .. "@"
      .. object.surface.name .. ":" .. number(position.x) .. "," .. number(position.y) .. ">"
  end
  local parts = {}
  local force = (class == "LuaTechnology" or class == "LuaRecipe") and read("force") or nil
  if force then parts[#parts + 1] = force.name end
  local name = read("name")
  if name ~= nil then parts[#parts + 1] = tostring(name) end
  if name == nil then
    local index = read("index")
    if index ~= nil then parts[#parts + 1] = tostring(index) end
  end
  return class .. "<" .. table.concat(parts, ":") .. ">"
end

-- Any Lua value as canonical text. `ancestors` guards against cycles; a table
-- reached twice through different keys is written twice, so the text does not
-- depend on which path pairs() happened to visit first.
local function canonical(value, ancestors, depth)
  local kind = type(value)
  if kind == "nil" then return "nil" end
  if kind == "boolean" then return value and "true" or "false" end
  if kind == "number" then return "n" .. number(value) end
  if kind == "string" then return string.format("%q", value) end
  if common.is_api_object(value) then return describe_object(value) end
  if kind ~= "table" then return kind end  -- functions and threads: no stable identity
  if ancestors[value] then return "<cycle " .. tostring(depth - ancestors[value]) .. ">" end
  ancestors[value] = depth
  local entries = {}
  for key, item in pairs(value) do
    entries[#entries + 1] = canonical(key, ancestors, depth + 1) .. "=" .. canonical(item, ancestors, depth + 1)
  end
  ancestors[value] = nil
  table.sort(entries)
  return "{" .. table.concat(entries, ",") .. "}"
end
checksum.canonical = function(value) return canonical(value, {}, 0) end

-- Every defines.inventory number once, in order (several names share one).
local function inventory_indexes()
  local seen, indexes = {}, {}
  for _, index in pairs(defines.inventory) do
    if not seen[index] then
      seen[index] = true
      indexes[#indexes + 1] = index
    end
  end
  table.sort(indexes)
  return indexes
end

local function inventory_text(entity, indexes)
  local parts = {}
  for _, index in ipairs(indexes) do
    local inventory = entity.get_inventory(index)
    if inventory ~= nil then
      local counts = common.contents(inventory)
      local items = {}
      for _, name in ipairs(common.sorted_keys(counts)) do
        items[#items + 1] = name .. ":" .. number(counts[name])
      end
      parts[#parts + 1] = tostring(index) .. "[" .. table.concat(items, ",") .. "]"
    end
  end
  return table.concat(parts, ";")
end

local function entity_lines(surface, indexes, lines)
  for _, entity in pairs(surface.find_entities_filtered{}) do
    local position = entity.position
    local amount = entity.type == "resource" and number(entity.amount) or "-"
    lines[#lines + 1] = table.concat({
      "entity", surface.name, entity.name, number(position.x), number(position.y),
      tostring(entity.direction), entity.force.name, tostring(entity.unit_number or "-"), amount,
      inventory_text(entity, indexes),
    }, "|")
  end
end

local function research_lines(lines)
  for _, force in pairs(game.forces) do
    local ok, current = pcall(function() return force.current_research end)
    lines[#lines + 1] = "current|" .. force.name .. "|" .. ((ok and current and current.name) or "-")
    for name, technology in pairs(force.technologies) do
      lines[#lines + 1] = "tech|" .. force.name .. "|" .. name .. "|" .. (technology.researched and "1" or "0")
    end
  end
end

-- The canonical text of the state (one sorted line per fact).
function checksum.describe(opts)
  opts = opts or {}
  local lines = {}
  local indexes = inventory_indexes()
  if opts.surface ~= nil then
    entity_lines(common.surface(opts.surface), indexes, lines)
  else
    for _, surface in pairs(game.surfaces) do entity_lines(surface, indexes, lines) end
  end
  research_lines(lines)
  table.sort(lines)
  lines[#lines + 1] = "storage|" .. checksum.canonical(storage)
  return table.concat(lines, "\n")
end

-- Two 32-bit lanes over the bytes of `text`: FNV-1a and sdbm. All arithmetic
-- stays below 2^53, so doubles compute it exactly.
local TWO_32 = 4294967296
function checksum.hash(text)
  local fnv, sdbm = 2166136261, 0
  local bxor, lshift, byte = bit32.bxor, bit32.lshift, string.byte
  local length = #text
  for start = 1, length, 4096 do
    local bytes = {byte(text, start, math.min(start + 4095, length))}
    for i = 1, #bytes do
      local b = bytes[i]
      fnv = bxor(fnv, b)
      fnv = (lshift(fnv, 24) + fnv * 403) % TWO_32  -- fnv * 16777619 mod 2^32
      sdbm = (b + lshift(sdbm, 6) + lshift(sdbm, 16) - sdbm) % TWO_32
    end
  end
  return string.format("%08x%08x", fnv, sdbm)
end

function checksum.compute(opts)
  return checksum.hash(checksum.describe(opts))
end

return checksum
