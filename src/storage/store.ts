/**
 * The storage seam: one interface, one Kysely implementation behind it for SQLite (embedded
 * default) and PostgreSQL (scale-out). Services and the CLI talk to this, never to SQL.
 *
 * @module
 */
import type { Dialect } from './schema.ts'

export type WorkspaceLane = 'cheap' | 'resale'

export interface WorkspaceSettings {
  /** The lane of plain model IDs; null: the config default. */
  defaultLane: WorkspaceLane | null
  /** Skip offers that retain prompts or train on them, on every lane. */
  denyDataCollection: boolean
}

export interface WorkspaceRecord extends WorkspaceSettings {
  id: string
  name: string
  createdAt: string
}

export interface ApiKeyRecord {
  id: string
  workspaceId: string
  name: string
  prefix: string
  hash: string
  createdAt: string
  lastUsedAt: string | null
  expiresAt: string | null
  revokedAt: string | null
  /** Lanes the key may use; null: every lane. */
  allowedLanes: string[] | null
  /** Model ID patterns (`*` wildcard) the key may use; null: every model. */
  allowedModels: string[] | null
  /** May call the management API for its workspace. */
  management: boolean
}

/** A stored BYOK credential: ciphertext and display hint, never the key itself. */
export interface ByokCredentialRecord {
  workspaceId: string
  provider: string
  ciphertext: string
  keyId: string
  hint: string
  createdAt: string
  updatedAt: string
}

export interface WorkspaceRepository {
  create(record: Omit<WorkspaceRecord, keyof WorkspaceSettings> & Partial<WorkspaceSettings>): Promise<void>
  /** Changes the given settings; returns false for an unknown workspace. */
  updateSettings(id: string, settings: Partial<WorkspaceSettings>): Promise<boolean>
  list(): Promise<WorkspaceRecord[]>
  /** By ID or by (unique) name. */
  find(idOrName: string): Promise<WorkspaceRecord | undefined>
}

export interface ApiKeyRepository {
  create(record: ApiKeyRecord): Promise<void>
  /** The key and its workspace in one round trip (authentication reads both). */
  findByHash(hash: string): Promise<{ key: ApiKeyRecord; workspace: WorkspaceRecord } | undefined>
  find(id: string): Promise<ApiKeyRecord | undefined>
  list(workspaceId?: string): Promise<ApiKeyRecord[]>
  /** Sets `revoked_at` once; returns false when the key does not exist or was already revoked. */
  revoke(id: string, at: string): Promise<boolean>
  /** Records last use for many keys in one round trip; later times win. */
  touch(lastUsed: ReadonlyMap<string, string>): Promise<void>
}

export interface ByokCredentialRepository {
  /** Inserts or replaces the workspace's credential for a provider. */
  put(record: ByokCredentialRecord): Promise<void>
  find(workspaceId: string, provider: string): Promise<ByokCredentialRecord | undefined>
  list(workspaceId: string): Promise<ByokCredentialRecord[]>
  delete(workspaceId: string, provider: string): Promise<boolean>
  /** How many credentials each master key encrypted. */
  countByKeyId(): Promise<Map<string, number>>
  /** Every credential not encrypted with `keyId`, for re-encryption. */
  listNotEncryptedWith(keyId: string): Promise<ByokCredentialRecord[]>
  /** Replaces a ciphertext only if it is still the one that was read (safe against concurrent writes). */
  replaceCiphertext(record: ByokCredentialRecord, previousCiphertext: string): Promise<boolean>
}

/** Everything the gateway persists. */
export interface Store {
  readonly dialect: Dialect
  readonly workspaces: WorkspaceRepository
  readonly apiKeys: ApiKeyRepository
  readonly byokCredentials: ByokCredentialRepository
  /** Applies pending migrations; safe to run concurrently from several instances. */
  migrate(): Promise<void>
  /** A cheap round trip, for readiness checks. */
  ping(): Promise<void>
  close(): Promise<void>
}
