/**
 * Auto top-up's once-per-interval claim (storage/auto-top-up-repository.ts): of many concurrent
 * claims one wins, and none within the interval, on SQLite and on PostgreSQL across two pools as
 * two instances would (skipped without PostgreSQL, mandatory when CI=true).
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createWorkspaceService } from '../../src/services/workspace-service.ts'
import { createStore } from '../../src/storage/create-store.ts'
import type { Store } from '../../src/storage/store.ts'
import { dropSchema, postgresSkipReason, TEST_POSTGRES_URL, uniqueSchemaName } from '../helpers/backends.ts'

const HOUR_MS = 3_600_000
const USD = 1_000_000_000

/** The once-per-interval claim on one store, raced by many callers over `stores`. */
async function raceClaims(stores: Store[]) {
  const service = createWorkspaceService(stores[0]!, { signupCreditNano: 0 })
  const { id } = await service.createWorkspace(`claims-${Math.random().toString(36).slice(2)}`)
  const at = new Date().toISOString()
  const repository = stores[0]!.autoTopUp
  await repository.saveCard(
    id,
    { customerId: 'cus_1', paymentMethod: 'pm_1', brand: 'visa', last4: '4242' },
    at,
  )
  assert.equal(
    await repository.configure(id, { enabled: true, thresholdNano: 10 * USD, amountNano: 20 * USD }, at),
    'ok',
  )
  const claim = (store: Store, index: number, availableNano = USD) =>
    store.autoTopUp.claimAttempt({
      workspaceId: id,
      attemptId: `pur_${index}`,
      availableNano,
      notAfter: new Date(Date.now() - HOUR_MS).toISOString(),
      at,
    })
  const results = await Promise.all(
    Array.from({ length: 40 }, (_, index) => claim(stores[index % stores.length]!, index)),
  )
  const won = results.filter((result) => result !== undefined)
  assert.equal(won.length, 1)
  assert.equal((await repository.find(id))!.lastAttemptId, won[0]!.lastAttemptId)
  assert.equal(await claim(stores[0]!, 99), undefined, 'within the interval')
}

describe('the claim on SQLite', () => {
  test('one of many concurrent claims wins', async () => {
    const store = await createStore({ kind: 'sqlite', path: ':memory:' })
    await store.migrate()
    try {
      await raceClaims([store])
    } finally {
      await store.close()
    }
  })
})

const skip = await postgresSkipReason()
describe('the claim on PostgreSQL, two pools', { skip }, () => {
  test('one of many concurrent claims across instances wins', async () => {
    const schema = uniqueSchemaName('auto_top_up')
    const one = await createStore(
      { kind: 'postgres', url: TEST_POSTGRES_URL },
      { schema, maxConnections: 10 },
    )
    await one.migrate()
    const two = await createStore(
      { kind: 'postgres', url: TEST_POSTGRES_URL },
      { schema, maxConnections: 10 },
    )
    try {
      await raceClaims([one, two])
    } finally {
      await two.close()
      await one.close()
      await dropSchema(schema)
    }
  })
})
