/**
 * Workspace and API key management, shared by the CLI and (later) the management API. No SQL
 * here: everything goes through the {@link Store}.
 *
 * @module
 */
import { displayPrefix, generateApiKey, hashApiKey, randomBase62 } from '../auth/api-key-format.ts'
import { invalidModelPattern } from '../auth/key-access.ts'
import { LANES } from '../config/catalog-config.ts'
import type {
  ApiKeyRecord,
  LimitOverrides,
  Store,
  WorkspaceRecord,
  WorkspaceSettings,
} from '../storage/store.ts'

/** A failure the operator caused (unknown workspace, bad name…), safe to print as is. */
export class ServiceError extends Error {
  override name = 'ServiceError'
}

export interface CreatedApiKey {
  /** The full key: shown once, never stored. */
  key: string
  record: ApiKeyRecord
}

export interface WorkspaceService {
  createWorkspace(name: string): Promise<WorkspaceRecord>
  listWorkspaces(): Promise<WorkspaceRecord[]>
  /** By ID or name; a ServiceError naming it when there is none. */
  getWorkspace(idOrName: string): Promise<WorkspaceRecord>
  updateSettings(workspace: string, settings: Partial<WorkspaceSettings>): Promise<WorkspaceRecord>
  createApiKey(input: {
    workspace: string
    name: string
    expiresAt?: Date | undefined
    /** Lanes the key may use; omitted: every lane. */
    allowedLanes?: readonly string[] | undefined
    /** Model ID patterns (`*` wildcard); omitted: every model. */
    allowedModels?: readonly string[] | undefined
    /** May also call the management API. */
    management?: boolean | undefined
    /** The key's own limits (only ever stricter than its workspace's). */
    limits?: Partial<LimitOverrides> | undefined
  }): Promise<CreatedApiKey>
  listApiKeys(workspace?: string): Promise<ApiKeyRecord[]>
  revokeApiKey(keyId: string): Promise<ApiKeyRecord>
}

const NAME_PATTERN = /^[\w .@-]{1,200}$/u

export interface WorkspaceServiceOptions {
  /** Credited to every new workspace, nano-USD (`billing.signup_credit`). */
  signupCreditNano?: number
  now?: () => Date
}

export function createWorkspaceService(
  store: Store,
  options: WorkspaceServiceOptions = {},
): WorkspaceService {
  const now = options.now ?? (() => new Date())
  async function requireWorkspace(idOrName: string): Promise<WorkspaceRecord> {
    const workspace = await store.workspaces.find(idOrName)
    if (workspace === undefined) throw new ServiceError(`no workspace "${idOrName}"`)
    return workspace
  }

  return {
    async createWorkspace(name) {
      if (!NAME_PATTERN.test(name))
        throw new ServiceError('workspace name: 1-200 letters, digits, spaces, . _ @ -')
      if (await store.workspaces.find(name)) throw new ServiceError(`workspace "${name}" already exists`)
      const record: WorkspaceRecord = {
        id: `ws_${randomBase62(16)}`,
        name,
        createdAt: now().toISOString(),
        defaultLane: null,
        denyDataCollection: false,
        tier: null,
        limits: { rpm: null, tpm: null, concurrency: null },
        promptCache: true,
        suspended: false,
      }
      await store.workspaces.create(record)
      await store.ledger.open(record.id, record.createdAt)
      if ((options.signupCreditNano ?? 0) > 0) {
        await store.ledger.append([
          {
            id: `le_${randomBase62(16)}`,
            workspaceId: record.id,
            kind: 'adjustment',
            amountNano: options.signupCreditNano!,
            reason: 'signup credit',
            actor: 'system:signup',
            idempotencyKey: 'signup-credit',
            requestId: null,
            createdAt: record.createdAt,
          },
        ])
      }
      return record
    },
    async updateSettings(workspace, settings) {
      const owner = await requireWorkspace(workspace)
      await store.workspaces.updateSettings(owner.id, settings)
      return (await store.workspaces.find(owner.id))!
    },
    listWorkspaces: () => store.workspaces.list(),
    getWorkspace: requireWorkspace,
    async createApiKey({ workspace, name, expiresAt, allowedLanes, allowedModels, management, limits }) {
      for (const [field, value] of Object.entries(limits ?? {})) {
        if (value !== null && value !== undefined && (!Number.isSafeInteger(value) || value < 1))
          throw new ServiceError(`--${field}: a positive integer`)
      }
      if (!NAME_PATTERN.test(name)) throw new ServiceError('key name: 1-200 letters, digits, spaces, . _ @ -')
      for (const lane of allowedLanes ?? []) {
        if (!(LANES as readonly string[]).includes(lane))
          throw new ServiceError(`unknown lane "${lane}" (expected ${LANES.join(', ')})`)
      }
      if (allowedLanes !== undefined && allowedLanes.length === 0)
        throw new ServiceError('--lanes: name at least one lane')
      for (const pattern of allowedModels ?? []) {
        const problem = invalidModelPattern(pattern)
        if (problem !== undefined) throw new ServiceError(problem)
      }
      if (allowedModels !== undefined && allowedModels.length === 0)
        throw new ServiceError('--models: name at least one pattern')
      const owner = await requireWorkspace(workspace)
      const createdAt = now()
      if (expiresAt !== undefined && !(expiresAt.getTime() > createdAt.getTime())) {
        throw new ServiceError('expiry must be a valid time in the future')
      }
      const key = generateApiKey()
      const record: ApiKeyRecord = {
        id: `key_${randomBase62(16)}`,
        workspaceId: owner.id,
        name,
        prefix: displayPrefix(key),
        hash: hashApiKey(key),
        createdAt: createdAt.toISOString(),
        lastUsedAt: null,
        expiresAt: expiresAt?.toISOString() ?? null,
        revokedAt: null,
        allowedLanes: allowedLanes === undefined ? null : [...new Set(allowedLanes)],
        allowedModels: allowedModels === undefined ? null : [...new Set(allowedModels)],
        management: management === true,
        limits: {
          rpm: limits?.rpm ?? null,
          tpm: limits?.tpm ?? null,
          concurrency: limits?.concurrency ?? null,
        },
      }
      await store.apiKeys.create(record)
      return { key, record }
    },
    async listApiKeys(workspace) {
      return store.apiKeys.list(workspace === undefined ? undefined : (await requireWorkspace(workspace)).id)
    },
    async revokeApiKey(keyId) {
      const record = await store.apiKeys.find(keyId)
      if (record === undefined) throw new ServiceError(`no API key "${keyId}"`)
      if (record.revokedAt !== null)
        throw new ServiceError(`API key ${keyId} was already revoked at ${record.revokedAt}`)
      await store.apiKeys.revoke(record.id, now().toISOString())
      return (await store.apiKeys.find(record.id))!
    },
  }
}
