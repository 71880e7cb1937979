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
  /** The `data` of a forwarded chunk with a usage object, if any. */
  usageData: string | undefined
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

/** A non-null finish reason: `"finish_reason":` followed (after spaces) by a string. */
function hasFinishReason(block: Buffer): boolean {
  let index = block.indexOf(FINISH_MARKER)
  while (index !== -1) {
    let next = index + FINISH_MARKER.length
    while (block[next] === 32) next++
    if (block[next] === 34 /* '"' */) return true
    index = block.indexOf(FINISH_MARKER, next)
  }
  return false
}

function usageDataIn(block: Buffer): string | undefined {
  const index = block.indexOf(USAGE_MARKER)
  if (index === -1) return undefined
  const lineStart = block.lastIndexOf(LINE_FEED, index) + 1
  const lineEnd = block.indexOf(LINE_FEED, index)
  const line = block.toString('utf8', lineStart, lineEnd === -1 ? block.length : lineEnd)
  if (!line.startsWith('data:')) return undefined
  return line.slice(line.charCodeAt(5) === 32 ? 6 : 5)
}

export function createOpenAISseRelay(): OpenAISseRelay {
  let pending: Buffer | undefined
  let decoder: SseDecoder | undefined

  function relayDecoded(chunk: Uint8Array): RelayStep {
    const step: RelayStep = { output: '', done: false, error: false, finished: false, usageData: undefined }
    let text = ''
    for (const event of decoder!.push(chunk)) {
      const data = event.data
      if (data === '[DONE]') {
        step.done = true
        break
      }
      if (data.startsWith('{"error"')) {
        step.error = true
        break
      }
      if (/"finish_reason":\s*"/.test(data)) step.finished = true
      if (data.includes('"usage":{')) step.usageData = data
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
      const step: RelayStep = { output: '', done: false, error: false, finished: false, usageData: undefined }
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
      step.finished = hasFinishReason(block)
      step.usageData = usageDataIn(block)
      step.output = block
      return step
    },
  }
}
