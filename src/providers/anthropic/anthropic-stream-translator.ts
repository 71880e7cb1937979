/**
 * Anthropic Messages stream events → OpenAI chat completion chunks. State lives in the closure:
 * which content block is text, a tool call (and its OpenAI `index`), JSON-mode output or
 * thinking, and the usage so far (`message_start` has the input, `message_delta` the
 * cumulative output). Unknown event types are ignored, as Anthropic asks of clients.
 *
 * @module
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
import type { OpenAIChunkDelta } from '../../contracts/openai-wire.ts'
import {
  createChatChunkWriter,
  errorEventData,
  type StreamTranslator,
} from '../translation/chat-chunk-writer.ts'
import {
  type AnthropicUsage,
  mapAnthropicStopReason,
  mapAnthropicUsage,
} from './convert-anthropic-response.ts'
import type { ThinkingTokenCounter } from './count-thinking-tokens.ts'

type BlockKind =
  | { kind: 'text' }
  | { kind: 'thinking' }
  | { kind: 'json' }
  | { kind: 'tool'; toolIndex: number }
  | { kind: 'other' }

interface AnthropicEvent {
  type?: string
  index?: number
  message?: { id?: string; model?: string; usage?: AnthropicUsage }
  content_block?: { type?: string; text?: string; id?: string; name?: string; thinking?: string }
  delta?: {
    type?: string
    text?: string
    partial_json?: string
    thinking?: string
    stop_reason?: string | null
  }
  usage?: AnthropicUsage
  error?: { type?: string; message?: string }
}

/**
 * A translator for one answer's events. `thinking` (fresh per answer) counts the thinking deltas
 * as they pass, for `completion_tokens_details.reasoning_tokens` on the usage chunk.
 */
export function createAnthropicStreamTranslator(
  upstreamModel: string,
  jsonTool: string | undefined,
  thinking: ThinkingTokenCounter,
): StreamTranslator {
  const writer = createChatChunkWriter(upstreamModel)
  const blocks = new Map<number, BlockKind>()
  let toolCount = 0
  let usage: AnthropicUsage = {}
  let stopReason: string | null | undefined
  let closed = false

  function onDelta(event: AnthropicEvent): string[] {
    const block = blocks.get(event.index ?? -1)
    const delta = event.delta
    if (block === undefined || delta === undefined) return []
    let out: OpenAIChunkDelta | undefined
    if (delta.type === 'text_delta' && typeof delta.text === 'string' && delta.text !== '')
      out = { content: delta.text }
    else if (delta.type === 'thinking_delta' && typeof delta.thinking === 'string' && delta.thinking !== '') {
      if (block.kind === 'thinking') thinking.add(delta.thinking)
      out = { reasoning_content: delta.thinking }
    } else if (
      delta.type === 'input_json_delta' &&
      typeof delta.partial_json === 'string' &&
      delta.partial_json !== ''
    ) {
      if (block.kind === 'json') out = { content: delta.partial_json }
      else if (block.kind === 'tool')
        out = { tool_calls: [{ index: block.toolIndex, function: { arguments: delta.partial_json } }] }
    }
    return out === undefined ? [] : [writer.delta(out)]
  }

  function onBlockStart(event: AnthropicEvent): string[] {
    const index = event.index ?? -1
    const content = event.content_block
    switch (content?.type) {
      case 'text':
        blocks.set(index, { kind: 'text' })
        return content.text ? [writer.delta({ content: content.text })] : []
      case 'thinking':
        blocks.set(index, { kind: 'thinking' })
        thinking.startBlock()
        if (!content.thinking) return []
        thinking.add(content.thinking)
        return [writer.delta({ reasoning_content: content.thinking })]
      case 'redacted_thinking':
        blocks.set(index, { kind: 'other' })
        thinking.startBlock()
        return []
      case 'tool_use': {
        if (jsonTool !== undefined && content.name === jsonTool) {
          blocks.set(index, { kind: 'json' })
          return []
        }
        const toolIndex = toolCount++
        blocks.set(index, { kind: 'tool', toolIndex })
        return [
          writer.delta({
            tool_calls: [
              {
                index: toolIndex,
                id: String(content.id),
                type: 'function',
                function: { name: String(content.name), arguments: '' },
              },
            ],
          }),
        ]
      }
      default:
        blocks.set(index, { kind: 'other' })
        return []
    }
  }

  return {
    push({ data }) {
      if (closed) return []
      let event: AnthropicEvent
      try {
        event = JSON.parse(data)
      } catch {
        closed = true
        return [errorEventData('The upstream sent an event that is not JSON.')]
      }
      switch (event.type) {
        case 'message_start':
          writer.identify(event.message?.id, event.message?.model)
          usage = { ...event.message?.usage }
          return [writer.delta({ content: '' })]
        case 'content_block_start':
          return onBlockStart(event)
        case 'content_block_delta':
          return onDelta(event)
        case 'message_delta':
          if (event.delta?.stop_reason !== undefined) stopReason = event.delta.stop_reason
          // message_delta usage is cumulative: later counts replace earlier ones.
          if (event.usage !== undefined) {
            for (const [field, value] of Object.entries(event.usage))
              if (typeof value === 'number') (usage as Record<string, number>)[field] = value
          }
          return []
        case 'content_block_stop':
          if (blocks.get(event.index ?? -1)?.kind === 'thinking') thinking.endBlock()
          return []
        case 'message_stop': {
          closed = true
          thinking.endBlock()
          let reason = mapAnthropicStopReason(stopReason, jsonTool !== undefined)
          if (reason === 'stop' && toolCount > 0) reason = 'tool_calls'
          return [writer.finish(reason), writer.usage(mapAnthropicUsage(usage, thinking.total())), '[DONE]']
        }
        case 'error':
          closed = true
          return [
            errorEventData(
              `The upstream failed mid-stream: ${event.error?.message ?? event.error?.type ?? 'error'}`,
            ),
          ]
        default:
          // ping and event types added later
          return []
      }
    },
    end() {
      return []
    },
  }
}
