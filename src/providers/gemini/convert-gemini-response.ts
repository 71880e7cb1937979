/**
 * Gemini `GenerateContentResponse` → OpenAI chat completion, plus the finish-reason and usage
 * mappings the stream translator shares. Pure.
 *
 * @module
 * @see https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse
 * @see https://ai.google.dev/api/generate-content#FinishReason
 */
import type {
  OpenAIChatCompletion,
  OpenAIFinishReason,
  OpenAIToolCall,
  OpenAIUsage,
} from '../../contracts/openai-wire.ts'
import { buildChatCompletion } from '../translation/build-chat-completion.ts'

export interface GeminiUsageMetadata {
  promptTokenCount?: number
  candidatesTokenCount?: number
  cachedContentTokenCount?: number
  thoughtsTokenCount?: number
  toolUsePromptTokenCount?: number
  totalTokenCount?: number
}

export interface GeminiPart {
  text?: string
  thought?: boolean
  functionCall?: { id?: string; name?: string; args?: unknown }
}

export interface GeminiResponseBody {
  candidates?: { content?: { parts?: GeminiPart[] }; finishReason?: string; index?: number }[]
  promptFeedback?: { blockReason?: string }
  usageMetadata?: GeminiUsageMetadata
  modelVersion?: string
  responseId?: string
}

const FILTERED = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
])

/** STOP → stop (tool_calls when it called tools), MAX_TOKENS → length, safety blocks → content_filter. */
export function mapGeminiFinishReason(reason: string | undefined, calledTools: boolean): OpenAIFinishReason {
  if (reason === 'MAX_TOKENS') return 'length'
  if (reason !== undefined && FILTERED.has(reason)) return 'content_filter'
  return calledTools ? 'tool_calls' : 'stop'
}

/** Gemini's counts are cumulative and include cached tokens in `promptTokenCount`; thoughts are output. */
export function mapGeminiUsage(usage: GeminiUsageMetadata | undefined): OpenAIUsage {
  const prompt = (usage?.promptTokenCount ?? 0) + (usage?.toolUsePromptTokenCount ?? 0)
  const thoughts = usage?.thoughtsTokenCount ?? 0
  const completion = (usage?.candidatesTokenCount ?? 0) + thoughts
  const mapped: OpenAIUsage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: usage?.cachedContentTokenCount ?? 0 },
  }
  if (thoughts > 0) mapped.completion_tokens_details = { reasoning_tokens: thoughts }
  return mapped
}

/** A tool call from a `functionCall` part; Gemini ids are optional, so the position names it. */
export function toToolCall(
  call: NonNullable<GeminiPart['functionCall']>,
  position: number,
  responseId: string,
): OpenAIToolCall {
  return {
    id: call.id ?? `call_${responseId.slice(0, 16)}_${position}`,
    type: 'function',
    function: { name: String(call.name), arguments: JSON.stringify(call.args ?? {}) },
  }
}

/** @returns undefined when the body is not a generateContent answer. */
export function convertGeminiResponse(
  parsed: unknown,
  upstreamModel: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): OpenAIChatCompletion | undefined {
  const body = parsed as GeminiResponseBody
  if (
    body === null ||
    typeof body !== 'object' ||
    (!Array.isArray(body.candidates) && body.promptFeedback === undefined)
  )
    return undefined
  const responseId = body.responseId ?? String(nowSeconds)
  const candidate = body.candidates?.[0]
  let text = ''
  let reasoning = ''
  let hasText = false
  const toolCalls: OpenAIToolCall[] = []
  for (const part of candidate?.content?.parts ?? []) {
    if (typeof part.text === 'string') {
      if (part.thought === true) reasoning += part.text
      else {
        text += part.text
        hasText = true
      }
    } else if (part.functionCall !== undefined) {
      toolCalls.push(toToolCall(part.functionCall, toolCalls.length, responseId))
    }
  }
  return buildChatCompletion({
    id: responseId,
    model: body.modelVersion ?? upstreamModel,
    text: hasText ? text : undefined,
    reasoning,
    toolCalls,
    // A prompt blocked before generation has no candidate: an empty, filtered answer.
    finishReason:
      candidate === undefined
        ? 'content_filter'
        : mapGeminiFinishReason(candidate.finishReason, toolCalls.length > 0),
    usage: mapGeminiUsage(body.usageMetadata),
    nowSeconds,
  })
}
