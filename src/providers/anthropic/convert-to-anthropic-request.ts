/**
 * OpenAI chat request → Anthropic Messages request body. Pure.
 *
 * - `system`/`developer` messages → `system` (text blocks, `cache_control` kept).
 * - `user`/`assistant` turns; consecutive turns of one role merged (Anthropic alternates).
 * - `tool` messages → `tool_result` blocks in one user turn (consecutive results merged).
 * - assistant `tool_calls` → `tool_use` blocks; `tools`/`tool_choice` mapped.
 * - `max_tokens` is required upstream: the request's, else the catalog's output cap, else 4096.
 * - JSON mode (`response_format`) uses Anthropic's documented tool approach: one tool whose
 *   input schema is the wanted JSON, forced with `tool_choice`; its input comes back as text.
 * - `reasoning_effort` → `thinking.budget_tokens` on models with the `reasoning` capability.
 * - images: base64 data URLs → base64 sources; other URLs → url sources, https only (Anthropic
 *   fetches them; see `../translation/check-image-url.ts`).
 *
 * @module
 * @see https://docs.anthropic.com/en/api/messages
 * @see https://docs.anthropic.com/en/docs/test-and-evaluate/strengthen-guardrails/increase-consistency#chain-prompts-for-complex-tasks
 */

import type { OpenAIChatCompletionRequest, OpenAIChatMessage } from '../../contracts/openai-wire.ts'
import { ANSWER_ROOM_TOKENS, THINKING_BUDGET_CEILINGS } from '../../tokens/reasoning-output-floor.ts'
import type { UpstreamTarget } from '../provider-adapter.ts'
import { checkForwardedImageUrl } from '../translation/check-image-url.ts'
import { type ContentPart, parseToolArguments, readContentParts } from '../translation/openai-content.ts'
import {
  COMMON_HANDLED_FIELDS,
  invalidField,
  refuseUnhandledFields,
  unsupportedField,
} from '../translation/translation-errors.ts'

/** The tool JSON mode forces; its input is the answer. */
export const JSON_TOOL_NAME = 'json_response'

const DEFAULT_MAX_TOKENS = ANSWER_ROOM_TOKENS
const THINKING_BUDGETS = THINKING_BUDGET_CEILINGS

type AnthropicBlock = Record<string, unknown>
interface AnthropicMessage {
  role: 'user' | 'assistant'
  content: AnthropicBlock[]
}

/** Request fields this translation handles (some by dropping them: they have no Anthropic counterpart and do not change the answer); any other is refused. */
const HANDLED_FIELDS = new Set([...COMMON_HANDLED_FIELDS, 'top_k'])

const invalid = invalidField
const unsupported = unsupportedField

/** Anthropic takes PDFs and plain text as documents. */
function documentBlock(part: ContentPart & { kind: 'file' }, param: string): AnthropicBlock {
  const title = part.filename === undefined ? {} : { title: part.filename }
  if (part.mediaType === 'application/pdf')
    return {
      type: 'document',
      source: { type: 'base64', media_type: 'application/pdf', data: part.data },
      ...title,
    }
  if (part.mediaType === 'text/plain') {
    const text = Buffer.from(part.data, 'base64').toString('utf8')
    return { type: 'document', source: { type: 'text', media_type: 'text/plain', data: text }, ...title }
  }
  throw unsupported(
    param,
    `Files of type ${part.mediaType} are not supported by Anthropic models (PDF and plain text are).`,
  )
}

function toBlock(part: ContentPart, param: string): AnthropicBlock {
  switch (part.kind) {
    case 'text':
      return { type: 'text', text: part.text }
    case 'image':
      if (part.source.kind === 'url') {
        // Anthropic fetches it from its own network: https only (see check-image-url.ts).
        checkForwardedImageUrl(part.source.url, `${param}.image_url`)
        return { type: 'image', source: { type: 'url', url: part.source.url } }
      }
      return {
        type: 'image',
        source: { type: 'base64', media_type: part.source.mediaType, data: part.source.data },
      }
    case 'file':
      return documentBlock(part, param)
    case 'audio':
      throw unsupported(param, 'Audio input is not supported by Anthropic models.')
  }
}

/** `cache_control` hints may sit on a content part (as Anthropic's own SDK does) or on the message. */
function partsWithCacheHints(content: unknown, param: string, provider: string): AnthropicBlock[] {
  return readContentParts(content, param, provider).map((part, index) => {
    const block = toBlock(part, Array.isArray(content) ? `${param}[${index}]` : param)
    const cacheControl = Array.isArray(content)
      ? (content[index] as { cache_control?: unknown }).cache_control
      : undefined
    if (cacheControl !== undefined) block.cache_control = cacheControl
    return block
  })
}

function push(messages: AnthropicMessage[], role: 'user' | 'assistant', blocks: AnthropicBlock[]): void {
  if (blocks.length === 0) return
  const last = messages[messages.length - 1]
  if (last !== undefined && last.role === role) last.content.push(...blocks)
  else messages.push({ role, content: blocks })
}

function convertMessages(
  source: readonly OpenAIChatMessage[],
  provider: string,
): { system: AnthropicBlock[]; messages: AnthropicMessage[] } {
  const system: AnthropicBlock[] = []
  const messages: AnthropicMessage[] = []
  source.forEach((message, index) => {
    const param = `messages[${index}]`
    switch (message.role) {
      case 'system':
      case 'developer': {
        const blocks = partsWithCacheHints(message.content, `${param}.content`, provider)
        if (blocks.some((block) => block.type !== 'text'))
          throw unsupported(`${param}.content`, 'System messages can only hold text for Anthropic models.')
        if (message.cache_control !== undefined && blocks.length > 0)
          blocks[blocks.length - 1]!.cache_control = message.cache_control
        system.push(...blocks)
        return
      }
      case 'user': {
        const blocks = partsWithCacheHints(message.content, `${param}.content`, provider)
        if (message.cache_control !== undefined && blocks.length > 0)
          blocks[blocks.length - 1]!.cache_control = message.cache_control
        push(messages, 'user', blocks)
        return
      }
      case 'assistant': {
        const blocks = partsWithCacheHints(message.content, `${param}.content`, provider)
        const toolCalls = message.tool_calls
        if (Array.isArray(toolCalls)) {
          toolCalls.forEach((call: unknown, callIndex) => {
            const typed = call as { id?: unknown; function?: { name?: unknown; arguments?: unknown } }
            const callParam = `${param}.tool_calls[${callIndex}]`
            if (typeof typed?.id !== 'string' || typeof typed.function?.name !== 'string')
              throw invalid(callParam, `Invalid '${callParam}': expected an id and a function name.`)
            blocks.push({
              type: 'tool_use',
              id: typed.id,
              name: typed.function.name,
              input: parseToolArguments(typed.function.arguments, `${callParam}.function.arguments`),
            })
          })
        }
        push(messages, 'assistant', blocks)
        return
      }
      case 'tool': {
        if (typeof message.tool_call_id !== 'string')
          throw invalid(`${param}.tool_call_id`, `Missing '${param}.tool_call_id'.`)
        const blocks = partsWithCacheHints(message.content, `${param}.content`, provider)
        const result: AnthropicBlock = { type: 'tool_result', tool_use_id: message.tool_call_id }
        if (blocks.length > 0) result.content = blocks
        push(messages, 'user', [result])
        return
      }
      default:
        throw invalid(`${param}.role`, `Invalid value for '${param}.role': \`${message.role}\`.`)
    }
  })
  // Anthropic wants tool results first in their user turn (before any text that followed them).
  for (const message of messages) {
    if (message.role !== 'user') continue
    const results = message.content.filter((block) => block.type === 'tool_result')
    if (results.length > 0 && results.length < message.content.length) {
      message.content = [...results, ...message.content.filter((block) => block.type !== 'tool_result')]
    }
  }
  return { system, messages }
}

function convertTools(tools: unknown): AnthropicBlock[] {
  if (!Array.isArray(tools)) throw invalid('tools', "Invalid type for 'tools': expected an array.")
  return tools.map((tool: unknown, index) => {
    const typed = tool as {
      type?: unknown
      function?: { name?: unknown; description?: unknown; parameters?: unknown }
      cache_control?: unknown
    }
    if (typed?.type !== 'function' || typeof typed.function?.name !== 'string')
      throw invalid(`tools[${index}]`, `Invalid 'tools[${index}]': expected a function tool with a name.`)
    const converted: AnthropicBlock = {
      name: typed.function.name,
      input_schema: typed.function.parameters ?? { type: 'object', properties: {} },
    }
    if (typeof typed.function.description === 'string') converted.description = typed.function.description
    if (typed.cache_control !== undefined) converted.cache_control = typed.cache_control
    return converted
  })
}

function convertToolChoice(choice: unknown, parallel: unknown): Record<string, unknown> | undefined {
  let converted: Record<string, unknown> | undefined
  if (choice === undefined || choice === null) converted = parallel === false ? { type: 'auto' } : undefined
  else if (choice === 'auto') converted = { type: 'auto' }
  else if (choice === 'none') converted = { type: 'none' }
  else if (choice === 'required') converted = { type: 'any' }
  else if (
    typeof choice === 'object' &&
    typeof (choice as { function?: { name?: unknown } }).function?.name === 'string'
  ) {
    converted = { type: 'tool', name: (choice as { function: { name: string } }).function.name }
  } else throw invalid('tool_choice', "Invalid value for 'tool_choice'.")
  if (converted !== undefined && parallel === false && converted.type !== 'none')
    converted.disable_parallel_tool_use = true
  return converted
}

function checkRange(value: unknown, param: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || value < min || value > max)
    throw invalid(param, `Invalid value for '${param}': expected a number from ${min} to ${max}.`)
  return value
}

export interface AnthropicRequestPlan {
  body: Record<string, unknown>
  /** Set when JSON mode was mapped to a forced tool: its input is the answer's text. */
  jsonTool: string | undefined
}

export function convertToAnthropicRequest(
  request: OpenAIChatCompletionRequest,
  target: UpstreamTarget,
): AnthropicRequestPlan {
  const provider = target.provider.name
  refuseUnhandledFields(request, HANDLED_FIELDS, 'Anthropic models')
  const { system, messages } = convertMessages(request.messages, provider)
  if (messages.length === 0) throw invalid('messages', 'At least one user or assistant message is required.')

  let maxTokens =
    request.max_completion_tokens ?? request.max_tokens ?? target.model?.maxOutputTokens ?? DEFAULT_MAX_TOKENS
  const body: Record<string, unknown> = { model: target.upstreamModel, max_tokens: maxTokens, messages }
  if (system.length > 0) body.system = system
  if (request.stream === true) body.stream = true

  const stop = request.stop
  if (typeof stop === 'string') body.stop_sequences = [stop]
  else if (Array.isArray(stop) && stop.length > 0) body.stop_sequences = stop
  // OpenAI's temperature range is 0–2, Anthropic's 0–1: values above 1 are refused, not rescaled.
  const temperature = checkRange(request.temperature, 'temperature', 0, 1)
  if (temperature !== undefined) body.temperature = temperature
  const topP = checkRange(request.top_p, 'top_p', 0, 1)
  if (topP !== undefined) body.top_p = topP
  if (typeof request.top_k === 'number') body.top_k = request.top_k
  if (typeof request.user === 'string') body.metadata = { user_id: request.user }

  if (request.tools !== undefined && request.tools !== null) {
    const tools = convertTools(request.tools)
    if (tools.length > 0) body.tools = tools
  }
  const toolChoice = convertToolChoice(request.tool_choice, request.parallel_tool_calls)
  if (toolChoice !== undefined && body.tools !== undefined) body.tool_choice = toolChoice

  let jsonTool: string | undefined
  const format = request.response_format as
    | { type?: unknown; json_schema?: { schema?: unknown; description?: unknown } }
    | undefined
  if (format !== undefined && format !== null && format.type !== 'text') {
    if (format.type !== 'json_object' && format.type !== 'json_schema')
      throw invalid('response_format.type', "Invalid value for 'response_format.type'.")
    jsonTool = JSON_TOOL_NAME
    const schema =
      format.type === 'json_schema' ? (format.json_schema?.schema ?? { type: 'object' }) : { type: 'object' }
    const tool: AnthropicBlock = {
      name: JSON_TOOL_NAME,
      description:
        typeof format.json_schema?.description === 'string'
          ? format.json_schema.description
          : 'Respond with the answer as this JSON object.',
      input_schema: schema,
    }
    body.tools = [...((body.tools as AnthropicBlock[] | undefined) ?? []), tool]
    body.tool_choice = { type: 'tool', name: JSON_TOOL_NAME }
  }

  const effort = request.reasoning_effort
  if (effort !== undefined && effort !== null && effort !== 'none') {
    const budget = THINKING_BUDGETS[String(effort)]
    if (budget === undefined) throw invalid('reasoning_effort', "Invalid value for 'reasoning_effort'.")
    if (target.model?.capabilities.includes('reasoning') !== true)
      throw unsupported('reasoning_effort', `'reasoning_effort' is not supported by this model.`)
    if (
      jsonTool !== undefined ||
      (toolChoice !== undefined && toolChoice.type !== 'auto' && toolChoice.type !== 'none')
    )
      throw unsupported(
        'reasoning_effort',
        "'reasoning_effort' cannot be combined with a forced tool or JSON mode on Anthropic models.",
      )
    if (temperature !== undefined && temperature !== 1)
      throw unsupported(
        'temperature',
        "Anthropic models need 'temperature' unset (or 1) with 'reasoning_effort'.",
      )
    // The thinking budget must stay below max_tokens; the answer keeps the room the client asked for.
    if (request.max_completion_tokens === undefined && request.max_tokens === undefined) {
      if (maxTokens <= budget) maxTokens = budget + DEFAULT_MAX_TOKENS
    } else if (maxTokens <= budget) {
      throw invalid(
        request.max_completion_tokens === undefined ? 'max_tokens' : 'max_completion_tokens',
        `With reasoning_effort "${String(effort)}" the output limit must exceed the ${budget}-token thinking budget.`,
      )
    }
    body.max_tokens = maxTokens
    body.thinking = { type: 'enabled', budget_tokens: budget }
  }
  return { body, jsonTool }
}
