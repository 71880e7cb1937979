/**
 * The Store contract's accounts part: workspaces, API keys and BYOK credentials. Runs first in
 * `describeStoreContract` (after the migrate test); the workspaces (`ws_a`, `ws_b`) and the key
 * `key_1` written here are used by the later parts.
 *
 * @module
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Store } from '../../src/storage/store.ts'
import { apiKey } from './store-records.ts'

/** Registers the accounts tests, in order, against the suite's one store. */
export function storeAccountsContract(getStore: () => Store): void {
  test('workspaces: create, find by id or name, list in creation order', async () => {
    const store = getStore()
    await store.workspaces.create({ id: 'ws_a', name: 'acme', createdAt: '2026-11-22T10:00:00.000Z' })
    await store.workspaces.create({ id: 'ws_b', name: 'beta', createdAt: '2026-11-22T11:00:00.000Z' })
    assert.deepEqual(await store.workspaces.find('ws_a'), {
      id: 'ws_a',
      name: 'acme',
      createdAt: '2026-11-22T10:00:00.000Z',
      defaultLane: null,
      denyDataCollection: false,
      tier: null,
      limits: { rpm: null, tpm: null, concurrency: null },
      promptCache: true,
      suspended: false,
    })
    assert.equal((await store.workspaces.find('beta'))?.id, 'ws_b')
    assert.equal(await store.workspaces.find('nope'), undefined)
    assert.deepEqual(
      (await store.workspaces.list()).map((workspace) => workspace.id),
      ['ws_a', 'ws_b'],
    )
  })

  test('workspaces: names are unique', async () => {
    const store = getStore()
    await assert.rejects(
      store.workspaces.create({ id: 'ws_c', name: 'acme', createdAt: '2026-11-22T12:00:00.000Z' }),
    )
  })

  test('api keys: create, find by hash and id, list per workspace', async () => {
    const store = getStore()
    await store.apiKeys.create(
      apiKey({ id: 'key_1', hash: 'h1', workspaceId: 'ws_a', expiresAt: '2027-01-01T00:00:00.000Z' }),
    )
    await store.apiKeys.create(
      apiKey({ id: 'key_2', hash: 'h2', workspaceId: 'ws_b', createdAt: '2026-11-22T10:30:00.000Z' }),
    )
    const found = await store.apiKeys.findByHash('h1')
    assert.equal(found?.key.id, 'key_1')
    assert.equal(found?.key.expiresAt, '2027-01-01T00:00:00.000Z')
    assert.equal(found?.key.revokedAt, null)
    assert.equal(found?.workspace.name, 'acme', 'the workspace comes with the key')
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

  test('api keys: lane and model restrictions and the management flag round-trip', async () => {
    const store = getStore()
    await store.apiKeys.create(
      apiKey({
        id: 'key_r',
        hash: 'hr',
        workspaceId: 'ws_b',
        allowedLanes: ['cheap', 'byok'],
        allowedModels: ['gpt-4o*', 'cheap/*'],
        management: true,
      }),
    )
    const found = (await store.apiKeys.findByHash('hr'))!.key
    assert.deepEqual(found.allowedLanes, ['cheap', 'byok'])
    assert.deepEqual(found.allowedModels, ['gpt-4o*', 'cheap/*'])
    assert.equal(found.management, true)
    assert.equal((await store.apiKeys.find('key_1'))!.management, false)
  })

  test('workspaces: settings update and show through the key lookup', async () => {
    const store = getStore()
    assert.equal(
      await store.workspaces.updateSettings('ws_b', { defaultLane: 'resale', denyDataCollection: true }),
      true,
    )
    const found = (await store.apiKeys.findByHash('hr'))!.workspace
    assert.equal(found.defaultLane, 'resale')
    assert.equal(found.denyDataCollection, true)
    await store.workspaces.updateSettings('ws_b', { denyDataCollection: false })
    assert.equal((await store.workspaces.find('ws_b'))!.defaultLane, 'resale', 'untouched settings stay')
    assert.equal((await store.workspaces.find('ws_b'))!.denyDataCollection, false)
    assert.equal(await store.workspaces.updateSettings('ws_missing', { defaultLane: 'cheap' }), false)
  })

  test('byok credentials: upsert per workspace and provider, list, count by key, conditional replace, delete', async () => {
    const store = getStore()
    const record = {
      workspaceId: 'ws_a',
      provider: 'openai',
      ciphertext: 'v1.k1.aaa',
      keyId: 'k1',
      hint: 'sk-…abcd',
      createdAt: '2026-11-22T10:00:00.000Z',
      updatedAt: '2026-11-22T10:00:00.000Z',
    }
    await store.byokCredentials.put(record)
    await store.byokCredentials.put({
      ...record,
      provider: 'anthropic',
      ciphertext: 'v1.k2.bbb',
      keyId: 'k2',
    })
    await store.byokCredentials.put({
      ...record,
      ciphertext: 'v1.k1.ccc',
      updatedAt: '2026-11-22T11:00:00.000Z',
    })
    assert.deepEqual(
      (await store.byokCredentials.list('ws_a')).map((item) => [item.provider, item.ciphertext]),
      [
        ['anthropic', 'v1.k2.bbb'],
        ['openai', 'v1.k1.ccc'],
      ],
    )
    assert.deepEqual(await store.byokCredentials.list('ws_b'), [])
    assert.deepEqual(Object.fromEntries(await store.byokCredentials.countByKeyId()), { k1: 1, k2: 1 })
    const stale = await store.byokCredentials.listNotEncryptedWith('k1')
    assert.deepEqual(
      stale.map((item) => item.provider),
      ['anthropic'],
    )
    assert.equal(
      await store.byokCredentials.replaceCiphertext(
        { ...stale[0]!, ciphertext: 'v1.k1.ddd', keyId: 'k1' },
        'v1.k2.old',
      ),
      false,
      'a changed row is not overwritten',
    )
    assert.equal(
      await store.byokCredentials.replaceCiphertext(
        { ...stale[0]!, ciphertext: 'v1.k1.ddd', keyId: 'k1' },
        'v1.k2.bbb',
      ),
      true,
    )
    assert.equal((await store.byokCredentials.find('ws_a', 'anthropic'))?.keyId, 'k1')
    assert.equal(await store.byokCredentials.delete('ws_a', 'anthropic'), true)
    assert.equal(await store.byokCredentials.delete('ws_a', 'anthropic'), false)
    assert.equal(await store.byokCredentials.find('ws_a', 'anthropic'), undefined)
  })

  test('api keys: hashes are unique and the workspace must exist', async () => {
    const store = getStore()
    await assert.rejects(store.apiKeys.create(apiKey({ id: 'key_3', hash: 'h1', workspaceId: 'ws_a' })))
    await assert.rejects(store.apiKeys.create(apiKey({ id: 'key_4', hash: 'h4', workspaceId: 'ws_missing' })))
  })

  test('api keys: revoke happens once', async () => {
    const store = getStore()
    assert.equal(await store.apiKeys.revoke('key_2', '2026-11-22T13:00:00.000Z'), true)
    assert.equal(await store.apiKeys.revoke('key_2', '2026-11-22T14:00:00.000Z'), false)
    assert.equal(await store.apiKeys.revoke('key_missing', '2026-11-22T14:00:00.000Z'), false)
    assert.equal((await store.apiKeys.find('key_2'))?.revokedAt, '2026-11-22T13:00:00.000Z')
  })

  test('api keys: touch records last use, later times win', async () => {
    const store = getStore()
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
}
