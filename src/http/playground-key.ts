/**
 * The console playground's API key: one real key row per workspace, named "Console playground",
 * created on the first playground request, so the playground's requests go through the same
 * pipeline as any API call and land in the request log, per-key limits and spend limits under a
 * key the workspace can see (and revoke) in Keys.
 *
 * The row has no secret at all: its `hash` is `playground:` and random text, which no SHA-256 hex
 * digest (what bearer authentication looks up) can ever equal, so the key can never be used as a
 * bearer token. The console reaches it only through a signed-in session
 * (http/playground-routes.ts). A revoked playground key is left revoked; the next playground
 * request creates a new one.
 *
 * @module
 */
import type { Actor } from '../accounts/membership-service.ts'
import { randomBase62 } from '../auth/api-key-format.ts'
import { type AuthenticatedKey, toAuthenticatedKey } from '../auth/authenticator.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { ApiKeyRecord, ApiKeyRepository } from '../storage/store.ts'

/** What a playground key's `hash` starts with: never a hex digest, so never a bearer key. */
export const PLAYGROUND_HASH_PREFIX = 'playground:'
/** The name and display prefix the workspace sees in Keys. */
export const PLAYGROUND_KEY_NAME = 'Console playground'
export const PLAYGROUND_KEY_PREFIX = 'playground'

export interface PlaygroundKeyDependencies {
  apiKeys: ApiKeyRepository
  /** Writes the workspace's audit log (the key's creation is recorded under the member who caused it). */
  audit(workspaceId: string, actor: Actor, action: string, target: string | null): Promise<void>
  now?: () => Date
}

/** Whether a key row is a console playground key. */
export function isPlaygroundKey(record: Pick<ApiKeyRecord, 'hash'>): boolean {
  return record.hash.startsWith(PLAYGROUND_HASH_PREFIX)
}

export function createPlaygroundKeys(dependencies: PlaygroundKeyDependencies) {
  const now = dependencies.now ?? (() => new Date())
  /** Workspace → its live playground key's hash, so a warm request costs one read. */
  const known = new Map<string, string>()
  /** Creations in flight, so two first requests of a workspace make one key. */
  const creating = new Map<string, Promise<string>>()

  async function findLive(workspaceId: string): Promise<string | undefined> {
    const rows = await dependencies.apiKeys.list(workspaceId)
    return rows.find((row) => isPlaygroundKey(row) && row.revokedAt === null)?.hash
  }

  async function create(workspaceId: string, actor: Actor): Promise<string> {
    const record: ApiKeyRecord = {
      id: `key_${randomBase62(16)}`,
      workspaceId,
      name: PLAYGROUND_KEY_NAME,
      prefix: PLAYGROUND_KEY_PREFIX,
      hash: `${PLAYGROUND_HASH_PREFIX}${randomBase62(40)}`,
      createdAt: now().toISOString(),
      lastUsedAt: null,
      expiresAt: null,
      revokedAt: null,
      allowedLanes: null,
      allowedModels: null,
      management: false,
      limits: { rpm: null, tpm: null, concurrency: null },
    }
    await dependencies.apiKeys.create(record)
    await dependencies.audit(workspaceId, actor, 'key.created', `${record.id} (${record.name})`)
    return record.hash
  }

  async function hashFor(workspaceId: string, actor: Actor): Promise<string> {
    const cached = known.get(workspaceId)
    if (cached !== undefined) return cached
    let pending = creating.get(workspaceId)
    if (pending === undefined) {
      pending = findLive(workspaceId)
        .then((found) => found ?? create(workspaceId, actor))
        .finally(() => creating.delete(workspaceId))
      creating.set(workspaceId, pending)
    }
    const hash = await pending
    known.set(workspaceId, hash)
    return hash
  }

  return {
    /**
     * The workspace's playground key as the pipeline sees a caller, created on first use; read
     * fresh on every call (revocation, the workspace's settings and spend limits apply at once).
     * @throws GatewayError 403 `workspace_suspended` when the operator suspended the workspace
     */
    async keyFor(workspaceId: string, actor: Actor): Promise<AuthenticatedKey> {
      for (let round = 0; round < 2; round++) {
        const found = await dependencies.apiKeys.findByHash(await hashFor(workspaceId, actor))
        if (found === undefined || found.key.revokedAt !== null || found.key.workspaceId !== workspaceId) {
          // Revoked in Keys (or gone): the next request of the workspace gets a new key.
          known.delete(workspaceId)
          continue
        }
        if (found.workspace.suspended) {
          throw new GatewayError(
            'workspace_suspended',
            'This workspace is suspended: its requests are refused. Contact the operator of this gateway to restore access.',
          )
        }
        await dependencies.apiKeys.touch(new Map([[found.key.id, now().toISOString()]]))
        // The bearer authenticator's view of the row; never a management caller.
        return { ...toAuthenticatedKey(found)!, management: false }
      }
      throw new GatewayError('internal_error', 'The playground key could not be prepared; try again.')
    },
  }
}

export type PlaygroundKeys = ReturnType<typeof createPlaygroundKeys>
