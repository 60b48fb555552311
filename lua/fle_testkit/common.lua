-- fle-testkit harness: helpers the other modules share.
--
-- Written against the Factorio 2.0 runtime API only (storage, game.forces,
-- defines.inventory, inventory.get_contents() in its 2.0 form), so it runs
-- the same on real Factorio and on the project's emulator.

local common = {}

-- A LuaForce from opts.force: a LuaForce, a force name or index; "player" by default.
function common.force(value)
  if value == nil then value = "player" end
  if type(value) == "string" or type(value) == "number" then
    local found = game.forces[value]
    if not found then error("fle_testkit: no force " .. tostring(value), 3) end
    return found
  end
  return value
end

-- A LuaSurface from opts.surface: a LuaSurface, a surface name or index; surface 1 by default.
function common.surface(value)
  if value == nil then value = 1 end
  if type(value) == "string" or type(value) == "number" then
    local found = game.surfaces[value]
    if not found then error("fle_testkit: no surface " .. tostring(value), 3) end
    return found
  end
  return value
end

-- An API object (LuaEntity, LuaForce, ...). They are userdata in Factorio 2.0;
-- a table holding its userdata in `__self` is the older form, accepted too.
function common.is_api_object(value)
  local kind = type(value)
  return kind == "userdata" or (kind == "table" and type(rawget(value, "__self")) == "userdata")
end

-- The characters opts names: opts.character, else opts.characters (a table),
-- else FLE's storage.agent_characters (only entry opts.character_index when
-- given: one agent's view). Returns an array of {key=, entity=} sorted by key,
-- so callers see them in the same order every time.
function common.characters(opts)
  local source
  if opts.character ~= nil then
    source = {opts.character}
  elseif opts.character_index ~= nil then
    local agents = storage.agent_characters or {}
    source = {[opts.character_index] = agents[opts.character_index]}
  elseif opts.characters ~= nil then
    source = opts.characters
  else
    source = storage.agent_characters
  end
  local found = {}
  if type(source) ~= "table" then return found end
  for key, entity in pairs(source) do
    if common.is_api_object(entity) and entity.valid then
      found[#found + 1] = {key = key, entity = entity}
    end
  end
  table.sort(found, function(a, b) return common.sort_key(a.key) < common.sort_key(b.key) end)
  return found
end

-- A number as text that reads back as the same double: stable on every run.
function common.number(value)
  return string.format("%.17g", value)
end

-- A text for any plain key that orders numbers before strings before booleans.
function common.sort_key(key)
  local kind = type(key)
  if kind == "number" then
    -- Zero-padded so text order is numeric order for the integers tables use.
    if key >= 0 and key < 1e15 and key == math.floor(key) then
      return string.format("n%016d", key)
    end
    return "n~" .. common.number(key)
  elseif kind == "string" then
    return "s" .. key
  elseif kind == "boolean" then
    return "b" .. tostring(key)
  end
  return "z" .. kind
end

-- An inventory's contents as {[name] = count}. 2.0's get_contents() gives an
-- array of {name=, count=, quality=}; other qualities than "normal" get their
-- own key, "name@quality", so no count is lost or merged.
function common.contents(inventory)
  local counts = {}
  if inventory == nil then return counts end
  for _, stack in pairs(inventory.get_contents()) do
    local key = stack.name
    if stack.quality ~= nil and stack.quality ~= "normal" then
      key = key .. "@" .. tostring(stack.quality)
    end
    counts[key] = (counts[key] or 0) + stack.count
  end
  return counts
end

-- The keys of a table, sorted by common.sort_key.
function common.sorted_keys(t)
  local keys = {}
  for key in pairs(t) do keys[#keys + 1] = key end
  table.sort(keys, function(a, b) return common.sort_key(a) < common.sort_key(b) end)
  return keys
end

return common
