/**
 * The contract every {@link Store} implementation must meet; run against SQLite always and
 * PostgreSQL in CI (undici's cacheStoreTests pattern).
 *
 * @module
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { ApiKeyRecord, Store } from '../../src/storage/store.ts'

export interface StoreContractOptions {
  skip?: string | false | (() => Promise<string | false>)
}

function apiKey(
  overrides: Partial<ApiKeyRecord> & Pick<ApiKeyRecord, 'id' | 'hash' | 'workspaceId'>,
): ApiKeyRecord {
  return {
    name: 'test',
    prefix: 'okm-sk-abcd',
    createdAt: '2026-11-22T10:00:00.000Z',
    lastUsedAt: null,
    expiresAt: null,
    revokedAt: null,
    ...overrides,
  }
}

export function describeStoreContract(
  name: string,
  makeStore: () => Promise<Store>,
  destroy: (store: Store) => Promise<void> = (store) => store.close(),
): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store
    before(async () => {
      store = await makeStore()
      await store.migrate()
    })
    after(async () => {
      if (store) await destroy(store)
    })

    test('migrate is idempotent and ping answers', async () => {
      await store.migrate()
      await store.ping()
    })

    test('workspaces: create, find by id or name, list in creation order', async () => {
      await store.workspaces.create({ id: 'ws_a', name: 'acme', createdAt: '2026-11-22T10:00:00.000Z' })
      await store.workspaces.create({ id: 'ws_b', name: 'beta', createdAt: '2026-11-22T11:00:00.000Z' })
      assert.deepEqual(await store.workspaces.find('ws_a'), {
        id: 'ws_a',
        name: 'acme',
        createdAt: '2026-11-22T10:00:00.000Z',
      })
      assert.equal((await store.workspaces.find('beta'))?.id, 'ws_b')
      assert.equal(await store.workspaces.find('nope'), undefined)
      assert.deepEqual(
        (await store.workspaces.list()).map((workspace) => workspace.id),
        ['ws_a', 'ws_b'],
      )
    })

    test('workspaces: names are unique', async () => {
      await assert.rejects(
        store.workspaces.create({ id: 'ws_c', name: 'acme', createdAt: '2026-11-22T12:00:00.000Z' }),
      )
    })

    test('api keys: create, find by hash and id, list per workspace', async () => {
      await store.apiKeys.create(
        apiKey({ id: 'key_1', hash: 'h1', workspaceId: 'ws_a', expiresAt: '2027-01-01T00:00:00.000Z' }),
      )
      await store.apiKeys.create(
        apiKey({ id: 'key_2', hash: 'h2', workspaceId: 'ws_b', createdAt: '2026-11-22T10:30:00.000Z' }),
      )
      const found = await store.apiKeys.findByHash('h1')
      assert.equal(found?.id, 'key_1')
      assert.equal(found?.expiresAt, '2027-01-01T00:00:00.000Z')
      assert.equal(found?.revokedAt, null)
      assert.equal((await store.apiKeys.find('key_2'))?.hash, 'h2')
      assert.equal(await store.apiKeys.findByHash('missing'), undefined)
      assert.deepEqual(
        (await store.apiKeys.list('ws_a')).map((key) => key.id),
        ['key_1'],
      )
      assert.deepEqual(
        (await store.apiKeys.list()).map((key) => key.id),
        ['key_1', 'key_2'],
      )
    })

    test('api keys: hashes are unique and the workspace must exist', async () => {
      await assert.rejects(store.apiKeys.create(apiKey({ id: 'key_3', hash: 'h1', workspaceId: 'ws_a' })))
      await assert.rejects(
        store.apiKeys.create(apiKey({ id: 'key_4', hash: 'h4', workspaceId: 'ws_missing' })),
      )
    })

    test('api keys: revoke happens once', async () => {
      assert.equal(await store.apiKeys.revoke('key_2', '2026-11-22T13:00:00.000Z'), true)
      assert.equal(await store.apiKeys.revoke('key_2', '2026-11-22T14:00:00.000Z'), false)
      assert.equal(await store.apiKeys.revoke('key_missing', '2026-11-22T14:00:00.000Z'), false)
      assert.equal((await store.apiKeys.find('key_2'))?.revokedAt, '2026-11-22T13:00:00.000Z')
    })

    test('api keys: touch records last use, later times win', async () => {
      await store.apiKeys.touch(new Map([['key_1', '2026-11-22T15:00:00.000Z']]))
      await store.apiKeys.touch(
        new Map([
          ['key_1', '2026-11-22T14:00:00.000Z'],
          ['key_2', '2026-11-22T16:00:00.000Z'],
        ]),
      )
      assert.equal((await store.apiKeys.find('key_1'))?.lastUsedAt, '2026-11-22T15:00:00.000Z')
      assert.equal((await store.apiKeys.find('key_2'))?.lastUsedAt, '2026-11-22T16:00:00.000Z')
      await store.apiKeys.touch(new Map())
    })
  })
}
