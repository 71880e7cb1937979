import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createSseDecoder, type SseEvent } from './sse-decoder.ts'
import { encodeSseEvent } from './sse-encoder.ts'

function decodeInPieces(bytes: Uint8Array, pieceSize: number): SseEvent[] {
  const decoder = createSseDecoder()
  const events: SseEvent[] = []
  for (let offset = 0; offset < bytes.length; offset += pieceSize) {
    events.push(...decoder.push(bytes.subarray(offset, offset + pieceSize)))
  }
  events.push(...decoder.end())
  return events
}

const transcript =
  ': keep-alive comment\n\n' +
  'event: message_start\r\ndata: {"a":"известни 🙂"}\r\n\r\n' +
  'data: line one\rdata: line two\r\r' +
  'id: 7\ndata:no-space\n\n' +
  'data: [DONE]\n\n' +
  'data: {"unterminated":true}'

const expected: SseEvent[] = [
  { event: 'message_start', data: '{"a":"известни 🙂"}', id: undefined },
  { event: undefined, data: 'line one\nline two', id: undefined },
  { event: undefined, data: 'no-space', id: '7' },
  { event: undefined, data: '[DONE]', id: '7' },
  { event: undefined, data: '{"unterminated":true}', id: '7' },
]

test('decodes the same events at every chunk size, down to single bytes inside UTF-8 characters', () => {
  const bytes = new TextEncoder().encode(transcript)
  for (let size = 1; size <= bytes.length; size++) {
    assert.deepEqual(decodeInPieces(bytes, size), expected, `chunk size ${size}`)
  }
})

test('encoder output decodes back to the same data, newlines included', () => {
  const payloads = ['plain', 'two\nlines', 'cr\rlf\r\nmix', '']
  const bytes = new TextEncoder().encode(payloads.map((data) => encodeSseEvent(data, 'x')).join(''))
  const events = decodeInPieces(bytes, 3)
  assert.deepEqual(
    events.map((event) => event.data),
    ['plain', 'two\nlines', 'cr\nlf\nmix', ''],
  )
  assert.ok(events.every((event) => event.event === 'x'))
})
