/**
 * The playground's calls: the workspace's models, the quote for a prompt (every lane), and the
 * streamed answer (`POST /api/v1/playground/chat/completions` with the session's CSRF token,
 * read as SSE while it arrives).
 *
 * @module
 */
import { queryOptions } from '@tanstack/react-query'
import { ApiError, api } from '../../api/api-client.ts'
import { type AnswerMeta, metaFromHeaders } from './playground-answer.ts'
import type { ModelEntry } from './playground-models.ts'
import { readSse } from './sse-stream.ts'

export interface PlaygroundMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

/** The body both playground routes take (strict on the server). */
export interface PlaygroundBody {
  model: string
  messages: PlaygroundMessage[]
  max_tokens?: number
}

export const playgroundKeys = {
  all: ['playground'] as const,
  models: () => ['playground', 'models'] as const,
}

export function playgroundModelsQuery() {
  return queryOptions({
    queryKey: playgroundKeys.models(),
    queryFn: ({ signal }) => api<{ object: 'list'; data: ModelEntry[] }>('/api/v1/models', { signal }),
    staleTime: 5 * 60_000,
  })
}

/** A per-1M-token price of the quote (`"quote on request"` when not published). */
export type QuotePrice = { prompt: string; completion: string; request: string } | 'quote on request'

export interface LaneQuote {
  lane: string
  model: string
  available: boolean
  reason: string | null
  trust: string
  offer: { provider: string; upstream_model: string; price: QuotePrice } | null
  estimated_input_cost: string | null
  max_output_cost: string | null
  max_total_cost: string | null
}

export interface QuoteAnswer {
  object: 'quote'
  model: string
  estimated_prompt_tokens: number
  max_output_tokens: number | null
  lanes: LaneQuote[]
}

export function fetchQuote(body: PlaygroundBody, signal?: AbortSignal): Promise<QuoteAnswer> {
  return api<QuoteAnswer>('/api/v1/playground/quote', {
    method: 'POST',
    body,
    ...(signal === undefined ? {} : { signal }),
  })
}

/**
 * Sends one prompt and streams the answer: `onStart` with who answers (the response headers),
 * then `onData` with each SSE event's data. Rejects with an ApiError when the gateway refuses
 * before streaming (402, 429…), or an `AbortError` when `signal` stops it.
 */
export async function streamAnswer(
  body: PlaygroundBody,
  csrfToken: string,
  signal: AbortSignal,
  onStart: (meta: AnswerMeta) => void,
  onData: (data: string) => void,
): Promise<void> {
  let response: Response
  try {
    response = await fetch('/api/v1/playground/chat/completions', {
      method: 'POST',
      headers: {
        Accept: 'text/event-stream',
        'Content-Type': 'application/json',
        'X-CSRF-Token': csrfToken,
      },
      credentials: 'same-origin',
      body: JSON.stringify(body),
      signal,
    })
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error
    throw new ApiError(
      'Could not reach the server. Check your connection and try again.',
      0,
      null,
      null,
      null,
      null,
    )
  }
  if (!response.ok || response.body === null) throw await errorOf(response)
  onStart(metaFromHeaders(response.headers))
  await readSse(response.body, onData)
}

async function errorOf(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => undefined)) as
    | { error?: { message?: unknown; code?: unknown; param?: unknown; type?: unknown } }
    | undefined
  const error = body?.error
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null)
  return new ApiError(
    text(error?.message) ?? `The server answered ${response.status} ${response.statusText}`.trim(),
    response.status,
    text(error?.code),
    text(error?.param),
    text(error?.type),
    response.headers.get('x-request-id'),
  )
}
