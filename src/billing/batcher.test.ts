import assert from 'node:assert/strict'
import { AsyncLocalStorage } from 'node:async_hooks'
import { test } from 'node:test'
import { createBatcher } from './batcher.ts'

test('calls made while a batch runs go together in the next, in the async context of the first of them', async () => {
  const request = new AsyncLocalStorage<string>()
  const batches: { inputs: number[]; context: string | undefined }[] = []
  const batcher = createBatcher(
    async (inputs: number[]) => {
      batches.push({ inputs, context: request.getStore() })
      await new Promise((resolve) => setTimeout(resolve, 5))
      return inputs.map((input) => input * 10)
    },
    { maxBatch: 3 },
  )
  const first = request.run('a', () => batcher.run(1))
  // Arrive while the first batch is waiting for company or running: the next batches.
  const more = ['b', 'c', 'd', 'e', 'f'].map((name, index) => request.run(name, () => batcher.run(index + 2)))
  assert.deepEqual(await Promise.all([first, ...more]), [10, 20, 30, 40, 50, 60])
  await batcher.drain()
  assert.deepEqual(
    batches.map((batch) => batch.inputs),
    [
      [1, 2, 3],
      [4, 5, 6],
    ],
    'cut at maxBatch, in order',
  )
  assert.deepEqual(
    batches.map((batch) => batch.context),
    ['a', 'a'],
    "every batch cut from one queue runs in its first caller's context",
  )
  const later = await request.run('g', () => batcher.run(7))
  assert.equal(later, 70)
  assert.equal(batches.at(-1)?.context, 'g', 'a new queue: its own first caller')
  assert.equal(batcher.pending, 0)
})
