import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type ActivityAnswer, activityCsvUrl, activityKeys, chartData } from './activity-queries.ts'

test('keys and CSV link carry the filters', () => {
  assert.deepEqual(activityKeys.list({ days: 7, group_by: 'lane' }), [
    'activity',
    { days: 7, group_by: 'lane' },
  ])
  assert.equal(activityCsvUrl({ days: 90, group_by: 'key' }), '/api/v1/activity.csv?days=90&group_by=key')
})

test('chartData fills every day and ranks groups by requests', () => {
  const answer: ActivityAnswer = {
    object: 'activity',
    group_by: 'model',
    since: '2026-03-01',
    data: [
      { day: '2026-03-01', model: 'a', requests: 1, prompt_tokens: 0, completion_tokens: 0, spend: '0.5' },
      { day: '2026-03-03', model: 'b', requests: 5, prompt_tokens: 0, completion_tokens: 0, spend: '1.25' },
      { day: '2026-03-03', model: 'c', requests: 2, prompt_tokens: 0, completion_tokens: 0, spend: '2' },
    ],
  }
  const result = chartData(answer, ['2026-03-01', '2026-03-02', '2026-03-03'], 2)
  assert.deepEqual(result.groups, ['b', 'c', 'Other'])
  assert.deepEqual(result.spend, [
    [0, 0, 1.25],
    [0, 0, 2],
    [0.5, 0, 0],
  ])
})
