/**
 * Chat answers → OpenAI Responses API objects and stream events, for `/v1/responses` answered
 * through any upstream. The stream follows OpenAI's event order: `response.created`,
 * `response.in_progress`, then per output item `output_item.added` → deltas → `…done` →
 * `output_item.done`, and `response.completed` (or `response.incomplete` when the output cap
 * or a content filter stopped it) with the usage and its cost. Every event has a
 * `sequence_number`. Reasoning arrives whole in its item (no summary deltas).
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/responses/object
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 */
import type { ChatCompletionLike, ClientFormat } from './client-format.ts'
import { createSseDataReader } from './sse-data-reader.ts'

type Json = Record<string, unknown>

type OutputItem =
  | { type: 'message'; id: string; text: string }
  | { type: 'function_call'; id: string; callId: string; name: string; arguments: string }
  | { type: 'reasoning'; id: string; text: string }

interface ResponseState {
  id: string
  createdAt: number
  model: string
  items: OutputItem[]
  finishReason: string | null | undefined
  usage: ChatCompletionLike['usage']
}

function responseId(chatId: unknown): string {
  const text = typeof chatId === 'string' ? chatId.replace(/^chatcmpl-/, '') : `${Date.now().toString(36)}`
  return `resp_${text}`
}

function itemJson(item: OutputItem, status: 'in_progress' | 'completed'): Json {
  switch (item.type) {
    case 'message':
      return {
        id: item.id,
        type: 'message',
        status,
        role: 'assistant',
        content:
          status === 'completed'
            ? [{ type: 'output_text', text: item.text, annotations: [], logprobs: [] }]
            : [],
      }
    case 'function_call':
      return {
        id: item.id,
        type: 'function_call',
        status,
        call_id: item.callId,
        name: item.name,
        arguments: status === 'completed' ? item.arguments : '',
      }
    case 'reasoning':
      return {
        id: item.id,
        type: 'reasoning',
        summary:
          status === 'completed' && item.text !== '' ? [{ type: 'summary_text', text: item.text }] : [],
      }
  }
}

function usageJson(usage: ChatCompletionLike['usage']): Json | undefined {
  if (usage === undefined || usage === null) return undefined
  const input = usage.prompt_tokens ?? 0
  const output = usage.completion_tokens ?? 0
  const mapped: Json = {
    input_tokens: input,
    input_tokens_details: {
      cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
      cache_write_tokens: 0,
    },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: input + output,
  }
  // The gateway's own additions (as on chat answers).
  if (usage.cost !== undefined) mapped.cost = usage.cost
  if (usage.cost_details !== undefined) mapped.cost_details = usage.cost_details
  return mapped
}

export function createResponsesFormat(request: Json): ClientFormat {
  const text = request.text as Json | undefined
  const reasoning = request.reasoning as Json | undefined

  function responseJson(state: ResponseState, status: 'in_progress' | 'completed' | 'incomplete'): Json {
    const incomplete =
      status === 'incomplete'
        ? { reason: state.finishReason === 'content_filter' ? 'content_filter' : 'max_output_tokens' }
        : null
    return {
      id: state.id,
      object: 'response',
      created_at: state.createdAt,
      status,
      ...(status === 'in_progress' ? {} : { completed_at: Math.floor(Date.now() / 1000) }),
      error: null,
      incomplete_details: incomplete,
      instructions: typeof request.instructions === 'string' ? request.instructions : null,
      max_output_tokens: typeof request.max_output_tokens === 'number' ? request.max_output_tokens : null,
      model: state.model,
      output: status === 'in_progress' ? [] : state.items.map((item) => itemJson(item, 'completed')),
      parallel_tool_calls: request.parallel_tool_calls !== false,
      previous_response_id: null,
      reasoning: { effort: typeof reasoning?.effort === 'string' ? reasoning.effort : null, summary: null },
      store: false,
      temperature: typeof request.temperature === 'number' ? request.temperature : 1,
      text: { format: (text?.format as Json | undefined) ?? { type: 'text' } },
      tool_choice: request.tool_choice ?? 'auto',
      tools: Array.isArray(request.tools) ? request.tools : [],
      top_p: typeof request.top_p === 'number' ? request.top_p : 1,
      truncation: 'disabled',
      ...(status === 'in_progress' ? {} : { usage: usageJson(state.usage) }),
      metadata: (request.metadata as Json | undefined) ?? {},
    }
  }

  function finalStatus(state: ResponseState): 'completed' | 'incomplete' {
    return state.finishReason === 'length' || state.finishReason === 'content_filter'
      ? 'incomplete'
      : 'completed'
  }

  return {
    json(completion) {
      const choice = completion.choices?.[0]
      const message = choice?.message
      const base = (completion.id ?? '').replace(/^chatcmpl-/, '')
      const items: OutputItem[] = []
      if (typeof message?.reasoning_content === 'string' && message.reasoning_content !== '')
        items.push({ type: 'reasoning', id: `rs_${base}`, text: message.reasoning_content })
      if (typeof message?.content === 'string' && message.content !== '')
        items.push({ type: 'message', id: `msg_${base}`, text: message.content })
      for (const call of message?.tool_calls ?? []) {
        items.push({
          type: 'function_call',
          id: `fc_${call.id}`,
          callId: call.id,
          name: call.function.name,
          arguments: call.function.arguments,
        })
      }
      const state: ResponseState = {
        id: responseId(completion.id),
        createdAt: completion.created ?? Math.floor(Date.now() / 1000),
        model: completion.model ?? '',
        items,
        finishReason: choice?.finish_reason,
        usage: completion.usage,
      }
      return responseJson(state, finalStatus(state))
    },

    stream() {
      const reader = createSseDataReader()
      let sequence = 0
      let state: ResponseState | undefined
      let open: OutputItem | undefined
      const toolItems = new Map<number, OutputItem & { type: 'function_call' }>()
      let out = ''
      const emit = (type: string, fields: Json) => {
        out += `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...fields })}\n\n`
      }
      const outputIndex = (item: OutputItem) => state!.items.indexOf(item)

      function close(): void {
        const item = open
        if (item === undefined) return
        open = undefined
        const index = outputIndex(item)
        if (item.type === 'message') {
          emit('response.output_text.done', {
            item_id: item.id,
            output_index: index,
            content_index: 0,
            text: item.text,
            logprobs: [],
          })
          emit('response.content_part.done', {
            item_id: item.id,
            output_index: index,
            content_index: 0,
            part: { type: 'output_text', text: item.text, annotations: [], logprobs: [] },
          })
        } else if (item.type === 'function_call') {
          emit('response.function_call_arguments.done', {
            item_id: item.id,
            name: item.name,
            output_index: index,
            arguments: item.arguments,
          })
        }
        emit('response.output_item.done', { output_index: index, item: itemJson(item, 'completed') })
      }

      function openItem(item: OutputItem): void {
        close()
        state!.items.push(item)
        open = item
        const index = outputIndex(item)
        emit('response.output_item.added', { output_index: index, item: itemJson(item, 'in_progress') })
        if (item.type === 'message') {
          emit('response.content_part.added', {
            item_id: item.id,
            output_index: index,
            content_index: 0,
            part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
          })
        }
      }

      function onChunk(chunk: Json & ChatCompletionLike): void {
        if (state === undefined) {
          state = {
            id: responseId(chunk.id),
            createdAt: typeof chunk.created === 'number' ? chunk.created : Math.floor(Date.now() / 1000),
            model: typeof chunk.model === 'string' ? chunk.model : '',
            items: [],
            finishReason: undefined,
            usage: undefined,
          }
          emit('response.created', { response: responseJson(state, 'in_progress') })
          emit('response.in_progress', { response: responseJson(state, 'in_progress') })
        }
        if (chunk.usage !== undefined && chunk.usage !== null) state.usage = chunk.usage
        const base = state.id.slice('resp_'.length)
        for (const choice of (chunk.choices ?? []) as { delta?: Json; finish_reason?: string | null }[]) {
          const delta = choice.delta ?? {}
          if (typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '') {
            if (open?.type !== 'reasoning')
              openItem({ type: 'reasoning', id: `rs_${base}_${state.items.length}`, text: '' })
            ;(open as OutputItem & { type: 'reasoning' }).text += delta.reasoning_content
          }
          if (typeof delta.content === 'string' && delta.content !== '') {
            if (open?.type !== 'message')
              openItem({ type: 'message', id: `msg_${base}_${state.items.length}`, text: '' })
            const item = open as OutputItem & { type: 'message' }
            item.text += delta.content
            emit('response.output_text.delta', {
              item_id: item.id,
              output_index: outputIndex(item),
              content_index: 0,
              delta: delta.content,
              logprobs: [],
            })
          }
          for (const call of (delta.tool_calls ?? []) as {
            index: number
            id?: string
            function?: { name?: string; arguments?: string }
          }[]) {
            let item = toolItems.get(call.index)
            if (item === undefined) {
              const callId = call.id ?? `call_${base}_${call.index}`
              item = {
                type: 'function_call',
                id: `fc_${callId}`,
                callId,
                name: call.function?.name ?? '',
                arguments: '',
              }
              toolItems.set(call.index, item)
              openItem(item)
            }
            const piece = call.function?.arguments ?? ''
            if (piece !== '') {
              item.arguments += piece
              emit('response.function_call_arguments.delta', {
                item_id: item.id,
                output_index: outputIndex(item),
                delta: piece,
              })
            }
          }
          if (choice.finish_reason) state.finishReason = choice.finish_reason
        }
      }

      return {
        transform(events) {
          out = ''
          for (const data of reader.read(events)) onChunk(JSON.parse(data) as Json & ChatCompletionLike)
          return out
        },
        end() {
          out = ''
          if (state === undefined) return ''
          close()
          const status = finalStatus(state)
          emit(status === 'completed' ? 'response.completed' : 'response.incomplete', {
            response: responseJson(state, status),
          })
          return out
        },
      }
    },
  }
}
