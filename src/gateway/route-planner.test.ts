import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildConfig } from '../config/config.ts'
import { createProviderRegistry } from '../providers/registry.ts'
import { createAccountHealth } from './account-health.ts'
import {
  type AttemptCursor,
  createRoutePlanner,
  type PlannedAttempt,
  weightedOrder,
} from './route-planner.ts'

function drain(cursor: AttemptCursor): PlannedAttempt[] {
  const attempts: PlannedAttempt[] = []
  for (let attempt = cursor.next(); attempt !== undefined; attempt = cursor.next()) attempts.push(attempt)
  return attempts
}

const config = buildConfig(
  {
    providers: [
      {
        name: 'primary',
        kind: 'openai-compatible',
        base_url: 'http://127.0.0.1:9/v1',
        accounts: [
          { name: 'a', api_key_env: 'KEY_A', weight: 3 },
          { name: 'b', api_key_env: 'KEY_B', weight: 1 },
        ],
      },
      { name: 'backup', kind: 'sim' },
    ],
    models: [{ id: 'm', routes: [{ provider: 'primary', model: 'upstream-m' }, { provider: 'backup' }] }],
  },
  { KEY_A: 'secret-a', KEY_B: 'secret-b' },
)

test('weightedOrder picks by weight and never repeats', () => {
  const counts = { a: 0, b: 0 }
  let seed = 1
  const random = () => {
    seed = (seed * 16807) % 2147483647
    return seed / 2147483647
  }
  for (let index = 0; index < 4000; index++) {
    const order = weightedOrder(
      [
        { name: 'a' as const, weight: 3 },
        { name: 'b' as const, weight: 1 },
      ],
      random,
    )
    assert.equal(new Set(order.map((item) => item.name)).size, 2)
    counts[order[0]!.name]++
  }
  assert.ok(counts.a > 2800 && counts.a < 3200, `a first ${counts.a} of 4000, expected ~3000`)
})

test('attempts go through every healthy account of each route in order, then the next route', () => {
  const health = createAccountHealth({ failureThreshold: 1, cooldownMs: 60_000, maxCooldownMs: 60_000 })
  const registry = createProviderRegistry(config)
  const planner = createRoutePlanner(config.models, registry, health, () => 0.5)
  const model = planner.resolveModel('m')
  assert.deepEqual(
    drain(planner.attempts(model)).map((attempt) => `${attempt.accountKey}:${attempt.target.upstreamModel}`),
    ['primary/a:upstream-m', 'primary/b:upstream-m', 'backup/local:m'],
  )
  health.recordFailure('primary/a', 'auth')
  assert.deepEqual(
    drain(planner.attempts(model)).map((attempt) => attempt.accountKey),
    ['primary/b', 'backup/local'],
  )
  assert.throws(() => planner.resolveModel('nope'), { code: 'model_not_found', status: 404 })
  return registry.close()
})
