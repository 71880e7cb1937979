import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { openNodeSqliteDatabase } from './node-sqlite-database.ts'
import { startSqliteCheckpointer } from './sqlite-checkpointer.ts'

/** Writes ~2 MB in a few transactions: under the automatic checkpoint's threshold, so it stays in the WAL. */
function write(database: ReturnType<typeof openNodeSqliteDatabase>): void {
  database.prepare('create table rows (id integer primary key, payload text not null)').run([])
  const insert = database.prepare('insert into rows (payload) values (?)')
  for (let batch = 0; batch < 4; batch++) {
    database.prepare('begin').run([])
    for (let row = 0; row < 500; row++) insert.run(['x'.repeat(1_000)])
    database.prepare('commit').run([])
  }
}

/** Runs `body` in a fresh temporary directory, removed afterwards. */
async function inTemporaryDirectory(body: (directory: string) => Promise<void>): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'onekey-checkpoint-'))
  try {
    await body(directory)
  } finally {
    // A worker that just stopped may still be closing its files (-wal, -shm): retry, bounded.
    rmSync(directory, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 })
  }
}

async function databaseFileGrows(path: string, beyondBytes: number, withinMs: number): Promise<boolean> {
  for (let waited = 0; waited < withinMs; waited += 25) {
    if (statSync(path).size > beyondBytes) return true
    await sleep(25)
  }
  return false
}

test('a worker thread copies the WAL into the database file; without it the WAL keeps the writes', () =>
  inTemporaryDirectory(async (directory) => {
    const withWorker = join(directory, 'worker.db')
    const database = openNodeSqliteDatabase(withWorker, { backgroundCheckpointMs: 20 })
    write(database)
    assert.ok(statSync(`${withWorker}-wal`).size > 1_000_000, 'the writes went to the WAL')
    assert.equal(await databaseFileGrows(withWorker, 1_000_000, 5_000), true, 'checkpointed by the worker')
    database.close()

    const withoutWorker = join(directory, 'plain.db')
    const plain = openNodeSqliteDatabase(withoutWorker)
    write(plain)
    assert.equal(await databaseFileGrows(withoutWorker, 1_000_000, 300), false, 'nothing checkpoints it')
    plain.close()
    assert.ok(statSync(withoutWorker).size > 1_000_000, 'closing checkpoints what is left')
  }))

test('closing stops the worker, and a closed database reopens with every row', () =>
  inTemporaryDirectory(async (directory) => {
    const path = join(directory, 'reopen.db')
    const database = openNodeSqliteDatabase(path, { backgroundCheckpointMs: 10 })
    write(database)
    await sleep(50)
    database.close()
    const again = openNodeSqliteDatabase(path)
    const [row] = again.prepare('select count(*) as count from rows').all([]) as { count: number }[]
    assert.equal(row?.count, 2_000)
    again.close()
  }))

test('a worker that cannot open the database says so', async () => {
  const errors: Error[] = []
  const checkpointer = startSqliteCheckpointer(
    join(tmpdir(), 'onekey-missing-dir', 'x', 'none.db'),
    10,
    (error) => errors.push(error),
  )
  for (let waited = 0; waited < 5_000 && errors.length === 0; waited += 25) await sleep(25)
  checkpointer.stop()
  assert.ok(errors.length > 0, 'the failure was reported')
  assert.match(errors[0]!.message, /unable to open|exited/)
})
