import { createMemoryRateLimiter } from '../../src/ratelimit/memory-rate-limiter.ts'
import { describeRateLimiterContract } from './rate-limiter.contract.ts'

describeRateLimiterContract('memory', async () => createMemoryRateLimiter())
