/**
 * Table types as Kysely sees them. Timestamps are ISO-8601 strings in UTC on both engines
 * (they sort and compare the same way everywhere); IDs are prefixed random strings.
 *
 * @module
 */

export interface WorkspacesTable {
  id: string
  name: string
  created_at: string
}

export interface ApiKeysTable {
  id: string
  workspace_id: string
  name: string
  /** The first characters of the key, shown in lists and logs. */
  prefix: string
  /** SHA-256 of the whole key, hex. The key itself is never stored. */
  hash: string
  created_at: string
  last_used_at: string | null
  expires_at: string | null
  revoked_at: string | null
}

export interface DatabaseSchema {
  workspaces: WorkspacesTable
  api_keys: ApiKeysTable
}

export type Dialect = 'sqlite' | 'postgres'
