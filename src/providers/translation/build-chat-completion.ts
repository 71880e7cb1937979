/**
 * The OpenAI chat completion a translating adapter returns for a non-stream answer, from the
 * parts it read out of the upstream's answer.
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/chat/object
 */
import type {
  OpenAIChatCompletion,
  OpenAIFinishReason,
  OpenAIToolCall,
  OpenAIUsage,
} from '../../contracts/openai-wire.ts'

export interface TranslatedAnswer {
  id: string
  model: string
  /** undefined when the upstream answered no text (content is then null). */
  text: string | undefined
  reasoning: string
  toolCalls: OpenAIToolCall[]
  finishReason: OpenAIFinishReason
  usage: OpenAIUsage
  nowSeconds: number
}

export function buildChatCompletion(answer: TranslatedAnswer): OpenAIChatCompletion {
  return {
    id: answer.id.startsWith('chatcmpl-') ? answer.id : `chatcmpl-${answer.id}`,
    object: 'chat.completion',
    created: answer.nowSeconds,
    model: answer.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: answer.text ?? null,
          refusal: null,
          ...(answer.toolCalls.length > 0 ? { tool_calls: answer.toolCalls } : {}),
          ...(answer.reasoning !== '' ? { reasoning_content: answer.reasoning } : {}),
        },
        // A stop with tool calls is a tool-call turn in OpenAI's terms.
        finish_reason:
          answer.toolCalls.length > 0 && answer.finishReason === 'stop' ? 'tool_calls' : answer.finishReason,
        logprobs: null,
      },
    ],
    usage: answer.usage,
  }
}
