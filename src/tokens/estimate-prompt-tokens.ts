/**
 * A conservative prompt-token estimate for quotes (and, until a tokenizer is wired in, for
 * reservations): it should over-count, never under-count. Text counts one token per 3 UTF-8
 * bytes (English averages ~4 characters per token with OpenAI's tokenizers; CJK text is ~3
 * bytes per character and about a token each); every message adds 4 tokens of framing; an
 * image part counts 765 tokens (a 1024×1024 image at high detail); tools and response formats
 * count by their JSON size. Structured values are measured through `stringifyBounded`: one
 * nested deeper than the body limit is a 400, never a stack overflow (the body reader refuses
 * such bodies first; this holds for direct callers too).
 *
 * @module
 * @see https://platform.openai.com/docs/guides/images-vision#calculating-costs
 */
import { stringifyBounded } from '../contracts/json-nesting.ts'
import type { OpenAIChatCompletionRequest } from '../contracts/openai-wire.ts'

const BYTES_PER_TOKEN = 3
const MESSAGE_OVERHEAD_TOKENS = 4
const REPLY_PRIMING_TOKENS = 3
const IMAGE_TOKENS = 765

/** The conservative token count of a text (one per 3 UTF-8 bytes). */
export function estimateTextTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / BYTES_PER_TOKEN)
}

/** Prompts longer than this are estimated, not tokenized, to keep the request path fast. */
const MAX_TOKENIZED_BYTES = 32 * 1024

/**
 * The prompt's tokens: exact text counts with `countTokens` (a real tokenizer, for OpenAI-family
 * models) when given and the prompt is not huge, else the conservative estimate. Message framing
 * is counted a little above OpenAI's accounting (4 per message instead of 3, 3 to prime the reply).
 */
export function estimatePromptTokens(
  request: OpenAIChatCompletionRequest,
  countTokens?: (text: string) => number,
): number {
  let count = estimateTextTokens
  if (countTokens !== undefined) {
    let size = 0
    for (let index = 0; index < request.messages.length; index++) {
      const content = request.messages[index]!.content
      size +=
        typeof content === 'string'
          ? content.length
          : stringifyBounded(content ?? '', `messages[${index}].content`).length
    }
    if (size * 3 <= MAX_TOKENIZED_BYTES) count = countTokens
  }
  const content = (value: unknown, param: string): number => {
    if (typeof value === 'string') return count(value)
    if (!Array.isArray(value))
      return value === undefined || value === null ? 0 : count(stringifyBounded(value, param))
    let tokens = 0
    for (let index = 0; index < value.length; index++) {
      const part = value[index] as { type?: unknown; text?: unknown } | null
      if (part?.type === 'text' && typeof part.text === 'string') tokens += count(part.text)
      else if (part?.type === 'image_url' || part?.type === 'input_image') tokens += IMAGE_TOKENS
      else tokens += count(stringifyBounded(part, `${param}[${index}]`))
    }
    return tokens
  }
  let tokens = REPLY_PRIMING_TOKENS
  for (let index = 0; index < request.messages.length; index++) {
    const message = request.messages[index]!
    tokens += MESSAGE_OVERHEAD_TOKENS + content(message.content, `messages[${index}].content`)
    if (typeof message.name === 'string') tokens += count(message.name)
    if (message.tool_calls !== undefined)
      tokens += count(stringifyBounded(message.tool_calls, `messages[${index}].tool_calls`))
  }
  for (const field of ['tools', 'functions', 'response_format'] as const) {
    if (request[field] !== undefined) tokens += count(stringifyBounded(request[field], field))
  }
  return tokens
}

/** The most output the request can produce: its own cap, else the model's, else what the context leaves. */
export function maxOutputTokens(
  request: OpenAIChatCompletionRequest,
  model: { maxOutputTokens: number | undefined; contextLength: number | undefined },
  promptTokens: number,
): number | undefined {
  const asked = request.max_completion_tokens ?? request.max_tokens
  const cap =
    model.maxOutputTokens ??
    (model.contextLength === undefined ? undefined : Math.max(model.contextLength - promptTokens, 0))
  if (asked === undefined) return cap
  return cap === undefined ? asked : Math.min(asked, cap)
}
