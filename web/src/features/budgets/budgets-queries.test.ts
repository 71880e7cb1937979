import assert from 'node:assert/strict'
import { test } from 'node:test'
import { QueryClient } from '@tanstack/react-query'
import {
  type BudgetView,
  budgetKeys,
  buildKeyBudgetBody,
  limitFieldValue,
  meterTone,
  parseLimit,
  percentUsed,
  setKeyBudgetMutation,
  setWorkspaceBudgetMutation,
  tightestLimit,
  toNano,
} from './budgets-queries.ts'

const period = (
  name: 'total' | 'day' | 'week' | 'month',
  limit: string | null,
  spent: string,
  remaining: string | null,
) => ({ period: name, limit, spent, remaining, resets_at: null })

test('amounts become whole nano-dollars without floats', () => {
  assert.equal(toNano('0'), 0n)
  assert.equal(toNano('1.5'), 1_500_000_000n)
  assert.equal(toNano('0.000000001'), 1n)
  assert.equal(toNano('12345678901234.1'), 12_345_678_901_234_100_000_000n)
  assert.equal(toNano('-1'), null)
  assert.equal(toNano('abc'), null)
})

test('percent used is floored, capped by nothing, and a zero limit is full', () => {
  assert.equal(percentUsed('0.4', '1'), 40)
  assert.equal(percentUsed('0.999999999', '1'), 99)
  assert.equal(percentUsed('2', '1'), 200)
  assert.equal(percentUsed('0', '0'), 100)
  assert.equal(meterTone(79, '0.21'), 'ok')
  assert.equal(meterTone(80, '0.2'), 'warning')
  assert.equal(meterTone(99, '0'), 'full')
  assert.equal(meterTone(100, null), 'full')
})

test('the tightest limit is the one with the least left', () => {
  const budget: BudgetView = {
    held: '0',
    periods: [
      period('total', '100', '10', '90'),
      period('day', '1', '0.4', '0.6'),
      period('week', null, '3', null),
      period('month', '5', '4.5', '0.5'),
    ],
  }
  assert.equal(tightestLimit(budget)?.period, 'month')
  assert.equal(tightestLimit(null), null)
  assert.equal(tightestLimit({ held: '0', periods: [period('day', null, '1', null)] }), null)
})

test('the limit form sends every period, empty as null, and names bad fields', () => {
  assert.deepEqual(buildKeyBudgetBody({ total: '', day: '$1', week: ' 2.5 ', month: '.5' }), {
    body: { total: null, day: '1', week: '2.5', month: '0.5' },
  })
  const bad = buildKeyBudgetBody({ total: '-1', day: '1', week: 'ten', month: '1.1234567891' })
  assert.ok('errors' in bad)
  assert.deepEqual(Object.keys(bad.errors).sort(), ['month', 'total', 'week'])
  assert.deepEqual(parseLimit(''), { kind: 'empty' })
})

test('limits show in the form as typed amounts', () => {
  assert.equal(limitFieldValue(null), '')
  assert.equal(limitFieldValue('25'), '25')
  assert.equal(limitFieldValue('2.500000000'), '2.50')
  assert.equal(limitFieldValue('0.000001'), '0.000001')
})

test('saving a key limit refreshes the key list; the workspace limit is cached from the answer', () => {
  const queryClient = new QueryClient()
  queryClient.setQueryData(['keys', 'list'], { object: 'list', data: [] })
  setKeyBudgetMutation(queryClient).onSuccess()
  assert.equal(queryClient.getQueryState(['keys', 'list'])?.isInvalidated, true)
  const saved = { object: 'budget' as const, scope: 'workspace' as const, id: 'ws_1', held: '0', periods: [] }
  setWorkspaceBudgetMutation(queryClient).onSuccess(saved)
  assert.deepEqual(queryClient.getQueryData(budgetKeys.workspace()), saved)
})
