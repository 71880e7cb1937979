import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatReset } from './limit-admission.ts'
import { createLimitGate, resolveLimits } from './request-limits.ts'

const config = {
  backend: 'memory' as const,
  onRedisFailure: 'fail_closed' as const,
  concurrencyLeaseMs: 1_000,
  defaultTier: 'free',
  tiers: {
    free: { rpm: 20, tpm: 200_000, concurrency: 2 },
    pro: { rpm: 200, tpm: 2_000_000, concurrency: 10 },
  },
}
const none = { rpm: null, tpm: null, concurrency: null }

test('tier, workspace overrides, and key limits that can only be stricter', () => {
  assert.deepEqual(resolveLimits({ tier: null, workspaceLimits: none, keyLimits: none }, config), {
    workspace: { rpm: 20, tpm: 200_000, concurrency: 2 },
    key: undefined,
  })
  const pro = resolveLimits({ tier: 'pro', workspaceLimits: { ...none, rpm: 500 }, keyLimits: none }, config)
  assert.deepEqual(
    pro.workspace,
    { rpm: 500, tpm: 2_000_000, concurrency: 10 },
    'a workspace override may raise its tier',
  )
  const key = resolveLimits(
    { tier: 'pro', workspaceLimits: none, keyLimits: { rpm: 5, tpm: 9_000_000, concurrency: null } },
    config,
  )
  assert.deepEqual(
    key.key,
    { rpm: 5, tpm: 2_000_000, concurrency: 10 },
    'a key never gets more than its workspace',
  )
  assert.deepEqual(
    resolveLimits({ tier: 'gone', workspaceLimits: none, keyLimits: none }, config).workspace,
    config.tiers.free,
    'an unknown tier falls back to the default',
  )
})

test('reset times read like OpenAI’s', () => {
  assert.equal(formatReset(999), '1s')
  assert.equal(formatReset(6 * 60_000), '6m0s')
  assert.equal(formatReset(3_723_000), '1h2m3s')
  assert.equal(formatReset(-5), '0s')
})

test('admission and finish leave no slot behind to renew', async () => {
  const { createMemoryRateLimiter } = await import('../../ratelimit/memory-rate-limiter.ts')
  const { createLogger } = await import('../../logging/logger.ts')
  const limiter = createMemoryRateLimiter()
  const gate = createLimitGate({
    limiter,
    fallback: limiter,
    config,
    logger: createLogger({ level: 'silent' }),
  })
  const key = {
    keyId: 'k',
    workspaceId: 'w',
    tier: null,
    workspaceLimits: none,
    keyLimits: none,
  } as unknown as Parameters<typeof gate.admit>[1]
  const context = { headers: undefined } as unknown as Parameters<typeof gate.admit>[0]
  const first = await gate.admit(context, key, 10)
  const second = await gate.admit(context, key, 10)
  await assert.rejects(gate.admit(context, key, 10), { code: 'rate_limit_exceeded' })
  first.finish(5)
  second.finish(5)
  first.finish(5)
  const third = await gate.admit(context, key, 10)
  third.finish(0)
  assert.equal(
    (context as unknown as { headers: Record<string, string> }).headers['x-ratelimit-limit-requests'],
    '20',
  )
  gate.close()
  await limiter.close()
})
