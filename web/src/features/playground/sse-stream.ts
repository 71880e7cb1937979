/**
 * Server-Sent Events for the playground, read with `fetch` and a `ReadableStream` (an
 * `EventSource` cannot POST or send the CSRF header): text in, each event's `data` out. Handles
 * `\n`, `\r\n` and `\r` line ends and multi-byte characters split across chunks, multi-line
 * `data`, comments, and a last event without its blank line.
 *
 * @module
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */

export interface SseSplitter {
  /** Feeds decoded text; returns the `data` of the events it completed. */
  push(text: string): string[]
  /** The input ended: the `data` of an event left without its closing blank line, if any. */
  end(): string[]
}

export function createSseSplitter(): SseSplitter {
  let buffer = ''
  let data: string[] = []
  let pendingCarriageReturn = false

  function line(text: string, out: string[]): void {
    if (text === '') {
      if (data.length > 0) out.push(data.join('\n'))
      data = []
      return
    }
    if (text.startsWith(':')) return
    const colon = text.indexOf(':')
    const field = colon === -1 ? text : text.slice(0, colon)
    if (field !== 'data') return
    let value = colon === -1 ? '' : text.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    data.push(value)
  }

  return {
    push(text) {
      const out: string[] = []
      let input = text
      // A "\r" ended the last chunk: a "\n" starting this one belongs to the same line end.
      if (pendingCarriageReturn && input.startsWith('\n')) input = input.slice(1)
      pendingCarriageReturn = false
      buffer += input
      let start = 0
      for (let index = 0; index < buffer.length; index++) {
        const char = buffer[index]
        if (char !== '\n' && char !== '\r') continue
        line(buffer.slice(start, index), out)
        if (char === '\r') {
          if (index + 1 === buffer.length) pendingCarriageReturn = true
          else if (buffer[index + 1] === '\n') index++
        }
        start = index + 1
      }
      buffer = buffer.slice(start)
      return out
    },
    end() {
      const out: string[] = []
      if (buffer !== '') line(buffer, out)
      buffer = ''
      line('', out)
      return out
    },
  }
}

/**
 * Reads a response body of SSE, calling `onData` with each event's data as it arrives.
 * Resolves when the body ends; rejects with the fetch's `AbortError` when its request is aborted.
 */
export async function readSse(
  body: ReadableStream<Uint8Array>,
  onData: (data: string) => void,
): Promise<void> {
  const splitter = createSseSplitter()
  const decoder = new TextDecoder()
  const reader = body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      // `stream: true` keeps a character split across chunks for the next one.
      for (const data of splitter.push(decoder.decode(value, { stream: true }))) onData(data)
    }
    for (const data of splitter.push(decoder.decode())) onData(data)
    for (const data of splitter.end()) onData(data)
  } finally {
    reader.releaseLock()
  }
}
