/**
 * Gemini `streamGenerateContent?alt=sse` events → OpenAI chunks. Every event is a partial
 * `GenerateContentResponse`: text parts are deltas, a `functionCall` arrives whole, and
 * `usageMetadata` is cumulative, so only the last one is reported (once, at the end). Gemini
 * sends no end marker: the finish chunk, usage and `[DONE]` are written when the body ends
 * after a finish reason; a body that ends without one is an incomplete answer.
 *
 * @module
 * @see https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
 */
import {
  createChatChunkWriter,
  errorEventData,
  type StreamTranslator,
} from '../translation/chat-chunk-writer.ts'
import {
  type GeminiResponseBody,
  type GeminiUsageMetadata,
  mapGeminiFinishReason,
  mapGeminiUsage,
  toToolCall,
} from './convert-gemini-response.ts'

export function createGeminiStreamTranslator(upstreamModel: string): StreamTranslator {
  const writer = createChatChunkWriter(upstreamModel)
  let usage: GeminiUsageMetadata | undefined
  let finishReason: string | undefined
  let blocked = false
  let toolCount = 0
  let closed = false
  let responseId = ''

  return {
    push({ data }) {
      if (closed) return []
      let body: GeminiResponseBody & { error?: { message?: string } }
      try {
        body = JSON.parse(data)
      } catch {
        closed = true
        return [errorEventData('The upstream sent an event that is not JSON.')]
      }
      if (body.error !== undefined) {
        closed = true
        return [errorEventData('The upstream failed mid-stream.')]
      }
      if (!writer.started) {
        responseId = body.responseId ?? ''
        writer.identify(body.responseId, body.modelVersion)
      }
      if (body.usageMetadata !== undefined) usage = body.usageMetadata
      const out: string[] = []
      if (!writer.started) out.push(writer.delta({ content: '' }))
      const candidate = body.candidates?.[0]
      if (candidate === undefined && body.promptFeedback?.blockReason !== undefined) blocked = true
      for (const part of candidate?.content?.parts ?? []) {
        if (typeof part.text === 'string' && part.text !== '') {
          out.push(
            writer.delta(part.thought === true ? { reasoning_content: part.text } : { content: part.text }),
          )
        } else if (part.functionCall !== undefined) {
          const index = toolCount++
          const call = toToolCall(part.functionCall, index, responseId)
          out.push(writer.delta({ tool_calls: [{ index, ...call }] }))
        }
      }
      if (candidate?.finishReason !== undefined) finishReason = candidate.finishReason
      return out
    },
    end() {
      if (closed) return []
      closed = true
      if (finishReason === undefined && !blocked) return []
      const reason = blocked ? 'content_filter' : mapGeminiFinishReason(finishReason, toolCount > 0)
      return [writer.finish(reason), writer.usage(mapGeminiUsage(usage)), '[DONE]']
    },
  }
}
