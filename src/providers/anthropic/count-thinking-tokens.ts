/**
 * Reasoning tokens for Anthropic answers. Anthropic reports no separate thinking count (its
 * `output_tokens` includes the thinking), so the gateway counts the text of `thinking` blocks
 * itself: with the tokenizer the catalog model names, else with the conservative estimate (one
 * token per 3 UTF-8 bytes). It is an estimate: Claude's own tokenizer is not public.
 *
 * `redacted_thinking` blocks carry encrypted data whose size says nothing reliable about their
 * tokens: they are not counted (their tokens stay in `completion_tokens`, billed as output),
 * but they do make the field present.
 *
 * Streams are counted as they arrive and never held whole: the estimate keeps only a byte
 * count; a tokenizer counts each piece up to its last space before a word (tokenizers never
 * merge across that boundary, so the sum equals counting the whole text) and holds the rest,
 * at most {@link MAX_HELD_CHARS} characters.
 *
 * @module
 * @see https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking
 */
import { estimateTextTokens } from '../../tokens/estimate-prompt-tokens.ts'
import type { CountTokens } from '../../tokens/tokenizer.ts'

/** Text without a word boundary held longer than this (CJK, say) is counted as is. */
const MAX_HELD_CHARS = 1024
const BYTES_PER_TOKEN = 3

/** Counts one answer's thinking, block by block, piece by piece. */
export interface ThinkingTokenCounter {
  /** A thinking (or redacted thinking) block starts: the answer reports reasoning tokens. */
  startBlock(): void
  /** A piece of a thinking block's text: the whole block, or one `thinking_delta`. */
  add(text: string): void
  /** The block ended: counts what is still held. */
  endBlock(): void
  /** The tokens counted so far; undefined when the answer had no thinking block. */
  total(): number | undefined
}

/**
 * A counter using `countTokens` (the catalog model's tokenizer) when given, else the
 * conservative estimate of `estimateTextTokens`.
 */
export function createThinkingTokenCounter(countTokens?: CountTokens): ThinkingTokenCounter {
  let seen = false
  let tokens = 0
  let heldBytes = 0
  let held = ''
  const endBlock = () => {
    if (heldBytes > 0) tokens += Math.ceil(heldBytes / BYTES_PER_TOKEN)
    if (held !== '') tokens += (countTokens ?? estimateTextTokens)(held)
    heldBytes = 0
    held = ''
  }
  return {
    startBlock() {
      endBlock()
      seen = true
    },
    add(text) {
      seen = true
      if (countTokens === undefined) {
        heldBytes += Buffer.byteLength(text, 'utf8')
        return
      }
      held += text
      const cut = held.length > MAX_HELD_CHARS ? held.length : lastWordBoundary(held)
      if (cut === 0) return
      tokens += countTokens(held.slice(0, cut))
      held = held.slice(cut)
    },
    endBlock,
    total() {
      return seen ? tokens : undefined
    },
  }
}

/** The index of the last space that starts a word (0 when none): pretokens never span it. */
function lastWordBoundary(text: string): number {
  for (let index = text.length - 2; index > 0; index--) {
    if (text.charCodeAt(index) === 0x20 && !/\s/.test(text[index + 1]!)) return index
  }
  return 0
}
