import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createAccountHealth } from './account-health.ts'

function setup() {
  let nowMs = 1_000
  const health = createAccountHealth({
    failureThreshold: 3,
    cooldownMs: 100,
    maxCooldownMs: 350,
    now: () => nowMs,
  })
  return { health, advance: (ms: number) => (nowMs += ms) }
}

test('an auth failure opens the circuit at once; after the cool-down one probe is let through', () => {
  const { health, advance } = setup()
  health.recordFailure('a', 'auth')
  assert.equal(health.tryAcquire('a'), false)
  advance(100)
  assert.equal(health.tryAcquire('a'), true, 'half-open probe')
  assert.equal(health.tryAcquire('a'), false, 'only one probe at a time')
  advance(100)
  assert.equal(health.tryAcquire('a'), true, 'a probe that never reported back frees the slot')
  health.recordSuccess('a')
  assert.equal(health.tryAcquire('a'), true)
  assert.equal(health.tryAcquire('a'), true)
})

test('a failed probe doubles the cool-down, capped', () => {
  const { health, advance } = setup()
  health.recordFailure('a', 'auth')
  advance(100)
  assert.equal(health.tryAcquire('a'), true)
  health.recordFailure('a', 'auth')
  advance(199)
  assert.equal(health.tryAcquire('a'), false, 'cool-down is now 200 ms')
  advance(1)
  assert.equal(health.tryAcquire('a'), true)
  health.recordFailure('a', 'transient')
  advance(399)
  assert.equal(health.isAvailable('a'), true, 'capped at 350 ms, not 400')
})

test('transient failures open only after the threshold in a row; a success resets the count', () => {
  const { health } = setup()
  health.recordFailure('a', 'transient')
  health.recordFailure('a', 'transient')
  health.recordSuccess('a')
  health.recordFailure('a', 'transient')
  health.recordFailure('a', 'transient')
  assert.equal(health.tryAcquire('a'), true)
  health.recordFailure('a', 'transient')
  assert.equal(health.tryAcquire('a'), false)
  assert.equal(health.tryAcquire('b'), true, 'accounts are independent')
})

test('a 429 rests the account for Retry-After without counting as breakage', () => {
  const { health, advance } = setup()
  health.recordFailure('a', 'rate_limited', 2)
  assert.equal(health.isAvailable('a'), false)
  advance(350)
  assert.equal(health.isAvailable('a'), true, 'capped by max cool-down')
  health.recordFailure('b', 'rate_limited')
  assert.equal(health.isAvailable('b'), true, 'no Retry-After: not rested')
})
