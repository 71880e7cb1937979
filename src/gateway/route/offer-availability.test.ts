import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createCatalog } from '../../catalog/catalog.ts'
import { buildConfig } from '../../config/config.ts'
import { createAccountHealth } from '../attempt/account-health.ts'
import { offerAvailability } from './offer-availability.ts'

const price = { input: '1', output: '2' }
const config = buildConfig(
  {
    providers: [
      {
        name: 'vendor',
        kind: 'openai-compatible',
        base_url: 'http://127.0.0.1:9/v1',
        accounts: [
          { name: 'a', api_key_env: 'KEY' },
          { name: 'b', api_key_env: 'KEY' },
        ],
      },
      {
        name: 'official',
        kind: 'openai',
        base_url: 'http://127.0.0.1:10/v1',
        accounts: [{ name: 'o', api_key_env: 'KEY', trust: 'official' }],
      },
    ],
    models: [
      {
        id: 'm',
        offers: [
          { lane: 'cheap', provider: 'vendor', price },
          { lane: 'resale', provider: 'official', price },
          { lane: 'byok', provider: 'official', price },
        ],
      },
      { id: 'n', offers: [{ lane: 'cheap', provider: 'vendor', price }] },
    ],
  },
  { KEY: 'secret' },
)

test('an offer is available while one of its accounts is; BYOK offers always count', () => {
  let nowMs = 1_000_000
  const health = createAccountHealth({
    failureThreshold: 1,
    cooldownMs: 60_000,
    maxCooldownMs: 60_000,
    now: () => nowMs,
  })
  const catalog = createCatalog(config.models)
  const rows = () =>
    offerAvailability(catalog, health).map((row) => `${row.model}/${row.lane} ${row.available}/${row.offers}`)
  assert.deepEqual(rows(), ['m/cheap 1/1', 'm/resale 1/1', 'm/byok 1/1', 'n/cheap 1/1'])

  health.recordFailure('vendor/a', 'auth')
  assert.deepEqual(rows(), ['m/cheap 1/1', 'm/resale 1/1', 'm/byok 1/1', 'n/cheap 1/1'], 'b still serves')
  health.recordFailure('vendor/b', 'auth')
  health.recordFailure('official/o', 'transient')
  assert.deepEqual(rows(), ['m/cheap 0/1', 'm/resale 0/1', 'm/byok 1/1', 'n/cheap 0/1'])

  nowMs += 60_000 // the cool-down is over: a probe may go
  assert.deepEqual(rows(), ['m/cheap 1/1', 'm/resale 1/1', 'm/byok 1/1', 'n/cheap 1/1'])
})
