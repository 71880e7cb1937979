/**
 * A fake Anthropic Messages API on 127.0.0.1 that checks requests as strictly as the real one
 * (unknown fields rejected, roles and block types checked, every `tool_use` answered by a
 * `tool_result` in the next turn, `max_tokens` required, headers checked), so a translation
 * that leaks an OpenAI field fails the test. Answers come from `fake-brain.ts`, as JSON or as
 * a realistic event stream (`event:` lines, `ping`, cumulative `message_delta` usage), with a
 * thinking block first when `thinking` is enabled.
 *
 * @module
 * @see https://docs.anthropic.com/en/api/messages
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import { countTokens, think, wordsOf } from './fake-brain.ts'
import { check, type FakeProviderServer, Invalid, listenOnLoopback } from './fake-provider-server.ts'

type Json = Record<string, unknown>

const REQUEST_FIELDS = new Set([
  'model',
  'messages',
  'max_tokens',
  'system',
  'stop_sequences',
  'stream',
  'temperature',
  'top_p',
  'top_k',
  'tools',
  'tool_choice',
  'metadata',
  'thinking',
  'service_tier',
])
const BLOCK_FIELDS: Record<string, Set<string>> = {
  text: new Set(['type', 'text', 'cache_control', 'citations']),
  image: new Set(['type', 'source', 'cache_control']),
  document: new Set(['type', 'source', 'title', 'context', 'citations', 'cache_control']),
  tool_use: new Set(['type', 'id', 'name', 'input', 'cache_control']),
  tool_result: new Set(['type', 'tool_use_id', 'content', 'is_error', 'cache_control']),
  thinking: new Set(['type', 'thinking', 'signature']),
}

function checkBlocks(content: unknown, where: string): Json[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }]
  check(Array.isArray(content) && content.length > 0, `${where}: expected a string or a non-empty array`)
  return content.map((block: Json, index) => {
    const fields = BLOCK_FIELDS[String(block?.type)]
    check(fields !== undefined, `${where}.${index}.type: unknown block type ${String(block?.type)}`)
    for (const key of Object.keys(block))
      check(fields.has(key), `${where}.${index}.${key}: Extra inputs are not permitted`)
    if (block.type === 'text') check(typeof block.text === 'string', `${where}.${index}.text: required`)
    if (block.type === 'image') {
      const source = block.source as Json
      check(source?.type === 'base64' || source?.type === 'url', `${where}.${index}.source.type: invalid`)
    }
    if (block.type === 'tool_result' && block.content !== undefined)
      checkBlocks(block.content, `${where}.${index}.content`)
    return block
  })
}

/** Validates like the real API; returns the last user text, the tool result if any, and tool names. */
function validate(body: Json, headers: IncomingHttpHeaders) {
  check(typeof headers['x-api-key'] === 'string' && headers['x-api-key'] !== '', 'x-api-key header: required')
  check(headers['anthropic-version'] === '2023-06-01', 'anthropic-version header: required')
  check(headers.authorization === undefined, 'authorization header: not an Anthropic header')
  for (const key of Object.keys(body))
    check(REQUEST_FIELDS.has(key), `${key}: Extra inputs are not permitted`)
  check(typeof body.model === 'string', 'model: Field required')
  check(Number.isInteger(body.max_tokens) && (body.max_tokens as number) >= 1, 'max_tokens: Field required')
  if (body.temperature !== undefined)
    check(
      typeof body.temperature === 'number' && body.temperature >= 0 && body.temperature <= 1,
      'temperature: out of range',
    )
  if (body.system !== undefined) checkBlocks(body.system, 'system')
  if (body.thinking !== undefined) {
    const thinking = body.thinking as Json
    check(thinking.type === 'enabled' || thinking.type === 'disabled', 'thinking.type: invalid')
    if (thinking.type === 'enabled')
      check(
        Number.isInteger(thinking.budget_tokens) &&
          (thinking.budget_tokens as number) >= 1024 &&
          (thinking.budget_tokens as number) < (body.max_tokens as number),
        'thinking.budget_tokens: must be ≥ 1024 and less than max_tokens',
      )
  }
  const toolNames: string[] = []
  if (body.tools !== undefined) {
    check(Array.isArray(body.tools), 'tools: expected an array')
    for (const [index, tool] of (body.tools as Json[]).entries()) {
      for (const key of Object.keys(tool))
        check(
          ['name', 'description', 'input_schema', 'cache_control'].includes(key),
          `tools.${index}.${key}: Extra inputs are not permitted`,
        )
      check(
        (tool.input_schema as Json)?.type === 'object',
        `tools.${index}.input_schema.type: must be object`,
      )
      toolNames.push(String(tool.name))
    }
  }
  if (body.tool_choice !== undefined) {
    const choice = body.tool_choice as Json
    check(['auto', 'any', 'tool', 'none'].includes(String(choice.type)), 'tool_choice.type: invalid')
    check(
      (choice.type === 'tool') === (typeof choice.name === 'string'),
      'tool_choice.name: only with type tool',
    )
  }
  const messages = body.messages
  check(Array.isArray(messages) && messages.length > 0, 'messages: at least one message is required')
  check((messages[0] as Json).role === 'user', 'messages.0.role: the first message must use the "user" role')
  let pendingToolUses: string[] = []
  let lastUserText = ''
  let toolResult: string | undefined
  for (const [index, message] of (messages as Json[]).entries()) {
    for (const key of Object.keys(message))
      check(key === 'role' || key === 'content', `messages.${index}.${key}: Extra inputs are not permitted`)
    check(
      message.role === 'user' || message.role === 'assistant',
      `messages.${index}.role: must be user or assistant`,
    )
    const blocks = checkBlocks(message.content, `messages.${index}.content`)
    if (message.role === 'assistant') {
      check(
        pendingToolUses.length === 0,
        `messages.${index}: tool_use ids were found without tool_result blocks immediately after`,
      )
      check(
        !blocks.some((block) => block.type === 'tool_result'),
        `messages.${index}: tool_result in an assistant turn`,
      )
      pendingToolUses = blocks.filter((block) => block.type === 'tool_use').map((block) => String(block.id))
      continue
    }
    check(!blocks.some((block) => block.type === 'tool_use'), `messages.${index}: tool_use in a user turn`)
    const results = blocks.filter((block) => block.type === 'tool_result')
    for (const id of pendingToolUses)
      check(
        results.some((block) => block.tool_use_id === id),
        `messages.${index}: tool_use ${id} has no tool_result immediately after`,
      )
    for (const result of results)
      check(
        pendingToolUses.includes(String(result.tool_use_id)),
        `messages.${index}: unexpected tool_use_id ${String(result.tool_use_id)}`,
      )
    check(
      results.length === 0 || blocks[0]!.type === 'tool_result',
      `messages.${index}: tool_result blocks must come first`,
    )
    pendingToolUses = []
    lastUserText = blocks
      .filter((block) => block.type === 'text')
      .map((block) => block.text)
      .join(' ')
    toolResult =
      results.length === 0
        ? undefined
        : results
            .map((result) =>
              typeof result.content === 'string'
                ? result.content
                : checkBlocks(result.content ?? '', 'r')
                    .map((b) => b.text)
                    .join(''),
            )
            .join('; ')
  }
  check(pendingToolUses.length === 0, 'the last assistant tool_use has no tool_result')
  return { lastUserText, toolResult, toolNames }
}

function sendEvent(response: ServerResponse, type: string, data: Json): void {
  response.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`)
}

export async function startFakeAnthropic(): Promise<FakeProviderServer> {
  const calls: FakeProviderServer['calls'] = []
  const rejections: string[] = []
  let counter = 0
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    let body: Json
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      response.writeHead(400, { 'content-type': 'application/json' })
      response.end(
        JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'invalid JSON' } }),
      )
      return
    }
    calls.push({ path: request.url ?? '', headers: request.headers, body })
    if (request.method !== 'POST' || request.url !== '/v1/messages') {
      response.writeHead(404, { 'content-type': 'application/json' })
      response.end(
        JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: 'Not found' } }),
      )
      return
    }
    let understood: ReturnType<typeof validate>
    try {
      understood = validate(body, request.headers)
    } catch (error) {
      if (!(error instanceof Invalid)) throw error
      rejections.push(error.message)
      const status = error.message.includes('x-api-key') ? 401 : 400
      response.writeHead(status, { 'content-type': 'application/json' })
      response.end(
        JSON.stringify({
          type: 'error',
          error: {
            type: status === 401 ? 'authentication_error' : 'invalid_request_error',
            message: error.message,
          },
        }),
      )
      return
    }
    if (request.headers['x-api-key'] === 'sk-ant-rejected') {
      response.writeHead(401, { 'content-type': 'application/json' })
      response.end(
        JSON.stringify({
          type: 'error',
          error: { type: 'authentication_error', message: 'invalid x-api-key' },
        }),
      )
      return
    }
    const answer = think(understood.lastUserText, understood.toolResult, understood.toolNames)
    const id = `msg_fake${++counter}`
    const model = String(body.model)
    const inputTokens = countTokens(JSON.stringify(body.messages))
    let words = answer.kind === 'text' ? wordsOf(answer.text) : []
    let stopReason = answer.kind === 'tool' ? 'tool_use' : 'end_turn'
    if (words.length > (body.max_tokens as number)) {
      words = words.slice(0, body.max_tokens as number)
      stopReason = 'max_tokens'
    }
    const toolId = `toolu_fake${counter}`
    // With thinking enabled, a thinking block comes first. Claude counts it in output_tokens with
    // its own tokenizer; the fake counts one per byte, above any count of the text.
    const thinking =
      (body.thinking as Json | undefined)?.type === 'enabled'
        ? `Let me think about “${understood.lastUserText}” before answering.`
        : undefined
    const thinkingBlock =
      thinking === undefined ? [] : [{ type: 'thinking', thinking, signature: 'c2lnbmF0dXJl' }]
    const textIndex = thinkingBlock.length
    const outputTokens =
      (answer.kind === 'tool' ? 12 : words.length) +
      (thinking === undefined ? 0 : Buffer.byteLength(thinking))
    const usage = {
      input_tokens: inputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: outputTokens,
    }
    if (body.stream !== true) {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(
        JSON.stringify({
          id,
          type: 'message',
          role: 'assistant',
          model,
          content: [
            ...thinkingBlock,
            answer.kind === 'text'
              ? { type: 'text', text: words.join('') }
              : { type: 'tool_use', id: toolId, name: answer.name, input: answer.args },
          ],
          stop_reason: stopReason,
          stop_sequence: null,
          usage,
        }),
      )
      return
    }
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
    })
    sendEvent(response, 'message_start', {
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    })
    if (thinking !== undefined) {
      sendEvent(response, 'content_block_start', {
        index: 0,
        content_block: { type: 'thinking', thinking: '', signature: '' },
      })
      for (const word of wordsOf(thinking))
        sendEvent(response, 'content_block_delta', {
          index: 0,
          delta: { type: 'thinking_delta', thinking: word },
        })
      sendEvent(response, 'content_block_delta', {
        index: 0,
        delta: { type: 'signature_delta', signature: 'c2lnbmF0dXJl' },
      })
      sendEvent(response, 'content_block_stop', { index: 0 })
    }
    if (answer.kind === 'text') {
      sendEvent(response, 'content_block_start', {
        index: textIndex,
        content_block: { type: 'text', text: '' },
      })
      sendEvent(response, 'ping', {})
      for (const word of words)
        sendEvent(response, 'content_block_delta', {
          index: textIndex,
          delta: { type: 'text_delta', text: word },
        })
    } else {
      sendEvent(response, 'content_block_start', {
        index: textIndex,
        content_block: { type: 'tool_use', id: toolId, name: answer.name, input: {} },
      })
      const json = JSON.stringify(answer.args)
      const middle = Math.floor(json.length / 2)
      for (const part of [json.slice(0, middle), json.slice(middle)])
        sendEvent(response, 'content_block_delta', {
          index: textIndex,
          delta: { type: 'input_json_delta', partial_json: part },
        })
    }
    sendEvent(response, 'content_block_stop', { index: textIndex })
    sendEvent(response, 'message_delta', {
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: outputTokens },
    })
    sendEvent(response, 'message_stop', {})
    response.end()
  })
  return { ...(await listenOnLoopback(server)), calls, rejections }
}
