-- serpent: the serializer Factorio exposes as the global `serpent`.
--
-- This is fle-testkit's own implementation of the API of Paul Kulchenko's
-- serpent (0.30x, MIT), written from its documented behaviour: the same entry
-- points (line, block, dump, load, serialize), options and output format, so
-- that text scripts print or parse looks like what Factorio produces.
--
-- Factorio's changes, as its "Libraries and functions" page documents them:
--   * comments are off by default (they would leak table addresses);
--   * two options split `comment`: `tablecomment` (the `--[[table: 0x..]]`
--     after tables and functions) and `refcomment` (the `--[[ref]]` after a
--     table that was already printed). Each is true/false/maxlevel and falls
--     back to `comment` when nil.
--
-- Deliberate differences (unsure what Factorio prints; plain data unaffected):
--   * functions are never dumped as bytecode: a function known under a global
--     name prints as that name (`print`, `math.floor`), any other as
--     `function() --[[..skipped..]] end` (what serpent prints with `nocode`).
--   * the symbols for tables used as keys (only visible in `dump` and with
--     `name`) are numbered in order of appearance instead of being derived
--     from table addresses, so output is deterministic.
--   * `load` in safe mode rejects, before running anything, text that calls a
--     function, calls a method, or loops; it runs in an environment that holds
--     only `math.huge` (old serpent wrote infinity as `math.huge`).
--   * every NaN prints as `0/0` (serpent only recognises the NaN whose
--     tostring matches `tostring(0/0)` on the machine).

local type, next, tostring, tonumber, select = type, next, tostring, tonumber, select
local pcall, error, getmetatable, rawget, load = pcall, error, getmetatable, rawget, load
local format, rep, match, gsub = string.format, string.rep, string.match, string.gsub
local concat, sort = table.concat, table.sort
local huge, min = math.huge, math.min

local serpent = { _NAME = "serpent" }

local KEYWORDS = {}
for word in ("and break do else elseif end false for function goto if in local nil not or "
  .. "repeat return then true until while"):gmatch("%a+") do
  KEYWORDS[word] = true
end

-- Values reachable from the global table under a name, for printing functions
-- (and userdata or threads) by name the way serpent does.
local GLOBAL_NAMES = {}
do
  local G = _G or _ENV
  if type(G) == "table" then
    for name, value in next, G do
      if type(name) == "string" then GLOBAL_NAMES[value] = name end
    end
    for _, lib in next, { "coroutine", "debug", "io", "math", "string", "table", "os", "bit32" } do
      local t = rawget(G, lib)
      if type(t) == "table" then
        for name, value in next, t do
          if type(name) == "string" then GLOBAL_NAMES[value] = lib .. "." .. name end
        end
      end
    end
  end
end

local NEEDS_REFERENCE = { table = true, ["function"] = true, thread = true, userdata = true }
local NOT_SERIALISABLE = { thread = true, userdata = true }

local function identifier(s)
  return type(s) == "string" and match(s, "^[%a_][%w_]*$") ~= nil and not KEYWORDS[s]
end

-- A comment option as a depth limit: nil when comments are off.
local function comment_limit(specific, general)
  local v = specific
  if v == nil then v = general end
  if not v then return nil end
  return tonumber(v) or huge
end

local function quote(s)
  -- Lua's %q writes a newline as backslash + newline; serpent writes `\n`.
  return (gsub(format("%q", s), "\n", "n"))
end

local function number_text(x, opts)
  if not opts.nohuge then
    if x ~= x then return "0/0" end
    if x == huge then return "1/0 --[[math.huge]]" end
    if x == -huge then return "-1/0 --[[-math.huge]]" end
  end
  return format(opts.numformat or "%.17g", x)
end

local function scalar_text(v, opts)
  local tv = type(v)
  if tv == "number" then return number_text(v, opts) end
  if tv == "string" then return quote(v) end
  return tostring(v)
end

-- Serpent's default key order ("alphanumeric"): keys that are numbers within
-- 1..#keys first, then other numbers, then strings, then everything else;
-- within a class by tostring() with every run of digits zero-padded to
-- `width`, so "item9" sorts before "item10".
local function alphanumeric_sort(keys, width)
  width = tonumber(width) or 12
  local function pad(digits)
    digits = gsub(digits, "^0+", "")
    if #digits < width then digits = rep("0", width - #digits) .. digits end
    return digits
  end
  local class = { number = "a", string = "b" }
  local sortkey = {}
  for i = 1, #keys do
    local k = keys[i]
    local c = (type(k) == "number" and rawget(keys, k) ~= nil) and "0" or class[type(k)] or "z"
    sortkey[k] = c .. gsub(tostring(k), "%d+", pad)
  end
  sort(keys, function(a, b) return sortkey[a] < sortkey[b] end)
end

local function call_meta(mt, event, v) return mt[event](v) end

function serpent.serialize(root, opts)
  opts = opts or {}
  local name, indent, maxnum = opts.name, opts.indent, opts.maxnum
  local space = opts.compact and "" or " "
  local maxlevel = opts.maxlevel or huge
  local maxlen = tonumber(opts.maxlength)
  local table_comments = comment_limit(opts.tablecomment, opts.comment)
  local ref_comments = comment_limit(opts.refcomment, opts.comment)
  local symbols_table = "_" .. (name or "")
  local seen = {}                             -- value -> the path it was printed at
  local refs = { "local " .. symbols_table .. "={}" }  -- statements fixing up references
  local symbol_count = 0

  local function comment(what, level, limit)
    if limit and level < limit then
      return " --[[" .. select(2, pcall(tostring, what)) .. "]]"
    end
    return ""
  end

  local function by_name_or_text(v, level)
    local global = GLOBAL_NAMES[v]
    if global then return global .. comment(v, level, table_comments) end
    if opts.fatal then error("Can't serialize " .. tostring(v)) end
    return quote(select(2, pcall(tostring, v)))
  end

  local function key_text(key)
    if identifier(key) then return key end
    return "[" .. scalar_text(key, opts) .. "]"
  end

  local function join(path, key)
    if identifier(key) then return path .. "." .. key end
    return path .. "[" .. scalar_text(key, opts) .. "]"
  end

  local emit

  -- A table, function, thread or userdata used as a key: printed only in the
  -- references section, as `path[symbol] = value`.
  local function reference_key(owner_path, key, value, level)
    local symbol = seen[key] or GLOBAL_NAMES[key]
    if not symbol then
      symbol_count = symbol_count + 1
      symbol = symbols_table .. "._" .. type(key) .. symbol_count
      local slot = #refs + 1
      refs[slot] = false -- keep the definition before anything it triggers
      refs[slot] = emit(key, symbol .. space .. "=" .. space, symbol, 0)
    end
    local path = owner_path .. "[" .. symbol .. "]"
    local slot = #refs + 1
    refs[slot] = false
    refs[slot] = path .. space .. "=" .. space .. (seen[value] or emit(value, "", path, 0))
  end

  -- `tag` is what precedes the value (`key = `), `path` where it lives.
  function emit(v, tag, path, level)
    local tv = type(v)
    if NEEDS_REFERENCE[tv] and seen[v] then
      refs[#refs + 1] = path .. space .. "=" .. space .. seen[v]
      return tag .. "nil" .. comment("ref", level, ref_comments)
    end
    local mt = getmetatable(v)
    if type(mt) == "table" and opts.metatostring ~= false then
      local ok_ser, serialized = pcall(call_meta, mt, "__serialize", v)
      local ok_str, text = pcall(call_meta, mt, "__tostring", v)
      if ok_ser or ok_str then
        seen[v] = path
        if ok_ser then v = serialized else v = text end
        tv = type(v)
      end
    end

    if tv == "table" then
      if level >= maxlevel then return tag .. "{}" .. comment("maxlvl", level, table_comments) end
      seen[v] = path
      if next(v) == nil then return tag .. "{}" .. comment(v, level, table_comments) end
      if maxlen and maxlen < 0 then return tag .. "{}" .. comment("maxlen", level, table_comments) end

      local length = #v
      local array_part = min(length, maxnum or length)
      local keys = {}
      for i = 1, array_part do keys[i] = i end
      if not maxnum or #keys < maxnum then
        local n = #keys
        for key in next, v do
          if rawget(keys, key) ~= key then n = n + 1; keys[n] = key end
        end
      end
      if maxnum and #keys > maxnum then
        for i = #keys, maxnum + 1, -1 do keys[i] = nil end
      end
      if opts.sortkeys and #keys > array_part then
        if type(opts.sortkeys) == "function" then opts.sortkeys(keys, v)
        else alphanumeric_sort(keys, opts.sortkeys) end
      end
      -- `sparse` only pays when there is something besides the array part.
      local sparse = opts.sparse and #keys > array_part

      local items = {}
      for i = 1, #keys do
        local key = keys[i]
        local value = rawget(v, key)
        local kt = type(key)
        if (opts.valignore and opts.valignore[value])
          or (opts.keyallow and not opts.keyallow[key])
          or (opts.keyignore and opts.keyignore[key])
          or (opts.valtypeignore and opts.valtypeignore[type(value)])
          or (sparse and value == nil) then
          -- skipped
        elseif NEEDS_REFERENCE[kt] then
          reference_key(seen[v], key, value, level)
        else
          local item_tag
          if i <= array_part and not sparse then item_tag = ""
          else item_tag = key_text(key) .. space .. "=" .. space end
          items[#items + 1] = emit(value, item_tag, join(seen[v], key), level + 1)
          if maxlen then
            maxlen = maxlen - #items[#items]
            if maxlen < 0 then break end
          end
        end
      end

      local prefix = rep(indent or "", level)
      local head = indent and ("{\n" .. prefix .. indent) or "{"
      local body = concat(items, "," .. (indent and ("\n" .. prefix .. indent) or space))
      local tail = indent and ("\n" .. prefix .. "}") or "}"
      local text
      if opts.custom then text = opts.custom(tag, head, body, tail, level)
      else text = tag .. head .. body .. tail end
      return text .. comment(v, level, table_comments)
    elseif NOT_SERIALISABLE[tv] then
      seen[v] = path
      return tag .. by_name_or_text(v, level)
    elseif tv == "function" then
      seen[v] = path
      local global = not opts.nocode and GLOBAL_NAMES[v]
      if global then return tag .. global .. comment(v, level, table_comments) end
      return tag .. "function() --[[..skipped..]] end" .. comment(v, level, table_comments)
    end
    return tag .. scalar_text(v, opts)
  end

  local separator = indent and "\n" or (";" .. space)
  local body
  if name ~= nil then
    body = emit(root, key_text(name) .. space .. "=" .. space, name, 0)
  else
    body = emit(root, "", "_", 0)
  end
  if name == nil then
    if ref_comments and #refs > 1 then
      return body .. space .. "--[[incomplete output with shared/self-references skipped]]"
    end
    return body
  end
  local fixups = #refs > 1 and (concat(refs, separator) .. separator) or ""
  return "do local " .. body .. separator .. fixups .. "return " .. name .. separator .. "end"
end

local function merged(defaults, opts)
  if opts then
    for k, v in next, opts do defaults[k] = v end
  end
  return defaults
end

function serpent.line(value, opts)
  return serpent.serialize(value, merged({ sortkeys = true, comment = false }, opts))
end

function serpent.block(value, opts)
  return serpent.serialize(value, merged({ indent = "  ", sortkeys = true, comment = false }, opts))
end

function serpent.dump(value, opts)
  return serpent.serialize(value, merged({ name = "_", compact = true, sparse = true }, opts))
end

-- Safe loading ---------------------------------------------------------------

-- Keywords that make a loop; serpent output never holds one, and without them
-- loaded text always terminates.
local LOOP_KEYWORDS = { ["while"] = true, ["repeat"] = true, ["for"] = true, ["goto"] = true, ["until"] = true }

-- The `=` signs of a long bracket opening at `i` (`[[`, `[==[`), or nil.
local function long_bracket_level(text, i)
  return match(text, "^%[(=*)%[", i)
end

-- Walks the tokens of `text` and refuses anything that could run code: a call
-- (`f(...)`, `f{...}`, `f"..."`), a method call (`:`), or a loop. Returns
-- nil when the text is acceptable, else a reason. Text the scanner cannot
-- follow (an unfinished string) is left for `load` to reject.
local function unsafe_reason(text)
  local i, n = 1, #text
  local previous -- "callable" when the last token can end a prefix expression
  while i <= n do
    local c = text:sub(i, i)
    if match(c, "%s") then
      i = i + 1
    elseif text:sub(i, i + 1) == "--" then
      local equals = long_bracket_level(text, i + 2)
      if equals then
        local close = text:find("]" .. equals .. "]", i + 4 + #equals, true)
        if not close then return nil end
        i = close + #equals + 2
      else
        local eol = text:find("\n", i, true)
        i = eol and eol + 1 or n + 1
      end
    elseif c == '"' or c == "'" or (c == "[" and long_bracket_level(text, i)) then
      if previous == "callable" then return "function call" end
      if c == "[" then
        local equals = long_bracket_level(text, i)
        local close = text:find("]" .. equals .. "]", i + 2 + #equals, true)
        if not close then return nil end
        i = close + #equals + 2
      else
        local j = i + 1
        while true do
          local d = text:sub(j, j)
          if d == "" then return nil end
          if d == "\\" then j = j + 2
          elseif d == c then break
          else j = j + 1 end
        end
        i = j + 1
      end
      previous = "value" -- a literal cannot be called without parentheses
    elseif match(c, "[%a_]") then
      local word = match(text, "^[%w_]+", i)
      i = i + #word
      if LOOP_KEYWORDS[word] then return "loop (" .. word .. ")" end
      previous = KEYWORDS[word] and "keyword" or "callable"
    elseif match(c, "%d") or (c == "." and match(text, "^%.%d", i)) then
      local number = match(text, "^0[xX][%x%.]*[pP][%+%-]?%d+", i) or match(text, "^0[xX][%x%.]*", i)
        or match(text, "^[%d%.]+[eE][%+%-]?%d*", i) or match(text, "^[%d%.]+", i)
      i = i + #number
      previous = "value"
    else
      if c == ":" then return "method call" end
      if (c == "(" or c == "{") and previous == "callable" then return "function call" end
      if c == ")" or c == "]" then previous = "callable" else previous = "symbol" end
      i = i + 1
    end
  end
  return nil
end

-- Returns true, value on success; false, message when running the text fails;
-- nil, message when the text does not compile or is refused as unsafe.
function serpent.load(data, opts)
  if type(data) ~= "string" then
    return nil, "serpent.load expects a string, got " .. type(data)
  end
  local safe = not (opts and opts.safe == false)
  local env
  if safe then
    local reason = unsafe_reason(data)
    if reason then return nil, "Can't load potentially unsafe data: " .. reason end
    env = { math = { huge = huge } }
  else
    env = _ENV
  end
  if not load then return nil, "serpent.load needs load(), which is not available" end
  local chunk, err = load("return " .. data, "=serpent.load", "t", env)
  if not chunk then chunk, err = load(data, "=serpent.load", "t", env) end
  if not chunk then return nil, err end
  return pcall(chunk)
end

return serpent
