import assert from 'node:assert/strict'
import { test } from 'node:test'
import { UpstreamBodyQueue } from './upstream-body-queue.ts'

test('chunks come out in order; a fast upstream is paused past the high-water mark and resumed', async () => {
  const calls: string[] = []
  const queue = new UpstreamBodyQueue({
    pause: () => calls.push('pause'),
    resume: () => calls.push('resume'),
  })
  const chunk = new Uint8Array(100 * 1024)
  for (let index = 0; index < 4; index++) queue.push(chunk.fill(index).slice())
  queue.end()
  assert.deepEqual(calls, ['pause'], '400 KiB buffered: paused once')
  const seen: number[] = []
  for await (const piece of queue) seen.push(piece[0]!)
  assert.deepEqual(seen, [0, 1, 2, 3])
  assert.deepEqual(calls, ['pause', 'resume'])
})

test('a reader waiting for data wakes on data, end and error', async () => {
  const queue = new UpstreamBodyQueue({ pause() {}, resume() {} })
  const reading = (async () => {
    const pieces: string[] = []
    for await (const piece of queue) pieces.push(new TextDecoder().decode(piece))
    return pieces
  })()
  await new Promise((resolve) => setImmediate(resolve))
  queue.push(new TextEncoder().encode('a'))
  await new Promise((resolve) => setImmediate(resolve))
  queue.push(new TextEncoder().encode('b'))
  queue.end()
  assert.deepEqual(await reading, ['a', 'b'])

  const failing = new UpstreamBodyQueue({ pause() {}, resume() {} })
  const failed = (async () => {
    for await (const _piece of failing) {
      // drain
    }
  })()
  failing.push(new Uint8Array(1))
  failing.fail(new Error('socket reset'))
  await assert.rejects(failed, /socket reset/)
})
