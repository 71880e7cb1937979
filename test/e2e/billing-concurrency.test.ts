/**
 * Billing end to end, exact reservations under concurrency: a balance for exactly N requests
 * and ten times as many at once, on SQLite (one instance) and on PostgreSQL shared by two
 * instances. Exactly N succeed, the rest are 402 without reaching the upstream, and the ledger,
 * the holds and the request logs reconcile to the nano-dollar.
 * Shared setup: `test/helpers/billing-setup.ts`.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createStore } from '../../src/storage/create-store.ts'
import type { Store } from '../../src/storage/store.ts'
import type { FakeUpstream } from '../fakes/fake-upstream.ts'
import { dropSchema, postgresSkipReason, TEST_POSTGRES_URL, uniqueSchemaName } from '../helpers/backends.ts'
import {
  type BillingFixture,
  COST_NANO,
  concurrencyRun,
  startBillingFixture,
  waitFor,
  withTwoInstances,
} from '../helpers/billing-setup.ts'
import type { TestGateway } from '../helpers/test-gateway.ts'

describe('billing: reserve, settle, 402', () => {
  let upstream: FakeUpstream
  let gateway: TestGateway
  let fixture: BillingFixture
  const N = 5
  const topUp: BillingFixture['topUp'] = (nano, key) => fixture.topUp(nano, key)

  before(async () => {
    fixture = await startBillingFixture()
    upstream = fixture.upstream
    gateway = fixture.gateway
  })
  after(() => fixture.close())

  test(`concurrency: a balance for exactly ${N} requests, ${10 * N} at once → exactly ${N} succeed, the rest 402`, async () => {
    await topUp(N * COST_NANO, 'exactly-n')
    upstream.reset()
    const statuses = await concurrencyRun([gateway], gateway.apiKey, 10 * N)
    assert.equal(statuses.filter((status) => status === 200).length, N)
    assert.equal(statuses.filter((status) => status === 402).length, 9 * N)
    assert.equal(upstream.calls.length, N, 'refused requests never reached the upstream')
    await waitFor(
      async () => (await gateway.store.ledger.balance(gateway.workspaceId)).heldNano === 0,
      'settlements',
    )
    assert.deepEqual(await gateway.store.ledger.balance(gateway.workspaceId), { balanceNano: 0, heldNano: 0 })
    assert.deepEqual(await gateway.store.ledger.verify(), [])
    // The charges are usage entries (one per settlement batch); each request's is on its log row.
    const usage = (await gateway.store.ledger.list(gateway.workspaceId, { limit: 100 })).filter(
      (entry) => entry.kind === 'usage',
    )
    assert.equal(
      usage.reduce((sum, entry) => sum + entry.amountNano, 0),
      -N * COST_NANO,
    )
    assert.ok(usage.every((entry) => entry.balanceAfterNano >= 0))
    await gateway.gateway.requestLogs.flush()
    const rows = (await gateway.store.requestLogs.list(gateway.workspaceId, { limit: 1_000 })).filter(
      (row) => row.chargedNano > 0,
    )
    assert.equal(rows.length, N)
    assert.ok(rows.every((row) => row.chargedNano === COST_NANO && row.ledgerEntryId !== null))
  })
})

const skipPostgres = await postgresSkipReason()

describe('billing on PostgreSQL shared by two gateway instances', { skip: skipPostgres }, () => {
  let store: Store
  let schema: string
  before(async () => {
    schema = uniqueSchemaName('billing')
    store = await createStore({ kind: 'postgres', url: TEST_POSTGRES_URL }, { schema, maxConnections: 20 })
  })
  after(async () => {
    await store?.close()
    await dropSchema(schema)
  })

  test('a balance for exactly N requests across two instances: exactly N succeed', async () => {
    await withTwoInstances(store, async (one, two) => {
      const workspaceId = one.workspaceId
      const N = 8
      await one.gateway.billing.topUp({
        workspaceId,
        amountNano: N * COST_NANO,
        idempotencyKey: 'pg-n',
        actor: 'test',
        kind: 'adjustment',
      })
      const statuses = await concurrencyRun([one, two], one.apiKey, 10 * N)
      assert.equal(statuses.filter((status) => status === 200).length, N)
      assert.equal(statuses.filter((status) => status === 402).length, 9 * N)
      await waitFor(async () => (await store.ledger.balance(workspaceId)).heldNano === 0, 'settlements')
      assert.deepEqual(await store.ledger.balance(workspaceId), { balanceNano: 0, heldNano: 0 })
      assert.deepEqual(await store.ledger.verify(), [])
    })
  })
})
