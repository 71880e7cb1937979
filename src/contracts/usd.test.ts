import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  costOf,
  formatPicoUsd,
  formatUsdPerMillionTokens,
  parseUsd,
  parseUsdPerMillionTokens,
} from './usd.ts'

test('per-1M prices become exact integer pico-USD per token, from strings and YAML numbers', () => {
  assert.equal(parseUsdPerMillionTokens('0.15'), 150_000)
  assert.equal(parseUsdPerMillionTokens(0.075), 75_000)
  assert.equal(parseUsdPerMillionTokens('15'), 15_000_000)
  assert.equal(parseUsdPerMillionTokens('0.000001'), 1)
  assert.equal(parseUsdPerMillionTokens('0'), 0)
  assert.equal(parseUsdPerMillionTokens('2.500000'), 2_500_000)
  assert.throws(() => parseUsdPerMillionTokens('0.0000001'), /at most 6 decimal places/)
  assert.throws(() => parseUsdPerMillionTokens('-1'), /non-negative decimal/)
  assert.throws(() => parseUsdPerMillionTokens('1e3'), /non-negative decimal/)
  assert.throws(() => parseUsdPerMillionTokens('99999999999'), /too large/)
  assert.equal(parseUsd('0.002'), 2_000_000_000)
})

test('formatting is exact and round-trips', () => {
  assert.equal(formatPicoUsd(1_850_000), '0.00000185')
  assert.equal(formatPicoUsd(0), '0')
  assert.equal(formatPicoUsd(3_000_000_000_000n), '3')
  assert.equal(formatPicoUsd(-5), '-0.000000000005')
  assert.equal(formatUsdPerMillionTokens(75_000), '0.075')
  assert.equal(formatUsdPerMillionTokens(parseUsdPerMillionTokens('12.345678')), '12.345678')
  // 0.1 + 0.2 in floats is 0.30000000000000004; in pico it is exact
  assert.equal(
    formatPicoUsd(costOf(1, parseUsdPerMillionTokens('0.1')) + costOf(1, parseUsdPerMillionTokens('0.2'))),
    '0.0000003',
  )
  assert.equal(costOf(9_000_000, 15_000_000), 135_000_000_000_000n)
})
