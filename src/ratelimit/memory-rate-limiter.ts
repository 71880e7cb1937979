/**
 * The in-process {@link RateLimiter}: exact for one instance, with an injectable clock for tests.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import type {
  AcquireResult,
  BatchRateLimiter,
  ConsumeResult,
  RateLimiter,
  SyncRateLimiter,
} from './rate-limiter.ts'

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
    // One synchronous pass is atomic here: spend in order, and undo it all at the first refusal.
    async admit(windows, slots) {
      const spent: ConsumeResult[] = []
      const taken: AcquireResult[] = []
      const undo = () => {
        for (let index = 0; index < spent.length; index++) {
          const check = windows[index]!
          sync.consume(check.key, -check.cost, check.rule)
        }
        for (let index = 0; index < taken.length; index++)
          sync.release(slots[index]!.key, taken[index]!.leaseId!)
      }
      for (const [index, check] of windows.entries()) {
        const result = sync.consume(check.key, check.cost, check.rule)
        if (!result.allowed) {
          undo()
          return { allowed: false, refused: { kind: 'window', index, result }, windows: spent }
        }
        spent.push(result)
      }
      for (const [index, check] of slots.entries()) {
        const result = sync.acquire(check.key, check.limit, check.leaseMs)
        if (!result.allowed) {
          undo()
          return { allowed: false, refused: { kind: 'slot', index, result }, windows: spent }
        }
        taken.push(result)
      }
      return { allowed: true, windows: spent, slots: taken }
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
