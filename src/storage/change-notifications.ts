/**
 * The change-notification seam: every committed write that changes what an instance caches (an
 * API key, a workspace's settings, whether a spend limit applies, a BYOK credential) is told to
 * every instance on the same database, so caches can be trusted for long and dropped at once.
 *
 * The database itself publishes: triggers on `api_keys`, `workspaces`, `spend_budgets` and
 * `byok_credentials` (migration `…-change-notifications.ts` on PostgreSQL, `pg_notify` inside
 * the writing transaction, so a change is heard only once committed, whichever process made it:
 * a gateway, the CLI, an operator's SQL). On SQLite (one gateway per file) the server's own
 * connection carries temporary triggers, and a commit by another process (the CLI) is noticed
 * through `PRAGMA data_version` and drops every cache.
 *
 * A listener that may have missed changes (its connection was lost) is told `onReset` once it
 * listens again: it drops everything it cached.
 *
 * @module
 * @see https://www.postgresql.org/docs/current/sql-notify.html
 */
import type { QueryRunner } from './raw-statement.ts'

/** What changed; the payload every notification carries, as JSON. */
export type StorageChange =
  /** A key (by the SHA-256 of its secret) was created, changed, revoked or deleted. */
  | { kind: 'key'; keyHash: string }
  /** A workspace's settings, or whether a spend limit applies to it or one of its keys. */
  | { kind: 'workspace'; workspaceId: string }
  /** A BYOK credential of a workspace was stored, replaced or deleted. */
  | { kind: 'byok'; workspaceId: string; provider: string }
  /** Anything may have changed (published by hand, e.g. after a restore): drop every cache. */
  | { kind: 'all' }

export interface ChangeListener {
  /** A committed change (may arrive twice, or for a change that did not alter anything cached). */
  onChange(change: StorageChange): void
  /** Changes may have been missed (listening resumed after a lost connection): drop every cache. */
  onReset(): void
}

export interface ChangeNotificationStatus {
  /** Listening now (false while reconnecting, or before the first subscribe). */
  listening: boolean
  /** How many times listening resumed after a loss (each told `onReset`). */
  resets: number
  /** Notifications received and handed to listeners. */
  received: number
  /** PostgreSQL: the listening connection's backend PID (for operators and tests). */
  backendPid: number | null
}

export interface ChangeNotifications {
  /**
   * Adds a listener; the first one starts listening (resolves once the instance listens).
   * Returns the function that removes it.
   */
  subscribe(listener: ChangeListener): Promise<() => void>
  /**
   * Publishes a change through `runner` (a transaction: heard only if it commits). The triggers
   * already publish every change to keys, workspaces, limits and BYOK credentials; this is for
   * changes they cannot see.
   */
  publish(runner: QueryRunner, change: StorageChange): Promise<void>
  status(): ChangeNotificationStatus
  /** Stops listening. */
  close(): Promise<void>
}

/** The PostgreSQL channel of a schema's changes (schemas are separate deployments or test suites). */
export function changeChannel(schema: string): string {
  return `onekey_changes:${schema}`
}

/** Reads a notification's payload; undefined for anything not a change (ignored). */
export function parseChange(payload: string | undefined): StorageChange | undefined {
  if (payload === undefined) return undefined
  let value: unknown
  try {
    value = JSON.parse(payload)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const change = value as Record<string, unknown>
  const text = (field: string) => typeof change[field] === 'string' && change[field] !== ''
  if (change.kind === 'key' && text('keyHash')) return { kind: 'key', keyHash: change.keyHash as string }
  if (change.kind === 'workspace' && text('workspaceId'))
    return { kind: 'workspace', workspaceId: change.workspaceId as string }
  if (change.kind === 'byok' && text('workspaceId') && text('provider'))
    return { kind: 'byok', workspaceId: change.workspaceId as string, provider: change.provider as string }
  if (change.kind === 'all') return { kind: 'all' }
  return undefined
}

/** The listeners of one store, each shielded from the others' failures. */
export function createListenerSet(onListenerError: (error: unknown) => void) {
  const listeners = new Set<ChangeListener>()
  const each = (call: (listener: ChangeListener) => void) => {
    for (const listener of listeners) {
      try {
        call(listener)
      } catch (error) {
        onListenerError(error)
      }
    }
  }
  return {
    listeners,
    change(change: StorageChange) {
      if (change.kind === 'all') each((listener) => listener.onReset())
      else each((listener) => listener.onChange(change))
    },
    reset() {
      each((listener) => listener.onReset())
    },
  }
}
