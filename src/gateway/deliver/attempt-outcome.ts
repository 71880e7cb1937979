/**
 * What delivering an upstream answer to the client can come to, shared by the JSON and stream
 * paths.
 *
 * @module
 */

import type { OpenAIUsage } from '../../contracts/openai-wire.ts'
import type { GatewayError } from '../../errors/gateway-error.ts'
import type { ClientFormat } from '../formats/client-format.ts'
import type { RequestContext } from '../request-context.ts'

/** `delivered`: the client got an answer (or the error event); `aborted`: the client left. */
export type AttemptOutcome =
  | { kind: 'delivered' }
  | { kind: 'aborted' }
  | { kind: 'failed'; error: GatewayError }

/** How an answer is delivered beyond its bytes: cost on the usage, and who sees stream usage. */
export interface AnswerOptions {
  /** Adds `usage.cost` (and `cost_details`) to an upstream usage object, in place. */
  decorateUsage: ((usage: OpenAIUsage & Record<string, unknown>) => void) | undefined
  /** The client asked for the stream's usage chunk (`stream_options.include_usage` or `usage.include`). */
  forwardStreamUsage: boolean
  /** The `object` a non-stream upstream answer must have (default `chat.completion`). */
  expectedObject?: 'chat.completion' | 'text_completion' | undefined
  /** Reshapes chat answers for an endpoint answered through chat (completions, responses). */
  clientFormat?: ClientFormat | undefined
  /** A complete non-stream answer with usage, as the upstream sent it (for the prompt cache). */
  onCompleteAnswer?: ((body: Buffer, usage: OpenAIUsage) => void) | undefined
  /** Whether the upstream's usage is plausible for this request (absent: any usage is taken). */
  acceptsUsage?: ((usage: OpenAIUsage) => boolean) | undefined
  /**
   * Runs before the answer's last bytes are written (the JSON body; the final stream events and
   * [DONE]), which wait for it: durable settlement commits the charge here.
   */
  beforeEnd?: (() => Promise<void>) | undefined
}

/**
 * Token counts for billing and the request log, when the upstream reported them and they are
 * plausible; implausible ones are refused (`usageRejected`: the gateway's own count is charged).
 */
export function recordUsage(
  context: RequestContext,
  usage: OpenAIUsage | null | undefined,
  answer?: AnswerOptions,
): void {
  if (usage && typeof usage === 'object' && usage.prompt_tokens !== undefined) {
    // Once refused, later usage of the same answer is not believed either.
    if (context.log.usageRejected === true) return
    if (answer?.acceptsUsage !== undefined && !answer.acceptsUsage(usage)) {
      context.log.usageRejected = true
      context.log.promptTokens = undefined
      context.log.completionTokens = undefined
      context.log.cachedTokens = undefined
      context.log.reasoningTokens = undefined
      return
    }
    if (typeof usage.prompt_tokens !== 'number') return
    context.log.promptTokens = usage.prompt_tokens
    context.log.completionTokens = typeof usage.completion_tokens === 'number' ? usage.completion_tokens : 0
    const cached = usage.prompt_tokens_details?.cached_tokens
    context.log.cachedTokens = typeof cached === 'number' ? cached : 0
    const reasoning = usage.completion_tokens_details?.reasoning_tokens
    context.log.reasoningTokens = typeof reasoning === 'number' ? reasoning : 0
  }
}
