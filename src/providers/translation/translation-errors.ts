/**
 * The 400s translating adapters give: a field with a bad value, a field or feature the
 * provider cannot take, and the check that refuses every request field the adapter does not
 * handle (so nothing that changes the answer is silently dropped).
 *
 * @module
 */
import { GatewayError } from '../../errors/gateway-error.ts'

export function invalidField(param: string, message: string): GatewayError {
  return new GatewayError('invalid_parameter', message, { param })
}

export function unsupportedField(param: string, message: string): GatewayError {
  return new GatewayError('unsupported_parameter', message, { param })
}

/**
 * The OpenAI chat fields every translating adapter reads, maps, or drops because they do not
 * change the answer (`store`, `metadata`, `service_tier`, `user` after the scrub, cache keys…).
 * An adapter adds its own (e.g. `top_k`); any field in neither is refused.
 */
export const COMMON_HANDLED_FIELDS: readonly string[] = [
  'model',
  'messages',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'temperature',
  'top_p',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'reasoning_effort',
  'n',
  'user',
  'metadata',
  'store',
  'service_tier',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'prompt_cache_key',
  'safety_identifier',
  'verbosity',
  'modalities',
  'prediction',
]

/** Refuses the first set field of `request` that is not in `handled`, and `n` above 1. */
export function refuseUnhandledFields(
  request: Record<string, unknown>,
  handled: ReadonlySet<string>,
  models: string,
): void {
  for (const field of Object.keys(request)) {
    if (!handled.has(field) && request[field] !== undefined)
      throw unsupportedField(field, `'${field}' is not supported by ${models}.`)
  }
  if (typeof request.n === 'number' && request.n > 1)
    throw unsupportedField('n', `'n' above 1 is not supported by ${models}.`)
}
