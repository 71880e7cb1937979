import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MAX_EMBEDDING_DIMENSIONS, validateEmbeddingsRequest } from './validate-embeddings-request.ts'

test("'dimensions' is an integer from 1 to MAX_EMBEDDING_DIMENSIONS: a 1e9-wide vector is a 400, not an allocation", () => {
  const body = { model: 'm', input: 'hi' }
  assert.doesNotThrow(() => validateEmbeddingsRequest({ ...body, dimensions: 256 }))
  assert.doesNotThrow(() => validateEmbeddingsRequest({ ...body, dimensions: MAX_EMBEDDING_DIMENSIONS }))
  for (const dimensions of [0, 1.5, MAX_EMBEDDING_DIMENSIONS + 1, 1e9, 1e15, '8', null])
    assert.throws(
      () => validateEmbeddingsRequest({ ...body, dimensions }),
      { status: 400, code: 'invalid_parameter', param: 'dimensions' },
      String(dimensions),
    )
})
