import assert from 'node:assert/strict'
import { test } from 'node:test'
import { QueryClient } from '@tanstack/react-query'
import { buildKeyBody, createKeyMutation, type KeyFormInput, keysKeys } from './keys-queries.ts'

const base: KeyFormInput = {
  name: ' ci ',
  lanes: ['cheap', 'resale', 'byok'],
  models: '',
  expiresInDays: '',
  rpm: '',
  tpm: '',
  concurrency: '',
  management: false,
}

test('all lanes and empty fields send the minimal body', () => {
  assert.deepEqual(buildKeyBody(base), { body: { name: 'ci', management: false } })
})

test('subsets, patterns, expiry and limits are sent', () => {
  const result = buildKeyBody({
    ...base,
    lanes: ['cheap'],
    models: 'cheap/llama-*,\n cheap/qwen ',
    expiresInDays: '30',
    rpm: '60',
    concurrency: '4',
    management: true,
  })
  assert.deepEqual(result, {
    body: {
      name: 'ci',
      management: true,
      lanes: ['cheap'],
      models: ['cheap/llama-*', 'cheap/qwen'],
      expires_in_days: 30,
      limits: { rpm: 60, concurrency: 4 },
    },
  })
})

test('bad input names its field', () => {
  const result = buildKeyBody({ ...base, name: '', lanes: [], expiresInDays: '0', tpm: 'x' })
  assert.ok('errors' in result)
  assert.deepEqual(Object.keys(result.errors).sort(), ['expires_in_days', 'lanes', 'name', 'tpm'])
})

test('creating a key invalidates the key list and the audit log', async () => {
  const queryClient = new QueryClient()
  queryClient.setQueryData(keysKeys.list(), { object: 'list', data: [] })
  queryClient.setQueryData(['audit', 'list'], { pages: [] })
  createKeyMutation(queryClient).onSuccess()
  assert.equal(queryClient.getQueryState(keysKeys.list())?.isInvalidated, true)
  assert.equal(queryClient.getQueryState(['audit', 'list'])?.isInvalidated, true)
})
