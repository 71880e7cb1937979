/**
 * Change notifications on SQLite, where one gateway serves a file: the server's connection gets
 * temporary triggers (they live and die with it, nothing is stored in the file) that call the
 * SQL function `onekey_notify_change(payload)`, registered on that connection, for every change
 * to keys, workspaces, limits' `active` flag and BYOK credentials; the payloads are the same JSON
 * as PostgreSQL's. Another process (the CLI) writing the same file has no such triggers: its
 * commits are noticed through `PRAGMA data_version` (read every `pollMs`), and drop every cache.
 *
 * A trigger runs inside the writing statement, before its transaction commits; listeners only
 * drop cache entries, and the next read queues behind the transaction on the one connection, so
 * it sees the committed row (a rolled-back change only costs a re-read).
 *
 * @module
 * @see https://www.sqlite.org/lang_createtrigger.html
 * @see https://www.sqlite.org/pragma.html#pragma_data_version
 */
import { type Kysely, sql } from 'kysely'
import {
  type ChangeListener,
  type ChangeNotificationStatus,
  type ChangeNotifications,
  createListenerSet,
  parseChange,
} from './change-notifications.ts'
import { rawStatement } from './raw-statement.ts'
import type { DatabaseSchema } from './schema.ts'

/** The SQL function the temporary triggers call. */
export const SQLITE_NOTIFY_FUNCTION = 'onekey_notify_change'

export interface SqliteChangeNotifications extends ChangeNotifications {
  /** What `onekey_notify_change(payload)` calls (registered on the connection when it opens). */
  deliver(payload: unknown): null
}

export interface SqliteChangeOptions {
  db: () => Kysely<DatabaseSchema>
  /** How often another process's commits are looked for, ms. */
  pollMs?: number
  onError?: (error: unknown) => void
}

const payload = (fields: string) => `${SQLITE_NOTIFY_FUNCTION}(json_object(${fields}))`
const KEY = payload(`'kind', 'key', 'keyHash', row.hash`)
const WORKSPACE = payload(`'kind', 'workspace', 'workspaceId', row.id`)
const BUDGET = payload(`'kind', 'workspace', 'workspaceId', row.workspace_id`)
const BYOK = payload(`'kind', 'byok', 'workspaceId', row.workspace_id, 'provider', row.provider`)

function trigger(
  name: string,
  event: string,
  table: string,
  call: string,
  row: 'new' | 'old',
  when = '',
): string {
  return `create temp trigger if not exists onekey_${name} after ${event} on main.${table} for each row${when}
    begin select ${call.replaceAll('row.', `${row}.`)}; end`
}

export function createSqliteChangeNotifications(options: SqliteChangeOptions): SqliteChangeNotifications {
  const onError = options.onError ?? (() => {})
  const set = createListenerSet(onError)
  const status: ChangeNotificationStatus = { listening: false, resets: 0, received: 0, backendPid: null }
  let starting: Promise<void> | undefined
  let pollTimer: NodeJS.Timeout | undefined
  let dataVersion: number | undefined
  const notify = rawStatement('sqlite', `select ${SQLITE_NOTIFY_FUNCTION}(?)`)

  async function readDataVersion(): Promise<number> {
    const { rows } = await sql<{ data_version: number }>`pragma data_version`.execute(options.db())
    return Number(rows[0]?.data_version)
  }

  async function start(): Promise<void> {
    const db = options.db()
    // Every column but the last-use time (written every few seconds by `touch`).
    const { rows } = await sql<{ name: string }>`select name from pragma_table_info('api_keys')`.execute(db)
    const keyColumns = rows.map((row) => row.name).filter((name) => name !== 'last_used_at')
    const statements = [
      trigger('api_keys_inserted', 'insert', 'api_keys', KEY, 'new'),
      trigger('api_keys_deleted', 'delete', 'api_keys', KEY, 'old'),
      trigger('api_keys_updated', `update of ${keyColumns.join(', ')}`, 'api_keys', KEY, 'new'),
      trigger('api_keys_rehashed', 'update of hash', 'api_keys', KEY, 'old'),
      trigger('workspaces_updated', 'update', 'workspaces', WORKSPACE, 'new'),
      trigger('workspaces_deleted', 'delete', 'workspaces', WORKSPACE, 'old'),
      trigger('spend_budgets_inserted', 'insert', 'spend_budgets', BUDGET, 'new'),
      trigger('spend_budgets_deleted', 'delete', 'spend_budgets', BUDGET, 'old'),
      trigger(
        'spend_budgets_updated',
        'update of active',
        'spend_budgets',
        BUDGET,
        'new',
        ' when old.active is not new.active',
      ),
      trigger('byok_inserted', 'insert', 'byok_credentials', BYOK, 'new'),
      trigger('byok_updated', 'update', 'byok_credentials', BYOK, 'new'),
      trigger('byok_deleted', 'delete', 'byok_credentials', BYOK, 'old'),
    ]
    for (const statement of statements) await sql.raw(statement).execute(db)
    dataVersion = await readDataVersion()
    if (options.pollMs !== 0) {
      pollTimer = setInterval(() => {
        readDataVersion()
          .then((version) => {
            if (version === dataVersion) return
            // Another process committed: what it changed is unknown, so every cache starts over.
            dataVersion = version
            status.resets++
            set.reset()
          })
          .catch(onError)
      }, options.pollMs ?? 500)
      pollTimer.unref()
    }
    status.listening = true
  }

  return {
    deliver(value) {
      const change = parseChange(typeof value === 'string' ? value : undefined)
      if (change === undefined) return null
      // Never inside SQLite's call: a listener's work must not run within the writing statement.
      queueMicrotask(() => {
        status.received++
        set.change(change)
      })
      return null
    },
    async subscribe(listener: ChangeListener) {
      set.listeners.add(listener)
      starting ??= start()
      await starting
      return () => {
        set.listeners.delete(listener)
      }
    },
    async publish(runner, change) {
      await notify(runner, [JSON.stringify(change)])
    },
    status: () => ({ ...status }),
    async close() {
      if (pollTimer !== undefined) clearInterval(pollTimer)
      pollTimer = undefined
      status.listening = false
    },
  }
}
