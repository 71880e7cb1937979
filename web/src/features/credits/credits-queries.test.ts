import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  CODE_PATTERN,
  checkoutPreviewQuery,
  normaliseCode,
  type Purchase,
  type PurchasePage,
  purchasesQuery,
} from './credits-queries.ts'

test('credit codes are normalised and checked', () => {
  assert.equal(normaliseCode(' okc-ab12-cd34-ef56-gh78 '), 'OKC-AB12-CD34-EF56-GH78')
  assert.ok(CODE_PATTERN.test('OKC-AB12-CD34-EF56-GH78'))
  assert.ok(!CODE_PATTERN.test('OKC-AB12-CD34-EF56'))
})

test('checkout previews and purchases nest under the credits keys', () => {
  assert.deepEqual(checkoutPreviewQuery(null).queryKey, ['credits', 'checkout-preview', null])
  assert.deepEqual(checkoutPreviewQuery('20.00').queryKey, ['credits', 'checkout-preview', '20.00'])
  assert.deepEqual(purchasesQuery().queryKey, ['credits', 'purchases'])
  assert.equal(purchasesQuery().getNextPageParam?.(page(true), [], undefined, []), 'pur_2')
  assert.equal(purchasesQuery().getNextPageParam?.(page(false), [], undefined, []), undefined)
})

function page(hasMore: boolean): PurchasePage {
  const purchase = (id: string): Purchase => ({
    id,
    created_at: '2026-12-06T12:00:00.000Z',
    paid_at: null,
    amount: '20',
    fee: '1.35',
    total: '21.35',
    currency: 'usd',
    status: 'open',
    refunded: '0',
    disputed: false,
    receipt_url: null,
  })
  return { object: 'list', data: [purchase('pur_1'), purchase('pur_2')], has_more: hasMore }
}
