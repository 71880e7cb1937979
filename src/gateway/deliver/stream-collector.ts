/**
 * Rebuilds a chat.completion from the chunks of a stream, so a streamed answer can be stored in
 * the prompt cache like a non-stream one. Plain text answers only: a stream with tool calls,
 * no usage, or an unfinished choice builds nothing.
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/chat-streaming/streaming
 */
import type { OpenAIUsage } from '../../contracts/openai-wire.ts'

interface Chunk {
  id?: unknown
  created?: unknown
  model?: unknown
  system_fingerprint?: unknown
  choices?: {
    index?: number
    delta?: { content?: unknown; tool_calls?: unknown; function_call?: unknown }
    finish_reason?: unknown
  }[]
  usage?: OpenAIUsage | null
}

export interface StreamCollector {
  push(data: string): void
  /** The completion, or undefined when the stream cannot be replayed as plain text. */
  build(): { body: Record<string, unknown>; usage: OpenAIUsage } | undefined
}

export function createStreamCollector(): StreamCollector {
  let head: Chunk | undefined
  let unsupported = false
  let usage: OpenAIUsage | undefined
  const choices = new Map<number, { content: string; finishReason: string | undefined }>()
  return {
    push(data) {
      if (unsupported) return
      let chunk: Chunk
      try {
        chunk = JSON.parse(data) as Chunk
      } catch {
        unsupported = true
        return
      }
      head ??= chunk
      if (chunk.usage !== undefined && chunk.usage !== null) usage = chunk.usage
      for (const choice of chunk.choices ?? []) {
        if (choice.delta?.tool_calls !== undefined || choice.delta?.function_call !== undefined) {
          unsupported = true
          return
        }
        const index = choice.index ?? 0
        const entry = choices.get(index) ?? { content: '', finishReason: undefined }
        if (typeof choice.delta?.content === 'string') entry.content += choice.delta.content
        if (typeof choice.finish_reason === 'string') entry.finishReason = choice.finish_reason
        choices.set(index, entry)
      }
    },
    build() {
      if (unsupported || head === undefined || usage === undefined || choices.size === 0) return undefined
      const built = [...choices].sort(([a], [b]) => a - b)
      if (built.some(([, entry]) => entry.finishReason !== 'stop' && entry.finishReason !== 'length'))
        return undefined
      return {
        usage,
        body: {
          id: head.id,
          object: 'chat.completion',
          created: head.created,
          model: head.model,
          ...(head.system_fingerprint === undefined ? {} : { system_fingerprint: head.system_fingerprint }),
          choices: built.map(([index, entry]) => ({
            index,
            message: { role: 'assistant', content: entry.content, refusal: null },
            logprobs: null,
            finish_reason: entry.finishReason,
          })),
          usage,
        },
      }
    },
  }
}
