/**
 * Exactly K answers for a balance that covers K requests, every time (issue 15, finding 1): N
 * requests at once on SQLite, on PostgreSQL, and on two instances sharing PostgreSQL, 20 runs
 * each with a small headroom that goes idle within the run (so leases are taken, used up and
 * handed back while reservations wait), plus the reported shapes at the default headroom; and a
 * balance row locked elsewhere for longer than the idle time while a reservation waits on it.
 * After every run nothing stays held.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { Agent, fetch as undiciFetch } from 'undici'
import { createLogger } from '../../src/logging/logger.ts'
import { startGateway } from '../../src/server/start-gateway.ts'
import { createStore } from '../../src/storage/create-store.ts'
import type { Store } from '../../src/storage/store.ts'
import { chatCompletionBody, type FakeUpstream, startFakeUpstream } from '../fakes/fake-upstream.ts'
import { dropSchema, postgresSkipReason, TEST_POSTGRES_URL, uniqueSchemaName } from '../helpers/backends.ts'
import { fakeProvider, startTestGateway, type TestGateway, testConfig } from '../helpers/test-gateway.ts'

// "hi" is estimated at 8 prompt tokens; the fake reports exactly that and max_tokens of output,
// so a request costs exactly its hold: 18 tokens at $1/1M = 18000 nano-USD.
const messages = [{ role: 'user', content: 'hi' }]
const MAX_TOKENS = 10
const COST_NANO = 18_000
const RUNS = 20

function document(upstream: FakeUpstream, billing: Record<string, unknown>): Record<string, unknown> {
  return {
    providers: [fakeProvider('fake', upstream.baseUrl)],
    models: [
      {
        id: 'm',
        offers: [{ lane: 'cheap', provider: 'fake', price: { input: '1', output: '1' }, published: true }],
      },
    ],
    billing,
  }
}

/** A small headroom (4 requests' worth) that goes back after 30 ms unused: it churns within a run. */
const CHURN = { headroom_factor: 4, headroom_idle_ms: 30 }

/**
 * All requests are sent at once, over at most 1,000 connections per instance: more would
 * overflow the listen queue the kernel allows here (net.core.somaxconn) before the gateway sees them.
 */
const client = new Agent({ connections: 1_000 })
after(() => client.close())

async function fire(urls: string[], apiKey: string, total: number): Promise<number[]> {
  // Bounded: each request has 60 s, and there are `total` of them.
  const responses = await Promise.all(
    Array.from({ length: total }, async (_, index) => {
      const response = await undiciFetch(`${urls[index % urls.length]}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages, max_tokens: MAX_TOKENS }),
        signal: AbortSignal.timeout(60_000),
        dispatcher: client,
      })
      await response.arrayBuffer()
      return response.status
    }),
  )
  return responses
}

async function nothingHeld(store: Store, workspaceId: string): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
    if ((await store.ledger.balance(workspaceId)).heldNano === 0) return
    await sleep(25)
  }
  assert.fail(`holds stayed open: ${JSON.stringify(await store.ledger.balance(workspaceId))}`)
}

/** K requests' worth, N at once, `runs` times: exactly K answered each time, nothing left held. */
async function exactRuns(
  setup: { urls: string[]; apiKey: string; store: Store; workspaceId: string; upstream: FakeUpstream },
  shape: { k: number; n: number; runs: number; label: string },
): Promise<void> {
  const { store, workspaceId, upstream } = setup
  for (let run = 0; run < shape.runs; run++) {
    await nothingHeld(store, workspaceId)
    const { balanceNano } = await store.ledger.balance(workspaceId)
    await store.ledger.append([
      {
        id: `le_${shape.label}_${run}_${Date.now()}`,
        workspaceId,
        kind: 'adjustment',
        amountNano: shape.k * COST_NANO - balanceNano,
        reason: 'exactly K',
        actor: 'test',
        idempotencyKey: null,
        requestId: null,
        createdAt: new Date().toISOString(),
      },
    ])
    upstream.reset()
    const statuses = await fire(setup.urls, setup.apiKey, shape.n)
    const counts = {
      ok: statuses.filter((s) => s === 200).length,
      refused: statuses.filter((s) => s === 402).length,
    }
    assert.deepEqual(
      counts,
      { ok: shape.k, refused: shape.n - shape.k },
      `${shape.label} run ${run + 1}: exactly K answered, the rest 402`,
    )
    assert.equal(upstream.calls.length, shape.k, 'refused requests never reach the upstream')
    await nothingHeld(store, workspaceId)
    assert.deepEqual(await store.ledger.balance(workspaceId), { balanceNano: 0, heldNano: 0 })
  }
  assert.deepEqual(await store.ledger.verify(), [])
}

describe('exactly K answers for K requests of credit: SQLite', () => {
  let upstream: FakeUpstream
  before(async () => {
    upstream = await startFakeUpstream({
      kind: 'json',
      body: chatCompletionBody('ok', 'm', {
        prompt_tokens: 8,
        completion_tokens: MAX_TOKENS,
        total_tokens: 18,
      }),
    })
  })
  after(() => upstream.close())

  for (const [label, billing, shape] of [
    ['churning headroom', CHURN, { k: 40, n: 400, runs: RUNS }],
    ['default headroom', {}, { k: 1_000, n: 3_000, runs: 2 }],
  ] as const) {
    test(`${label}: ${shape.n} at once on ${shape.k} requests of credit, ${shape.runs} runs`, async () => {
      const gateway: TestGateway = await startTestGateway(document(upstream, billing), {}, { credit: '0' })
      try {
        await exactRuns(
          {
            urls: [gateway.url],
            apiKey: gateway.apiKey,
            store: gateway.store,
            workspaceId: gateway.workspaceId,
            upstream,
          },
          { ...shape, label },
        )
      } finally {
        await gateway.close()
      }
    })
  }
})

const skipPostgres = await postgresSkipReason()

describe('exactly K answers for K requests of credit: PostgreSQL, one and two instances', {
  skip: skipPostgres,
}, () => {
  let store: Store
  let schema: string
  let upstream: FakeUpstream
  before(async () => {
    schema = uniqueSchemaName('exact')
    store = await createStore({ kind: 'postgres', url: TEST_POSTGRES_URL }, { schema, maxConnections: 20 })
    upstream = await startFakeUpstream({
      kind: 'json',
      body: chatCompletionBody('ok', 'm', {
        prompt_tokens: 8,
        completion_tokens: MAX_TOKENS,
        total_tokens: 18,
      }),
    })
  })
  after(async () => {
    await upstream?.close()
    await store?.close()
    await dropSchema(schema)
  })

  async function withInstances(
    count: 1 | 2,
    billing: Record<string, unknown>,
    body: (setup: { urls: string[]; apiKey: string; workspaceId: string }) => Promise<void>,
  ): Promise<void> {
    const one = await startTestGateway(
      document(upstream, billing),
      {},
      {
        credit: '0',
        store,
        workspaceName: `exact-${count}-${Date.now()}`,
      },
    )
    const two =
      count === 2
        ? await startGateway(testConfig(document(upstream, billing)), {
            store,
            logger: createLogger({ level: 'silent' }),
          })
        : undefined
    try {
      await body({
        urls: two === undefined ? [one.url] : [one.url, two.url],
        apiKey: one.apiKey,
        workspaceId: one.workspaceId,
      })
    } finally {
      await two?.close(1_000)
      await one.close()
    }
  }

  for (const count of [1, 2] as const) {
    test(`${count} instance(s), churning headroom: 400 at once on 40 requests of credit, ${RUNS} runs`, () =>
      withInstances(count, CHURN, (setup) =>
        exactRuns({ ...setup, store, upstream }, { k: 40, n: 400, runs: RUNS, label: `pg ${count}` }),
      ))
  }

  test('2 instances, default headroom: 10,000 at once on 1,000 requests of credit (the reported shape)', () =>
    withInstances(2, {}, (setup) =>
      exactRuns({ ...setup, store, upstream }, { k: 1_000, n: 10_000, runs: 1, label: 'pg reported' }),
    ))

  test('a balance row locked elsewhere for longer than the idle time: the waiting reservation keeps its lease, every funded request is served', () =>
    withInstances(1, {}, async ({ urls, apiKey, workspaceId }) => {
      const K = 300
      await store.ledger.append([
        {
          id: `le_lock_${Date.now()}`,
          workspaceId,
          kind: 'adjustment',
          amountNano: K * COST_NANO,
          reason: 'K requests',
          actor: 'test',
          idempotencyKey: null,
          requestId: null,
          createdAt: new Date().toISOString(),
        },
      ])
      upstream.reset()
      const locker = new pg.Client({ connectionString: TEST_POSTGRES_URL })
      await locker.connect()
      try {
        await locker.query(`set search_path to "${schema}"`)
        await locker.query('begin')
        await locker.query('select * from workspace_balances where workspace_id = $1 for update', [
          workspaceId,
        ])
        const waiting = fire(urls, apiKey, 1)
        // Longer than the idle time (1 s): the headroom timer runs while the reservation waits.
        await sleep(2_500)
        await locker.query('commit')
        assert.deepEqual(await waiting, [200])
      } finally {
        await locker.end()
      }
      const statuses = await fire(urls, apiKey, 3 * K)
      assert.equal(statuses.filter((status) => status === 200).length, K - 1, 'every funded request answered')
      assert.equal(upstream.calls.length, K)
      await nothingHeld(store, workspaceId)
      assert.deepEqual(await store.ledger.balance(workspaceId), { balanceNano: 0, heldNano: 0 })
      assert.deepEqual(await store.ledger.verify(), [])
    }))
})
