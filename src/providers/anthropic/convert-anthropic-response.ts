/**
 * Anthropic Messages answer → OpenAI chat completion (non-stream), and the mappings the stream
 * translator shares: stop reasons and usage. Pure.
 *
 * @module
 * @see https://docs.anthropic.com/en/api/messages#response-stop-reason
 */
import type {
  OpenAIChatCompletion,
  OpenAIFinishReason,
  OpenAIToolCall,
  OpenAIUsage,
} from '../../contracts/openai-wire.ts'
import { buildChatCompletion } from '../translation/build-chat-completion.ts'
import type { ThinkingTokenCounter } from './count-thinking-tokens.ts'

export interface AnthropicUsage {
  input_tokens?: number
  output_tokens?: number
  cache_creation_input_tokens?: number | null
  cache_read_input_tokens?: number | null
}

/** `end_turn`/`stop_sequence`/`pause_turn` → stop, `max_tokens` → length, `tool_use` → tool_calls, `refusal` → content_filter. */
export function mapAnthropicStopReason(reason: unknown, jsonTool: boolean): OpenAIFinishReason {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length'
    case 'tool_use':
      return jsonTool ? 'stop' : 'tool_calls'
    case 'refusal':
      return 'content_filter'
    default:
      return 'stop'
  }
}

/**
 * OpenAI counts every prompt token in `prompt_tokens`; Anthropic splits uncached input, cache
 * reads and cache writes. Cache reads are `cached_tokens` (billed at the cached price).
 * `reasoningTokens` (counted by the gateway, see count-thinking-tokens.ts) becomes
 * `completion_tokens_details.reasoning_tokens`, never above `output_tokens` (which includes the
 * thinking); undefined (no thinking block) leaves the field out, as Gemini's translation does.
 */
export function mapAnthropicUsage(
  usage: AnthropicUsage | undefined,
  reasoningTokens?: number | undefined,
): OpenAIUsage {
  const cacheRead = usage?.cache_read_input_tokens ?? 0
  const cacheWrite = usage?.cache_creation_input_tokens ?? 0
  const prompt = (usage?.input_tokens ?? 0) + cacheRead + cacheWrite
  const completion = usage?.output_tokens ?? 0
  const mapped: OpenAIUsage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cacheRead },
  }
  if (reasoningTokens !== undefined)
    mapped.completion_tokens_details = { reasoning_tokens: Math.min(reasoningTokens, completion) }
  return mapped
}

interface AnthropicMessageBody {
  id?: string
  type?: string
  model?: string
  content?: { type?: string; text?: string; thinking?: string; id?: string; name?: string; input?: unknown }[]
  stop_reason?: string | null
  usage?: AnthropicUsage
}

/**
 * @param thinking a fresh counter for this answer's thinking tokens
 * @returns undefined when the body is not an Anthropic message.
 */
export function convertAnthropicResponse(
  parsed: unknown,
  jsonTool: string | undefined,
  thinking: ThinkingTokenCounter,
  nowSeconds = Math.floor(Date.now() / 1000),
): OpenAIChatCompletion | undefined {
  const message = parsed as AnthropicMessageBody
  if (
    message === null ||
    typeof message !== 'object' ||
    message.type !== 'message' ||
    !Array.isArray(message.content)
  )
    return undefined
  let text = ''
  let reasoning = ''
  let hasText = false
  const toolCalls: OpenAIToolCall[] = []
  for (const block of message.content) {
    if (block.type === 'text' && typeof block.text === 'string') {
      text += block.text
      hasText = true
    } else if (block.type === 'thinking' && typeof block.thinking === 'string') {
      reasoning += block.thinking
      thinking.startBlock()
      thinking.add(block.thinking)
      thinking.endBlock()
    } else if (block.type === 'redacted_thinking') {
      thinking.startBlock()
    } else if (block.type === 'tool_use') {
      if (jsonTool !== undefined && block.name === jsonTool) {
        text += JSON.stringify(block.input ?? {})
        hasText = true
      } else {
        toolCalls.push({
          id: String(block.id),
          type: 'function',
          function: { name: String(block.name), arguments: JSON.stringify(block.input ?? {}) },
        })
      }
    }
  }
  return buildChatCompletion({
    id: message.id ?? 'anthropic',
    model: message.model ?? 'unknown',
    text: hasText ? text : undefined,
    reasoning,
    toolCalls,
    finishReason: mapAnthropicStopReason(message.stop_reason, jsonTool !== undefined),
    usage: mapAnthropicUsage(message.usage, thinking.total()),
    nowSeconds,
  })
}
