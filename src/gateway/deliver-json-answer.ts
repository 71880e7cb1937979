/**
 * Delivers a non-stream upstream answer: read it whole (bounded), check it is a chat completion,
 * send its bytes unchanged. Nothing reaches the client before the answer is known good, so any
 * failure here can still be retried elsewhere.
 *
 * @module
 */
import type { OutgoingHttpHeaders } from 'node:http'
import { GatewayError } from '../errors/gateway-error.ts'
import type { RequestContext } from '../http/request-context.ts'
import { sendJson } from '../http/send-response.ts'
import type { OpenAIUsage } from '../providers/openai-wire.ts'
import type { UpstreamResponse } from '../providers/provider-adapter.ts'
import { type AttemptOutcome, recordUsage } from './attempt-outcome.ts'

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
): Promise<AttemptOutcome> {
  const body = await readAll(response.body, MAX_RESPONSE_BYTES)
  let parsed: { object?: unknown; usage?: OpenAIUsage }
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
  sendJson(context, 200, body, headers)
  return { kind: 'delivered' }
}
