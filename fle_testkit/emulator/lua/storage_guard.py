"""Catches an on_load that changes `storage`: Factorio then refuses to load the game.

Factorio compares a CRC of the serialised `storage` before and after on_load
(0.13's error printed both CRCs) and fails the load on a difference. The
emulator compares the contents themselves, in Lua, without serialising
anything: before on_load it records every table reachable from `storage`
with its raw entries (one flat array); after, it checks that `storage` still
holds the same contents. That costs two walks in Lua, a fraction of a load,
where a re-encoding would cost more than the load itself.

The comparison is by contents, as a CRC of the serialised data would be:
a table replaced by an equal one (even `storage` itself) is no change, while
a changed entry anywhere, a table shared where it was not (or the reverse), or
-0 where 0 was, is. Metatables are not contents: setting one in on_load
(what on_load is for) is no change. Reads are raw, so no metamethod runs.
One case is stricter than a CRC could be: a table used as a key must stay the
same table (an equal copy as a key counts as a change).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .runtime import LuaRuntimeError

# Compiled before any level code runs, so it keeps the real `next` and friends.
# record(root) -> flat, n: {root, T1, N1, K, V, ..., T2, N2, ...; n = last index},
# tables breadth-first as first reached, each with its raw entry count and entries.
# unchanged(flat, root) pairs each recorded table with the table now in its
# place (one to one), checking each pair's entries in the same order.
_GUARD_LUA = r"""
local next, type, rawget, rawequal = next, type, rawget, rawequal

local function record(root)
  local flat, n, seen, queue, last = {root}, 1, {}, {}, 0
  if type(root) == "table" then seen[root] = true; last = 1; queue[1] = root end
  local i = 1
  while i <= last do
    local t = queue[i]
    i = i + 1
    flat[n + 1] = t
    n = n + 2
    local count_at, count = n, 0
    for k, v in next, t do
      count = count + 1
      flat[n + 1], flat[n + 2] = k, v
      n = n + 2
      if type(k) == "table" and not seen[k] then seen[k] = true; last = last + 1; queue[last] = k end
      if type(v) == "table" and not seen[v] then seen[v] = true; last = last + 1; queue[last] = v end
    end
    flat[count_at] = count
  end
  flat.n = n
  return flat, n
end

local function unchanged(flat, root)
  local twin, back = {}, {}
  local function pair(was, now)
    local known = twin[was]
    if known ~= nil then return rawequal(known, now) end
    if back[now] ~= nil then return false end
    twin[was], back[now] = now, was
    return true
  end
  local function same(was, now)
    local kind = type(was)
    if kind == "table" then return type(now) == "table" and pair(was, now) end
    if rawequal(was, now) then
      if was == 0 then return 1 / was == 1 / now end  -- -0 is not 0
      return true
    end
    if kind ~= type(now) then return false end
    if kind == "number" then return was ~= was and now ~= now end  -- NaN stays NaN
    if kind == "userdata" then return was == now end  -- API objects compare by what they name
    return false
  end
  if not same(flat[1], root) then return false end
  local n, i = flat.n, 2
  while i <= n do
    local now, count = twin[flat[i]], flat[i + 1]  -- paired when it was first reached
    local stop = i + 1 + 2 * count
    for j = i + 2, stop, 2 do
      local key = flat[j]
      if type(key) == "table" then
        if twin[key] == nil and not pair(key, key) then return false end
        key = twin[key]
      end
      local value = rawget(now, key)
      if value == nil or not same(flat[j + 1], value) then return false end
    end
    for _ in next, now do count = count - 1 end
    if count ~= 0 then return false end
    i = stop + 1
  end
  return true
end

return record, unchanged
"""


class StorageModifiedInOnLoad(LuaRuntimeError):
    """on_load changed `storage`: the game does not load."""


# Bytes a record of n slots may take: Lua 5.2 keeps an array in 16-byte slots
# and grows it by doubling, so at most 2n slots (the small hash part aside).
RECORD_BYTES_PER_SLOT = 32


@dataclass(frozen=True)
class Recorded:
    """What `storage` held: a Lua table, kept until ``StorageGuard.unchanged``."""

    flat: Any
    size: int  # bytes it may take in the Lua state, at most


class StorageGuard:
    """Records `storage` before on_load and tells whether on_load changed it."""

    def __init__(self, runtime: Any) -> None:
        self._record, self._unchanged = runtime.execute(_GUARD_LUA)

    def record(self, storage: Any) -> Recorded:
        """What `storage` holds now."""
        flat, slots = self._record(storage)
        return Recorded(flat, int(slots) * RECORD_BYTES_PER_SLOT)

    def unchanged(self, recorded: Recorded, storage: Any) -> bool:
        """Whether `storage` holds what ``recorded`` saw, metatables aside."""
        return bool(self._unchanged(recorded.flat, storage))
