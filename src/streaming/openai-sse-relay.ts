/**
 * Relays an OpenAI-format SSE stream to the client event by event, without re-encoding it.
 *
 * The fast path works on bytes: it forwards every complete event (up to the last blank line)
 * as the upstream sent it and keeps a partial event until its end arrives, so a client never
 * receives half an event. It finds `[DONE]`, `{"error"…}` events, finish reasons and the usage
 * chunk with native byte searches: `data:` markers only at line starts, JSON keys anywhere (JSON
 * text holds no raw newline and escapes quotes inside strings, so neither can match content). A stream that uses `\r` line
 * ends switches, losslessly, to the full decoder, which re-frames events with `\n`.
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 */
import { createSseDecoder, type SseDecoder } from './sse-decoder.ts'
import { encodeSseEvent } from './sse-encoder.ts'

export interface RelayStep {
  /** Bytes or text to send to the client now ('' when nothing is complete yet). */
  output: Uint8Array | string
  /** The upstream sent `[DONE]`: the answer is complete; ignore anything after it. */
  done: boolean
  /** The upstream sent an error event; `output` holds what came before it. */
  error: boolean
  /** Some forwarded chunk carried a non-null finish reason. */
  finished: boolean
  /** The `data` of a chunk with a usage object, if any (as the upstream sent it). */
  usageData: string | undefined
  /** The finish reason of a forwarded chunk, if one carried it. */
  finishReason: string | undefined
  /** Chunks in `output` with non-empty `content` (≈ one token each from OpenAI-style upstreams). */
  contentChunks: number
}

export interface RelayOptions {
  /**
   * Rewrites the chunk that carries usage: returns its new `data`, or null to drop the event
   * (e.g. to add `usage.cost`, or to hide usage the client did not ask for).
   */
  rewriteUsage?: (data: string) => string | null
  /**
   * Removes `"usage":null` from chunks: an upstream asked for usage (by the gateway, for billing)
   * puts it on every chunk, and a client that did not ask should not see it.
   */
  removeNullUsage?: boolean
  /** Sees the `data` of every forwarded event (as the upstream sent it); costs a split per block. */
  onEventData?: (data: string) => void
}

export interface OpenAISseRelay {
  push(chunk: Uint8Array): RelayStep
}

const LINE_FEED = 10
const CARRIAGE_RETURN = 13
const EVENT_END = Buffer.from('\n\n')
const DONE_MARKER = Buffer.from('[DONE]')
const ERROR_MARKER = Buffer.from('{"error"')
const FINISH_MARKER = Buffer.from('"finish_reason":')
const USAGE_MARKER = Buffer.from('"usage":{')
const CONTENT_MARKER = Buffer.from('content":"')
const NULL_USAGE_AFTER = Buffer.from(',"usage":null')
const NULL_USAGE_BEFORE = Buffer.from('"usage":null,')
const QUOTE = 34

const DATA_FIELD = Buffer.from('data:')

/**
 * First position of a `data:` line whose value starts with `marker` (`data: X` or `data:X`);
 * returns the line start. `block` starts at a line start. One native scan for the marker.
 */
function findDataLine(block: Buffer, marker: Buffer): number {
  let index = block.indexOf(marker)
  while (index !== -1) {
    const lineStart = index >= 6 && block[index - 1] === 32 ? index - 6 : index - 5
    if (
      lineStart >= 0 &&
      (lineStart === 0 || block[lineStart - 1] === LINE_FEED) &&
      block.compare(DATA_FIELD, 0, 5, lineStart, lineStart + 5) === 0
    ) {
      return lineStart
    }
    index = block.indexOf(marker, index + 1)
  }
  return -1
}

/** The last non-null finish reason: `"finish_reason":` followed (after spaces) by a string. */
function finishReasonIn(block: Buffer): string | undefined {
  let reason: string | undefined
  let index = block.indexOf(FINISH_MARKER)
  while (index !== -1) {
    let next = index + FINISH_MARKER.length
    while (block[next] === 32) next++
    if (block[next] === QUOTE) {
      const end = block.indexOf(QUOTE, next + 1)
      if (end !== -1 && end - next < 64) reason = block.toString('latin1', next + 1, end)
    }
    index = block.indexOf(FINISH_MARKER, next)
  }
  return reason
}

/** Occurrences of `content":"` followed by something other than the closing quote. */
function countContentChunks(block: Buffer): number {
  let count = 0
  let index = block.indexOf(CONTENT_MARKER)
  while (index !== -1) {
    const next = index + CONTENT_MARKER.length
    if (block[next] !== QUOTE) count++
    index = block.indexOf(CONTENT_MARKER, next)
  }
  return count
}

/** The usage chunk's data line in a block of complete events: [line start, line end, data]. */
function usageLineIn(block: Buffer): [number, number, string] | undefined {
  const index = block.indexOf(USAGE_MARKER)
  if (index === -1) return undefined
  const lineStart = block.lastIndexOf(LINE_FEED, index) + 1
  const found = block.indexOf(LINE_FEED, index)
  const lineEnd = found === -1 ? block.length : found
  const line = block.toString('utf8', lineStart, lineEnd)
  if (!line.startsWith('data:')) return undefined
  return [lineStart, lineEnd, line.slice(line.charCodeAt(5) === 32 ? 6 : 5)]
}

/** The block without `,"usage":null` / `"usage":null,` (a copy only when there is one). */
function withoutNullUsage(block: Buffer): Buffer {
  for (const marker of [NULL_USAGE_AFTER, NULL_USAGE_BEFORE]) {
    let index = block.indexOf(marker)
    if (index === -1) continue
    const parts: Buffer[] = []
    let from = 0
    while (index !== -1) {
      parts.push(block.subarray(from, index))
      from = index + marker.length
      index = block.indexOf(marker, from)
    }
    parts.push(block.subarray(from))
    block = Buffer.concat(parts)
  }
  return block
}

/** Replaces (or removes, with its whole event) the usage chunk's data line. */
function rewriteUsageIn(block: Buffer, line: [number, number, string], data: string | null): Buffer {
  const [lineStart, lineEnd] = line
  if (data !== null) {
    return Buffer.concat([
      block.subarray(0, lineStart),
      Buffer.from(`data: ${data}`),
      block.subarray(lineEnd),
    ])
  }
  const boundary = lineStart === 0 ? -1 : block.lastIndexOf(EVENT_END, lineStart - 1)
  const eventStart = boundary === -1 ? 0 : boundary + 2
  const eventEnd = block.indexOf(EVENT_END, lineEnd - 1)
  const after = eventEnd === -1 ? block.length : eventEnd + 2
  return Buffer.concat([block.subarray(0, eventStart), block.subarray(after)])
}

function emptyStep(): RelayStep {
  return {
    output: '',
    done: false,
    error: false,
    finished: false,
    usageData: undefined,
    finishReason: undefined,
    contentChunks: 0,
  }
}

export function createOpenAISseRelay(options: RelayOptions = {}): OpenAISseRelay {
  let pending: Buffer | undefined
  let decoder: SseDecoder | undefined

  function relayDecoded(chunk: Uint8Array): RelayStep {
    const step = emptyStep()
    let text = ''
    for (const event of decoder!.push(chunk)) {
      let data = event.data
      if (data === '[DONE]') {
        step.done = true
        break
      }
      if (data.startsWith('{"error"')) {
        step.error = true
        break
      }
      options.onEventData?.(data)
      const finish = /"finish_reason":\s*"([^"]{1,63})"/.exec(data)
      if (finish !== null) {
        step.finished = true
        step.finishReason = finish[1]
      }
      step.contentChunks += countContentChunks(Buffer.from(data))
      if (data.includes('"usage":{')) {
        step.usageData = data
        if (options.rewriteUsage !== undefined) {
          const rewritten = options.rewriteUsage(data)
          if (rewritten === null) continue
          data = rewritten
        }
      }
      if (options.removeNullUsage === true) data = withoutNullUsage(Buffer.from(data)).toString()
      text += encodeSseEvent(data, event.event)
    }
    step.output = text
    return step
  }

  return {
    push(chunk) {
      if (decoder !== undefined) return relayDecoded(chunk)
      const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      if (bytes.indexOf(CARRIAGE_RETURN) !== -1) {
        decoder = createSseDecoder()
        if (pending !== undefined) decoder.push(pending)
        pending = undefined
        return relayDecoded(bytes)
      }
      const combined = pending === undefined ? bytes : Buffer.concat([pending, bytes])
      const step = emptyStep()
      const lastEnd = combined.lastIndexOf(EVENT_END)
      if (lastEnd === -1) {
        pending = combined
        return step
      }
      let block = combined.subarray(0, lastEnd + 2)
      pending = lastEnd + 2 < combined.length ? Buffer.from(combined.subarray(lastEnd + 2)) : undefined
      const doneAt = findDataLine(block, DONE_MARKER)
      const errorAt = findDataLine(block, ERROR_MARKER)
      if (doneAt !== -1 && (errorAt === -1 || doneAt < errorAt)) {
        step.done = true
        block = block.subarray(0, doneAt)
      } else if (errorAt !== -1) {
        step.error = true
        block = block.subarray(0, errorAt)
      }
      step.finishReason = finishReasonIn(block)
      step.finished = step.finishReason !== undefined
      step.contentChunks = countContentChunks(block)
      if (options.onEventData !== undefined) {
        for (const line of block.toString('utf8').split('\n')) {
          if (line.startsWith('data:')) options.onEventData(line.slice(line.charCodeAt(5) === 32 ? 6 : 5))
        }
      }
      const usageLine = usageLineIn(block)
      if (usageLine !== undefined) {
        step.usageData = usageLine[2]
        if (options.rewriteUsage !== undefined)
          block = rewriteUsageIn(block, usageLine, options.rewriteUsage(usageLine[2]))
      }
      step.output = options.removeNullUsage === true ? withoutNullUsage(block) : block
      return step
    },
  }
}
