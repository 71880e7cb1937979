/**
 * The in-process {@link RateLimiter}: exact for one instance, with an injectable clock for tests.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import type { BatchRateLimiter, ConsumeResult, RateLimiter, SyncRateLimiter } from './rate-limiter.ts'

interface WindowCounter {
  window: number
  windowMs: number
  used: number
}

// Lease IDs: unique within the process (a random prefix, then a counter).
const LEASE_PREFIX = randomUUID().slice(0, 8)
let leaseCounter = 0

/** Forgets counters of past windows every this many calls, so memory stays bounded. */
const SWEEP_EVERY_CALLS = 10_000

export function createMemoryRateLimiter(now: () => number = Date.now): RateLimiter {
  const counters = new Map<string, WindowCounter>()
  const leases = new Map<string, Map<string, number>>()
  let calls = 0

  function sweep(currentMs: number): void {
    for (const [key, counter] of counters) {
      if (Math.floor(currentMs / counter.windowMs) !== counter.window) counters.delete(key)
    }
    for (const [key, slots] of leases) {
      for (const [leaseId, expiresAtMs] of slots) if (expiresAtMs <= currentMs) slots.delete(leaseId)
      if (slots.size === 0) leases.delete(key)
    }
  }

  const sync: SyncRateLimiter = {
    consume(key, cost, rule) {
      const currentMs = now()
      if (++calls % SWEEP_EVERY_CALLS === 0) sweep(currentMs)
      const window = Math.floor(currentMs / rule.windowMs)
      const resetAtMs = (window + 1) * rule.windowMs
      let counter = counters.get(key)
      if (counter === undefined || counter.window !== window || counter.windowMs !== rule.windowMs) {
        counter = { window, windowMs: rule.windowMs, used: 0 }
        counters.set(key, counter)
      }
      if (cost > 0 && counter.used + cost > rule.limit) {
        return {
          allowed: false,
          remaining: Math.max(0, rule.limit - counter.used),
          resetAtMs,
          retryAfterMs: resetAtMs - currentMs,
        }
      }
      counter.used = Math.max(0, counter.used + cost)
      return { allowed: true, remaining: Math.max(0, rule.limit - counter.used), resetAtMs, retryAfterMs: 0 }
    },
    acquire(key, limit, leaseMs) {
      const currentMs = now()
      let slots = leases.get(key)
      if (slots === undefined) {
        slots = new Map()
        leases.set(key, slots)
      }
      // Expired leases only matter when they would make the limit look reached.
      if (slots.size >= limit) {
        for (const [leaseId, expiresAtMs] of slots) if (expiresAtMs <= currentMs) slots.delete(leaseId)
        if (slots.size >= limit) return { allowed: false, leaseId: undefined, inUse: slots.size }
      }
      const leaseId = `${LEASE_PREFIX}${(leaseCounter++).toString(36)}`
      slots.set(leaseId, currentMs + leaseMs)
      return { allowed: true, leaseId, inUse: slots.size }
    },
    renew(key, leaseId, leaseMs) {
      const slots = leases.get(key)
      if (slots === undefined || !slots.has(leaseId)) return false
      slots.set(leaseId, now() + leaseMs)
      return true
    },
    release(key, leaseId) {
      const slots = leases.get(key)
      slots?.delete(leaseId)
      if (slots?.size === 0) leases.delete(key)
    },
  }

  const batch: BatchRateLimiter = {
    async admit(windows, slots) {
      // Check everything before spending anything: a refusal leaves no trace.
      const currentMs = now()
      const earlier: ConsumeResult[] = []
      for (const [index, check] of windows.entries()) {
        const window = Math.floor(currentMs / check.rule.windowMs)
        const resetAtMs = (window + 1) * check.rule.windowMs
        const counter = counters.get(check.key)
        const used =
          counter !== undefined && counter.window === window && counter.windowMs === check.rule.windowMs
            ? counter.used
            : 0
        if (check.cost > 0 && used + check.cost > check.rule.limit) {
          const result = {
            allowed: false,
            remaining: Math.max(0, check.rule.limit - used),
            resetAtMs,
            retryAfterMs: resetAtMs - currentMs,
          }
          return { allowed: false, refused: { kind: 'window', index, result }, windows: earlier }
        }
        const after = Math.max(0, used + check.cost)
        earlier.push({
          allowed: true,
          remaining: Math.max(0, check.rule.limit - after),
          resetAtMs,
          retryAfterMs: 0,
        })
      }
      for (const [index, check] of slots.entries()) {
        const held = leases.get(check.key)
        if (held !== undefined && held.size >= check.limit) {
          for (const [leaseId, expiresAtMs] of held) if (expiresAtMs <= currentMs) held.delete(leaseId)
          if (held.size >= check.limit) {
            const result = { allowed: false, leaseId: undefined, inUse: held.size }
            return { allowed: false, refused: { kind: 'slot', index, result }, windows: earlier }
          }
        }
      }
      return {
        allowed: true,
        windows: windows.map((check) => sync.consume(check.key, check.cost, check.rule)),
        slots: slots.map((check) => sync.acquire(check.key, check.limit, check.leaseMs)),
      }
    },
    async finish(refunds, releases) {
      for (const refund of refunds) sync.consume(refund.key, refund.cost, refund.rule)
      for (const release of releases) sync.release(release.key, release.leaseId)
    },
  }

  return {
    sync,
    batch,
    consume: async (key, cost, rule) => sync.consume(key, cost, rule),
    acquire: async (key, limit, leaseMs) => sync.acquire(key, limit, leaseMs),
    renew: async (key, leaseId, leaseMs) => sync.renew(key, leaseId, leaseMs),
    release: async (key, leaseId) => sync.release(key, leaseId),
    async close() {
      counters.clear()
      leases.clear()
    },
  }
}
