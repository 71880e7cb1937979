import assert from 'node:assert/strict'
import { test } from 'node:test'
import { validateImagesRequest } from './validate-images-request.ts'

const param = (body: Record<string, unknown>) => {
  try {
    validateImagesRequest(body)
    return undefined
  } catch (error) {
    return (error as { param?: string }).param
  }
}

test('an image request is checked field by field against OpenAI CreateImageRequest', () => {
  const valid = {
    model: 'm',
    prompt: 'p',
    n: 2,
    size: '1024x1024',
    quality: 'hd',
    response_format: 'b64_json',
    user: 'u',
  }
  assert.deepEqual(validateImagesRequest({ ...valid }), valid)
  assert.deepEqual(validateImagesRequest({ model: 'm', prompt: 'p', n: null, size: null }), {
    model: 'm',
    prompt: 'p',
  })
  assert.equal(param({ prompt: 'p' }), 'model')
  assert.equal(param({ model: 'm' }), 'prompt')
  assert.equal(param({ model: 'm', prompt: '' }), 'prompt')
  assert.equal(param({ model: 'm', prompt: 'p', n: 0 }), 'n')
  assert.equal(param({ model: 'm', prompt: 'p', n: 1.5 }), 'n')
  assert.equal(param({ model: 'm', prompt: 'p', size: 'big' }), 'size')
  assert.equal(param({ model: 'm', prompt: 'p', quality: 'ultra' }), 'quality')
  assert.equal(param({ model: 'm', prompt: 'p', output_compression: 101 }), 'output_compression')
  assert.equal(param({ model: 'm', prompt: 'p', stream: true }), 'stream')
  assert.equal(param({ model: 'm', prompt: 'p', seed: 1 }), 'seed')
  assert.equal(
    param({ model: 'm', prompt: 'p', provider: { sort: 'price' } }),
    undefined,
    'routing fields pass',
  )
})
