import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildConfig } from '../../config/config.ts'
import type { UpstreamTarget } from '../provider-adapter.ts'
import {
  mapOpenAICompatibleError,
  readRetryAfterSeconds,
  scrubUpstreamMessage,
} from './openai-compatible-errors.ts'

const config = buildConfig(
  {
    providers: [
      {
        name: 'vendor',
        kind: 'openai-compatible',
        base_url: 'http://127.0.0.1:1/v1',
        accounts: [{ name: 'a', api_key_env: 'K' }],
      },
    ],
  },
  { K: 'vendor-secret-key-value' },
)
const provider = config.providers[0]!
const target: UpstreamTarget = { provider, account: provider.accounts[0]!, upstreamModel: 'm' }
const body = (message: string, extra: object = {}) =>
  JSON.stringify({ error: { message, type: 'x', ...extra } })

test('scrubbing removes the account key and anything key-shaped', () => {
  const scrubbed = scrubUpstreamMessage(
    'bad key vendor-secret-key-value, also sk-proj-abcdefghijk and 0123456789abcdef0123456789abcdef01',
    ['vendor-secret-key-value'],
  )
  assert.ok(!scrubbed.includes('vendor-secret-key-value'))
  assert.ok(!scrubbed.includes('sk-proj-abcdefghijk'))
  assert.ok(!scrubbed.includes('0123456789abcdef0123456789abcdef01'))
  assert.match(scrubbed, /^bad key \[redacted\]/)
})

test('status mapping decides retryability; auth failures never echo the upstream text', () => {
  const cases: [number, string, number, boolean][] = [
    [400, 'invalid_parameter', 400, false],
    [422, 'invalid_parameter', 400, false],
    [401, 'upstream_auth_failed', 502, true],
    [403, 'upstream_auth_failed', 502, true],
    [404, 'upstream_error', 502, false],
    [408, 'upstream_timeout', 504, true],
    [409, 'upstream_error', 502, true],
    [429, 'upstream_rate_limited', 429, true],
    [500, 'upstream_error', 502, true],
    [503, 'upstream_error', 502, true],
    [504, 'upstream_timeout', 504, true],
  ]
  for (const [status, code, ourStatus, retryable] of cases) {
    const error = mapOpenAICompatibleError(
      status,
      body('Incorrect API key provided: vendor-secret-key-value'),
      {},
      target,
    )
    assert.equal(error.code, code, `HTTP ${status}`)
    assert.equal(error.status, ourStatus, `HTTP ${status}`)
    assert.equal(error.retryable, retryable, `HTTP ${status}`)
    assert.equal(error.provider, 'vendor')
    assert.ok(!error.message.includes('vendor-secret-key-value'), `HTTP ${status} leaks the key`)
  }
  const invalid = mapOpenAICompatibleError(
    400,
    body('temperature too high', { param: 'temperature' }),
    {},
    target,
  )
  assert.equal(invalid.param, 'temperature')
  assert.match(invalid.message, /temperature too high/)
  assert.equal(mapOpenAICompatibleError(500, '<html>oops</html>', {}, target).code, 'upstream_error')
})

test('Retry-After in milliseconds, seconds or as a date', () => {
  const now = Date.UTC(2026, 10, 22, 12, 0, 0)
  assert.equal(readRetryAfterSeconds({ 'retry-after-ms': '1500' }, now), 2)
  assert.equal(readRetryAfterSeconds({ 'retry-after': '7' }, now), 7)
  assert.equal(readRetryAfterSeconds({ 'retry-after': new Date(now + 30_000).toUTCString() }, now), 30)
  assert.equal(readRetryAfterSeconds({ 'retry-after': 'soon' }, now), undefined)
  assert.equal(readRetryAfterSeconds({}, now), undefined)
  assert.equal(readRetryAfterSeconds({ 'retry-after': '999999' }, now), 3600, 'capped at an hour')
})
