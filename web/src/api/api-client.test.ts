import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ApiError, shouldRetry, withQuery } from './api-client.ts'
import { parseBootData } from './boot-data.ts'

test('withQuery drops empty values', () => {
  assert.equal(withQuery('/api/v1/logs', { limit: 50, model: '', lane: undefined }), '/api/v1/logs?limit=50')
  assert.equal(withQuery('/x'), '/x')
  assert.equal(withQuery('/x', { a: 'b c' }), '/x?a=b+c')
})

test('retry policy by status', () => {
  const error = (status: number) => new ApiError('x', status, null, null, null, null)
  const table: [number, number, boolean][] = [
    [0, 0, true],
    [0, 408, true],
    [0, 429, true],
    [0, 503, true],
    [2, 500, true],
    [3, 500, false],
    [0, 400, false],
    [0, 401, false],
    [0, 403, false],
    [0, 404, false],
  ]
  for (const [count, status, expected] of table) assert.equal(shouldRetry(count, error(status)), expected)
  assert.equal(shouldRetry(0, new Error('bug')), false)
})

test('parseBootData reads the meta JSON and falls back', () => {
  const boot = parseBootData(
    '{"site_name":"Acme","base_url":"http://h:1/v1","signup":"closed","support_email":"a@b.c"}',
    'http://x',
  )
  assert.deepEqual(boot, {
    site_name: 'Acme',
    base_url: 'http://h:1/v1',
    signup: 'closed',
    support_email: 'a@b.c',
    playground: true,
  })
  assert.equal(parseBootData('{"playground":false}', 'http://x').playground, false)
  assert.equal(parseBootData('', 'http://x').base_url, 'http://x/v1')
  assert.equal(parseBootData('{bad', 'http://x').signup, 'open')
  assert.equal(parseBootData('{"signup":"maybe"}', 'http://x').signup, 'open')
})
