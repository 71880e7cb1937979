import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createSseSplitter, readSse } from './sse-stream.ts'

function split(chunks: string[]): string[] {
  const splitter = createSseSplitter()
  return [...chunks.flatMap((chunk) => splitter.push(chunk)), ...splitter.end()]
}

test('events come out whole, however the text is cut', () => {
  const text = 'data: {"a":1}\n\n: keep-alive\n\ndata: {"b":2}\n\ndata: [DONE]\n\n'
  const expected = ['{"a":1}', '{"b":2}', '[DONE]']
  assert.deepEqual(split([text]), expected)
  // Every cut point, including inside "data:", inside the JSON and between the two line feeds.
  for (let cut = 1; cut < text.length; cut++) {
    assert.deepEqual(split([text.slice(0, cut), text.slice(cut)]), expected, `cut at ${cut}`)
  }
  assert.deepEqual(split([...text]), expected, 'one character at a time')
})

test('CRLF and CR line ends, split between chunks too', () => {
  assert.deepEqual(split(['data: x\r\n\r\ndata: y\r\r']), ['x', 'y'])
  assert.deepEqual(split(['data: x\r', '\n\r', '\ndata: y\r\n\r\n']), ['x', 'y'])
  // A lone CR at a chunk end followed by a non-LF: still one line end.
  assert.deepEqual(split(['data: x\r', '\r']), ['x'])
})

test('multi-line data, fields other than data, no space after the colon, a last event without its blank line', () => {
  assert.deepEqual(split(['event: message\nid: 7\ndata: one\ndata:two\n\n']), ['one\ntwo'])
  assert.deepEqual(split(['data: last']), ['last'])
  assert.deepEqual(split(['retry: 10\n\n']), [])
  assert.deepEqual(split(['data\n\n']), [''])
})

test('readSse decodes UTF-8 split across byte chunks and reports events as they arrive', async () => {
  const bytes = new TextEncoder().encode('data: {"content":"héllo 👋"}\n\ndata: [DONE]\n\n')
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      // One byte per chunk: the é and the emoji arrive in pieces.
      for (const byte of bytes) controller.enqueue(new Uint8Array([byte]))
      controller.close()
    },
  })
  const seen: string[] = []
  await readSse(body, (data) => seen.push(data))
  assert.deepEqual(seen, ['{"content":"héllo 👋"}', '[DONE]'])
})

test('readSse rejects when the stream errors (e.g. the request was aborted)', async () => {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('data: a\n\n'))
      controller.error(new DOMException('stopped', 'AbortError'))
    },
  })
  const seen: string[] = []
  await assert.rejects(
    readSse(body, (data) => seen.push(data)),
    (error: Error) => error.name === 'AbortError',
  )
})
