import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { Redis } from 'ioredis'
import { redisSkipReason, TEST_REDIS_URL } from '../test/helpers/backends.ts'
import { createCommandCounter, type SentCommands, startCommandCounter } from './redis-wire-counter.ts'

const resp = (...parts: string[]) =>
  `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('')}`

// Arguments holding CRLF, "*" and "$" must be skipped by length, not scanned for.
const stream = Buffer.from(
  [
    resp('EVALSHA', 'abc', '2', 'k1', 'k2', '\r\n*3\r\n$3'),
    resp('get', 'key'),
    'PING\r\n',
    resp('evalsha', 'abc', '0'),
    resp('CLIENT', 'SETNAME', 'x'),
  ].join(''),
)
const expected = [
  ['evalsha', 2],
  ['get', 1],
  ['ping', 1],
  ['client', 1],
]

test('counts the commands sent by name, however the bytes are split', () => {
  const whole: SentCommands = new Map()
  createCommandCounter(whole).push(stream)
  assert.deepEqual([...whole], expected)
  for (let cut = 1; cut < stream.length; cut++) {
    const sent: SentCommands = new Map()
    const counter = createCommandCounter(sent)
    counter.push(stream.subarray(0, cut))
    counter.push(stream.subarray(cut))
    assert.deepEqual([...sent], expected, `split at ${cut}`)
  }
  const sent: SentCommands = new Map()
  const counter = createCommandCounter(sent)
  for (const byte of stream) counter.push(Buffer.from([byte]))
  assert.deepEqual([...sent], expected, 'byte by byte')
})

const skip = await redisSkipReason()

test('through the relay: what ioredis sends, not what a script runs inside Redis', { skip }, async () => {
  const target = new URL(TEST_REDIS_URL)
  const relay = await startCommandCounter({ host: target.hostname, port: Number(target.port || 6379) })
  const client = new Redis({
    host: '127.0.0.1',
    port: relay.port,
    enableReadyCheck: false,
    lazyConnect: true,
  })
  const key = `onekey-bench-test:${randomUUID()}`
  try {
    await client.connect()
    await client.ping() // connected: ioredis has also sent its CLIENT SETINFO commands by now
    const atConnect = Object.fromEntries(relay.sent)
    await client.set(key, '1')
    await client.eval("redis.call('get', KEYS[1]); return redis.call('incr', KEYS[1])", 1, key)
    await client.pipeline().get(key).get(key).exec()
    assert.deepEqual(Object.fromEntries(relay.sent), { ...atConnect, set: 1, eval: 1, get: 2 })
    assert.equal(atConnect.ping, 1)
    assert.ok(relay.relay.bytes.toServer > 0 && relay.relay.bytes.fromServer > 0)
  } finally {
    await client.del(key)
    client.disconnect()
    await relay.close()
  }
})
