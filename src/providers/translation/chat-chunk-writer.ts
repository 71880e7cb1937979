/**
 * Builds the `data` of OpenAI chat completion chunks for translated streams: one id, model and
 * creation time per stream, the assistant role on the first chunk, a finish chunk, then a
 * usage chunk with empty `choices` (OpenAI's `stream_options.include_usage` shape; the gateway
 * drops it when the client did not ask).
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/chat-streaming/streaming
 */
import type { OpenAIChunkDelta, OpenAIFinishReason, OpenAIUsage } from '../../contracts/openai-wire.ts'

export interface ChatChunkWriter {
  /** A chunk with this delta (the first one also says `role: assistant`). */
  delta(delta: OpenAIChunkDelta): string
  /** The chunk that ends the choice. */
  finish(reason: OpenAIFinishReason): string
  /** The usage chunk (`choices: []`). */
  usage(usage: OpenAIUsage): string
  /** Whether any chunk was written yet. */
  readonly started: boolean
  /** Sets the id and model once the upstream said them (before the first chunk). */
  identify(id: string | undefined, model: string | undefined): void
}

export function createChatChunkWriter(
  fallbackModel: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): ChatChunkWriter {
  let id = `chatcmpl-${Math.random().toString(36).slice(2, 14)}`
  let model = fallbackModel
  let started = false
  const frame = (choices: string, usage?: OpenAIUsage) =>
    `{"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${nowSeconds},"model":${JSON.stringify(model)},"choices":${choices}${usage === undefined ? '' : `,"usage":${JSON.stringify(usage)}`}}`
  return {
    get started() {
      return started
    },
    identify(upstreamId, upstreamModel) {
      if (upstreamId) id = upstreamId.startsWith('chatcmpl-') ? upstreamId : `chatcmpl-${upstreamId}`
      if (upstreamModel) model = upstreamModel
    },
    delta(delta) {
      const withRole = started ? delta : { role: 'assistant' as const, ...delta }
      started = true
      return frame(`[{"index":0,"delta":${JSON.stringify(withRole)},"logprobs":null,"finish_reason":null}]`)
    },
    finish(reason) {
      const delta = started ? '{}' : '{"role":"assistant","content":""}'
      started = true
      return frame(`[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":"${reason}"}]`)
    },
    usage(usage) {
      return frame('[]', usage)
    },
  }
}

/** One upstream stream event in, OpenAI chunk `data` strings out (`[DONE]` and `{"error":…}` included). */
export interface StreamTranslator {
  push(event: { event: string | undefined; data: string }): string[]
  /** The upstream body ended: whatever is owed (finish, usage, `[DONE]`), or an error event. */
  end(): string[]
}

/** A mid-stream error event's data, in OpenAI's shape (the gateway ends the stream with its own). */
export function errorEventData(message: string, type = 'upstream_error'): string {
  return JSON.stringify({ error: { message, type, code: null, param: null } })
}
