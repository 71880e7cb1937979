import assert from 'node:assert/strict'
import { test } from 'node:test'
import { activitySearch, logsSearch, signInSearch } from './search-schemas.ts'

test('activity search falls back to 30 days by model', () => {
  assert.deepEqual(activitySearch.parse({}), { days: 30, group_by: 'model' })
  assert.deepEqual(activitySearch.parse({ days: '7', group_by: 'lane' }), { days: 7, group_by: 'lane' })
  assert.deepEqual(activitySearch.parse({ days: 12, group_by: 'colour' }), { days: 30, group_by: 'model' })
})

test('logs search drops unknown lanes', () => {
  assert.deepEqual(logsSearch.parse({ lane: 'gold', model: ' gpt ' }), { lane: undefined, model: 'gpt' })
})

test('sign-in redirect stays inside the console', () => {
  assert.equal(signInSearch.parse({ redirect: '/keys?x=1' }).redirect, '/keys?x=1')
  assert.equal(signInSearch.parse({ redirect: '//evil.example' }).redirect, undefined)
  assert.equal(signInSearch.parse({ redirect: 'https://evil.example' }).redirect, undefined)
})
