/**
 * The management API refuses what it does not understand: every body-taking `/api/v1/*` route
 * answers an unknown field (e.g. `expires_in` for `expires_in_days`) or a wrong type with a 400 in
 * OpenAI's error envelope naming the field, and changes nothing (no key created, no BYOK key
 * stored, no workspace created, settings and balance unchanged). Valid bodies still work. Shared setup:
 * `test/helpers/lanes-setup.ts` (BYOK master key and admin token configured).
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createCreditCodes } from '../../src/billing/credit-codes.ts'
import { CUSTOMER_KEY, KEYS, type LanesFixture, startLanesFixture } from '../helpers/lanes-setup.ts'
import { routeTableForWalk } from '../helpers/route-table-walk.ts'
import { type Json, readJson, type TestGateway } from '../helpers/test-gateway.ts'

/** A body-taking route, a valid body for it, and how to read the state it changes. */
interface Case {
  method: string
  path: string
  /** The key in the route table (`/api/v1/byok/` for a path with a parameter). */
  route: string
  admin?: boolean
  unknown: Record<string, unknown>[]
  wrongType: { body: Record<string, unknown>; param: string }
  expected: string[]
}

async function assertRefused(response: Response, param: string, code = 'invalid_parameter'): Promise<Json> {
  const body = await readJson(response)
  assert.equal(response.status, 400, JSON.stringify(body))
  assert.deepEqual(Object.keys(body), ['error'])
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type'])
  assert.equal(body.error.type, 'invalid_request_error')
  assert.equal(body.error.code, code)
  assert.equal(body.error.param, param)
  assert.match(body.error.message, new RegExp(`'${param}'`))
  return body
}

describe('management API bodies are strict', () => {
  let fixture: LanesFixture
  let gateway: TestGateway
  let code: string

  const call = (method: string, path: string, body: unknown, admin = false) =>
    fetch(`${gateway.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${admin ? KEYS.ONEKEY_ADMIN_TOKEN : fixture.managementKey}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    })

  /** Everything a management or admin call could change, to compare before and after. */
  async function state() {
    const { workspaceId, store } = gateway
    const workspace = (await store.workspaces.find(workspaceId))!
    return {
      keys: (await store.apiKeys.list(workspaceId)).map((key) => key.id).sort(),
      byok: (await store.byokCredentials.list(workspaceId)).map((item) => item.provider),
      settings: [workspace.defaultLane, workspace.denyDataCollection, workspace.promptCache],
      balance: (await store.ledger.balance(workspaceId)).balanceNano,
      ledger: (await store.ledger.list(workspaceId, { limit: 500 })).length,
      workspaces: (await store.workspaces.list()).map((item) => item.name).sort(),
      alerts: [
        await store.alerts.settings(workspaceId),
        (await store.alerts.listWebhooks(workspaceId)).length,
      ],
      budgets: (await store.budgets.list(workspaceId, '2026-12-06T00:00:00.000Z')).map(
        (item) => item.scopeId,
      ),
      autoTopUp: await store.autoTopUp.find(workspaceId),
    }
  }

  before(async () => {
    fixture = await startLanesFixture()
    gateway = fixture.gateway
    const { codes } = await createCreditCodes(gateway.store.ledger, {
      amountNano: 3_000_000_000,
      count: 1,
      expiresAt: undefined,
    })
    code = codes[0]!
  })
  after(() => fixture.close())

  const cases = (): Case[] => [
    {
      method: 'POST',
      path: '/api/v1/keys',
      route: '/api/v1/keys',
      unknown: [{ expires_in: '30d' }, { lane: ['cheap'] }, { name: 'ci', models: ['gpt-x'], scope: 'all' }],
      wrongType: { body: { name: 'ci', management: 'yes' }, param: 'management' },
      expected: ['name', 'expires_in_days', 'lanes', 'models', 'management', 'limits'],
    },
    {
      method: 'PUT',
      path: '/api/v1/byok/official',
      route: '/api/v1/byok/',
      unknown: [{ api_key: CUSTOMER_KEY, label: 'mine' }],
      wrongType: { body: { api_key: 42 }, param: 'api_key' },
      expected: ['api_key'],
    },
    {
      method: 'PATCH',
      path: '/api/v1/workspace',
      route: '/api/v1/workspace',
      unknown: [{ default_lanes: 'resale' }, { default_lane: 'resale', name: 'renamed' }],
      wrongType: { body: { prompt_cache: 'no' }, param: 'prompt_cache' },
      expected: ['default_lane', 'deny_data_collection', 'prompt_cache'],
    },
    {
      method: 'POST',
      path: '/api/v1/credits/redeem',
      route: '/api/v1/credits/redeem',
      unknown: [{ code, workspace: 'someone-else' }],
      wrongType: { body: { code: 12345 }, param: 'code' },
      expected: ['code'],
    },
    {
      method: 'POST',
      path: '/api/v1/credits/checkout',
      route: '/api/v1/credits/checkout',
      unknown: [{ amount: '20', currency: 'eur' }],
      wrongType: { body: { amount: 20 }, param: 'amount' },
      expected: ['amount'],
    },
    {
      method: 'PUT',
      path: '/api/v1/keys/key_any/budget',
      route: '/api/v1/keys/',
      unknown: [{ daily: '1.00' }, { day: '1', total: '5', currency: 'usd' }],
      wrongType: { body: { day: 5 }, param: 'day' },
      expected: ['total', 'day', 'week', 'month'],
    },
    {
      method: 'PUT',
      path: '/api/v1/workspace/budget',
      route: '/api/v1/workspace/budget',
      unknown: [{ month: '100', day: '5' }],
      wrongType: { body: { month: 100 }, param: 'month' },
      expected: ['month'],
    },
    {
      method: 'PUT',
      path: '/api/v1/credits/auto-top-up',
      route: '/api/v1/credits/auto-top-up',
      unknown: [{ enabled: false, threshold: '5', amount: '20', card: 'pm_x' }],
      wrongType: { body: { enabled: 'yes', threshold: '5', amount: '20' }, param: 'enabled' },
      expected: ['enabled', 'threshold', 'amount'],
    },
    {
      method: 'PUT',
      path: '/api/v1/alerts/settings',
      route: '/api/v1/alerts/settings',
      unknown: [{ balance_below: '5', email: true, threshold: '5' }],
      wrongType: { body: { balance_below: 5, email: true }, param: 'balance_below' },
      expected: ['balance_below', 'email'],
    },
    {
      method: 'POST',
      path: '/api/v1/alerts/webhooks',
      route: '/api/v1/alerts/webhooks',
      unknown: [{ url: 'https://example.com/hook', secret: 'mine' }],
      wrongType: { body: { url: 42 }, param: 'url' },
      expected: ['url', 'events'],
    },
    {
      method: 'POST',
      path: '/api/v1/admin/credits',
      route: '/api/v1/admin/credits',
      admin: true,
      unknown: [
        { workspace: 'test-workspace', amount: '5', idempotency_key: 'strict-1', note: 'x' },
        { workspace: 'test-workspace', amount: '5', idempotency_key: 'strict-2', currency: 'EUR' },
      ],
      wrongType: {
        body: { workspace: 'test-workspace', amount: '5', idempotency_key: 'strict-3', kind: 'gift' },
        param: 'kind',
      },
      expected: ['workspace', 'amount', 'idempotency_key', 'kind', 'reason'],
    },
    {
      method: 'POST',
      path: '/api/v1/admin/workspaces',
      route: '/api/v1/admin/workspaces',
      admin: true,
      unknown: [{ name: 'strict-ws', plan: 'pro' }, { workspace: 'strict-ws' }],
      wrongType: { body: { name: 42 }, param: 'name' },
      expected: ['name'],
    },
    {
      method: 'POST',
      path: '/api/v1/admin/workspaces/test-workspace/keys',
      route: '/api/v1/admin/workspaces/',
      admin: true,
      unknown: [{ expires_in: '30d' }, { name: 'ci', scope: 'all' }],
      wrongType: { body: { name: 'ci', management: 'yes' }, param: 'management' },
      expected: ['name', 'expires_in_days', 'lanes', 'models', 'management', 'limits'],
    },
    {
      method: 'POST',
      path: '/api/v1/admin/credit-codes',
      route: '/api/v1/admin/credit-codes',
      admin: true,
      unknown: [{ amount: '1', count: 1, currency: 'EUR' }],
      wrongType: { body: { amount: '1', count: 'ten' }, param: 'count' },
      expected: ['amount', 'count', 'expires_in_days', 'note'],
    },
    {
      method: 'PATCH',
      path: '/api/v1/admin/workspaces/test-workspace',
      route: '/api/v1/admin/workspaces/',
      admin: true,
      unknown: [{ suspended: true, plan: 'pro' }],
      wrongType: { body: { suspended: 'yes' }, param: 'suspended' },
      expected: ['tier', 'suspended'],
    },
  ]

  test('every POST/PUT/PATCH route under /api/v1 is walked here', () => {
    // The table only stores the dependencies at build time; nothing is called.
    const { routes, parameterRoutes } = routeTableForWalk()
    const found: string[] = []
    for (const table of [routes, parameterRoutes]) {
      for (const [path, methods] of table) {
        if (!path.startsWith('/api/v1/')) continue
        // Session routes: console-accounts.test.ts walks their bodies with a signed-in browser.
        if (/^\/api\/v1\/(auth\/|workspaces$|members)/.test(path)) continue
        for (const method of methods.keys()) {
          if (method === 'POST' || method === 'PUT' || method === 'PATCH') found.push(`${method} ${path}`)
        }
      }
    }
    const walked = cases().map((item) => `${item.method} ${item.route}`)
    // Not management bodies: the quote takes a chat completion request, and reload reads no body.
    // Not management bodies: the quote takes a chat completion request; reload and the key and account tests read no body.
    // The Stripe webhook's body is Stripe's event, verified by its signature.
    const other = [
      'POST /api/v1/quote',
      'POST /api/v1/admin/reload',
      'POST /api/v1/byok/',
      'POST /api/v1/payments/stripe/webhook',
      'POST /api/v1/admin/providers/',
      // Sends a test alert; reads no body.
      'POST /api/v1/alerts/webhooks/',
      // Console sessions only (API keys are refused): playground.test.ts walks their strict bodies.
      'POST /api/v1/playground/chat/completions',
      'POST /api/v1/playground/quote',
    ]
    assert.deepEqual(found.sort(), [...walked, ...other].sort())
  })

  test('an unknown field or a wrong type is a 400 naming the field, and changes nothing', async () => {
    const start = await state()
    for (const item of cases()) {
      for (const body of item.unknown) {
        const field = Object.keys(body).find((name) => !item.expected.includes(name))!
        const refused = await assertRefused(await call(item.method, item.path, body, item.admin), field)
        for (const name of item.expected) {
          assert.ok(refused.error.message.includes(name), `${item.path}: the message lists '${name}'`)
        }
      }
      const { body, param } = item.wrongType
      await assertRefused(await call(item.method, item.path, body, item.admin), param)
      assert.deepEqual(await state(), start, `${item.method} ${item.path} changed nothing`)
    }
  })

  test('missing required fields are missing_parameter; an empty key body is fine', async () => {
    const start = await state()
    await assertRefused(await call('PUT', '/api/v1/byok/official', {}), 'api_key', 'missing_parameter')
    await assertRefused(await call('POST', '/api/v1/credits/redeem', {}), 'code', 'missing_parameter')
    await assertRefused(
      await call('POST', '/api/v1/admin/credits', { workspace: 'test-workspace', amount: '1' }, true),
      'idempotency_key',
      'missing_parameter',
    )
    assert.deepEqual(await state(), start)
    const created = await call('POST', '/api/v1/keys', {})
    assert.equal(created.status, 201)
    assert.equal((await readJson(created)).name, 'api')
  })

  test('valid bodies still work', async () => {
    const key = await call('POST', '/api/v1/keys', { name: 'ci', lanes: ['cheap'], expires_in_days: 7 })
    assert.equal(key.status, 201)
    const created = await readJson(key)
    assert.deepEqual(created.lanes, ['cheap'])
    assert.ok(created.expires_at !== null)

    const saved = await call('PUT', '/api/v1/byok/official', { api_key: CUSTOMER_KEY })
    assert.equal(saved.status, 200)
    assert.equal((await readJson(saved)).provider, 'official')

    const settings = await call('PATCH', '/api/v1/workspace', { deny_data_collection: true })
    assert.equal(settings.status, 200)
    assert.equal((await readJson(settings)).deny_data_collection, true)
    assert.equal((await call('PATCH', '/api/v1/workspace', { deny_data_collection: false })).status, 200)

    const before = (await gateway.store.ledger.balance(gateway.workspaceId)).balanceNano
    const redeemed = await call('POST', '/api/v1/credits/redeem', { code })
    assert.equal(redeemed.status, 200)
    assert.equal((await readJson(redeemed)).replayed, false, 'the refused calls did not redeem it')

    const topUp = await call(
      'POST',
      '/api/v1/admin/credits',
      { workspace: 'test-workspace', amount: '1', idempotency_key: 'strict-ok', kind: 'adjustment' },
      true,
    )
    assert.equal(topUp.status, 200)
    const after = (await gateway.store.ledger.balance(gateway.workspaceId)).balanceNano
    assert.equal(after - before, 4_000_000_000)
  })
})
