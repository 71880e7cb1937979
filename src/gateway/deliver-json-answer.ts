/**
 * Delivers a non-stream upstream answer: read it whole (bounded), check it is a chat completion,
 * send its bytes unchanged. Nothing reaches the client before the answer is known good, so any
 * failure here can still be retried elsewhere.
 *
 * @module
 */
import type { OutgoingHttpHeaders } from 'node:http'
import { estimateTextTokens } from '../billing/estimate-prompt-tokens.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { RequestContext } from '../http/request-context.ts'
import { sendJson } from '../http/send-response.ts'
import type { OpenAIUsage } from '../providers/openai-wire.ts'
import type { UpstreamResponse } from '../providers/provider-adapter.ts'
import { type AnswerOptions, type AttemptOutcome, recordUsage } from './attempt-outcome.ts'

const MAX_RESPONSE_BYTES = 64 * 1024 * 1024

/** Reads a body to its end, refusing more than `limitBytes`. */
export async function readAll(body: AsyncIterable<Uint8Array>, limitBytes: number): Promise<Buffer> {
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.byteLength
    if (size > limitBytes)
      throw new GatewayError('upstream_invalid_response', 'The upstream answer is too large.')
    chunks.push(chunk)
  }
  return Buffer.concat(chunks, size)
}

export async function deliverJsonAnswer(
  context: RequestContext,
  response: UpstreamResponse,
  headers: OutgoingHttpHeaders,
  providerName: string,
  answer: AnswerOptions,
): Promise<AttemptOutcome> {
  let body: Buffer | string = await readAll(response.body, MAX_RESPONSE_BYTES)
  let parsed: {
    object?: unknown
    usage?: OpenAIUsage & Record<string, unknown>
    choices?: { finish_reason?: unknown; message?: { content?: unknown } }[]
  }
  try {
    parsed = JSON.parse(body.toString('utf8'))
  } catch {
    throw new GatewayError('upstream_invalid_response', 'The upstream answer was not valid JSON.', {
      provider: providerName,
    })
  }
  if (parsed === null || typeof parsed !== 'object' || parsed.object !== 'chat.completion') {
    throw new GatewayError('upstream_invalid_response', 'The upstream answer was not a chat completion.', {
      provider: providerName,
    })
  }
  recordUsage(context, parsed.usage)
  const choices = Array.isArray(parsed.choices) ? parsed.choices : []
  const finishReason = choices[0]?.finish_reason
  if (typeof finishReason === 'string') context.log.finishReason = finishReason
  if (answer.decorateUsage !== undefined) {
    if (parsed.usage === undefined || parsed.usage === null || typeof parsed.usage !== 'object') {
      // No usage from the upstream: the gateway counts (conservatively) and says so.
      const completion = choices.reduce(
        (sum, choice) =>
          sum +
          (typeof choice?.message?.content === 'string' ? estimateTextTokens(choice.message.content) : 0),
        0,
      )
      parsed.usage = {
        prompt_tokens: 0,
        completion_tokens: completion,
        total_tokens: completion,
        estimated: true,
      }
      context.log.completionTokens = completion
    }
    answer.decorateUsage(parsed.usage)
    body = JSON.stringify(parsed)
  }
  sendJson(context, 200, body, headers)
  return { kind: 'delivered' }
}
