import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseUsdPerMillionTokens } from '../contracts/usd.ts'
import { costNano, costPico, formatNanoUsd, picoToNano } from './cost.ts'

const price = {
  input: parseUsdPerMillionTokens('2.5'),
  output: parseUsdPerMillionTokens('10'),
  cachedInput: parseUsdPerMillionTokens('1.25'),
  request: 0,
}

test('cached prompt tokens are billed at the cached price, the rest at input and output prices', () => {
  // 1000 prompt (400 cached) + 200 completion: 600×2.5 + 400×1.25 + 200×10 = 1500+500+2000 = $0.004
  assert.equal(
    costPico(price, { promptTokens: 1000, completionTokens: 200, cachedTokens: 400 }),
    4_000_000_000n,
  )
  assert.equal(costNano(price, { promptTokens: 1000, completionTokens: 200, cachedTokens: 400 }), 4_000_000)
  assert.equal(
    costNano(price, { promptTokens: 10, completionTokens: 0, cachedTokens: 50 }),
    costNano(price, { promptTokens: 10, completionTokens: 0, cachedTokens: 10 }),
    'cached never exceeds prompt',
  )
})

test('nano rounding is upward and exact; formatting is exact', () => {
  assert.equal(picoToNano(1n), 1)
  assert.equal(picoToNano(1000n), 1)
  assert.equal(picoToNano(1001n), 2)
  assert.equal(picoToNano(0n), 0)
  assert.equal(formatNanoUsd(4_000_000), '0.004')
  assert.equal(formatNanoUsd(10_000_000_000), '10')
  assert.equal(formatNanoUsd(-850_000_000), '-0.85')
  assert.equal(formatNanoUsd(1), '0.000000001')
  assert.equal(formatNanoUsd(0), '0')
  assert.equal(formatNanoUsd(-1), '-0.000000001')
  assert.equal(formatNanoUsd(1_000_000_010), '1.00000001')
  assert.equal(formatNanoUsd(123_456_789_000_000), '123456.789')
})
