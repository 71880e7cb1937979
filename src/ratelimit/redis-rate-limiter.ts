/**
 * The shared {@link RateLimiter}: every decision is one atomic Lua script on Redis, timed by
 * Redis's own clock, so N gateway instances enforce one limit, not N. A request's admission
 * (every window and slot) and its finish (refunds and releases) are entries of one batch script
 * call, shared with whatever other requests' entries arrived meanwhile (redis-limiter-batches.ts):
 * at most one call per request, far fewer under load.
 *
 * Runs on a standalone Redis and on a Redis Cluster alike: every key a script touches is passed
 * in KEYS (none is built inside a script), and the keys of one batch share a `{group}` hash tag
 * (`groupedKey` in rate-limiter.ts: the workspace), so they live in one slot. The key layout and
 * the scripts are in redis-limiter-scripts.ts.
 *
 * @module
 * @see https://redis.io/docs/latest/develop/interact/programmability/eval-intro/
 * @see https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags
 */
import { randomUUID } from 'node:crypto'
import { closeRedis } from './close-redis.ts'
import type { AcquireResult, BatchRateLimiter, ConsumeResult, RateLimiter } from './rate-limiter.ts'
import { assertKeyPrefix, connectRedis, type RedisClient, type RedisTarget } from './redis-connection.ts'
import { coalescedBatches } from './redis-limiter-batches.ts'
import { BATCH_SCRIPT, RENEW_SCRIPT } from './redis-limiter-scripts.ts'

type ScriptedRedis = RedisClient & {
  onekeyBatch(...keyCountKeysThenArgs: (string | number)[]): Promise<number[][]>
  onekeyRenew(key: string, leaseMs: number, leaseId: string): Promise<number>
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

/**
 * The refusal of a batch whose keys would not share a cluster slot (on every kind of Redis, so it
 * shows early), or undefined.
 */
function mixedGroupError(keys: readonly string[]): Error | undefined {
  const first = keys[0]
  if (first === undefined) return undefined
  const tag = hashTagOf(first)
  if (keys.some((key) => hashTagOf(key) !== tag))
    return new Error('the keys of one batched limiter call must share a group (groupedKey)')
  return undefined
}

/** Connects to Redis, standalone or cluster (ioredis is loaded only when configured). */
export async function createRedisRateLimiter(options: RedisRateLimiterOptions): Promise<RateLimiter> {
  const prefix = options.keyPrefix ?? 'onekey:rl:'
  assertKeyPrefix(prefix)
  const redis = await connectRedis(options.redis)
  redis.defineCommand('onekeyRenew', { numberOfKeys: 1, lua: RENEW_SCRIPT })
  // Key counts vary per call: the number of keys is the first argument.
  redis.defineCommand('onekeyBatch', { lua: BATCH_SCRIPT })
  const scripted = redis as ScriptedRedis
  // A cluster call touches one slot: one queue per group there; a standalone Redis takes all in one.
  const cluster = (redis as { isCluster?: boolean }).isCluster === true
  const batches = coalescedBatches(
    (keys, args) => scripted.onekeyBatch(keys.length, ...keys, ...args),
    cluster ? hashTagOf : () => '',
  )
  const counterKey = (key: string, windowMs: number) => `${prefix}w:${key}:${windowMs}`
  const leaseKey = (key: string) => `${prefix}l:${key}`

  const batch: BatchRateLimiter = {
    admit(windows, slots) {
      const leaseIds = slots.map(() => randomUUID())
      const keys = [
        ...windows.map((check) => counterKey(check.key, check.rule.windowMs)),
        ...slots.map((check) => leaseKey(check.key)),
      ]
      // A refusal is a rejected promise, as from any other part of an async admission.
      const mixed = mixedGroupError(keys)
      return mixed === undefined ? batches.admit(keys, windows, slots, leaseIds) : Promise.reject(mixed)
    },
    async finish(refunds, releases) {
      if (refunds.length === 0 && releases.length === 0) return
      const keys = [
        ...refunds.map((check) => counterKey(check.key, check.rule.windowMs)),
        ...releases.map((release) => leaseKey(release.key)),
      ]
      const mixed = mixedGroupError(keys)
      if (mixed !== undefined) throw mixed
      await batches.finish(
        keys,
        refunds,
        releases.map((release) => release.leaseId),
      )
    },
  }

  return {
    batch,
    // One window, or one slot: an admission of its own (the same script, the same queue).
    async consume(key, cost, rule) {
      const admission = await batch.admit([{ key, cost, rule }], [])
      return admission.allowed ? admission.windows[0]! : (admission.refused.result as ConsumeResult)
    },
    async acquire(key, limit, leaseMs) {
      const admission = await batch.admit([], [{ key, limit, leaseMs }])
      return admission.allowed ? admission.slots[0]! : (admission.refused.result as AcquireResult)
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
