import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildCodesBody, buildTopUpBody, cleanAmount, codeStatus, formatRate } from './operator-forms.ts'
import type { CreditCode } from './operator-queries.ts'

const topUp = { workspace: 'ws_1', kind: 'purchase' as const, reason: 'invoice 7', idempotencyKey: 'k1' }

test('top-up: the amount is sent as the decimal string typed, never through a float', () => {
  assert.deepEqual(buildTopUpBody({ ...topUp, amount: ' $1,000.123456789 ' }), {
    body: {
      workspace: 'ws_1',
      amount: '1000.123456789',
      idempotency_key: 'k1',
      kind: 'purchase',
      reason: 'invoice 7',
    },
  })
  assert.equal(cleanAmount('+0.10'), '0.10')
})

test('top-up: zero, too many decimals, negative purchases and a missing reason are refused', () => {
  const errors = (input: Partial<typeof topUp> & { amount: string }) => {
    const result = buildTopUpBody({ ...topUp, ...input })
    return 'errors' in result ? Object.keys(result.errors) : []
  }
  assert.deepEqual(errors({ amount: '0.00' }), ['amount'])
  assert.deepEqual(errors({ amount: '1.0000000001' }), ['amount'])
  assert.deepEqual(errors({ amount: '1e3' }), ['amount'])
  assert.deepEqual(errors({ amount: '-5' }), ['amount'])
  assert.deepEqual(errors({ amount: '-5', kind: 'adjustment' }), [])
  assert.deepEqual(errors({ amount: '5', reason: '  ' }), ['reason'])
})

test('credit codes: count and expiry are whole numbers in range; the note is optional', () => {
  assert.deepEqual(buildCodesBody({ amount: '5.00', count: '10', expiresInDays: '', note: '' }), {
    body: { amount: '5.00', count: 10 },
  })
  assert.deepEqual(buildCodesBody({ amount: '5', count: '1', expiresInDays: '30', note: ' promo ' }), {
    body: { amount: '5', count: 1, expires_in_days: 30, note: 'promo' },
  })
  const result = buildCodesBody({ amount: '-1', count: '1001', expiresInDays: '0', note: '' })
  assert.deepEqual('errors' in result ? Object.keys(result.errors).sort() : [], [
    'amount',
    'count',
    'expires_in_days',
  ])
})

test('a code is unused, redeemed, revoked or expired', () => {
  const code: CreditCode = {
    object: 'credit_code',
    prefix: 'OKC-AB12',
    batch_id: 'batch_1',
    amount: '5',
    created_at: '2026-12-01T00:00:00.000Z',
    expires_at: '2026-12-10T00:00:00.000Z',
    redeemed_by: null,
    redeemed_at: null,
    revoked_at: null,
  }
  const now = Date.parse('2026-12-06T00:00:00.000Z')
  assert.equal(codeStatus(code, now), 'unused')
  assert.equal(codeStatus({ ...code, redeemed_by: 'ws_1' }, now), 'redeemed')
  assert.equal(codeStatus({ ...code, revoked_at: '2026-12-02T00:00:00.000Z' }, now), 'revoked')
  assert.equal(codeStatus(code, Date.parse('2026-12-11T00:00:00.000Z')), 'expired')
  assert.equal(formatRate(0.125, 'en-US'), '12.5%')
  assert.equal(formatRate(null), '–')
})
