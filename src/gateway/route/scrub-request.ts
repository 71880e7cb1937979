/**
 * Strict scrub: removes what identifies or tracks the end user before a request leaves for an
 * operator account. Those accounts are shared by every workspace: an end-user ID, metadata or a
 * stored-completion flag sent there would land in the operator's provider account. An offer may
 * allow some fields (`forward_fields`); a workspace's own BYOK key gets the body as sent.
 * Client headers and the client's address are never forwarded on any lane (adapters build
 * upstream headers from scratch).
 *
 * @module
 * Product spec §2, "strict scrub".
 */
import { END_USER_FIELDS, type EndUserField } from '../../config/catalog-config.ts'
import type { OpenAIChatCompletionRequest } from '../../contracts/openai-wire.ts'

export { END_USER_FIELDS }

/** A shallow copy without the end-user fields not in `allowed`; the caller's object is left as it was. */
export function scrubEndUserFields<Body extends object = OpenAIChatCompletionRequest>(
  request: Body,
  allowed: readonly EndUserField[] = [],
): Body {
  let scrubbed: Record<string, unknown> | undefined
  for (const field of END_USER_FIELDS) {
    if (field in request && !allowed.includes(field)) {
      scrubbed ??= { ...(request as Record<string, unknown>) }
      delete scrubbed[field]
    }
  }
  return (scrubbed as Body | undefined) ?? request
}
