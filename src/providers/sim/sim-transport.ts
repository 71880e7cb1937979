/**
 * `sim`: a deterministic offline provider. It answers in OpenAI's wire format (JSON or SSE
 * bytes) from inside the process, so demos, load tests and a fresh `npm start` work with no key
 * and no network, and the gateway's pass-through path is exercised exactly as for OpenAI.
 *
 * The reply echoes the last user message; one "token" is one word (with its leading space).
 * `latency_ms` delays the first byte, `tokens_per_second` paces the rest (0 = no delay).
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type {
  OpenAIChatCompletionRequest,
  OpenAIEmbeddingsRequest,
  OpenAIEmbeddingsResponse,
  OpenAIUsage,
} from '../../contracts/openai-wire.ts'
import { encodeSseEvent, SSE_DONE } from '../../streaming/sse-encoder.ts'
import type {
  UpstreamRequest,
  UpstreamResponse,
  UpstreamTarget,
  UpstreamTransport,
} from '../provider-adapter.ts'

function textOf(content: unknown): string {
  if (typeof content === 'string') return content
  if (Array.isArray(content)) {
    return content
      .map((part) => (part && typeof part === 'object' && 'text' in part ? String(part.text) : ''))
      .join('')
  }
  return ''
}

/** The deterministic reply and its token split, for a request. */
export function simulateReply(request: OpenAIChatCompletionRequest): {
  tokens: string[]
  finishReason: 'stop' | 'length'
  usage: OpenAIUsage
} {
  const lastUser = [...request.messages].reverse().find((message) => message.role === 'user')
  const reply = `You said: ${textOf(lastUser?.content).trim() || '(nothing)'}`
  const allTokens = reply.match(/\s*\S+/g) ?? []
  const limit = request.max_completion_tokens ?? request.max_tokens ?? Number.POSITIVE_INFINITY
  const tokens = allTokens.slice(0, limit)
  const promptCharacters = request.messages.reduce(
    (sum, message) => sum + textOf(message.content).length + message.role.length,
    0,
  )
  const promptTokens = Math.ceil(promptCharacters / 4) + 3 * request.messages.length
  return {
    tokens,
    finishReason: tokens.length < allTokens.length ? 'length' : 'stop',
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: tokens.length,
      total_tokens: promptTokens + tokens.length,
    },
  }
}

async function* streamBody(
  request: OpenAIChatCompletionRequest,
  id: string,
  created: number,
  pauseMs: number,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  const { tokens, finishReason, usage } = simulateReply(request)
  const encoder = new TextEncoder()
  const includeUsage = request.stream_options?.include_usage === true
  const chunk = (delta: object, finish: string | null) =>
    encoder.encode(
      encodeSseEvent(
        JSON.stringify({
          id,
          object: 'chat.completion.chunk',
          created,
          model: request.model,
          choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
          ...(includeUsage ? { usage: null } : {}),
        }),
      ),
    )
  yield chunk({ role: 'assistant', content: '' }, null)
  for (const token of tokens) {
    if (pauseMs > 0) await sleep(pauseMs, undefined, { signal })
    yield chunk({ content: token }, null)
  }
  yield chunk({}, finishReason)
  if (includeUsage) {
    const usageChunk = {
      id,
      object: 'chat.completion.chunk',
      created,
      model: request.model,
      choices: [],
      usage,
    }
    yield encoder.encode(encodeSseEvent(JSON.stringify(usageChunk)))
  }
  yield encoder.encode(SSE_DONE)
}

async function* jsonBody(
  request: OpenAIChatCompletionRequest,
  id: string,
  created: number,
  pauseMs: number,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  const { tokens, finishReason, usage } = simulateReply(request)
  if (pauseMs > 0 && tokens.length > 0) await sleep(pauseMs * tokens.length, undefined, { signal })
  yield new TextEncoder().encode(
    JSON.stringify({
      id,
      object: 'chat.completion',
      created,
      model: request.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: tokens.join(''), refusal: null },
          logprobs: null,
          finish_reason: finishReason,
        },
      ],
      usage,
    }),
  )
}

/**
 * Deterministic unit vectors (8 dimensions, or `dimensions`) from each input's characters, so
 * equal texts embed equally; one token per 4 characters.
 */
export function simulateEmbeddings(request: OpenAIEmbeddingsRequest): OpenAIEmbeddingsResponse {
  const inputs = typeof request.input === 'string' ? [request.input] : request.input
  const size = request.dimensions ?? 8
  let tokens = 0
  const data = inputs.map((text, index) => {
    tokens += Math.max(1, Math.ceil(text.length / 4))
    let seed = 7
    for (const character of text) seed = (seed * 33 + (character.codePointAt(0) ?? 0)) % 2_147_483_647
    const raw = Array.from({ length: size }, (_, position) => Math.sin(seed + position * 1.7))
    const norm = Math.hypot(...raw) || 1
    return { object: 'embedding' as const, index, embedding: raw.map((value) => Math.fround(value / norm)) }
  })
  return {
    object: 'list',
    data,
    model: request.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  }
}

export function createSimTransport(): UpstreamTransport {
  return {
    async send(
      upstreamRequest: UpstreamRequest,
      target: UpstreamTarget,
      { signal },
    ): Promise<UpstreamResponse> {
      const { latencyMs, tokensPerSecond } = target.provider.sim
      if (latencyMs > 0) await sleep(latencyMs, undefined, { signal })
      if (upstreamRequest.path.endsWith('/embeddings')) {
        const answer = simulateEmbeddings(JSON.parse(upstreamRequest.body) as OpenAIEmbeddingsRequest)
        return {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: (async function* () {
            yield Buffer.from(JSON.stringify(answer))
          })(),
          discard: () => {},
        }
      }
      const request = JSON.parse(upstreamRequest.body) as OpenAIChatCompletionRequest
      const pauseMs = tokensPerSecond > 0 ? 1000 / tokensPerSecond : 0
      const id = `chatcmpl-sim-${randomUUID()}`
      const created = Math.floor(Date.now() / 1000)
      const stream = request.stream === true
      const body = (stream ? streamBody : jsonBody)(request, id, created, pauseMs, signal)
      return {
        status: 200,
        headers: { 'content-type': stream ? 'text/event-stream' : 'application/json' },
        body,
        discard: () => {
          body.return(undefined).catch(() => {})
        },
      }
    },
    async close() {},
  }
}
