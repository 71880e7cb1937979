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

test('transitions are reported once, and shared ones are applied without echo', () => {
  let clock = 1_000
  const transitions: string[] = []
  const health = createAccountHealth({
    failureThreshold: 2,
    cooldownMs: 100,
    maxCooldownMs: 1_000,
    now: () => clock,
    onTransition: (account, transition) =>
      transitions.push(
        `${account}:${transition.state}${transition.state === 'open' ? `@${transition.untilMs}` : ''}`,
      ),
  })
  health.recordFailure('x', 'transient')
  health.recordFailure('x', 'transient')
  health.recordSuccess('y')
  assert.deepEqual(transitions, ['x:open@1100'])
  clock = 1_100
  assert.equal(health.tryAcquire('x'), true, 'half-open probe')
  health.recordSuccess('x')
  assert.deepEqual(transitions, ['x:open@1100', 'x:closed'])

  health.applyShared('z', { state: 'open', untilMs: 5_000 })
  assert.equal(health.isAvailable('z'), false)
  health.applyShared('z', { state: 'open', untilMs: 2_000 })
  assert.equal(
    health.snapshot().find((circuit) => circuit.account === 'z')?.openUntilMs,
    5_000,
    'the later end wins',
  )
  health.applyShared('z', { state: 'closed' })
  assert.equal(health.isAvailable('z'), true)
  health.applyShared('old', { state: 'open', untilMs: 500 })
  assert.equal(health.isAvailable('old'), true, 'an expired open is ignored')
  assert.equal(transitions.length, 2, 'shared transitions are not re-published')
})
