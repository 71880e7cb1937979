import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import { createRedisRateLimiter } from '../../src/ratelimit/redis-rate-limiter.ts'
import { redisSkipReason, TEST_REDIS_URL } from '../helpers/backends.ts'
import { describeRateLimiterContract } from './rate-limiter.contract.ts'

const skip = await redisSkipReason()
if (skip === false) {
  const keyPrefix = `onekey-test:${randomUUID()}:`
  const redis = { kind: 'standalone', url: TEST_REDIS_URL } as const
  describeRateLimiterContract('redis', () => createRedisRateLimiter({ redis, keyPrefix }))

  describe('Redis limiter: one limit across instances', () => {
    test('two limiters on one Redis share the window and the slots', async () => {
      const [one, two] = await Promise.all([
        createRedisRateLimiter({ redis, keyPrefix }),
        createRedisRateLimiter({ redis, keyPrefix }),
      ])
      try {
        const rule = { limit: 20, windowMs: 60_000 }
        const key = `shared:${randomUUID()}`
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, index) => (index % 2 === 0 ? one : two).consume(key, 1, rule)),
        )
        assert.equal(results.filter((result) => result.allowed).length, 20)
        const slotKey = `slots:${randomUUID()}`
        const slots = await Promise.all(
          Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? one : two).acquire(slotKey, 2, 60_000)),
        )
        assert.equal(slots.filter((slot) => slot.allowed).length, 2)
      } finally {
        await Promise.all([one.close(), two.close()])
      }
    })
  })
}
