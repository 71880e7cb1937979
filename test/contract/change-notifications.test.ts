/**
 * The change-notification seam (storage/change-notifications.ts) on SQLite and PostgreSQL: every
 * committed change to a key, a workspace, whether a spend limit applies, or a BYOK credential is
 * heard with the same payload; last-use times and limit counters are not; a lost listening
 * connection resumes and tells its listeners to drop everything.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { CompiledQuery } from 'kysely'
import pg from 'pg'
import type { StorageChange } from '../../src/storage/change-notifications.ts'
import { createStore } from '../../src/storage/create-store.ts'
import type { Store } from '../../src/storage/store.ts'
import { dropSchema, postgresSkipReason, TEST_POSTGRES_URL, uniqueSchemaName } from '../helpers/backends.ts'
import { apiKey } from './store-records.ts'

const AT = '2026-12-06T10:00:00.000Z'

/** What a listener heard, and a bounded wait for it. */
function recorder() {
  const heard: StorageChange[] = []
  let resets = 0
  return {
    heard,
    resets: () => resets,
    listener: {
      onChange: (change: StorageChange) => heard.push(change),
      onReset: () => {
        resets++
      },
    },
    async waitFor(predicate: () => boolean, what: string, timeoutMs = 2_000): Promise<void> {
      const deadline = performance.now() + timeoutMs
      while (!predicate()) {
        if (performance.now() > deadline) throw new Error(`not heard within ${timeoutMs} ms: ${what}`)
        await sleep(10)
      }
    },
  }
}

/** Lets notifications of a change that should not publish arrive, if they were going to. */
const settle = () => sleep(150)

function describeChangeContract(
  name: string,
  open: () => Promise<{ listening: Store; writer: Store; cleanup: () => Promise<void> }>,
) {
  describe(`change notifications: ${name}`, () => {
    let listening: Store
    let writer: Store
    let cleanup: () => Promise<void>
    const heard = recorder()
    before(async () => {
      ;({ listening, writer, cleanup } = await open())
      await listening.changes.subscribe(heard.listener)
      await listening.workspaces.create({ id: 'ws_n', name: 'notified', createdAt: AT })
      await listening.ledger.open('ws_n', AT)
    })
    after(() => cleanup())

    test('a key created, changed and revoked is heard by its hash; its last use is not', async () => {
      const store = writer
      await store.apiKeys.create(apiKey({ id: 'key_n', hash: 'hash_n', workspaceId: 'ws_n' }))
      await heard.waitFor(
        () => heard.heard.some((change) => change.kind === 'key' && change.keyHash === 'hash_n'),
        'key created',
      )
      heard.heard.length = 0
      await store.apiKeys.touch(new Map([['key_n', AT]]))
      await settle()
      assert.deepEqual(heard.heard, [], 'a last-use time publishes nothing')
      assert.equal(await store.apiKeys.revoke('key_n', AT), true)
      await heard.waitFor(() => heard.heard.length > 0, 'key revoked')
      assert.deepEqual(heard.heard, [{ kind: 'key', keyHash: 'hash_n' }])
      heard.heard.length = 0
    })

    test('workspace settings and spend limits are heard as a workspace change', async () => {
      await writer.workspaces.updateSettings('ws_n', { denyDataCollection: true })
      await heard.waitFor(() => heard.heard.length > 0, 'settings changed')
      assert.deepEqual(heard.heard, [{ kind: 'workspace', workspaceId: 'ws_n' }])
      heard.heard.length = 0
      const limits = { total: 1_000_000, day: null, week: null, month: null }
      await writer.budgets.set({ scope: 'workspace', scopeId: 'ws_n', workspaceId: 'ws_n', limits, at: AT })
      await heard.waitFor(() => heard.heard.length > 0, 'limit set')
      assert.ok(heard.heard.every((change) => change.kind === 'workspace' && change.workspaceId === 'ws_n'))
      heard.heard.length = 0
      // Changing the amount of a limit already active does not change whether one applies.
      await writer.budgets.set({
        scope: 'workspace',
        scopeId: 'ws_n',
        workspaceId: 'ws_n',
        limits: { ...limits, total: 2_000_000 },
        at: AT,
      })
      await settle()
      assert.deepEqual(heard.heard, [])
      const none = { total: null, day: null, week: null, month: null }
      await writer.budgets.set({
        scope: 'workspace',
        scopeId: 'ws_n',
        workspaceId: 'ws_n',
        limits: none,
        at: AT,
      })
      await heard.waitFor(() => heard.heard.length > 0, 'limit cleared')
      assert.deepEqual(heard.heard, [{ kind: 'workspace', workspaceId: 'ws_n' }])
      heard.heard.length = 0
    })

    test('a BYOK credential stored and deleted is heard with its provider', async () => {
      const record = {
        workspaceId: 'ws_n',
        provider: 'openai',
        ciphertext: 'v1.x',
        keyId: 'k1',
        hint: 'sk-…abcd',
        createdAt: AT,
        updatedAt: AT,
      }
      await writer.byokCredentials.put(record)
      await heard.waitFor(() => heard.heard.length > 0, 'credential stored')
      assert.deepEqual(heard.heard, [{ kind: 'byok', workspaceId: 'ws_n', provider: 'openai' }])
      heard.heard.length = 0
      assert.equal(await writer.byokCredentials.delete('ws_n', 'openai'), true)
      await heard.waitFor(() => heard.heard.length > 0, 'credential deleted')
      assert.deepEqual(heard.heard, [{ kind: 'byok', workspaceId: 'ws_n', provider: 'openai' }])
      heard.heard.length = 0
    })
  })
}

const directory = mkdtempSync(join(tmpdir(), 'onekey-changes-'))
after(() => rmSync(directory, { recursive: true, force: true }))

describeChangeContract("sqlite (the server's connection hears its own writes)", async () => {
  const store = await createStore({ kind: 'sqlite', path: join(directory, 'changes.db') })
  await store.migrate()
  return { listening: store, writer: store, cleanup: () => store.close() }
})

describe('change notifications: sqlite, another process writes the file', () => {
  test('a commit by another connection (the CLI) resets the listeners within a second', async () => {
    const path = join(directory, 'shared.db')
    const server = await createStore({ kind: 'sqlite', path }, { sqliteCheckpointMs: 100 })
    await server.migrate()
    const cli = await createStore({ kind: 'sqlite', path })
    try {
      const heard = recorder()
      await server.changes.subscribe(heard.listener)
      await server.workspaces.create({ id: 'ws_s', name: 'shared', createdAt: AT })
      // Its own writes and the background checkpoints (another connection) do not reset.
      for (let index = 0; index < 20; index++) {
        await server.workspaces.updateSettings('ws_s', { tier: `t${index}` })
        await sleep(40)
      }
      await sleep(600)
      assert.equal(heard.resets(), 0, 'no reset without another writer')
      const started = performance.now()
      await cli.workspaces.updateSettings('ws_s', { tier: 'big' })
      await heard.waitFor(() => heard.resets() > 0, 'reset after the CLI wrote', 1_000)
      assert.ok(performance.now() - started < 1_000)
      assert.equal(server.changes.status().resets, 1)
    } finally {
      await cli.close()
      await server.close()
    }
  })
})

const skipPostgres = await postgresSkipReason()
if (skipPostgres === false) {
  const schema = uniqueSchemaName('changes')
  describeChangeContract('postgres (another process writes)', async () => {
    const listening = await createStore({ kind: 'postgres', url: TEST_POSTGRES_URL }, { schema })
    await listening.migrate()
    const writer = await createStore({ kind: 'postgres', url: TEST_POSTGRES_URL }, { schema })
    return {
      listening,
      writer,
      cleanup: async () => {
        await writer.close()
        await listening.close()
        await dropSchema(schema)
      },
    }
  })

  describe('change notifications: postgres transactions and lost connections', () => {
    const name = uniqueSchemaName('changes_tx')
    let store: Store
    let client: pg.Client
    const heard = recorder()
    before(async () => {
      store = await createStore({ kind: 'postgres', url: TEST_POSTGRES_URL }, { schema: name })
      await store.migrate()
      await store.changes.subscribe(heard.listener)
      await store.workspaces.create({ id: 'ws_t', name: 'tx', createdAt: AT })
      client = new pg.Client({ connectionString: TEST_POSTGRES_URL, options: `-c search_path=${name}` })
      await client.connect()
    })
    after(async () => {
      await client.end()
      await store.close()
      await dropSchema(name)
    })
    const runner = () => ({
      executeQuery: (query: CompiledQuery) =>
        client.query(query.sql, [...query.parameters]) as Promise<never>,
    })

    test('a change is heard only once its transaction commits, and never if it rolls back', async () => {
      await client.query('begin')
      await client.query(`update workspaces set deny_data_collection = 1 where id = 'ws_t'`)
      await store.changes.publish(runner(), { kind: 'byok', workspaceId: 'ws_t', provider: 'p' })
      await settle()
      assert.deepEqual(heard.heard, [], 'nothing before COMMIT')
      await client.query('commit')
      await heard.waitFor(() => heard.heard.length >= 2, 'committed changes')
      assert.deepEqual(
        [...(heard.heard as StorageChange[])].sort((a, b) => a.kind.localeCompare(b.kind)),
        [
          { kind: 'byok', workspaceId: 'ws_t', provider: 'p' },
          { kind: 'workspace', workspaceId: 'ws_t' },
        ],
      )
      heard.heard.length = 0
      await client.query('begin')
      await client.query(`update workspaces set tier = 'big' where id = 'ws_t'`)
      await client.query('rollback')
      await settle()
      assert.deepEqual(heard.heard, [], 'a rolled-back change is never heard')
      const resets = heard.resets()
      await store.changes.publish(runner(), { kind: 'all' })
      await heard.waitFor(() => heard.resets() > resets, '"all" resets')
    })

    test('spend-limit counters moving publish nothing', async () => {
      const limits = { total: 1_000_000, day: null, week: null, month: null }
      await store.budgets.set({ scope: 'workspace', scopeId: 'ws_t', workspaceId: 'ws_t', limits, at: AT })
      await heard.waitFor(() => heard.heard.length > 0, 'limit set')
      heard.heard.length = 0
      await client.query(
        `update spend_budgets set held_nano = held_nano + 5, total_spent_nano = total_spent_nano + 5`,
      )
      await settle()
      assert.deepEqual(heard.heard, [])
    })

    test('a killed listening connection resumes within a bounded time and resets its listeners', async () => {
      const pid = store.changes.status().backendPid
      assert.ok(pid !== null && pid > 0)
      const resetsBefore = heard.resets()
      const { rows } = await client.query('select pg_terminate_backend($1) as done', [pid])
      assert.equal(rows[0].done, true)
      await heard.waitFor(() => heard.resets() > resetsBefore, 'reset after reconnect', 5_000)
      const status = store.changes.status()
      assert.equal(status.listening, true)
      assert.notEqual(status.backendPid, pid)
      assert.equal(status.resets, 1)
      heard.heard.length = 0
      await store.workspaces.updateSettings('ws_t', { promptCache: false })
      await heard.waitFor(() => heard.heard.length > 0, 'a change after the reconnect')
      assert.deepEqual(heard.heard, [{ kind: 'workspace', workspaceId: 'ws_t' }])
    })
  })
}
