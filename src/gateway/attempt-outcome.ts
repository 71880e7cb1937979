/**
 * What delivering an upstream answer to the client can come to, shared by the JSON and stream
 * paths.
 *
 * @module
 */
import type { GatewayError } from '../errors/gateway-error.ts'
import type { RequestContext } from '../http/request-context.ts'
import type { OpenAIUsage } from '../providers/openai-wire.ts'

/** `delivered`: the client got an answer (or the error event); `aborted`: the client left. */
export type AttemptOutcome =
  | { kind: 'delivered' }
  | { kind: 'aborted' }
  | { kind: 'failed'; error: GatewayError }

/** Token counts for the request log, when the upstream reported them. */
export function recordUsage(context: RequestContext, usage: OpenAIUsage | null | undefined): void {
  if (usage && typeof usage.prompt_tokens === 'number') {
    context.log.promptTokens = usage.prompt_tokens
    context.log.completionTokens = usage.completion_tokens
  }
}
