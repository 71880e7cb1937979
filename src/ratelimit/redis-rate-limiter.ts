/**
 * The shared {@link RateLimiter}: every decision is one atomic Lua script on Redis, timed by
 * Redis's own clock, so N gateway instances enforce one limit, not N. A request's admission
 * (every window and slot) is one script call, and so is its finish (refunds and releases).
 *
 * Runs on a standalone Redis and on a Redis Cluster alike: every key a script touches is passed
 * in KEYS (none is built inside a script), and the keys of one batch share a `{group}` hash tag
 * (`groupedKey` in rate-limiter.ts: the workspace), so they live in one slot. Key layout, under the prefix:
 * `w:<key>:<windowMs>` a window counter (`<window number>:<used>`, the window from Redis's
 * clock; a new window reads as 0), `l:<key>` a sorted set of leases (score = expiry).
 *
 * @module
 * @see https://redis.io/docs/latest/develop/interact/programmability/eval-intro/
 * @see https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags
 */
import { randomUUID } from 'node:crypto'
import { closeRedis } from './close-redis.ts'
import type { BatchRateLimiter, ConsumeResult, RateLimiter } from './rate-limiter.ts'
import { assertKeyPrefix, connectRedis, type RedisClient, type RedisTarget } from './redis-connection.ts'

/**
 * Every script starts here: `now` from Redis's clock, and a window counter's reading and
 * writing. A counter holds `<window>:<used>`; another window's (or an unreadable) value is 0.
 */
const PRELUDE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local function used_in(key, window)
  local value = redis.call('GET', key)
  if not value then return 0 end
  local at, used = string.match(value, '^(%d+):(%d+)$')
  if at == nil or tonumber(at) ~= window then return 0 end
  return tonumber(used)
end
local function store(key, window, used, reset_at)
  redis.call('SET', key, string.format('%d:%d', window, used), 'PX', reset_at - now + 1000)
end
`

/**
 * KEYS[1] window counter; ARGV cost, limit, windowMs. A denied call spends nothing. Returns
 * {allowed, remaining, resetAtMs, nowMs}.
 */
const CONSUME_SCRIPT = `${PRELUDE}
local cost = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local window_ms = tonumber(ARGV[3])
local window = math.floor(now / window_ms)
local reset_at = (window + 1) * window_ms
local used = used_in(KEYS[1], window)
if cost > 0 and used + cost > limit then
  return {0, math.max(0, limit - used), reset_at, now}
end
used = math.max(0, used + cost)
store(KEYS[1], window, used, reset_at)
return {1, math.max(0, limit - used), reset_at, now}
`

/**
 * KEYS[1] lease sorted set; ARGV limit, leaseMs, leaseId. Expired leases are dropped first.
 * Returns {allowed, inUse}.
 */
const ACQUIRE_SCRIPT = `${PRELUDE}
local limit = tonumber(ARGV[1])
local lease_ms = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local in_use = redis.call('ZCARD', KEYS[1])
if in_use >= limit then return {0, in_use} end
redis.call('ZADD', KEYS[1], now + lease_ms, ARGV[3])
redis.call('PEXPIRE', KEYS[1], lease_ms + 1000)
return {1, in_use + 1}
`

/** KEYS[1] lease sorted set; ARGV leaseMs, leaseId. Returns 1 when the lease existed and was extended. */
const RENEW_SCRIPT = `${PRELUDE}
local lease_ms = tonumber(ARGV[1])
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', now + lease_ms, ARGV[2])
redis.call('PEXPIRE', KEYS[1], lease_ms + 1000)
return 1
`

/**
 * One request's admission in one call, all or nothing. KEYS: the window counters, then the
 * lease sets. ARGV[1] the number of windows; then per window cost, limit, windowMs; then per
 * slot limit, leaseMs, leaseId. Checks every window, then every slot (dropping expired leases);
 * the first that does not fit returns {0, kind (1 window, 2 slot), index, now, remaining or
 * in-use, resetAt or 0, then remaining and resetAt of each earlier window}; when all fit, spends
 * and takes them and returns {1, 0, 0, now, remaining and resetAt per window, in-use per slot}.
 */
const ADMIT_SCRIPT = `${PRELUDE}
local windows = tonumber(ARGV[1])
local slots = #KEYS - windows
local counters = {}
local earlier = {}
for i = 1, windows do
  local cost = tonumber(ARGV[2 + (i - 1) * 3])
  local limit = tonumber(ARGV[3 + (i - 1) * 3])
  local window_ms = tonumber(ARGV[4 + (i - 1) * 3])
  local window = math.floor(now / window_ms)
  local reset_at = (window + 1) * window_ms
  local used = used_in(KEYS[i], window)
  if cost > 0 and used + cost > limit then
    local refused = {0, 1, i, now, math.max(0, limit - used), reset_at}
    for _, value in ipairs(earlier) do table.insert(refused, value) end
    return refused
  end
  used = math.max(0, used + cost)
  counters[i] = {window, used, reset_at}
  table.insert(earlier, math.max(0, limit - used))
  table.insert(earlier, reset_at)
end
local slot_args = 2 + windows * 3
for j = 1, slots do
  local lease_key = KEYS[windows + j]
  local limit = tonumber(ARGV[slot_args + (j - 1) * 3])
  redis.call('ZREMRANGEBYSCORE', lease_key, '-inf', now)
  local in_use = redis.call('ZCARD', lease_key)
  if in_use >= limit then
    local refused = {0, 2, j, now, in_use, 0}
    for _, value in ipairs(earlier) do table.insert(refused, value) end
    return refused
  end
end
local admitted = {1, 0, 0, now}
for i = 1, windows do
  local counter = counters[i]
  store(KEYS[i], counter[1], counter[2], counter[3])
  table.insert(admitted, earlier[i * 2 - 1])
  table.insert(admitted, earlier[i * 2])
end
for j = 1, slots do
  local lease_key = KEYS[windows + j]
  local lease_ms = tonumber(ARGV[slot_args + (j - 1) * 3 + 1])
  redis.call('ZADD', lease_key, now + lease_ms, ARGV[slot_args + (j - 1) * 3 + 2])
  redis.call('PEXPIRE', lease_key, lease_ms + 1000)
  table.insert(admitted, redis.call('ZCARD', lease_key))
end
return admitted
`

/**
 * Refunds and releases in one call. KEYS: the window counters, then the lease sets. ARGV[1] the
 * number of windows; then per window cost (negative) and windowMs; then per slot its leaseId. A
 * counter never goes below zero.
 */
const FINISH_SCRIPT = `${PRELUDE}
local windows = tonumber(ARGV[1])
for i = 1, windows do
  local cost = tonumber(ARGV[2 + (i - 1) * 2])
  local window_ms = tonumber(ARGV[3 + (i - 1) * 2])
  local window = math.floor(now / window_ms)
  local used = math.max(0, used_in(KEYS[i], window) + cost)
  store(KEYS[i], window, used, (window + 1) * window_ms)
end
local slot_args = 2 + windows * 2
for j = 1, #KEYS - windows do
  redis.call('ZREM', KEYS[windows + j], ARGV[slot_args + j - 1])
end
return 1
`

type ScriptedRedis = RedisClient & {
  onekeyAdmit(...keysThenArgs: (string | number)[]): Promise<number[]>
  onekeyFinish(...keysThenArgs: (string | number)[]): Promise<number>
  onekeyRenew(key: string, leaseMs: number, leaseId: string): Promise<number>
  onekeyConsume(
    key: string,
    cost: number,
    limit: number,
    windowMs: number,
  ): Promise<[number, number, number, number]>
  onekeyAcquire(key: string, limit: number, leaseMs: number, leaseId: string): Promise<[number, number]>
}

export interface RedisRateLimiterOptions {
  redis: RedisTarget
  /** Prefix of every key, so several deployments (or test runs) can share one Redis. No braces. */
  keyPrefix?: string
}

/**
 * What Redis hashes to choose a key's cluster slot: the first non-empty `{…}`, else the key.
 * @see https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags
 */
export function hashTagOf(key: string): string {
  const open = key.indexOf('{')
  const close = open === -1 ? -1 : key.indexOf('}', open + 1)
  return close > open + 1 ? key.slice(open + 1, close) : key
}

/** Refuses a batch whose keys would not share a cluster slot (on every kind of Redis, so it shows early). */
function assertOneSlot(keys: readonly string[]): void {
  const first = keys[0]
  if (first === undefined) return
  const tag = hashTagOf(first)
  if (keys.some((key) => hashTagOf(key) !== tag)) {
    throw new Error('the keys of one batched limiter call must share a group (groupedKey)')
  }
}

/** Connects to Redis, standalone or cluster (ioredis is loaded only when configured). */
export async function createRedisRateLimiter(options: RedisRateLimiterOptions): Promise<RateLimiter> {
  const prefix = options.keyPrefix ?? 'onekey:rl:'
  assertKeyPrefix(prefix)
  const redis = await connectRedis(options.redis)
  redis.defineCommand('onekeyConsume', { numberOfKeys: 1, lua: CONSUME_SCRIPT })
  redis.defineCommand('onekeyAcquire', { numberOfKeys: 1, lua: ACQUIRE_SCRIPT })
  redis.defineCommand('onekeyRenew', { numberOfKeys: 1, lua: RENEW_SCRIPT })
  // Key counts vary per call: the number of keys is the first argument.
  redis.defineCommand('onekeyAdmit', { lua: ADMIT_SCRIPT })
  redis.defineCommand('onekeyFinish', { lua: FINISH_SCRIPT })
  const scripted = redis as ScriptedRedis
  const counterKey = (key: string, windowMs: number) => `${prefix}w:${key}:${windowMs}`
  const leaseKey = (key: string) => `${prefix}l:${key}`

  const batch: BatchRateLimiter = {
    async admit(windows, slots) {
      const leaseIds = slots.map(() => randomUUID())
      const keys = [
        ...windows.map((check) => counterKey(check.key, check.rule.windowMs)),
        ...slots.map((check) => leaseKey(check.key)),
      ]
      assertOneSlot(keys)
      const reply = await scripted.onekeyAdmit(
        keys.length,
        ...keys,
        windows.length,
        ...windows.flatMap((check) => [check.cost, check.rule.limit, check.rule.windowMs]),
        ...slots.flatMap((check, index) => [check.limit, check.leaseMs, leaseIds[index]!]),
      )
      const [allowed, kind, index, nowMs] = reply as [number, number, number, number]
      const windowResult = (offset: number): ConsumeResult => ({
        allowed: true,
        remaining: reply[offset]!,
        resetAtMs: reply[offset + 1]!,
        retryAfterMs: 0,
      })
      if (allowed === 1) {
        return {
          allowed: true,
          windows: windows.map((_, position) => windowResult(4 + position * 2)),
          slots: slots.map((_, position) => ({
            allowed: true,
            leaseId: leaseIds[position],
            inUse: reply[4 + windows.length * 2 + position]!,
          })),
        }
      }
      const earlier = Array.from({ length: (reply.length - 6) / 2 }, (_, position) =>
        windowResult(6 + position * 2),
      )
      return {
        allowed: false,
        refused:
          kind === 1
            ? {
                kind: 'window',
                index: index - 1,
                result: {
                  allowed: false,
                  remaining: reply[4]!,
                  resetAtMs: reply[5]!,
                  retryAfterMs: reply[5]! - nowMs,
                },
              }
            : {
                kind: 'slot',
                index: index - 1,
                result: { allowed: false, leaseId: undefined, inUse: reply[4]! },
              },
        windows: earlier,
      }
    },
    async finish(refunds, releases) {
      if (refunds.length === 0 && releases.length === 0) return
      const keys = [
        ...refunds.map((check) => counterKey(check.key, check.rule.windowMs)),
        ...releases.map((release) => leaseKey(release.key)),
      ]
      assertOneSlot(keys)
      await scripted.onekeyFinish(
        keys.length,
        ...keys,
        refunds.length,
        ...refunds.flatMap((check) => [check.cost, check.rule.windowMs]),
        ...releases.map((release) => release.leaseId),
      )
    },
  }

  return {
    batch,
    async consume(key, cost, rule) {
      const [allowed, remaining, resetAtMs, nowMs] = await scripted.onekeyConsume(
        counterKey(key, rule.windowMs),
        cost,
        rule.limit,
        rule.windowMs,
      )
      return {
        allowed: allowed === 1,
        remaining,
        resetAtMs,
        retryAfterMs: allowed === 1 ? 0 : resetAtMs - nowMs,
      }
    },
    async acquire(key, limit, leaseMs) {
      const leaseId = randomUUID()
      const [allowed, inUse] = await scripted.onekeyAcquire(leaseKey(key), limit, leaseMs, leaseId)
      return { allowed: allowed === 1, leaseId: allowed === 1 ? leaseId : undefined, inUse }
    },
    async renew(key, leaseId, leaseMs) {
      return (await scripted.onekeyRenew(leaseKey(key), leaseMs, leaseId)) === 1
    },
    async release(key, leaseId) {
      await redis.zrem(leaseKey(key), leaseId)
    },
    async close() {
      await closeRedis(redis)
    },
  }
}
