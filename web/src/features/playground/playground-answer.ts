/**
 * One playground answer as it streams: the text so far, then how it ended, its tokens and its
 * cost. The lane, provider and attempts come from the gateway's `x-onekey-*` response headers;
 * the cost is the exact decimal string of the last chunk's `usage.cost_details.total` (never the
 * JSON number `usage.cost`, which a browser would read as a binary float).
 *
 * @module
 */

/** What the response headers say about who answered. */
export interface AnswerMeta {
  lane: string | null
  provider: string | null
  /** The upstream's model name. */
  upstreamModel: string | null
  /** Upstream attempts it took (the header is absent for one). */
  attempts: number
  generationId: string | null
  /** `hit` when the prompt cache answered. */
  cache: string | null
}

export interface AnswerUsage {
  promptTokens: number
  completionTokens: number
  /** USD, exact decimal; null when the gateway sent no cost. */
  cost: string | null
}

export type AnswerStatus = 'waiting' | 'streaming' | 'done' | 'stopped' | 'failed'

export interface AnswerState {
  status: AnswerStatus
  text: string
  finishReason: string | null
  usage: AnswerUsage | null
  error: string | null
  meta: AnswerMeta | null
}

export const WAITING: AnswerState = {
  status: 'waiting',
  text: '',
  finishReason: null,
  usage: null,
  error: null,
  meta: null,
}

/** The answer's provenance from its response headers. */
export function metaFromHeaders(headers: Headers): AnswerMeta {
  const attempts = Number.parseInt(headers.get('x-onekey-attempts') ?? '1', 10)
  return {
    lane: headers.get('x-onekey-lane'),
    provider: headers.get('x-onekey-provider'),
    upstreamModel: headers.get('x-onekey-model'),
    attempts: Number.isSafeInteger(attempts) && attempts > 0 ? attempts : 1,
    generationId: headers.get('x-onekey-generation-id'),
    cache: headers.get('x-onekey-cache'),
  }
}

const DECIMAL = /^\d+(\.\d+)?$/

function count(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0
}

interface Chunk {
  choices?: { delta?: { content?: unknown }; finish_reason?: unknown }[]
  usage?: {
    prompt_tokens?: unknown
    completion_tokens?: unknown
    cost_details?: { total?: unknown }
  } | null
  error?: { message?: unknown }
}

/** The state after one SSE event's `data` (a chunk's JSON, an in-band error, or `[DONE]`). */
export function applyData(state: AnswerState, data: string): AnswerState {
  if (data === '[DONE]') return { ...state, status: state.status === 'failed' ? 'failed' : 'done' }
  let chunk: Chunk
  try {
    chunk = JSON.parse(data) as Chunk
  } catch {
    return state
  }
  if (chunk.error !== undefined) {
    const message = typeof chunk.error.message === 'string' ? chunk.error.message : 'The answer failed.'
    return { ...state, status: 'failed', error: message }
  }
  let next = state.status === 'waiting' ? { ...state, status: 'streaming' as const } : state
  const choice = chunk.choices?.[0]
  if (choice !== undefined) {
    const content = choice.delta?.content
    if (typeof content === 'string' && content !== '') next = { ...next, text: next.text + content }
    if (typeof choice.finish_reason === 'string') next = { ...next, finishReason: choice.finish_reason }
  }
  const usage = chunk.usage
  if (usage !== undefined && usage !== null) {
    const total = usage.cost_details?.total
    next = {
      ...next,
      usage: {
        promptTokens: count(usage.prompt_tokens),
        completionTokens: count(usage.completion_tokens),
        cost: typeof total === 'string' && DECIMAL.test(total) ? total : null,
      },
    }
  }
  return next
}

/** The state once the body ended (or was cut): a stream without `[DONE]` did not finish. */
export function finish(state: AnswerState, how: 'ended' | 'stopped'): AnswerState {
  if (state.status === 'done' || state.status === 'failed') return state
  if (how === 'stopped') return { ...state, status: 'stopped' }
  return { ...state, status: 'failed', error: state.error ?? 'The answer ended before it was complete.' }
}
