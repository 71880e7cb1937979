/**
 * Removes what identifies or tracks the end user before a request leaves the gateway. Upstream
 * accounts are the operator's, shared by every workspace: an end-user ID, metadata or a
 * stored-completion flag sent there would land in the operator's provider account.
 *
 * @module
 * Product spec §2, "strict scrub".
 */
import type { OpenAIChatCompletionRequest } from '../providers/openai-wire.ts'

export const END_USER_FIELDS = ['user', 'safety_identifier', 'metadata', 'store', 'prompt_cache_key'] as const

/** A shallow copy without the end-user fields; the caller's object is left as it was. */
export function scrubEndUserFields(request: OpenAIChatCompletionRequest): OpenAIChatCompletionRequest {
  let scrubbed: OpenAIChatCompletionRequest | undefined
  for (const field of END_USER_FIELDS) {
    if (field in request) {
      scrubbed ??= { ...request }
      delete scrubbed[field]
    }
  }
  return scrubbed ?? request
}
