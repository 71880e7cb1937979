/**
 * Cached keys and settings follow changes across instances within a second, with the cache's
 * TTL set to an hour: two gateways on one PostgreSQL schema, each with its own store (its own
 * pool and LISTEN connection, as two processes have). A key revoked through A's API, by the CLI
 * (another process) or straight through another store; a workspace's lane changed; a spend
 * limit set: B follows within 1 s. A killed listening connection comes back and drops B's caches
 * (a revocation made while it was gone is not missed).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { createLogger } from '../../src/logging/logger.ts'
import { type RunningGateway, startGateway } from '../../src/server/start-gateway.ts'
import { createWorkspaceService } from '../../src/services/workspace-service.ts'
import { createStore } from '../../src/storage/create-store.ts'
import type { Store } from '../../src/storage/store.ts'
import { dropSchema, postgresSkipReason, TEST_POSTGRES_URL, uniqueSchemaName } from '../helpers/backends.ts'
import { onekeyCommand } from '../helpers/serve-process.ts'
import { offer, startTestGateway, type TestGateway, testConfig } from '../helpers/test-gateway.ts'

const skip = await postgresSkipReason()

const HOUR_MS = 3_600_000
/** How long B may take to follow a change. */
const WITHIN_MS = 1_000

describe('cache invalidation across two instances on PostgreSQL', { skip }, () => {
  const schema = uniqueSchemaName('invalidation')
  const directory = mkdtempSync(join(tmpdir(), 'onekey-invalidation-'))
  const configPath = join(directory, 'onekey.yaml')
  const document = {
    auth: { cache_ttl_ms: HOUR_MS },
    providers: [{ name: 'sim', kind: 'sim' }],
    models: [{ id: 'sim-echo', offers: [offer('sim')] }],
  }
  let storeA: Store
  let storeB: Store
  let other: Store
  let a: TestGateway
  let b: RunningGateway
  let admin: string
  let client: pg.Client

  before(async () => {
    const url = `${TEST_POSTGRES_URL}?schema=${schema}`
    storeA = await createStore({ kind: 'postgres', url })
    storeB = await createStore({ kind: 'postgres', url })
    other = await createStore({ kind: 'postgres', url })
    a = await startTestGateway({ ...document, storage: { url } }, {}, { store: storeA })
    b = await startGateway(testConfig({ ...document, storage: { url } }), {
      store: storeB,
      logger: createLogger({ level: 'silent' }),
    })
    admin = (await a.service.createApiKey({ workspace: a.workspaceId, name: 'admin', management: true })).key
    writeFileSync(
      configPath,
      [
        `storage: { url: "${url}" }`,
        'providers: [{ name: sim, kind: sim }]',
        'models: [{ id: sim-echo, offers: [{ lane: cheap, provider: sim, price: { input: 1, output: 2 } }] }]',
      ].join('\n'),
    )
    client = new pg.Client({ connectionString: TEST_POSTGRES_URL, options: `-c search_path=${schema}` })
    await client.connect()
  })
  after(async () => {
    await client?.end()
    await b?.close()
    await a?.close()
    await Promise.all([storeA, storeB, other].map((store) => store?.close()))
    await dropSchema(schema)
    rmSync(directory, { recursive: true, force: true })
  })

  const chatOnB = (key: string) =>
    fetch(`${b.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-echo', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 }),
    }).then(async (response) => ({ status: response.status, body: await response.text() }))

  const manage = (method: string, path: string, body?: unknown) =>
    fetch(`${a.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).then(async (response) => {
      assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.clone().text()}`)
      return response.json()
    })

  /** Polls B every 10 ms (bounded) until `refused` holds for its answer; returns how long it took. */
  async function msUntilRefused(key: string, refused: (status: number) => boolean): Promise<number> {
    const started = performance.now()
    for (let attempt = 0; attempt < 300; attempt++) {
      if (refused((await chatOnB(key)).status)) {
        const ms = performance.now() - started
        console.log(`# B followed after ${Math.round(ms)} ms`)
        return ms
      }
      await sleep(10)
    }
    throw new Error('B never followed the change (3 s and more)')
  }

  /** A fresh key of the test workspace, already cached (and served) by B. */
  async function keyCachedByB(name: string): Promise<{ id: string; key: string }> {
    const created = await a.service.createApiKey({ workspace: a.workspaceId, name })
    assert.equal((await chatOnB(created.key)).status, 200)
    return { id: created.record.id, key: created.key }
  }

  test("a key revoked through A's API is refused by B within a second", async () => {
    const { id, key } = await keyCachedByB('revoked-by-api')
    await manage('DELETE', `/api/v1/keys/${id}`)
    const ms = await msUntilRefused(key, (status) => status === 401)
    assert.ok(ms < WITHIN_MS, `B refused the key after ${Math.round(ms)} ms`)
  })

  test('a key revoked by the CLI (another process) is refused by B within a second', async () => {
    const { id, key } = await keyCachedByB('revoked-by-cli')
    const printed = await onekeyCommand(configPath)('key', 'revoke', id)
    assert.match(printed, /within about a second/)
    const ms = await msUntilRefused(key, (status) => status === 401)
    assert.ok(ms < WITHIN_MS, `B refused the key after ${Math.round(ms)} ms`)
  })

  test('a key revoked straight through another store (no gateway involved) is refused by B within a second', async () => {
    const { id, key } = await keyCachedByB('revoked-by-store')
    assert.equal(
      await createWorkspaceService(other)
        .revokeApiKey(id)
        .then((record) => record.id),
      id,
    )
    const ms = await msUntilRefused(key, (status) => status === 401)
    assert.ok(ms < WITHIN_MS, `B refused the key after ${Math.round(ms)} ms`)
  })

  test("a workspace's lane changed on A is applied by B within a second", async () => {
    const { key } = await keyCachedByB('lane')
    // `sim-echo` has only a cheap offer: on the resale lane B finds none.
    await manage('PATCH', '/api/v1/workspace', { default_lane: 'resale' })
    const ms = await msUntilRefused(key, (status) => status !== 200)
    assert.ok(ms < WITHIN_MS, `B applied the lane after ${Math.round(ms)} ms`)
    await manage('PATCH', '/api/v1/workspace', { default_lane: 'cheap' })
    const back = await msUntilRefused(key, (status) => status === 200)
    assert.ok(back < WITHIN_MS, `B applied the lane back after ${Math.round(back)} ms`)
  })

  test('a spend limit set on A is applied by B within a second', async () => {
    const { key } = await keyCachedByB('budget')
    // Below what one request holds: every request of the workspace is refused by the limit.
    await manage('PUT', '/api/v1/workspace/budget', { month: '0.000000001' })
    const ms = await msUntilRefused(key, (status) => status !== 200)
    assert.ok(ms < WITHIN_MS, `B applied the limit after ${Math.round(ms)} ms`)
    const refused = await chatOnB(key)
    assert.match(refused.body, /limit/i)
    await manage('PUT', '/api/v1/workspace/budget', { month: null })
    const back = await msUntilRefused(key, (status) => status === 200)
    assert.ok(back < WITHIN_MS, `B lifted the limit after ${Math.round(back)} ms`)
  })

  test("B's listening connection killed: it listens again and drops its caches, missing nothing", async () => {
    const { id, key } = await keyCachedByB('while-deaf')
    const before = storeB.changes.status()
    assert.equal(before.listening, true)
    assert.ok(before.backendPid !== null)
    // Waits (up to 1 s) until the backend is gone, then revokes while B cannot hear it.
    const { rows } = await client.query('select pg_terminate_backend($1, 1000) as done', [before.backendPid])
    assert.equal(rows[0].done, true)
    await client.query('update api_keys set revoked_at = $1 where id = $2', [new Date().toISOString(), id])
    const started = performance.now()
    for (
      let waited = 0;
      !storeB.changes.status().listening || storeB.changes.status().resets === before.resets;
      waited += 10
    ) {
      assert.ok(waited < 5_000, 'B listens again within 5 s')
      await sleep(10)
    }
    const after = storeB.changes.status()
    assert.notEqual(after.backendPid, before.backendPid)
    assert.equal(after.resets, before.resets + 1)
    // Its caches were dropped on resuming: the key revoked while it was deaf is refused.
    const ms = await msUntilRefused(key, (status) => status === 401)
    assert.ok(performance.now() - started < 5_000 && ms < WITHIN_MS)
    // And it hears changes again.
    const next = await keyCachedByB('after-reconnect')
    await manage('DELETE', `/api/v1/keys/${next.id}`)
    const heard = await msUntilRefused(next.key, (status) => status === 401)
    assert.ok(heard < WITHIN_MS, `B refused the key after ${Math.round(heard)} ms`)
  })
})
