/**
 * Counts what the store sends to its database: every statement on SQLite, every query written to
 * a pooled connection on PostgreSQL (BEGIN and COMMIT included: a transaction of N statements is
 * N + 2 round trips). Each is counted as `request` when it runs on a request's path (from the
 * moment the HTTP handler starts until the response closed, `runOnRequestPath`) or `background`
 * otherwise (batched settlements and logs after the answer, timers, the console's reads are
 * `request` too: they are requests). `/metrics` shows the totals; tests and the bench divide them
 * by the requests served.
 *
 * @module
 * @see https://nodejs.org/api/async_context.html#class-asynclocalstorage
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { PostgresPool, PostgresPoolClient, SqliteDatabase, SqliteStatement } from 'kysely'
import type { Dialect } from './schema.ts'

export type StoragePath = 'request' | 'background'

/** A request's stay on the path: `active` turns false once its response closed. */
export interface RequestPathScope {
  active: boolean
}

const requestPath = new AsyncLocalStorage<RequestPathScope>()

/**
 * Runs a request's handler: storage work it (or anything it starts) does before the response
 * closes counts as `request`; what runs after, as `background` (settlements and logs).
 */
export function runOnRequestPath<T>(
  response: { once(event: 'close', listener: () => void): unknown },
  handler: () => T,
): T {
  const scope: RequestPathScope = { active: true }
  // Registered before the handler's own listeners: the scope ends before they settle the request.
  response.once('close', () => {
    scope.active = false
  })
  return requestPath.run(scope, handler)
}

/** Runs work a request starts but does not wait for (a background refresh): counted as `background`. */
export function runInBackground<T>(work: () => T): T {
  return requestPath.exit(work)
}

/** Where storage work started now counts. */
export function currentStoragePath(): StoragePath {
  return requestPath.getStore()?.active === true ? 'request' : 'background'
}

export type StatementListener = (sql: string, path: StoragePath) => void

/** The store's count of round trips (PostgreSQL) or statements (SQLite). */
export interface RoundTripCounter {
  readonly backend: Dialect
  /** Totals since the store opened. */
  totals(): Readonly<Record<StoragePath, number>>
  /** Hears of every statement as it is sent (tests and audits); returns the unsubscribe. */
  observe(listener: StatementListener): () => void
  /** Counts one statement (the drivers' wrappers call it). */
  count(sql: string): void
}

export function createRoundTripCounter(backend: Dialect): RoundTripCounter {
  const counts: Record<StoragePath, number> = { request: 0, background: 0 }
  const listeners = new Set<StatementListener>()
  return {
    backend,
    totals: () => ({ ...counts }),
    observe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    count(sql) {
      const path = currentStoragePath()
      counts[path]++
      if (listeners.size > 0) for (const listener of listeners) listener(sql, path)
    },
  }
}

/** A pool whose connections count each query they send. */
export function countingPool(pool: PostgresPool, counter: RoundTripCounter): PostgresPool {
  const counted = new WeakSet<PostgresPoolClient>()
  return {
    async connect() {
      const client = await pool.connect()
      if (!counted.has(client)) {
        counted.add(client)
        const query = client.query.bind(client) as (...args: unknown[]) => never
        const countingQuery = (...args: unknown[]) => {
          const first = args[0] as string | { text?: string } | undefined
          counter.count(typeof first === 'string' ? first : (first?.text ?? ''))
          return query(...args)
        }
        client.query = countingQuery as PostgresPoolClient['query']
      }
      return client
    },
    end: () => pool.end(),
  }
}

/** A SQLite database whose statements count each time they run. */
export function countingSqlite(database: SqliteDatabase, counter: RoundTripCounter): SqliteDatabase {
  const wrapped = new WeakMap<SqliteStatement, SqliteStatement>()
  return {
    close: () => database.close(),
    prepare(sql) {
      const statement = database.prepare(sql)
      let counting = wrapped.get(statement)
      if (counting === undefined) {
        counting = {
          reader: statement.reader,
          all: (parameters) => {
            counter.count(sql)
            return statement.all(parameters)
          },
          run: (parameters) => {
            counter.count(sql)
            return statement.run(parameters)
          },
          iterate: (parameters) => {
            counter.count(sql)
            return statement.iterate(parameters)
          },
        }
        wrapped.set(statement, counting)
      }
      return counting
    },
  }
}
