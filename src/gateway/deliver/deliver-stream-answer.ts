/**
 * Delivers a stream upstream answer event by event as it arrives (see openai-sse-relay.ts).
 * Headers go out with the first complete event, so a failure before it can still be retried
 * elsewhere; after it, a failure ends the stream with one `data: {"error":…}` event (which the
 * OpenAI SDK raises as an APIError), never with a clean end that would look like success.
 *
 * @module
 */
import { once } from 'node:events'
import type { OutgoingHttpHeaders } from 'node:http'
import type { OpenAIUsage } from '../../contracts/openai-wire.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import type { UpstreamResponse } from '../../providers/provider-adapter.ts'
import { toTransportError } from '../../providers/undici-transport.ts'
import { createOpenAISseRelay } from '../../streaming/openai-sse-relay.ts'
import { encodeSseEvent, SSE_DONE } from '../../streaming/sse-encoder.ts'
import type { RequestContext } from '../request-context.ts'
import { type AnswerOptions, type AttemptOutcome, recordUsage } from './attempt-outcome.ts'
import { createStreamCollector } from './stream-collector.ts'

const MAX_DRAIN_BYTES = 64 * 1024
const DONE_BYTES = Buffer.from(SSE_DONE)

function toBuffer(output: Uint8Array | string): Buffer {
  return typeof output === 'string'
    ? Buffer.from(output)
    : Buffer.from(output.buffer, output.byteOffset, output.byteLength)
}

export async function deliverStreamAnswer(
  context: RequestContext,
  response: UpstreamResponse,
  headers: OutgoingHttpHeaders,
  providerName: string,
  answer: AnswerOptions,
): Promise<AttemptOutcome> {
  const client = context.response
  // The gateway always asks the upstream for usage (billing needs it); the client sees the usage
  // chunk only if it asked, with the cost added.
  // Only when the answer may go to the prompt cache: parse the chunks to rebuild it.
  const collector = answer.onCompleteAnswer === undefined ? undefined : createStreamCollector()
  const relay = createOpenAISseRelay({
    ...(collector === undefined ? {} : { onEventData: collector.push }),
    removeNullUsage: !answer.forwardStreamUsage,
    rewriteUsage: (data) => {
      let chunk: { usage?: OpenAIUsage & Record<string, unknown>; choices?: unknown[] }
      try {
        chunk = JSON.parse(data)
      } catch {
        return data
      }
      recordUsage(context, chunk.usage, answer)
      if (answer.forwardStreamUsage) {
        if (chunk.usage && answer.decorateUsage !== undefined) answer.decorateUsage(chunk.usage)
        return JSON.stringify(chunk)
      }
      if (!Array.isArray(chunk.choices) || chunk.choices.length === 0) return null
      delete chunk.usage
      return JSON.stringify(chunk)
    },
  })
  let started = false
  let complete = false
  let failure: GatewayError | undefined

  const start = () => {
    client.writeHead(200, {
      ...context.headers,
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      'x-request-id': context.requestId,
    })
    started = true
    context.log.firstByteMs = Math.round(performance.now() - context.startMs)
  }
  const reshaper = answer.clientFormat?.stream()
  const write = async (output: Uint8Array | string) => {
    if (reshaper !== undefined) {
      output = reshaper.transform(output)
      if (output.length === 0) return
    }
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
        if (drainedBytes > MAX_DRAIN_BYTES) {
          response.discard()
          break
        }
        continue
      }
      const step = relay.push(chunk)
      if (step.finished) {
        complete = true
        context.log.finishReason = step.finishReason
      }
      if (step.contentChunks > 0)
        context.log.generatedChunks = (context.log.generatedChunks ?? 0) + step.contentChunks
      if (step.done) {
        // Durable settlement: the last events and [DONE] go out once the charge is committed.
        if (answer.beforeEnd !== undefined) await answer.beforeEnd()
        // One write for the last events, [DONE] and the end of the body: one syscall, not three.
        const last =
          reshaper !== undefined
            ? Buffer.from(reshaper.transform(step.output) + reshaper.end())
            : step.output.length > 0
              ? Buffer.concat([toBuffer(step.output), DONE_BYTES])
              : DONE_BYTES
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
  if (delivered) {
    const built = collector?.build()
    if (built !== undefined && context.log.usageRejected !== true)
      answer.onCompleteAnswer!(Buffer.from(JSON.stringify(built.body)), built.usage)
    return { kind: 'delivered' }
  }
  response.discard()
  if (context.signal.aborted) return { kind: 'aborted' }

  if (failure === undefined && complete) {
    // The upstream ended cleanly after a finish reason but sent no [DONE]: complete it ourselves.
    if (answer.beforeEnd !== undefined) await answer.beforeEnd()
    if (reshaper === undefined) await write(SSE_DONE)
    else {
      const closing = reshaper.end()
      if (!started) start()
      if (closing !== '') client.write(closing)
    }
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
