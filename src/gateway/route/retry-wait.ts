/**
 * A last chance before a request gives up with attempts to spare: when every alternative is
 * resting or already tried and at least one account rests because its upstream asked for a
 * pause (a 429's `Retry-After`), wait for the pause that ends first if that is within
 * `upstream.max_retry_wait_ms`, or retry a 5xx'd account once after a short jittered backoff,
 * whichever comes sooner. Circuits opened by failures are not waited for (the lane is unhealthy:
 * a fast 503 as before). Only accounts the stage's own cursor produced are candidates, so a
 * retry never leaves the request's lane; each account gets one such retry.
 *
 * @module
 * Product spec §2.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { GatewayError } from '../../errors/gateway-error.ts'
import type { AccountHealth } from '../attempt/account-health.ts'
import type { AttemptCursor, PlannedAttempt } from './route-planner.ts'

/** An attempt of this stage that failed with a retryable error. */
export interface FailedAttempt {
  attempt: PlannedAttempt
  error: GatewayError
}

export interface RetryWaitState {
  /** Retryable failures of the current stage, in order. */
  failed: FailedAttempt[]
  /** Accounts already given their one extra attempt. */
  retried: Set<string>
}

export interface PlannedRetry {
  attempt: PlannedAttempt
  delayMs: number
}

const BACKOFF_MIN_MS = 100
const BACKOFF_SPREAD_MS = 200
/** Timers and clocks disagree by a millisecond or two: wake just after the pause ends. */
const PAUSE_MARGIN_MS = 5

/** The retry to make and how long to wait first, or undefined when none fits within `maxWaitMs`. */
export function planRetry(
  state: RetryWaitState,
  skipped: readonly PlannedAttempt[],
  health: AccountHealth,
  maxWaitMs: number,
  nowMs: number = Date.now(),
  random: () => number = Math.random,
): PlannedRetry | undefined {
  if (maxWaitMs <= 0) return undefined
  let best: PlannedRetry | undefined
  const consider = (attempt: PlannedAttempt, delayMs: number) => {
    if (delayMs <= maxWaitMs && (best === undefined || delayMs < best.delayMs))
      best = { attempt, delayMs: Math.max(0, delayMs) }
  }
  const seen = new Set<string>()
  let paused = false
  for (const attempt of [...state.failed.map((failure) => failure.attempt), ...skipped]) {
    const key = attempt.accountKey
    if (key === undefined || seen.has(key)) continue
    seen.add(key)
    const pauseEndsAtMs = health.pauseEndsAtMs(key)
    if (pauseEndsAtMs === undefined) continue
    paused = true
    if (!state.retried.has(key)) consider(attempt, pauseEndsAtMs - nowMs + PAUSE_MARGIN_MS)
  }
  // Only a pause cost this request its alternatives: when every account failed on its own, the
  // lane is unhealthy and the answer stays a fast 503.
  if (!paused) return undefined
  for (const { attempt, error } of state.failed) {
    const key = attempt.accountKey
    // An upstream 5xx: transient, worth one more try on the same account once it had a breath.
    if (key === undefined || error.code !== 'upstream_error' || state.retried.has(key)) continue
    if (!health.isAvailable(key)) continue
    consider(attempt, Math.min(maxWaitMs, BACKOFF_MIN_MS + random() * BACKOFF_SPREAD_MS))
  }
  return best
}

/**
 * Waits (abortably, with the client's signal) for the planned retry and takes its account;
 * undefined when there is none, the client went away, or another request took the account's probe.
 */
export async function waitForRetry(
  cursor: AttemptCursor,
  state: RetryWaitState,
  health: AccountHealth,
  maxWaitMs: number,
  signal: AbortSignal,
): Promise<PlannedAttempt | undefined> {
  if (signal.aborted) return undefined
  const planned = planRetry(state, cursor.skipped(), health, maxWaitMs)
  if (planned === undefined) return undefined
  const key = planned.attempt.accountKey!
  state.retried.add(key)
  try {
    if (planned.delayMs > 0) await sleep(planned.delayMs, undefined, { signal })
  } catch {
    return undefined
  }
  if (signal.aborted || !health.tryAcquire(key)) return undefined
  return planned.attempt
}
