/**
 * The storage seam: one interface, one Kysely implementation behind it for SQLite (embedded
 * default) and PostgreSQL (scale-out). Services and the CLI talk to this, never to SQL.
 *
 * @module
 */
import type { Dialect } from './schema.ts'

export interface WorkspaceRecord {
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
}

export interface WorkspaceRepository {
  create(record: WorkspaceRecord): Promise<void>
  list(): Promise<WorkspaceRecord[]>
  /** By ID or by (unique) name. */
  find(idOrName: string): Promise<WorkspaceRecord | undefined>
}

export interface ApiKeyRepository {
  create(record: ApiKeyRecord): Promise<void>
  findByHash(hash: string): Promise<ApiKeyRecord | undefined>
  find(id: string): Promise<ApiKeyRecord | undefined>
  list(workspaceId?: string): Promise<ApiKeyRecord[]>
  /** Sets `revoked_at` once; returns false when the key does not exist or was already revoked. */
  revoke(id: string, at: string): Promise<boolean>
  /** Records last use for many keys in one round trip; later times win. */
  touch(lastUsed: ReadonlyMap<string, string>): Promise<void>
}

/** Everything the gateway persists. */
export interface Store {
  readonly dialect: Dialect
  readonly workspaces: WorkspaceRepository
  readonly apiKeys: ApiKeyRepository
  /** Applies pending migrations; safe to run concurrently from several instances. */
  migrate(): Promise<void>
  /** A cheap round trip, for readiness checks. */
  ping(): Promise<void>
  close(): Promise<void>
}
