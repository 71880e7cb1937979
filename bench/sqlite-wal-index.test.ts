import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { test } from 'node:test'
import { parseWalIndex, readWalIndex } from './sqlite-wal-index.ts'

test('frames in the log and frames checkpointed, read from a real database', () => {
  const directory = mkdtempSync(join(tmpdir(), 'onekey-wal-'))
  const path = join(directory, 'test.db')
  const database = new DatabaseSync(path)
  try {
    database.exec('PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; create table t (v text)')
    const insert = database.prepare('insert into t values (?)')
    for (let row = 0; row < 200; row++) insert.run('x'.repeat(500))
    const written = readWalIndex(path)
    assert.ok(written !== undefined && written.frames > 20, `frames: ${written?.frames}`)
    assert.equal(written.backfilled, 0)
    const [result] = database.prepare('PRAGMA wal_checkpoint(PASSIVE)').all() as {
      log: number
      checkpointed: number
    }[]
    assert.deepEqual(readWalIndex(path), { frames: result!.log, backfilled: result!.checkpointed })
    assert.equal(result!.checkpointed, written.frames)
    // The next write restarts the log: every frame was copied and nobody reads the old ones.
    insert.run('y')
    assert.ok(readWalIndex(path)!.frames < written.frames)
  } finally {
    database.close()
    rmSync(directory, { recursive: true, force: true })
  }
  assert.equal(readWalIndex(path), undefined)
  assert.throws(() => parseWalIndex(Buffer.alloc(10)))
})
