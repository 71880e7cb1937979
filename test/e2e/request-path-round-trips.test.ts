/**
 * PostgreSQL round trips of warm chat requests, counted by the store's own counter (what goes
 * over the wire: BEGIN and COMMIT included) and split by where they run: on the request's path
 * (before its response closed) or in the background (batched settlements and request logs, key
 * last-use times, heartbeats). On PostgreSQL + Redis, once warm, authentication, settings and the
 * catalog come from caches invalidated by notifications and holds from the instance's headroom:
 * zero round trips on the request path but a reservation after idling (headroom is refilled in the
 * background); the background ones are shared by many requests.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { createStore } from '../../src/storage/create-store.ts'
import type { StoragePath } from '../../src/storage/round-trip-counter.ts'
import type { Store } from '../../src/storage/store.ts'
import {
  dropSchema,
  postgresSkipReason,
  redisSkipReason,
  TEST_POSTGRES_URL,
  TEST_REDIS_URL,
  uniqueSchemaName,
} from '../helpers/backends.ts'
import { offer, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

const skip = (await postgresSkipReason()) || (await redisSkipReason())

const REQUESTS = 200
const CONCURRENCY = 8
/**
 * Background round trips per request allowed at this load: a settlement batch is one transaction
 * of about ten statements (BEGIN, balance lock, holds, usage entry, log rows, COMMIT…) shared by
 * the requests of a 20 ms window (with 8 at once, several requests per batch), plus last-use
 * times, heartbeats and returned headroom. 3 per request is what one batch of 4 or more costs;
 * unbatched settlement would cost about ten.
 */
const MAX_BACKGROUND_PER_REQUEST = 3

/** Statement kinds for the audit: `select api_keys`, `begin`, `insert request_logs`… */
function statementKind(sql: string): string {
  const text = sql.trim().toLowerCase().replace(/\s+/g, ' ')
  const verb = text.split(' ')[0] ?? ''
  const table = /\b(?:from|into|update|join)\s+"?([a-z_]+)"?/.exec(text)?.[1] ?? ''
  return `${verb} ${table}`.trim()
}

describe('round trips of warm chat requests on PostgreSQL + Redis', { skip }, () => {
  const schema = uniqueSchemaName('round_trips')
  let store: Store
  let gateway: TestGateway

  before(async () => {
    store = await createStore({ kind: 'postgres', url: TEST_POSTGRES_URL }, { schema, maxConnections: 10 })
    gateway = await startTestGateway(
      {
        storage: { url: `${TEST_POSTGRES_URL}?schema=${schema}` },
        redis: { url: TEST_REDIS_URL, key_prefix: `onekey-test:${randomUUID()}:` },
        limits: {
          backend: 'redis',
          default_tier: 'unlimited',
          tiers: { unlimited: { rpm: 1_000_000, tpm: 1e12, concurrency: 100_000 } },
        },
        providers: [{ name: 'sim', kind: 'sim' }],
        models: [{ id: 'sim-echo', offers: [offer('sim')] }],
      },
      {},
      { store },
    )
  })
  after(async () => {
    await gateway?.close()
    await store?.close()
    await dropSchema(schema)
  })

  const chat = () =>
    gateway
      .post('/v1/chat/completions', {
        model: 'sim-echo',
        messages: [{ role: 'user', content: 'count my round trips' }],
        max_tokens: 16,
      })
      .then(async (response) => {
        await response.arrayBuffer()
        return response.status
      })

  async function load(count: number): Promise<number[]> {
    const statuses: number[] = []
    let next = 0
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < count) {
          next++
          statuses.push(await chat())
        }
      }),
    )
    return statuses
  }

  test(`${REQUESTS} warm requests: no cached read on their path, headroom refills and batches amortised`, async () => {
    // Warm: the key, the workspace and the headroom are cached; everything queued is written.
    assert.deepEqual(new Set(await load(40)), new Set([200]))
    await gateway.gateway.requestLogs.flush()
    await gateway.gateway.billing.flushSettlements()

    const seen = new Map<string, number>()
    const stop = store.roundTrips.observe((sql, path: StoragePath) => {
      const kind = `${path}: ${statementKind(sql)}`
      seen.set(kind, (seen.get(kind) ?? 0) + 1)
    })
    const before = store.roundTrips.totals()
    const statuses = await load(REQUESTS)
    const onPath = store.roundTrips.totals().request - before.request
    await gateway.gateway.requestLogs.flush()
    await gateway.gateway.billing.flushSettlements()
    const after = store.roundTrips.totals()
    stop()
    const background = after.background - before.background
    const audit = [...seen].sort((a, b) => b[1] - a[1]).map(([kind, count]) => `${count}\t${kind}`)
    console.log(
      `# ${REQUESTS} requests at ${CONCURRENCY} at once: ${onPath} round trips on the request path, ` +
        `${background} in the background (${(background / REQUESTS).toFixed(2)} per request)\n# ${audit.join('\n# ')}`,
    )

    assert.equal(statuses.length, REQUESTS)
    assert.deepEqual(new Set(statuses), new Set([200]))
    // Authentication, settings, spend-limit flags, BYOK and the catalog: never read on the path.
    const cachedReads = [...seen.keys()].filter((kind) =>
      /^request: .*(api_keys|workspaces|spend_budgets|byok_credentials)/.test(kind),
    )
    assert.deepEqual(cachedReads, [], `cached reads on the request path:\n${audit.join('\n')}`)
    // The headroom is topped up in the background before it runs out (billing-service.ts
    // `refillSoon`): what may remain on the path is the reservation of a request that found the
    // headroom returned while the instance was idle (after the warm-up), and one more if a refill
    // is slower than 16 requests: each a reservation transaction (BEGIN, the balance's locked
    // update, the instance's hold row, COMMIT: at most 5).
    const reservations = [...seen.keys()].filter((kind) => kind.startsWith('request: '))
    for (const kind of reservations)
      assert.match(
        kind,
        /^request: (begin|commit|update workspace_balances|insert instance_holds)$/,
        audit.join('\n'),
      )
    const maxOnPath = 2 * 5
    assert.ok(
      onPath <= maxOnPath,
      `${onPath} round trips on the request path (at most ${maxOnPath}):\n${audit.join('\n')}`,
    )
    assert.ok(
      (seen.get('background: insert instance_holds') ?? 0) > 0,
      `refills in the background:\n${audit.join('\n')}`,
    )
    assert.ok(background > 0, 'settlements and logs were written (and counted)')
    assert.ok(
      background / REQUESTS <= MAX_BACKGROUND_PER_REQUEST,
      `${background} background round trips for ${REQUESTS} requests:\n${audit.join('\n')}`,
    )
  })

  test('/metrics shows the counter by path', async () => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text()
    const request = /onekey_storage_round_trips_total\{backend="postgres",path="request"\} (\d+)/.exec(text)
    const background = /onekey_storage_round_trips_total\{backend="postgres",path="background"\} (\d+)/.exec(
      text,
    )
    assert.ok(request !== null && background !== null, 'both series exported')
    assert.equal(Number(request[1]), store.roundTrips.totals().request)
    assert.ok(Number(background[1]) > 0)
  })
})

describe('statements of warm chat requests on SQLite', () => {
  let gateway: TestGateway

  before(async () => {
    gateway = await startTestGateway({
      providers: [{ name: 'sim', kind: 'sim' }],
      models: [{ id: 'sim-echo', offers: [offer('sim')] }],
    })
  })
  after(() => gateway?.close())

  test('100 warm requests: no cached read on their path', async () => {
    const chat = () =>
      gateway
        .post('/v1/chat/completions', { model: 'sim-echo', messages: [{ role: 'user', content: 'hi' }] })
        .then(async (response) => {
          await response.arrayBuffer()
          return response.status
        })
    for (let index = 0; index < 10; index++) assert.equal(await chat(), 200)
    await gateway.gateway.requestLogs.flush()
    const onPath: string[] = []
    const stop = gateway.store.roundTrips.observe((sql, path) => {
      if (path === 'request') onPath.push(statementKind(sql))
    })
    const statuses = await Promise.all(Array.from({ length: 100 }, chat))
    stop()
    assert.deepEqual(new Set(statuses), new Set([200]))
    assert.deepEqual(
      onPath.filter((kind) => /api_keys|workspaces|spend_budgets|byok_credentials/.test(kind)),
      [],
    )
    assert.equal(gateway.store.roundTrips.backend, 'sqlite')
  })
})
