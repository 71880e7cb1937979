/**
 * An incremental Server-Sent Events decoder: bytes in, events out. Handles `\n`, `\r\n` and `\r`
 * line ends split across chunks, multi-byte UTF-8 characters split across chunks, multi-line
 * `data`, comments and a missing final blank line.
 *
 * @module
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */

/** One dispatched event. `event` is undefined for the default "message" type. */
export interface SseEvent {
  event: string | undefined
  data: string
  id: string | undefined
}

export interface SseDecoder {
  /** Feeds bytes; returns the events completed by them. */
  push(chunk: Uint8Array): SseEvent[]
  /** Ends the input; returns an event left without its closing blank line, if any. */
  end(): SseEvent[]
}

export function createSseDecoder(): SseDecoder {
  const textDecoder = new TextDecoder('utf-8')
  let buffer = ''
  let skipLeadingLineFeed = false
  let dataLines: string[] = []
  let eventName: string | undefined
  let lastId: string | undefined

  function processLine(line: string, events: SseEvent[]): void {
    if (line === '') {
      if (dataLines.length > 0) events.push({ event: eventName, data: dataLines.join('\n'), id: lastId })
      dataLines = []
      eventName = undefined
      return
    }
    if (line.charCodeAt(0) === 58 /* ':' comment */) return
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.charCodeAt(0) === 32) value = value.slice(1)
    if (field === 'data') dataLines.push(value)
    else if (field === 'event') eventName = value
    else if (field === 'id' && !value.includes('\0')) lastId = value
  }

  function processText(text: string, events: SseEvent[]): void {
    buffer += text
    let start = 0
    if (skipLeadingLineFeed && buffer.charCodeAt(0) === 10) start = 1
    skipLeadingLineFeed = false
    for (;;) {
      let index = start
      const length = buffer.length
      while (index < length) {
        const code = buffer.charCodeAt(index)
        if (code === 10 || code === 13) break
        index++
      }
      if (index === length) break
      processLine(buffer.slice(start, index), events)
      if (buffer.charCodeAt(index) === 13) {
        if (index + 1 === length) {
          skipLeadingLineFeed = true
          start = index + 1
          break
        }
        if (buffer.charCodeAt(index + 1) === 10) index++
      }
      start = index + 1
    }
    buffer = buffer.slice(start)
  }

  return {
    push(chunk) {
      const events: SseEvent[] = []
      processText(textDecoder.decode(chunk, { stream: true }), events)
      return events
    },
    end() {
      const events: SseEvent[] = []
      processText(`${textDecoder.decode()}\n\n`, events)
      return events
    },
  }
}
