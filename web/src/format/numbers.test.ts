import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatCompact, formatCount, formatDuration, parseOptionalInteger } from './numbers.ts'

test('formatCount groups and shows a dash for missing values', () => {
  const table: [number | null, string][] = [
    [0, '0'],
    [12345, '12,345'],
    [null, '–'],
  ]
  for (const [input, expected] of table) assert.equal(formatCount(input, 'en-US'), expected)
})

test('formatCompact', () => {
  assert.equal(formatCompact(999, 'en-US'), '999')
  assert.equal(formatCompact(12_345, 'en-US'), '12.3K')
  assert.equal(formatCompact(1_234_567, 'en-US'), '1.2M')
})

test('formatDuration switches to seconds at 1000 ms', () => {
  assert.equal(formatDuration(850, 'en-US'), '850 ms')
  assert.equal(formatDuration(1250, 'en-US'), '1.25 s')
  assert.equal(formatDuration(null, 'en-US'), '–')
})

test('parseOptionalInteger', () => {
  assert.equal(parseOptionalInteger(''), undefined)
  assert.equal(parseOptionalInteger(' 60 '), 60)
  assert.ok(Number.isNaN(parseOptionalInteger('1.5')))
  assert.ok(Number.isNaN(parseOptionalInteger('-3')))
})
