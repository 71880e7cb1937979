/**
 * The Redis limiter's Lua scripts. Every key a script touches is passed in KEYS (none is built
 * inside a script), so they run on a Redis Cluster as on a standalone Redis. Key layout, under the
 * limiter's prefix: `w:<key>:<windowMs>` a window counter (`<window number>:<used>`, the window
 * from Redis's clock; a new window reads as 0), `l:<key>` a sorted set of leases (score = expiry).
 *
 * @module
 * @see https://redis.io/docs/latest/develop/interact/programmability/eval-intro/
 */

/** KEYS[1] lease sorted set; ARGV leaseMs, leaseId. Returns 1 when the lease existed and was extended. */
export const RENEW_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local lease_ms = tonumber(ARGV[1])
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', now + lease_ms, ARGV[2])
redis.call('PEXPIRE', KEYS[1], lease_ms + 1000)
return 1
`

/**
 * Several requests' admissions and finishes in one call, each taken in order exactly as if it
 * had been a call of its own: what an earlier entry spent or freed is seen by the later ones.
 * One clock reading for all; each counter is read once and written once, each lease set trimmed
 * and counted once, however many entries touch it.
 *
 * KEYS: every entry's keys in order (its window counters, then its lease sets). ARGV[1] the number
 * of entries; then per entry its kind (`a` admission, `f` finish), its number of windows and of
 * slots, then:
 * - an admission: per window cost, limit, windowMs; per slot limit, leaseMs, leaseId. All or
 *   nothing: the first window or slot that does not fit refuses it and nothing is spent or taken.
 * - a finish: per window cost (a refund: negative) and windowMs; per slot the leaseId to free. A
 *   counter never goes below zero.
 *
 * Returns one reply per admission, in order: refused {0, kind (1 window, 2 slot), index, now,
 * remaining or in-use, resetAt or 0, then remaining and resetAt of each earlier window}; admitted
 * {1, 0, 0, now, remaining and resetAt per window, in-use per slot}.
 */
export const BATCH_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local counters = {}
local function counter(key, window_ms)
  local c = counters[key]
  if c then return c end
  local window = math.floor(now / window_ms)
  local used = 0
  local value = redis.call('GET', key)
  if value then
    local at, stored = string.match(value, '^(%d+):(%d+)$')
    if at ~= nil and tonumber(at) == window then used = tonumber(stored) end
  end
  c = {window = window, used = used, reset_at = (window + 1) * window_ms, dirty = false}
  counters[key] = c
  return c
end
local leases = {}
local function lease_set(key)
  local l = leases[key]
  if l then return l end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  l = {in_use = redis.call('ZCARD', key), expire_ms = -1}
  leases[key] = l
  return l
end
local replies = {}
local k = 1
local a = 2
for _ = 1, tonumber(ARGV[1]) do
  local kind = ARGV[a]
  local windows = tonumber(ARGV[a + 1])
  local slots = tonumber(ARGV[a + 2])
  a = a + 3
  if kind == 'f' then
    for i = 0, windows - 1 do
      local c = counter(KEYS[k + i], tonumber(ARGV[a + 1]))
      c.used = math.max(0, c.used + tonumber(ARGV[a]))
      c.dirty = true
      a = a + 2
    end
    k = k + windows
    for j = 0, slots - 1 do
      local key = KEYS[k + j]
      local removed = redis.call('ZREM', key, ARGV[a + j])
      if leases[key] then leases[key].in_use = leases[key].in_use - removed end
    end
    a = a + slots
    k = k + slots
  else
    local reply = nil
    local earlier = {}
    local window_keys = k
    for i = 0, windows - 1 do
      local cost = tonumber(ARGV[a + i * 3])
      local limit = tonumber(ARGV[a + i * 3 + 1])
      if reply == nil then
        local c = counter(KEYS[k + i], tonumber(ARGV[a + i * 3 + 2]))
        if cost > 0 and c.used + cost > limit then
          reply = {0, 1, i + 1, now, math.max(0, limit - c.used), c.reset_at}
          for _, value in ipairs(earlier) do table.insert(reply, value) end
        else
          table.insert(earlier, math.max(0, limit - math.max(0, c.used + cost)))
          table.insert(earlier, c.reset_at)
        end
      end
    end
    local window_args = a
    a = a + windows * 3
    k = k + windows
    if reply == nil then
      for j = 0, slots - 1 do
        local l = lease_set(KEYS[k + j])
        if l.in_use >= tonumber(ARGV[a + j * 3]) then
          reply = {0, 2, j + 1, now, l.in_use, 0}
          for _, value in ipairs(earlier) do table.insert(reply, value) end
          break
        end
      end
    end
    if reply == nil then
      reply = {1, 0, 0, now}
      for i = 0, windows - 1 do
        local c = counters[KEYS[window_keys + i]]
        c.used = math.max(0, c.used + tonumber(ARGV[window_args + i * 3]))
        c.dirty = true
      end
      for _, value in ipairs(earlier) do table.insert(reply, value) end
      for j = 0, slots - 1 do
        local key = KEYS[k + j]
        local lease_ms = tonumber(ARGV[a + j * 3 + 1])
        redis.call('ZADD', key, now + lease_ms, ARGV[a + j * 3 + 2])
        local l = leases[key]
        l.in_use = l.in_use + 1
        if lease_ms > l.expire_ms then l.expire_ms = lease_ms end
        table.insert(reply, l.in_use)
      end
    end
    a = a + slots * 3
    k = k + slots
    table.insert(replies, reply)
  end
end
for key, c in pairs(counters) do
  if c.dirty then
    redis.call('SET', key, string.format('%d:%d', c.window, c.used), 'PX', c.reset_at - now + 1000)
  end
end
for key, l in pairs(leases) do
  if l.expire_ms >= 0 then redis.call('PEXPIRE', key, l.expire_ms + 1000) end
end
return replies
`
