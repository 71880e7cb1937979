/**
 * OpenAI chat request → Gemini `generateContent` body. Pure.
 *
 * - `system`/`developer` → `systemInstruction`; `assistant` → role `model`.
 * - text parts, base64 images → `inlineData`; image URLs → `fileData` only for `gs://` and
 *   Files API URIs (the gateway turns http(s) image URLs into data URLs before calling this,
 *   see `src/gateway/attempt/inline-image-urls.ts`).
 * - assistant `tool_calls` → `functionCall` parts; `tool` messages → `functionResponse` parts
 *   (named from the call they answer) in one user turn.
 * - `tools` → `functionDeclarations` with `parametersJsonSchema` (full JSON Schema, so nothing
 *   is lost converting to Gemini's OpenAPI subset); `tool_choice` → `functionCallingConfig`.
 * - `generationConfig`: max tokens, stop, temperature, top_p, seed, penalties, JSON mode
 *   (`responseMimeType` + `responseJsonSchema`), `reasoning_effort` → `thinkingConfig`.
 *
 * @module
 * @see https://ai.google.dev/api/generate-content
 * @see https://ai.google.dev/gemini-api/docs/function-calling
 * @see https://ai.google.dev/gemini-api/docs/structured-output
 */
import type { OpenAIChatCompletionRequest } from '../../contracts/openai-wire.ts'
import type { UpstreamTarget } from '../provider-adapter.ts'
import { parseToolArguments, readContentParts, readContentText } from '../translation/openai-content.ts'
import {
  COMMON_HANDLED_FIELDS,
  invalidField,
  refuseUnhandledFields,
  unsupportedField,
} from '../translation/translation-errors.ts'

type GeminiPart = Record<string, unknown>
interface GeminiContent {
  role: 'user' | 'model'
  parts: GeminiPart[]
}

// At most tokens/reasoning-output-floor.ts's ceilings, which the hold reserves for.
const THINKING_BUDGETS: Record<string, number> = { minimal: 512, low: 1024, medium: 8192, high: 24576 }

const HANDLED_FIELDS = new Set([...COMMON_HANDLED_FIELDS])

const invalid = invalidField
const unsupported = unsupportedField

function pushTurn(contents: GeminiContent[], role: 'user' | 'model', parts: GeminiPart[]): void {
  if (parts.length === 0) return
  const last = contents[contents.length - 1]
  if (last !== undefined && last.role === role) last.parts.push(...parts)
  else contents.push({ role, parts })
}

/** A tool result as Gemini's `functionResponse.response` (a JSON object). */
function responseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text)
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      return value as Record<string, unknown>
  } catch {}
  return { result: text }
}

function convertMessages(request: OpenAIChatCompletionRequest, provider: string) {
  const system: GeminiPart[] = []
  const contents: GeminiContent[] = []
  const toolNames = new Map<string, string>()
  request.messages.forEach((message, index) => {
    const param = `messages[${index}]`
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push({ text: readContentText(message.content, `${param}.content`, provider) })
        return
      case 'user':
      case 'assistant': {
        const parts: GeminiPart[] = readContentParts(message.content, `${param}.content`, provider).map(
          (part) => {
            if (part.kind === 'text') return { text: part.text }
            if (part.kind === 'file') return { inlineData: { mimeType: part.mediaType, data: part.data } }
            if (part.kind === 'audio')
              return { inlineData: { mimeType: `audio/${part.format}`, data: part.data } }
            if (part.source.kind === 'base64')
              return { inlineData: { mimeType: part.source.mediaType, data: part.source.data } }
            if (!/^gs:\/\/|^https:\/\/generativelanguage\.googleapis\.com\//.test(part.source.url))
              throw unsupported(
                `${param}.content`,
                'Gemini models take images as data URLs or Files API URIs.',
              )
            return { fileData: { fileUri: part.source.url, mimeType: 'image/*' } }
          },
        )
        if (message.role === 'assistant' && Array.isArray(message.tool_calls)) {
          message.tool_calls.forEach((call: unknown, callIndex) => {
            const typed = call as { id?: unknown; function?: { name?: unknown; arguments?: unknown } }
            const callParam = `${param}.tool_calls[${callIndex}]`
            if (typeof typed?.function?.name !== 'string')
              throw invalid(callParam, `Invalid '${callParam}': expected a function name.`)
            if (typeof typed.id === 'string') toolNames.set(typed.id, typed.function.name)
            parts.push({
              functionCall: {
                name: typed.function.name,
                args: parseToolArguments(typed.function.arguments, `${callParam}.function.arguments`),
              },
            })
          })
        }
        pushTurn(contents, message.role === 'user' ? 'user' : 'model', parts)
        return
      }
      case 'tool': {
        const id = message.tool_call_id
        if (typeof id !== 'string') throw invalid(`${param}.tool_call_id`, `Missing '${param}.tool_call_id'.`)
        const name = toolNames.get(id)
        if (name === undefined)
          throw invalid(
            `${param}.tool_call_id`,
            `'${param}.tool_call_id' does not answer an earlier assistant tool call.`,
          )
        const text = readContentText(message.content, `${param}.content`, provider)
        pushTurn(contents, 'user', [{ functionResponse: { name, response: responseObject(text) } }])
        return
      }
      default:
        throw invalid(`${param}.role`, `Invalid value for '${param}.role': \`${message.role}\`.`)
    }
  })
  return { system, contents }
}

function convertTools(request: OpenAIChatCompletionRequest): Record<string, unknown>[] | undefined {
  const tools = request.tools
  if (tools === undefined || tools === null) return undefined
  if (!Array.isArray(tools)) throw invalid('tools', "Invalid type for 'tools': expected an array.")
  if (tools.length === 0) return undefined
  const functionDeclarations = tools.map((tool: unknown, index) => {
    const typed = tool as {
      type?: unknown
      function?: { name?: unknown; description?: unknown; parameters?: unknown }
    }
    if (typed?.type !== 'function' || typeof typed.function?.name !== 'string')
      throw invalid(`tools[${index}]`, `Invalid 'tools[${index}]': expected a function tool with a name.`)
    const declaration: Record<string, unknown> = { name: typed.function.name }
    if (typeof typed.function.description === 'string') declaration.description = typed.function.description
    if (typed.function.parameters !== undefined) declaration.parametersJsonSchema = typed.function.parameters
    return declaration
  })
  return [{ functionDeclarations }]
}

function convertToolChoice(choice: unknown): Record<string, unknown> | undefined {
  if (choice === undefined || choice === null) return undefined
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } }
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } }
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } }
  const name = (choice as { function?: { name?: unknown } })?.function?.name
  if (typeof name === 'string')
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [name] } }
  throw invalid('tool_choice', "Invalid value for 'tool_choice'.")
}

function numberIn(value: unknown, param: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || value < min || value > max)
    throw invalid(param, `Invalid value for '${param}': expected a number from ${min} to ${max}.`)
  return value
}

export function convertToGeminiRequest(
  request: OpenAIChatCompletionRequest,
  target: UpstreamTarget,
): Record<string, unknown> {
  const provider = target.provider.name
  refuseUnhandledFields(request, HANDLED_FIELDS, 'Gemini models')
  const { system, contents } = convertMessages(request, provider)
  if (contents.length === 0) throw invalid('messages', 'At least one user or assistant message is required.')
  const body: Record<string, unknown> = { contents }
  if (system.length > 0) body.systemInstruction = { parts: system }
  const tools = convertTools(request)
  if (tools !== undefined) {
    body.tools = tools
    const toolConfig = convertToolChoice(request.tool_choice)
    if (toolConfig !== undefined) body.toolConfig = toolConfig
  }

  const generation: Record<string, unknown> = {}
  const maxTokens = request.max_completion_tokens ?? request.max_tokens
  if (maxTokens !== undefined) generation.maxOutputTokens = maxTokens
  const stop = request.stop
  if (typeof stop === 'string') generation.stopSequences = [stop]
  else if (Array.isArray(stop) && stop.length > 0) generation.stopSequences = stop
  const temperature = numberIn(request.temperature, 'temperature', 0, 2)
  if (temperature !== undefined) generation.temperature = temperature
  const topP = numberIn(request.top_p, 'top_p', 0, 1)
  if (topP !== undefined) generation.topP = topP
  if (typeof request.seed === 'number') generation.seed = request.seed
  const presence = numberIn(request.presence_penalty, 'presence_penalty', -2, 2)
  if (presence !== undefined) generation.presencePenalty = presence
  const frequency = numberIn(request.frequency_penalty, 'frequency_penalty', -2, 2)
  if (frequency !== undefined) generation.frequencyPenalty = frequency

  const format = request.response_format as
    | { type?: unknown; json_schema?: { schema?: unknown } }
    | undefined
    | null
  if (format !== undefined && format !== null && format.type !== 'text') {
    if (format.type === 'json_object') generation.responseMimeType = 'application/json'
    else if (format.type === 'json_schema') {
      generation.responseMimeType = 'application/json'
      if (format.json_schema?.schema !== undefined) generation.responseJsonSchema = format.json_schema.schema
    } else throw invalid('response_format.type', "Invalid value for 'response_format.type'.")
  }

  const effort = request.reasoning_effort
  if (effort !== undefined && effort !== null) {
    if (target.model?.capabilities.includes('reasoning') !== true)
      throw unsupported('reasoning_effort', `'reasoning_effort' is not supported by this model.`)
    if (effort === 'none') generation.thinkingConfig = { thinkingBudget: 0 }
    else {
      const budget = THINKING_BUDGETS[String(effort)]
      if (budget === undefined) throw invalid('reasoning_effort', "Invalid value for 'reasoning_effort'.")
      generation.thinkingConfig = { thinkingBudget: budget, includeThoughts: true }
    }
  }
  if (Object.keys(generation).length > 0) body.generationConfig = generation
  return body
}
