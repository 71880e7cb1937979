import assert from 'node:assert/strict'
import { test } from 'node:test'
import { scrubEndUserFields } from './scrub-request.ts'

test('end-user fields are removed from a copy; a clean request is passed as is', () => {
  const request = {
    model: 'm',
    messages: [{ role: 'user', content: 'hi' }],
    user: 'u-1',
    safety_identifier: 's',
    metadata: { a: '1' },
    store: true,
    prompt_cache_key: 'k',
    seed: 3,
  }
  const scrubbed = scrubEndUserFields(request)
  assert.deepEqual(scrubbed, { model: 'm', messages: request.messages, seed: 3 })
  assert.equal(request.user, 'u-1', 'the original is untouched')
  const clean = { model: 'm', messages: [] }
  assert.equal(scrubEndUserFields(clean), clean)
})

test('an offer may allow some end-user fields through', () => {
  const request = { model: 'm', messages: [], user: 'u-1', prompt_cache_key: 'k' }
  assert.deepEqual(scrubEndUserFields(request, ['prompt_cache_key']), {
    model: 'm',
    messages: [],
    prompt_cache_key: 'k',
  })
})
