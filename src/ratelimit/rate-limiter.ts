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
  /**
   * Several checks, or several releases, in one call: for a shared limiter, one round trip per
   * admission instead of one per check. The keys of one call share a group ({@link groupedKey}).
   */
  readonly batch?: BatchRateLimiter
}

/** One window to spend in: {@link RateLimiter.consume}'s arguments. */
export interface WindowCheck {
  key: string
  cost: number
  rule: WindowRule
}

/** One concurrency slot to take: {@link RateLimiter.acquire}'s arguments. */
export interface SlotCheck {
  key: string
  limit: number
  leaseMs: number
}

export type BatchAdmission =
  | {
      allowed: true
      /** One per window check, in order. */
      windows: ConsumeResult[]
      /** One per slot check, in order, each with its lease. */
      slots: AcquireResult[]
    }
  | {
      allowed: false
      /** The first check that did not fit: windows first, then slots (index into them). */
      refused:
        | { kind: 'window'; index: number; result: ConsumeResult }
        | { kind: 'slot'; index: number; result: AcquireResult }
      /** What the windows before the refused one would have left (nothing was spent). */
      windows: ConsumeResult[]
    }

export interface BatchRateLimiter {
  /**
   * Every window and slot check of one request, all or nothing: the windows in order, then the
   * slots; at the first that does not fit nothing is spent and no slot is taken.
   */
  admit(windows: readonly WindowCheck[], slots: readonly SlotCheck[]): Promise<BatchAdmission>
  /** Gives units back (negative costs; always allowed) and frees slots, in one call. */
  finish(
    refunds: readonly WindowCheck[],
    releases: readonly { key: string; leaseId: string }[],
  ): Promise<void>
}

/**
 * A limiter key in a group: the keys of one batch call (one request's windows and slots) must
 * share a group, so a shared limiter keeps them together (one `{group}` hash tag, one Redis
 * Cluster slot) and still answers the whole admission with one script call.
 */
export function groupedKey(group: string, name: string): string {
  if (/[{}]/.test(group)) throw new Error(`a limiter key group cannot contain braces: ${group}`)
  return `{${group}}${name}`
}

/** {@link RateLimiter}'s operations, answered at once (in-process limiters only). */
export interface SyncRateLimiter {
  consume(key: string, cost: number, rule: WindowRule): ConsumeResult
  acquire(key: string, limit: number, leaseMs: number): AcquireResult
  release(key: string, leaseId: string): void
  renew(key: string, leaseId: string, leaseMs: number): boolean
}
