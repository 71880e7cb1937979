import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setImmediate as nextTick } from 'node:timers/promises'
import { createLogger, describeError } from './logger.ts'

test('one JSON object per line, batched until the next tick, below-level lines dropped', async () => {
  const writes: string[] = []
  const logger = createLogger({
    level: 'info',
    write: (text) => writes.push(text),
    now: () => Date.UTC(2026, 10, 22),
  })
  logger.info('request', { request_id: 'req_1', status: 200, skipped: undefined, quote: 'a "b"\n' })
  logger.debug('hidden')
  logger.warn('no fields')
  logger.error('empty fields', {})
  assert.equal(writes.length, 0, 'nothing written on the request path')
  await nextTick()
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
