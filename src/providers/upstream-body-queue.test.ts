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

test('collect: the whole body at once, a paused upstream resumed, the limit and a failure honoured', async () => {
  const calls: string[] = []
  const queue = new UpstreamBodyQueue({
    pause: () => calls.push('pause'),
    resume: () => calls.push('resume'),
  })
  for (let index = 0; index < 3; index++) queue.push(new Uint8Array(100 * 1024).fill(index))
  assert.deepEqual(calls, ['pause'])
  const collecting = queue.collect(1024 * 1024, () => new Error('too large'))
  assert.deepEqual(calls, ['pause', 'resume'], 'a collecting reader takes everything: the upstream runs')
  queue.push(new Uint8Array(100 * 1024).fill(3))
  await new Promise((resolve) => setImmediate(resolve))
  queue.push(new Uint8Array(1).fill(4))
  queue.end()
  const body = await collecting
  assert.equal(body.length, 400 * 1024 + 1)
  assert.deepEqual([body[0], body[100 * 1024], body[300 * 1024], body[400 * 1024]], [0, 1, 3, 4])
  assert.deepEqual(calls, ['pause', 'resume'], 'never paused again while collecting')

  const big = new UpstreamBodyQueue({ pause() {}, resume() {} })
  const tooLarge = big.collect(10, () => new Error('too large'))
  big.push(new Uint8Array(8))
  await new Promise((resolve) => setImmediate(resolve))
  big.push(new Uint8Array(8))
  await assert.rejects(tooLarge, /too large/, 'refused as soon as the limit is crossed, before the end')

  const failing = new UpstreamBodyQueue({ pause() {}, resume() {} })
  const failed = failing.collect(1024, () => new Error('too large'))
  failing.push(new Uint8Array(1))
  failing.fail(new Error('socket reset'))
  await assert.rejects(failed, /socket reset/)
})
