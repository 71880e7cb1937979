/**
 * One attempt against one upstream account: send, then either deliver the answer to the client
 * or report a failure the caller may retry elsewhere. A failure counts as retryable only while
 * nothing has been sent to the client; after the first byte of a stream, a failure ends the
 * stream with one `data: {"error":…}` event (which the OpenAI SDK raises as an APIError), never
 * with a clean end that would look like success.
 *
 * @module
 */
import { once } from 'node:events'
import type { OutgoingHttpHeaders } from 'node:http'
import { GatewayError } from '../errors/gateway-error.ts'
import type { RequestContext } from '../http/request-context.ts'
import { sendJson } from '../http/send-response.ts'
import type { OpenAIChatCompletionRequest, OpenAIUsage } from '../providers/openai-wire.ts'
import type { UpstreamResponse } from '../providers/provider-adapter.ts'
import { toTransportError } from '../providers/undici-transport.ts'
import { createOpenAISseRelay } from '../streaming/openai-sse-relay.ts'
import { encodeSseEvent, SSE_DONE } from '../streaming/sse-encoder.ts'
import type { AccountHealth } from './account-health.ts'
import type { PlannedAttempt } from './route-planner.ts'

/** `delivered`: the client got an answer (or the error event); `aborted`: the client left. */
export type AttemptOutcome =
  | { kind: 'delivered' }
  | { kind: 'aborted' }
  | { kind: 'failed'; error: GatewayError }

const MAX_ERROR_BODY_BYTES = 64 * 1024
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024
const MAX_DRAIN_BYTES = 64 * 1024
const DONE_BYTES = Buffer.from(SSE_DONE)

function toBuffer(output: Uint8Array | string): Buffer {
  return typeof output === 'string'
    ? Buffer.from(output)
    : Buffer.from(output.buffer, output.byteOffset, output.byteLength)
}

async function readAll(body: AsyncIterable<Uint8Array>, limitBytes: number): Promise<Buffer> {
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

function recordUsage(context: RequestContext, usage: OpenAIUsage | null | undefined): void {
  if (usage && typeof usage.prompt_tokens === 'number') {
    context.log.promptTokens = usage.prompt_tokens
    context.log.completionTokens = usage.completion_tokens
  }
}

/** Updates the account's circuit from an attempt's failure. */
function recordFailure(health: AccountHealth, accountKey: string, error: GatewayError): void {
  if (error.code === 'upstream_auth_failed') health.recordFailure(accountKey, 'auth')
  else if (error.code === 'upstream_rate_limited')
    health.recordFailure(accountKey, 'rate_limited', error.retryAfterSeconds)
  else if (error.retryable) health.recordFailure(accountKey, 'transient')
  // a request the upstream rejected as invalid says nothing bad about the account
  else health.recordSuccess(accountKey)
}

function contentTypeOf(response: UpstreamResponse): string {
  const value = response.headers['content-type']
  return (Array.isArray(value) ? value[0] : value) ?? ''
}

async function deliverJson(
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

async function deliverStream(
  context: RequestContext,
  response: UpstreamResponse,
  headers: OutgoingHttpHeaders,
  providerName: string,
): Promise<AttemptOutcome> {
  const client = context.response
  const relay = createOpenAISseRelay()
  let started = false
  let complete = false
  let failure: GatewayError | undefined

  const start = () => {
    client.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      'x-request-id': context.requestId,
    })
    started = true
    context.log.firstByteMs = Math.round(performance.now() - context.startMs)
  }
  const write = async (output: Uint8Array | string) => {
    if (!started) start()
    context.log.bytesOut =
      (context.log.bytesOut ?? 0) +
      (typeof output === 'string' ? Buffer.byteLength(output) : output.byteLength)
    if (!client.write(output)) await once(client, 'drain', { signal: context.signal })
  }

  let delivered = false
  let drainedBytes = 0
  try {
    for await (const chunk of response.body) {
      if (delivered) {
        // Read what follows [DONE] (usually just the end of the body) so the keep-alive
        // connection goes back to the pool instead of being torn down; a chatty upstream is cut.
        drainedBytes += chunk.byteLength
        if (drainedBytes > MAX_DRAIN_BYTES) break
        continue
      }
      const step = relay.push(chunk)
      if (step.finished) complete = true
      if (step.usageData !== undefined) {
        try {
          recordUsage(context, (JSON.parse(step.usageData) as { usage?: OpenAIUsage }).usage)
        } catch {}
      }
      if (step.done) {
        // One write for the last events, [DONE] and the end of the body: one syscall, not three.
        const last = step.output.length > 0 ? Buffer.concat([toBuffer(step.output), DONE_BYTES]) : DONE_BYTES
        if (!started) start()
        context.log.bytesOut = (context.log.bytesOut ?? 0) + last.byteLength
        client.end(last)
        delivered = true
        continue
      }
      if (step.output.length > 0) await write(step.output)
      if (step.error) {
        failure = new GatewayError('upstream_error', 'The upstream provider reported an error mid-stream.', {
          provider: providerName,
        })
        break
      }
    }
  } catch (error) {
    if (!delivered) {
      if (context.signal.aborted) return { kind: 'aborted' }
      failure = toTransportError(error, providerName)
    }
  }
  if (delivered) return { kind: 'delivered' }
  response.discard()
  if (context.signal.aborted) return { kind: 'aborted' }

  if (failure === undefined && complete) {
    // The upstream ended cleanly after a finish reason but sent no [DONE]: complete it ourselves.
    await write(SSE_DONE)
    client.end()
    return { kind: 'delivered' }
  }
  failure ??= new GatewayError(
    'upstream_error',
    'The upstream stream ended before the answer was complete.',
    {
      provider: providerName,
    },
  )
  if (!started) return { kind: 'failed', error: failure }
  // Bytes already reached the client: no retry is possible. Say so in-band and end the stream.
  context.log.errorCode = failure.code
  client.end(encodeSseEvent(JSON.stringify(failure.toBody())))
  return { kind: 'failed', error: failure }
}

/**
 * Runs one attempt and delivers its answer. Returns `failed` with `error.retryable` telling the
 * caller whether another account may be tried (never after bytes reached the client).
 */
export async function runUpstreamAttempt(
  context: RequestContext,
  request: OpenAIChatCompletionRequest,
  attempt: PlannedAttempt,
  health: AccountHealth,
  headers: OutgoingHttpHeaders,
): Promise<AttemptOutcome> {
  const { adapter, transport, config } = attempt.provider
  const upstreamRequest = adapter.toChatCompletionRequest(request, attempt.target)
  let response: UpstreamResponse
  try {
    response = await transport.send(upstreamRequest, attempt.target, { signal: context.signal })
  } catch (error) {
    if (context.signal.aborted) return { kind: 'aborted' }
    const gatewayError = toTransportError(error, config.name)
    recordFailure(health, attempt.accountKey, gatewayError)
    return { kind: 'failed', error: gatewayError }
  }

  try {
    if (response.status < 200 || response.status >= 300) {
      const text = (await readAll(response.body, MAX_ERROR_BODY_BYTES).catch(() => Buffer.alloc(0))).toString(
        'utf8',
      )
      const error = adapter.toGatewayError(response.status, text, response.headers, attempt.target)
      recordFailure(health, attempt.accountKey, error)
      return { kind: 'failed', error }
    }
    const streaming = request.stream === true
    if (streaming !== contentTypeOf(response).includes('text/event-stream')) {
      throw new GatewayError('upstream_invalid_response', 'The upstream answered in the wrong format.', {
        provider: config.name,
      })
    }
    const outcome = streaming
      ? await deliverStream(context, response, headers, config.name)
      : await deliverJson(context, response, headers, config.name)
    if (outcome.kind === 'delivered') health.recordSuccess(attempt.accountKey)
    else if (outcome.kind === 'failed') recordFailure(health, attempt.accountKey, outcome.error)
    return outcome
  } catch (error) {
    response.discard()
    if (context.signal.aborted) return { kind: 'aborted' }
    const gatewayError = toTransportError(error, config.name)
    recordFailure(health, attempt.accountKey, gatewayError)
    return { kind: 'failed', error: gatewayError }
  }
}
