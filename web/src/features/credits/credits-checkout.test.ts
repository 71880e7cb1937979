import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  type AmountInput,
  buildAutoTopUpBody,
  cardLabel,
  hasCheckoutParams,
  isWebUrl,
  parseAmount,
  purchaseStatus,
  readCheckoutReturn,
  waitOutcome,
} from './credits-checkout.ts'

test('the amount field is read loosely and sent with two decimals', () => {
  const table: [string, AmountInput['kind'], string?][] = [
    ['', 'empty'],
    ['   ', 'empty'],
    ['$', 'empty'],
    ['20', 'ok', '20.00'],
    [' 20 ', 'ok', '20.00'],
    ['$20', 'ok', '20.00'],
    ['$ 20.5', 'ok', '20.50'],
    ['20.', 'ok', '20.00'],
    ['20.05', 'ok', '20.05'],
    ['.5', 'ok', '0.50'],
    ['007', 'ok', '7.00'],
    ['0', 'ok', '0.00'],
    ['1000', 'ok', '1000.00'],
    ['9007199254740993.99', 'ok', '9007199254740993.99'],
    ['.', 'invalid'],
    ['20.123', 'invalid'],
    ['abc', 'invalid'],
    ['-5', 'invalid'],
    ['1,000', 'invalid'],
    ['1e3', 'invalid'],
    ['20 .5', 'invalid'],
  ]
  for (const [input, kind, amount] of table) {
    const result = parseAmount(input)
    assert.equal(result.kind, kind, input)
    if (result.kind === 'ok') assert.equal(result.amount, amount, input)
  }
})

test('too many decimals gets its own message', () => {
  const result = parseAmount('20.123')
  assert.ok(result.kind === 'invalid')
  assert.match(result.message, /two decimals/)
})

test('the return from Stripe is read from the search', () => {
  const table: [unknown, ReturnType<typeof readCheckoutReturn>][] = [
    [{}, null],
    [undefined, null],
    [
      { checkout: 'success', purchase: 'pur_abc123' },
      { kind: 'success', purchaseId: 'pur_abc123' },
    ],
    [{ checkout: 'success' }, { kind: 'success', purchaseId: null }],
    [
      { checkout: 'success', purchase: '<script>' },
      { kind: 'success', purchaseId: null },
    ],
    [
      { checkout: 'success', purchase: 42 },
      { kind: 'success', purchaseId: null },
    ],
    [{ checkout: 'cancelled', purchase: 'pur_abc' }, { kind: 'cancelled' }],
    [{ checkout: 'other' }, null],
  ]
  for (const [search, expected] of table) assert.deepEqual(readCheckoutReturn(search), expected)
  assert.equal(hasCheckoutParams({ checkout: 'other' }), true)
  assert.equal(hasCheckoutParams({ purchase: 'pur_x' }), true)
  assert.equal(hasCheckoutParams({}), false)
})

test('purchase statuses read as badges, unknown ones as themselves', () => {
  assert.deepEqual(purchaseStatus('paid'), { label: 'Paid', badge: 'badge badge-ok' })
  assert.deepEqual(purchaseStatus('failed'), { label: 'Failed', badge: 'badge badge-error' })
  assert.deepEqual(purchaseStatus('toString'), { label: 'toString', badge: 'badge' })
  assert.deepEqual(purchaseStatus('refunding'), { label: 'refunding', badge: 'badge' })
})

test('waiting stops on paid, failed or expired', () => {
  assert.equal(waitOutcome(undefined), 'waiting')
  assert.equal(waitOutcome('open'), 'waiting')
  assert.equal(waitOutcome('pending'), 'waiting')
  assert.equal(waitOutcome('paid'), 'paid')
  assert.equal(waitOutcome('failed'), 'failed')
  assert.equal(waitOutcome('expired'), 'failed')
})

test('only web addresses are followed', () => {
  assert.equal(isWebUrl('https://checkout.stripe.com/c/pay/cs_test_123'), true)
  assert.equal(isWebUrl('http://127.0.0.1:4242/checkout/cs_1'), true)
  assert.equal(isWebUrl('javascript:alert(1)'), false)
  assert.equal(isWebUrl('/relative'), false)
  assert.equal(isWebUrl(''), false)
})

test('saved cards read as brand and last four digits', () => {
  assert.equal(cardLabel({ brand: 'visa', last4: '4242' }), 'Visa •••• 4242')
  assert.equal(cardLabel({ brand: 'amex', last4: '0005' }), 'American Express •••• 0005')
  assert.equal(cardLabel({ brand: 'card', last4: '' }), 'Card')
})

test('the auto top-up form sends two-decimal amounts, or names its bad fields', () => {
  assert.deepEqual(buildAutoTopUpBody({ enabled: true, threshold: '5', amount: '$20.5' }), {
    body: { enabled: true, threshold: '5.00', amount: '20.50' },
  })
  const bad = buildAutoTopUpBody({ enabled: false, threshold: '', amount: '1.234' })
  assert.ok('errors' in bad)
  assert.deepEqual(Object.keys(bad.errors).sort(), ['amount', 'threshold'])
})
