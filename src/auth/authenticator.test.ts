import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { createStore } from '../storage/create-store.ts'
import type { ApiKeyRepository, Store } from '../storage/store.ts'
import { generateApiKey, hashApiKey } from './api-key-format.ts'
import { createAuthenticator } from './authenticator.ts'

const AT = '2026-12-06T10:00:00.000Z'
let store: Store
const key = generateApiKey()

before(async () => {
  store = await createStore({ kind: 'sqlite', path: ':memory:' })
  await store.migrate()
  await store.workspaces.create({ id: 'ws_a', name: 'a', createdAt: AT })
  await store.apiKeys.create({
    id: 'key_a',
    workspaceId: 'ws_a',
    name: 'a',
    prefix: key.slice(0, 11),
    hash: hashApiKey(key),
    createdAt: AT,
    lastUsedAt: null,
    expiresAt: null,
    revokedAt: null,
    allowedLanes: null,
    allowedModels: null,
    management: false,
    limits: { rpm: null, tpm: null, concurrency: null },
  })
})
after(() => store.close())

/** The store's keys, counting reads (and able to hold one back until told). */
function countingKeys() {
  let reads = 0
  let gate: Promise<void> | undefined
  const apiKeys: ApiKeyRepository = {
    ...store.apiKeys,
    async findByHash(hash) {
      reads++
      const found = await store.apiKeys.findByHash(hash)
      await gate
      return found
    },
  }
  return {
    apiKeys,
    reads: () => reads,
    hold() {
      let release = () => {}
      gate = new Promise<void>((resolve) => {
        release = resolve
      })
      return () => {
        gate = undefined
        release()
      }
    },
  }
}

test('a warm key is answered from the cache until a change drops it', async () => {
  const keys = countingKeys()
  const authenticator = createAuthenticator({
    apiKeys: keys.apiKeys,
    cacheTtlMs: 3_600_000,
    cacheMaxEntries: 10,
  })
  try {
    for (let index = 0; index < 5; index++) await authenticator.authenticate(`Bearer ${key}`)
    assert.equal(keys.reads(), 1)
    authenticator.invalidateWorkspace('ws_other')
    await authenticator.authenticate(`Bearer ${key}`)
    assert.equal(keys.reads(), 1, "another workspace's change keeps the entry")
    authenticator.invalidateWorkspace('ws_a')
    await authenticator.authenticate(`Bearer ${key}`)
    assert.equal(keys.reads(), 2)
    authenticator.invalidate(hashApiKey(key))
    await authenticator.authenticate(`Bearer ${key}`)
    assert.equal(keys.reads(), 3)
    authenticator.clear()
    await authenticator.authenticate(`Bearer ${key}`)
    assert.equal(keys.reads(), 4)
  } finally {
    await authenticator.close()
  }
})

test('a read that began before an invalidation answers its request but is not cached', async () => {
  const keys = countingKeys()
  const authenticator = createAuthenticator({
    apiKeys: keys.apiKeys,
    cacheTtlMs: 3_600_000,
    cacheMaxEntries: 10,
  })
  try {
    const release = keys.hold()
    const first = authenticator.authenticate(`Bearer ${key}`)
    // The key is revoked while that read is on its way back with the old row.
    await store.apiKeys.revoke('key_a', AT)
    authenticator.invalidate(hashApiKey(key))
    release()
    assert.equal((await first).revoked, false, 'the read in flight saw the key before its revocation')
    await assert.rejects(authenticator.authenticate(`Bearer ${key}`), /revoked/)
    assert.equal(keys.reads(), 2, 'the stale row was not cached: the next request read again')
  } finally {
    await authenticator.close()
  }
})
