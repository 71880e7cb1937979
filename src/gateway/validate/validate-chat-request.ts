/**
 * Checks the fields the gateway relies on, with OpenAI-style messages that name the `param`.
 * Everything else passes through for the upstream to judge. Hand-written rather than a schema
 * library: this runs on every request.
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */

import type { OpenAIChatCompletionRequest } from '../../contracts/openai-wire.ts'
import { GatewayError } from '../../errors/gateway-error.ts'

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_parameter', message, { param })
}

/**
 * The largest output cap (`max_tokens`, `max_completion_tokens`, `max_output_tokens`) a request
 * may ask for. Far above any model's output (the largest are ~128k tokens) and context window,
 * and small enough that holds and rate-limit charges computed from it stay exact integers.
 */
export const MAX_OUTPUT_TOKENS = 10_000_000

function checkPositiveInteger(body: Record<string, unknown>, field: string): void {
  const value = body[field]
  if (value === undefined || value === null) return
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw invalid(field, `Invalid value for '${field}': expected an integer of at least 1.`)
  }
}

/**
 * Checks an output cap: absent or `null`, or an integer from 1 to {@link MAX_OUTPUT_TOKENS}.
 * Throws a 400 `invalid_parameter` naming `param` otherwise (a string, a fraction, `1e15`...).
 */
export function checkOutputTokens(value: unknown, param: string): void {
  if (value === undefined || value === null) return
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_OUTPUT_TOKENS) {
    throw invalid(param, `Invalid value for '${param}': expected an integer from 1 to ${MAX_OUTPUT_TOKENS}.`)
  }
}

/**
 * The body as a chat request, or a 400 naming the first bad field: `model`, `messages` (and each
 * message's `role`), `stream`, `stream_options`, the output caps and `n`.
 */
export function validateChatCompletionRequest(body: Record<string, unknown>): OpenAIChatCompletionRequest {
  if (body.model === undefined) {
    throw new GatewayError('missing_parameter', "Missing required parameter: 'model'.", { param: 'model' })
  }
  if (typeof body.model !== 'string' || body.model === '') {
    throw invalid('model', "Invalid type for 'model': expected a non-empty string.")
  }
  const messages = body.messages
  if (messages === undefined) {
    throw new GatewayError('missing_parameter', "Missing required parameter: 'messages'.", {
      param: 'messages',
    })
  }
  if (!Array.isArray(messages) || messages.length === 0) {
    throw invalid('messages', "Invalid value for 'messages': expected a non-empty array.")
  }
  for (let index = 0; index < messages.length; index++) {
    const message: unknown = messages[index]
    if (message === null || typeof message !== 'object' || Array.isArray(message)) {
      throw invalid(`messages[${index}]`, `Invalid type for 'messages[${index}]': expected an object.`)
    }
    if (typeof (message as { role?: unknown }).role !== 'string') {
      throw invalid(`messages[${index}].role`, `Missing or invalid 'messages[${index}].role'.`)
    }
  }
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
    throw invalid('stream', "Invalid type for 'stream': expected a boolean.")
  }
  const streamOptions = body.stream_options
  if (streamOptions !== undefined && streamOptions !== null) {
    if (typeof streamOptions !== 'object' || Array.isArray(streamOptions)) {
      throw invalid('stream_options', "Invalid type for 'stream_options': expected an object.")
    }
    if (body.stream !== true) {
      throw invalid('stream_options', "'stream_options' is only allowed when 'stream' is true.")
    }
  }
  checkOutputTokens(body.max_tokens, 'max_tokens')
  checkOutputTokens(body.max_completion_tokens, 'max_completion_tokens')
  checkPositiveInteger(body, 'n')
  return body as OpenAIChatCompletionRequest
}
