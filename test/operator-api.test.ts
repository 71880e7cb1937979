/**
 * The operator's API (src/http/routes/admin-operator.ts) against a real store: SQLite always,
 * PostgreSQL when it answers (mandatory under CI=true). Handlers are called directly, as the
 * route table calls them after checking the operator.
 *
 * @module
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { type Authenticator, createAuthenticator } from '../src/auth/authenticator.ts'
import { hashCreditCode } from '../src/billing/credit-codes.ts'
import { createCatalog } from '../src/catalog/catalog.ts'
import { GatewayError } from '../src/errors/gateway-error.ts'
import { createAccountHealth } from '../src/gateway/attempt/account-health.ts'
import { createOfferStats } from '../src/gateway/attempt/offer-stats.ts'
import { createRoutePlanner } from '../src/gateway/route/route-planner.ts'
import { createOperatorRoutes } from '../src/http/routes/admin-operator.ts'
import { createProviderRegistry, type ProviderRegistry } from '../src/providers/registry.ts'
import { createWorkspaceService } from '../src/services/workspace-service.ts'
import { createStore } from '../src/storage/create-store.ts'
import type { LedgerKind, Store } from '../src/storage/store.ts'
import { logRow } from './contract/store-records.ts'
import { dropSchema, postgresSkipReason, TEST_POSTGRES_URL, uniqueSchemaName } from './helpers/backends.ts'
import { fakeProvider, offer, testConfig } from './helpers/test-gateway.ts'

const NOW = new Date('2026-12-06T12:00:00.000Z')
const TODAY = '2026-12-06'
const YESTERDAY = '2026-12-05'
const config = testConfig({
  providers: [
    fakeProvider('fake', 'http://127.0.0.1:9', {
      accounts: [
        { name: 'a', api_key_env: 'FAKE_KEY_A', trust: 'official' },
        { name: 'b', api_key_env: 'FAKE_KEY_B' },
      ],
    }),
  ],
  models: [{ id: 'm', offers: [offer('fake'), offer('fake', { lane: 'resale' })] }],
  limits: { default_tier: 'free', tiers: { free: { rpm: 1, tpm: 1, concurrency: 1 } } },
})

/** Expects `promise` to fail with a GatewayError of this code (and param). */
async function rejectsWith(promise: Promise<unknown>, code: string, param?: string): Promise<GatewayError> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof GatewayError, String(error))
    assert.equal(error.code, code, error.message)
    if (param !== undefined) assert.equal(error.param, param)
    return error
  }
  assert.fail(`expected ${code}`)
}

function describeOperatorApi(
  name: string,
  makeStore: () => Promise<Store>,
  destroy: (store: Store) => Promise<void>,
) {
  describe(`operator API: ${name}`, () => {
    let store: Store
    let registry: ProviderRegistry
    let authenticator: Authenticator
    let routes: ReturnType<typeof createOperatorRoutes>
    const health = createAccountHealth({
      failureThreshold: 2,
      cooldownMs: 60_000,
      maxCooldownMs: 600_000,
      now: () => NOW.getTime(),
    })
    const stats = createOfferStats()
    const ids: Record<string, string> = {}
    let apiKey = ''

    const credit = (
      workspaceId: string,
      id: string,
      kind: LedgerKind,
      amountNano: number,
      createdAt: string,
    ) =>
      store.ledger.append(
        [
          {
            id,
            workspaceId,
            kind,
            amountNano,
            reason: kind,
            actor: 'test',
            idempotencyKey: id,
            requestId: null,
            createdAt,
          },
        ],
        { allowNegative: true },
      )

    before(async () => {
      store = await makeStore()
      await store.migrate()
      registry = createProviderRegistry(config)
      const planner = createRoutePlanner(createCatalog(config.models), registry, health, stats)
      authenticator = createAuthenticator({
        apiKeys: store.apiKeys,
        cacheTtlMs: 60_000,
        cacheMaxEntries: 100,
      })
      routes = createOperatorRoutes({
        operator: store.operator,
        ledger: store.ledger,
        workspaces: store.workspaces,
        invalidateWorkspace: (id) => authenticator.invalidateWorkspace(id),
        tiers: () => ({ names: Object.keys(config.limits.tiers), defaultTier: config.limits.defaultTier }),
        providers: () => config.providers,
        planner: () => planner,
        health,
        stats,
        now: () => NOW,
      })
      let created = 0
      // One second apart: the list is in creation order.
      const service = createWorkspaceService(store, { now: () => new Date(NOW.getTime() + 1000 * created++) })
      for (const workspaceName of ['Acme Corp', 'beta_labs', 'gamma']) {
        ids[workspaceName] = (await service.createWorkspace(workspaceName)).id
      }
      apiKey = (await service.createApiKey({ workspace: 'gamma', name: 'k' })).key
      const acme = ids['Acme Corp']!
      await credit(acme, 'le_p', 'purchase', 10_000_000_000, `${YESTERDAY}T10:00:00.000Z`)
      await credit(acme, 'le_f', 'purchase_fee', -850_000_000, `${YESTERDAY}T10:00:00.000Z`)
      await credit(acme, 'le_a', 'adjustment', -1_000_000_000, `${TODAY}T09:00:00.000Z`)
      await credit(acme, 'le_r', 'refund', 250_000_000, `${TODAY}T09:30:00.000Z`)
      await credit(acme, 'le_u', 'usage', -300_000_001, `${TODAY}T10:00:00.000Z`)
      // Older than the 30-day spend window and the revenue period.
      await credit(acme, 'le_old', 'purchase', 5_000_000_000, '2026-10-01T10:00:00.000Z')
      await store.ledger.reserveMany(
        'instance_1',
        [{ workspaceId: acme, amountNano: 123 }],
        NOW.toISOString(),
      )
      await store.requestLogs.insertMany([
        logRow('gen_1', {
          workspaceId: acme,
          lane: 'cheap',
          chargedNano: 100_000_001,
          createdAt: `${TODAY}T10:00:00.000Z`,
        }),
        logRow('gen_2', {
          workspaceId: acme,
          lane: 'resale',
          chargedNano: 200_000_000,
          createdAt: `${TODAY}T10:00:01.000Z`,
        }),
        logRow('gen_3', {
          workspaceId: acme,
          lane: null,
          chargedNano: 0,
          status: 400,
          createdAt: `${TODAY}T10:00:02.000Z`,
        }),
        logRow('gen_old', {
          workspaceId: acme,
          lane: 'cheap',
          chargedNano: 7,
          createdAt: '2026-10-01T10:00:00.000Z',
        }),
      ])
    })
    after(async () => {
      await authenticator?.close()
      await registry?.close()
      if (store) await destroy(store)
    })

    test('workspaces: every one with money as decimal strings, spend over 30 days', async () => {
      const answer = JSON.parse(await routes.listWorkspaces(new URLSearchParams()))
      assert.equal(answer.default_tier, 'free')
      assert.deepEqual(answer.tiers, ['free'])
      assert.deepEqual(
        answer.data.map((workspace: { name: string }) => workspace.name),
        ['Acme Corp', 'beta_labs', 'gamma'],
      )
      assert.deepEqual(answer.data[0], {
        object: 'workspace',
        id: ids['Acme Corp'],
        name: 'Acme Corp',
        created_at: NOW.toISOString(),
        tier: null,
        suspended: false,
        balance: '13.099999999',
        held: '0.000000123',
        available: '13.099999876',
        spend_30d: '0.300000001',
      })
      assert.equal(answer.data[1].balance, '0')
      assert.equal(answer.data[1].spend_30d, '0')
    })

    test('workspaces: search is a case-insensitive substring of name or ID; wildcards are literal', async () => {
      const names = async (search: string) =>
        JSON.parse(await routes.listWorkspaces(new URLSearchParams({ search }))).data.map(
          (workspace: { name: string }) => workspace.name,
        )
      assert.deepEqual(await names('ACME'), ['Acme Corp'])
      assert.deepEqual(await names('a_l'), ['beta_labs'])
      assert.deepEqual(await names('%'), [])
      assert.deepEqual(await names(ids.gamma!.slice(3, 12).toLowerCase()), ['gamma'])
      const [acme] = JSON.parse(await routes.listWorkspaces(new URLSearchParams({ search: 'acme' }))).data
      assert.equal(acme.spend_30d, '0.300000001')
    })

    test('PATCH workspace: tier set and cleared; unknown tier or field refused', async () => {
      const updated = JSON.parse(await routes.updateWorkspace('beta_labs', { tier: 'free' }))
      assert.equal(updated.tier, 'free')
      assert.equal(updated.name, 'beta_labs')
      assert.equal(JSON.parse(await routes.updateWorkspace(ids.beta_labs!, { tier: null })).tier, null)
      const error = await rejectsWith(
        routes.updateWorkspace('beta_labs', { tier: 'gold' }),
        'invalid_parameter',
        'tier',
      )
      assert.match(error.message, /free/)
      await rejectsWith(routes.updateWorkspace('beta_labs', { plan: 'x' }), 'invalid_parameter', 'plan')
      await rejectsWith(
        routes.updateWorkspace('beta_labs', { suspended: 'yes' }),
        'invalid_parameter',
        'suspended',
      )
      await rejectsWith(routes.updateWorkspace('nope', { suspended: true }), 'not_found')
    })

    test("suspension: the workspace's keys are refused with 403 at once, and accepted again after", async () => {
      const authorization = `Bearer ${apiKey}`
      assert.equal((await authenticator.authenticate(authorization)).workspaceId, ids.gamma)
      assert.equal(JSON.parse(await routes.updateWorkspace('gamma', { suspended: true })).suspended, true)
      const error = await rejectsWith(authenticator.authenticate(authorization), 'workspace_suspended')
      assert.equal(error.status, 403)
      assert.match(error.message, /operator/)
      assert.equal((await store.workspaces.find('gamma'))?.suspended, true)
      await routes.updateWorkspace('gamma', { suspended: false })
      assert.equal((await authenticator.authenticate(authorization)).workspaceId, ids.gamma)
    })

    test('credit codes: created once in full, listed by prefix only, paged newest first', async () => {
      const created = JSON.parse(
        await routes.createCodes({ amount: '5.00', count: 5, expires_in_days: 30, note: 'promo' }),
      )
      assert.equal(created.amount, '5')
      assert.equal(created.codes.length, 5)
      assert.equal(created.expires_at, '2027-01-05T12:00:00.000Z')
      assert.match(created.codes[0], /^OKC-[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/)
      const pages: { prefix: string; batch_id: string; amount: string }[] = []
      let before: string | null = null
      do {
        const query = new URLSearchParams({ limit: '2', ...(before === null ? {} : { before }) })
        const text = await routes.listCodes(query)
        for (const code of created.codes as string[]) {
          assert.ok(!text.includes(code.slice(9)), 'the code is never listed')
          assert.ok(!text.includes(hashCreditCode(code).slice(0, 16)), 'nor its hash')
        }
        const page = JSON.parse(text)
        pages.push(...page.data)
        before = page.next_before
      } while (before !== null)
      assert.equal(pages.length, 5)
      assert.deepEqual(
        new Set(pages.map((code) => code.prefix)),
        new Set(created.codes.map((code: string) => code.slice(0, 8))),
      )
      assert.ok(pages.every((code) => code.batch_id === created.batch_id && code.amount === '5'))
      await rejectsWith(routes.createCodes({ amount: '5', count: 1001 }), 'invalid_parameter', 'count')
      await rejectsWith(routes.createCodes({ amount: '-5', count: 1 }), 'invalid_parameter', 'amount')
      await rejectsWith(
        routes.createCodes({ amount: '5', count: 1, secret: 1 }),
        'invalid_parameter',
        'secret',
      )
      await rejectsWith(routes.listCodes(new URLSearchParams({ before: 'x' })), 'invalid_parameter', 'before')
    })

    test('credit codes: a revoked code cannot be redeemed; a redeemed one cannot be revoked', async () => {
      const { codes, batch_id: batchId } = JSON.parse(await routes.createCodes({ amount: '1', count: 3 }))
      const redeem = (code: string) =>
        store.ledger.redeemCode({
          codeHash: hashCreditCode(code),
          workspaceId: ids.gamma!,
          entryId: `le_${code.slice(4, 8)}`,
          actor: 'test',
          at: NOW.toISOString(),
          creditExpiresAt: null,
        })
      const revoked = JSON.parse(await routes.revokeCode(codes[0].slice(0, 8).toLowerCase()))
      assert.equal(revoked.revoked, true)
      assert.equal(revoked.revoked_at, NOW.toISOString())
      assert.equal((await redeem(codes[0])).status, 'revoked')
      // Revoking again answers the same (a retried DELETE).
      assert.equal(JSON.parse(await routes.revokeCode(codes[0].slice(0, 8))).revoked_at, NOW.toISOString())
      assert.equal((await redeem(codes[1])).status, 'redeemed')
      const error = await rejectsWith(routes.revokeCode(codes[1].slice(0, 8)), 'conflict')
      assert.match(error.message, new RegExp(ids.gamma!))
      await rejectsWith(routes.revokeCode('OKC-ZZZZ'), 'not_found')
      const batch = JSON.parse(await routes.revokeCode(batchId))
      assert.deepEqual(
        [batch.batch_id, batch.revoked, batch.redeemed, batch.already_revoked],
        [batchId, 1, 1, 1],
      )
      assert.equal((await redeem(codes[2])).status, 'revoked')
      const listed = JSON.parse(await routes.listCodes(new URLSearchParams({ limit: '100' }))).data
      assert.equal(
        listed.find((code: { prefix: string }) => code.prefix === codes[1].slice(0, 8)).redeemed_by,
        ids.gamma,
      )
    })

    test('revenue: per day by kind and per lane, summed by the database, with totals', async () => {
      const answer = JSON.parse(await routes.revenue(new URLSearchParams({ days: '2' })))
      assert.equal(answer.since, YESTERDAY)
      assert.deepEqual(
        answer.data.map((day: { day: string }) => day.day),
        [YESTERDAY, TODAY],
      )
      const [yesterday, today] = answer.data
      assert.equal(yesterday.purchases, '10')
      assert.equal(yesterday.purchase_fees, '0.85')
      assert.deepEqual(yesterday.usage_by_lane, {})
      assert.equal(today.adjustments, '-1')
      assert.equal(today.refunds, '0.25')
      assert.equal(today.usage, '0.300000001')
      // Redemptions of the credit code tests (1 USD, today).
      assert.equal(today.redemptions, '1')
      assert.deepEqual(today.usage_by_lane, {
        '-': { requests: 1, charged: '0' },
        cheap: { requests: 1, charged: '0.100000001' },
        resale: { requests: 1, charged: '0.2' },
      })
      assert.equal(answer.totals.purchases, '10')
      assert.equal(answer.totals.usage, '0.300000001')
      assert.equal(answer.totals.usage_by_lane.cheap.charged, '0.100000001')
      const month = JSON.parse(await routes.revenue(new URLSearchParams()))
      assert.equal(month.data.length, 30)
      assert.equal(month.totals.purchases, '10')
      await rejectsWith(routes.revenue(new URLSearchParams({ days: '0' })), 'invalid_parameter', 'days')
    })

    test('providers: each account with its lanes, circuit and rolling stats, never its key', async () => {
      health.recordFailure('fake/b', 'auth')
      stats.record(['fake/a'], { ok: true, latencyMs: 120.4, tokensPerSecond: 55.55 })
      stats.record(['fake/a'], { ok: false })
      const text = await routes.providers()
      assert.ok(!text.includes('sk-fake'), 'no API key')
      const [a, b] = JSON.parse(text).data
      assert.deepEqual(a, {
        object: 'provider_account',
        provider: 'fake',
        kind: 'openai-compatible',
        account: 'a',
        trust: 'official',
        weight: 1,
        lanes: ['resale'],
        offers: 1,
        circuit: { state: 'closed', open_until: null, consecutive_failures: 0, available: true },
        stats: { samples: 2, error_rate: 0.2, latency_ms: 120, tokens_per_second: 55.6 },
      })
      assert.deepEqual(b.lanes, ['cheap'])
      assert.equal(b.circuit.state, 'open')
      assert.equal(b.circuit.open_until, new Date(NOW.getTime() + 60_000).toISOString())
      assert.equal(b.circuit.available, false)
      assert.equal(b.stats.error_rate, null)
    })
  })
}

describeOperatorApi(
  'sqlite',
  () => createStore({ kind: 'sqlite', path: ':memory:' }),
  (store) => store.close(),
)

const skip = await postgresSkipReason()
if (skip === false) {
  const schema = uniqueSchemaName('operator_api')
  describeOperatorApi(
    'postgres',
    () => createStore({ kind: 'postgres', url: TEST_POSTGRES_URL }, { schema }),
    async (store) => {
      await store.close()
      await dropSchema(schema)
    },
  )
}
