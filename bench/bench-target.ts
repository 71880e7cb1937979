/**
 * What the bench drives: a target (one server, or several sharing the load) and the load on it.
 *
 * @module
 */
import { generateLoad, type LoadResult } from './load-generator.ts'
import type { PgRedisServices } from './pg-redis-target.ts'
import type { Measurement } from './report.ts'

/** What the bench drives and measures: one or more servers (the load is split between them). */
export interface Target {
  name: string
  urls: string[]
  headers: Record<string, string>
  /** The processes whose CPU time a request costs (summed). */
  pids: number[]
  /** Their stdouts (where `--trace-gc` writes) and when each was started. */
  traces: { file: string; startedAt: number }[]
  /** PostgreSQL and Redis of a pg-redis target. */
  services?: PgRedisServices
  /** A SQLite gateway's database file: its WAL index and size go to the rounds log. */
  databaseFile?: string
}

/** The bench's request: a short chat completion, streamed or not. */
export function requestBody(mode: Measurement['mode']): string {
  return JSON.stringify({
    model: 'bench-model',
    messages: [{ role: 'user', content: 'Say hello in a short sentence, please.' }],
    max_tokens: 64,
    ...(mode === 'stream' ? { stream: true } : {}),
  })
}

/** Load on every url of `target` at once, `connections` split between them (at least one each). */
export function loadAll(
  target: Target,
  mode: Measurement['mode'],
  connections: number,
  durationMs: number,
): Promise<LoadResult[]> {
  const count = target.urls.length
  return Promise.all(
    target.urls.map((url, index) =>
      generateLoad({
        url,
        headers: { 'content-type': 'application/json', ...target.headers },
        body: requestBody(mode),
        connections: Math.max(Math.floor(connections / count) + (index < connections % count ? 1 : 0), 1),
        durationMs,
      }),
    ),
  )
}
