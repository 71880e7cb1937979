import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createMemoryRateLimiter } from './memory-rate-limiter.ts'

test('windows follow the injected clock: reset time, retry time, then a fresh window', async () => {
  let nowMs = 60_000 * 10 + 15_000
  const limiter = createMemoryRateLimiter(() => nowMs)
  const rule = { limit: 2, windowMs: 60_000 }
  await limiter.consume('k', 2, rule)
  const denied = await limiter.consume('k', 1, rule)
  assert.deepEqual(denied, { allowed: false, remaining: 0, resetAtMs: 60_000 * 11, retryAfterMs: 45_000 })
  nowMs = 60_000 * 11
  assert.deepEqual(await limiter.consume('k', 1, rule), {
    allowed: true,
    remaining: 1,
    resetAtMs: 60_000 * 12,
    retryAfterMs: 0,
  })
})

test('leases expire on the injected clock', async () => {
  let nowMs = 0
  const limiter = createMemoryRateLimiter(() => nowMs)
  assert.equal((await limiter.acquire('k', 1, 1_000)).allowed, true)
  nowMs = 999
  assert.equal((await limiter.acquire('k', 1, 1_000)).allowed, false)
  nowMs = 1_000
  assert.equal((await limiter.acquire('k', 1, 1_000)).allowed, true)
})
