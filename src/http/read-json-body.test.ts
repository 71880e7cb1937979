import assert from 'node:assert/strict'
import { once } from 'node:events'
import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import { test } from 'node:test'
import { MAX_JSON_NESTING } from '../contracts/json-nesting.ts'
import { readBody, readJsonObject } from './read-json-body.ts'

/** A request-shaped stream: the body in `chunks`, an optional declared length. */
function request(chunks: string[], contentLength?: number): IncomingMessage {
  const stream = Readable.from(
    chunks.map((chunk) => Buffer.from(chunk)),
    { objectMode: false },
  )
  return Object.assign(stream, {
    headers: contentLength === undefined ? {} : { 'content-length': String(contentLength) },
  }) as unknown as IncomingMessage
}

test('the body in one buffer, whatever its chunks; JSON objects only', async () => {
  assert.equal((await readBody(request(['{"a":', '1}']), 100)).toString(), '{"a":1}')
  assert.deepEqual(await readJsonObject(request(['{"a":', '1}']), 100), { a: 1 })
  await assert.rejects(readJsonObject(request(['[1]']), 100), /must be a JSON object/)
  await assert.rejects(readJsonObject(request([]), 100), /empty/)
  await assert.rejects(readJsonObject(request(['{']), 100), /not valid JSON/)
})

test('too large: refused from the declared length, or as soon as the limit is crossed', async () => {
  await assert.rejects(readBody(request(['x'], 1_000), 10), /exceeds the limit of 10 bytes/)
  await assert.rejects(readBody(request(['123456', '789012']), 10), /exceeds the limit of 10 bytes/)
})

test('a client that left (before or while the body is read) fails the read instead of hanging it', async () => {
  const gone = request(['{}'])
  gone.destroy()
  await once(gone, 'close')
  await assert.rejects(readBody(gone, 100), /closed the connection/)

  const leaving = new Readable({ read() {} })
  const reading = readBody(Object.assign(leaving, { headers: {} }) as unknown as IncomingMessage, 100)
  leaving.push(Buffer.from('{"a"'))
  leaving.destroy()
  await assert.rejects(reading, /closed the connection/)
})

test('nested deeper than the limit: a 400 naming the limit, before parsing', async () => {
  const deep = `{"model":"m","messages":[{"role":"user","content":${'['.repeat(10_000)}${']'.repeat(10_000)}}]}`
  await assert.rejects(readJsonObject(request([deep]), 100_000), {
    status: 400,
    code: 'nesting_too_deep',
    type: 'invalid_request_error',
    message: `The request body nests arrays and objects deeper than ${MAX_JSON_NESTING} levels, the limit.`,
  })
  // Unterminated too: refused for its depth, not parsed.
  await assert.rejects(readJsonObject(request(['{"a":', '['.repeat(50_000)]), 100_000), {
    code: 'nesting_too_deep',
  })
  const atLimit = `${'{"a":'.repeat(MAX_JSON_NESTING - 1)}{}${'}'.repeat(MAX_JSON_NESTING - 1)}`
  assert.ok(await readJsonObject(request([atLimit]), 100_000))
  const inStrings = JSON.stringify({ content: '[{'.repeat(10_000) })
  assert.deepEqual(await readJsonObject(request([inStrings]), 100_000), JSON.parse(inStrings))
})
