/**
 * Bearer-key authentication with a cache in front of the store: once warm, a request costs a
 * SHA-256 and a Map lookup, no database round trip. Changes reach the cache as notifications
 * (`storage/change-notifications.ts`, wired in `server/cache-invalidation.ts`): a key revoked or
 * a workspace changed by any instance or the CLI is dropped here within about a second. The TTL is
 * a safety net only: entries older than it are served once more while a single background
 * refresh runs; entries much older than that are re-read before answering. Unknown keys are
 * cached too (bounded), so a flood of bad keys cannot hammer the database.
 *
 * @module
 */
import { GatewayError } from '../errors/gateway-error.ts'
import { runInBackground } from '../storage/round-trip-counter.ts'
import type {
  ApiKeyRecord,
  ApiKeyRepository,
  LimitOverrides,
  WorkspaceLane,
  WorkspaceRecord,
} from '../storage/store.ts'
import { hashApiKey, looksLikeApiKey } from './api-key-format.ts'
import { compileModelPatterns, type ModelMatcher } from './key-access.ts'

/** Who is calling, as the rest of the request sees it, with what they may do. */
export interface AuthenticatedKey {
  keyId: string
  workspaceId: string
  prefix: string
  name: string
  expiresAtMs: number | null
  revoked: boolean
  /** The workspace's lane for plain model IDs; null: the config default. */
  defaultLane: WorkspaceLane | null
  denyDataCollection: boolean
  /** Lanes this key may use; null: all. */
  allowedLanes: ReadonlySet<string> | null
  /** Model ID patterns this key may use; null: all. */
  allowedModels: ModelMatcher | null
  management: boolean
  /** The workspace's rate-limit tier (null: the default) and overrides, and the key's own. */
  tier: string | null
  /** The workspace lets the prompt cache answer. */
  promptCache: boolean
  workspaceLimits: LimitOverrides
  keyLimits: LimitOverrides
  /**
   * The spend limits its requests count against: the key's ID and/or the workspace's when they
   * carry limits; null when neither does (holds may then come from the instance's headroom).
   */
  budgetScopes: readonly string[] | null
}

interface CacheEntry {
  key: AuthenticatedKey | null
  /** The key's workspace is suspended by the operator: refused with 403 until lifted. */
  suspended: boolean
  fetchedAtMs: number
  refreshing: boolean
}

export interface AuthenticatorOptions {
  apiKeys: ApiKeyRepository
  cacheTtlMs: number
  cacheMaxEntries: number
  now?: () => number
  /** Background failures (refresh, last-used flush); they never fail a request. */
  onBackgroundError?: (error: unknown) => void
  /** How often last-used times are written, in milliseconds. */
  touchIntervalMs?: number
}

export interface Authenticator {
  /** Resolves the caller or throws a 401 GatewayError. */
  authenticate(authorization: string | undefined): Promise<AuthenticatedKey>
  /** Drops a cached key (by the SHA-256 of its secret) at once. */
  invalidate(keyHash: string): void
  /** Drops every cached key of a workspace (after its settings or limits changed). */
  invalidateWorkspace(workspaceId: string): void
  /** Drops every cached key (changes may have been missed). */
  clear(): void
  /** Writes pending last-used times now. */
  flush(): Promise<void>
  close(): Promise<void>
}

/** How many TTLs an entry may age before a request waits for a fresh read instead. */
const MAX_STALE_FACTOR = 6

/** A key row and its workspace as the pipeline sees the caller (null when there is no row). */
export function toAuthenticatedKey(
  found:
    | { key: ApiKeyRecord; workspace: WorkspaceRecord; budgets: { key: boolean; workspace: boolean } }
    | undefined,
): AuthenticatedKey | null {
  if (found === undefined) return null
  const { key: record, workspace, budgets } = found
  const budgetScopes = [
    ...(budgets.key ? [record.id] : []),
    ...(budgets.workspace ? [record.workspaceId] : []),
  ]
  return {
    keyId: record.id,
    workspaceId: record.workspaceId,
    prefix: record.prefix,
    name: record.name,
    expiresAtMs: record.expiresAt === null ? null : Date.parse(record.expiresAt),
    revoked: record.revokedAt !== null,
    defaultLane: workspace.defaultLane,
    denyDataCollection: workspace.denyDataCollection,
    allowedLanes: record.allowedLanes === null ? null : new Set(record.allowedLanes),
    allowedModels: record.allowedModels === null ? null : compileModelPatterns(record.allowedModels),
    management: record.management,
    tier: workspace.tier,
    promptCache: workspace.promptCache,
    workspaceLimits: workspace.limits,
    keyLimits: record.limits,
    budgetScopes: budgetScopes.length === 0 ? null : budgetScopes,
  }
}

function invalidKey(message: string): GatewayError {
  return new GatewayError('invalid_api_key', message)
}

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const now = options.now ?? Date.now
  const cache = new Map<string, CacheEntry>()
  const lastUsed = new Map<string, number>()
  const onBackgroundError = options.onBackgroundError ?? (() => {})
  // Moves at every invalidation: a read that started before one may hold what it dropped, so its
  // result answers the request that waited for it but is not cached.
  let generation = 0

  function remember(hash: string, key: AuthenticatedKey | null, suspended: boolean): CacheEntry {
    if (!cache.has(hash) && cache.size >= options.cacheMaxEntries) cache.delete(cache.keys().next().value!)
    const entry: CacheEntry = { key, suspended, fetchedAtMs: now(), refreshing: false }
    cache.set(hash, entry)
    return entry
  }

  async function load(hash: string): Promise<CacheEntry> {
    const startedAt = generation
    const found = await options.apiKeys.findByHash(hash)
    const key = toAuthenticatedKey(found)
    const suspended = found?.workspace.suspended === true
    if (startedAt !== generation) return { key, suspended, fetchedAtMs: now(), refreshing: false }
    return remember(hash, key, suspended)
  }

  function refreshInBackground(hash: string, entry: CacheEntry): void {
    if (entry.refreshing) return
    entry.refreshing = true
    // Nobody waits for it: not a round trip of the request that noticed the age.
    runInBackground(() => load(hash)).catch((error: unknown) => {
      entry.refreshing = false
      onBackgroundError(error)
    })
  }

  const flush = async (): Promise<void> => {
    if (lastUsed.size === 0) return
    const batch = new Map([...lastUsed].map(([id, ms]) => [id, new Date(ms).toISOString()]))
    lastUsed.clear()
    await options.apiKeys.touch(batch)
  }
  const touchTimer = setInterval(() => flush().catch(onBackgroundError), options.touchIntervalMs ?? 5_000)
  touchTimer.unref()

  return {
    async authenticate(authorization) {
      if (authorization === undefined || authorization === '') {
        throw invalidKey('Missing API key: send it as "Authorization: Bearer okm-sk-…".')
      }
      // The scheme is case-insensitive (RFC 9110 §11.1): "bearer" from a hand-rolled client is fine.
      const token = /^bearer /i.test(authorization) ? authorization.slice(7).trim() : ''
      if (!looksLikeApiKey(token)) {
        throw invalidKey('Invalid API key format: expected "Authorization: Bearer okm-sk-…".')
      }
      const hash = hashApiKey(token)
      let entry = cache.get(hash)
      const currentMs = now()
      if (entry === undefined || currentMs - entry.fetchedAtMs > options.cacheTtlMs * MAX_STALE_FACTOR) {
        entry = await load(hash)
      } else if (currentMs - entry.fetchedAtMs > options.cacheTtlMs) {
        refreshInBackground(hash, entry)
      }
      const key = entry.key
      if (key === null) throw invalidKey('Incorrect API key provided.')
      if (key.revoked) throw invalidKey('This API key has been revoked.')
      if (key.expiresAtMs !== null && key.expiresAtMs <= currentMs)
        throw invalidKey('This API key has expired.')
      if (entry.suspended) {
        throw new GatewayError(
          'workspace_suspended',
          'This workspace is suspended: its API keys are refused. Contact the operator of this gateway to restore access.',
        )
      }
      lastUsed.set(key.keyId, currentMs)
      return key
    },
    invalidate(keyHash) {
      generation++
      cache.delete(keyHash)
    },
    invalidateWorkspace(workspaceId) {
      generation++
      for (const [hash, entry] of cache) if (entry.key?.workspaceId === workspaceId) cache.delete(hash)
    },
    clear() {
      generation++
      cache.clear()
    },
    flush,
    async close() {
      clearInterval(touchTimer)
      await flush()
    },
  }
}
