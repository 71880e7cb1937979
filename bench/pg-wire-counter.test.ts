import assert from 'node:assert/strict'
import { test } from 'node:test'
import pg from 'pg'
import { postgresSkipReason, TEST_POSTGRES_URL } from '../test/helpers/backends.ts'
import { createFrontendCounter, emptyWireCounts, startWireCounter } from './pg-wire-counter.ts'

/** One typed frontend message: type byte, length (itself included), body. */
function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5)
  header.write(type, 0, 'latin1')
  header.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([header, body])
}
const cstr = (text: string) => Buffer.from(`${text}\0`)
function untyped(code: number, rest: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(8)
  head.writeInt32BE(8 + rest.length, 0)
  head.writeInt32BE(code, 4)
  return Buffer.concat([head, rest])
}

// An SSL request, the startup message, a simple BEGIN, a query with parameters (Parse, Bind,
// Describe, Execute, Sync), a simple COMMIT, a bare Sync and Terminate.
const stream = Buffer.concat([
  untyped(80877103),
  untyped(196608, Buffer.concat([cstr('user'), cstr('postgres'), cstr('')])),
  message('Q', cstr('BEGIN')),
  message('P', Buffer.concat([cstr(''), cstr('insert into t values ($1)'), Buffer.from([0, 0])])),
  message('B', Buffer.alloc(40, 7)),
  message('D', Buffer.from('P\0')),
  message('E', Buffer.concat([cstr(''), Buffer.alloc(4)])),
  message('S', Buffer.alloc(0)),
  message('Q', cstr('commit')),
  message('S', Buffer.alloc(0)),
  message('X', Buffer.alloc(0)),
])
const expected = { roundTrips: 4, statements: 3, transactions: 1, bytesToServer: 0, bytesFromServer: 0 }

test('counts round trips, statements and transactions however the bytes are split', () => {
  const whole = emptyWireCounts()
  const texts = new Map<string, number>()
  createFrontendCounter(whole, texts).push(stream)
  assert.deepEqual(whole, expected)
  assert.deepEqual(Object.fromEntries(texts), { BEGIN: 1, 'insert into t values ($1)': 1, commit: 1 })
  for (let cut = 1; cut < stream.length; cut++) {
    const counts = emptyWireCounts()
    const counter = createFrontendCounter(counts)
    counter.push(stream.subarray(0, cut))
    counter.push(stream.subarray(cut))
    assert.deepEqual(counts, expected, `split at ${cut}`)
  }
  const counts = emptyWireCounts()
  const counter = createFrontendCounter(counts)
  for (const byte of stream) counter.push(Buffer.from([byte]))
  assert.deepEqual(counts, expected, 'byte by byte')
})

const skip = await postgresSkipReason()

test('through the relay, node-postgres against the real PostgreSQL', { skip }, async () => {
  const target = new URL(TEST_POSTGRES_URL)
  const relay = await startWireCounter({ host: target.hostname, port: Number(target.port || 5432) })
  const url = new URL(TEST_POSTGRES_URL)
  url.port = String(relay.port)
  const client = new pg.Client({ connectionString: url.toString() })
  try {
    await client.connect()
    const afterConnect = { ...relay.counts }
    assert.equal(afterConnect.roundTrips, 0)
    assert.ok(afterConnect.bytesToServer > 0 && afterConnect.bytesFromServer > 0)
    await client.query('select 1')
    await client.query('select $1::int as n', [2])
    await client.query('begin')
    const { rows } = await client.query('select $1::text as t', ['x'])
    await client.query('commit')
    assert.equal(rows[0].t, 'x')
    assert.equal(relay.counts.roundTrips, 5)
    assert.equal(relay.counts.statements, 5)
    assert.equal(relay.counts.transactions, 1)
    assert.equal(relay.texts.get('select $1::int as n'), 1)
    assert.equal(relay.texts.get('begin'), 1)
    assert.ok(relay.counts.bytesFromServer > afterConnect.bytesFromServer)
  } finally {
    await client.end()
    await relay.close()
  }
})
