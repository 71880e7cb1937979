import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setImmediate as nextTick, setTimeout as sleep } from 'node:timers/promises'
import { createLogger, describeError } from './logger.ts'

test('one JSON object per line, batched for batchMs, below-level lines dropped', async () => {
  const writes: string[] = []
  const logger = createLogger({
    level: 'info',
    write: (text) => writes.push(text),
    now: () => Date.UTC(2026, 10, 22),
    batchMs: 30,
  })
  logger.info('request', { request_id: 'req_1', status: 200, skipped: undefined, quote: 'a "b"\n' })
  logger.debug('hidden')
  await nextTick()
  logger.warn('no fields')
  logger.error('empty fields', {})
  assert.equal(writes.length, 0, 'nothing written on the request path, nor on the next turn')
  for (let waited = 0; writes.length === 0 && waited < 2_000; waited += 10) await sleep(10)
  await sleep(50)
  assert.equal(writes.length, 1, 'one write for the batch')
  const lines = writes[0]!
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line))
  assert.deepEqual(lines, [
    {
      time: '2026-11-22T00:00:00.000Z',
      level: 'info',
      msg: 'request',
      request_id: 'req_1',
      status: 200,
      quote: 'a "b"\n',
    },
    { time: '2026-11-22T00:00:00.000Z', level: 'warn', msg: 'no fields' },
    { time: '2026-11-22T00:00:00.000Z', level: 'error', msg: 'empty fields' },
  ])
})

test('a large batch is written at once; batchMs 0 writes on the next turn; flush() writes now', async () => {
  const writes: string[] = []
  const logger = createLogger({ level: 'info', write: (text) => writes.push(text), batchMs: 60_000 })
  const padding = 'x'.repeat(1_000)
  for (let index = 0; index < 70; index++) logger.info('line', { index, padding })
  assert.equal(writes.length, 1, 'written once the batch passed 64 KB, without waiting')
  const lines = writes[0]!.trimEnd().split('\n')
  assert.ok(lines.length >= 60 && lines.length < 70, `${lines.length} lines in the first batch`)
  logger.info('last')
  logger.flush()
  assert.equal(writes.length, 2)
  assert.equal(writes.join('').trimEnd().split('\n').length, 71, 'every line written once')

  const immediate: string[] = []
  const eager = createLogger({ level: 'info', write: (text) => immediate.push(text), batchMs: 0 })
  eager.info('a')
  eager.info('b')
  assert.equal(immediate.length, 0)
  await nextTick()
  assert.deepEqual(
    immediate.map((text) => text.split('\n').length - 1),
    [2],
  )
})

test('a failing sink never throws into the caller; errors describe without bodies', async () => {
  const logger = createLogger({
    level: 'debug',
    write: () => {
      throw new Error('EPIPE')
    },
  })
  logger.info('x')
  logger.flush()
  const described = describeError(new Error('outer', { cause: new TypeError('inner') }))
  assert.equal(described.error, 'outer')
  assert.equal(described.cause, 'TypeError: inner')
})
