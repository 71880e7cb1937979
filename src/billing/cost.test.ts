import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseUsdPerMillionTokens } from '../contracts/usd.ts'
import { costliestUsage, costNano, costPico, formatNanoUsd, highestOutputPrice, picoToNano } from './cost.ts'

const price = {
  input: parseUsdPerMillionTokens('2.5'),
  output: parseUsdPerMillionTokens('10'),
  cachedInput: parseUsdPerMillionTokens('1.25'),
  request: 0,
}

test('cached prompt tokens are billed at the cached price, the rest at input and output prices', () => {
  // 1000 prompt (400 cached) + 200 completion: 600×2.5 + 400×1.25 + 200×10 = 1500+500+2000 = $0.004
  assert.equal(
    costPico(price, { promptTokens: 1000, completionTokens: 200, cachedTokens: 400, reasoningTokens: 0 }),
    4_000_000_000n,
  )
  assert.equal(
    costNano(price, { promptTokens: 1000, completionTokens: 200, cachedTokens: 400, reasoningTokens: 0 }),
    4_000_000,
  )
  assert.equal(
    costNano(price, { promptTokens: 10, completionTokens: 0, cachedTokens: 50, reasoningTokens: 0 }),
    costNano(price, { promptTokens: 10, completionTokens: 0, cachedTokens: 10, reasoningTokens: 0 }),
    'cached never exceeds prompt',
  )
})

test('reasoning tokens are billed at the reasoning price, the rest of the completion at the output price', () => {
  const reasoningPrice = { ...price, reasoning: parseUsdPerMillionTokens('30') }
  const usage = { promptTokens: 1000, completionTokens: 200, cachedTokens: 400, reasoningTokens: 150 }
  // 600×2.5 + 400×1.25 + 50×10 + 150×30 = 1500+500+500+4500 = $0.007
  assert.equal(costPico(reasoningPrice, usage), 7_000_000_000n)
  assert.equal(costPico(price, usage), 4_000_000_000n, 'no reasoning price: reasoning at the output price')
  assert.equal(
    costPico(reasoningPrice, { ...usage, reasoningTokens: 900 }),
    costPico(reasoningPrice, { ...usage, reasoningTokens: 200 }),
    'reasoning never exceeds the completion',
  )
})

test('the costliest usage prices every output token at the dearer of output and reasoning', () => {
  const dearer = { ...price, reasoning: parseUsdPerMillionTokens('30') }
  const cheaper = { ...price, reasoning: parseUsdPerMillionTokens('1') }
  assert.equal(highestOutputPrice(dearer), dearer.reasoning)
  assert.equal(highestOutputPrice(cheaper), cheaper.output)
  assert.equal(highestOutputPrice(price), price.output)
  // 100 prompt × 2.5 + 1000 output × 30 = 250 + 30000 → $0.03025
  assert.equal(costNano(dearer, costliestUsage(dearer, 100, 1000)), 30_250_000)
  assert.equal(costNano(cheaper, costliestUsage(cheaper, 100, 1000)), 10_250_000)
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

test('images are billed per image at their tier, exactly, beside the prompt tokens', () => {
  const imagePrice = {
    ...price,
    image: { '1024x1024': 40_000_000_000, '1024x1024/hd': 80_000_000_000 },
  }
  const usage = { promptTokens: 1000, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0 }
  // 3 hd images at $0.08 + 1000 prompt tokens at $2.5/1M = 0.24 + 0.0025
  assert.equal(costNano(imagePrice, { ...usage, images: { tier: '1024x1024/hd', count: 3 } }), 242_500_000)
  assert.equal(costNano(imagePrice, { ...usage, images: { tier: '1024x1024', count: 0 } }), 2_500_000)
  assert.throws(
    () => costPico(imagePrice, { ...usage, images: { tier: '512x512', count: 1 } }),
    /no image price for 512x512/,
  )
})
