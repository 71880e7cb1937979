/**
 * Relays an OpenAI-format SSE stream to the client event by event, without re-encoding it.
 *
 * The fast path works on bytes: it forwards every complete event (up to the last blank line)
 * as the upstream sent it and keeps a partial event until its end arrives, so a client never
 * receives half an event. It finds `[DONE]`, `{"error"…}` events, finish reasons, content chunks
 * and the usage chunk in one regular-expression pass over the bytes read as latin1 (one character
 * per byte, so positions carry over): `data:` markers only at line starts, JSON keys anywhere
 * (JSON text holds no raw newline and escapes quotes inside strings, so neither can match
 * content). A stream that uses `\r` line ends switches, losslessly, to the full decoder, which
 * re-frames events with `\n`.
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
const QUOTE = 34
const COMMA = 44
const OPEN_BRACKET = 91
const UNDERSCORE = 95
const LOWER_N = 110
const OPEN_BRACE = 123
const CARRIAGE_RETURN = 13
const EVENT_END = Buffer.from('\n\n')

/**
 * Every marker the relay looks for, in one pass of V8's regular-expression engine over the
 * events (one search per marker, each a native call per occurrence, cost several times more).
 * Each alternative starts on a character rarer than `"`; the match is then checked in place.
 */
const MARKERS = /_reason": *"|ntent":"[^"]|\[DONE\]|\{"error"|"usage":[{n]/g

/** What one scan of complete events finds. Positions index the scanned text. */
interface EventScan {
  /** Where the events to forward end: the `[DONE]` or error line's start, else the text's end. */
  end: number
  done: boolean
  error: boolean
  /** The last non-null finish reason. */
  finishReason: string | undefined
  contentChunks: number
  /** Where the first `"usage":{` key starts, or -1. */
  usageAt: number
  /** `[start, end)` pairs, flat: each `"usage":null` with its comma, to remove. */
  nullUsage: number[]
}

/** The start of the `data:` line whose value starts at `at` (`data: X` or `data:X`), or -1. */
function dataLineStart(text: string, at: number): number {
  const lineStart = at >= 6 && text.charCodeAt(at - 1) === 32 ? at - 6 : at - 5
  return lineStart >= 0 &&
    (lineStart === 0 || text.charCodeAt(lineStart - 1) === LINE_FEED) &&
    text.startsWith('data:', lineStart)
    ? lineStart
    : -1
}

/**
 * Finds, up to the first `[DONE]` or error event: finish reasons, content-bearing chunks
 * (`content":"` followed by something other than the closing quote, which also counts
 * `reasoning_content`), the usage chunk and, if asked, `"usage":null` keys. `[DONE]` and errors
 * count only as a `data:` line's value; JSON keys count anywhere, since JSON escapes the quotes
 * inside strings.
 */
function scanEvents(text: string, findNullUsage: boolean): EventScan {
  const scan: EventScan = {
    end: text.length,
    done: false,
    error: false,
    finishReason: undefined,
    contentChunks: 0,
    usageAt: -1,
    nullUsage: [],
  }
  MARKERS.lastIndex = 0
  for (let match = MARKERS.exec(text); match !== null; match = MARKERS.exec(text)) {
    const at = match.index
    const first = text.charCodeAt(at)
    if (first === UNDERSCORE) {
      if (!text.startsWith('"finish', at - 7)) continue
      const open = at + match[0].length
      const close = text.indexOf('"', open)
      if (close !== -1 && close - open < 63) scan.finishReason = text.slice(open, close)
    } else if (first === LOWER_N) {
      if (text.startsWith('co', at - 2)) scan.contentChunks++
      MARKERS.lastIndex = at + 8
    } else if (first === QUOTE) {
      if (text.charCodeAt(at + 8) === OPEN_BRACE) {
        if (scan.usageAt === -1) scan.usageAt = at
      } else if (findNullUsage && text.startsWith('null', at + 8)) {
        if (text.charCodeAt(at - 1) === COMMA) scan.nullUsage.push(at - 1, at + 12)
        else if (text.charCodeAt(at + 12) === COMMA) scan.nullUsage.push(at, at + 13)
      }
    } else {
      const lineStart = dataLineStart(text, at)
      if (lineStart === -1) continue
      scan.end = lineStart
      if (first === OPEN_BRACKET) scan.done = true
      else scan.error = true
      return scan
    }
  }
  return scan
}

/** `text` without the flat `[start, end)` pairs of `ranges` (in order, not overlapping). */
function withoutRanges(text: string, ranges: readonly number[]): string {
  if (ranges.length === 0) return text
  let result = ''
  let from = 0
  for (let index = 0; index < ranges.length; index += 2) {
    result += text.slice(from, ranges[index])
    from = ranges[index + 1]!
  }
  return result + text.slice(from)
}

/** Bytes `[start, end)` to replace (or, without a replacement, to remove). */
type ByteEdit = [start: number, end: number, replacement: Buffer | undefined]

/** The edit for the usage chunk's line: its new `data`, or (null) the removal of its whole event. */
function usageLineEdit(text: string, lineStart: number, lineEnd: number, data: string | null): ByteEdit {
  if (data !== null) return [lineStart, lineEnd, Buffer.from(`data: ${data}`)]
  const boundary = lineStart === 0 ? -1 : text.lastIndexOf('\n\n', lineStart - 1)
  const eventEnd = text.indexOf('\n\n', lineEnd - 1)
  return [boundary === -1 ? 0 : boundary + 2, eventEnd === -1 ? text.length : eventEnd + 2, undefined]
}

/** The bytes with each `[start, end)` replaced (or removed); edits in order, not overlapping. */
function applyEdits(block: Buffer, edits: readonly ByteEdit[]): Buffer {
  const parts: Buffer[] = []
  let from = 0
  for (const [start, end, replacement] of edits) {
    parts.push(block.subarray(from, start))
    if (replacement !== undefined) parts.push(replacement)
    from = end
  }
  parts.push(block.subarray(from))
  return Buffer.concat(parts)
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
      const scan = scanEvents(data, options.removeNullUsage === true)
      if (scan.finishReason !== undefined) {
        step.finished = true
        step.finishReason = scan.finishReason
      }
      step.contentChunks += scan.contentChunks
      let rewritten = false
      if (scan.usageAt !== -1) {
        step.usageData = data
        if (options.rewriteUsage !== undefined) {
          const replacement = options.rewriteUsage(data)
          if (replacement === null) continue
          data = replacement
          rewritten = true
        }
      }
      if (options.removeNullUsage === true && (rewritten || scan.nullUsage.length > 0)) {
        data = withoutRanges(data, rewritten ? scanEvents(data, true).nullUsage : scan.nullUsage)
      }
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
      // Byte for character, so positions in the text are positions in the bytes.
      const text = block.toString('latin1')
      const scan = scanEvents(text, options.removeNullUsage === true)
      step.done = scan.done
      step.error = scan.error
      if (scan.end < block.length) block = block.subarray(0, scan.end)
      step.finishReason = scan.finishReason
      step.finished = scan.finishReason !== undefined
      step.contentChunks = scan.contentChunks
      if (options.onEventData !== undefined) {
        for (const line of block.toString('utf8').split('\n')) {
          if (line.startsWith('data:')) options.onEventData(line.slice(line.charCodeAt(5) === 32 ? 6 : 5))
        }
      }
      // Edits to the bytes: the usage line rewritten (or its event dropped), null usage keys removed.
      let usageEdit: ByteEdit | undefined
      if (scan.usageAt !== -1) {
        const lineStart = text.lastIndexOf('\n', scan.usageAt) + 1
        const found = text.indexOf('\n', scan.usageAt)
        const lineEnd = found === -1 ? block.length : found
        if (text.startsWith('data:', lineStart)) {
          const valueStart = lineStart + (text.charCodeAt(lineStart + 5) === 32 ? 6 : 5)
          step.usageData = block.toString('utf8', valueStart, lineEnd)
          if (options.rewriteUsage !== undefined) {
            usageEdit = usageLineEdit(text, lineStart, lineEnd, options.rewriteUsage(step.usageData))
          }
        }
      }
      const edits: ByteEdit[] = []
      for (let index = 0; index < scan.nullUsage.length; index += 2) {
        const start = scan.nullUsage[index]!
        const end = scan.nullUsage[index + 1]!
        if (usageEdit === undefined || end <= usageEdit[0] || start >= usageEdit[1])
          edits.push([start, end, undefined])
      }
      if (usageEdit !== undefined) {
        edits.push(usageEdit)
        edits.sort((first, second) => first[0] - second[0])
      }
      step.output = edits.length === 0 ? block : applyEdits(block, edits)
      return step
    },
  }
}
