/**
 * Delivers a non-stream upstream answer: read it whole (bounded), check it is a chat completion,
 * send its bytes unchanged. Nothing reaches the client before the answer is known good, so any
 * failure here can still be retried elsewhere.
 *
 * @module
 */
import type { OutgoingHttpHeaders } from 'node:http'
import type { OpenAIUsage } from '../../contracts/openai-wire.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import type { UpstreamResponse } from '../../providers/provider-adapter.ts'
import { UpstreamBodyQueue } from '../../providers/upstream-body-queue.ts'
import { estimateTextTokens } from '../../tokens/estimate-prompt-tokens.ts'
import type { ChatCompletionLike } from '../formats/client-format.ts'
import type { RequestContext } from '../request-context.ts'
import { type AnswerOptions, type AttemptOutcome, recordUsage } from './attempt-outcome.ts'

const MAX_RESPONSE_BYTES = 64 * 1024 * 1024

const answerTooLarge = () =>
  new GatewayError('upstream_invalid_response', 'The upstream answer is too large.')

/** Reads a body to its end, refusing more than `limitBytes`. */
export async function readAll(body: AsyncIterable<Uint8Array>, limitBytes: number): Promise<Buffer> {
  if (body instanceof UpstreamBodyQueue) return body.collect(limitBytes, answerTooLarge)
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.byteLength
    if (size > limitBytes) throw answerTooLarge()
    chunks.push(chunk)
  }
  return Buffer.concat(chunks, size)
}

const USAGE_KEY = Buffer.from('"usage":{')

/**
 * The body with `fields` appended inside its top-level `usage` object, or undefined when that
 * object cannot be found unambiguously. JSON escapes quotes inside strings, so `"usage":{` in
 * the bytes is a key; the last one is the top-level usage (it follows `choices`).
 */
export function spliceIntoUsage(body: Buffer, fields: [string, unknown][]): Buffer | undefined {
  if (fields.length === 0) return body
  const start = body.lastIndexOf(USAGE_KEY)
  if (start === -1) return undefined
  let depth = 0
  let inString = false
  for (let index = start + USAGE_KEY.length - 1; index < body.length; index++) {
    const byte = body[index]
    if (inString) {
      if (byte === 92)
        index++ // a backslash escapes the next byte
      else if (byte === 34) inString = false
      continue
    }
    if (byte === 34) inString = true
    else if (byte === 123) depth++
    else if (byte === 125 && --depth === 0) {
      const empty = index === start + USAGE_KEY.length
      const text = fields
        .map(([field, value]) => `${JSON.stringify(field)}:${JSON.stringify(value)}`)
        .join(',')
      return Buffer.concat([
        body.subarray(0, index),
        Buffer.from(empty ? text : `,${text}`),
        body.subarray(index),
      ])
    }
  }
  return undefined
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
    choices?: { finish_reason?: unknown; message?: { content?: unknown }; text?: unknown }[]
  }
  try {
    parsed = JSON.parse(body.toString('utf8'))
  } catch {
    throw new GatewayError('upstream_invalid_response', 'The upstream answer was not valid JSON.', {
      provider: providerName,
    })
  }
  const expected = answer.expectedObject ?? 'chat.completion'
  if (parsed === null || typeof parsed !== 'object' || parsed.object !== expected) {
    throw new GatewayError(
      'upstream_invalid_response',
      `The upstream answer was not a ${expected.replace('_', ' ').replace('.', ' ')}.`,
      {
        provider: providerName,
      },
    )
  }
  recordUsage(context, parsed.usage, answer)
  const choices = Array.isArray(parsed.choices) ? parsed.choices : []
  const finishReason = choices[0]?.finish_reason
  if (typeof finishReason === 'string') context.log.finishReason = finishReason
  if (
    answer.onCompleteAnswer !== undefined &&
    parsed.usage !== undefined &&
    parsed.usage !== null &&
    context.log.usageRejected !== true &&
    (finishReason === 'stop' || finishReason === 'length')
  ) {
    answer.onCompleteAnswer(body, parsed.usage)
  }
  // Refused (implausible) usage counts as none: the gateway counts.
  const upstreamUsage =
    parsed.usage !== undefined &&
    parsed.usage !== null &&
    typeof parsed.usage === 'object' &&
    context.log.usageRejected !== true
  if (answer.decorateUsage !== undefined) {
    if (!upstreamUsage) {
      // No usage from the upstream: the gateway counts (conservatively) and says so.
      const completion = choices.reduce(
        (sum, choice) =>
          sum +
          (typeof choice?.message?.content === 'string'
            ? estimateTextTokens(choice.message.content)
            : typeof choice?.text === 'string'
              ? estimateTextTokens(choice.text)
              : 0),
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
    answer.decorateUsage(parsed.usage!)
  }
  if (answer.clientFormat !== undefined) {
    body = JSON.stringify(answer.clientFormat.json(parsed as ChatCompletionLike))
  } else if (answer.decorateUsage !== undefined) {
    // The upstream's bytes with the cost added inside its usage: no re-serialization of the answer.
    const usage = parsed.usage!
    const spliced = upstreamUsage
      ? spliceIntoUsage(body, [
          ['cost', usage.cost],
          ['cost_details', usage.cost_details],
        ])
      : undefined
    body = spliced ?? JSON.stringify(parsed)
  }
  // Durable settlement: the answer goes out once its charge is committed.
  if (answer.beforeEnd !== undefined) await answer.beforeEnd()
  context.writer.json(context, 200, body, headers)
  return { kind: 'delivered' }
}
