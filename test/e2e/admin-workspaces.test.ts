/**
 * The operator provisions without a shell: workspaces created and listed, and keys created in
 * them, through the admin API behind `ONEKEY_ADMIN_TOKEN` (like `POST /api/v1/admin/credits`).
 * A taken name is a 409 in OpenAI's envelope, an unknown field a 400 naming it, and the key
 * created this way serves a chat request.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { type Json, offer, readJson, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

const ADMIN_TOKEN = 'admin-token-for-workspaces-0123456789'

describe('admin API: workspaces and their keys', () => {
  let gateway: TestGateway

  before(async () => {
    gateway = await startTestGateway(
      {
        providers: [{ name: 'sim', kind: 'sim' }],
        models: [{ id: 'sim-echo', offers: [offer('sim')] }],
      },
      { ONEKEY_ADMIN_TOKEN: ADMIN_TOKEN },
    )
  })
  after(() => gateway.close())

  const call = (method: string, path: string, body?: unknown, token: string | null = ADMIN_TOKEN) =>
    fetch(`${gateway.url}${path}`, {
      method,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        'content-type': 'application/json',
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })

  async function assertError(response: Response, status: number, code: string, param: string | null) {
    const body: Json = await readJson(response)
    assert.equal(response.status, status, JSON.stringify(body))
    assert.deepEqual(Object.keys(body), ['error'])
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type'])
    assert.equal(body.error.code, code)
    assert.equal(body.error.param, param)
    return body
  }

  test('without the admin token: 401, nothing created', async () => {
    const before = (await gateway.store.workspaces.list()).length
    for (const token of [null, 'wrong-token', gateway.apiKey]) {
      await assertError(
        await call('POST', '/api/v1/admin/workspaces', { name: 'x' }, token),
        401,
        'invalid_api_key',
        null,
      )
      await assertError(
        await call('GET', '/api/v1/admin/workspaces', undefined, token),
        401,
        'invalid_api_key',
        null,
      )
      await assertError(
        await call('POST', '/api/v1/admin/workspaces/test-workspace/keys', {}, token),
        401,
        'invalid_api_key',
        null,
      )
    }
    assert.equal((await gateway.store.workspaces.list()).length, before)
    assert.equal((await gateway.store.apiKeys.list(gateway.workspaceId)).length, 1)
  })

  test('create, duplicate → 409, list, key for it serves a chat request', async () => {
    const created = await call('POST', '/api/v1/admin/workspaces', { name: 'acme' })
    assert.equal(created.status, 201)
    const workspace = await readJson(created)
    assert.deepEqual(Object.keys(workspace).sort(), ['created_at', 'id', 'name'])
    assert.match(workspace.id, /^ws_/)
    assert.equal(workspace.name, 'acme')
    assert.ok(!Number.isNaN(Date.parse(workspace.created_at)))

    const duplicate = await assertError(
      await call('POST', '/api/v1/admin/workspaces', { name: 'acme' }),
      409,
      'conflict',
      'name',
    )
    assert.equal(duplicate.error.type, 'invalid_request_error')
    assert.match(duplicate.error.message, /acme/)
    await assertError(
      await call('POST', '/api/v1/admin/workspaces', { name: 'a/b' }),
      400,
      'invalid_parameter',
      'name',
    )

    const listed = await call('GET', '/api/v1/admin/workspaces')
    assert.equal(listed.status, 200)
    const list = await readJson(listed)
    assert.equal(list.object, 'list')
    assert.deepEqual(list.data.map((item: Json) => item.name).sort(), ['acme', 'test-workspace'])
    // The list adds the operator's columns (money, tier, suspension) to what creation answered.
    const listedAcme = list.data.find((item: Json) => item.name === 'acme')
    assert.deepEqual(
      { id: listedAcme.id, name: listedAcme.name, created_at: listedAcme.created_at },
      workspace,
    )
    assert.deepEqual([listedAcme.balance, listedAcme.suspended, listedAcme.tier], ['0', false, null])

    // By name, restricted like `POST /api/v1/keys`; then by ID, with defaults.
    const byName = await call('POST', '/api/v1/admin/workspaces/acme/keys', {
      name: 'ci',
      lanes: ['cheap'],
      expires_in_days: 7,
    })
    assert.equal(byName.status, 201)
    const restricted = await readJson(byName)
    assert.equal(restricted.name, 'ci')
    assert.deepEqual(restricted.lanes, ['cheap'])
    assert.ok(restricted.expires_at !== null)
    assert.equal(restricted.management, false)
    const byId = await call('POST', `/api/v1/admin/workspaces/${workspace.id}/keys`, { management: true })
    assert.equal(byId.status, 201)
    const managementKey = await readJson(byId)
    assert.equal(managementKey.name, 'api')
    assert.equal(managementKey.management, true)
    assert.match(managementKey.key, /\S{20,}/)
    assert.ok(managementKey.key.startsWith(managementKey.prefix))
    const stored = await gateway.store.apiKeys.list(workspace.id)
    assert.equal(stored.length, 2)
    assert.ok(stored.every((key) => key.workspaceId === workspace.id))

    // Fund it the same way, then use the key.
    const topUp = await call('POST', '/api/v1/admin/credits', {
      workspace: 'acme',
      amount: '5',
      idempotency_key: 'acme-1',
      kind: 'adjustment',
    })
    assert.equal(topUp.status, 200)
    const chat = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${managementKey.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-echo', messages: [{ role: 'user', content: 'hello acme' }] }),
    })
    const answer = await readJson(chat)
    assert.equal(chat.status, 200, JSON.stringify(answer))
    assert.equal(answer.object, 'chat.completion')
    const workspaceSeen = await fetch(`${gateway.url}/api/v1/workspace`, {
      headers: { authorization: `Bearer ${managementKey.key}` },
    })
    assert.equal((await readJson(workspaceSeen)).id, workspace.id, 'the key belongs to the new workspace')
  })

  test('unknown fields are a 400 naming them; unknown workspace is a 404; nothing created', async () => {
    const workspaces = (await gateway.store.workspaces.list()).length
    const keys = (await gateway.store.apiKeys.list()).length
    const refused = await assertError(
      await call('POST', '/api/v1/admin/workspaces', { name: 'beta', plan: 'pro' }),
      400,
      'invalid_parameter',
      'plan',
    )
    assert.match(refused.error.message, /'plan'/)
    await assertError(await call('POST', '/api/v1/admin/workspaces', {}), 400, 'missing_parameter', 'name')
    await assertError(
      await call('POST', '/api/v1/admin/workspaces/test-workspace/keys', { expires_in: 30 }),
      400,
      'invalid_parameter',
      'expires_in',
    )
    await assertError(
      await call('POST', '/api/v1/admin/workspaces/test-workspace/keys', { lanes: ['nowhere'] }),
      400,
      'invalid_request',
      null,
    )
    await assertError(
      await call('POST', '/api/v1/admin/workspaces/nobody/keys', {}),
      404,
      'not_found',
      'workspace',
    )
    await assertError(
      await call('POST', '/api/v1/admin/workspaces/test-workspace', {}),
      404,
      'route_not_found',
      null,
    )
    await assertError(
      await call('POST', '/api/v1/admin/workspaces/test-workspace/keys/x', {}),
      404,
      'route_not_found',
      null,
    )
    assert.equal((await gateway.store.workspaces.list()).length, workspaces)
    assert.equal((await gateway.store.apiKeys.list()).length, keys)
  })
})
