/**
 * The exact-match response cache. An answer is stored under a key made of the workspace, the
 * lane (and BYOK provider), the requested models and the normalized request (every field that
 * can change the output; end-user identifiers and `stream` left out), so it is never shared
 * across workspaces and a resale or BYOK request is never answered with what another lane
 * produced. Entries come from complete answers (streams are rebuilt by stream-collector.ts);
 * stream requests replay them as SSE.
 * Memory LRU with a TTL and size bounds.
 *
 * Opt-outs: `Cache-Control: no-store` (neither read nor write), `no-cache` (do not read, do
 * store the fresh answer), and the workspace setting `prompt_cache: false`.
 *
 * @module
 * Product spec §8.
 */
import { createHash } from 'node:crypto'
import type { Lane } from '../../config/config.ts'
import type { OpenAIChatCompletionRequest } from '../../contracts/openai-wire.ts'
import type { RedisTarget } from '../../ratelimit/redis-connection.ts'

export interface CachedAnswer {
  /** The upstream's chat.completion bytes, without the gateway's cost fields. */
  body: Buffer
  lane: Lane
  modelId: string
  offerKey: string
  providerName: string
  upstreamModel: string
  promptTokens: number
  completionTokens: number
  storedAtMs: number
}

export interface PromptCache {
  get(key: string): Promise<CachedAnswer | undefined>
  /** Stores in the background (never delays the answer). */
  set(key: string, answer: CachedAnswer): void
  close(): Promise<void>
}

/** Fields that never change what the model answers (or are the gateway's own). */
const IGNORED_FIELDS = new Set([
  'stream',
  'stream_options',
  'user',
  'safety_identifier',
  'metadata',
  'store',
  'prompt_cache_key',
  'service_tier',
])

/** JSON with object keys sorted at every level: the same request in any key order, the same text. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableStringify(item)}`).join(',')}}`
}

export function promptCacheKey(input: {
  workspaceId: string
  lane: Lane
  byokProvider: string | undefined
  modelIds: readonly string[]
  body: OpenAIChatCompletionRequest
}): string {
  const request: Record<string, unknown> = {}
  for (const [field, value] of Object.entries(input.body)) {
    if (!IGNORED_FIELDS.has(field) && field !== 'model') request[field] = value
  }
  return createHash('sha256')
    .update(
      stableStringify([input.workspaceId, input.lane, input.byokProvider ?? '', input.modelIds, request]),
    )
    .digest('hex')
}

export function createPromptCache(options: {
  ttlMs: number
  maxEntries: number
  now?: () => number
}): PromptCache {
  const now = options.now ?? Date.now
  // A Map keeps insertion order: re-inserting on read makes it an LRU.
  const entries = new Map<string, CachedAnswer>()
  return {
    async get(key) {
      const entry = entries.get(key)
      if (entry === undefined) return undefined
      entries.delete(key)
      if (now() - entry.storedAtMs > options.ttlMs) return undefined
      entries.set(key, entry)
      return entry
    },
    set(key, answer) {
      entries.delete(key)
      entries.set(key, answer)
      while (entries.size > options.maxEntries) entries.delete(entries.keys().next().value!)
    },
    async close() {
      entries.clear()
    },
  }
}

/**
 * The cache shared by every instance: entries in Redis under `<prefix>cache:<key>`, expiring with
 * the TTL (Redis evicts by its own memory policy), spread over the slots of a Redis Cluster (one
 * key per command). A Redis failure is a miss, never an error.
 */
export async function createRedisPromptCache(options: {
  redis: RedisTarget
  keyPrefix: string
  ttlMs: number
  onError: (error: unknown) => void
}): Promise<PromptCache> {
  const { connectRedis } = await import('../../ratelimit/redis-connection.ts')
  const { closeRedis } = await import('../../ratelimit/close-redis.ts')
  const redis = await connectRedis(options.redis, { onError: options.onError })
  const keyOf = (key: string) => `${options.keyPrefix}cache:${key}`
  return {
    async get(key) {
      try {
        const text = await redis.get(keyOf(key))
        if (text === null) return undefined
        const stored = JSON.parse(text) as Omit<CachedAnswer, 'body'> & { body: string }
        return { ...stored, body: Buffer.from(stored.body, 'utf8') }
      } catch (error) {
        options.onError(error)
        return undefined
      }
    },
    set(key, answer) {
      const text = JSON.stringify({ ...answer, body: answer.body.toString('utf8') })
      redis.set(keyOf(key), text, 'PX', options.ttlMs).catch(options.onError)
    },
    close: () => closeRedis(redis),
  }
}

/**
 * Replays a cached chat.completion as a stream: a role-and-content chunk per choice, a finish
 * chunk, the usage chunk when asked, then `[DONE]`. Undefined when a choice is not plain text
 * (tool calls are not replayed as streams; such requests go upstream).
 */
export function replayAsStream(
  completion: {
    id?: unknown
    created?: unknown
    model?: unknown
    system_fingerprint?: unknown
    choices?: {
      index?: number
      message?: { role?: unknown; content?: unknown; tool_calls?: unknown }
      finish_reason?: unknown
    }[]
  },
  usage: Record<string, unknown> | undefined,
): string | undefined {
  const choices = completion.choices ?? []
  if (
    choices.some(
      (choice) => typeof choice.message?.content !== 'string' || choice.message.tool_calls !== undefined,
    )
  ) {
    return undefined
  }
  const base = {
    id: completion.id,
    object: 'chat.completion.chunk',
    created: completion.created,
    model: completion.model,
  }
  const event = (chunk: Record<string, unknown>) => `data: ${JSON.stringify({ ...base, ...chunk })}\n\n`
  let text = ''
  for (const [position, choice] of choices.entries()) {
    const index = choice.index ?? position
    text += event({
      choices: [
        {
          index,
          delta: { role: 'assistant', content: choice.message!.content },
          logprobs: null,
          finish_reason: null,
        },
      ],
    })
    text += event({
      choices: [{ index, delta: {}, logprobs: null, finish_reason: choice.finish_reason ?? 'stop' }],
    })
  }
  if (usage !== undefined) text += event({ choices: [], usage })
  return `${text}data: [DONE]\n\n`
}
