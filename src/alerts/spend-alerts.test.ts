import assert from 'node:assert/strict'
import { test } from 'node:test'
import { backoffMs } from './alert-deliveries.ts'
import { dollarsOf, spendAlerts, thresholdOf, usdOf } from './spend-alerts.ts'

test('thresholds are exact integers, rounded up, for any limit', () => {
  assert.equal(thresholdOf(100, 80), 80)
  assert.equal(thresholdOf(101, 80), 81) // 80.8 → 81: 80 nano is still below 80 %
  assert.equal(thresholdOf(3, 100), 3)
  // Past 2^53 / 100 the float product would round; the bigint one does not.
  assert.equal(thresholdOf(9_007_199_254_740_991, 80), 7_205_759_403_792_793)
})

test('amounts: exact decimals in data, at least cents in summaries', () => {
  assert.equal(usdOf(4_200_000_000), '4.2')
  assert.equal(usdOf(1), '0.000000001')
  assert.equal(dollarsOf(4_200_000_000), '$4.20')
  assert.equal(dollarsOf(5_000_000_000), '$5.00')
  assert.equal(dollarsOf(1_234_567), '$0.001234567')
  assert.equal(dollarsOf(-250_000_000), '-$0.25')
})

test('a budget line is crossed once: below before, at or past after', () => {
  const observation = (before: number, after: number) => ({
    workspaceId: 'ws',
    balanceBeforeNano: 0,
    balanceAfterNano: 0,
    heldAfterNano: 0,
    entryId: 'e',
    at: '2026-12-06T00:00:00.000Z',
    budgets: [
      {
        scope: 'workspace' as const,
        scopeId: 'ws',
        period: 'day' as const,
        limitNano: 1000,
        spentBeforeNano: before,
        spentAfterNano: after,
        periodStart: '2026-12-06T00:00:00.000Z',
      },
    ],
  })
  const percents = (before: number, after: number) =>
    spendAlerts(observation(before, after), null).map((event) => event.data.percent)
  assert.deepEqual(percents(0, 799), [])
  assert.deepEqual(percents(799, 800), [80])
  assert.deepEqual(percents(800, 999), [])
  assert.deepEqual(percents(0, 1000), [80, 100])
  assert.deepEqual(percents(1000, 2000), [])
  const [event] = spendAlerts(observation(0, 1000), null)
  assert.equal(event!.dedupeKey, 'budget:ws:day:2026-12-06T00:00:00.000Z:80')
  assert.equal(event!.summary, 'The workspace used 80 % of its daily spend limit ($0.000001 of $0.000001)')
})

test('backoff doubles from the base, with ±20 % jitter, never past an hour', () => {
  assert.equal(backoffMs(30_000, 1, 0.5), 30_000)
  assert.equal(backoffMs(30_000, 2, 0.5), 60_000)
  assert.equal(backoffMs(30_000, 3, 0), 96_000)
  assert.equal(backoffMs(30_000, 3, 1), 144_000)
  assert.equal(backoffMs(30_000, 20, 0.5), 3_600_000)
  assert.ok(backoffMs(30_000, 99, 0.999) <= 3_600_000 * 1.2)
})
