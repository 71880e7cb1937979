/**
 * The limiter seam: counters in fixed windows (requests or tokens per minute) and leased
 * concurrency slots. One interface, an in-memory implementation for one process and a Redis
 * implementation shared by every instance; both pass `test/contract/rate-limiter.contract.ts`.
 *
 * Fixed windows are what OpenAI-style "per minute" limits promise and make "exactly N per
 * window across instances" checkable; a denied consume never spends anything.
 *
 * @module
 */

export interface WindowRule {
  /** Units allowed per window (requests, or tokens). */
  limit: number
  windowMs: number
}

export interface ConsumeResult {
  allowed: boolean
  /** Units left in the current window after this call. */
  remaining: number
  /** When the current window ends (epoch milliseconds, the backend's clock). */
  resetAtMs: number
  /** 0 when allowed; otherwise how long until the window resets. */
  retryAfterMs: number
}

export interface AcquireResult {
  allowed: boolean
  /** Pass to `release`; undefined when not allowed. */
  leaseId: string | undefined
  /** Slots in use after this call. */
  inUse: number
}

export interface RateLimiter {
  /**
   * Spends `cost` units of `key` in the current window if they all fit, else nothing. A
   * negative cost gives units back (a correction after the actual usage is known) and is
   * always allowed.
   */
  consume(key: string, cost: number, rule: WindowRule): Promise<ConsumeResult>
  /**
   * Takes one of `limit` concurrency slots of `key`. A slot is a lease: it frees itself after
   * `leaseMs` if never released, so a crashed instance cannot hold slots forever.
   */
  acquire(key: string, limit: number, leaseMs: number): Promise<AcquireResult>
  release(key: string, leaseId: string): Promise<void>
  /** Extends a held slot's lease to `leaseMs` from now (a long request); false if it is gone. */
  renew(key: string, leaseId: string, leaseMs: number): Promise<boolean>
  close(): Promise<void>
  /**
   * The same operations answered synchronously, for in-process limiters: the request path then
   * admits without a promise per check.
   */
  readonly sync?: SyncRateLimiter
}

/** {@link RateLimiter}'s operations, answered at once (in-process limiters only). */
export interface SyncRateLimiter {
  consume(key: string, cost: number, rule: WindowRule): ConsumeResult
  acquire(key: string, limit: number, leaseMs: number): AcquireResult
  release(key: string, leaseId: string): void
  renew(key: string, leaseId: string, leaseMs: number): boolean
}
