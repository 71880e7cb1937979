/**
 * The shared {@link RateLimiter}: every decision is one atomic Lua script on Redis, timed by
 * Redis's own clock, so N gateway instances enforce one limit, not N.
 *
 * @module
 * @see https://redis.io/docs/latest/develop/interact/programmability/eval-intro/
 */
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { closeRedis } from './close-redis.ts'
import type { RateLimiter } from './rate-limiter.ts'

/**
 * KEYS[1] counter key prefix; ARGV cost, limit, windowMs. The window is chosen from Redis's
 * clock; a denied call spends nothing. Returns {allowed, remaining, resetAtMs, nowMs}.
 */
const CONSUME_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local cost = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local window_ms = tonumber(ARGV[3])
local window = math.floor(now / window_ms)
local key = KEYS[1] .. ':' .. window_ms .. ':' .. window
local reset_at = (window + 1) * window_ms
local used = tonumber(redis.call('GET', key) or '0')
if cost > 0 and used + cost > limit then
  return {0, math.max(0, limit - used), reset_at, now}
end
used = used + cost
if used < 0 then used = 0 end
redis.call('SET', key, used, 'PX', reset_at - now + 1000)
return {1, math.max(0, limit - used), reset_at, now}
`

/**
 * KEYS[1] lease sorted set; ARGV limit, leaseMs, leaseId. Expired leases are dropped first.
 * Returns {allowed, inUse}.
 */
const ACQUIRE_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
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
const RENEW_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local lease_ms = tonumber(ARGV[1])
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', now + lease_ms, ARGV[2])
redis.call('PEXPIRE', KEYS[1], lease_ms + 1000)
return 1
`

type ScriptedRedis = Redis & {
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
  url: string
  /** Prefix of every key, so several deployments (or test runs) can share one Redis. */
  keyPrefix?: string
}

/** Connects to Redis (ioredis is loaded only here, only when configured). */
export async function createRedisRateLimiter(options: RedisRateLimiterOptions): Promise<RateLimiter> {
  const { Redis } = await import('ioredis')
  const redis = new Redis(options.url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  })
  await redis.connect()
  redis.defineCommand('onekeyConsume', { numberOfKeys: 1, lua: CONSUME_SCRIPT })
  redis.defineCommand('onekeyAcquire', { numberOfKeys: 1, lua: ACQUIRE_SCRIPT })
  redis.defineCommand('onekeyRenew', { numberOfKeys: 1, lua: RENEW_SCRIPT })
  const scripted = redis as ScriptedRedis
  const prefix = options.keyPrefix ?? 'onekey:rl:'

  return {
    async consume(key, cost, rule) {
      const [allowed, remaining, resetAtMs, nowMs] = await scripted.onekeyConsume(
        `${prefix}c:${key}`,
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
      const [allowed, inUse] = await scripted.onekeyAcquire(`${prefix}l:${key}`, limit, leaseMs, leaseId)
      return { allowed: allowed === 1, leaseId: allowed === 1 ? leaseId : undefined, inUse }
    },
    async renew(key, leaseId, leaseMs) {
      return (await scripted.onekeyRenew(`${prefix}l:${key}`, leaseMs, leaseId)) === 1
    },
    async release(key, leaseId) {
      await redis.zrem(`${prefix}l:${key}`, leaseId)
    },
    async close() {
      await closeRedis(redis)
    },
  }
}
