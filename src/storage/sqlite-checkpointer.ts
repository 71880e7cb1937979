/**
 * SQLite WAL checkpoints on a worker thread. SQLite copies the write-ahead log into the database
 * file, and fsyncs both, inside whichever COMMIT crosses `wal_autocheckpoint`: on the gateway's
 * one thread, under load, that stalled every request for 100+ ms every few seconds. A worker
 * with its own connection checkpoints every `intervalMs` instead, in PASSIVE mode, which never
 * blocks a writer. The main connection keeps an automatic checkpoint as a backstop, at a WAL
 * ten times larger, should the worker fail.
 *
 * The worker is plain JavaScript evaluated from a string: a `.ts` worker would load the type
 * stripper into its isolate, for the sake of a dozen lines.
 *
 * @module
 * @see https://www.sqlite.org/wal.html#ckpt
 * @see https://www.sqlite.org/pragma.html#pragma_wal_checkpoint
 */
import { Worker } from 'node:worker_threads'

const WORKER_SOURCE = `
const { DatabaseSync } = require('node:sqlite')
const { parentPort, workerData } = require('node:worker_threads')
const database = new DatabaseSync(workerData.path)
database.exec('PRAGMA busy_timeout = 5000')
const checkpoint = database.prepare('PRAGMA wal_checkpoint(PASSIVE)')
let reportedAt = 0
const timer = setInterval(() => {
  try {
    checkpoint.get()
  } catch (error) {
    // The next tick tries again and the main connection's backstop remains; say so once a minute.
    if (Date.now() - reportedAt > 60000) {
      reportedAt = Date.now()
      parentPort.postMessage(String(error && error.message ? error.message : error))
    }
  }
}, workerData.intervalMs)
parentPort.on('message', () => {
  clearInterval(timer)
  database.close()
  parentPort.close()
})
`

export interface SqliteCheckpointer {
  /** Stops the worker (its connection closes); the main connection's close checkpoints last. */
  stop(): void
}

/**
 * Starts checkpointing the WAL of the database at `path` every `intervalMs` on a worker thread.
 * `onError` hears of a failing checkpoint (at most once a minute) or a worker that died; the
 * backstop checkpoints meanwhile.
 */
export function startSqliteCheckpointer(
  path: string,
  intervalMs: number,
  onError: (error: Error) => void = () => {},
): SqliteCheckpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { path, intervalMs },
    // A dozen lines of JavaScript need no more heap than this; the worker's ~12 MB resident is
    // mostly its Node environment.
    resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8, stackSizeMb: 1 },
    // None of the process's flags: with `--cpu-prof` the worker's profile overwrote the main
    // thread's (same file name).
    execArgv: [],
  })
  // Never keeps the process alive; a worker that fails leaves checkpoints to the backstop.
  worker.unref()
  let stopped = false
  worker.on('message', (message: string) => onError(new Error(`WAL checkpoint failed: ${message}`)))
  worker.on('error', (error) => onError(error))
  worker.on('exit', (code) => {
    if (!stopped && code !== 0) onError(new Error(`the WAL checkpoint worker exited with code ${code}`))
  })
  return {
    stop() {
      if (stopped) return
      stopped = true
      worker.postMessage('stop')
    },
  }
}
