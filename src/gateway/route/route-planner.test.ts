import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createCatalog } from '../../catalog/catalog.ts'
import { buildConfig } from '../../config/config.ts'
import { createProviderRegistry } from '../../providers/registry.ts'
import { createAccountHealth } from '../attempt/account-health.ts'
import { createOfferStats } from '../attempt/offer-stats.ts'
import {
  type AttemptCursor,
  createRoutePlanner,
  type PlanInput,
  type PlannedAttempt,
  weightedOrder,
} from './route-planner.ts'
import type { ProviderPreferences } from './routing-options.ts'

function drain(cursor: AttemptCursor): string[] {
  const attempts: PlannedAttempt[] = []
  for (let attempt = cursor.next(); attempt !== undefined; attempt = cursor.next()) attempts.push(attempt)
  return attempts.map(
    (attempt) => `${attempt.lane}:${attempt.accountKey ?? 'byok'}:${attempt.target.upstreamModel}`,
  )
}

const price = (input: string, output: string) => ({ input, output })

const config = buildConfig(
  {
    providers: [
      {
        name: 'vendor',
        kind: 'openai-compatible',
        base_url: 'http://127.0.0.1:9/v1',
        accounts: [
          { name: 'a', api_key_env: 'KEY_A', weight: 3 },
          { name: 'b', api_key_env: 'KEY_B', weight: 1 },
        ],
      },
      {
        name: 'other',
        kind: 'openai-compatible',
        base_url: 'http://127.0.0.1:10/v1',
        accounts: [{ name: 'c', api_key_env: 'KEY_A' }],
      },
      {
        name: 'official',
        kind: 'openai',
        base_url: 'http://127.0.0.1:11/v1',
        accounts: [
          { name: 'o1', api_key_env: 'KEY_A', trust: 'official' },
          { name: 'o2', api_key_env: 'KEY_B', trust: 'official' },
        ],
      },
    ],
    models: [
      {
        id: 'm',
        offers: [
          { lane: 'cheap', provider: 'vendor', model: 'vendor-m', price: price('0.5', '1') },
          {
            lane: 'cheap',
            provider: 'other',
            model: 'other-m',
            price: price('0.1', '0.2'),
            data_policy: { retains_prompts: true },
          },
          { lane: 'resale', provider: 'official', price: price('2', '8') },
          { lane: 'byok', provider: 'official', model: 'official-m', price: price('0', '0') },
        ],
      },
      { id: 'n', offers: [{ lane: 'cheap', provider: 'vendor', price: price('1', '1') }] },
    ],
  },
  { KEY_A: 'secret-a', KEY_B: 'secret-b' },
)

function setup() {
  const health = createAccountHealth({ failureThreshold: 1, cooldownMs: 60_000, maxCooldownMs: 60_000 })
  const stats = createOfferStats()
  const registry = createProviderRegistry(config)
  const catalog = createCatalog(config.models)
  const planner = createRoutePlanner(catalog, registry, health, stats, () => 0.5)
  const model = (id: string) => catalog.find(id)!
  const plan = (input: Partial<PlanInput> & Pick<PlanInput, 'lane'>) =>
    drain(
      planner.plan({
        models: [model('m')],
        preferences: undefined,
        denyDataCollection: false,
        ...input,
      }),
    )
  return { health, stats, registry, catalog, planner, model, plan }
}

function preferences(overrides: Partial<ProviderPreferences>): ProviderPreferences {
  return {
    order: undefined,
    only: undefined,
    ignore: undefined,
    allowFallbacks: true,
    dataCollection: 'allow',
    sort: undefined,
    maxPrice: undefined,
    ...overrides,
  }
}

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

test('cheap: cheapest offer first, every healthy pooled account, never an official one', async () => {
  const { plan, health, registry } = setup()
  assert.deepEqual(plan({ lane: 'cheap' }), [
    'cheap:other/c:other-m',
    'cheap:vendor/a:vendor-m',
    'cheap:vendor/b:vendor-m',
  ])
  health.recordFailure('vendor/a', 'auth')
  assert.deepEqual(plan({ lane: 'cheap' }), ['cheap:other/c:other-m', 'cheap:vendor/b:vendor-m'])
  await registry.close()
})

test('resale: official accounts only; with every one resting there is nothing to try', async () => {
  const { plan, health, registry } = setup()
  assert.deepEqual(plan({ lane: 'resale' }), ['resale:official/o1:m', 'resale:official/o2:m'])
  health.recordFailure('official/o1', 'auth')
  health.recordFailure('official/o2', 'auth')
  assert.deepEqual(plan({ lane: 'resale' }), [], 'never the pool')
  await registry.close()
})

test('byok: one attempt per model with the given key, no health tracking', async () => {
  const { planner, model, registry } = setup()
  const cursor = planner.plan({
    lane: 'byok',
    models: [model('m'), model('n')],
    byok: { provider: 'official', apiKey: 'sk-customer' },
    preferences: undefined,
    denyDataCollection: false,
  })
  const attempt = cursor.next()!
  assert.equal(attempt.accountKey, undefined)
  assert.equal(attempt.target.account.apiKey, 'sk-customer')
  assert.equal(attempt.target.account.baseUrl, 'http://127.0.0.1:11/v1')
  assert.equal(attempt.target.upstreamModel, 'official-m')
  assert.equal(cursor.next(), undefined, 'n has no byok offer')
  await registry.close()
})

test('models list: each model in order, within the lane', async () => {
  const { plan, model, registry } = setup()
  assert.deepEqual(plan({ lane: 'cheap', models: [model('n'), model('m')] }), [
    'cheap:vendor/a:n',
    'cheap:vendor/b:n',
    'cheap:other/c:other-m',
    'cheap:vendor/a:vendor-m',
    'cheap:vendor/b:vendor-m',
  ])
  await registry.close()
})

test('steering: only, ignore, order, allow_fallbacks, max_price, data collection', async () => {
  const { plan, planner, model, registry } = setup()
  assert.deepEqual(plan({ lane: 'cheap', preferences: preferences({ only: ['vendor'] }) }), [
    'cheap:vendor/a:vendor-m',
    'cheap:vendor/b:vendor-m',
  ])
  assert.deepEqual(plan({ lane: 'cheap', preferences: preferences({ ignore: ['vendor'] }) }), [
    'cheap:other/c:other-m',
  ])
  assert.deepEqual(plan({ lane: 'cheap', preferences: preferences({ order: ['vendor'] }) }), [
    'cheap:vendor/a:vendor-m',
    'cheap:vendor/b:vendor-m',
    'cheap:other/c:other-m',
  ])
  assert.deepEqual(
    plan({ lane: 'cheap', preferences: preferences({ order: ['vendor'], allowFallbacks: false }) }),
    ['cheap:vendor/a:vendor-m', 'cheap:vendor/b:vendor-m'],
  )
  assert.deepEqual(
    plan({
      lane: 'cheap',
      preferences: preferences({ maxPrice: { prompt: 200_000, completion: undefined } }),
    }),
    ['cheap:other/c:other-m'],
  )
  assert.deepEqual(plan({ lane: 'cheap', denyDataCollection: true }), [
    'cheap:vendor/a:vendor-m',
    'cheap:vendor/b:vendor-m',
  ])
  const filter = { preferences: preferences({ only: ['other'] }), denyDataCollection: true }
  assert.match(
    planner.selectOffers(model('m'), 'cheap', filter).reason ?? '',
    /retains prompts or trains on data/,
  )
  assert.match(
    planner.selectOffers(model('m'), 'cheap', {
      preferences: preferences({ only: ['ghost'] }),
      denyDataCollection: false,
    }).reason ?? '',
    /provider\.only\/ignore/,
  )
  await registry.close()
})

test('sort by latency or throughput uses the rolling stats; a failing offer goes last', async () => {
  const { plan, stats, registry } = setup()
  stats.record(['cheap:other:*:other-m'], { ok: true, latencyMs: 900, tokensPerSecond: 20 })
  stats.record(['cheap:vendor:*:vendor-m'], { ok: true, latencyMs: 100, tokensPerSecond: 90 })
  assert.deepEqual(
    plan({ lane: 'cheap', preferences: preferences({ sort: 'latency' }) })[0],
    'cheap:vendor/a:vendor-m',
  )
  assert.deepEqual(
    plan({ lane: 'cheap', preferences: preferences({ sort: 'throughput' }) })[0],
    'cheap:vendor/a:vendor-m',
  )
  assert.deepEqual(
    plan({ lane: 'cheap', preferences: preferences({ sort: 'price' }) })[0],
    'cheap:other/c:other-m',
  )
  for (let index = 0; index < 4; index++) stats.record(['cheap:other:*:other-m'], { ok: false })
  assert.deepEqual(plan({ lane: 'cheap' }), [
    'cheap:vendor/a:vendor-m',
    'cheap:vendor/b:vendor-m',
    'cheap:other/c:other-m',
  ])
  await registry.close()
})
