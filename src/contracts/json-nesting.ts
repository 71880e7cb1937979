/**
 * The one bound on how deeply a request body may nest arrays and objects. Bodies nested deeper
 * are refused when read (a linear byte scan, before `JSON.parse`), so nothing downstream ever
 * walks a deep value: `JSON.stringify`, the prompt estimate, the cache key and the provider
 * converters all recurse natively, and 10,000 levels overflow the stack. Code that takes
 * client JSON from elsewhere (or is called directly) checks values with
 * {@link nestsDeeperThan}, which is iterative and safe at any depth.
 *
 * @module
 */
import { GatewayError } from '../errors/gateway-error.ts'

/**
 * The deepest nesting of arrays and objects a request body may have; the body object itself is
 * level 1. Real requests stay far below it (a JSON schema in `tools` or `response_format` nests
 * about two levels per schema level; OpenAI's strict structured outputs allow 10 schema levels),
 * and `JSON.stringify` handles it with a wide stack margin (it overflows in the thousands).
 */
export const MAX_JSON_NESTING = 100

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d

/** The 400 for a body (or a field, when `param` is given) nested deeper than the limit. */
export function nestingTooDeep(param?: string): GatewayError {
  const what = param === undefined ? 'The request body' : `'${param}'`
  return new GatewayError(
    'nesting_too_deep',
    `${what} nests arrays and objects deeper than ${MAX_JSON_NESTING} levels, the limit.`,
    { param: param ?? null },
  )
}

/**
 * Whether JSON text nests `[`/`{` deeper than `limit`, counted outside strings (backslash
 * escapes respected). Linear and cheap: text with at most `limit` opening brackets anywhere is
 * answered from a count made with native `indexOf`; otherwise one pass over the characters,
 * string contents skipped with `indexOf`. Malformed text gets an answer too (the parser refuses
 * it afterwards); `"`, `\` and brackets are never part of a surrogate pair or a U+FFFD.
 */
export function jsonTextNestsDeeperThan(text: string, limit: number = MAX_JSON_NESTING): boolean {
  if (countUpTo(text, '[', limit + 1) + countUpTo(text, '{', limit + 1) <= limit) return false
  let depth = 0
  const length = text.length
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index)
    if (code === QUOTE) {
      index = closingQuote(text, index + 1)
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++depth > limit) return true
    } else if ((code === CLOSE_BRACE || code === CLOSE_BRACKET) && depth > 0) {
      depth--
    }
  }
  return false
}

/** How many times `character` occurs in `text`, counting no further than `cap`. */
function countUpTo(text: string, character: string, cap: number): number {
  let count = 0
  for (let at = text.indexOf(character); at !== -1 && count < cap; at = text.indexOf(character, at + 1))
    count++
  return count
}

/** The index of the quote closing a string whose contents start at `from`, or the end of the text. */
function closingQuote(text: string, from: number): number {
  let at = from
  for (;;) {
    const quote = text.indexOf('"', at)
    if (quote === -1) return text.length
    // Escaped when an odd number of backslashes stands right before it.
    let backslashes = 0
    while (quote - backslashes > from && text.charCodeAt(quote - backslashes - 1) === BACKSLASH) backslashes++
    if (backslashes % 2 === 0) return quote
    at = quote + 1
  }
}

/**
 * Whether a value nests arrays and objects deeper than `limit` (the value itself is level 1 when
 * it is one). Iterative, with an explicit stack: safe at any depth, and it stops at the first
 * path past the limit (so a cyclic value ends too).
 */
export function nestsDeeperThan(value: unknown, limit: number = MAX_JSON_NESTING): boolean {
  if (value === null || typeof value !== 'object') return false
  const pending: object[] = [value]
  const depths: number[] = [1]
  while (pending.length > 0) {
    const current = pending.pop()!
    const depth = depths.pop()!
    if (depth > limit) return true
    // Plain loops, not Object.values: this runs on every upstream body, and allocates nothing.
    if (Array.isArray(current)) {
      for (let index = 0; index < current.length; index++) {
        const child: unknown = current[index]
        if (child !== null && typeof child === 'object') {
          pending.push(child)
          depths.push(depth + 1)
        }
      }
    } else {
      for (const key in current) {
        const child: unknown = (current as Record<string, unknown>)[key]
        if (child !== null && typeof child === 'object') {
          pending.push(child)
          depths.push(depth + 1)
        }
      }
    }
  }
  return false
}

/**
 * `JSON.stringify` for values that came from a client: one nested deeper than the limit is a 400
 * naming `param` (checked iteratively first, so the serializer never recurses that deep).
 */
export function stringifyBounded(value: unknown, param?: string): string {
  if (nestsDeeperThan(value)) throw nestingTooDeep(param)
  return JSON.stringify(value)
}
