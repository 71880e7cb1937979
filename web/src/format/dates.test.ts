import assert from 'node:assert/strict'
import { test } from 'node:test'
import { dayRange, formatDay, formatRelative, formatUtc } from './dates.ts'

test('formatUtc labels UTC', () => {
  assert.equal(formatUtc('2026-03-04T14:05:09.123Z'), '2026-03-04 14:05:09 UTC')
  assert.equal(formatUtc(null), '–')
})

test('formatDay reads the day in UTC', () => {
  assert.equal(formatDay('2026-03-04', 'en-US'), 'Mar 4')
})

test('dayRange is inclusive', () => {
  assert.deepEqual(dayRange('2026-02-27', '2026-03-02'), [
    '2026-02-27',
    '2026-02-28',
    '2026-03-01',
    '2026-03-02',
  ])
  assert.deepEqual(dayRange('2026-03-02', '2026-03-01'), [])
})

test('formatRelative', () => {
  const now = Date.parse('2026-03-04T12:00:00Z')
  assert.equal(formatRelative('2026-03-01T12:00:00Z', now, 'en-US'), '3 days ago')
  assert.equal(formatRelative(null, now, 'en-US'), 'never')
})
