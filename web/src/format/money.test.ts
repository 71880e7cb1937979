import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatChartUsd, formatCost, formatUsd, isNegative, isZero, parseUsdInput } from './money.ts'

test('formatUsd truncates to cents and keeps exact digits', () => {
  const table: [string, string][] = [
    ['0', '$0.00'],
    ['12.345678901', '$12.34'],
    ['12.349999999', '$12.34'],
    ['1234567.899', '$1,234,567.89'],
    ['9007199254740993.99', '$9,007,199,254,740,993.99'],
    ['-3.999', '-$3.99'],
    ['not money', 'not money'],
  ]
  for (const [input, expected] of table) assert.equal(formatUsd(input, 'en-US'), expected, input)
})

test('formatCost keeps up to nine decimals', () => {
  const table: [string, string][] = [
    ['0.000012345', '$0.000012345'],
    ['0.0000123456789', '$0.000012345'],
    ['1.5', '$1.50'],
    ['0', '$0.00'],
  ]
  for (const [input, expected] of table) assert.equal(formatCost(input, 'en-US'), expected, input)
})

test('isZero and isNegative read decimal strings', () => {
  assert.equal(isZero('0.000'), true)
  assert.equal(isZero('0.001'), false)
  assert.equal(isNegative('-0.00'), false)
  assert.equal(isNegative('-1.5'), true)
})

test('formatChartUsd keeps sub-cent ticks apart', () => {
  const table: [number, string][] = [
    [0, '$0.00'],
    [12.3, '$12.30'],
    [0.01, '$0.01'],
    [0.000022, '$0.000022'],
    [0.0000044, '$0.0000044'],
  ]
  for (const [input, expected] of table) assert.equal(formatChartUsd(input, 'en-US'), expected, String(input))
})

test('typed dollar amounts become decimal strings', () => {
  assert.deepEqual(parseUsdInput(' $ 25 '), { kind: 'ok', amount: '25' })
  assert.deepEqual(parseUsdInput('.5'), { kind: 'ok', amount: '0.5' })
  assert.deepEqual(parseUsdInput(''), { kind: 'empty' })
  assert.deepEqual(parseUsdInput('1,000'), { kind: 'invalid' })
  assert.deepEqual(parseUsdInput('-3'), { kind: 'invalid' })
})
