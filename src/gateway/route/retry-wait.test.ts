import assert from 'node:assert/strict'
import { test } from 'node:test'
import { GatewayError } from '../../errors/gateway-error.ts'
import { createAccountHealth } from '../attempt/account-health.ts'
import { planRetry, type RetryWaitState, waitForRetry } from './retry-wait.ts'
import type { PlannedAttempt } from './route-planner.ts'

const attemptOf = (accountKey: string) => ({ accountKey }) as PlannedAttempt
const serverError = new GatewayError('upstream_error', 'boom')
const rateLimited = new GatewayError('upstream_rate_limited', 'slow down', { retryAfterSeconds: 1 })

function setup(nowMs = 1_000_000) {
  const clock = { nowMs }
  const health = createAccountHealth({
    failureThreshold: 2,
    cooldownMs: 500,
    maxCooldownMs: 60_000,
    now: () => clock.nowMs,
  })
  return { clock, health }
}

test('pauseEndsAtMs: only a rest the upstream asked for (429 Retry-After), not a failure circuit', () => {
  const { clock, health } = setup()
  health.recordFailure('p/a', 'rate_limited', 1)
  assert.equal(health.pauseEndsAtMs('p/a'), clock.nowMs + 1_000)
  health.recordFailure('p/b', 'transient')
  health.recordFailure('p/b', 'transient')
  assert.equal(health.isAvailable('p/b'), false)
  assert.equal(health.pauseEndsAtMs('p/b'), undefined, 'opened by failures')
  assert.equal(health.pauseEndsAtMs('p/c'), undefined, 'never failed')
  clock.nowMs += 1_000
  assert.equal(health.pauseEndsAtMs('p/a'), undefined, 'the pause is over')
})

test('planRetry: a 5xx retry after a short backoff beats a longer pause; a pause alone is waited for', () => {
  const { clock, health } = setup()
  const a = attemptOf('p/a')
  const b = attemptOf('p/b')
  health.recordFailure('p/a', 'rate_limited', 1)
  health.recordFailure('p/b', 'transient')
  const state: RetryWaitState = {
    failed: [
      { attempt: a, error: rateLimited },
      { attempt: b, error: serverError },
    ],
    retried: new Set(),
  }
  const retry = planRetry(state, [], health, 2_000, clock.nowMs, () => 0.5)
  assert.equal(retry?.attempt, b)
  assert.equal(retry?.delayMs, 200)
  state.retried.add('p/b')
  const wait = planRetry(state, [], health, 2_000, clock.nowMs)
  assert.equal(wait?.attempt, a)
  assert.ok(wait!.delayMs >= 1_000 && wait!.delayMs < 1_100)
  assert.equal(
    planRetry(state, [], health, 500, clock.nowMs),
    undefined,
    'the pause is longer than the bound',
  )
  assert.equal(planRetry(state, [], health, 0, clock.nowMs), undefined, 'disabled')
})

test('planRetry: nothing when no account is paused (every account failed: a fast 503)', () => {
  const { clock, health } = setup()
  health.recordFailure('p/a', 'transient')
  health.recordFailure('p/b', 'transient')
  const state: RetryWaitState = {
    failed: [
      { attempt: attemptOf('p/a'), error: serverError },
      { attempt: attemptOf('p/b'), error: serverError },
    ],
    retried: new Set(),
  }
  assert.equal(planRetry(state, [], health, 2_000, clock.nowMs), undefined)
})

test('planRetry: an account skipped because it was already paused is a candidate; BYOK keys never are', () => {
  const { clock, health } = setup()
  health.recordFailure('p/a', 'rate_limited', 1)
  const skipped = attemptOf('p/a')
  const byok = { accountKey: undefined } as PlannedAttempt
  const state: RetryWaitState = { failed: [{ attempt: byok, error: serverError }], retried: new Set() }
  assert.equal(planRetry(state, [skipped], health, 2_000, clock.nowMs)?.attempt, skipped)
})

test('waitForRetry: an aborted client ends the wait at once', async () => {
  const health = createAccountHealth({ failureThreshold: 2, cooldownMs: 500, maxCooldownMs: 60_000 })
  health.recordFailure('p/a', 'rate_limited', 1)
  const attempt = attemptOf('p/a')
  const controller = new AbortController()
  const started = performance.now()
  const waiting = waitForRetry(
    { next: () => undefined, skipped: () => [] },
    { failed: [{ attempt, error: rateLimited }], retried: new Set() },
    health,
    2_000,
    controller.signal,
  )
  setTimeout(() => controller.abort(), 20)
  assert.equal(await waiting, undefined)
  assert.ok(performance.now() - started < 500)
})
