/**
 * OpenAI Responses API request → chat request, for answering `/v1/responses` through any
 * upstream. Stateless: what needs stored responses (`previous_response_id`, `conversation`,
 * `background`) and built-in tools (web search, file search, computer use…) are refused with a
 * 400 naming the field, never silently dropped.
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/responses/create
 */

import type { OpenAIChatCompletionRequest, OpenAIChatMessage } from '../../contracts/openai-wire.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import { checkOutputTokens } from '../validate/validate-chat-request.ts'

/** Fields read by the translation (or echoed on the response); anything else is refused. */
const KNOWN_FIELDS = new Set([
  'model',
  'input',
  'instructions',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'max_output_tokens',
  'temperature',
  'top_p',
  'stream',
  'stream_options',
  'text',
  'reasoning',
  'user',
  'metadata',
  'store',
  'truncation',
  'service_tier',
  'safety_identifier',
  'prompt_cache_key',
  'include',
  // gateway routing fields
  'models',
  'provider',
  'byok_conf',
  'usage',
])
const STATEFUL_FIELDS = ['previous_response_id', 'conversation', 'background', 'prompt'] as const

type Json = Record<string, unknown>

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_parameter', message, { param })
}

function unsupported(param: string, message: string): GatewayError {
  return new GatewayError('unsupported_parameter', message, { param })
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Responses content parts → chat content parts. */
function convertContent(content: unknown, param: string): string | Json[] {
  if (typeof content === 'string') return content
  if (!Array.isArray(content))
    throw invalid(param, `Invalid type for '${param}': expected a string or an array.`)
  return content.map((part: unknown, index) => {
    const partParam = `${param}[${index}]`
    if (!isObject(part)) throw invalid(partParam, `Invalid type for '${partParam}': expected an object.`)
    switch (part.type) {
      case 'input_text':
      case 'output_text':
        if (typeof part.text !== 'string') throw invalid(`${partParam}.text`, `Missing '${partParam}.text'.`)
        return { type: 'text', text: part.text }
      case 'refusal':
        return { type: 'text', text: String(part.refusal ?? '') }
      case 'input_image':
        if (typeof part.image_url !== 'string')
          throw unsupported(partParam, 'Images must be given as `image_url` (file IDs are not supported).')
        return {
          type: 'image_url',
          image_url: { url: part.image_url, ...(part.detail ? { detail: part.detail } : {}) },
        }
      case 'input_file':
        if (typeof part.file_data !== 'string')
          throw unsupported(
            partParam,
            'Files must be given inline as `file_data` (file IDs and URLs are not supported).',
          )
        return {
          type: 'file',
          file: {
            file_data: part.file_data,
            ...(typeof part.filename === 'string' ? { filename: part.filename } : {}),
          },
        }
      default:
        throw unsupported(partParam, `Content part type \`${String(part.type)}\` is not supported.`)
    }
  })
}

function textOf(content: string | Json[]): string {
  return typeof content === 'string' ? content : content.map((part) => String(part.text ?? '')).join('')
}

function convertInput(input: unknown): OpenAIChatMessage[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }]
  if (!Array.isArray(input) || input.length === 0)
    throw invalid('input', "Invalid value for 'input': expected a string or a non-empty array of items.")
  const messages: OpenAIChatMessage[] = []
  input.forEach((item: unknown, index) => {
    const param = `input[${index}]`
    if (!isObject(item)) throw invalid(param, `Invalid type for '${param}': expected an object.`)
    const type = item.type ?? (typeof item.role === 'string' ? 'message' : undefined)
    switch (type) {
      case 'message': {
        const role = item.role
        if (role !== 'user' && role !== 'assistant' && role !== 'system' && role !== 'developer')
          throw invalid(`${param}.role`, `Invalid value for '${param}.role'.`)
        const content = convertContent(item.content, `${param}.content`)
        messages.push({ role, content: role === 'assistant' ? textOf(content) : content })
        return
      }
      case 'function_call': {
        if (typeof item.call_id !== 'string' || typeof item.name !== 'string')
          throw invalid(param, `Invalid '${param}': a function_call needs call_id and name.`)
        const call = {
          id: item.call_id,
          type: 'function',
          function: {
            name: item.name,
            arguments: typeof item.arguments === 'string' ? item.arguments : '{}',
          },
        }
        const last = messages[messages.length - 1]
        // Calls made in one turn are one assistant message with several tool_calls.
        if (last?.role === 'assistant' && Array.isArray(last.tool_calls))
          (last.tool_calls as unknown[]).push(call)
        else if (last?.role === 'assistant' && last.tool_calls === undefined) last.tool_calls = [call]
        else messages.push({ role: 'assistant', content: null, tool_calls: [call] })
        return
      }
      case 'function_call_output': {
        if (typeof item.call_id !== 'string') throw invalid(`${param}.call_id`, `Missing '${param}.call_id'.`)
        const output =
          typeof item.output === 'string'
            ? item.output
            : textOf(convertContent(item.output, `${param}.output`))
        messages.push({ role: 'tool', tool_call_id: item.call_id, content: output })
        return
      }
      case 'reasoning':
        // Reasoning from an earlier turn cannot be replayed through chat; the answer stands without it.
        return
      default:
        throw unsupported(param, `Input item type \`${String(type)}\` is not supported.`)
    }
  })
  return messages
}

function convertTools(tools: unknown): Json[] {
  if (!Array.isArray(tools)) throw invalid('tools', "Invalid type for 'tools': expected an array.")
  return tools.map((tool: unknown, index) => {
    if (!isObject(tool) || tool.type !== 'function')
      throw unsupported(
        `tools[${index}]`,
        `Tool type \`${String(isObject(tool) ? tool.type : tool)}\` is not supported: only function tools are.`,
      )
    if (typeof tool.name !== 'string')
      throw invalid(`tools[${index}].name`, `Missing 'tools[${index}].name'.`)
    const fn: Json = { name: tool.name }
    if (typeof tool.description === 'string') fn.description = tool.description
    if (tool.parameters !== undefined && tool.parameters !== null) fn.parameters = tool.parameters
    if (typeof tool.strict === 'boolean') fn.strict = tool.strict
    return { type: 'function', function: fn }
  })
}

function convertToolChoice(choice: unknown): unknown {
  if (choice === 'auto' || choice === 'none' || choice === 'required') return choice
  if (isObject(choice) && choice.type === 'function' && typeof choice.name === 'string')
    return { type: 'function', function: { name: choice.name } }
  throw unsupported('tool_choice', "Only 'auto', 'none', 'required' and function tool choices are supported.")
}

function convertFormat(text: unknown): unknown {
  if (!isObject(text) || !isObject(text.format)) return undefined
  const format = text.format
  switch (format.type) {
    case 'text':
      return undefined
    case 'json_object':
      return { type: 'json_object' }
    case 'json_schema':
      return {
        type: 'json_schema',
        json_schema: {
          name: format.name ?? 'response',
          schema: format.schema,
          ...(typeof format.strict === 'boolean' ? { strict: format.strict } : {}),
          ...(typeof format.description === 'string' ? { description: format.description } : {}),
        },
      }
    default:
      throw invalid('text.format.type', "Invalid value for 'text.format.type'.")
  }
}

/** The chat request answering a Responses request. */
export function convertResponsesToChat(body: Json): OpenAIChatCompletionRequest {
  if (body.model === undefined)
    throw new GatewayError('missing_parameter', "Missing required parameter: 'model'.", { param: 'model' })
  if (typeof body.model !== 'string' || body.model === '')
    throw invalid('model', "Invalid type for 'model': expected a non-empty string.")
  for (const field of STATEFUL_FIELDS) {
    if (body[field] !== undefined && body[field] !== null)
      throw unsupported(
        field,
        `'${field}' needs stored responses, which this gateway does not keep: send the whole conversation in 'input'.`,
      )
  }
  for (const field of Object.keys(body)) {
    if (!KNOWN_FIELDS.has(field)) throw unsupported(field, `'${field}' is not supported on /v1/responses.`)
  }
  if (Array.isArray(body.include) && body.include.length > 0)
    throw unsupported('include', "'include' is not supported on /v1/responses.")
  if (body.input === undefined)
    throw new GatewayError('missing_parameter', "Missing required parameter: 'input'.", { param: 'input' })
  const messages = convertInput(body.input)
  if (typeof body.instructions === 'string' && body.instructions !== '')
    messages.unshift({ role: 'system', content: body.instructions })
  const chat: OpenAIChatCompletionRequest = { model: body.model, messages }
  if (body.tools !== undefined && body.tools !== null) {
    const tools = convertTools(body.tools)
    if (tools.length > 0) chat.tools = tools
  }
  if (body.tool_choice !== undefined && body.tool_choice !== null)
    chat.tool_choice = convertToolChoice(body.tool_choice)
  if (typeof body.parallel_tool_calls === 'boolean' && chat.tools !== undefined)
    chat.parallel_tool_calls = body.parallel_tool_calls
  checkOutputTokens(body.max_output_tokens, 'max_output_tokens')
  if (body.max_output_tokens !== undefined && body.max_output_tokens !== null)
    chat.max_completion_tokens = body.max_output_tokens as number
  for (const field of ['temperature', 'top_p', 'user', 'models', 'provider', 'byok_conf', 'usage'] as const)
    if (body[field] !== undefined && body[field] !== null) chat[field] = body[field]
  const format = convertFormat(body.text)
  if (format !== undefined) chat.response_format = format
  if (isObject(body.reasoning) && typeof body.reasoning.effort === 'string')
    chat.reasoning_effort = body.reasoning.effort
  if (body.stream === true) {
    chat.stream = true
    // The final `response.completed` event carries the usage: always ask for it.
    chat.stream_options = { include_usage: true }
  }
  return chat
}
