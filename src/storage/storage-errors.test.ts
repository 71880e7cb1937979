import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { createStore } from './create-store.ts'
import { maskUrl, StorageUnavailableError } from './storage-errors.ts'

/** A port on 127.0.0.1 that nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

test('maskUrl hides the password in the user info and in the query', () => {
  assert.equal(
    maskUrl('postgres://user:s3cret@db.example:5432/onekey'),
    'postgres://user:***@db.example:5432/onekey',
  )
  assert.equal(
    maskUrl('postgres://user@db/onekey?password=s3cret&sslmode=require'),
    'postgres://user@db/onekey?password=***&sslmode=require',
  )
  assert.equal(maskUrl('postgres://db/onekey'), 'postgres://db/onekey')
})

test('an unreachable PostgreSQL says which server, masks the password and says what to check', async () => {
  const port = await closedPort()
  const url = `postgres://onekey:hunter2-secret@127.0.0.1:${port}/onekey`
  const store = await createStore({ kind: 'postgres', url })
  try {
    const error = await store.migrate().then(
      () => assert.fail('migrate should fail'),
      (caught: unknown) => caught as Error,
    )
    assert.ok(error instanceof StorageUnavailableError, String(error))
    assert.match(error.message, new RegExp(`postgres://onekey:\\*\\*\\*@127\\.0\\.0\\.1:${port}/onekey`))
    assert.match(error.message, new RegExp(`host 127\\.0\\.0\\.1, port ${port}`))
    assert.match(error.message, /ECONNREFUSED/)
    assert.match(error.message, /is PostgreSQL running/)
    assert.match(error.message, /storage\.url/)
    assert.match(error.message, /firewall/)
    assert.doesNotMatch(error.message, /hunter2/)
    assert.doesNotMatch(error.message, /migration\s+failed/)
  } finally {
    await store.close()
  }
})

test('the schema-creating connection fails the same friendly way', async () => {
  const port = await closedPort()
  const url = `postgres://onekey:hunter2-secret@127.0.0.1:${port}/onekey?schema=test_schema`
  const error = await createStore({ kind: 'postgres', url }).then(
    () => assert.fail('createStore should fail'),
    (caught: unknown) => caught as Error,
  )
  assert.ok(error instanceof StorageUnavailableError, String(error))
  assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`))
  assert.doesNotMatch(error.message, /hunter2/)
})

test('a SQLite path whose directory cannot be created says which path and what to check', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'onekey-storage-errors-'))
  // A regular file where a directory should be: the missing directory cannot be created.
  writeFileSync(join(directory, 'not-a-directory'), '')
  const path = join(directory, 'not-a-directory', 'missing', 'onekey.db')
  const error = await createStore({ kind: 'sqlite', path }).then(
    () => assert.fail('createStore should fail'),
    (caught: unknown) => caught as Error,
  )
  assert.ok(error instanceof StorageUnavailableError, String(error))
  assert.ok(error.message.includes(path), error.message)
  assert.match(error.message, /ENOTDIR/)
  assert.match(error.message, /directory exist/)
  assert.match(error.message, /writable/)
  assert.match(error.message, /storage\.url/)
})
