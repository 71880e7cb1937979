/**
 * The lanes end to end, BYOK: a customer's stored key (missing, encrypted and masked, reaching
 * only its provider, rejected without trying any other key), a key given per request in
 * `byok_conf` (used first, falling back to the lane or not, never logged, checked), and BYOK
 * encryption at rest (a wrong master key fails at start-up; rotation re-encrypts).
 * Shared setup: `test/helpers/lanes-setup.ts`.
 */
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, test } from 'node:test'
import { createLogger } from '../../src/logging/logger.ts'
import { startGateway } from '../../src/server/start-gateway.ts'
import type { FakeUpstream } from '../fakes/fake-upstream.ts'
import {
  bearer,
  CUSTOMER_KEY,
  KEYS,
  type LanesFixture,
  MASTER_KEY,
  messages,
  startLanesFixture,
} from '../helpers/lanes-setup.ts'
import { assertMatchesOpenAISchema } from '../helpers/openapi.ts'
import {
  type Json,
  readJson,
  startTestGateway,
  type TestGateway,
  testConfig,
} from '../helpers/test-gateway.ts'

describe('lanes: cheap, resale and byok keep their promises', () => {
  let poolB: FakeUpstream
  let official: FakeUpstream
  let gateway: TestGateway
  let fixture: LanesFixture
  const pooledCalls = () => fixture.pooledCalls()
  const manage: LanesFixture['manage'] = (method, path, body) => fixture.manage(method, path, body)

  before(async () => {
    fixture = await startLanesFixture()
    poolB = fixture.poolB
    official = fixture.official
    gateway = fixture.gateway
  })
  beforeEach(() => fixture.reset())
  after(() => fixture.close())

  test('byok: a missing key is 403; a stored key is encrypted, masked, and reaches only its provider', async () => {
    const missing = await gateway.post('/v1/chat/completions', { model: 'byok/official/gpt-x', messages })
    assert.equal(missing.status, 403)
    assert.equal((await readJson(missing)).error.code, 'byok_credential_missing')

    // POST is only for `{provider}/test`: the bare path is not a route.
    const refused = await manage('POST', '/api/v1/byok/official')
    assert.equal(refused.status, 404)
    assert.equal((await readJson(refused)).error.code, 'route_not_found')
    const inferenceOnly = await fetch(`${gateway.url}/api/v1/byok/official`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${gateway.apiKey}` },
      body: JSON.stringify({ api_key: CUSTOMER_KEY }),
    })
    assert.equal(inferenceOnly.status, 403, 'an inference key cannot manage')
    assert.equal((await readJson(inferenceOnly)).error.code, 'management_not_allowed')

    const saved = await manage('PUT', '/api/v1/byok/official', { api_key: CUSTOMER_KEY })
    assert.equal(saved.status, 200)
    const savedBody = await readJson(saved)
    assert.equal(savedBody.hint, 'sk-c…cdef')
    assert.ok(!JSON.stringify(savedBody).includes(CUSTOMER_KEY))
    const listed = await readJson(await manage('GET', '/api/v1/byok'))
    assert.deepEqual(
      listed.data.map((item: Json) => [item.provider, item.hint]),
      [['official', 'sk-c…cdef']],
    )
    const [stored] = await gateway.store.byokCredentials.list(gateway.workspaceId)
    assert.ok(!stored!.ciphertext.includes(CUSTOMER_KEY), 'the stored value is not the plaintext')
    assert.ok(!stored!.ciphertext.includes(Buffer.from(CUSTOMER_KEY).toString('base64').slice(0, 16)))

    const response = await gateway.post('/v1/chat/completions', {
      model: 'byok/official/gpt-x',
      messages,
      user: 'end-user-42',
    })
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('x-onekey-lane'), 'byok')
    assert.equal(official.calls.length, 1)
    assert.equal(bearer(official.calls[0]!), CUSTOMER_KEY)
    assert.equal(
      official.calls[0]!.json!.user,
      'end-user-42',
      "the customer's own account gets the body as sent",
    )
    assert.equal(pooledCalls(), 0)
  })

  test('byok: a rejected key is a clear 403 and no other key is ever tried', async () => {
    await manage('PUT', '/api/v1/byok/official', { api_key: CUSTOMER_KEY })
    // A webhook to see the workspace's alerts by (its target is never reached: private address).
    await gateway.store.alerts.createWebhook({
      id: 'wh_byok',
      workspaceId: gateway.workspaceId,
      url: 'https://alerts.example.test/hook',
      secret: 'whsec_test',
      events: ['byok.rejected'],
      createdAt: new Date().toISOString(),
      disabled: false,
    })
    for (const stream of [false, true]) {
      official.reset()
      official.script({
        kind: 'json',
        status: 401,
        body: { error: { message: 'Incorrect API key provided: sk-cus***' } },
      })
      const response = await gateway.post('/v1/chat/completions', {
        model: 'byok/official/gpt-x',
        messages,
        stream,
      })
      assert.equal(response.status, 403)
      const body = await readJson(response)
      assertMatchesOpenAISchema('ErrorResponse', body)
      assert.equal(body.error.code, 'byok_credential_rejected')
      assert.match(body.error.message, /rejected your stored BYOK key/)
      assert.equal(official.calls.length, 1, 'one call, with the customer key')
      assert.equal(bearer(official.calls[0]!), CUSTOMER_KEY)
      assert.equal(pooledCalls(), 0)
    }
    // the operator's official accounts are untouched by a customer's bad key
    assert.equal(gateway.gateway.health.isAvailable('official/o1'), true)
    // Two rejections of the same stored key: one `byok.rejected` alert.
    let alerts: { kind: string }[] = []
    for (let attempt = 0; attempt < 100 && alerts.length === 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      alerts = await gateway.store.alerts.listDeliveries(gateway.workspaceId, { limit: 10 })
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
    alerts = await gateway.store.alerts.listDeliveries(gateway.workspaceId, { limit: 10 })
    assert.deepEqual(
      alerts.map((alert) => alert.kind),
      ['byok.rejected'],
    )
    await gateway.store.alerts.deleteWebhook(gateway.workspaceId, 'wh_byok')
  })

  test('"test this key": one tiny call with the stored key only; a rejected key is reported, not an error', async () => {
    await manage('PUT', '/api/v1/byok/official', { api_key: CUSTOMER_KEY })
    official.reset()
    const logged = async () => (await readJson(await manage('GET', '/api/v1/logs?limit=500'))).data.length
    const logsBefore = await logged()
    const accepted = await manage('POST', '/api/v1/byok/official/test')
    assert.equal(accepted.status, 200)
    const good = await readJson(accepted)
    assert.equal(good.ok, true)
    assert.equal(good.status, 200)
    assert.equal(official.calls.length, 1)
    assert.equal(bearer(official.calls[0]!), CUSTOMER_KEY)
    assert.equal(JSON.parse(official.calls[0]!.body).max_tokens, 1)
    official.reset()
    official.script({
      kind: 'json',
      status: 401,
      body: { error: { message: 'Incorrect API key provided: sk-cus***' } },
    })
    const rejected = await readJson(await manage('POST', '/api/v1/byok/official/test'))
    assert.deepEqual([rejected.ok, rejected.status], [false, 401])
    assert.match(rejected.message, /rejected the key/)
    assert.doesNotMatch(JSON.stringify(rejected), /sk-cus/)
    assert.equal(pooledCalls(), 0)
    assert.equal(gateway.gateway.health.isAvailable('official/o1'), true)
    const missing = await manage('POST', '/api/v1/byok/nobody/test')
    assert.equal(missing.status, 404)
    // Nothing was billed or logged for the tests.
    assert.equal(await logged(), logsBefore)
  })

  test('operator "account test": one tiny call through exactly the named account, its verdict reported', async () => {
    const admin = (path: string) =>
      fetch(`${gateway.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEYS.ONEKEY_ADMIN_TOKEN}` },
      })
    official.reset()
    const good = await admin('/api/v1/admin/providers/official/o1/test')
    assert.equal(good.status, 200)
    const answer = await readJson(good)
    assert.deepEqual([answer.ok, answer.status], [true, 200])
    assert.equal(official.calls.length, 1)
    assert.equal(pooledCalls(), 0)
    official.reset()
    official.script({
      kind: 'json',
      status: 401,
      body: { error: { message: 'Incorrect API key provided: sk-off***' } },
    })
    const rejected = await readJson(await admin('/api/v1/admin/providers/official/o1/test'))
    assert.deepEqual([rejected.ok, rejected.status], [false, 401])
    assert.match(rejected.message, /rejected the account/)
    assert.equal((await admin('/api/v1/admin/providers/official/nobody/test')).status, 404)
    assert.equal((await admin('/api/v1/admin/providers/official/o1')).status, 404)
    const forbidden = await fetch(`${gateway.url}/api/v1/admin/providers/official/o1/test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fixture.managementKey}` },
    })
    assert.equal(forbidden.status, 401, 'a workspace key is not the operator')
  })

  test('byok_conf: the given key first; on rejection it falls back to the lane (fallback: true) or stops (false)', async () => {
    official.script({ kind: 'json', status: 401, body: { error: { message: 'bad key' } } })
    const fellBack = await gateway.post('/v1/chat/completions', {
      model: 'gpt-x',
      messages,
      byok_conf: { provider: 'official', credentials: 'sk-request-key-0123456789' },
    })
    assert.equal(fellBack.status, 200)
    assert.equal(fellBack.headers.get('x-onekey-lane'), 'cheap', 'billed in the lane that served it')
    assert.equal(fellBack.headers.get('x-onekey-attempts'), '2')
    assert.equal(bearer(official.calls[0]!), 'sk-request-key-0123456789')
    assert.equal('byok_conf' in official.calls[0]!.json!, false, 'byok_conf never goes upstream')
    assert.equal(poolB.calls.length, 1)
    assert.equal(bearer(poolB.calls[0]!), KEYS.POOL_B_1)
    assert.ok(!poolB.calls[0]!.body.includes('sk-request-key'))

    official.reset()
    poolB.reset()
    official.script({ kind: 'json', status: 429, body: { error: { message: 'slow' } } })
    const rateLimited = await gateway.post('/v1/chat/completions', {
      model: 'gpt-x',
      messages,
      byok_conf: { provider: 'official', credentials: { api_key: 'sk-request-key-0123456789' } },
    })
    assert.equal(rateLimited.status, 200)
    assert.equal(poolB.calls.length, 1, 'a rate limit falls back too')

    official.reset()
    poolB.reset()
    official.script({ kind: 'json', status: 401, body: { error: { message: 'bad key' } } })
    const stopped = await gateway.post('/v1/chat/completions', {
      model: 'gpt-x',
      messages,
      byok_conf: { provider: 'official', credentials: 'sk-request-key-0123456789', fallback: false },
    })
    assert.equal(stopped.status, 403)
    assert.equal((await readJson(stopped)).error.code, 'byok_credential_rejected')
    assert.equal(pooledCalls(), 0)

    official.reset()
    const served = await gateway.post('/v1/chat/completions', {
      model: 'gpt-x',
      messages,
      byok_conf: { provider: 'official', credentials: 'sk-request-key-0123456789', fallback: false },
    })
    assert.equal(served.status, 200)
    assert.equal(served.headers.get('x-onekey-lane'), 'byok')
    assert.equal(pooledCalls(), 0)

    const logged = JSON.stringify(gateway.logs)
    assert.ok(!logged.includes('sk-request-key'), 'byok_conf credentials are never logged')
    assert.ok(!logged.includes(CUSTOMER_KEY))
  })

  test('byok_conf is checked: no byok offer for the provider is a 400 naming the field', async () => {
    const response = await gateway.post('/v1/chat/completions', {
      model: 'gpt-y',
      messages,
      byok_conf: { provider: 'official', credentials: 'sk-request-key-0123456789' },
    })
    assert.equal(response.status, 400)
    const body = await readJson(response)
    assert.equal(body.error.param, 'byok_conf.provider')
    assert.ok(!JSON.stringify(body).includes('sk-request-key'))
    const mismatched = await gateway.post('/v1/chat/completions', {
      model: 'byok/official/gpt-x',
      messages,
      byok_conf: { provider: 'pool-a', credentials: 'sk-request-key-0123456789' },
    })
    assert.equal(mismatched.status, 400)
    assert.equal((await readJson(mismatched)).error.param, 'byok_conf.provider')
    const malformed = await gateway.post('/v1/chat/completions', {
      model: 'gpt-x',
      messages,
      byok_conf: { provider: 'official' },
    })
    assert.equal((await readJson(malformed)).error.param, 'byok_conf.credentials')
  })
})

describe('BYOK encryption at rest', () => {
  test('a wrong master key fails loudly at start-up; rotation re-encrypts under the new key', async () => {
    const document = {
      storage: { url: 'sqlite::memory:' },
      providers: [{ name: 'sim', kind: 'sim' }],
      models: [{ id: 'm', offers: [{ lane: 'byok', provider: 'sim', price: { input: 0, output: 0 } }] }],
    }
    const first = await startTestGateway(document, { ONEKEY_MASTER_KEY: MASTER_KEY })
    const logger = createLogger({ level: 'silent' })
    try {
      const { key } = await first.service.createApiKey({
        workspace: first.workspaceId,
        name: 'm',
        management: true,
      })
      const saved = await fetch(`${first.url}/api/v1/byok/sim`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${key}` },
        body: JSON.stringify({ api_key: CUSTOMER_KEY }),
      })
      assert.equal(saved.status, 200)
      const served = await first.post('/v1/chat/completions', { model: 'byok/sim/m', messages })
      assert.equal(served.status, 200)

      const wrongKey = testConfig(document, { ONEKEY_MASTER_KEY: 'b2'.repeat(32) })
      await assert.rejects(
        startGateway(wrongKey, { store: first.store, logger }),
        /cannot decrypt 1 BYOK credential/,
      )
      await assert.rejects(
        startGateway(testConfig(document), { store: first.store, logger }),
        /no master key is configured/,
      )

      // Rotation: the new key encrypts, the old one (listed as previous) still opens.
      const rotated = testConfig(document, {
        ONEKEY_MASTER_KEY: 'b2'.repeat(32),
        ONEKEY_PREVIOUS_MASTER_KEYS: MASTER_KEY,
      })
      const second = await startGateway(rotated, { store: first.store, logger })
      try {
        const { createByokCredentialService } = await import('../../src/byok/byok-credential-service.ts')
        const { createCredentialCipher } = await import('../../src/byok/credential-cipher.ts')
        const service = createByokCredentialService({
          store: first.store,
          cipher: createCredentialCipher(rotated.secrets.masterKey!, rotated.secrets.previousMasterKeys),
          byokProviders: () => new Set(['sim']),
          cacheTtlMs: 0,
        })
        assert.equal(await service.rotate(), 1)
        assert.equal(await service.resolve(first.workspaceId, 'sim'), CUSTOMER_KEY)
        assert.equal(await service.rotate(), 0, 'nothing left to rotate')
      } finally {
        await second.close(100)
      }
      await startGateway(testConfig(document, { ONEKEY_MASTER_KEY: 'b2'.repeat(32) }), {
        store: first.store,
        logger,
      }).then((gateway) => gateway.close(100))
      const logged = JSON.stringify(first.logs)
      assert.ok(!logged.includes(CUSTOMER_KEY) && !logged.includes(MASTER_KEY))
    } finally {
      await first.close()
    }
  })
})
